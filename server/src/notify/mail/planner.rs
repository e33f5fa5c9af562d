//! Which order events become e-mails: `OrderPlaced` on `group:orders` (for online payment, it
//! comes once the payment is authorised) gives the confirmation, `OrderCancelled` the
//! cancellation notice — both only for an order with a contact e-mail or a customer account.
//! A cancellation notice goes only to whoever got a confirmation: an order abandoned at the
//! payment step was never confirmed, and its customer is not told it was cancelled.

use super::templates::order::{OrderMail, cancellation, confirmation};
use super::templates::{Lang, Rendered};
use crate::db::Tx;
use crate::error::ApiResult;
use crate::notify::{Delivery, Followed, Notable, Planner};
use futures_util::future::BoxFuture;
use ocpizza_proto::OrderId;
use ocpizza_proto::api::orders::Order;
use sqlx::Row;

/// The stream whose order events are mailed (each order event is there exactly once).
const STREAM: &str = "group:orders";

/// Plans order confirmations and cancellation notices.
#[derive(Debug, Clone)]
pub struct MailPlanner {
    public_url: String,
}

impl MailPlanner {
    /// A planner whose links start with `public_url`.
    pub fn new(public_url: &str) -> MailPlanner {
        MailPlanner {
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }
}

/// The dedupe key of an order's confirmation.
pub fn confirmation_key(order: OrderId) -> String {
    format!("mail:order-confirmation:{order}")
}

/// The dedupe key of an order's cancellation notice.
pub fn cancellation_key(order: OrderId) -> String {
    format!("mail:order-cancelled:{order}")
}

impl Planner for MailPlanner {
    fn plan<'a>(
        &'a self,
        tx: &'a mut Tx,
        event: &'a Followed,
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>> {
        Box::pin(async move {
            if event.stream != STREAM {
                return Ok(Vec::new());
            }
            let planned = match &event.event {
                Notable::OrderPlaced { order_id, .. } => {
                    self.plan_one(tx, *order_id, confirmation_key(*order_id), event.at, |m| {
                        confirmation(m)
                    })
                    .await?
                }
                Notable::OrderCancelled { order_id, reason } => {
                    if was_confirmed(tx, *order_id).await? {
                        self.plan_one(tx, *order_id, cancellation_key(*order_id), event.at, |m| {
                            cancellation(m, reason.as_deref())
                        })
                        .await?
                    } else {
                        None
                    }
                }
                _ => None,
            };
            Ok(planned.into_iter().collect())
        })
    }
}

impl MailPlanner {
    /// The message `render` makes of `order`, to its e-mail, if it has one.
    async fn plan_one(
        &self,
        tx: &mut Tx,
        order: OrderId,
        key: String,
        at: i64,
        render: impl FnOnce(&OrderMail<'_>) -> Rendered,
    ) -> ApiResult<Option<Delivery>> {
        let Some(target) = load(tx, order).await? else {
            return Ok(None);
        };
        let tracking_url = format!("{}/track/{}", self.public_url, target.token);
        let message = render(&OrderMail {
            lang: target.lang,
            order: &target.order,
            shop_name: &target.shop_name,
            tracking_url: &tracking_url,
        });
        Ok(Some(super::delivery(
            key,
            &target.email,
            &message,
            at,
            at + super::EXPIRES_AFTER_MS,
        )))
    }
}

/// An order with where and how to write about it.
struct Target {
    order: Order,
    email: String,
    lang: Lang,
    token: String,
    shop_name: String,
}

/// The order, its e-mail (the contact's, else its account's), language and shop; `None` when
/// there is no one to write to.
async fn load(tx: &mut Tx, id: OrderId) -> sqlx::Result<Option<Target>> {
    let Some(rec) = crate::orders::db::by_id(tx, id).await? else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT o.lang, s.name AS shop_name, u.email AS account_email FROM orders o \
         JOIN shops s ON s.id = o.shop_id LEFT JOIN users u ON u.id = o.customer_id \
         WHERE o.id = $1",
    )
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await?;
    let account: Option<String> = row.try_get("account_email")?;
    let email = rec
        .contact_email
        .clone()
        .filter(|e| !e.trim().is_empty())
        .or(account);
    let Some(email) = email else {
        return Ok(None);
    };
    Ok(Some(Target {
        email,
        lang: Lang::parse(&row.try_get::<String, _>("lang")?),
        shop_name: row.try_get("shop_name")?,
        token: rec.tracking_token,
        order: rec.order,
    }))
}

/// Whether the order's confirmation was planned.
async fn was_confirmed(tx: &mut Tx, order: OrderId) -> sqlx::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM notifications WHERE dedupe_key = $1")
            .bind(confirmation_key(order))
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.is_some())
}
