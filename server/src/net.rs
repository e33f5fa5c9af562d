//! Request-level guards: the client address, and the Origin check on state-changing requests.

use crate::drain::DrainListener;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::Wire;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// What the server knows of a connection's other end (`ConnectInfo<Peer>`): its address and,
/// on connections the server accepted itself, the socket's writing side, which the live hub
/// writes its frames into once the connection is a WebSocket.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The peer's address.
    pub addr: SocketAddr,
    /// The connection's writing side, if it is one of the server's own.
    pub wire: Option<Arc<Wire>>,
}

impl Connected<IncomingStream<'_, DrainListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, DrainListener>) -> Self {
        Peer {
            addr: *stream.remote_addr(),
            wire: Some(stream.io().wire().clone()),
        }
    }
}

impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Peer {
            addr: *stream.remote_addr(),
            wire: None,
        }
    }
}

/// The writing side of the request's connection, if the server accepted the connection itself
/// and the request is HTTP/1.1: an upgrade then hands the whole connection over (an HTTP/2
/// stream shares its connection with others).
#[derive(Debug, Clone)]
pub struct OwnWire(pub Option<Arc<Wire>>);

impl<S: Send + Sync> FromRequestParts<S> for OwnWire {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let wire = parts
            .extensions
            .get::<ConnectInfo<Peer>>()
            .filter(|_| parts.version == Version::HTTP_11)
            .and_then(|c| c.0.wire.clone());
        Ok(OwnWire(wire))
    }
}

/// The client's address: the peer, or behind a trusted proxy the last `X-Forwarded-For` hop.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let forwarded = state
            .config
            .trust_proxy
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        let peer = parts
            .extensions
            .get::<ConnectInfo<Peer>>()
            .map(|c| c.0.addr.ip());
        Ok(ClientIp(
            forwarded
                .or(peer)
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ))
    }
}

/// Refuses state-changing requests sent by another site: a present `Origin` must be this
/// site's public URL, and browsers' `Sec-Fetch-Site: cross-site` is refused. Requests without
/// either header (curl, server-to-server) carry no ambient browser credentials to abuse.
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let headers = req.headers();
        let origin_ok = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|o| o.trim_end_matches('/') == state.config.public_url);
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site");
        if !origin_ok || cross_site {
            return ApiError::BadOrigin.into_response();
        }
    }
    next.run(req).await
}
