//! PayPal's JSON, read and written: amounts as exact decimal strings, error answers turned
//! into the neutral [`ProviderError`], and what an order, an authorization or a webhook event
//! says of the payment.

use super::PaypalEvent;
use crate::payments::provider::{Observed, ProviderError};
use ocpizza_proto::Money;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// The `issue` codes of a 422 that mean the buyer's way of paying was refused: they can try
/// another one.
const DECLINES: &[&str] = &[
    "INSTRUMENT_DECLINED",
    "PAYER_ACTION_REQUIRED",
    "PAYER_CANNOT_PAY",
    "TRANSACTION_REFUSED",
    "CARD_EXPIRED",
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING",
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
    "PAYER_ACCOUNT_RESTRICTED",
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED",
];

/// A failed call: the neutral error, and PayPal's `issue` code when it gave one.
#[derive(Debug)]
pub(super) struct Failure {
    pub error: ProviderError,
    pub issue: Option<String>,
}

impl From<ProviderError> for Failure {
    fn from(error: ProviderError) -> Self {
        Failure { error, issue: None }
    }
}

impl From<Failure> for ProviderError {
    fn from(f: Failure) -> Self {
        f.error
    }
}

/// PayPal's error answer (the fields we read).
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    issue: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// An answer's JSON, or the neutral error it stands for.
pub(super) fn answer(status: StatusCode, bytes: &[u8]) -> Result<Value, Failure> {
    if status.is_success() {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(bytes).map_err(|_| {
            Failure::from(ProviderError::Unavailable(
                "unreadable answer from PayPal".to_owned(),
            ))
        });
    }
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(ProviderError::Unavailable(format!("PayPal answered {status}")).into());
    }
    let body: ErrorBody = serde_json::from_slice(bytes).unwrap_or_default();
    let detail = body.details.first();
    let issue = detail.and_then(|d| d.issue.clone());
    let description = detail
        .and_then(|d| d.description.clone())
        .or(body.message)
        .unwrap_or_else(|| status.to_string());
    let error = match &issue {
        Some(issue)
            if status == StatusCode::UNPROCESSABLE_ENTITY && DECLINES.contains(&issue.as_str()) =>
        {
            ProviderError::Declined(description)
        }
        Some(issue) => ProviderError::Rejected(format!("{issue}: {description}")),
        None => ProviderError::Rejected(format!(
            "{}: {description}",
            body.name.as_deref().unwrap_or("PayPal refused the request")
        )),
    };
    Err(Failure { error, issue })
}

pub(super) fn unexpected(what: &str) -> ProviderError {
    ProviderError::Rejected(format!("PayPal answered {what}"))
}

pub(super) fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// What an order says of the payment; `None` for a completed order that does not list the
/// authorization asked about.
pub(super) fn observe_order(
    order: &Value,
    authorization: Option<&str>,
) -> Result<Option<Observed>, ProviderError> {
    let observed = match order["status"].as_str() {
        Some("CREATED" | "PAYER_ACTION_REQUIRED" | "SAVED") => Observed::AwaitingCustomer {
            client_secret: None,
        },
        Some("APPROVED") => Observed::Approved,
        Some("VOIDED") => Observed::Voided,
        Some("COMPLETED") => {
            let payments = order.pointer("/purchase_units/0/payments");
            let list = |key: &str| -> Vec<Value> {
                payments
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let auths = list("authorizations");
            let auth = match authorization {
                Some(id) => auths.iter().find(|a| a["id"].as_str() == Some(id)),
                None => auths.last(),
            };
            let Some(auth) = auth else { return Ok(None) };
            return observe_authorization(auth, &list("captures")).map(Some);
        }
        other => return Err(unexpected(&format!("an order in status {other:?}"))),
    };
    Ok(Some(observed))
}

/// What an authorization says of the payment, with the captures its order lists.
pub(super) fn observe_authorization(
    auth: &Value,
    captures: &[Value],
) -> Result<Observed, ProviderError> {
    let id = text(auth, "/id").ok_or_else(|| unexpected("an authorization without id"))?;
    let mine: Vec<&Value> = captures
        .iter()
        .filter(|c| {
            c.pointer("/supplementary_data/related_ids/authorization_id")
                .and_then(Value::as_str)
                .is_none_or(|a| a == id)
        })
        .filter(|c| !matches!(c["status"].as_str(), Some("DECLINED" | "FAILED")))
        .collect();
    let captured = || -> Result<Observed, ProviderError> {
        let amount = if mine.is_empty() {
            amount_of(auth.get("amount"))?
        } else {
            mine.iter()
                .map(|c| amount_of(c.get("amount")))
                .sum::<Result<Money, ProviderError>>()?
        };
        Ok(Observed::Captured {
            amount,
            capture_ref: mine.last().and_then(|c| text(c, "/id")),
        })
    };
    match auth["status"].as_str() {
        Some("CREATED") => Ok(Observed::Authorised {
            amount: amount_of(auth.get("amount"))?,
            authorization_ref: Some(id),
        }),
        // Still under PayPal's review: nothing held yet, ask again later.
        Some("PENDING") => Ok(Observed::Approved),
        Some("CAPTURED" | "PARTIALLY_CAPTURED") => captured(),
        Some("VOIDED") if !mine.is_empty() => captured(),
        Some("VOIDED") => Ok(Observed::Voided),
        Some(status @ ("DENIED" | "EXPIRED")) => Ok(Observed::Failed {
            reason: text(auth, "/status_details/reason")
                .unwrap_or_else(|| format!("PayPal authorization {}", status.to_lowercase())),
        }),
        other => Err(unexpected(&format!("an authorization in status {other:?}"))),
    }
}

/// The ids a webhook event names.
pub(super) fn event_refs(event: &Value) -> Option<PaypalEvent> {
    let resource = event.get("resource")?;
    let related = |key: &str| text(resource, &format!("/supplementary_data/related_ids/{key}"));
    let own_id = text(resource, "/id");
    let up = resource
        .get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|l| l["rel"].as_str() == Some("up"))
        .and_then(|l| l["href"].as_str())
        .map(str::to_owned);
    let up_id = |kind: &str| {
        up.as_deref()
            .and_then(|u| u.split_once(kind))
            .map(|(_, id)| id.trim_matches('/').to_owned())
            .filter(|id| !id.is_empty())
    };
    let (mut order_ref, mut authorization_ref, mut capture_ref) = (
        related("order_id"),
        related("authorization_id"),
        related("capture_id"),
    );
    match event["resource_type"].as_str() {
        Some("checkout-order") => order_ref = own_id,
        Some("authorization") => authorization_ref = own_id,
        Some("capture") => {
            capture_ref = own_id;
            authorization_ref = authorization_ref.or_else(|| up_id("/authorizations/"));
        }
        Some("refund") => capture_ref = capture_ref.or_else(|| up_id("/captures/")),
        _ => {}
    }
    Some(PaypalEvent {
        id: text(event, "/id")?,
        kind: text(event, "/event_type")?,
        order_ref,
        authorization_ref,
        capture_ref,
    })
}

/// `{currency_code: "EUR", value}` for a positive amount.
pub(super) fn eur(amount: Money) -> Result<Value, ProviderError> {
    if amount.cents() <= 0 {
        return Err(ProviderError::Rejected(format!(
            "a PayPal amount must be positive, not {amount}"
        )));
    }
    Ok(json!({"currency_code": "EUR", "value": to_decimal(amount)}))
}

/// An EUR amount PayPal gave, or why it cannot be read.
fn amount_of(v: Option<&Value>) -> Result<Money, ProviderError> {
    let v = v.ok_or_else(|| unexpected("a payment without amount"))?;
    if v["currency_code"].as_str() != Some("EUR") {
        return Err(unexpected(&format!("an amount not in EUR: {v}")));
    }
    v["value"]
        .as_str()
        .and_then(from_decimal)
        .ok_or_else(|| unexpected(&format!("an unreadable amount: {v}")))
}

/// 1250 cents → `"12.50"` (a non-negative amount).
fn to_decimal(amount: Money) -> String {
    let cents = amount.cents().unsigned_abs();
    let sign = if amount.cents() < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// `"12.50"`, `"12.5"` or `"12"` → 1250 cents; anything else (a sign, an exponent, a third
/// decimal, spaces) → `None`.
fn from_decimal(s: &str) -> Option<Money> {
    let (units, decimals) = match s.split_once('.') {
        Some((u, d)) if (1..=2).contains(&d.len()) => (u, d),
        Some(_) => return None,
        None => (s, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() || !digits(units) || !digits(decimals) {
        return None;
    }
    let hundredths: i64 = match decimals.len() {
        0 => 0,
        1 => i64::from(decimals.as_bytes()[0] - b'0') * 10,
        _ => decimals.parse().ok()?,
    };
    let cents = units
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(hundredths)?;
    Some(Money(cents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_become_paypal_decimals_exactly() {
        assert_eq!(to_decimal(Money(1250)), "12.50");
        assert_eq!(to_decimal(Money(5)), "0.05");
        assert_eq!(to_decimal(Money(100)), "1.00");
        assert_eq!(to_decimal(Money(123_456_789)), "1234567.89");
        assert_eq!(
            eur(Money(1999)).unwrap(),
            json!({"currency_code": "EUR", "value": "19.99"})
        );
        assert!(matches!(eur(Money(0)), Err(ProviderError::Rejected(_))));
        assert!(matches!(eur(Money(-5)), Err(ProviderError::Rejected(_))));
    }

    #[test]
    fn paypal_decimals_become_cents_exactly() {
        assert_eq!(from_decimal("12.50"), Some(Money(1250)));
        assert_eq!(from_decimal("12.5"), Some(Money(1250)));
        assert_eq!(from_decimal("12"), Some(Money(1200)));
        assert_eq!(from_decimal("0.07"), Some(Money(7)));
        // 0.1 + 0.2 is not 0.3 in floating point; here it is.
        assert_eq!(
            from_decimal("0.10").unwrap().cents() + from_decimal("0.20").unwrap().cents(),
            from_decimal("0.30").unwrap().cents()
        );
        for bad in [
            "",
            ".5",
            "12.",
            "12.505",
            "-1.00",
            "+1.00",
            "1e3",
            " 12.50",
            "12,50",
            "1.2.3",
            "99999999999999999999",
        ] {
            assert_eq!(from_decimal(bad), None, "{bad:?}");
        }
        for cents in [0, 1, 9, 10, 99, 100, 101, 1250, 987_654_321] {
            assert_eq!(from_decimal(&to_decimal(Money(cents))), Some(Money(cents)));
        }
    }

    #[test]
    fn amounts_in_another_currency_are_not_read() {
        let usd = json!({"currency_code": "USD", "value": "12.50"});
        assert!(amount_of(Some(&usd)).is_err());
        let eur = json!({"currency_code": "EUR", "value": "12.50"});
        assert_eq!(amount_of(Some(&eur)), Ok(Money(1250)));
    }

    #[test]
    fn refusals_of_the_payment_method_are_declines_and_others_rejections() {
        let body = |issue: &str| {
            json!({"name": "UNPROCESSABLE_ENTITY", "message": "m",
                   "details": [{"issue": issue, "description": "why"}]})
            .to_string()
        };
        let declined = answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            body("INSTRUMENT_DECLINED").as_bytes(),
        );
        assert_eq!(
            declined.unwrap_err().error,
            ProviderError::Declined("why".to_owned())
        );
        let rejected = answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            body("ORDER_NOT_APPROVED").as_bytes(),
        );
        assert_eq!(
            rejected.unwrap_err().error,
            ProviderError::Rejected("ORDER_NOT_APPROVED: why".to_owned())
        );
        for status in [
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::INTERNAL_SERVER_ERROR,
        ] {
            assert!(matches!(
                answer(status, b"").unwrap_err().error,
                ProviderError::Unavailable(_)
            ));
        }
        assert!(matches!(
            answer(StatusCode::NOT_FOUND, b"<html>").unwrap_err().error,
            ProviderError::Rejected(_)
        ));
    }
}
