//! The payments the fake remembers (orders, authorizations, captures, refunds), how each is
//! written in PayPal's JSON, and PayPal's error answer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

/// An amount: a currency and a number of its hundredths.
///
/// Every currency is taken to have two decimals (true of EUR, the only one OC Pizza uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Amount {
    pub currency: String,
    pub cents: i64,
}

impl Amount {
    /// Reads PayPal's `{currency_code, value}`.
    pub fn parse(v: &Value) -> Option<Amount> {
        let currency = v.get("currency_code")?.as_str()?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let cents = parse_value(v.get("value")?.as_str()?)?;
        Some(Amount {
            currency: currency.to_owned(),
            cents,
        })
    }

    /// The same amount in another number of hundredths.
    pub fn with(&self, cents: i64) -> Amount {
        Amount {
            currency: self.currency.clone(),
            cents,
        }
    }

    pub fn json(&self) -> Value {
        json!({"currency_code": self.currency, "value": format_value(self.cents)})
    }
}

/// `"12.50"` → 1250: digits, then optionally a point and one or two digits.
pub(crate) fn parse_value(s: &str) -> Option<i64> {
    let (units, decimals) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() || units.len() > 15 || !digits(units) || !digits(decimals) {
        return None;
    }
    if s.contains('.') && !(1..=2).contains(&decimals.len()) {
        return None;
    }
    let hundredths = match decimals.len() {
        0 => 0,
        1 => decimals.parse::<i64>().ok()? * 10,
        _ => decimals.parse::<i64>().ok()?,
    };
    units
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(hundredths)
}

/// 1250 → `"12.50"`.
pub(crate) fn format_value(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A new PayPal-looking id: 17 upper-case letters and digits.
pub(crate) fn new_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXY0123456789";
    (0..17)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

/// Now, in PayPal's Internet date and time format (`2026-12-02T12:31:10Z`).
pub(crate) fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string())
}

/// A checkout order (Orders v2).
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub id: String,
    /// CREATED, PAYER_ACTION_REQUIRED, APPROVED, COMPLETED or VOIDED.
    pub status: &'static str,
    pub amount: Amount,
    pub reference_id: String,
    pub custom_id: Option<String>,
    pub description: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    /// Created with `payment_source.paypal.experience_context` (answers
    /// `PAYER_ACTION_REQUIRED` with a `payer-action` link) rather than `application_context`.
    pub payer_action: bool,
    /// The next authorization of this order is declined.
    pub decline: bool,
    pub payer_id: Option<String>,
    pub authorizations: Vec<String>,
    pub create_time: String,
    pub update_time: String,
}

impl Order {
    /// The status of an order waiting for its buyer.
    pub fn awaiting_status(&self) -> &'static str {
        if self.payer_action {
            "PAYER_ACTION_REQUIRED"
        } else {
            "CREATED"
        }
    }
}

/// An authorized payment (Payments v2).
#[derive(Debug, Clone)]
pub(crate) struct Authorization {
    pub id: String,
    pub order_id: String,
    /// CREATED, PARTIALLY_CAPTURED, CAPTURED or VOIDED.
    pub status: &'static str,
    pub amount: Amount,
    pub captured: i64,
    /// No more captures: a final capture was made or the rest was voided.
    pub closed: bool,
    pub captures: Vec<String>,
    pub create_time: String,
    pub update_time: String,
    pub expiration_time: String,
}

/// A captured payment.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    pub id: String,
    pub order_id: String,
    pub authorization_id: String,
    /// COMPLETED, PARTIALLY_REFUNDED or REFUNDED.
    pub status: &'static str,
    pub amount: Amount,
    pub is_final: bool,
    pub refunded: i64,
    pub refunds: Vec<String>,
    pub create_time: String,
    pub update_time: String,
}

/// A refund of a capture.
#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub id: String,
    pub capture_id: String,
    pub amount: Amount,
    pub create_time: String,
}

/// Everything that was paid, by id.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// `http://127.0.0.1:PORT`, for the links.
    pub base: String,
    pub orders: HashMap<String, Order>,
    pub authorizations: HashMap<String, Authorization>,
    pub captures: HashMap<String, Capture>,
    pub refunds: HashMap<String, Refund>,
}

impl Store {
    fn link(&self, path: &str, rel: &str, method: &str) -> Value {
        json!({"href": format!("{}{path}", self.base), "rel": rel, "method": method})
    }

    /// The buyer's approval page for an order.
    pub fn approve_url(&self, order: &str) -> String {
        format!("{}/checkoutnow?token={order}", self.base)
    }

    pub fn order_json(&self, o: &Order) -> Value {
        let mut unit = json!({"reference_id": o.reference_id, "amount": o.amount.json()});
        if let Some(c) = &o.custom_id {
            unit["custom_id"] = json!(c);
        }
        if let Some(d) = &o.description {
            unit["description"] = json!(d);
        }
        if !o.authorizations.is_empty() {
            let auths: Vec<&Authorization> = o
                .authorizations
                .iter()
                .filter_map(|a| self.authorizations.get(a))
                .collect();
            let captures: Vec<&Capture> = auths
                .iter()
                .flat_map(|a| a.captures.iter().filter_map(|c| self.captures.get(c)))
                .collect();
            let refunds: Vec<Value> = captures
                .iter()
                .flat_map(|c| c.refunds.iter().filter_map(|r| self.refunds.get(r)))
                .map(|r| self.refund_json(r))
                .collect();
            let mut payments = json!({
                "authorizations": auths.iter().map(|a| self.authorization_json(a)).collect::<Vec<_>>(),
            });
            if !captures.is_empty() {
                payments["captures"] = captures.iter().map(|c| self.capture_json(c)).collect();
            }
            if !refunds.is_empty() {
                payments["refunds"] = Value::Array(refunds);
            }
            unit["payments"] = payments;
        }
        let path = format!("/v2/checkout/orders/{}", o.id);
        let mut links = vec![self.link(&path, "self", "GET")];
        match o.status {
            "CREATED" => links
                .push(json!({"href": self.approve_url(&o.id), "rel": "approve", "method": "GET"})),
            "PAYER_ACTION_REQUIRED" => links.push(
                json!({"href": self.approve_url(&o.id), "rel": "payer-action", "method": "GET"}),
            ),
            "APPROVED" => links.push(self.link(&format!("{path}/authorize"), "authorize", "POST")),
            _ => {}
        }
        let mut order = json!({
            "id": o.id,
            "intent": "AUTHORIZE",
            "status": o.status,
            "purchase_units": [unit],
            "create_time": o.create_time,
            "update_time": o.update_time,
            "links": links,
        });
        if let Some(payer_id) = &o.payer_id {
            order["payer"] = json!({
                "payer_id": payer_id,
                "name": {"given_name": "Camille", "surname": "Martin"},
                "email_address": "buyer@example.com",
            });
            order["payment_source"] = json!({"paypal": {
                "account_id": payer_id,
                "email_address": "buyer@example.com",
            }});
        }
        order
    }

    pub fn authorization_json(&self, a: &Authorization) -> Value {
        let path = format!("/v2/payments/authorizations/{}", a.id);
        json!({
            "id": a.id,
            "status": a.status,
            "amount": a.amount.json(),
            "supplementary_data": {"related_ids": {"order_id": a.order_id}},
            "expiration_time": a.expiration_time,
            "create_time": a.create_time,
            "update_time": a.update_time,
            "links": [
                self.link(&path, "self", "GET"),
                self.link(&format!("{path}/capture"), "capture", "POST"),
                self.link(&format!("{path}/void"), "void", "POST"),
                self.link(&format!("/v2/checkout/orders/{}", a.order_id), "up", "GET"),
            ],
        })
    }

    pub fn capture_json(&self, c: &Capture) -> Value {
        let path = format!("/v2/payments/captures/{}", c.id);
        json!({
            "id": c.id,
            "status": c.status,
            "amount": c.amount.json(),
            "final_capture": c.is_final,
            "supplementary_data": {"related_ids": {
                "order_id": c.order_id,
                "authorization_id": c.authorization_id,
            }},
            "create_time": c.create_time,
            "update_time": c.update_time,
            "links": [
                self.link(&path, "self", "GET"),
                self.link(&format!("{path}/refund"), "refund", "POST"),
                self.link(&format!("/v2/payments/authorizations/{}", c.authorization_id), "up", "GET"),
            ],
        })
    }

    pub fn refund_json(&self, r: &Refund) -> Value {
        json!({
            "id": r.id,
            "status": "COMPLETED",
            "amount": r.amount.json(),
            "create_time": r.create_time,
            "update_time": r.create_time,
            "links": [
                self.link(&format!("/v2/payments/refunds/{}", r.id), "self", "GET"),
                self.link(&format!("/v2/payments/captures/{}", r.capture_id), "up", "GET"),
            ],
        })
    }
}

/// PayPal's error answer: `{name, message, debug_id, details: [{issue, description}], links}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: &'static str,
    issue: String,
    description: String,
}

impl ApiError {
    /// 422: the request is well-formed but the payment's state does not allow it.
    pub fn unprocessable(issue: &str, description: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            name: "UNPROCESSABLE_ENTITY",
            message: "The requested action could not be performed, semantically incorrect, or failed business validation.",
            issue: issue.to_owned(),
            description: description.into(),
        }
    }

    /// 400: the request is malformed.
    pub fn invalid(issue: &str, description: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            name: "INVALID_REQUEST",
            message: "Request is not well-formed, syntactically incorrect, or violates schema.",
            issue: issue.to_owned(),
            description: description.into(),
        }
    }

    /// 404: no such object.
    pub fn not_found(what: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            name: "RESOURCE_NOT_FOUND",
            message: "The specified resource does not exist.",
            issue: "INVALID_RESOURCE_ID".to_owned(),
            description: format!("Specified resource ID does not exist ({what})."),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "name": self.name,
            "message": self.message,
            "debug_id": new_id().to_lowercase(),
            "details": [{"issue": self.issue, "description": self.description}],
            "links": [{
                "href": format!("https://developer.paypal.com/api/rest/reference/orders/v2/errors/#{}", self.issue),
                "rel": "information_link",
                "method": "GET",
            }],
        });
        (self.status, axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_and_written_exactly() {
        assert_eq!(parse_value("12.50"), Some(1250));
        assert_eq!(parse_value("12.5"), Some(1250));
        assert_eq!(parse_value("12"), Some(1200));
        assert_eq!(parse_value("0.07"), Some(7));
        for bad in ["", ".5", "12.", "12.505", "-1.00", "1e3", " 1.00", "1,00"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
        assert_eq!(format_value(1250), "12.50");
        assert_eq!(format_value(7), "0.07");
    }
}
