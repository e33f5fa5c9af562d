//! The drivers' cash hand-over: at the end of a shift a manager of the shop (or an admin)
//! records what a driver handed in for one business day of the shop. The server computes the
//! expected amount itself, the same way as the cash page (the cash declared on the driver's
//! deliveries of that day in that shop), and the difference.
//!
//! There is one hand-over per driver, shop and day. A manager who miscounted corrects it: the
//! correction is a new record naming the one it replaces, which stays in the history, so the
//! audit trail shows every count. A correction must name the record in force (`replaces`),
//! otherwise it is refused with 409: two managers never silently overwrite each other.
//!
//! Each record is written in one transaction with a `cash_handed_over` event on `group:audit`
//! (kept for good, with who recorded it), on the driver's stream (their phone shows the
//! confirmation at once) and on `group:orders`, whose managers only see their own shops'
//! events. It is not put on `shop:{id}:orders`: every cook and driver of the shop follows that
//! one, and a colleague's shortfall and its comment are for the managers.

pub mod db;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path, Query};
use crate::shops;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use ocpizza_proto::api::cash::{CashHandover, CashHandoverList, MAX_COMMENT, NewCashHandover};
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{BusinessDay, Money, ShopId, StaffRole, UserId};
use serde::Deserialize;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/shops/{id}/cash/handovers",
        post(record).get(history),
    )
}

/// The business day written `text` (`YYYY-MM-DD`, a local date of the shop in `tz`), or the
/// shop's today when absent or empty; a 422 naming `field` otherwise.
pub fn day_of(field: &str, text: Option<&str>, tz: &TimeZone) -> ApiResult<BusinessDay> {
    let bad = || ApiError::field(field, "must be a date written YYYY-MM-DD");
    match text {
        None | Some("") => Ok(shops::day::today(tz)),
        Some(s) if s.len() == 10 => {
            let date = s.parse::<Date>().map_err(|_| bad())?;
            shops::day::of_date(tz, date).ok_or_else(bad)
        }
        Some(_) => Err(bad()),
    }
}

/// The cash the driver declared on their deliveries of `day` in `shop`: the same sum as the
/// shop's cash page.
pub async fn expected(
    state: &AppState,
    shop: ShopId,
    driver: UserId,
    day: &BusinessDay,
) -> ApiResult<Money> {
    let delivered =
        crate::driver::db::delivered(state.db.pool(), Some(driver), Some(shop), day.bounds_ms())
            .await?;
    Ok(delivered.iter().filter_map(|(_, d)| d.cash_collected).sum())
}

/// Records what a driver handed in for a day of the shop (managers of the shop, admins). The
/// first record of the day has no `replaces`; a correction names the record in force, which
/// it supersedes (both are kept).
#[utoipa::path(post, path = "/api/v1/shops/{id}/cash/handovers", tag = "driver",
    params(("id" = i64, Path)), request_body = NewCashHandover,
    responses((status = 201, description = "recorded", body = CashHandover),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "`conflict`: a hand-over is already recorded for this driver and day and `replaces` does not name it (or names one that is no longer in force)", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid: `driver_id` not a driver of the shop, `date` not a date or in the future, `counted` negative, `comment` missing while the amount differs or too long", body = ocpizza_proto::ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<NewCashHandover>,
) -> ApiResult<(StatusCode, Json<CashHandover>)> {
    let shop = ShopId(id);
    let user = caller.staff(shop, &[StaffRole::Manager])?;
    let tz = shops::day::zone(&shops::require(&state, shop).await?.timezone);
    let day = day_of("date", req.date.as_deref(), &tz)?;
    if day.day > shops::day::today(&tz).day {
        return Err(ApiError::field("date", "must not be in the future"));
    }
    if req.counted < Money::ZERO {
        return Err(ApiError::field("counted", "must be 0 or more (in cents)"));
    }
    let comment = crate::validate::optional_text("comment", req.comment.as_deref(), MAX_COMMENT)?;
    let is_driver = crate::auth::db::user_by_id(state.db.pool(), req.driver_id)
        .await?
        .is_some_and(|d| d.has_role(shop, StaffRole::Driver));
    if !is_driver {
        return Err(ApiError::field("driver_id", "is not a driver of this shop"));
    }
    let expected = expected(&state, shop, req.driver_id, &day).await?;
    if req.counted != expected && comment.is_none() {
        return Err(ApiError::field(
            "comment",
            "is required when the amount counted differs from the expected one",
        ));
    }

    let mut tx = state.db.begin().await?;
    let current = db::current(&mut tx, shop, req.driver_id, day.day).await?;
    check_replaces(current.as_ref(), req.replaces)?;
    let row = db::NewRow {
        shop,
        driver: req.driver_id,
        day: day.day,
        revision: current.as_ref().map_or(1, |c| i64::from(c.corrections) + 2),
        replaces: current.as_ref().map(|c| c.id),
        expected,
        counted: req.counted,
        comment: comment.as_deref(),
        recorded_by: user.id,
        recorded_at: crate::db::now_ms(),
    };
    let id = match db::insert(&mut tx, &row).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => return Err(recorded_meanwhile()),
        Err(e) => return Err(e.into()),
    };
    let handover = db::current(&mut tx, shop, req.driver_id, day.day)
        .await?
        .filter(|h| h.id == id)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("hand-over {id} not read back")))?;
    let mut outbox = Outbox::new(Some(user.id));
    outbox.push(
        vec![
            Stream::GroupAudit,
            Stream::Driver(req.driver_id),
            Stream::GroupOrders,
        ],
        Event::CashHandedOver {
            shop_id: shop,
            handover: Box::new(handover.clone()),
        },
    );
    outbox.commit(tx, &state.bus).await?;
    tracing::info!(
        shop = shop.0,
        driver = req.driver_id.0,
        corrections = handover.corrections,
        "cash hand-over recorded"
    );
    Ok((StatusCode::CREATED, Json(handover)))
}

fn recorded_meanwhile() -> ApiError {
    ApiError::Conflict(
        "another hand-over was recorded for this driver and day meanwhile; reload to see it"
            .to_owned(),
    )
}

/// A first record names nothing; a correction names the record in force.
fn check_replaces(current: Option<&CashHandover>, replaces: Option<i64>) -> ApiResult<()> {
    match (current, replaces) {
        (None, None) => Ok(()),
        (Some(c), Some(r)) if c.id == r => Ok(()),
        (Some(c), None) => Err(ApiError::Conflict(format!(
            "a hand-over of {} is already recorded for this driver and day (by {}); to \
             correct it, send replaces = {}",
            c.counted, c.recorded_by.name, c.id
        ))),
        (None, Some(_)) => Err(ApiError::Conflict(
            "there is no hand-over to correct for this driver and day".to_owned(),
        )),
        (Some(_), Some(_)) => Err(recorded_meanwhile()),
    }
}

/// The day (and driver) of a hand-over history.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// `YYYY-MM-DD`, a local date of the shop; the shop's today when absent or empty.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub date: Option<String>,
    /// Only this driver's records.
    pub driver_id: Option<i64>,
}

/// Every hand-over recorded in the shop on a day, corrections included, oldest first
/// (managers of the shop, admins).
#[utoipa::path(get, path = "/api/v1/shops/{id}/cash/handovers", tag = "driver",
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = CashHandoverList),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`date` is not a date", body = ocpizza_proto::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<CashHandoverList>> {
    let shop = ShopId(id);
    caller.staff(shop, &[StaffRole::Manager])?;
    let tz = shops::day::zone(&shops::require(&state, shop).await?.timezone);
    let day = day_of("query.date", q.date.as_deref(), &tz)?;
    let handovers = db::of_day(
        state.db.pool(),
        Some(shop),
        q.driver_id.map(UserId),
        day.day,
    )
    .await?;
    Ok(Json(CashHandoverList { handovers }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::cash::Recorder;
    use ocpizza_proto::api::orders::DriverRef;

    fn recorded(id: i64) -> CashHandover {
        CashHandover {
            id,
            shop_id: ShopId(1),
            driver: DriverRef {
                id: UserId(5),
                name: "Dounia".into(),
            },
            date: "2026-12-02".parse().unwrap(),
            expected: Money(8950),
            counted: Money(8500),
            difference: Money(-450),
            comment: Some("monnaie rendue en trop".into()),
            recorded_by: Recorder {
                id: UserId(2),
                name: "Marie".into(),
            },
            recorded_at: crate::db::ts(0),
            corrections: 0,
            replaces: None,
        }
    }

    #[test]
    fn a_correction_must_name_the_record_in_force() {
        assert!(check_replaces(None, None).is_ok());
        assert!(check_replaces(Some(&recorded(7)), Some(7)).is_ok());
        for (current, replaces) in [
            (Some(recorded(7)), None),
            (Some(recorded(7)), Some(6)),
            (None, Some(7)),
        ] {
            let refused = check_replaces(current.as_ref(), replaces);
            assert!(
                matches!(refused, Err(ApiError::Conflict(_))),
                "{replaces:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn only_the_latest_revision_of_each_driver_is_in_force() {
        let first = recorded(7);
        let correction = CashHandover {
            id: 9,
            corrections: 1,
            replaces: Some(7),
            ..recorded(9)
        };
        let other = CashHandover {
            id: 8,
            driver: DriverRef {
                id: UserId(6),
                name: "Paul".into(),
            },
            ..recorded(8)
        };
        let current = db::in_force(vec![first, other.clone(), correction.clone()]);
        assert_eq!(current, vec![correction, other]);
    }
}
