//! Stopping (SIGTERM) during an update: what the server already accepted is answered, what it
//! did not is left to its successor, and nothing holds the exit back for long.

use crate::helpers::TestApp;
use ocpizza::listener::FIRST_REQUEST_GRACE;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Sends `GET /healthz` on `tcp` and reads the answer until the server closes.
async fn get_healthz(tcp: &mut TcpStream, keep_alive: bool) -> String {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut answer))
        .await
        .expect("an answer within 5 s")
        .expect("read");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

/// Whether the server closed `tcp` (end of stream, or reset) within `wait`, whatever it
/// still sent before.
async fn closed_within(tcp: &mut TcpStream, wait: Duration) -> bool {
    let mut rest = Vec::new();
    tokio::time::timeout(wait, tcp.read_to_end(&mut rest))
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_accepted_just_before_the_drain_still_gets_its_answer() {
    let mut app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut tcp = TcpStream::connect(&addr).await.expect("connect");
    // The server accepts it at once; its request comes only after the drain began.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(async move {
        app.shutdown().await;
        app
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = get_healthz(&mut tcp, true).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(
        closed_within(&mut tcp, Duration::from_secs(2)).await,
        "a draining server closes the connection after the answer"
    );
    let refused = TcpStream::connect(&addr).await;
    assert!(
        refused.is_err(),
        "a server that bound its own socket no longer accepts"
    );
    let _app = stopping.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_without_a_request_do_not_hold_the_exit_back() {
    let mut app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut silent = TcpStream::connect(&addr).await.expect("connect");
    let mut idle = TcpStream::connect(&addr).await.expect("connect");
    let first = get_healthz(&mut idle, true).await;
    assert!(first.starts_with("HTTP/1.1 200 "), "{first}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let stopping = tokio::spawn(async move {
        app.shutdown().await;
        app
    });
    assert!(
        closed_within(&mut idle, Duration::from_millis(500)).await,
        "an idle keep-alive connection is closed at once"
    );
    assert!(
        closed_within(&mut silent, FIRST_REQUEST_GRACE + Duration::from_secs(2)).await,
        "a connection that never sends a request is closed after the grace"
    );
    let _app = stopping.await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= FIRST_REQUEST_GRACE && took < FIRST_REQUEST_GRACE + Duration::from_secs(3),
        "the exit waited {took:?} for a silent connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_still_arriving_when_the_drain_begins_is_answered() {
    let mut app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut tcp = TcpStream::connect(&addr).await.expect("connect");
    // Half a request: the headers are not finished when the drain begins.
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(async move {
        app.shutdown().await;
        app
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the exit waits for the request");
    let answer = get_healthz_rest(&mut tcp).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let _app = stopping.await.unwrap();
}

/// Ends the request begun on `tcp` and reads the answer.
async fn get_healthz_rest(tcp: &mut TcpStream) -> String {
    tcp.write_all(b"\r\n").await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer))
        .await
        .expect("an answer within 5 s")
        .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}
