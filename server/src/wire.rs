//! The writing side of an accepted connection, shared by the HTTP stack and the live hub.
//!
//! A live event goes to thousands of WebSockets at once. Through tungstenite, every connection
//! would frame the event again and copy it into a buffer of its own before its socket takes it;
//! the hub frames it once for all of them ([`crate::hub::Frame`]) and writes those bytes
//! straight into each socket ([`Wire::write_frame`]). The two writers never interleave within a
//! frame:
//!
//! - the hub writes only if the stack's last write took everything it was given
//!   ([`Writer::owed`]): tungstenite hands its whole pending buffer to every write, so then
//!   nothing of a frame of its own is left half-sent (what it has buffered without writing yet
//!   is the hub's link's business, see `hub::link`);
//! - what the socket did not take of a frame the hub wrote ([`Writer::rest`]) goes out before
//!   anything the stack writes next, and the stack's flush waits for it.

use bytes::{Buf, Bytes};
use std::io;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use tokio::io::AsyncWrite;
use tokio::net::tcp::OwnedWriteHalf;

/// A connection's writing half, with what the hub left unsent.
#[derive(Debug)]
pub struct Wire {
    writer: Mutex<Writer>,
}

#[derive(Debug)]
struct Writer {
    half: OwnedWriteHalf,
    /// The end of a frame the hub wrote that the socket did not take yet.
    rest: Bytes,
    /// The stack's last write left part of what it was given: the rest is still in its buffer.
    owed: bool,
}

/// What became of a frame the hub wrote ([`Wire::write_frame`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Wrote {
    /// All of it went.
    All,
    /// It went in part; the rest goes out with the stack's next write or flush.
    Part,
    /// None of it: the socket is full or failed, or the stack has bytes to finish first.
    Nothing,
}

impl Wire {
    /// Wraps a connection's writing half.
    pub fn new(half: OwnedWriteHalf) -> Wire {
        Wire {
            writer: Mutex::new(Writer {
                half,
                rest: Bytes::new(),
                owed: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().expect("wire lock")
    }

    /// Writes a whole WebSocket frame now, without waiting, unless the stack has bytes of its
    /// own to finish first. The caller must know that the stack has no complete frame buffered
    /// and not yet written either.
    pub fn write_frame(&self, frame: &Bytes) -> Wrote {
        let mut writer = self.lock();
        if writer.owed || !writer.rest.is_empty() {
            return Wrote::Nothing;
        }
        match send_now(&writer.half, frame) {
            Ok(n) if n == frame.len() => Wrote::All,
            Ok(n) => {
                writer.rest = frame.slice(n..);
                Wrote::Part
            }
            Err(_) => Wrote::Nothing,
        }
    }

    /// The stack's write of `len` bytes, after what the hub left unsent.
    fn poll_stack_write(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        write: impl FnOnce(Pin<&mut OwnedWriteHalf>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        let mut writer = self.lock();
        let result = match writer.poll_rest(cx) {
            Poll::Ready(Ok(())) => write(Pin::new(&mut writer.half), cx),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        };
        writer.owed = !matches!(result, Poll::Ready(Ok(n)) if n == len);
        result
    }

    /// The stack's write (see [`AsyncWrite::poll_write`]).
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_stack_write(cx, buf.len(), |half, cx| half.poll_write(cx, buf))
    }

    /// The stack's gathered write (see [`AsyncWrite::poll_write_vectored`]).
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_stack_write(cx, len, |half, cx| half.poll_write_vectored(cx, bufs))
    }

    /// The stack's flush: what the hub left unsent goes first.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut writer = self.lock();
        ready!(writer.poll_rest(cx))?;
        Pin::new(&mut writer.half).poll_flush(cx)
    }

    /// The stack's shutdown of the writing side, once what the hub left unsent went.
    pub fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut writer = self.lock();
        ready!(writer.poll_rest(cx))?;
        Pin::new(&mut writer.half).poll_shutdown(cx)
    }
}

/// Writes what the socket takes of `bytes` now, straight to the kernel: tokio's readiness flag
/// is the connection's task's to keep (a full socket makes its next write find out, clear the
/// flag and wait).
#[cfg(target_os = "linux")]
fn send_now(half: &OwnedWriteHalf, bytes: &[u8]) -> io::Result<usize> {
    use rustix::net::{SendFlags, send};
    Ok(send(
        half.as_ref(),
        bytes,
        SendFlags::DONTWAIT | SendFlags::NOSIGNAL,
    )?)
}

/// Writes what the socket takes of `bytes` now, through tokio.
#[cfg(not(target_os = "linux"))]
fn send_now(half: &OwnedWriteHalf, bytes: &[u8]) -> io::Result<usize> {
    half.try_write(bytes)
}

impl Writer {
    /// Writes what the hub left unsent, waking the caller when the socket can take more.
    fn poll_rest(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.rest.is_empty() {
            let n = ready!(Pin::new(&mut self.half).poll_write(cx, &self.rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.rest.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::{Wire, Wrote};
    use bytes::Bytes;
    use std::future::poll_fn;
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    async fn pair() -> (Wire, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        let (_, write) = accepted.unwrap().0.into_split();
        (Wire::new(write), client.unwrap())
    }

    /// A frame the socket took only in part is finished before anything the stack writes
    /// next, and the hub writes nothing more until then: the reader gets whole frames, in
    /// order, whatever the socket's buffer held.
    #[tokio::test]
    async fn what_the_socket_did_not_take_goes_out_before_the_stack_writes() {
        let (wire, mut client) = pair().await;
        let frame = Bytes::from(vec![b'h'; 256 * 1024]);
        let mut hub_bytes = 0;
        let first_part = loop {
            match wire.write_frame(&frame) {
                Wrote::All => hub_bytes += frame.len(),
                Wrote::Part => break true,
                Wrote::Nothing => break false,
            }
        };
        assert!(first_part, "a full socket takes part of a frame first");
        assert_eq!(
            wire.write_frame(&frame),
            Wrote::Nothing,
            "nothing over a rest"
        );
        let stack = vec![b's'; 1000];
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut written = 0;
        while written < stack.len() {
            written += poll_fn(|cx| wire.poll_write(cx, &stack[written..]))
                .await
                .unwrap();
        }
        poll_fn(|cx| wire.poll_shutdown(cx)).await.unwrap();
        let got = reader.await.unwrap();
        hub_bytes += frame.len();
        assert_eq!(got.len(), hub_bytes + stack.len());
        assert!(got[..hub_bytes].iter().all(|b| *b == b'h'));
        assert!(got[hub_bytes..].iter().all(|b| *b == b's'));
    }

    /// When the stack's last write left part of its buffer, the hub does not write.
    #[tokio::test]
    async fn the_hub_waits_while_the_stack_owes_bytes() {
        let (wire, mut client) = pair().await;
        let big = vec![b's'; 8 * 1024 * 1024];
        let taken = poll_fn(|cx| wire.poll_write(cx, &big)).await.unwrap();
        assert!(
            taken < big.len(),
            "the socket took all of {} bytes",
            big.len()
        );
        assert_eq!(
            wire.write_frame(&Bytes::from_static(b"hub")),
            Wrote::Nothing
        );
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut written = taken;
        while written < big.len() {
            written += poll_fn(|cx| wire.poll_write(cx, &big[written..]))
                .await
                .unwrap();
        }
        loop {
            match wire.write_frame(&Bytes::from_static(b"hub")) {
                Wrote::All => break,
                Wrote::Part => panic!("three bytes in part"),
                Wrote::Nothing => tokio::task::yield_now().await,
            }
        }
        poll_fn(|cx| wire.poll_shutdown(cx)).await.unwrap();
        let got = reader.await.unwrap();
        assert_eq!(got.len(), big.len() + 3);
        assert_eq!(&got[big.len()..], b"hub");
    }
}
