//! `GET /api/v1/audit` (the audit page) and `GET /api/v1/audit.csv` (the same, as a file):
//! administrators read every entry, managers those of the shops they manage.

use super::query::{self, AuditEntry, AuditPage, AuditQuery, Scope};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::tz::TimeZone;
use ocpizza_proto::{ShopId, StaffRole};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(list))
        .route("/api/v1/audit.csv", get(csv))
}

/// What the caller may read: everything (admin), their shops (managers); 401/403 otherwise,
/// and 403 for a shop filter outside their shops.
fn scope(caller: &Caller, shop: Option<i64>) -> ApiResult<Scope> {
    let user = caller.user()?;
    if user.admin {
        return Ok(Scope::All);
    }
    let shops = user.shops_with(StaffRole::Manager);
    if shops.is_empty() {
        return Err(ApiError::Forbidden);
    }
    if let Some(shop) = shop
        && !shops.contains(&ShopId(shop))
    {
        return Err(ApiError::Denied(
            "you may read the audit trail of the shops you manage only",
        ));
    }
    Ok(Scope::Shops(shops))
}

/// The audit trail, newest first, filtered and paged (administrators: every entry; managers:
/// the entries of the shops they manage, without group-wide ones).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "neither an administrator nor a manager (of that shop)", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a filter is invalid (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let scope = scope(&caller, q.shop_id)?;
    let filters = q.filters()?;
    let limit = q.page_size()?;
    let entries = query::entries(state.db.pool(), &scope, &filters, limit).await?;
    let next_before = if entries.len() as i64 == limit {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

/// The same entries as a CSV file for a spreadsheet (`;`-separated, UTF-8 with a byte order
/// mark, French column names and dates in French time), at most 20,000 rows, newest first.
#[utoipa::path(get, path = "/api/v1/audit.csv", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "the CSV file", content_type = "text/csv"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "neither an administrator nor a manager (of that shop)", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a filter is invalid (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Response> {
    let scope = scope(&caller, q.shop_id)?;
    let filters = q.filters()?;
    let limit = match q.limit {
        None => query::MAX_CSV,
        Some(n) if (1..=query::MAX_CSV).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::field(
                "query.limit",
                "must be between 1 and 20000",
            ));
        }
    };
    let entries = query::entries(state.db.pool(), &scope, &filters, limit).await?;
    let today = jiff::Timestamp::now()
        .to_zoned(TimeZone::get(query::ZONE).unwrap_or(TimeZone::UTC))
        .date();
    let disposition = format!("attachment; filename=\"journal-audit-{today}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        to_csv(&entries),
    )
        .into_response())
}

/// The column names of the CSV file.
pub const CSV_HEADER: [&str; 10] = [
    "Date et heure",
    "Auteur",
    "N° auteur",
    "Boutique",
    "Action",
    "Objet",
    "Motif",
    "Avant",
    "Après",
    "N° entrée",
];

/// The entries as CSV text (`;`-separated, CRLF lines, with a byte order mark so that a
/// spreadsheet reads the accents right).
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let tz = TimeZone::get(query::ZONE).unwrap_or(TimeZone::UTC);
    let mut out = String::from('\u{feff}');
    push_row(&mut out, CSV_HEADER.iter().map(|h| (*h).to_owned()));
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    for e in entries {
        let when = e.at.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S");
        push_row(
            &mut out,
            [
                when.to_string(),
                e.actor_name.clone().unwrap_or_default(),
                e.actor_id.map(|a| a.to_string()).unwrap_or_default(),
                e.shop_name.clone().unwrap_or_default(),
                e.action.clone(),
                e.subject.clone(),
                e.reason.clone().unwrap_or_default(),
                json(&e.before).unwrap_or_default(),
                json(&e.after).unwrap_or_default(),
                e.id.to_string(),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| cell(&c)).collect();
    out.push_str(&cells.join(";"));
    out.push_str("\r\n");
}

/// One field: quoted when it holds a separator, a quote or a line break (quotes doubled); a
/// text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab) starts with `'`.
fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([';', '"', '\n', '\r', ',']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("il a dit \"non\""), "\"il a dit \"\"non\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("-3"), "'-3");
    }
}
