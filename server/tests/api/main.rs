//! HTTP tests of the real application on port 0, each on a fresh database: SQLite by default,
//! PostgreSQL when `OCPIZZA_TEST_DATABASE_URL` names a server (CI runs both).

mod helpers;
mod smtp_sink;
mod ws;

mod abuse;
mod auth;
mod backup;
mod bad_input;
mod cash;
mod cash_handover;
mod check;
mod cli;
mod concurrency;
mod counter;
mod dashboard;
mod drain;
mod driver;
mod eta;
mod events;
mod follower;
mod handover;
mod hardening;
mod idempotency;
mod lifecycle;
mod live;
mod localstripe;
mod login_throttle;
mod mail;
mod maintenance;
mod metrics;
mod my_orders;
mod payments;
mod payments_paypal;
mod paypal_client;
mod permissions;
mod position;
mod push;
mod pwa;
mod recovery;
mod shop_hours;
mod shops;
mod staff;
mod stock;
mod tracking;
mod visitor;
