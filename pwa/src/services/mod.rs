//! All I/O: the REST client, the live WebSocket and the browser's storage.

pub mod api;
pub mod device;
pub mod driver;
pub mod heartbeat;
pub mod live;
pub mod push;
pub mod storage;
pub mod stripe;
