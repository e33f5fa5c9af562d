//! A local SMTP server for the tests: it speaks enough of RFC 5321 for a real client (EHLO,
//! MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepts, and can be told to
//! refuse recipients with a given reply.

use mail_parser::MessageParser;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub envelope_from: String,
    /// `RCPT TO`s.
    pub envelope_to: Vec<String>,
    /// The message, as sent after `DATA` (dot-unstuffed).
    pub data: Vec<u8>,
}

impl Received {
    /// The parsed message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message")
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    refusal: Option<String>,
}

/// The running sink; stops with the test's runtime.
pub struct Sink {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl Sink {
    /// Starts a sink on a free loopback port.
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let addr = listener.local_addr().expect("sink addr");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, accepting.clone()));
            }
        });
        Sink { addr, shared }
    }

    /// `smtp://127.0.0.1:PORT` (in clear: loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// From now on, answers every `RCPT TO` with `reply` (e.g. `451 4.3.0 busy`), or accepts
    /// again with `None`.
    pub fn refuse_recipients(&self, reply: Option<&str>) {
        self.shared.lock().unwrap().refusal = reply.map(str::to_owned);
    }
}

async fn session(socket: TcpStream, shared: Arc<Mutex<Shared>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if !say(&mut write, "220 sink.test ESMTP").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => "250 sink.test".to_owned(),
            "MAIL" => {
                from = address(&command);
                to.clear();
                "250 2.1.0 ok".to_owned()
            }
            "RCPT" => {
                let refusal = shared.lock().unwrap().refusal.clone();
                match refusal {
                    Some(r) => r,
                    None => {
                        to.push(address(&command));
                        "250 2.1.5 ok".to_owned()
                    }
                }
            }
            "DATA" => {
                if !say(&mut write, "354 end with <CRLF>.<CRLF>").await {
                    return;
                }
                let Some(data) = read_data(&mut lines).await else {
                    return;
                };
                shared.lock().unwrap().received.push(Received {
                    envelope_from: from.clone(),
                    envelope_to: to.clone(),
                    data,
                });
                "250 2.0.0 queued".to_owned()
            }
            "RSET" | "NOOP" => "250 2.0.0 ok".to_owned(),
            "QUIT" => {
                let _ = say(&mut write, "221 2.0.0 bye").await;
                return;
            }
            _ => "502 5.5.2 not implemented".to_owned(),
        };
        if !say(&mut write, &answer).await {
            return;
        }
    }
}

/// Writes one reply line; `false` when the client is gone.
async fn say(w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    w.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
}

/// The address between `<` and `>`.
fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_owned())
        .unwrap_or_default()
}

/// The message up to the line holding a single dot, dot-unstuffed.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" || line == b".\n" {
            return Some(data);
        }
        let body = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(body);
    }
}
