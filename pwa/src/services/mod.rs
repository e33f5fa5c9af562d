//! All I/O: the REST client, the live WebSocket and the browser's storage.

pub mod api;
pub mod live;
pub mod storage;
