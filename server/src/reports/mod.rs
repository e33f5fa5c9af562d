//! Managers' reports: for a day, a week or a month (the shop's local days) and per shop, the
//! orders and revenue by channel and payment method, the time per stage (mean and 90th
//! percentile), late orders, pizzas sold, waste and stock corrections, orders per hour and the
//! time per stage day by day. `GET /api/v1/reports` answers in JSON, `GET /api/v1/reports.csv`
//! one table of it as CSV. Managers read their shops, administrators every shop or one.

mod csv;
pub mod db;
pub mod figures;

use crate::auth::{AuthUser, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use ocpizza_proto::api::reports::{CSV_TABLES, Period, Report};
use ocpizza_proto::{ShopId, StaffRole};
use serde::Deserialize;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(report))
        .route("/api/v1/reports.csv", get(report_csv))
}

/// What a report covers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `day` (default), `week` (Monday to Sunday) or `month`.
    pub period: Option<String>,
    /// A date of the period, `YYYY-MM-DD` (default: each shop's today).
    pub date: Option<String>,
    /// Only this shop (managers: one they manage; default: every shop the caller may see).
    pub shop: Option<i64>,
}

/// What a CSV report covers, and which of its tables.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CsvQuery {
    /// `summary`, `channels`, `payments`, `stages`, `pizzas`, `stock`, `hours` or `days`.
    pub table: Option<String>,
    /// As for the JSON report.
    pub period: Option<String>,
    /// As for the JSON report.
    pub date: Option<String>,
    /// As for the JSON report.
    pub shop: Option<i64>,
}

/// The checked parameters of a report.
struct Asked {
    period: Period,
    date: Option<Date>,
    shop: Option<ShopId>,
}

fn parse(period: Option<&str>, date: Option<&str>, shop: Option<i64>) -> ApiResult<Asked> {
    let period = match period {
        None => Period::Day,
        Some(p) => Period::parse(p)
            .ok_or_else(|| ApiError::field("query.period", "must be day, week or month"))?,
    };
    let date = date
        .map(|d| {
            d.parse::<Date>()
                .ok()
                .filter(|_| d.len() == 10)
                .filter(|d| (2000..=2100).contains(&d.year()))
                .ok_or_else(|| {
                    ApiError::field(
                        "query.date",
                        "must be a date YYYY-MM-DD between 2000 and 2100",
                    )
                })
        })
        .transpose()?;
    Ok(Asked {
        period,
        date,
        shop: shop.map(ShopId),
    })
}

/// The shops `user` may read reports of, narrowed to `only` (404 if it names no shop for an
/// administrator, 403 if it is not one of a manager's shops).
async fn shops_for(
    state: &AppState,
    user: &AuthUser,
    only: Option<ShopId>,
) -> ApiResult<Vec<db::ShopRef>> {
    let managed = user.shops_with(StaffRole::Manager);
    if !user.admin && managed.is_empty() {
        return Err(ApiError::Forbidden);
    }
    if let Some(shop) = only
        && !user.manages(shop)
    {
        return Err(ApiError::Forbidden);
    }
    let shops: Vec<db::ShopRef> = db::shops(state.db.pool())
        .await?
        .into_iter()
        .filter(|s| user.admin || managed.contains(&s.id))
        .filter(|s| only.is_none_or(|o| o == s.id))
        .collect();
    if only.is_some() && shops.is_empty() {
        return Err(ApiError::NotFound("shop"));
    }
    Ok(shops)
}

/// The period of `asked` in `shop`'s zone.
fn span_of(shop: &db::ShopRef, asked: &Asked) -> ApiResult<figures::Span> {
    let tz = crate::shops::day::zone(&shop.timezone);
    let date = asked
        .date
        .unwrap_or_else(|| crate::shops::day::today(&tz).day);
    let out_of_range = || ApiError::field("query.date", "out of range");
    let (first, last) = asked.period.dates(date).ok_or_else(out_of_range)?;
    let start = crate::shops::day::of_date(&tz, first).ok_or_else(out_of_range)?;
    let end = crate::shops::day::of_date(&tz, last).ok_or_else(out_of_range)?;
    Ok(figures::Span {
        tz,
        first,
        last,
        starts_at: start.day_starts_at,
        ends_at: end.day_ends_at,
    })
}

/// Builds the report of every shop in `shops`.
async fn build(state: &AppState, shops: &[db::ShopRef], asked: &Asked) -> ApiResult<Report> {
    let pool = state.db.pool();
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let mut out = Vec::with_capacity(shops.len());
    for shop in shops {
        let span = span_of(shop, asked)?;
        let bounds = span.bounds_ms();
        let rows = figures::Rows {
            orders: db::orders(pool, shop.id, bounds).await?,
            pizzas: db::pizzas(pool, shop.id, bounds).await?,
            losses: db::losses(pool, shop.id, bounds).await?,
        };
        out.push(figures::shop_report(shop, &span, rows, now_ms));
    }
    Ok(Report {
        period: asked.period,
        date: asked.date,
        shops: out,
    })
}

/// The report of a period, per shop (managers: their shops; administrators: all, or `shop`).
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Report),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "neither an administrator nor a manager (of `shop`)", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "`shop` names no shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`period` or `date` is invalid", body = ocpizza_proto::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Json<Report>> {
    let user = caller.user()?;
    let asked = parse(q.period.as_deref(), q.date.as_deref(), q.shop)?;
    let shops = shops_for(&state, user, asked.shop).await?;
    Ok(Json(build(&state, &shops, &asked).await?))
}

/// One table of the report as CSV (UTF-8, comma-separated, a header line, one row per shop
/// and line of the table).
#[utoipa::path(get, path = "/api/v1/reports.csv", tag = "reports", params(CsvQuery),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "neither an administrator nor a manager (of `shop`)", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "`shop` names no shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`table`, `period` or `date` is invalid", body = ocpizza_proto::ErrorBody)))]
pub async fn report_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CsvQuery>,
) -> ApiResult<Response> {
    let user = caller.user()?;
    let table = q
        .table
        .as_deref()
        .filter(|t| CSV_TABLES.contains(t))
        .ok_or_else(|| {
            ApiError::field(
                "query.table",
                format!("must be one of {}", CSV_TABLES.join(", ")),
            )
        })?;
    let asked = parse(q.period.as_deref(), q.date.as_deref(), q.shop)?;
    let shops = shops_for(&state, user, asked.shop).await?;
    let report = build(&state, &shops, &asked).await?;
    let body = csv::table(&report, table);
    let name = format!(
        "ocpizza-{table}-{}-{}.csv",
        asked.period.as_str(),
        asked
            .date
            .map_or_else(|| "today".to_owned(), |d| d.to_string())
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
