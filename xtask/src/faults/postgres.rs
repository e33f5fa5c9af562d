//! A private PostgreSQL cluster restarted under load, then stopped for longer than the pool's
//! wait and started again: the server answers `503` meanwhile, never `500`, and is ready again
//! by itself.

use super::api::{Api, Clients, Ledger};
use super::guards::PgCluster;
use crate::server::{ScratchDir, free_port, start_server, wait_ready};
use anyhow::bail;
use reqwest::StatusCode;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Clients placing orders all along.
const CLIENTS: usize = 3;
/// How long the cluster stays stopped: longer than the pool's 5 s wait.
const DOWN: Duration = Duration::from_secs(7);
/// How long the server may take to be ready again once the cluster is back.
const RECOVERY_LIMIT: Duration = Duration::from_secs(30);

/// What the scenario checks.
pub const CHECKS: &str = "the server runs on a private PostgreSQL cluster while 3 clients \
    place orders with idempotency keys; the cluster is restarted, then stopped for 7 s and \
    started. Meanwhile every answer is 201 or 503 with the JSON error body and Retry-After \
    (never 500, never a hang), /readyz says 503; after each, /readyz is 200 within 30 s without \
    restarting the server, orders succeed, and every acknowledged order exists once.";

/// Runs `action` on the cluster without holding up the clients.
async fn ctl(cluster: &Arc<PgCluster>, action: &'static str) -> anyhow::Result<()> {
    let cluster = cluster.clone();
    let started = Instant::now();
    tokio::task::spawn_blocking(move || cluster.ctl(action)).await??;
    println!("cluster {action}: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the scenario.
pub async fn run(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("faults-postgres")?;
    let port = free_port()?;
    let cluster = Arc::new(tokio::task::spawn_blocking(move || PgCluster::create(port)).await??);
    let env = [("DATABASE_URL", cluster.url())];
    let mut server = start_server(binary, &env, scratch.0.join("server.log"))?;
    wait_ready(&mut server).await?;
    let api = Api::new(&server.base)?;
    let admin = api.login("admin").await?;
    api.restock(&admin, 100_000).await?;

    let deadline = Instant::now() + super::RETRY_LIMIT;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let clients = Clients::spawn(CLIENTS, |c| {
        let (api, stop, acked) = (api.clone(), stop.clone(), acked.clone());
        async move {
            let mut ledger = Ledger::default();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                api.place(&format!("postgres-{c}-{i}"), deadline, &mut ledger)
                    .await?;
                acked.fetch_add(1, Ordering::Relaxed);
                i += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(ledger)
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    ctl(&cluster, "restart").await?;
    let took = api.wait_ready(RECOVERY_LIMIT).await?;
    println!("ready {:.1} s after the restart", took.as_secs_f64());

    ctl(&cluster, "stop").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let readyz = api.readyz().await;
    if readyz != Some(StatusCode::SERVICE_UNAVAILABLE) {
        bail!("/readyz answered {readyz:?} with the database stopped, not 503");
    }
    tokio::time::sleep(DOWN.saturating_sub(Duration::from_secs(1))).await;
    ctl(&cluster, "start").await?;
    let took = api.wait_ready(RECOVERY_LIMIT).await?;
    println!(
        "ready {:.1} s after the cluster came back",
        took.as_secs_f64()
    );
    let before_back = acked.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);

    let ledger = clients.join().await?;
    if let Some(status) = server.child.try_wait()? {
        bail!("the server exited ({status})");
    }
    let after = ledger.acked.len() - before_back;
    println!(
        "{} orders acknowledged ({after} after the outage); {} answers were 503, {} got no answer",
        ledger.acked.len(),
        ledger.unavailable,
        ledger.unreachable
    );
    if ledger.unavailable == 0 {
        bail!("no order met the outage: nothing was checked");
    }
    if ledger.unreachable > 0 {
        bail!(
            "{} requests got no answer: the server must answer 503",
            ledger.unreachable
        );
    }
    if after == 0 {
        bail!("no order succeeded after the outage");
    }
    let stored = api.check_acked(&admin, "postgres-", &ledger).await?;
    println!("{stored} stored, one per key, each replayed to the same order");
    Ok(())
}
