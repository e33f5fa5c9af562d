//! The SQLite folder on a 16 MiB tmpfs that fills up: the process answers `503` and says it is
//! not ready, keeps what it acknowledged, and takes orders again once space is back.

use super::api::{Api, Attempt, Ledger};
use super::guards::Tmpfs;
use crate::server::{ScratchDir, start_server, wait_ready};
use anyhow::bail;
use reqwest::StatusCode;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// Size of the disk.
const MEGABYTES: u32 = 16;
/// `503` answers wanted before freeing the disk.
const REFUSALS: usize = 3;

/// What the scenario checks.
pub const CHECKS: &str = "the server's SQLite folder is on a 16 MiB tmpfs; orders are placed, \
    the disk is filled, and orders go on: each answer is 201 or 503 with the JSON error body \
    and Retry-After, /readyz says 503; once the filler is removed /readyz is 200 again without \
    a restart, orders succeed, and every acknowledged order exists once.";

/// Runs the scenario.
pub async fn run(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("faults-disk")?;
    let disk = Tmpfs::mount(&scratch.0.join("disk"), MEGABYTES)?;
    let env = [("OCPIZZA_DATA_DIR", disk.path.display().to_string())];
    let mut server = start_server(binary, &env, scratch.0.join("server.log"))?;
    wait_ready(&mut server).await?;
    let api = Api::new(&server.base)?;
    let admin = api.login("admin").await?;
    let deadline = Instant::now() + super::RETRY_LIMIT;
    let mut ledger = Ledger::default();
    for i in 0..3 {
        api.place(&format!("disk-before-{i}"), deadline, &mut ledger)
            .await?;
    }
    let filler = disk.fill()?;
    let (mut refused, mut i) = (0, 0);
    while refused < REFUSALS {
        let key = format!("disk-full-{i}");
        match api.attempt(&key).await? {
            Attempt::Acked(order) => {
                ledger.acked.insert(key, *order);
            }
            Attempt::Unavailable => refused += 1,
            Attempt::Unreachable(why) => bail!("no answer with the disk full: {why}"),
        }
        i += 1;
        if i > 200 {
            bail!("200 orders with the disk full, only {refused} refused: it never filled up");
        }
    }
    println!(
        "disk full: {refused} orders refused with 503 after {} accepted",
        ledger.acked.len() - 3
    );
    let readyz = api.readyz().await;
    if readyz != Some(StatusCode::SERVICE_UNAVAILABLE) {
        bail!("/readyz answered {readyz:?} with the disk full, not 503");
    }
    std::fs::remove_file(filler)?;
    let took = api.wait_ready(Duration::from_secs(15)).await?;
    println!("ready {:.1} s after the disk was freed", took.as_secs_f64());
    for i in 0..3 {
        api.place(&format!("disk-after-{i}"), deadline, &mut ledger)
            .await?;
    }
    if let Some(status) = server.child.try_wait()? {
        bail!("the server exited ({status})");
    }
    let stored = api.check_acked(&admin, "disk-", &ledger).await?;
    println!("{stored} stored, one per key, each replayed to the same order");
    drop(server);
    Ok(())
}
