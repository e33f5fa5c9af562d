//! Live clients as a screen runs them, through nginx: subscribed to their streams, and when
//! the connection ends (an instance stopped or killed) reconnecting through nginx at once and
//! resuming each stream after the last sequence read. Each records what it read (sequence
//! checks of `faults/live.rs`), every connection it had (its local port, to find its upstream
//! in nginx's access log, and the orders whose `order_placed` it read), and how long each
//! outage lasted, from the end of a connection to the `subscribed` of every stream on the next.

use crate::faults::live::{Live, Next, Sequences, Target};
use anyhow::bail;
use reqwest::header::HeaderValue;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Pause between two failed connection attempts.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Longest a client may stay without its streams before the test gives up.
const GIVE_UP: Duration = Duration::from_secs(30);

/// One connection of a client.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Its local port (nginx logs it as `$remote_port`).
    pub local_port: u16,
    /// Order ids of the `order_placed` events read on it.
    pub placed: Vec<i64>,
}

/// One outage: when the connection ended and how long until every stream was resumed.
#[derive(Debug, Clone)]
pub struct Outage {
    /// When the client saw the connection end.
    pub at: Instant,
    /// Until every stream answered `subscribed` on a new connection.
    pub lasted: Duration,
    /// Connection attempts that failed meanwhile.
    pub failed_attempts: usize,
    /// Why the last of them failed.
    pub last_failure: Option<String>,
}

/// What a client saw, once stopped.
#[derive(Debug)]
pub struct Followed {
    /// Its name in the output (`cook-1`, …).
    pub name: String,
    /// Its streams.
    pub streams: Vec<String>,
    /// Sequence checks over every connection (shared with [`Follower::lost`]).
    pub seen: Arc<Mutex<Sequences>>,
    /// Its connections, in order.
    pub connections: Vec<Connection>,
    /// Its outages.
    pub outages: Vec<Outage>,
    /// Streams resumed with a snapshot instead of the missed events.
    pub snapshots_on_resume: usize,
}

impl Followed {
    /// The longest outage that began within `[from, to)`.
    pub fn longest_outage(&self, from: Instant, to: Instant) -> Option<&Outage> {
        self.outages
            .iter()
            .filter(|o| o.at >= from && o.at < to)
            .max_by_key(|o| o.lasted)
    }

    /// Events of its streams up to `heads` it never read, gaps included; events read twice.
    pub fn lost_and_duplicated(&self, heads: &BTreeMap<String, i64>) -> (i64, usize) {
        lost_and_duplicated(&self.streams, &self.seen, heads)
    }
}

fn lost_and_duplicated(
    streams: &[String],
    seen: &Mutex<Sequences>,
    heads: &BTreeMap<String, i64>,
) -> (i64, usize) {
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    let behind: i64 = streams
        .iter()
        .map(|s| {
            let last = seen.last.get(s).copied().unwrap_or(0);
            (heads.get(s).copied().unwrap_or(0) - last).max(0)
        })
        .sum();
    (behind + seen.missing, seen.duplicated)
}

/// A running client; [`Follower::stop`] ends it and returns what it saw.
#[derive(Debug)]
pub struct Follower {
    streams: Vec<String>,
    seen: Arc<Mutex<Sequences>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<Followed>>,
}

impl Follower {
    /// Connects through `site` with `cookie` and follows `streams` from their snapshots.
    pub async fn start(
        name: &str,
        site: Target,
        cookie: HeaderValue,
        streams: &[&str],
    ) -> anyhow::Result<Follower> {
        let (stop, stopped) = watch::channel(false);
        let streams: Vec<String> = streams.iter().map(|s| (*s).to_owned()).collect();
        let mut state = Followed {
            name: name.to_owned(),
            streams: streams.clone(),
            seen: Arc::new(Mutex::new(Sequences::new(BTreeMap::new()))),
            connections: Vec::new(),
            outages: Vec::new(),
            snapshots_on_resume: 0,
        };
        let first = connect(site, &cookie, &mut state, None).await?;
        let seen = state.seen.clone();
        let task = tokio::spawn(follow(site, cookie, state, first, stopped));
        Ok(Follower {
            streams,
            seen,
            stop,
            task,
        })
    }

    /// The last sequence it read of `stream`, if it follows it.
    pub fn last(&self, stream: &str) -> Option<i64> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last
            .get(stream)
            .copied()
    }

    /// Events of its streams up to `heads` not read yet (gaps included), and events read twice.
    pub fn lost_and_duplicated(&self, heads: &BTreeMap<String, i64>) -> (i64, usize) {
        lost_and_duplicated(&self.streams, &self.seen, heads)
    }

    /// Stops it (closing its connection); what it saw.
    pub async fn stop(self) -> anyhow::Result<Followed> {
        let _ = self.stop.send(true);
        self.task.await?
    }
}

/// Opens a connection and subscribes to every stream of `state`, after the last sequence read
/// (from a snapshot the first time).
async fn connect(
    site: Target,
    cookie: &HeaderValue,
    state: &mut Followed,
    lost_at: Option<Instant>,
) -> anyhow::Result<Live> {
    let (mut failed_attempts, mut last_failure) = (0, None);
    loop {
        let since: Vec<(&str, Option<i64>)> = {
            let seen = state.seen.lock().unwrap_or_else(PoisonError::into_inner);
            state
                .streams
                .iter()
                .map(|s| (s.as_str(), seen.last.get(s).copied()))
                .collect()
        };
        match Live::connect_to(site, cookie, &since, None).await {
            Ok(live) => {
                for (stream, from) in &since {
                    let at = live.at.get(*stream).copied();
                    match from {
                        None => {
                            let mut seen =
                                state.seen.lock().unwrap_or_else(PoisonError::into_inner);
                            seen.last.insert((*stream).to_owned(), at.unwrap_or(0));
                        }
                        Some(from) if at != Some(*from) => state.snapshots_on_resume += 1,
                        Some(_) => {}
                    }
                }
                if let Some(at) = lost_at {
                    state.outages.push(Outage {
                        at,
                        lasted: at.elapsed(),
                        failed_attempts,
                        last_failure,
                    });
                }
                state.connections.push(Connection {
                    local_port: live.local_port,
                    placed: Vec::new(),
                });
                return Ok(live);
            }
            Err(e) => {
                if lost_at.is_none_or(|at| at.elapsed() > GIVE_UP) {
                    bail!("{}: cannot connect through nginx: {e:#}", state.name);
                }
                failed_attempts += 1;
                last_failure = Some(format!("{e:#}"));
                tokio::time::sleep(RETRY_PAUSE).await;
            }
        }
    }
}

async fn follow(
    site: Target,
    cookie: HeaderValue,
    mut state: Followed,
    mut live: Live,
    mut stopped: watch::Receiver<bool>,
) -> anyhow::Result<Followed> {
    loop {
        let next = tokio::select! {
            next = live.next() => next?,
            _ = stopped.changed() => return Ok(state),
        };
        match next {
            Next::Event {
                stream,
                seq,
                placed,
            } => {
                state
                    .seen
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .on(&stream, seq, placed);
                if stream.starts_with("shop:")
                    && stream.ends_with(":orders")
                    && let (Some(id), Some(conn)) = (placed, state.connections.last_mut())
                {
                    conn.placed.push(id);
                }
            }
            Next::Closed(_) => {
                let at = Instant::now();
                live = tokio::select! {
                    live = connect(site, &cookie, &mut state, Some(at)) => live?,
                    _ = stopped.changed() => return Ok(state),
                };
            }
        }
    }
}

/// One line of nginx's access log (`crate::nginx::ACCESS_LOG_FORMAT`).
#[derive(Debug, Clone)]
pub struct Logged {
    /// The client's port.
    pub remote_port: u16,
    /// Method.
    pub method: String,
    /// Path.
    pub uri: String,
    /// Status nginx answered.
    pub status: u16,
    /// Upstreams tried, in order.
    pub upstreams: Vec<String>,
    /// The Idempotency-Key, if any.
    pub key: Option<String>,
}

impl Logged {
    /// The upstream that answered last (`None` if none was reached).
    pub fn served_by(&self) -> Option<&str> {
        self.upstreams.last().map(String::as_str)
    }
}

/// Reads nginx's access log.
pub fn access_log(path: &std::path::Path) -> anyhow::Result<Vec<Logged>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = Vec::new();
    for line in text.lines() {
        // `port method uri status "upstreams" "statuses" "key"`
        let parts: Vec<&str> = line.split('"').collect();
        let (head, upstream, key) = match parts.as_slice() {
            [head, upstream, _, _statuses, _, key, ..] => (*head, *upstream, *key),
            _ => bail!("unexpected access log line: {line}"),
        };
        let words: Vec<&str> = head.split_whitespace().collect();
        let [port, method, uri, status] = words.as_slice() else {
            bail!("unexpected access log line: {line}");
        };
        lines.push(Logged {
            remote_port: port.parse()?,
            method: (*method).to_owned(),
            uri: (*uri).to_owned(),
            status: status.parse()?,
            upstreams: upstream
                .split(", ")
                .filter(|u| *u != "-" && !u.is_empty())
                .map(str::to_owned)
                .collect(),
            key: Some(key.to_owned()).filter(|k| k != "-"),
        });
    }
    Ok(lines)
}
