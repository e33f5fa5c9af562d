//! A stopping server behind a load balancer: it refuses new connections at once, still answers
//! on the connections it has (saying `Connection: close`), and lets their client close them,
//! so that nginx never sends a request on a connection the server is closing.

use crate::helpers::TestApp;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Sends `GET /healthz` on a kept-alive connection; the answer's head, lower-cased.
async fn healthz(conn: &mut TcpStream) -> String {
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: pizza\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\nok") {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(
            n > 0,
            "closed before answering: {}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).to_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_refuses_new_connections_and_lets_its_client_close_the_others() {
    let mut app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut kept = TcpStream::connect(&addr).await.expect("connect");
    let first = healthz(&mut kept).await;
    assert!(first.starts_with("http/1.1 200"), "{first}");
    assert!(!first.contains("connection: close"), "{first}");

    let stopping = tokio::spawn(async move {
        app.shutdown().await;
        app
    });
    let asked = Instant::now();
    while TcpStream::connect(&addr).await.is_ok() {
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "still accepting connections 2 s after the stop"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The kept-alive connection was not cut under its client: it is answered, and told to
    // close, which the server then does once the answer is out.
    let again = healthz(&mut kept).await;
    assert!(again.starts_with("http/1.1 200"), "{again}");
    assert!(again.contains("connection: close"), "{again}");
    let mut rest = [0u8; 64];
    let eof = tokio::time::timeout(Duration::from_secs(2), kept.read(&mut rest)).await;
    assert!(
        matches!(eof, Ok(Ok(0))),
        "the connection stayed open: {eof:?}"
    );
    drop(kept);
    let stopped = tokio::time::timeout(Duration::from_secs(3), stopping).await;
    assert!(
        stopped.is_ok(),
        "the server did not stop once its last client had left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_waits_for_an_idle_client_to_close_at_most_its_grace() {
    let mut app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut idle = TcpStream::connect(&addr).await.expect("connect");
    healthz(&mut idle).await;
    let asked = Instant::now();
    let stopping = tokio::spawn(async move {
        app.shutdown().await;
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Still open: the client may yet send a request on it.
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(200), idle.read(&mut byte)).await;
    assert!(
        read.is_err(),
        "the server closed an idle connection at once: {read:?}"
    );
    stopping.await.expect("stopped");
    let took = asked.elapsed();
    assert!(
        took >= ocpizza::drain::IDLE_GRACE
            && took < ocpizza::drain::IDLE_GRACE + Duration::from_secs(3),
        "stopped after {took:?}"
    );
}

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
