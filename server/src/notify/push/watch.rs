//! What no event tells: an order staying too long in its stage, a shop open with no kitchen
//! display connected. Checked every [`EVERY`] on every instance; the dedupe keys
//! (`push:{sub}:late:{order}:{status}`, `push:{sub}:kitchen-offline:{shop}:{since}`) make
//! each alert once, however many instances check.
//!
//! Kitchen displays connect to any instance: each instance writes, for every shop with a
//! display connected to it, a `kitchen_presence` row refreshed at each round; a kitchen is
//! offline when no instance has seen one for [`KITCHEN_OFFLINE_MS`].

use super::db;
use super::texts;
use super::{ALERT_TTL_MS, Envelope, Urgency};
use crate::db::now_ms;
use crate::notify::{Channel, Delivery};
use crate::state::AppState;
use ocpizza_proto::api::push::{PushLang, PushMessage};
use ocpizza_proto::{OrderId, ShopId, StaffRole};
use sqlx::Row;
use std::time::Duration;

/// How often an instance records its kitchens and checks.
pub const EVERY: Duration = Duration::from_secs(30);
/// A kitchen unseen this long while its shop is open is offline.
pub const KITCHEN_OFFLINE_MS: i64 = 2 * 60_000;
/// Orders stuck for longer than this are not announced any more (they are known by then).
const LATE_HORIZON_MS: i64 = 12 * 3_600_000;

/// Runs the rounds until the process ends.
pub fn spawn(state: AppState, every: Duration) {
    let instance = crate::auth::random_token(8);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = now_ms();
            if let Err(e) = round(&state, &instance, now).await {
                tracing::warn!(error = %e, "push watch: round failed, retrying later");
            }
        }
    });
}

/// One round: this instance's kitchens, then the checks, then what is no longer needed.
pub async fn round(state: &AppState, instance: &str, now: i64) -> anyhow::Result<()> {
    record_kitchens(state, instance, now).await?;
    check(state, now).await?;
    let expired = now - i64::from(state.config.tracking_hours) * 3_600_000;
    db::forget_finished(&mut *state.db.writer().await?, expired).await?;
    Ok(())
}

/// Marks the shops whose kitchen display is connected to this instance as seen now.
pub async fn record_kitchens(state: &AppState, instance: &str, now: i64) -> anyhow::Result<()> {
    let shops: Vec<ShopId> = state
        .hub
        .metrics()
        .kitchen_displays()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(shop, _)| shop)
        .collect();
    db::seen_kitchens(&mut *state.db.writer().await?, instance, &shops, now).await?;
    Ok(())
}

/// Plans the alerts due at `now` and wakes the sender.
pub async fn check(state: &AppState, now: i64) -> anyhow::Result<()> {
    let mut deliveries = late_orders(state, now).await?;
    deliveries.extend(offline_kitchens(state, now).await?);
    if deliveries.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    crate::notify::enqueue(&mut tx, &deliveries).await?;
    tx.commit().await?;
    state.notify.kick();
    Ok(())
}

/// One alert to every manager (and admin) subscription of `shop`.
async fn to_managers(
    state: &AppState,
    shop: ShopId,
    now: i64,
    topic: &str,
    text: impl Fn(PushLang) -> PushMessage,
) -> anyhow::Result<Vec<Delivery>> {
    let subs = db::of_staff(state.db.pool(), shop, StaffRole::Manager, true).await?;
    Ok(subs
        .iter()
        .map(|sub| {
            let envelope = Envelope {
                urgency: Urgency::Normal,
                expires_at: now + ALERT_TTL_MS,
                message: text(sub.lang),
            };
            Delivery {
                key: format!("push:{}:{topic}", sub.id),
                channel: Channel::Push,
                recipient: sub.id.to_string(),
                payload: serde_json::to_string(&envelope).expect("an envelope serialises"),
                event_at: now,
                expires_at: now + ALERT_TTL_MS,
            }
        })
        .collect())
}

/// Orders that stayed in their stage beyond the dashboard's limit.
async fn late_orders(state: &AppState, now: i64) -> anyhow::Result<Vec<Delivery>> {
    let mut out = Vec::new();
    for (status, column, minutes) in crate::metrics::LATE_AFTER_MINUTES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, shop_id FROM orders WHERE status = $1 AND {column} < $2 AND {column} > $3 \
             ORDER BY id"
        )))
        .bind(status.as_str())
        .bind(now - minutes * 60_000)
        .bind(now - LATE_HORIZON_MS)
        .fetch_all(state.db.pool())
        .await?;
        for row in rows {
            let order = OrderId(row.try_get("id")?);
            let shop = ShopId(row.try_get("shop_id")?);
            let topic = format!("late:{}:{}", order.0, status.as_str());
            out.extend(
                to_managers(state, shop, now, &topic, |lang| {
                    texts::late(lang, order, status, minutes)
                })
                .await?,
            );
        }
    }
    Ok(out)
}

/// Open shops (not paused) whose kitchen display no instance has seen lately.
async fn offline_kitchens(state: &AppState, now: i64) -> anyhow::Result<Vec<Delivery>> {
    let seen = db::kitchens_last_seen(state.db.pool()).await?;
    let shops = crate::shops::db::list(state.db.pool()).await?;
    let mut out = Vec::new();
    for shop in shops {
        let Some((_, since)) = seen.iter().find(|(s, _)| *s == shop.id) else {
            // Never had a display: nothing went offline.
            continue;
        };
        let at = crate::db::ts(now);
        let (open, _) = crate::shops::open::state(&shop.hours, &shop.timezone, at);
        if shop.paused || !open.is_open() || now - since < KITCHEN_OFFLINE_MS {
            continue;
        }
        let local = jiff::tz::TimeZone::get(&shop.timezone)
            .map(|tz| {
                crate::db::ts(*since)
                    .to_zoned(tz)
                    .strftime("%H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let topic = format!("kitchen-offline:{}:{since}", shop.id.0);
        out.extend(
            to_managers(state, shop.id, now, &topic, |lang| {
                texts::kitchen_offline(lang, shop.id.0, &shop.name, &local)
            })
            .await?,
        );
    }
    Ok(out)
}
