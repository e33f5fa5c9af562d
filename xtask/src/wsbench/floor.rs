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

use anyhow::{Context, bail};
use rustix::thread::{CpuSet, sched_setaffinity};
use rustix::time::{ClockId, clock_gettime};
use std::io::{BufRead as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
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
    /// Whether the two threads could be pinned to two different CPUs.
    pub(super) pinned: bool,
}

impl Floor {
    /// One line for the report.
    pub(super) fn line(&self) -> String {
        format!(
            "loopback floor: {:.2} µs of sender CPU per write ({} writes of {} bytes over {} \
             sockets, TCP_NODELAY; reader {:.2} µs per write{}; {:.1}% stolen by the hypervisor)",
            self.sender_us,
            self.writes,
            self.frame_bytes,
            self.sockets,
            self.reader_us,
            if self.pinned {
                ", sender and reader on two CPUs"
            } else {
                ", NOT pinned"
            },
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

/// Measures the floor for `sockets` connections and frames of `frame_bytes`.
pub(super) fn measure_floor(sockets: usize, frame_bytes: usize) -> anyhow::Result<Floor> {
    if sockets == 0 || frame_bytes == 0 {
        bail!("the floor needs at least one socket and one byte");
    }
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the floor's listener")?;
    let mut reader = Command::new(std::env::current_exe()?)
        .arg("ws-bench")
        .env(READER_ENV, format!("{} {sockets}", listener.local_addr()?))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the floor's reader")?;
    let mut senders = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let (s, _) = listener.accept().context("accepting a floor socket")?;
        s.set_nodelay(true)?;
        senders.push(s);
    }
    let steal_before = crate::host::cpu_counters();
    let sent = std::thread::Builder::new()
        .name("floor-sender".into())
        .spawn(move || send(senders, frame_bytes))
        .context("starting the floor's sender")?
        .join()
        .map_err(|_| anyhow::anyhow!("the floor's sender panicked"))??;
    let steal = steal_before
        .zip(crate::host::cpu_counters())
        .map_or(0.0, |(a, b)| {
            (b.steal - a.steal) as f64 / (b.total - a.total).max(1) as f64 * 100.0
        });
    // The sender closed its sockets: the reader ends once it read everything, and says what
    // it read and its CPU time.
    let mut line = String::new();
    if let Some(out) = reader.stdout.take() {
        std::io::BufReader::new(out).read_line(&mut line)?;
    }
    let status = reader.wait()?;
    let mut fields = line.split_whitespace().map(str::parse::<u64>);
    let (Some(Ok(read)), Some(Ok(reader_ns)), Some(Ok(pinned))) =
        (fields.next(), fields.next(), fields.next())
    else {
        bail!("the floor's reader failed ({status}): {line:?}");
    };
    let all_writes = sent.writes + sent.warmup_writes;
    if read != all_writes * frame_bytes as u64 {
        bail!(
            "the floor's reader got {read} of {} bytes",
            all_writes * frame_bytes as u64
        );
    }
    Ok(Floor {
        sockets,
        frame_bytes,
        writes: sent.writes,
        sender_us: sent.cpu.as_secs_f64() * 1e6 / sent.writes.max(1) as f64,
        reader_us: reader_ns as f64 / 1e3 / all_writes.max(1) as f64,
        steal,
        pinned: sent.pinned && pinned == 1,
    })
}

/// The floor's reader process: `spec` is `ADDRESS SOCKETS`. Connects that many sockets,
/// drains them to their end on one pinned thread, and prints the bytes read, its CPU time in
/// ns and whether it was pinned.
pub(super) fn reader_main(spec: &str) -> anyhow::Result<()> {
    let (addr, n) = spec
        .split_once(' ')
        .with_context(|| format!("{READER_ENV}={spec:?}"))?;
    let (addr, n): (SocketAddr, usize) = (addr.parse()?, n.parse()?);
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        let s = TcpStream::connect(addr).context("connecting a floor socket")?;
        s.set_nodelay(true)?;
        sockets.push(s);
    }
    let (read, cpu, pinned) = drain(sockets)?;
    println!("{read} {} {}", cpu.as_nanos(), u8::from(pinned));
    Ok(())
}

/// Pins the calling thread to `cpu`; false if this machine has fewer CPUs or refuses.
fn pin(cpu: usize) -> bool {
    if std::thread::available_parallelism().map_or(1, usize::from) <= cpu {
        return false;
    }
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(None, &set).is_ok()
}

fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

struct Sent {
    writes: u64,
    warmup_writes: u64,
    cpu: Duration,
    pinned: bool,
}

/// Writes one frame to each socket in turn, round after round, for [`FLOOR_SECONDS`].
fn send(mut sockets: Vec<TcpStream>, frame_bytes: usize) -> anyhow::Result<Sent> {
    let pinned = pin(0);
    let frame = vec![b'x'; frame_bytes];
    let round = |sockets: &mut [TcpStream]| -> std::io::Result<u64> {
        for s in sockets.iter_mut() {
            s.write_all(&frame)?;
        }
        Ok(sockets.len() as u64)
    };
    let warmup_writes = round(&mut sockets).context("floor warm-up")?;
    let (started, cpu_before) = (Instant::now(), thread_cpu());
    let mut writes = 0;
    while started.elapsed() < FLOOR_SECONDS {
        writes += round(&mut sockets).context("floor write")?;
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

/// Reads every socket to its end on one pinned thread; returns the bytes read, the
/// thread's CPU time and whether it could be pinned.
fn drain(sockets: Vec<TcpStream>) -> anyhow::Result<(u64, Duration, bool)> {
    let pinned = pin(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let before = thread_cpu();
    let read = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for s in sockets {
            s.set_nonblocking(true)?;
            let mut s = tokio::net::TcpStream::from_std(s)?;
            tasks.spawn(async move {
                let mut buf = vec![0u8; READ_BUFFER];
                let mut n = 0u64;
                while let Ok(got) = s.read(&mut buf).await {
                    if got == 0 {
                        break;
                    }
                    n += got as u64;
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

    #[test]
    fn a_frame_is_its_payload_and_the_unmasked_header() {
        assert_eq!(ws_frame_len(100), 102);
        assert_eq!(ws_frame_len(1_000), 1_004);
        assert_eq!(ws_frame_len(70_000), 70_010);
    }
}
