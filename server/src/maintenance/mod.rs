//! Maintenance mode: while it is on, customers see a banner on the menu and at checkout and
//! their new orders are refused with `503 maintenance` and `Retry-After`; staff keep working
//! (the kitchen, drivers, counter and phone orders, logins).
//!
//! The state lives in the database ([`db`]), so that every instance follows it: each one reads
//! it every second ([`spawn`]) into a [`Switch`] that requests consult without a query; the
//! instance that makes a change also applies it at once. Each switch writes two events in its
//! transaction: `maintenance_changed` on the public `site` stream, which every open screen
//! follows (other instances deliver it from the event log within their 2 s check), and
//! `maintenance_switched` on `group:audit`, with who made it, for the admins. The same task
//! refreshes this process's heartbeat row ([`instances`]) once it serves.

pub mod cli;
pub mod db;
pub mod instances;
pub mod router;

use crate::error::ApiError;
use crate::events::{Bus, Outbox};
use ocpizza_proto::UserId;
use ocpizza_proto::api::maintenance::{Maintenance, MaintenanceSwitch};
use ocpizza_proto::events::{Event, Stream};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

pub use instances::{ensure_maintenance_or_idle, serving_instances};
pub use router::router;

/// How often each instance reads the state and refreshes its heartbeat.
pub const POLL: Duration = Duration::from_secs(1);

/// `Retry-After` of a refused order when no end was announced (or it is past).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_mins(5);

/// Longest operator message.
pub const MAX_MESSAGE: usize = 300;

/// This process's view of maintenance mode, and its heartbeat identity once it serves.
#[derive(Debug, Clone)]
pub struct Switch {
    state: watch::Sender<Maintenance>,
    instance: Arc<Mutex<Option<db::InstanceRow>>>,
    /// Bumped by every change made here, so that a poll read before it cannot undo it.
    local: Arc<AtomicU64>,
}

impl Switch {
    /// Starts from the stored state.
    pub async fn load(pool: &sqlx::AnyPool) -> sqlx::Result<Switch> {
        Ok(Switch {
            state: watch::channel(db::get(pool).await?).0,
            instance: Arc::default(),
            local: Arc::default(),
        })
    }

    /// The state as last read.
    pub fn current(&self) -> Maintenance {
        self.state.borrow().clone()
    }

    /// Replaces the state after a change committed by this process.
    pub fn changed_here(&self, state: Maintenance) {
        self.local.fetch_add(1, Ordering::AcqRel);
        self.apply(state);
    }

    /// Replaces the state.
    fn apply(&self, state: Maintenance) {
        self.state.send_if_modified(|now| {
            let changed = *now != state;
            *now = state;
            changed
        });
    }

    /// Refuses a customer's new order while maintenance is on: 503 `maintenance` with
    /// `Retry-After` (until the announced end, or [`DEFAULT_RETRY_AFTER`]).
    pub fn refuse_customer_orders(&self) -> Result<(), ApiError> {
        let state = self.current();
        if !state.on {
            return Ok(());
        }
        let now = jiff::Timestamp::now();
        let retry_after = state
            .until
            .and_then(|u| Duration::try_from(u.duration_since(now)).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_RETRY_AFTER);
        Err(ApiError::Maintenance {
            message: refusal(&state),
            retry_after,
        })
    }
}

/// What a refused customer reads.
fn refusal(state: &Maintenance) -> String {
    let mut text = "OC Pizza is under maintenance: orders are paused".to_owned();
    if let Some(until) = state.until {
        let _ = write!(
            text,
            "; back around {} UTC",
            until.strftime("%Y-%m-%d %H:%M")
        );
    }
    if let Some(message) = &state.message {
        text.push_str(" (");
        text.push_str(message);
        text.push(')');
    }
    text
}

/// Who switched: an admin over the API, or the operator on the command line.
#[derive(Debug, Clone)]
pub struct By {
    /// The account, for the event log's actor column.
    pub actor: Option<UserId>,
    /// Written in the audit trail.
    pub label: String,
}

impl By {
    /// The operator running `ocpizza maintenance` here: `cli (user@host)`.
    pub fn cli() -> By {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| uid());
        By {
            actor: None,
            label: format!("cli ({user}@{})", instances::host_name()),
        }
    }
}

/// The process's user id, when no login name is known.
fn uid() -> String {
    #[cfg(target_os = "linux")]
    {
        format!("uid {}", rustix::process::getuid().as_raw())
    }
    #[cfg(not(target_os = "linux"))]
    {
        "unknown".to_owned()
    }
}

/// Stores `next` (on or off), writes its events in the same transaction and publishes them;
/// returns the state as stored.
pub async fn switch(
    database: &crate::db::Db,
    bus: &Bus,
    next: Maintenance,
    by: &By,
) -> Result<Maintenance, ApiError> {
    let at = jiff::Timestamp::now();
    let mut outbox = Outbox::new(by.actor);
    outbox.push(
        vec![Stream::Site],
        Event::MaintenanceChanged {
            maintenance: next.clone(),
        },
    );
    outbox.push(
        vec![Stream::GroupAudit],
        Event::MaintenanceSwitched {
            switch: MaintenanceSwitch {
                on: next.on,
                message: next.message.clone(),
                until: next.until,
                by: by.label.clone(),
                at,
            },
        },
    );
    let mut tx = database.begin().await?;
    db::set(&mut tx, &next, &by.label).await?;
    outbox.commit(tx, bus).await?;
    tracing::info!(on = next.on, by = %by.label, "maintenance mode switched");
    Ok(next)
}

/// The state to store when turning maintenance on (keeping `since` when it already was).
pub fn turned_on(
    current: &Maintenance,
    message: Option<String>,
    until: Option<jiff::Timestamp>,
) -> Maintenance {
    Maintenance {
        on: true,
        message,
        until,
        since: if current.on {
            current.since
        } else {
            Some(jiff::Timestamp::now())
        },
    }
}

/// Reads the state every [`POLL`] into `state.maintenance` and refreshes this process's
/// heartbeat once [`instances::register`] gave it one; stops when the pools close.
pub fn spawn(switch: Switch, database: crate::db::Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            if database.pool().is_closed() {
                return;
            }
            let me = switch.instance.lock().expect("instance lock").clone();
            let result: sqlx::Result<()> = async {
                let epoch = switch.local.load(Ordering::Acquire);
                let read = db::get(database.pool()).await?;
                if switch.local.load(Ordering::Acquire) == epoch {
                    switch.apply(read);
                }
                if let Some(me) = &me {
                    db::heartbeat(&mut *database.writer().await?, me).await?;
                }
                Ok(())
            }
            .await;
            match result {
                Ok(()) => failing = false,
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e, "reading maintenance mode failed; retrying every second");
                }
                Err(_) => {}
            }
        }
    })
}
