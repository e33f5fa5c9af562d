//! The audit page's pure parts: its filters as a query string, the entries as the server sends
//! them, and a change (before → after) put in words.

use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;

/// The filters typed on the page (empty: not filtered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilters {
    /// Shop id.
    pub shop: String,
    /// Part of the actor's name.
    pub actor: String,
    /// An action family (`order`) or action (`order.cancelled`).
    pub action: String,
    /// Order number.
    pub order: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`, included.
    pub to: String,
}

/// One entry of `GET /api/v1/audit`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct AuditEntry {
    pub id: i64,
    pub at: ocpizza_proto::Timestamp,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub shop_id: Option<i64>,
    pub shop_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub reason: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A page of `GET /api/v1/audit`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// The cursor of the next page.
    pub next_before: Option<i64>,
}

impl AuditFilters {
    /// The query string (without `?`) of these filters, for the list and the CSV file alike.
    pub fn query(&self) -> String {
        let pairs = [
            ("shop_id", &self.shop),
            ("actor", &self.actor),
            ("action", &self.action),
            ("order", &self.order),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A JSON value in words: text without quotes, objects as `key: value`, lists joined.
fn words(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(words).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", words(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A change in words, one part per field: `on_hand: 100 → 350`, `role: cook → —`, or the
/// new value alone when there was nothing before.
pub fn change_text(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let field = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).cloned();
    let mut keys: Vec<String> = Vec::new();
    for v in [before, after].into_iter().flatten() {
        match v.as_object() {
            Some(map) => {
                for k in map.keys() {
                    if !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
            }
            None => return vec![format!("{} → {}", opt(before), opt(after))],
        }
    }
    keys.iter()
        .filter_map(|k| match (field(before, k), field(after, k)) {
            (Some(b), Some(a)) if a == b => None,
            (Some(b), Some(a)) => Some(format!("{k}: {} → {}", words(&b), words(&a))),
            (Some(b), None) if after.is_some() => Some(format!("{k}: {} → —", words(&b))),
            (Some(b), None) => Some(format!("{k}: {} → —", words(&b))),
            (None, Some(a)) if before.is_some() => Some(format!("{k}: — → {}", words(&a))),
            (None, Some(a)) => Some(format!("{k}: {}", words(&a))),
            (None, None) => None,
        })
        .collect()
}

fn opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "—".to_owned(), words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_make_one_query_string_without_the_empty_ones() {
        let f = AuditFilters {
            actor: " Marc M ".into(),
            action: "order".into(),
            from: "2026-12-01".into(),
            ..AuditFilters::default()
        };
        assert_eq!(f.query(), "actor=Marc%20M&action=order&from=2026-12-01");
        assert_eq!(AuditFilters::default().query(), "");
        assert_eq!(encode("é&="), "%C3%A9%26%3D");
    }

    #[test]
    fn a_change_reads_field_by_field() {
        let before = json!({"on_hand": 100, "reserved": 4});
        let after = json!({"on_hand": 350, "reserved": 4, "ingredient": "Mozzarella"});
        assert_eq!(
            change_text(Some(&before), Some(&after)),
            ["on_hand: 100 → 350", "ingredient: — → Mozzarella"]
        );
        assert_eq!(
            change_text(Some(&json!({"role": "cook"})), None),
            ["role: cook → —"]
        );
        assert_eq!(
            change_text(None, Some(&json!({"status": "preparing"}))),
            ["status: preparing"]
        );
        assert!(change_text(None, None).is_empty());
    }
}
