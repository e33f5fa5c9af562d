//! kill -9 under load, on the embedded SQLite database: clients keep placing orders, each with
//! its own `Idempotency-Key` retried until acknowledged, while the server is killed and started
//! again on the same data and port. E-mail is on (a local sink): every order's confirmation must
//! leave once, including those the kill caught between the order's commit and the message.

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
    replay returns it, and the reserved stock is exactly what the stored orders need. Every \
    stored order's confirmation e-mail reaches a local SMTP sink under one Message-ID, none \
    for an order that does not exist.";

/// Runs the scenario.
pub async fn run(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("faults-kill")?;
    let (smtp, inbox) = super::smtp::start().await?;
    let env = [
        (
            "OCPIZZA_DATA_DIR",
            scratch.0.join("data").display().to_string(),
        ),
        ("OCPIZZA_SMTP_URL", format!("smtp://{smtp}")),
        (
            "OCPIZZA_MAIL_FROM",
            "OC Pizza <commandes@ocpizza.test>".into(),
        ),
    ];
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
    let restarted = Instant::now();
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
    let mut keys: Vec<&String> = ledger.acked.keys().collect();
    let first = "kill-first".to_owned();
    keys.push(&first);
    check_confirmations(&inbox, &keys, restarted).await
}

/// Waits until every order of `keys` has had its confirmation, then checks that each came under
/// one Message-ID (a message cut by the kill may be sent again, under the same id) and that no
/// other address got one.
async fn check_confirmations(
    inbox: &super::smtp::Inbox,
    keys: &[&String],
    restarted: Instant,
) -> anyhow::Result<()> {
    let expected: std::collections::BTreeSet<String> =
        keys.iter().map(|k| super::api::address(k)).collect();
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let missing: Vec<String> = {
            let inbox = inbox.lock().expect("inbox lock");
            expected
                .iter()
                .filter(|a| !inbox.contains_key(*a))
                .cloned()
                .collect()
        };
        if missing.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "{} orders got no confirmation e-mail within 60 s, e.g. {}",
                missing.len(),
                missing[0]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give a duplicate the time to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let inbox = inbox.lock().expect("inbox lock");
    let (mut again, mut after_restart) = (0, 0);
    for (address, received) in inbox.iter() {
        if !expected.contains(address) {
            bail!("{address} got a confirmation but no such order was acknowledged");
        }
        let ids: std::collections::BTreeSet<&str> =
            received.iter().map(|r| r.message_id.as_str()).collect();
        if ids.len() != 1 || ids.contains("") {
            bail!("{address} got confirmations under several or no Message-IDs: {ids:?}");
        }
        again += received.len() - 1;
        if received.iter().any(|r| r.at > restarted) {
            after_restart += 1;
        }
    }
    println!(
        "{} confirmation e-mails, one per order ({after_restart} sent by the restarted server, \
         {again} sent again under the same Message-ID)",
        inbox.len()
    );
    Ok(())
}
