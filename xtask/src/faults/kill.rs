//! kill -9 under load, on the embedded SQLite database: clients keep placing orders, each with
//! its own `Idempotency-Key` retried until acknowledged, while the server is killed and started
//! again on the same data and port.

use super::api::{Api, Clients, Ledger};
use super::stock_delta;
use crate::server::{ScratchDir, start_server, start_server_on, wait_ready};
use anyhow::{Context, bail};
use ocpizza_proto::api::stock::StockList;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Clients placing orders at the same time.
const CLIENTS: usize = 8;
/// Orders each client places.
const ORDERS_EACH: usize = 30;
/// Acknowledged orders before the kill.
const KILL_AFTER: usize = 60;

/// What the scenario checks.
pub const CHECKS: &str = "8 clients place 240 orders with an Idempotency-Key each, retrying \
    the same key until acknowledged; the server is killed with SIGKILL mid-load and started \
    again on the same data. Every acknowledged order exists exactly once under its key, a \
    replay returns it, and the reserved stock is exactly what the stored orders need.";

/// Runs the scenario.
pub async fn run(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("faults-kill")?;
    let env = [(
        "OCPIZZA_DATA_DIR",
        scratch.0.join("data").display().to_string(),
    )];
    let mut server = start_server(binary, &env, scratch.0.join("first.log"))?;
    wait_ready(&mut server).await?;
    let api = Api::new(&server.base)?;
    let admin = api.login("admin").await?;
    let before = api.restock(&admin, 100_000).await?;
    let deadline = Instant::now() + super::RETRY_LIMIT;
    let mut ledger = Ledger::default();
    api.place("kill-first", deadline, &mut ledger).await?;
    let one: StockList = api.get("/api/v1/shops/1/stock", Some(&admin)).await?;
    let per_order = stock_delta(&before, &one);

    let acked = Arc::new(AtomicUsize::new(0));
    let clients = Clients::spawn(CLIENTS, |c| {
        let (api, acked) = (api.clone(), acked.clone());
        async move {
            let mut ledger = Ledger::default();
            for i in 0..ORDERS_EACH {
                api.place(&format!("kill-{c}-{i}"), deadline, &mut ledger)
                    .await?;
                acked.fetch_add(1, Ordering::Relaxed);
            }
            Ok(ledger)
        }
    });
    while acked.load(Ordering::Relaxed) < KILL_AFTER {
        if Instant::now() > deadline {
            bail!(
                "only {} orders acknowledged before the kill",
                acked.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.child.kill().context("kill -9")?;
    server.child.wait()?;
    println!(
        "killed the server (SIGKILL) after {} acknowledged orders",
        acked.load(Ordering::Relaxed)
    );
    let addr = server.addr;
    drop(server);
    let mut server = start_server_on(binary, &env, scratch.0.join("second.log"), addr)?;
    wait_ready(&mut server).await?;
    ledger.merge(clients.join().await?);
    println!(
        "{} orders acknowledged; {} attempts got no answer and were retried",
        ledger.acked.len(),
        ledger.unreachable
    );
    if ledger.unreachable == 0 {
        bail!("no request was cut by the kill: the load was not under way");
    }
    let stored = api.check_acked(&admin, "kill-", &ledger).await?;
    println!("{stored} stored, one per key, each replayed to the same order");
    let after: StockList = api.get("/api/v1/shops/1/stock", Some(&admin)).await?;
    let total = stock_delta(&before, &after);
    for (ingredient, (on_hand, reserved)) in &total {
        let (_, one) = per_order.get(ingredient).copied().unwrap_or_default();
        if *on_hand != 0 || *reserved != one * stored as i64 {
            bail!(
                "ingredient {ingredient}: on hand moved by {on_hand}, reserved by {reserved}; \
                 {stored} orders of {one} each need {}",
                one * stored as i64
            );
        }
    }
    println!("reserved stock = {stored} × one order's needs, on hand unchanged");
    Ok(())
}
