//! A shop's settings as an administrator or a manager writes them: every field checked, every
//! problem named at once (the settings screen shows each next to its field), and the record of
//! what changed for the audit trail.

use crate::error::ApiError;
use crate::validate;
use ocpizza_proto::api::shops::{NewShop, Shop, ShopPatch};
use ocpizza_proto::{Money, OpenState, OpeningHours};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The largest delivery fee accepted (50 €): more is a typing mistake.
const MAX_FEE: Money = Money(5_000);
/// The largest minimum order accepted (500 €).
const MAX_MINIMUM: Money = Money(50_000);

/// Field errors gathered while checking a request.
#[derive(Default)]
struct Problems(BTreeMap<String, String>);

impl Problems {
    /// The value, or nothing with its problem noted.
    fn check<T>(&mut self, result: Result<T, ApiError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(ApiError::Invalid { fields, message }) => {
                if fields.is_empty() {
                    self.0.insert(String::new(), message);
                }
                self.0.extend(fields);
                None
            }
            Err(_) => None,
        }
    }

    fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = self
            .0
            .iter()
            .map(|(f, p)| format!("{f}: {p}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(ApiError::Invalid {
            message,
            fields: self.0,
        })
    }
}

/// An IANA time zone name the server knows (`Europe/Paris`).
pub fn timezone(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    let plausible = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
        && !v.starts_with('/');
    if plausible && jiff::tz::TimeZone::get(v).is_ok() {
        Ok(v.to_owned())
    } else {
        Err(ApiError::field(
            field,
            "must be an IANA time zone such as Europe/Paris",
        ))
    }
}

fn hours(field: &str, value: OpeningHours) -> Result<OpeningHours, ApiError> {
    value.validate().map_err(|e| ApiError::field(field, e))?;
    Ok(value)
}

fn postcodes(field: &str, codes: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for (i, c) in codes.iter().enumerate() {
        let code = validate::postcode(&format!("{field}[{i}]"), c)?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

fn amount(field: &str, value: Money, max: Money) -> Result<Money, ApiError> {
    if value.0 < 0 {
        return Err(ApiError::field(field, "must not be negative"));
    }
    if value > max {
        return Err(ApiError::field(field, format!("must be at most {max}")));
    }
    Ok(value)
}

/// A new shop from its creation request, every field checked (trading, not paused).
pub fn new_shop(req: NewShop) -> Result<Shop, ApiError> {
    let mut p = Problems::default();
    let shop = Shop {
        id: ocpizza_proto::ShopId(0),
        name: p
            .check(validate::text("name", &req.name, 1, 100))
            .unwrap_or_default(),
        street: p
            .check(validate::text("street", &req.street, 1, 200))
            .unwrap_or_default(),
        postcode: p
            .check(validate::postcode("postcode", &req.postcode))
            .unwrap_or_default(),
        city: p
            .check(validate::text("city", &req.city, 1, 100))
            .unwrap_or_default(),
        phone: p
            .check(validate::phone("phone", &req.phone))
            .unwrap_or_default(),
        timezone: p
            .check(timezone("timezone", &req.timezone))
            .unwrap_or_default(),
        hours: p.check(hours("hours", req.hours)).unwrap_or_default(),
        delivery_postcodes: p
            .check(postcodes("delivery_postcodes", &req.delivery_postcodes))
            .unwrap_or_default(),
        paused: false,
        pause_reason: None,
        open_now: false,
        today_hours: Vec::new(),
        open_state: OpenState::default(),
        retired: false,
        min_delivery_order: p
            .check(amount(
                "min_delivery_order",
                req.min_delivery_order,
                MAX_MINIMUM,
            ))
            .unwrap_or_default(),
        delivery_fee: p
            .check(amount("delivery_fee", req.delivery_fee, MAX_FEE))
            .unwrap_or_default(),
        closures: Vec::new(),
        closed_today: None,
    };
    p.into_result()?;
    Ok(shop)
}

/// Whether the patch touches what only an administrator may change (address, time zone, the
/// delivery's minimum and fee); managers keep the day-to-day settings (name, phone, hours,
/// delivery area).
pub fn needs_admin(req: &ShopPatch) -> bool {
    req.street.is_some()
        || req.postcode.is_some()
        || req.city.is_some()
        || req.timezone.is_some()
        || req.min_delivery_order.is_some()
        || req.delivery_fee.is_some()
}

/// Applies what `req` gives to `shop`, every field checked; on any problem nothing is applied
/// and every problem is named.
pub fn apply(shop: &Shop, req: ShopPatch) -> Result<Shop, ApiError> {
    let mut p = Problems::default();
    let mut next = shop.clone();
    let text = |f: &str, v: &Option<String>, max: usize| {
        v.as_deref().map(|v| validate::text(f, v, 1, max))
    };
    if let Some(v) = text("name", &req.name, 100).and_then(|r| p.check(r)) {
        next.name = v;
    }
    if let Some(v) = text("street", &req.street, 200).and_then(|r| p.check(r)) {
        next.street = v;
    }
    if let Some(v) = text("city", &req.city, 100).and_then(|r| p.check(r)) {
        next.city = v;
    }
    let checked = req.phone.as_deref().map(|v| validate::phone("phone", v));
    if let Some(v) = checked.and_then(|r| p.check(r)) {
        next.phone = v;
    }
    let checked = req
        .postcode
        .as_deref()
        .map(|v| validate::postcode("postcode", v));
    if let Some(v) = checked.and_then(|r| p.check(r)) {
        next.postcode = v;
    }
    let checked = req.timezone.as_deref().map(|v| timezone("timezone", v));
    if let Some(v) = checked.and_then(|r| p.check(r)) {
        next.timezone = v;
    }
    if let Some(v) = req
        .hours
        .map(|h| hours("hours", h))
        .and_then(|r| p.check(r))
    {
        next.hours = v;
    }
    let checked = req
        .delivery_postcodes
        .as_deref()
        .map(|c| postcodes("delivery_postcodes", c));
    if let Some(v) = checked.and_then(|r| p.check(r)) {
        next.delivery_postcodes = v;
    }
    let checked = req
        .min_delivery_order
        .map(|m| amount("min_delivery_order", m, MAX_MINIMUM));
    if let Some(v) = checked.and_then(|r| p.check(r)) {
        next.min_delivery_order = v;
    }
    let checked = req.delivery_fee.map(|m| amount("delivery_fee", m, MAX_FEE));
    if let Some(v) = checked.and_then(|r| p.check(r)) {
        next.delivery_fee = v;
    }
    p.into_result()?;
    Ok(next)
}

/// The settings of a shop as the audit trail keeps them.
pub fn recorded(shop: &Shop) -> Value {
    json!({
        "name": shop.name,
        "street": shop.street,
        "postcode": shop.postcode,
        "city": shop.city,
        "phone": shop.phone,
        "timezone": shop.timezone,
        "hours": shop.hours,
        "delivery_postcodes": shop.delivery_postcodes,
        "min_delivery_order": shop.min_delivery_order,
        "delivery_fee": shop.delivery_fee,
    })
}

/// The settings that differ between `before` and `after`, as two documents of those keys.
pub fn difference(before: &Shop, after: &Shop) -> (Value, Value) {
    let (Value::Object(b), Value::Object(a)) = (recorded(before), recorded(after)) else {
        return (Value::Null, Value::Null);
    };
    let (mut was, mut now) = (Map::new(), Map::new());
    for (key, value) in a {
        if b.get(&key) != Some(&value) {
            was.insert(key.clone(), b.get(&key).cloned().unwrap_or(Value::Null));
            now.insert(key, value);
        }
    }
    (Value::Object(was), Value::Object(now))
}
