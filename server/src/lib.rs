//! OC Pizza server: the `ocpizza` binary's library.
//!
//! One module per domain noun (`shops`, `menu`, `stock`, `orders`, `staff`, `auth`), each with
//! its router and its SQL (`db.rs`) next to it; `app` merges the routers. Every change runs in
//! one transaction that also writes its events to the event log (`events`). [`app::serve`]
//! runs the real application on any listener, which is how the tests start it.

pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cash;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod config;
pub mod customers;
pub mod dashboard;
pub mod db;
pub mod drain;
pub mod driver;
pub mod error;
pub mod eta;
pub mod events;
pub mod extract;
pub mod headers;
pub mod health;
pub mod housekeeping;
pub mod hub;
pub mod idempotency;
pub mod listener;
pub mod maintenance;
pub mod memo;
pub mod menu;
pub mod metrics;
pub mod net;
pub mod notify;
pub mod openapi;
pub mod orders;
pub mod payments;
pub mod privacy;
pub mod reporting;
pub mod reports;
pub mod seed;
pub mod shops;
pub mod staff;
pub mod state;
pub mod stock;
pub mod streams;
pub mod systemd;
pub mod validate;
pub mod wire;
