//! The loopback floor: the CPU one thread spends writing one frame to each of N loopback TCP
//! sockets when it does nothing else, measured on this machine next to the hub.
//!
//! Almost all of a delivery's cost is the kernel's (the TCP send, waking the reader), so a
//! figure of the hub means little on its own: the same machine may be 30 % slower an hour
//! later. The floor is taken in the same run, with the hub's frame size and socket count: a
//! sender thread pinned to one CPU writes one frame to each socket in turn (`TCP_NODELAY`,
//! blocking writes, as many rounds as fit in a few seconds) while a reader pinned to the other
//! CPU drains them all on a single-threaded tokio runtime, as the load tool's clients do. The
//! reader is a child process (this same program, told so by [`READER_ENV`]): each end of a
//! socket takes an open file, and one process may not have enough for both. The sender's own
//! CPU time (`CLOCK_THREAD_CPUTIME_ID`) divided by its writes is the floor: the hub's CPU per
//! delivery cannot go below it without writing several frames at once.
//!
//! The hub does not write back to back: each event is a round of writes, one per subscriber,
//! and between events its threads and the readers fall asleep. The paced floor writes the
//! same frames at the rate a phase delivered them, one round over all sockets at each tick,
//! split between one sender per CPU as the hub splits a fan-out between its live threads,
//! nothing pinned, everyone asleep between rounds: what the same writes cost when they come in
//! bursts, and how long the last socket of a round waits for its frame when nothing but the
//! writes and the reads themselves stand in the way (the round's spread, from its first frame
//! read to its last, as the load tool measures the hub's).

use crate::host::pin_to;
use anyhow::{Context, bail};
use rustix::time::{ClockId, clock_gettime};
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt as _;

/// Set (to `ADDRESS SOCKETS`) in the reader process the floor starts.
pub(super) const READER_ENV: &str = "XTASK_WS_FLOOR_READER";
/// How long the sender writes (after one warm-up round).
const FLOOR_SECONDS: Duration = Duration::from_secs(3);
/// The reader's buffer per socket (the load tool's clients read 4 KiB at a time too).
const READ_BUFFER: usize = 4 * 1024;

/// What the floor measurement found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Floor {
    pub(super) sockets: usize,
    /// Bytes per write (the hub's frame, WebSocket header included).
    pub(super) frame_bytes: usize,
    pub(super) writes: u64,
    /// Sender CPU per write, µs.
    pub(super) sender_us: f64,
    /// Reader CPU per write, µs.
    pub(super) reader_us: f64,
    /// CPU time the hypervisor took meanwhile, percent of all CPUs.
    pub(super) steal: f64,
    /// Whether the sender and the reader could be pinned to two different CPUs.
    pub(super) pinned: bool,
    /// How a paced floor went (`None`: back to back).
    pub(super) paced: Option<Paced>,
}

/// A paced floor's rounds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paced {
    pub(super) rounds_per_s: f64,
    pub(super) senders: usize,
    pub(super) rounds: u32,
    /// Each frame's arrival minus the first arrival of its round, ms: p50, p99, max.
    pub(super) spread_ms: [f64; 3],
}

impl Floor {
    /// One line for the report.
    pub(super) fn line(&self) -> String {
        let how = match &self.paced {
            None if self.pinned => "; sender and reader on two CPUs".to_owned(),
            None => "; NOT pinned".to_owned(),
            Some(p) => format!(
                "; {} rounds at {:.1} a second, {} senders; spread p50 {:.1} ms, p99 {:.1} ms, \
                 max {:.1} ms",
                p.rounds, p.rounds_per_s, p.senders, p.spread_ms[0], p.spread_ms[1], p.spread_ms[2]
            ),
        };
        format!(
            "{} floor: {:.2} µs of sender CPU per write ({} writes of {} bytes over {} sockets, \
             TCP_NODELAY; reader {:.2} µs per write{how}; {:.1}% stolen by the hypervisor)",
            if self.paced.is_some() {
                "paced loopback"
            } else {
                "loopback"
            },
            self.sender_us,
            self.writes,
            self.frame_bytes,
            self.sockets,
            self.reader_us,
            self.steal
        )
    }
}

/// The WebSocket frame holding a text message of `payload` bytes, as the server writes it
/// (unmasked: header only).
pub(super) fn ws_frame_len(payload: usize) -> usize {
    let header = match payload {
        0..=125 => 2,
        126..=65_535 => 4,
        _ => 10,
    };
    header + payload
}

/// Measures the floor for `sockets` connections and frames of `frame_bytes`: back to back
/// (one pinned sender), or at `rounds_per_s` rounds (one frame to each socket) a second, split
/// between one sender per CPU.
pub(super) fn measure_floor(
    sockets: usize,
    frame_bytes: usize,
    rounds_per_s: Option<f64>,
) -> anyhow::Result<Floor> {
    if sockets == 0 || frame_bytes == 0 {
        bail!("the floor needs at least one socket and one byte");
    }
    if rounds_per_s.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        bail!("a paced floor needs a positive rate");
    }
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the floor's listener")?;
    let mut reader = Command::new(std::env::current_exe()?)
        .arg("ws-bench")
        .env(
            READER_ENV,
            format!(
                "{} {sockets} {frame_bytes} {}",
                listener.local_addr()?,
                u8::from(rounds_per_s.is_some())
            ),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the floor's reader")?;
    let mut accepted = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let (s, _) = listener.accept().context("accepting a floor socket")?;
        s.set_nodelay(true)?;
        accepted.push(s);
    }
    let senders = match rounds_per_s {
        None => 1,
        Some(_) => std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(sockets),
    };
    let plan = Arc::new(Rounds::new(rounds_per_s, senders));
    let mut slices: Vec<Vec<TcpStream>> = (0..senders).map(|_| Vec::new()).collect();
    for (i, s) in accepted.into_iter().enumerate() {
        slices[i % senders].push(s);
    }
    let steal_before = crate::host::cpu_counters();
    let threads = slices
        .into_iter()
        .enumerate()
        .map(|(i, slice)| {
            let plan = plan.clone();
            std::thread::Builder::new()
                .name(format!("floor-sender-{i}"))
                .spawn(move || send(slice, frame_bytes, &plan))
                .context("starting the floor's sender")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut sent = Vec::with_capacity(senders);
    for t in threads {
        sent.push(
            t.join()
                .map_err(|_| anyhow::anyhow!("the floor's sender panicked"))??,
        );
    }
    let steal = steal_before
        .zip(crate::host::cpu_counters())
        .map_or(0.0, |(a, b)| {
            (b.steal - a.steal) as f64 / (b.total - a.total).max(1) as f64 * 100.0
        });
    // The senders closed their sockets: the reader ends once it read everything, and says
    // what it read, its CPU time and, paced, when each round's first and last frames arrived.
    let mut out = String::new();
    if let Some(stdout) = reader.stdout.take() {
        std::io::Read::read_to_string(&mut std::io::BufReader::new(stdout), &mut out)?;
    }
    let status = reader.wait()?;
    let mut lines = out.lines();
    let line = lines.next().unwrap_or_default();
    let mut fields = line.split_whitespace().map(str::parse::<u64>);
    let (Some(Ok(read)), Some(Ok(reader_ns)), Some(Ok(pinned))) =
        (fields.next(), fields.next(), fields.next())
    else {
        bail!("the floor's reader failed ({status}): {line:?}");
    };
    let writes: u64 = sent.iter().map(|s| s.writes).sum();
    let all_writes = writes + sent.iter().map(|s| s.warmup_writes).sum::<u64>();
    if read != all_writes * frame_bytes as u64 {
        bail!(
            "the floor's reader got {read} of {} bytes",
            all_writes * frame_bytes as u64
        );
    }
    let cpu: Duration = sent.iter().map(|s| s.cpu).sum();
    let paced = match rounds_per_s {
        None => None,
        Some(rate) => {
            let spread = lines.next().unwrap_or_default();
            let ms: Vec<f64> = spread
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect();
            let [p50, p99, max] = ms[..] else {
                bail!("the floor's reader gave no spread: {spread:?}");
            };
            Some(Paced {
                rounds_per_s: rate,
                senders,
                rounds: plan.count,
                spread_ms: [p50, p99, max],
            })
        }
    };
    Ok(Floor {
        sockets,
        frame_bytes,
        writes,
        sender_us: cpu.as_secs_f64() * 1e6 / writes.max(1) as f64,
        reader_us: reader_ns as f64 / 1e3 / all_writes.max(1) as f64,
        steal,
        pinned: rounds_per_s.is_none() && sent.iter().all(|s| s.pinned) && pinned == 1,
        paced,
    })
}

/// The floor's reader process: `spec` is `ADDRESS SOCKETS FRAME_BYTES PACED`. Connects that
/// many sockets, drains them to their end on one thread (pinned unless paced), and prints the
/// bytes read, its CPU time in ns and whether it was pinned; paced, a second line with the
/// spread of the measured rounds' frames (arrival minus the first arrival of the same round),
/// p50, p99 and max in ms.
pub(super) fn reader_main(spec: &str) -> anyhow::Result<()> {
    let fields: Vec<&str> = spec.split_whitespace().collect();
    let [addr, n, frame_bytes, paced] = fields[..] else {
        bail!("{READER_ENV}={spec:?}");
    };
    let (addr, n): (SocketAddr, usize) = (addr.parse()?, n.parse()?);
    let (frame_bytes, paced): (u64, bool) = (frame_bytes.parse()?, paced == "1");
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        let s = TcpStream::connect(addr).context("connecting a floor socket")?;
        s.set_nodelay(true)?;
        sockets.push(s);
    }
    let arrivals = paced.then(|| Arc::new(Mutex::new(Vec::<Vec<u64>>::new())));
    let (read, cpu, pinned) = drain(sockets, frame_bytes, arrivals.as_ref())?;
    println!("{read} {} {}", cpu.as_nanos(), u8::from(pinned));
    if let Some(arrivals) = arrivals {
        let rounds = arrivals.lock().expect("arrivals lock");
        // Round 0 is the warm-up.
        let mut spreads: Vec<u64> = rounds
            .iter()
            .skip(1)
            .flat_map(|round| {
                let first = round.iter().copied().min().unwrap_or(0);
                round.iter().map(move |t| t - first)
            })
            .collect();
        spreads.sort_unstable();
        let at = |q: f64| {
            let i = ((spreads.len().max(1) - 1) as f64 * q).round() as usize;
            spreads.get(i).map_or(0.0, |ns| *ns as f64 / 1e6)
        };
        println!("{:.3} {:.3} {:.3}", at(0.5), at(0.99), at(1.0));
    }
    Ok(())
}

fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// CLOCK_MONOTONIC in ns: the same clock in the senders and in the reader's process.
fn monotonic_ns() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// When the senders write: back to back for [`FLOOR_SECONDS`], or a fixed number of rounds
/// at fixed ticks, the same for every sender.
struct Rounds {
    period: Option<Duration>,
    /// Paced: the rounds each sender writes after its warm-up.
    count: u32,
    /// All senders warmed up, before the first tick is set.
    ready: Barrier,
    /// The first tick (set by one sender once all are ready).
    start: Mutex<Option<Instant>>,
    started: Barrier,
}

impl Rounds {
    fn new(rounds_per_s: Option<f64>, senders: usize) -> Rounds {
        Rounds {
            period: rounds_per_s.map(|r| Duration::from_secs_f64(1.0 / r)),
            count: rounds_per_s.map_or(0, |r| (FLOOR_SECONDS.as_secs_f64() * r).ceil() as u32),
            ready: Barrier::new(senders),
            start: Mutex::new(None),
            started: Barrier::new(senders),
        }
    }
}

struct Sent {
    writes: u64,
    warmup_writes: u64,
    cpu: Duration,
    pinned: bool,
}

/// Writes one frame to each of `sockets` in turn, round after round: back to back for
/// [`FLOOR_SECONDS`], or paced, each round at its tick (asleep until then; a round longer than
/// the period starts the next at once).
fn send(mut sockets: Vec<TcpStream>, frame_bytes: usize, plan: &Rounds) -> anyhow::Result<Sent> {
    let pinned = plan.period.is_none() && pin_to(0);
    let frame = vec![b'x'; frame_bytes];
    let round = |sockets: &mut [TcpStream]| -> std::io::Result<u64> {
        for s in sockets.iter_mut() {
            s.write_all(&frame)?;
        }
        Ok(sockets.len() as u64)
    };
    let warmup_writes = round(&mut sockets).context("floor warm-up")?;
    let mut writes = 0;
    let cpu_before = thread_cpu();
    match plan.period {
        None => {
            let started = Instant::now();
            while started.elapsed() < FLOOR_SECONDS {
                writes += round(&mut sockets).context("floor write")?;
            }
        }
        Some(period) => {
            // Every sender warmed up (and the reader read the warm-up) before the first tick.
            if plan.ready.wait().is_leader() {
                *plan.start.lock().expect("floor start") = Some(Instant::now() + period);
            }
            plan.started.wait();
            let start = plan
                .start
                .lock()
                .expect("floor start")
                .expect("set by the leader");
            for k in 0..plan.count {
                std::thread::sleep((start + period * k).saturating_duration_since(Instant::now()));
                writes += round(&mut sockets).context("floor write")?;
            }
        }
    }
    let cpu = thread_cpu().saturating_sub(cpu_before);
    drop(sockets);
    Ok(Sent {
        writes,
        warmup_writes,
        cpu,
        pinned,
    })
}

/// Reads every socket to its end on one thread (pinned to the second CPU unless `arrivals`
/// is asked for); returns the bytes read, the thread's CPU time and whether it was pinned.
/// With `arrivals`, notes when each frame was read, by round (a socket's k-th frame belongs
/// to round k).
fn drain(
    sockets: Vec<TcpStream>,
    frame_bytes: u64,
    arrivals: Option<&Arc<Mutex<Vec<Vec<u64>>>>>,
) -> anyhow::Result<(u64, Duration, bool)> {
    let pinned = arrivals.is_none() && pin_to(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let before = thread_cpu();
    let read = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for s in sockets {
            s.set_nonblocking(true)?;
            let mut s = tokio::net::TcpStream::from_std(s)?;
            let arrivals = arrivals.cloned();
            tasks.spawn(async move {
                let mut buf = vec![0u8; READ_BUFFER];
                let mut n = 0u64;
                while let Ok(got) = s.read(&mut buf).await {
                    if got == 0 {
                        break;
                    }
                    let (before, after) = (n / frame_bytes, (n + got as u64) / frame_bytes);
                    n += got as u64;
                    if let Some(arrivals) = arrivals.as_ref().filter(|_| after > before) {
                        let now = monotonic_ns();
                        let mut rounds = arrivals.lock().expect("arrivals lock");
                        for k in before as usize..after as usize {
                            if rounds.len() <= k {
                                rounds.resize_with(k + 1, Vec::new);
                            }
                            rounds[k].push(now);
                        }
                    }
                }
                n
            });
        }
        let mut read = 0;
        while let Some(n) = tasks.join_next().await {
            read += n.unwrap_or(0);
        }
        anyhow::Ok(read)
    })?;
    Ok((read, thread_cpu().saturating_sub(before), pinned))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A paced floor writes every round to every socket, split between its senders, and the
    /// reader files each frame under its round, whatever sizes its reads come in.
    #[test]
    fn a_paced_floor_reads_each_round_whole() {
        let (sockets, frame_bytes, senders) = (12, 1_500, 2);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let readers: Vec<TcpStream> = (0..sockets)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        let mut slices: Vec<Vec<TcpStream>> = (0..senders).map(|_| Vec::new()).collect();
        for i in 0..sockets {
            slices[i % senders].push(listener.accept().unwrap().0);
        }
        let arrivals = Arc::new(Mutex::new(Vec::<Vec<u64>>::new()));
        let reader = {
            let arrivals = arrivals.clone();
            std::thread::spawn(move || drain(readers, frame_bytes as u64, Some(&arrivals)).unwrap())
        };
        let plan = Arc::new(Rounds::new(Some(100.0), senders));
        let writers: Vec<_> = slices
            .into_iter()
            .map(|slice| {
                let plan = plan.clone();
                std::thread::spawn(move || send(slice, frame_bytes, &plan).unwrap())
            })
            .collect();
        let sent: Vec<Sent> = writers.into_iter().map(|t| t.join().unwrap()).collect();
        let (read, _, _) = reader.join().unwrap();

        let rounds = u64::from(plan.count);
        assert_eq!(rounds, 300, "3 s at 100 rounds a second");
        assert_eq!(
            sent.iter().map(|s| s.writes).sum::<u64>(),
            rounds * sockets as u64
        );
        assert_eq!(read, (rounds + 1) * (sockets * frame_bytes) as u64);
        let arrivals = arrivals.lock().unwrap();
        assert_eq!(
            arrivals.len() as u64,
            rounds + 1,
            "the warm-up and each round"
        );
        assert!(arrivals.iter().all(|round| round.len() == sockets));
    }

    #[test]
    fn a_frame_is_its_payload_and_the_unmasked_header() {
        assert_eq!(ws_frame_len(100), 102);
        assert_eq!(ws_frame_len(1_000), 1_004);
        assert_eq!(ws_frame_len(70_000), 70_010);
    }
}
