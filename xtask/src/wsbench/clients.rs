//! The WebSocket clients: which stream each follows, how it connects and resumes, and how it
//! checks the sequences it receives (lost, duplicated, reordered) and times `order_placed`.

use super::http::Heads;
use super::measure::Cookies;
use super::stats::{
    Histogram, KEY_MASK, LATENCY_BITS, LATENCY_MASK, PhaseShard, PhaseStats, SHARDS, STREAM_BITS,
    STREAM_MASK, SampleShard, shard,
};
use super::{CLIENT_READ_BUFFER, HANDSHAKE_TIMEOUT, MAX_MISSING, MAX_RECONNECTS, Plan};
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use ocpizza_proto::ws::{CLOSE_SLOW_CONSUMER, ClientMsg, PROTOCOL_VERSION};
use reqwest::header::{COOKIE, HeaderValue};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpSocket;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Which stream a client follows (shops by index: 0 is shop 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Orders(usize),
    Menu(usize),
    Order(usize),
}

impl Target {
    /// Tells apart the streams whose `order_placed` events are sampled for the spread (whose
    /// sequences are per stream): the shop's id for `shop:{id}:orders`.
    fn sample_key(self) -> u64 {
        match self {
            Target::Orders(shop) => shop as u64 + 1,
            Target::Menu(_) | Target::Order(_) => 0,
        }
    }
}

#[derive(Debug)]
pub(super) struct ClientSpec {
    stream: String,
    pub(super) target: Target,
    pub(super) cookie: Option<HeaderValue>,
    source: Ipv4Addr,
    /// The sequence to resume from at the first connection.
    since: i64,
}

/// Mixes the kinds evenly (so that every batch of handshakes looks alike).
pub(super) fn client_specs(
    plan: &Plan,
    tokens: &[String],
    cookies: &Cookies,
    heads: &Heads,
) -> anyhow::Result<Vec<Arc<ClientSpec>>> {
    let mut specs = Vec::with_capacity(plan.clients);
    let source = |i: usize| Ipv4Addr::new(127, 0, 0, 1 + (i % usize::from(plan.sources)) as u8);
    for (n, token) in tokens.iter().enumerate() {
        specs.push(ClientSpec {
            stream: format!("order:{token}"),
            target: Target::Order(n),
            cookie: None,
            source: source(specs.len()),
            since: heads.tokens[n],
        });
    }
    let rest = plan.staff + plan.menu;
    let (mut staff_n, mut menu_n) = (0, 0);
    for i in 0..rest {
        let staff = (i + 1) * plan.staff / rest.max(1) > i * plan.staff / rest.max(1);
        let (stream, target, cookie, since) = if staff {
            let shop = staff_n % plan.shops;
            staff_n += 1;
            // The manager has rights on shop 1 only; the admin follows the other shops.
            let cookie = if shop == 0 {
                &cookies.manager
            } else {
                &cookies.admin
            };
            (
                format!("shop:{}:orders", shop + 1),
                Target::Orders(shop),
                Some(cookie.clone()),
                heads.orders[shop],
            )
        } else {
            let shop = menu_n % plan.shops;
            menu_n += 1;
            (
                format!("shop:{}:menu", shop + 1),
                Target::Menu(shop),
                None,
                heads.menu[shop],
            )
        };
        specs.push(ClientSpec {
            stream,
            target,
            cookie,
            source: source(specs.len()),
            since,
        });
    }
    if specs.len() != plan.clients {
        bail!(
            "internal: {} client specs for {}",
            specs.len(),
            plan.clients
        );
    }
    Ok(specs.into_iter().map(Arc::new).collect())
}

/// What every client task shares.
#[derive(Debug)]
pub(super) struct ClientCtx {
    pub(super) server: SocketAddr,
    pub(super) url: String,
    pub(super) shared: Arc<Shared>,
    pub(super) handshakes: Semaphore,
    pub(super) snapshots: bool,
}

/// Counters of all clients.
#[derive(Debug)]
pub(super) struct Shared {
    epoch: Instant,
    pub(super) phase: AtomicUsize,
    pub(super) phases: Vec<PhaseStats>,
    /// Last sequence each client has.
    pub(super) lasts: Vec<AtomicI64>,
    pub(super) connected: AtomicUsize,
    pub(super) failed: AtomicUsize,
    pub(super) first_error: Mutex<Option<String>>,
    pub(super) disconnects: AtomicU64,
    pub(super) slow_kicks: AtomicU64,
    pub(super) reconnects: AtomicU64,
    pub(super) dead: AtomicU64,
    pub(super) stopping: AtomicBool,
    /// `order_placed` deliveries of the current phase, per [`shard`]: (sequence << 8 |
    /// stream) << 32 | latency in µs.
    samples: Box<[SampleShard]>,
    /// Size of one `order_placed` frame, as received.
    pub(super) frame_bytes: AtomicUsize,
}

impl Shared {
    pub(super) fn new(clients: usize, phases: usize, samples: usize) -> Shared {
        Shared {
            epoch: Instant::now(),
            phase: AtomicUsize::new(0),
            phases: (0..phases).map(|_| PhaseStats::new()).collect(),
            lasts: (0..clients).map(|_| AtomicI64::new(0)).collect(),
            connected: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            first_error: Mutex::new(None),
            disconnects: AtomicU64::new(0),
            slow_kicks: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            dead: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            samples: (0..SHARDS).map(|_| SampleShard::new(samples)).collect(),
            frame_bytes: AtomicUsize::new(0),
        }
    }

    /// One `order_placed` delivery of sequence `seq` on the stream `stream` (a
    /// [`Target::sample_key`]) after `us` µs.
    fn record_delivery(&self, stream: u64, seq: i64, us: u64) {
        self.current().latency.record(us);
        let samples = &self.samples[shard()];
        let i = samples.len.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = samples.slots.get(i) {
            let key = ((seq as u64) << STREAM_BITS | (stream & STREAM_MASK)) & KEY_MASK;
            slot.store(
                key << LATENCY_BITS | us.min(LATENCY_MASK),
                Ordering::Relaxed,
            );
        }
    }

    /// The spread of the current phase's deliveries of each order (arrival − that order's
    /// first arrival), and how many deliveries did not fit in the sample buffer.
    pub(super) fn spread(&self) -> (Histogram, u64) {
        let mut dropped = 0;
        let mut samples: Vec<(u64, u64)> = Vec::new();
        for shard in &self.samples {
            let len = shard.len.load(Ordering::Acquire);
            let n = len.min(shard.slots.len());
            dropped += len - n;
            samples.extend(shard.slots[..n].iter().map(|s| {
                let v = s.load(Ordering::Acquire);
                (v >> LATENCY_BITS, v & LATENCY_MASK)
            }));
        }
        let mut first: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
        for &(key, us) in &samples {
            first
                .entry(key)
                .and_modify(|m| *m = (*m).min(us))
                .or_insert(us);
        }
        let hist = Histogram::new();
        for (key, us) in samples {
            hist.record(us - first[&key]);
        }
        (hist, dropped as u64)
    }

    /// Forgets the previous phase's samples.
    pub(super) fn clear_samples(&self) {
        for shard in &self.samples {
            shard.len.store(0, Ordering::Release);
        }
    }

    pub(super) fn micros_since_epoch(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// This thread's counters of the current phase.
    fn current(&self) -> &PhaseShard {
        let i = self.phase.load(Ordering::Relaxed);
        &self.phases[i.min(self.phases.len() - 1)].shards[shard()]
    }

    fn note_error(&self, e: &anyhow::Error) {
        let mut first = self.first_error.lock().expect("lock");
        if first.is_none() {
            *first = Some(format!("{e:#}"));
        }
    }
}

/// One client's view of its stream.
#[derive(Debug)]
struct Track {
    pub(super) index: usize,
    /// [`Target::sample_key`] of the client's stream.
    stream: u64,
    pub(super) last: i64,
    missing: BTreeSet<i64>,
}

impl Track {
    fn on_event(&mut self, seq: i64, shared: &Shared) {
        let phase = shared.current();
        phase.events.fetch_add(1, Ordering::Relaxed);
        phase
            .last_us
            .fetch_max(shared.micros_since_epoch(), Ordering::Relaxed);
        if seq == self.last + 1 {
            self.last = seq;
        } else if seq > self.last + 1 {
            let gap = seq - self.last - 1;
            phase.lost.fetch_add(gap, Ordering::Relaxed);
            if self.missing.len() + (gap as usize) <= MAX_MISSING {
                self.missing.extend(self.last + 1..seq);
            }
            self.last = seq;
        } else if self.missing.remove(&seq) {
            phase.lost.fetch_sub(1, Ordering::Relaxed);
            phase.reordered.fetch_add(1, Ordering::Relaxed);
        } else {
            phase.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        shared.lasts[self.index].store(self.last, Ordering::Release);
    }
}

/// How a connection ended.
#[derive(Debug)]
enum End {
    Stopping,
    Closed(Option<u16>),
}

pub(super) async fn client_task(index: usize, spec: Arc<ClientSpec>, ctx: Arc<ClientCtx>) {
    let shared = &ctx.shared;
    let mut track = Track {
        index,
        stream: spec.target.sample_key(),
        last: spec.since,
        missing: BTreeSet::new(),
    };
    shared.lasts[index].store(spec.since, Ordering::Release);
    let mut first = true;
    let mut failures = 0u32;
    loop {
        let permit = if first {
            ctx.handshakes.acquire().await.ok()
        } else {
            None
        };
        let since = if first && ctx.snapshots {
            None
        } else {
            Some(track.last)
        };
        let opened =
            tokio::time::timeout(HANDSHAKE_TIMEOUT, open(&ctx, &spec, since, &mut track)).await;
        drop(permit);
        let opened = match opened {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!(
                "handshake timed out after {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            )),
        };
        match opened {
            Ok(mut ws) => {
                if first {
                    shared.connected.fetch_add(1, Ordering::AcqRel);
                    first = false;
                } else {
                    shared.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                failures = 0;
                match read_loop(&mut ws, &spec.stream, &mut track, shared).await {
                    End::Stopping => return,
                    End::Closed(code) => {
                        shared.disconnects.fetch_add(1, Ordering::Relaxed);
                        if code == Some(CLOSE_SLOW_CONSUMER) {
                            shared.slow_kicks.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            Err(e) => {
                shared.note_error(&e);
                if first {
                    shared.failed.fetch_add(1, Ordering::AcqRel);
                    return;
                }
                failures += 1;
                if failures > MAX_RECONNECTS {
                    shared.dead.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
        if shared.stopping.load(Ordering::Acquire) {
            return;
        }
        // Reconnect like a browser would: after a short, spread-out pause.
        let pause = 100 + (index as u64 * 7919) % 400 + 200 * u64::from(failures);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Connects, says hello and subscribes; returns once the server confirmed the subscription.
async fn open(
    ctx: &ClientCtx,
    spec: &ClientSpec,
    since: Option<i64>,
    track: &mut Track,
) -> anyhow::Result<Ws> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket
        .bind(SocketAddr::new(IpAddr::V4(spec.source), 0))
        .with_context(|| format!("binding {}:0", spec.source))?;
    let stream = socket
        .connect(ctx.server)
        .await
        .with_context(|| format!("connecting from {}", spec.source))?;
    stream.set_nodelay(true)?;
    let mut request = ctx.url.as_str().into_client_request()?;
    if let Some(cookie) = &spec.cookie {
        request.headers_mut().insert(COOKIE, cookie.clone());
    }
    let config = WebSocketConfig::default()
        .read_buffer_size(CLIENT_READ_BUFFER)
        .write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .context("WebSocket upgrade")?;
    let hello = serde_json::to_string(&ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
    })?;
    let subscribe = serde_json::to_string(&ClientMsg::Subscribe {
        stream: spec.stream.clone(),
        since,
    })?;
    ws.send(Message::text(hello)).await?;
    ws.send(Message::text(subscribe)).await?;
    loop {
        let msg = ws
            .next()
            .await
            .context("closed before the subscription was confirmed")??;
        let text = match msg {
            Message::Text(text) => text,
            Message::Close(frame) => bail!("closed before subscribing: {frame:?}"),
            _ => continue,
        };
        if let Some((seq, after_seq)) = event_seq(text.as_str(), &spec.stream) {
            on_event(text.as_str(), seq, after_seq, track, &ctx.shared);
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(text.as_str()).context("a server message is not JSON")?;
        match value["type"].as_str() {
            Some("welcome" | "pong") => {}
            Some("snapshot") => {
                if let Some(seq) = value["seq"].as_i64() {
                    track.last = seq;
                    track.missing.clear();
                    ctx.shared.lasts[track.index].store(seq, Ordering::Release);
                }
            }
            Some("subscribed") => {
                let seq = value["seq"].as_i64().unwrap_or(track.last);
                if seq > track.last {
                    // The server says we have events we never saw.
                    ctx.shared
                        .current()
                        .lost
                        .fetch_add(seq - track.last, Ordering::Relaxed);
                    track.last = seq;
                    ctx.shared.lasts[track.index].store(seq, Ordering::Release);
                }
                return Ok(ws);
            }
            Some("error") => bail!("subscribing to {}: {text}", spec.stream),
            _ => bail!("unexpected message while subscribing: {text}"),
        }
    }
}

async fn read_loop(ws: &mut Ws, stream: &str, track: &mut Track, shared: &Shared) -> End {
    loop {
        let msg = ws.next().await;
        if shared.stopping.load(Ordering::Relaxed) {
            return End::Stopping;
        }
        match msg {
            None | Some(Err(_)) => return End::Closed(None),
            Some(Ok(Message::Close(frame))) => {
                return End::Closed(frame.map(|f| u16::from(f.code)));
            }
            Some(Ok(Message::Text(text))) => {
                if let Some((seq, after_seq)) = event_seq(text.as_str(), stream) {
                    on_event(text.as_str(), seq, after_seq, track, shared);
                } else {
                    let value: serde_json::Value =
                        serde_json::from_str(text.as_str()).unwrap_or_default();
                    if value["type"] == "event"
                        && let Some(seq) = value["seq"].as_i64()
                    {
                        on_event(text.as_str(), seq, "", track, shared);
                    }
                }
            }
            Some(Ok(_)) => {}
        }
    }
}

/// The sequence of an `event` frame, read without parsing the whole JSON (the server writes
/// `{"type":"event","stream":…,"seq":N,"event":…}`); `None` for anything else. With a
/// non-empty `stream`, the frame must be of that stream.
/// Returns the sequence and what follows its digits. Fixed offsets rather than searches:
/// this runs for every frame of every client, on the cores the server needs.
fn event_seq<'t>(text: &'t str, stream: &str) -> Option<(i64, &'t str)> {
    let rest = text.strip_prefix(r#"{"type":"event","stream":""#)?;
    let digits = if stream.is_empty() {
        let at = rest.find(r#"","seq":"#)?;
        &rest[at + 8..]
    } else {
        rest.strip_prefix(stream)?.strip_prefix(r#"","seq":"#)?
    };
    let end = digits
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    Some((digits[..end].parse().ok()?, &digits[end..]))
}

/// Counts an event frame; `after_seq` is what follows its sequence (where the event's own tag
/// comes first), empty when unknown.
fn on_event(text: &str, seq: i64, after_seq: &str, track: &mut Track, shared: &Shared) {
    track.on_event(seq, shared);
    let placed = after_seq.starts_with(r#","event":{"type":"order_placed""#);
    if placed && let Some(at) = text.rfind(r#""created_at":""#) {
        let value = &text[at + 14..];
        let Some(end) = value.find('"') else {
            return;
        };
        if let Ok(created) = value[..end].parse::<jiff::Timestamp>() {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64);
            let us = (now - created.as_microsecond()).max(0) as u64;
            shared.record_delivery(track.stream, seq, us);
            if shared.frame_bytes.load(Ordering::Relaxed) == 0 {
                shared.frame_bytes.store(text.len(), Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_frames_are_read_at_fixed_offsets() {
        let frame =
            r#"{"type":"event","stream":"shop:1:orders","seq":42,"event":{"type":"order_placed"}}"#;
        let (seq, after) = event_seq(frame, "shop:1:orders").expect("an event");
        assert_eq!(seq, 42);
        assert!(after.starts_with(r#","event":{"type":"order_placed""#));
        assert_eq!(event_seq(frame, "").map(|(s, _)| s), Some(42));
        assert_eq!(event_seq(frame, "shop:2:orders"), None);
        assert_eq!(event_seq(r#"{"type":"subscribed","seq":3}"#, ""), None);
    }

    #[test]
    fn spread_samples_tell_the_shops_apart() {
        let shared = Shared::new(1, 1, 8);
        shared.record_delivery(Target::Orders(0).sample_key(), 7, 1_000);
        shared.record_delivery(Target::Orders(1).sample_key(), 7, 5_000);
        shared.record_delivery(Target::Orders(0).sample_key(), 7, 3_000);
        let (spread, dropped) = shared.spread();
        assert_eq!(dropped, 0);
        // Shop 2's only delivery is its own first: 0, 0 and 2,000 µs.
        assert_eq!(spread.max.load(Ordering::Relaxed), 2_000);
        assert_eq!(spread.count(), 3);
    }
}
