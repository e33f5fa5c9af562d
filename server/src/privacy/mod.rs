//! Personal data rights (RGPD): a signed-in customer downloads what the group holds about them
//! (`GET /api/v1/me/data`) and deletes their account (`DELETE /api/v1/me`, confirmed with the
//! password); an administrator does both on a person's request, by e-mail address
//! (`/api/v1/admin/customers/export` and `/erase`), and each of those requests is written in
//! the audit trail. The housekeeping sweep anonymises guest orders older than
//! `OCPIZZA_ANONYMISE_AFTER_DAYS` ([`anonymise_guest_orders`]).
//!
//! Orders are never deleted: the accounts and the reports need their shop, times, totals and
//! lines. What identifies a person (name, phone, e-mail, street, instructions, notes) is wiped
//! instead, and the account row keeps nothing but its id.

pub mod db;

use crate::audit::query::{AuditEntry, Filters, Scope};
use crate::audit::{self, Entry};
use crate::auth::{AuthUser, Caller, db as auth_db, password};
use crate::db::{Db, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use db::{PushConsent, SessionInfo};
use ocpizza_proto::api::orders::{Address, Order};
use ocpizza_proto::api::privacy::{DeleteAccount, EraseCustomer, Erased};
use ocpizza_proto::{ShopId, StaffRole, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/data", get(my_data))
        .route("/api/v1/me", delete(delete_me))
        .route("/api/v1/admin/customers/export", get(admin_export))
        .route("/api/v1/admin/customers/erase", post(admin_erase))
}

/// Most orders in one export.
const MAX_ORDERS: i64 = 10_000;

/// Everything the group holds about a person.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonalData {
    /// When this copy was made.
    pub exported_at: jiff::Timestamp,
    /// The account, when the person has one.
    pub account: Option<AccountData>,
    /// Their orders, with lines, contact and address as given (guest orders given with the
    /// e-mail too, in an administrator's export).
    pub orders: Vec<Order>,
    /// The delivery addresses of those orders, each once.
    pub addresses: Vec<Address>,
    /// The browsers subscribed to notifications (the consents given).
    pub push_subscriptions: Vec<PushConsent>,
    /// The account's open sessions.
    pub sessions: Vec<SessionInfo>,
    /// The audit trail's entries about the account or made by it.
    pub audit: Vec<AuditEntry>,
}

/// The account's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccountData {
    /// Id.
    pub id: UserId,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// When it was created.
    pub created_at: Option<jiff::Timestamp>,
    /// Group administrator.
    pub admin: bool,
    /// Staff roles: `(shop, role)`.
    pub roles: Vec<(ShopId, StaffRole)>,
}

/// Collects what the database holds about `user` (if any) and the guest orders of `email`
/// (an administrator's export only: an account's e-mail is not verified, so a customer's own
/// export holds only what the account itself did).
async fn collect(
    state: &AppState,
    user: Option<&AuthUser>,
    guest_email: Option<&str>,
) -> ApiResult<PersonalData> {
    let pool = state.db.pool();
    let mut conn = pool.acquire().await?;
    let mut orders: Vec<Order> = Vec::new();
    let (mut account, mut push, mut sessions, mut trail) = (None, vec![], vec![], vec![]);
    if let Some(user) = user {
        orders.extend(
            crate::orders::db::by_customer(&mut conn, user.id, MAX_ORDERS)
                .await?
                .into_iter()
                .map(|r| Order {
                    tracking_token: Some(r.tracking_token.clone()),
                    ..r.with_email()
                }),
        );
        account = Some(AccountData {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            phone: user.phone.clone(),
            created_at: db::created_at(pool, user.id).await?,
            admin: user.admin,
            roles: user.roles.clone(),
        });
        push = db::push_consents(pool, user.id).await?;
        sessions = db::sessions(pool, user.id).await?;
        let limit = 1_000;
        trail =
            audit::query::entries(pool, &Scope::All, &Filters::by_actor(user.id.0), limit).await?;
        let about = Filters::about(audit::user_subject(user.id));
        for e in audit::query::entries(pool, &Scope::All, &about, limit).await? {
            if !trail.iter().any(|t| t.id == e.id) {
                trail.push(e);
            }
        }
        trail.sort_by_key(|e| std::cmp::Reverse(e.id));
    }
    if let Some(email) = guest_email {
        orders.extend(
            crate::orders::db::by_contact_email(&mut conn, email, MAX_ORDERS)
                .await?
                .into_iter()
                .map(crate::orders::db::OrderRecord::with_email),
        );
    }
    let mut addresses: Vec<Address> = Vec::new();
    for a in orders.iter().filter_map(|o| o.address.clone()) {
        if !addresses.contains(&a) {
            addresses.push(a);
        }
    }
    Ok(PersonalData {
        exported_at: jiff::Timestamp::now(),
        account,
        orders,
        addresses,
        push_subscriptions: push,
        sessions,
        audit: trail,
    })
}

/// The data as a JSON file to download.
fn download(data: &PersonalData, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}.json\"");
    (
        [
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        axum::Json(data),
    )
        .into_response()
}

/// Everything the group holds about the signed-in account, as a JSON file: the account, its
/// orders with their lines, the delivery addresses, the push subscriptions, the open sessions,
/// and the audit trail's entries about it.
#[utoipa::path(get, path = "/api/v1/me/data", tag = "privacy",
    responses((status = 200, body = PersonalData),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody)))]
pub async fn my_data(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let user = caller.user()?;
    let data = collect(&state, Some(user), None).await?;
    Ok(download(&data, "mes-donnees-ocpizza"))
}

/// Deletes the signed-in customer's account, confirmed with its password: its personal
/// fields are wiped, its orders anonymised (totals and lines kept), every session ended.
///
/// Staff accounts are closed by an administrator (409); so is an account with an order still
/// under way (409: the shop needs the address until it is delivered).
#[utoipa::path(delete, path = "/api/v1/me", tag = "privacy", request_body = DeleteAccount,
    responses((status = 204, description = "account deleted; the session cookie is cleared"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "a staff account, or an order still under way", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "wrong password", body = ocpizza_proto::ErrorBody)))]
pub async fn delete_me(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<DeleteAccount>,
) -> ApiResult<Response> {
    let user = caller.user()?;
    if user.admin || !user.roles.is_empty() {
        return Err(ApiError::Conflict(
            "a staff account is closed by an administrator".into(),
        ));
    }
    let stored = auth_db::credentials(state.db.pool(), &user.email)
        .await?
        .map(|(_, hash)| hash)
        .ok_or(ApiError::Unauthenticated)?;
    if !password::verify(req.password, stored).await? {
        return Err(ApiError::field(
            "password",
            "this is not the account's password",
        ));
    }
    let mut tx = state.db.begin().await?;
    if db::has_open_orders(&mut tx, user.id).await? {
        return Err(open_orders());
    }
    let orders = db::erase_account(&mut tx, user.id, now_ms()).await?;
    db::scrub_failed_logins(&mut tx, Some(user.id), &user.email).await?;
    let entry = Entry::new("privacy.account_deleted", audit::user_subject(user.id))
        .after(json!({ "orders_anonymised": orders }));
    audit::record(&mut tx, Some(user.id), &[entry]).await?;
    let published =
        crate::auth::access_changed(&mut tx, user.id, user.id, "account deleted").await?;
    crate::events::commit(tx, published, &state.bus).await?;
    tracing::info!(user = %user.id, orders, "customer account deleted at its owner's request");
    let mut response = StatusCode::NO_CONTENT.into_response();
    crate::auth::handlers::clear_session_cookie(&state, &mut response);
    Ok(response)
}

fn open_orders() -> ApiError {
    ApiError::Conflict(
        "an order is still under way: the data can be erased once it is delivered or cancelled"
            .into(),
    )
}

/// Whose data an administrator asks for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// The person's e-mail. Required.
    #[param(required = true, max_length = 254)]
    pub email: Option<String>,
}

/// The account of `email` (any kind) and whether guest orders were given with it.
async fn find(state: &AppState, email: &str) -> ApiResult<Option<AuthUser>> {
    Ok(match auth_db::credentials(state.db.pool(), email).await? {
        Some((id, _)) => auth_db::user_by_id(state.db.pool(), id).await?,
        None => None,
    })
}

/// Everything the group holds about a person, found by e-mail (their account and the guest
/// orders given with the address), as a JSON file; the request is written in the audit trail
/// (administrators).
#[utoipa::path(get, path = "/api/v1/admin/customers/export", tag = "privacy", params(CustomerQuery),
    responses((status = 200, body = PersonalData),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no account nor order with this e-mail", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "not an e-mail address", body = ocpizza_proto::ErrorBody)))]
pub async fn admin_export(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CustomerQuery>,
) -> ApiResult<Response> {
    let admin = caller.admin()?;
    let email = validate::email("query.email", q.email.as_deref().unwrap_or_default())?;
    let user = find(&state, &email).await?;
    let data = collect(&state, user.as_ref(), Some(&email)).await?;
    if data.account.is_none() && data.orders.is_empty() {
        return Err(ApiError::NotFound("customer"));
    }
    let subject = user
        .as_ref()
        .map_or_else(|| format!("email:{email}"), |u| audit::user_subject(u.id));
    let entry = Entry::new("privacy.exported", subject)
        .after(json!({ "email": email, "orders": data.orders.len() }));
    let mut tx = state.db.begin().await?;
    audit::record(&mut tx, Some(admin.id), &[entry]).await?;
    tx.commit().await?;
    Ok(download(&data, "donnees-client-ocpizza"))
}

/// Erases a person's data on their request, found by e-mail: their customer account is
/// deleted as by [`delete_me`] and the guest orders given with the address are anonymised;
/// written in the audit trail with the reason (administrators).
#[utoipa::path(post, path = "/api/v1/admin/customers/erase", tag = "privacy", request_body = EraseCustomer,
    responses((status = 200, body = Erased),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no account nor order with this e-mail", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "a staff account, or an order still under way", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid", body = ocpizza_proto::ErrorBody)))]
pub async fn admin_erase(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<EraseCustomer>,
) -> ApiResult<Json<Erased>> {
    let admin = caller.admin()?;
    let email = validate::email("email", &req.email)?;
    let reason = validate::text("reason", &req.reason, 1, 200)?;
    let user = find(&state, &email).await?;
    if user
        .as_ref()
        .is_some_and(|u| u.admin || !u.roles.is_empty())
    {
        return Err(ApiError::Conflict(
            "this is a staff account: remove its roles first".into(),
        ));
    }
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let open = match &user {
        Some(u) => db::has_open_orders(&mut tx, u.id).await?,
        None => false,
    } || db::has_open_guest_orders(&mut tx, &email).await?;
    if open {
        return Err(open_orders());
    }
    let mut orders = db::erase_guest_orders(&mut tx, &email, now).await?;
    db::scrub_failed_logins(&mut tx, user.as_ref().map(|u| u.id), &email).await?;
    let mut published = Vec::new();
    if let Some(u) = &user {
        orders += db::erase_account(&mut tx, u.id, now).await?;
        published = crate::auth::access_changed(&mut tx, admin.id, u.id, "account deleted").await?;
    } else if orders == 0 {
        return Err(ApiError::NotFound("customer"));
    }
    let subject = user
        .as_ref()
        .map_or_else(|| "email:erased".to_owned(), |u| audit::user_subject(u.id));
    let entry = Entry::new("privacy.erased", subject)
        .reason(Some(reason))
        .after(json!({ "account_deleted": user.is_some(), "orders_anonymised": orders }));
    audit::record(&mut tx, Some(admin.id), &[entry]).await?;
    crate::events::commit(tx, published, &state.bus).await?;
    tracing::info!(
        orders,
        account = user.is_some(),
        "personal data erased on request"
    );
    Ok(Json(Erased {
        account_deleted: user.is_some(),
        orders_anonymised: orders,
    }))
}

/// Anonymises the guest orders created before `horizon` (Unix ms), a batch per transaction,
/// and writes one audit entry for the sweep; returns how many.
pub async fn anonymise_guest_orders(db: &Db, horizon: i64) -> sqlx::Result<u64> {
    let mut total = 0;
    loop {
        let mut tx = db.begin().await?;
        let ids = db::old_guest_orders(&mut tx, horizon).await?;
        if ids.is_empty() {
            tx.rollback().await?;
            break;
        }
        let done = db::anonymise(&mut tx, &ids, now_ms()).await?;
        let entry = Entry::new("privacy.guest_orders_anonymised", "orders").after(json!({
            "orders": done,
            "created_before": crate::db::ts(horizon),
            "first": ids.first(),
            "last": ids.last(),
        }));
        audit::record(&mut tx, None, &[entry]).await?;
        tx.commit().await?;
        total += done;
    }
    Ok(total)
}
