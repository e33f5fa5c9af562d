//! `paypal-fake --port N [--webhook-url URL] [--webhook-id ID]`: the PayPal stand-in as a
//! process, for the browser tests. Prints `listening on http://127.0.0.1:PORT` once it
//! answers, then runs until stopped.

use clap::Parser;
use std::net::{Ipv4Addr, SocketAddr};

/// A local stand-in for PayPal's REST API (see the library's documentation).
#[derive(Debug, Parser)]
#[command(name = "paypal-fake", version)]
struct Args {
    /// The port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long)]
    port: u16,
    /// Where to POST webhook notifications.
    #[arg(long)]
    webhook_url: Option<String>,
    /// The webhook id notifications verify against.
    #[arg(long, default_value = paypal_fake::WEBHOOK_ID)]
    webhook_id: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = paypal_fake::Options {
        webhook_url: args.webhook_url,
        webhook_id: args.webhook_id,
        ..paypal_fake::Options::default()
    };
    let fake =
        paypal_fake::spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)), options).await?;
    println!("listening on {}", fake.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
