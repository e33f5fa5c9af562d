//! Reading the trail: the audit page's filters, checked, and the SQL that applies them.
//!
//! A manager reads the entries of the shops they manage only; entries of other shops and
//! group-wide ones (logins, maintenance, personal data requests) are the administrators'.

use crate::db::ts;
use crate::error::{ApiError, ApiResult};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use ocpizza_proto::ShopId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::fmt::Write;

/// Most entries in one page.
pub const MAX_PAGE: i64 = 200;
/// Most entries in one CSV file.
pub const MAX_CSV: i64 = 20_000;
/// The time zone of dates given without a time (the group's shops are in France).
pub const ZONE: &str = "Europe/Paris";

/// The audit page's filters, as the query string gives them.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this shop's entries.
    pub shop_id: Option<i64>,
    /// Only what this account did.
    pub actor_id: Option<i64>,
    /// Only what accounts whose name contains this did (case-insensitive).
    #[param(max_length = 100)]
    pub actor: Option<String>,
    /// An action (`order.cancelled`) or a family of actions (`order`, `staff`, `auth`).
    #[param(max_length = 60)]
    pub action: Option<String>,
    /// What it was done to, `kind:id` (`order:42`, `user:7`, `ingredient:3`).
    #[param(max_length = 100)]
    pub subject: Option<String>,
    /// An order number: the same as `subject=order:N`.
    pub order: Option<i64>,
    /// From this day (`YYYY-MM-DD`, French time) or instant (RFC 3339), included.
    pub from: Option<String>,
    /// To this day (`YYYY-MM-DD`, French time, the whole day) or instant (RFC 3339), excluded.
    pub to: Option<String>,
    /// Entries older than this one (its `id`): the next page's cursor is the last `id` seen.
    pub before: Option<i64>,
    /// At most this many entries (default 50, max 200; the CSV file takes up to 20,000).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

/// Which shops a reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every entry (administrators).
    All,
    /// The entries of these shops only (managers).
    Shops(Vec<ShopId>),
}

/// Checked filters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filters {
    shop: Option<i64>,
    actor_id: Option<i64>,
    actor: Option<String>,
    action: Option<(String, bool)>,
    subject: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    before: Option<i64>,
}

impl Filters {
    /// What `actor` did.
    pub fn by_actor(actor: i64) -> Filters {
        Filters {
            actor_id: Some(actor),
            ..Filters::default()
        }
    }

    /// What was done to `subject`.
    pub fn about(subject: String) -> Filters {
        Filters {
            subject: Some(subject),
            ..Filters::default()
        }
    }
}

impl AuditQuery {
    /// The filters, or 422 naming the parameter that is wrong.
    pub fn filters(&self) -> ApiResult<Filters> {
        let text = |field: &str, v: &Option<String>, max: usize| -> ApiResult<Option<String>> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
                    Err(ApiError::field(
                        format!("query.{field}"),
                        format!("at most {max} characters"),
                    ))
                }
                Some(v) => Ok(Some(v.to_owned())),
            }
        };
        let action = match text("action", &self.action, 60)? {
            None => None,
            Some(a) => {
                let valid = !a.starts_with('.')
                    && !a.ends_with('.')
                    && a.matches('.').count() <= 1
                    && a.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.');
                if !valid {
                    return Err(ApiError::field(
                        "query.action",
                        "an action such as order.cancelled, or a family such as order",
                    ));
                }
                let exact = a.contains('.');
                Some((a, exact))
            }
        };
        let subject = match (text("subject", &self.subject, 100)?, self.order) {
            (Some(_), Some(_)) => {
                return Err(ApiError::field(
                    "query.order",
                    "give either an order number or a subject, not both",
                ));
            }
            (None, Some(n)) if n <= 0 => {
                return Err(ApiError::field("query.order", "must be an order number"));
            }
            (None, Some(n)) => Some(format!("order:{n}")),
            (Some(s), None) => {
                let valid = s.split_once(':').is_some_and(|(kind, id)| {
                    !kind.is_empty()
                        && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        && !id.is_empty()
                });
                if !valid && s != "site" {
                    return Err(ApiError::field(
                        "query.subject",
                        "kind:id, such as order:42 or user:7",
                    ));
                }
                Some(s)
            }
            (None, None) => None,
        };
        let from = bound("from", self.from.as_deref(), false)?;
        let to = bound("to", self.to.as_deref(), true)?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ApiError::field("query.to", "must be after `from`"));
        }
        Ok(Filters {
            shop: self.shop_id,
            actor_id: self.actor_id,
            actor: text("actor", &self.actor, 100)?,
            action,
            subject,
            from,
            to,
            before: self.before,
        })
    }

    /// The page size asked for, checked.
    pub fn page_size(&self) -> ApiResult<i64> {
        let limit = self.limit.unwrap_or(50);
        if (1..=MAX_PAGE).contains(&limit) {
            Ok(limit)
        } else {
            Err(ApiError::field("query.limit", "must be between 1 and 200"))
        }
    }
}

/// A date (start of that day, or of the next one for an end) or an instant, in Unix ms.
fn bound(field: &str, value: Option<&str>, end: bool) -> ApiResult<Option<i64>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let wrong = || {
        ApiError::field(
            format!("query.{field}"),
            "a date YYYY-MM-DD or an instant such as 2026-12-03T08:00:00Z",
        )
    };
    if let Ok(instant) = value.parse::<jiff::Timestamp>() {
        return Ok(Some(instant.as_millisecond()));
    }
    let date: Date = value.parse().map_err(|_| wrong())?;
    let date = if end {
        date.tomorrow().map_err(|_| wrong())?
    } else {
        date
    };
    let tz = TimeZone::get(ZONE).unwrap_or(TimeZone::UTC);
    let start = date.to_zoned(tz).map_err(|_| wrong())?;
    Ok(Some(start.timestamp().as_millisecond()))
}

/// One entry as the audit page and the CSV file show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Id (the paging cursor).
    pub id: i64,
    /// When.
    pub at: jiff::Timestamp,
    /// Who, when it was an account (none for guests and the system).
    pub actor_id: Option<i64>,
    /// Their name at the time.
    pub actor_name: Option<String>,
    /// The shop concerned (none for group-wide entries).
    pub shop_id: Option<i64>,
    /// Its name.
    pub shop_name: Option<String>,
    /// What was done (`order.cancelled`, `staff.login`, …).
    pub action: String,
    /// What it was done to (`order:42`, `user:7`, …).
    pub subject: String,
    /// Why, when said.
    pub reason: Option<String>,
    /// The state before.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The state after.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

/// A page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// The cursor of the next page (`before=`), when there may be one.
    pub next_before: Option<i64>,
}

fn json(r: &AnyRow, col: &str) -> sqlx::Result<Option<Value>> {
    Ok(r.try_get::<Option<String>, _>(col)?
        .and_then(|t| serde_json::from_str(&t).ok()))
}

/// The entries `scope` may read that pass `f`, newest first, at most `limit`.
pub async fn entries(
    pool: &sqlx::AnyPool,
    scope: &Scope,
    f: &Filters,
    limit: i64,
) -> sqlx::Result<Vec<AuditEntry>> {
    // Numbers are written into the statement (they are i64s); texts are bound.
    let mut sql = String::from(
        "SELECT a.id, a.at, a.actor_id, a.actor_name, a.shop_id, s.name AS shop_name, \
         a.action, a.subject, a.reason, a.before, a.after \
         FROM audit_log a LEFT JOIN shops s ON s.id = a.shop_id WHERE 1 = 1",
    );
    if let Scope::Shops(shops) = scope {
        let list: Vec<String> = shops.iter().map(|s| s.0.to_string()).collect();
        let list = if list.is_empty() {
            "-1".to_owned()
        } else {
            list.join(", ")
        };
        let _ = write!(sql, " AND a.shop_id IN ({list})");
    }
    let numbers = [
        ("a.shop_id =", f.shop),
        ("a.actor_id =", f.actor_id),
        ("a.at >=", f.from),
        ("a.at <", f.to),
        ("a.id <", f.before),
    ];
    for (condition, value) in numbers {
        if let Some(v) = value {
            let _ = write!(sql, " AND {condition} {v}");
        }
    }
    let mut texts: Vec<String> = Vec::new();
    let mut bind = |condition: &str, value: String, tail: &str| {
        texts.push(value);
        let _ = write!(sql, " AND {condition} ${}{tail}", texts.len());
    };
    if let Some(actor) = &f.actor {
        let pattern = format!("%{}%", escape_like(&actor.to_lowercase()));
        bind("LOWER(a.actor_name) LIKE", pattern, " ESCAPE '\\'");
    }
    match &f.action {
        Some((a, true)) => bind("a.action =", a.clone(), ""),
        Some((a, false)) => bind("a.action LIKE", format!("{a}.%"), ""),
        None => {}
    }
    if let Some(s) = &f.subject {
        bind("a.subject =", s.clone(), "");
    }
    let _ = write!(sql, " ORDER BY a.id DESC LIMIT {limit}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for t in texts {
        query = query.bind(t);
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: ts(r.try_get("at")?),
                actor_id: r.try_get("actor_id")?,
                actor_name: r.try_get("actor_name")?,
                shop_id: r.try_get("shop_id")?,
                shop_name: r.try_get("shop_name")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                reason: r.try_get("reason")?,
                before: json(r, "before")?,
                after: json(r, "after")?,
            })
        })
        .collect()
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(f: impl FnOnce(&mut AuditQuery)) -> AuditQuery {
        let mut q = AuditQuery::default();
        f(&mut q);
        q
    }

    #[test]
    fn filters_are_checked_and_named_when_wrong() {
        let bad = |q: AuditQuery| q.filters().err().map(|e| e.to_string());
        assert!(bad(q(|q| q.action = Some("Order;DROP".into()))).is_some());
        assert!(bad(q(|q| q.action = Some("order.".into()))).is_some());
        assert!(bad(q(|q| q.subject = Some("42".into()))).is_some());
        assert!(bad(q(|q| q.from = Some("03/12/2026".into()))).is_some());
        assert!(
            bad(q(|q| {
                q.from = Some("2026-12-03".into());
                q.to = Some("2026-12-01".into());
            }))
            .is_some()
        );
        assert!(
            bad(q(|q| {
                q.order = Some(4);
                q.subject = Some("user:1".into());
            }))
            .is_some()
        );
        let ok = q(|q| {
            q.action = Some("order".into());
            q.order = Some(4);
            q.from = Some("2026-12-03".into());
            q.to = Some("2026-12-03".into());
        })
        .filters()
        .expect("valid");
        assert_eq!(ok.action, Some(("order".into(), false)));
        assert_eq!(ok.subject.as_deref(), Some("order:4"));
        // The whole day in Paris (UTC+1 in December).
        assert_eq!(ok.to.zip(ok.from).map(|(t, f)| t - f), Some(86_400_000));
        assert_eq!(
            ok.from,
            Some(
                "2026-12-02T23:00:00Z"
                    .parse::<jiff::Timestamp>()
                    .unwrap()
                    .as_millisecond()
            )
        );
    }
}
