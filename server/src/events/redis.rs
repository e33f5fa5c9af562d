//! The bus across server instances, through Redis pub/sub.
//!
//! After commit, each instance publishes its events (pipelined, from a pooled connection) on
//! one channel; each instance keeps one subscriber connection and feeds what it hears into
//! its own bus. Redis is only a fast path: when it is down or drops messages, requests still
//! succeed. Each time the subscription is (re)established the bus says events may have been
//! lost ([`Bus::lost_remote_events`]), and its listeners catch up from the log; whatever else
//! Redis drops, the hub's periodic check of the log finds.

use super::bus::Link;
use super::{Bus, Published};
use anyhow::Context;
use futures_util::StreamExt;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Deserialize)]
struct Wire<'a> {
    stream: String,
    seq: i64,
    #[serde(borrow)]
    payload: &'a serde_json::value::RawValue,
}

fn encode(event: &Published) -> String {
    let stream = serde_json::to_string(&event.stream).unwrap_or_default();
    format!(
        r#"{{"stream":{stream},"seq":{},"payload":{}}}"#,
        event.seq, event.payload
    )
}

fn decode(bytes: &[u8]) -> Option<Published> {
    let wire: Wire<'_> = serde_json::from_slice(bytes).ok()?;
    Some(Published {
        stream: wire.stream,
        seq: wire.seq,
        payload: Arc::from(wire.payload.get()),
    })
}

/// Connects to Redis and starts the publisher and the subscriber; returns the bus that also
/// publishes to Redis.
pub fn start(url: &str, channel: String, bus: Bus) -> anyhow::Result<Bus> {
    let pool = deadpool_redis::Config::from_url(url)
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .context("configuring the Redis pool (REDIS_URL)")?;
    let client = redis::Client::open(url).context("parsing REDIS_URL")?;
    let (tx, rx) = mpsc::channel(4096);
    tokio::spawn(publish(pool, channel.clone(), rx, bus.link().clone()));
    let bus = bus.with_remote(tx);
    tokio::spawn(subscribe(client, channel, bus.clone()));
    Ok(bus)
}

async fn publish(
    pool: deadpool_redis::Pool,
    channel: String,
    mut rx: mpsc::Receiver<Vec<Published>>,
    link: Arc<Link>,
) {
    while let Some(first) = rx.recv().await {
        let mut pipe = redis::pipe();
        let mut batches = vec![first];
        while let Ok(more) = rx.try_recv() {
            batches.push(more);
        }
        for event in batches.iter().flatten() {
            pipe.cmd("PUBLISH")
                .arg(&channel)
                .arg(encode(event))
                .ignore();
        }
        let sent = tokio::time::timeout(Duration::from_secs(2), async {
            let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            pipe.query_async::<()>(&mut conn)
                .await
                .map_err(anyhow::Error::from)
        })
        .await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                link.publish_failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "publishing to Redis failed; others catch up from the log");
            }
            Err(_) => {
                link.publish_failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("publishing to Redis timed out; others catch up from the log");
            }
        }
    }
}

async fn subscribe(client: redis::Client, channel: String, bus: Bus) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let result = listen(&client, &channel, &bus, &mut backoff).await;
        bus.link().connected.store(0, Ordering::Relaxed);
        match result {
            Ok(()) => tracing::warn!("Redis subscription closed; reconnecting"),
            Err(e) => tracing::warn!(error = %e, "Redis subscription failed; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(3));
    }
}

async fn listen(
    client: &redis::Client,
    channel: &str,
    bus: &Bus,
    backoff: &mut Duration,
) -> anyhow::Result<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    tracing::info!(channel, "listening to Redis");
    let link = bus.link();
    if link.connected.swap(1, Ordering::Relaxed) == 0
        && link.ever_connected.swap(true, Ordering::Relaxed)
    {
        link.reconnects.fetch_add(1, Ordering::Relaxed);
    }
    *backoff = Duration::from_millis(200);
    // Whatever was published while we were away is in the log.
    bus.lost_remote_events();
    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        match decode(msg.get_payload_bytes()) {
            Some(event) => bus.publish_local(event),
            None => tracing::warn!("ignoring a malformed message on the Redis channel"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cross_redis_unchanged() {
        let event = Published {
            stream: "shop:1:orders".into(),
            seq: 42,
            payload: Arc::from(r#"{"type":"shop_resumed","shop_id":1}"#),
        };
        assert_eq!(decode(encode(&event).as_bytes()), Some(event));
        assert_eq!(decode(b"not json"), None);
    }
}
