//! Who may subscribe to which stream; checked at every `subscribe`, deny by default.

use crate::auth::Caller;
use crate::state::AppState;
use ocpizza_proto::ErrorCode;
use ocpizza_proto::StaffRole;
use ocpizza_proto::events::Stream;

/// `Ok` if `caller` may read `stream`, else the error code and message to send.
pub async fn may_subscribe(
    state: &AppState,
    caller: &Caller,
    stream: &Stream,
) -> Result<(), (ErrorCode, String)> {
    let denied = || match &caller.0 {
        None => (
            ErrorCode::Unauthenticated,
            format!("log in to follow {stream}"),
        ),
        Some(_) => (ErrorCode::Forbidden, format!("you may not follow {stream}")),
    };
    let internal = |e: sqlx::Error| {
        tracing::error!(error = %e, "authorising a subscription");
        (
            ErrorCode::Internal,
            "could not check this subscription".to_owned(),
        )
    };
    let user = caller.0.as_ref();
    match stream {
        Stream::ShopMenu(shop) => match crate::shops::db::get(state.db.pool(), *shop).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err((ErrorCode::NotFound, format!("no shop {shop}"))),
            Err(e) => Err(internal(e)),
        },
        Stream::ShopOrders(shop) => match user {
            Some(u) if u.is_staff_of(*shop) => Ok(()),
            _ => Err(denied()),
        },
        Stream::ShopStock(shop) => match user {
            Some(u) if u.has_any(*shop, &[StaffRole::Manager, StaffRole::Cook]) => Ok(()),
            _ => Err(denied()),
        },
        Stream::Driver(id) => match user {
            Some(u) if u.id == *id && !u.shops_with(StaffRole::Driver).is_empty() => Ok(()),
            Some(u) if u.admin => match crate::auth::db::user_by_id(state.db.pool(), *id).await {
                Ok(Some(d)) if !d.shops_with(StaffRole::Driver).is_empty() => Ok(()),
                Ok(_) => Err((ErrorCode::NotFound, format!("no driver {id}"))),
                Err(e) => Err(internal(e)),
            },
            _ => Err(denied()),
        },
        Stream::GroupOrders => match user {
            Some(u) if u.admin || !u.shops_with(StaffRole::Manager).is_empty() => Ok(()),
            _ => Err(denied()),
        },
        // The tracking token is the secret: whoever presents it follows the order, until some
        // hours after it is finished.
        Stream::Order(token) => {
            let mut conn = state.db.pool().acquire().await.map_err(internal)?;
            match crate::orders::db::by_token(&mut conn, token).await {
                Ok(Some(rec))
                    if crate::orders::public::expired(
                        &rec.order,
                        state.config.tracking_hours,
                        jiff::Timestamp::now(),
                    ) =>
                {
                    Err((
                        ErrorCode::TrackingExpired,
                        crate::error::ApiError::TrackingExpired.to_string(),
                    ))
                }
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err((
                    ErrorCode::NotFound,
                    "no order with this tracking token".to_owned(),
                )),
                Err(e) => Err(internal(e)),
            }
        }
    }
}
