//! A WebSocket client that subscribes and then stops reading while orders flow: the server
//! drops it within seconds, the other clients keep up, and once it reads again it finds its
//! connection ended and resumes with `since`, missing nothing.

use super::api::{Api, Clients, Ledger};
use super::live::{Live, Next, Sequences};
use crate::server::{ScratchDir, start_server, wait_ready};
use anyhow::{Context, bail};
use ocpizza_proto::api::orders::OrderList;
use ocpizza_proto::api::stock::StockList;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Clients placing orders.
const CLIENTS: usize = 4;
/// How long the server may keep a client that stopped reading.
const KICK_LIMIT: Duration = Duration::from_secs(30);
/// The streams the display follows.
pub const STREAMS: [&str; 3] = ["shop:1:orders", "shop:1:stock", "group:orders"];
/// The stalled client's socket receive buffer, small so that the server's writes block soon.
const STALLED_RECV_BUFFER: u32 = 4096;

/// What the scenario checks.
pub const CHECKS: &str = "two clients follow shop 1's orders, its stock and the group's \
    orders; one stops reading while 4 clients place large orders. The server drops the stalled \
    connection within 30 s while the other client gets every event once and in sequence; \
    /readyz stays 200; the stalled client, reading again, finds its connection ended (4008 or \
    abnormally) and resumes with `since` without a gap.";

/// The bytes the server has queued toward `client_port` while it holds the connection as
/// established; `None` once it does not.
fn established(server: SocketAddr, client_port: u16) -> anyhow::Result<Option<u64>> {
    let table = std::fs::read_to_string("/proc/net/tcp").context("reading /proc/net/tcp")?;
    Ok(queued_toward(&table, server.port(), client_port))
}

/// In a `/proc/net/tcp` table, the send queue of the established socket from `local_port` to
/// `remote_port` (the server's side of a connection is the line whose local port is the
/// server's).
fn queued_toward(table: &str, local_port: u16, remote_port: u16) -> Option<u64> {
    let local = format!(":{local_port:04X}");
    let remote = format!(":{remote_port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let ours = fields.len() > 4
            && fields[1].ends_with(&local)
            && fields[2].ends_with(&remote)
            && fields[3] == "01";
        let queued = fields.get(4)?.split(':').next()?;
        ours.then(|| u64::from_str_radix(queued, 16).unwrap_or(0))
    })
}

/// The heads of [`STREAMS`], read as `admin`.
pub async fn heads(
    api: &Api,
    admin: &reqwest::header::HeaderValue,
) -> anyhow::Result<BTreeMap<String, i64>> {
    let orders: OrderList = api.get("/api/v1/shops/1/orders", Some(admin)).await?;
    let stock: StockList = api.get("/api/v1/shops/1/stock", Some(admin)).await?;
    let group: serde_json::Value = api.get("/api/v1/group/dashboard", Some(admin)).await?;
    let group = group["stream_seq"]
        .as_i64()
        .context("the dashboard has no stream_seq")?;
    Ok(BTreeMap::from([
        (STREAMS[0].to_owned(), orders.stream_seq),
        (STREAMS[1].to_owned(), stock.stream_seq),
        (STREAMS[2].to_owned(), group),
    ]))
}

/// Runs the scenario.
pub async fn run(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("faults-slow")?;
    let env = [(
        "OCPIZZA_DATA_DIR",
        scratch.0.join("data").display().to_string(),
    )];
    let mut server = start_server(binary, &env, scratch.0.join("server.log"))?;
    wait_ready(&mut server).await?;
    let api = Api::new(&server.base)?.with_large_orders();
    let admin = api.login("admin").await?;
    api.restock(&admin, 10_000_000).await?;
    let subscribe: Vec<(&str, Option<i64>)> = STREAMS.iter().map(|s| (*s, None)).collect();
    let mut stalled =
        Live::connect(server.addr, &admin, &subscribe, Some(STALLED_RECV_BUFFER)).await?;
    let mut reader = Live::connect(server.addr, &admin, &subscribe, None)
        .await?
        .spawn_reader();

    let deadline = Instant::now() + super::RETRY_LIMIT;
    let stop = Arc::new(AtomicBool::new(false));
    let placed = Arc::new(AtomicUsize::new(0));
    let clients = Clients::spawn(CLIENTS, |c| {
        let (api, stop, placed) = (api.clone(), stop.clone(), placed.clone());
        async move {
            let mut ledger = Ledger::default();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                api.place(&format!("slow-{c}-{i}"), deadline, &mut ledger)
                    .await?;
                placed.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok(ledger)
        }
    });
    let load = Instant::now();
    while let Some(queued) = established(server.addr, stalled.local_port)? {
        if load.elapsed() > KICK_LIMIT {
            stop.store(true, Ordering::Relaxed);
            bail!(
                "the stalled client was still connected after {} s and {} orders ({queued} bytes \
                 queued in its socket)",
                KICK_LIMIT.as_secs(),
                placed.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "the server dropped the stalled client after {:.1} s and {} orders",
        load.elapsed().as_secs_f64(),
        placed.load(Ordering::Relaxed)
    );
    stop.store(true, Ordering::Relaxed);
    let ledger = clients.join().await?;
    if !api.ready().await {
        bail!("/readyz is not 200 after the load");
    }
    let heads = heads(&api, &admin).await?;
    reader.until(&heads, Duration::from_secs(15)).await?;
    if !reader.seen.problems.is_empty() {
        bail!(
            "the reading client's sequence broke: {}",
            reader.seen.problems.join("; ")
        );
    }
    if reader.seen.placed.len() != ledger.acked.len() {
        bail!(
            "the reading client saw {} orders placed, {} were acknowledged",
            reader.seen.placed.len(),
            ledger.acked.len()
        );
    }
    println!(
        "the reading client got all {} orders' events in sequence",
        ledger.acked.len()
    );

    let mut seen = Sequences::new(stalled.at.clone());
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), stalled.next()).await {
            Err(_) => bail!("the stalled client, reading again, found its connection still open"),
            Ok(next) => match next? {
                Next::Event {
                    stream,
                    seq,
                    placed,
                } => seen.on(&stream, seq, placed),
                Next::Closed(code) => break code,
            },
        }
    };
    if !matches!(code, None | Some(4008)) {
        bail!("the stalled client's connection ended with {code:?}, not 4008 or abnormally");
    }
    println!(
        "the stalled client read {} orders' events, then the end ({})",
        seen.placed.len(),
        code.map_or("abnormal, 1006".to_owned(), |c| c.to_string())
    );
    let since: Vec<(&str, Option<i64>)> = STREAMS
        .iter()
        .map(|s| (*s, seen.last.get(*s).copied()))
        .collect();
    let mut resumed = Live::connect(server.addr, &admin, &since, None)
        .await?
        .spawn_reader();
    resumed.until(&heads, Duration::from_secs(15)).await?;
    if !resumed.seen.problems.is_empty() || !seen.problems.is_empty() {
        bail!(
            "the stalled client's sequence broke: {}",
            [seen.problems, resumed.seen.problems].concat().join("; ")
        );
    }
    let total = seen.placed.len() + resumed.seen.placed.len();
    if total != ledger.acked.len() {
        bail!(
            "after resuming, the client saw {total} orders placed of {}",
            ledger.acked.len()
        );
    }
    println!("it resumed with `since` and got the rest, without a gap");
    let stored = api.check_acked(&admin, "slow-", &ledger).await?;
    println!("{stored} stored, one per key");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt
   0: 0100007F:1F90 0100007F:C350 01 00010000:00000000 00:00000000 00000000     0
   1: 0100007F:C350 0100007F:1F90 01 00000000:00001000 00:00000000 00000000     0
   2: 0100007F:1F90 0100007F:C351 04 00020000:00000000 00:00000000 00000000     0
";

    #[test]
    fn the_servers_side_of_a_connection_is_found_with_its_send_queue() {
        assert_eq!(queued_toward(TABLE, 8080, 50000), Some(0x10000));
    }

    #[test]
    fn a_connection_the_server_closed_is_no_longer_established() {
        assert_eq!(queued_toward(TABLE, 8080, 50001), None);
        assert_eq!(queued_toward(TABLE, 8080, 50002), None);
    }
}
