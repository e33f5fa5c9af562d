//! A WebSocket test client speaking the live protocol.

use crate::helpers::TestApp;
use futures::{SinkExt, StreamExt};
use ocpizza_proto::ws::ServerMsg;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for an expected message.
pub const WAIT: Duration = Duration::from_secs(10);

/// One live connection.
pub struct Ws {
    /// The socket (tests that misbehave use it directly).
    pub inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    /// Connects, with a session cookie if given, and says hello.
    pub async fn connect(app: &TestApp, cookie: Option<&str>) -> Ws {
        let mut ws = Ws::open(app, cookie).await.expect("websocket upgrade");
        ws.send(json!({"type": "hello", "protocol": 1})).await;
        let ServerMsg::Welcome { protocol, .. } = ws.recv().await else {
            panic!("welcome expected")
        };
        assert_eq!(protocol, 1);
        ws
    }

    /// Connects without saying hello; the HTTP error if the upgrade is refused.
    pub async fn open(
        app: &TestApp,
        cookie: Option<&str>,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let url = app.url("/api/v1/ws").replace("http://", "ws://");
        let mut request = url.into_client_request().expect("request");
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("cookie header"));
        }
        let (inner, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Ws { inner })
    }

    /// Sends a JSON message.
    pub async fn send(&mut self, msg: Value) {
        self.inner
            .send(Message::text(msg.to_string()))
            .await
            .expect("send");
    }

    /// The next protocol message (pings are skipped); panics after [`WAIT`] or on close.
    pub async fn recv(&mut self) -> ServerMsg {
        loop {
            let next = tokio::time::timeout(WAIT, self.inner.next())
                .await
                .expect("a message in time");
            match next {
                Some(Ok(Message::Text(t))) => {
                    return serde_json::from_str(t.as_str()).expect("server message");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// Subscribes and returns everything up to and including `subscribed`.
    pub async fn subscribe(&mut self, stream: &str, since: Option<i64>) -> Vec<ServerMsg> {
        self.send(json!({"type": "subscribe", "stream": stream, "since": since}))
            .await;
        let mut got = Vec::new();
        loop {
            let msg = self.recv().await;
            let done = matches!(msg, ServerMsg::Subscribed { .. } | ServerMsg::Error { .. });
            got.push(msg);
            if done {
                return got;
            }
        }
    }

    /// `(stream, seq)` of the next `count` events, checking each is an event.
    pub async fn events(
        &mut self,
        count: usize,
    ) -> Vec<(String, i64, ocpizza_proto::events::Event)> {
        let mut out = Vec::new();
        while out.len() < count {
            match self.recv().await {
                ServerMsg::Event { stream, seq, event } => out.push((stream, seq, event)),
                other => panic!("expected an event, got {other:?}"),
            }
        }
        out
    }

    /// Waits for the server to close the connection; returns the close code (1006 if the
    /// connection simply ended).
    pub async fn closed(&mut self) -> u16 {
        loop {
            let next = tokio::time::timeout(WAIT, self.inner.next())
                .await
                .expect("closed in time");
            match next {
                Some(Ok(Message::Close(frame))) => {
                    return frame.map_or(1005, |f| u16::from(f.code));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return 1006,
            }
        }
    }
}
