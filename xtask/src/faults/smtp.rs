//! A mail sink for the fault scenarios: a small SMTP server on loopback that accepts every
//! message and remembers, per recipient, the `Message-ID`s it received and when.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its `Message-ID` header.
    pub message_id: String,
    /// When the sink took it.
    pub at: Instant,
}

/// Messages received, by recipient address.
pub type Inbox = Arc<Mutex<BTreeMap<String, Vec<Received>>>>;

/// Listens on a free loopback port; returns its address and the inbox it fills.
pub async fn start() -> anyhow::Result<(SocketAddr, Inbox)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let inbox = Inbox::default();
    let shared = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let inbox = shared.clone();
            tokio::spawn(async move {
                let _ = session(socket, inbox).await;
            });
        }
    });
    Ok((addr, inbox))
}

/// One SMTP session: any number of messages, each `MAIL`, `RCPT`…, `DATA`.
async fn session(socket: tokio::net::TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut recipients: Vec<String> = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
            "RCPT" => {
                let address = line
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(a, _)| a.to_ascii_lowercase());
                recipients.extend(address);
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut message_id = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("message-id")
                        && message_id.is_empty()
                    {
                        value.trim().clone_into(&mut message_id);
                    }
                }
                let at = Instant::now();
                let mut inbox = inbox.lock().expect("inbox lock");
                for to in recipients.drain(..) {
                    inbox.entry(to).or_default().push(Received {
                        message_id: message_id.clone(),
                        at,
                    });
                }
                b"250 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            "RSET" => {
                recipients.clear();
                b"250 OK\r\n"
            }
            _ => b"250 OK\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}
