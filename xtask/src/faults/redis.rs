//! A private Redis stopped for longer than the hub's log check looks back (five checks of 2 s),
//! between two instances on one PostgreSQL database: orders placed on one instance meanwhile
//! must reach a kitchen display connected to the other, each once and in order.

use super::api::{Api, Ledger};
use super::guards::{PgDatabase, PrivateRedis};
use super::live::Live;
use crate::server::{ScratchDir, free_port, start_server, wait_ready};
use anyhow::bail;
use ocpizza_proto::api::orders::OrderList;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// How long Redis stays down: longer than the hub's log check looks back (10 s).
const OUTAGE: Duration = Duration::from_secs(12);
/// Pause between two orders while Redis is down.
const ORDER_EVERY: Duration = Duration::from_millis(500);
/// How long the display may take to catch up once the last order is placed.
const CATCH_UP: Duration = Duration::from_secs(15);

/// What the scenario checks.
pub const CHECKS: &str = "two instances share a PostgreSQL database and a private Redis; a \
    cook's display on instance B follows shop:1:orders while orders are placed on instance A, \
    before, during and after a 12 s Redis outage (longer than the log check's 10 s look-back). \
    Every order is acknowledged, and the display gets every event exactly once and in \
    sequence, within 15 s of the last order.";

/// Runs the scenario.
pub async fn run(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("faults-redis")?;
    let db = PgDatabase::create("ocpizza_faults")?;
    let mut redis = PrivateRedis::start(free_port()?)?;
    let env = [
        ("DATABASE_URL", db.url.clone()),
        ("REDIS_URL", format!("redis://127.0.0.1:{}", redis.port)),
    ];
    // One after the other: the first migrates and seeds the empty database.
    let mut a = start_server(binary, &env, scratch.0.join("a.log"))?;
    wait_ready(&mut a).await?;
    let mut b = start_server(binary, &env, scratch.0.join("b.log"))?;
    wait_ready(&mut b).await?;
    let (on_a, on_b) = (Api::new(&a.base)?, Api::new(&b.base)?);
    let admin = on_a.login("admin").await?;
    on_a.restock(&admin, 10_000).await?;
    let cook = on_b.login("cook").await?;
    let display = Live::connect(b.addr, &cook, &[("shop:1:orders", None)], None).await?;
    let mut display = display.spawn_reader();

    let deadline = Instant::now() + super::RETRY_LIMIT;
    let mut ledger = Ledger::default();
    for i in 0..3 {
        on_a.place(&format!("redis-before-{i}"), deadline, &mut ledger)
            .await?;
    }
    redis.stop();
    println!("Redis stopped");
    let down = Instant::now();
    let mut i = 0;
    while down.elapsed() < OUTAGE {
        on_a.place(&format!("redis-during-{i}"), deadline, &mut ledger)
            .await?;
        i += 1;
        tokio::time::sleep(ORDER_EVERY).await;
    }
    redis.restart()?;
    println!(
        "Redis back after {:.1} s; {i} orders placed meanwhile",
        down.elapsed().as_secs_f64()
    );
    for i in 0..3 {
        on_a.place(&format!("redis-after-{i}"), deadline, &mut ledger)
            .await?;
    }
    if ledger.unavailable + ledger.unreachable > 0 {
        bail!(
            "writes must succeed while Redis is down: {} answers 503, {} unanswered",
            ledger.unavailable,
            ledger.unreachable
        );
    }
    let head: OrderList = on_a.get("/api/v1/shops/1/orders", Some(&admin)).await?;
    let heads = BTreeMap::from([("shop:1:orders".to_owned(), head.stream_seq)]);
    let last_order = Instant::now();
    display.until(&heads, CATCH_UP).await?;
    println!(
        "the display reached seq {} {:.1} s after the last order",
        head.stream_seq,
        last_order.elapsed().as_secs_f64()
    );
    if !display.seen.problems.is_empty() {
        bail!(
            "the display's sequence broke: {}",
            display.seen.problems.join("; ")
        );
    }
    let mut acked: Vec<i64> = ledger.acked.values().map(|o| o.id.0).collect();
    let mut seen = display.seen.placed.clone();
    acked.sort_unstable();
    seen.sort_unstable();
    if seen != acked {
        bail!("order_placed events {seen:?}, acknowledged orders {acked:?}");
    }
    println!(
        "{} orders placed, each seen once on instance B, in sequence",
        acked.len()
    );
    let stored = on_a.check_acked(&admin, "redis-", &ledger).await?;
    println!("{stored} stored, one per key");
    Ok(())
}
