//! The counter's customer search: staff type a few digits of the caller's phone number and get
//! the matching accounts and past orders' contacts, with their latest delivery address.

pub mod db;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use ocpizza_proto::api::customers::{CustomerMatch, CustomerMatches};
use ocpizza_proto::{ShopId, StaffRole};
use serde::Deserialize;
use std::collections::HashMap;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/shops/{id}/customers", get(search))
}

/// Most matches returned.
const LIMIT: usize = 10;

/// A French number in national form (`0612…`), whether written `+33 6 12…`, `0033 6…` or
/// `06.12…`; other numbers as their digits.
pub fn national(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if let Some(rest) = digits.strip_prefix("0033") {
        format!("0{rest}")
    } else if digits.len() == 11
        && let Some(rest) = digits.strip_prefix("33")
    {
        format!("0{rest}")
    } else {
        digits
    }
}

/// Fewest digits a search needs: fewer would list a large part of the shop's customers.
pub const MIN_DIGITS: usize = 6;

/// The digits to look for, in national form and in international form without the `+`.
fn patterns(query: &str) -> Option<(String, String)> {
    let q = query.trim();
    let digits = match q.strip_prefix("+33").or_else(|| q.strip_prefix("0033")) {
        Some(rest) => format!(
            "0{}",
            rest.chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        ),
        None => q.chars().filter(char::is_ascii_digit).collect(),
    };
    if digits.len() < MIN_DIGITS {
        return None;
    }
    let international = match digits.strip_prefix('0') {
        Some(rest) => format!("33{rest}"),
        None => digits.clone(),
    };
    Some((digits, international))
}

/// The phone number searched.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// At least 6 digits of the number; spaces, dots and `+33` are ignored. Required: an
    /// absent or shorter one is refused (422).
    #[param(required = true, pattern = "[0-9](?:[^0-9]*[0-9]){5}")]
    pub phone: Option<String>,
}

/// The shop's customers whose phone number contains the digits typed, from the shop's past
/// orders and the accounts that ordered there, most recently seen first, at most 10 (order takers and managers of the shop,
/// admin).
#[utoipa::path(get, path = "/api/v1/shops/{id}/customers", tag = "customers",
    params(("id" = i64, Path), CustomerQuery),
    responses((status = 200, body = CustomerMatches),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an order taker or manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "fewer than 6 digits given", body = ocpizza_proto::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<CustomerQuery>,
) -> ApiResult<Json<CustomerMatches>> {
    let shop = ShopId(id);
    caller.staff(shop, &[StaffRole::OrderTaker, StaffRole::Manager])?;
    crate::shops::require(&state, shop).await?;
    let (national_digits, international) = patterns(q.phone.as_deref().unwrap_or_default())
        .ok_or_else(|| ApiError::field("query.phone", "type at least 6 digits"))?;
    let pool = state.db.pool();
    let pats = (national_digits.as_str(), international.as_str());
    let contacts = db::contacts(pool, shop, pats).await?;
    let accounts = db::accounts(pool, shop, pats).await?;

    let mut found: HashMap<String, (i64, CustomerMatch)> = HashMap::new();
    for c in contacts {
        let entry = found.entry(national(&c.phone)).or_insert_with(|| {
            let m = CustomerMatch {
                name: c.name.clone(),
                phone: c.phone.clone(),
                email: c.email.clone(),
                user_id: None,
                last_address: None,
                orders_count: 0,
            };
            (c.at, m)
        });
        let m = &mut entry.1;
        m.orders_count += 1;
        m.user_id = m.user_id.or(c.customer_id);
        if m.last_address.is_none() {
            m.last_address = c.address;
        }
        if m.email.is_none() {
            m.email = c.email;
        }
    }
    for a in accounts {
        let entry = found.entry(national(&a.phone)).or_insert_with(|| {
            let m = CustomerMatch {
                name: a.name.clone(),
                phone: a.phone.clone(),
                email: None,
                user_id: None,
                last_address: None,
                orders_count: 0,
            };
            (a.created_at, m)
        });
        let m = &mut entry.1;
        m.name.clone_from(&a.name);
        m.user_id = Some(a.id);
        m.email = Some(a.email);
    }
    let mut customers: Vec<(i64, CustomerMatch)> = found.into_values().collect();
    customers.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    Ok(Json(CustomerMatches {
        customers: customers.into_iter().take(LIMIT).map(|(_, m)| m).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_compare_in_national_form() {
        assert_eq!(national("+33 6 12 34 56 78"), "0612345678");
        assert_eq!(national("0033 6 12 34 56 78"), "0612345678");
        assert_eq!(national("06.12.34.56.78"), "0612345678");
        assert_eq!(national("+44 20 7946 0958"), "442079460958");
        assert_eq!(
            patterns("+33 6 12 34"),
            Some(("061234".to_owned(), "3361234".to_owned()))
        );
        assert_eq!(
            patterns("12 34 56"),
            Some(("123456".to_owned(), "123456".to_owned()))
        );
        assert_eq!(patterns("+33 6 12"), None, "fewer than 6 digits");
        assert_eq!(patterns("0 6"), None);
    }
}
