//! Who may subscribe to which stream, and what of it they see; checked at every `subscribe`
//! (with the session read again) and whenever the account's access changes, deny by default.

use crate::auth::Caller;
use ocpizza_proto::events::Stream;
use ocpizza_proto::{ErrorCode, ShopId, StaffRole};
use serde::Deserialize;
use sqlx::AnyPool;
use std::sync::Arc;

/// What of a stream a subscriber sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every event.
    Whole,
    /// Only the events of these shops (a manager on `group:orders`); the others are skipped,
    /// so such a subscriber sees increasing but not contiguous sequences.
    Shops(Arc<[ShopId]>),
}

/// The shop an event payload is about, read without decoding the rest.
#[derive(Deserialize)]
struct ShopOf {
    shop_id: Option<ShopId>,
    order: Option<OrderShop>,
}

#[derive(Deserialize)]
struct OrderShop {
    shop_id: ShopId,
}

impl Scope {
    /// Whether events of `shop` are visible.
    pub fn sees(&self, shop: ShopId) -> bool {
        match self {
            Scope::Whole => true,
            Scope::Shops(shops) => shops.contains(&shop),
        }
    }

    /// Whether an event (its JSON payload) is visible; an event naming no shop is not,
    /// unless the whole stream is.
    pub fn sees_payload(&self, payload: &str) -> bool {
        match self {
            Scope::Whole => true,
            Scope::Shops(_) => serde_json::from_str::<ShopOf>(payload)
                .ok()
                .and_then(|e| e.shop_id.or(e.order.map(|o| o.shop_id)))
                .is_some_and(|shop| self.sees(shop)),
        }
    }

    /// Distinguishes snapshots of different scopes of one stream.
    pub fn key(&self) -> String {
        match self {
            Scope::Whole => String::new(),
            Scope::Shops(shops) => {
                let ids: Vec<String> = shops.iter().map(ToString::to_string).collect();
                format!("|{}", ids.join(","))
            }
        }
    }
}

/// What of `stream` `caller` may read, else the error code and message to send. Orders can be
/// followed until `tracking_hours` after they are finished.
pub async fn may_subscribe(
    pool: &AnyPool,
    tracking_hours: u32,
    caller: &Caller,
    stream: &Stream,
) -> Result<Scope, (ErrorCode, String)> {
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
        Stream::ShopMenu(shop) => match crate::shops::db::get(pool, *shop).await {
            Ok(Some(_)) => Ok(Scope::Whole),
            Ok(None) => Err((ErrorCode::NotFound, format!("no shop {shop}"))),
            Err(e) => Err(internal(e)),
        },
        Stream::ShopOrders(shop) => match user {
            Some(u) if u.is_staff_of(*shop) => Ok(Scope::Whole),
            _ => Err(denied()),
        },
        Stream::ShopStock(shop) => match user {
            Some(u) if u.has_any(*shop, &[StaffRole::Manager, StaffRole::Cook]) => Ok(Scope::Whole),
            _ => Err(denied()),
        },
        Stream::Driver(id) => match user {
            Some(u) if u.id == *id && !u.shops_with(StaffRole::Driver).is_empty() => {
                Ok(Scope::Whole)
            }
            Some(u) if u.admin => match crate::auth::db::user_by_id(pool, *id).await {
                Ok(Some(d)) if !d.shops_with(StaffRole::Driver).is_empty() => Ok(Scope::Whole),
                Ok(_) => Err((ErrorCode::NotFound, format!("no driver {id}"))),
                Err(e) => Err(internal(e)),
            },
            _ => Err(denied()),
        },
        // A manager follows the group's stream for the dashboard, but only sees the shops they
        // manage: other shops' orders carry their customers' details.
        Stream::GroupOrders => match user {
            Some(u) if u.admin => Ok(Scope::Whole),
            Some(u) if !u.shops_with(StaffRole::Manager).is_empty() => {
                Ok(Scope::Shops(u.shops_with(StaffRole::Manager).into()))
            }
            _ => Err(denied()),
        },
        Stream::User(_) => Err(denied()),
        Stream::Site => Ok(Scope::Whole),
        Stream::GroupAudit => match user {
            Some(u) if u.admin => Ok(Scope::Whole),
            _ => Err(denied()),
        },
        // The tracking token is the secret: whoever presents it follows the order, until some
        // hours after it is finished.
        Stream::Order(token) => {
            let found = {
                let mut conn = pool.acquire().await.map_err(internal)?;
                crate::orders::db::by_token(&mut conn, token).await
            };
            match found {
                Ok(Some(rec))
                    if crate::orders::public::expired(
                        &rec.order,
                        tracking_hours,
                        jiff::Timestamp::now(),
                    ) =>
                {
                    Err((
                        ErrorCode::TrackingExpired,
                        crate::error::ApiError::TrackingExpired.to_string(),
                    ))
                }
                Ok(Some(_)) => Ok(Scope::Whole),
                Ok(None) => Err((
                    ErrorCode::NotFound,
                    "no order with this tracking token".to_owned(),
                )),
                Err(e) => Err(internal(e)),
            }
        }
    }
}
