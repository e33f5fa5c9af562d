//! All I/O: the REST client and the live WebSocket.

pub mod api;
pub mod live;
