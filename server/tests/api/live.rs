//! The live hub through real sockets: delivery, resume, authorisation, slow consumers,
//! malformed input, two instances on one Redis, Redis outages, draining.

use crate::helpers::*;
use crate::ws::Ws;
use futures::{SinkExt, StreamExt};
use ocpizza::events::Published;
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn subscribed_seq(msgs: &[ServerMsg]) -> i64 {
    match msgs.last() {
        Some(ServerMsg::Subscribed { seq, .. }) => *seq,
        other => panic!("expected subscribed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_cook_sees_an_order_placed_over_rest_with_the_next_sequence() {
    let app = TestApp::spawn().await;
    let cookie = app.cookie("cook").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", None).await;
    assert!(
        matches!(&msgs[0], ServerMsg::Snapshot { state: Snapshot::Orders { orders }, .. } if orders.is_empty())
    );
    let at = subscribed_seq(&msgs);
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let events = ws.events(1).await;
    assert_eq!(events[0].1, at + 1);
    assert!(matches!(&events[0].2, Event::OrderPlaced { order: o } if o.id == order.id));
}

/// A subscription that fails half-way (the log cannot be read for the replay) closes the
/// connection with 1011 and lets its socket go, instead of the hub keeping it until the
/// stream's next event.
#[tokio::test]
async fn a_subscription_that_fails_half_way_lets_the_connection_go() {
    let app = TestApp::spawn().await;
    let cookie = app.cookie("manager").await;
    app.anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    sqlx::query("ALTER TABLE events RENAME TO events_away")
        .execute(&mut *app.db.writer().await.unwrap())
        .await
        .unwrap();
    ws.send(json!({"type": "subscribe", "stream": "shop:1:orders", "since": 0}))
        .await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        let mut close = None;
        loop {
            match ws.inner.next().await {
                Some(Ok(Message::Close(frame))) => close = frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return close,
            }
        }
    })
    .await
    .expect("the server lets the connection go");
    assert_eq!(ended, Some(1011));
    connections_come_down_to(&app, 0).await;
}

/// A client that stops reading while the server answers it (here: snapshots it keeps asking
/// for, until the sockets' buffers are full) is let go after two heartbeats, although no event
/// piles up for the hub to notice it: it does not hold its task, socket and slot for ever.
#[tokio::test]
async fn a_client_that_asks_without_reading_is_let_go() {
    let app = TestApp::spawn_with(|c| c.ws_heartbeat_secs = 1).await;
    for (ingredient, qty) in app.recipe(MARGHERITA, "large").await {
        app.set_stock(SHOP, ingredient, qty * 1_000).await;
    }
    let guest = app.anonymous();
    for _ in 0..200 {
        guest.place(&pickup(MARGHERITA, "large", 1)).await;
    }
    let cookie = app.cookie("manager").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    // Some 170 KiB each: far more than both sockets' buffers hold, and never read.
    let ask = json!({"type": "subscribe", "stream": "shop:1:orders", "since": null});
    for _ in 0..200 {
        let sent = tokio::time::timeout(
            Duration::from_secs(1),
            ws.inner.send(Message::text(ask.to_string())),
        )
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            // The server stopped reading: it is stuck writing, or gone.
            break;
        }
    }
    connections_come_down_to(&app, 0).await;
}

/// Waits until the hub holds `n` connections: a client may see its connection end a moment
/// before the server's task for it has finished. Fails after 10 s.
async fn connections_come_down_to(app: &TestApp, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.state.hub.metrics().snapshot().connections != n {
        assert!(
            Instant::now() < deadline,
            "the hub still holds other than {n} connection(s): {:?}",
            app.state.hub.metrics().snapshot()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A client that closes gets the server's close frame back (the closing handshake completes:
/// a browser then reports a clean close, not an abnormal one).
#[tokio::test]
async fn a_client_that_closes_gets_the_close_answered() {
    let app = TestApp::spawn().await;
    let mut ws = Ws::connect(&app, None).await;
    ws.subscribe("shop:1:menu", None).await;
    ws.inner.send(Message::Close(None)).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.inner.next().await {
                Some(Ok(Message::Close(frame))) => return Ok(frame),
                Some(Ok(_)) => {}
                other => return Err(format!("{other:?}")),
            }
        }
    })
    .await
    .expect("an answer in time");
    assert!(
        answer.is_ok(),
        "no close frame, the connection ended with {answer:?}"
    );
}

/// A manager opening the orders of a busy shop gets them all in one snapshot, although its
/// message is larger than the socket's write buffer holds.
#[tokio::test]
async fn a_snapshot_larger_than_the_write_buffer_arrives_whole() {
    let app = TestApp::spawn().await;
    for (ingredient, qty) in app.recipe(MARGHERITA, "large").await {
        app.set_stock(SHOP, ingredient, qty * 1_000).await;
    }
    let count = 400;
    let guest = app.anonymous();
    for _ in 0..count {
        guest.place(&pickup(MARGHERITA, "large", 1)).await;
    }
    let cookie = app.cookie("manager").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", None).await;
    let ServerMsg::Snapshot {
        state: Snapshot::Orders { orders },
        ..
    } = &msgs[0]
    else {
        panic!("snapshot expected, got {:?}", msgs[0]);
    };
    assert_eq!(orders.len(), count);
    let size = serde_json::to_string(&msgs[0]).unwrap().len();
    assert!(size > 300 * 1024, "the snapshot is only {size} bytes");
    // The connection lives on.
    let at = subscribed_seq(&msgs);
    let order = guest.place(&pickup(MARGHERITA, "large", 1)).await;
    let events = ws.events(1).await;
    assert_eq!(events[0].1, at + 1);
    assert!(matches!(&events[0].2, Event::OrderPlaced { order: o } if o.id == order.id));
}

#[tokio::test]
async fn a_client_that_reconnects_gets_exactly_what_it_missed_or_a_snapshot_when_too_old() {
    let app = TestApp::spawn().await;
    let cookie = app.cookie("manager").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let seen = subscribed_seq(&ws.subscribe("shop:1:orders", None).await);
    drop(ws);
    let mut placed = Vec::new();
    for _ in 0..5 {
        placed.push(app.anonymous().place(&pickup(REGINA, "medium", 1)).await.id);
    }
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", Some(seen)).await;
    let replayed: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Event {
                seq,
                event: Event::OrderPlaced { order },
                ..
            } => Some((*seq, order.id)),
            ServerMsg::Subscribed { .. } => None,
            other => panic!("only events then subscribed expected, got {other:?}"),
        })
        .collect();
    let expected: Vec<_> = (1..=5)
        .map(|i| (seen + i, placed[i as usize - 1]))
        .collect();
    assert_eq!(replayed, expected);
    assert_eq!(subscribed_seq(&msgs), seen + 5);

    // Events older than the retention window are gone: resuming from before gets a snapshot.
    ocpizza::events::db::prune(
        &mut app.db.writer().await.unwrap(),
        ocpizza::db::now_ms() + 1,
    )
    .await
    .unwrap();
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", Some(seen)).await;
    match &msgs[0] {
        ServerMsg::Snapshot {
            seq,
            state: Snapshot::Orders { orders },
            ..
        } => {
            assert_eq!(*seq, seen + 5);
            assert_eq!(orders.len(), 5);
        }
        other => panic!("snapshot expected, got {other:?}"),
    }
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", Some(seen + 99)).await;
    assert!(
        matches!(msgs[0], ServerMsg::Snapshot { .. }),
        "an unknown future sequence gets a snapshot"
    );
    let stats = app.state.hub.metrics().snapshot();
    assert!(
        stats.resumed_from_log >= 1 && stats.snapshots >= 3,
        "{stats:?}"
    );
}

#[tokio::test]
async fn every_stream_is_authorised_at_subscribe_and_refusals_carry_no_data() {
    let app = TestApp::spawn().await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let me: serde_json::Value = app
        .as_demo("driver")
        .await
        .get_json("/api/v1/auth/me")
        .await;
    let driver = me["id"].as_i64().unwrap();
    let other_manager = app.staff(OTHER_SHOP, "manager").await;
    let other_cookie = {
        let me: serde_json::Value = other_manager.get_json("/api/v1/auth/me").await;
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": me["email"], "password": "long-enough-pw"}))
            .send()
            .await
            .unwrap();
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let token = format!("order:{}", app.tracking_token(&order).await);
    let wrong = format!("order:{}", "f".repeat(32));
    let own_driver = format!("driver:{driver}");
    let other_driver = format!("driver:{}", driver + 1000);
    let streams = [
        "shop:1:orders",
        "shop:1:stock",
        "shop:1:menu",
        token.as_str(),
        wrong.as_str(),
        own_driver.as_str(),
        other_driver.as_str(),
        "group:orders",
    ];
    // Expected per caller, in the order of `streams`.
    let cases: [(&str, Option<String>, [bool; 8]); 7] = [
        (
            "guest",
            None,
            [false, false, true, true, false, false, false, false],
        ),
        (
            "customer",
            Some(app.cookie("customer").await),
            [false, false, true, true, false, false, false, false],
        ),
        (
            "cook",
            Some(app.cookie("cook").await),
            [true, true, true, true, false, false, false, false],
        ),
        (
            "driver",
            Some(app.cookie("driver").await),
            [true, false, true, true, false, true, false, false],
        ),
        (
            "manager",
            Some(app.cookie("manager").await),
            [true, true, true, true, false, false, false, true],
        ),
        (
            "other shop's manager",
            Some(other_cookie),
            [false, false, true, true, false, false, false, true],
        ),
        (
            "admin",
            Some(app.cookie("admin").await),
            [true, true, true, true, false, true, false, true],
        ),
    ];
    for (who, cookie, allowed) in cases {
        let mut ws = Ws::connect(&app, cookie.as_deref()).await;
        for (stream, ok) in streams.iter().zip(allowed) {
            let msgs = ws.subscribe(stream, None).await;
            if ok {
                assert!(
                    matches!(msgs[0], ServerMsg::Snapshot { .. }),
                    "{who} on {stream}: {msgs:?}"
                );
            } else {
                assert_eq!(
                    msgs.len(),
                    1,
                    "{who} on {stream}: no data before the refusal"
                );
                assert!(
                    matches!(&msgs[0], ServerMsg::Error { stream: Some(s), .. } if s == stream),
                    "{who} on {stream}: {msgs:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_stops_reading_is_dropped_while_others_keep_up() {
    let app = TestApp::spawn().await;
    let mut slow = Ws::connect(&app, None).await;
    let at = subscribed_seq(&slow.subscribe("shop:1:menu", None).await);
    let mut fast = Ws::connect(&app, None).await;
    assert_eq!(
        subscribed_seq(&fast.subscribe("shop:1:menu", None).await),
        at
    );
    // Large events on the menu stream, published through the bus as commits are.
    let filler = "x".repeat(8 * 1024);
    let payload: Arc<str> = Arc::from(
        serde_json::to_string(&Event::ShopPaused {
            shop_id: SHOP,
            reason: Some(filler),
        })
        .unwrap(),
    );
    let total = 3_000;
    let mut latencies = Vec::new();
    for i in 1..=total {
        let sent = Instant::now();
        app.state.bus.publish(vec![Published {
            stream: "shop:1:menu".into(),
            seq: at + i,
            payload: payload.clone(),
        }]);
        let got = fast.events(1).await;
        assert_eq!(
            got[0].1,
            at + i,
            "the normal client gets every event in order"
        );
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    assert!(
        latencies[latencies.len() / 2] < Duration::from_millis(200),
        "median {:?}",
        latencies[latencies.len() / 2]
    );
    let stats = app.state.hub.metrics().snapshot();
    assert_eq!(stats.slow_consumers, 1, "{stats:?}");
    // The slow client, once it reads again, finds its connection closed.
    let code = slow.closed().await;
    assert!(code == 4008 || code == 1006, "close code {code}");
    connections_come_down_to(&app, 1).await;
}

/// A phone on a weak network stops reading for a moment while large events pile up: the
/// fan-out writes them straight into its socket until the socket is full (the last one only in
/// part), the rest wait in the connection's queue, and once the phone reads again it gets every
/// event whole and in order, its pings answered in between, and stays connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_pauses_gets_every_large_event_whole_and_in_order() {
    let app = TestApp::spawn().await;
    let mut ws = Ws::connect(&app, None).await;
    let at = subscribed_seq(&ws.subscribe("shop:1:menu", None).await);
    let size = 96 * 1024;
    let reason = |i: i64| format!("{i}:{}", "x".repeat(size));
    // 11 MiB: more than the socket's buffers hold, fewer frames than a connection may queue.
    let total = 120;
    for i in 1..=total {
        let payload = serde_json::to_string(&Event::ShopPaused {
            shop_id: SHOP,
            reason: Some(reason(i)),
        })
        .unwrap();
        app.state.bus.publish(vec![Published {
            stream: "shop:1:menu".into(),
            seq: at + i,
            payload: Arc::from(payload),
        }]);
        if i % 20 == 0 {
            ws.inner
                .send(Message::Ping(format!("{i}").into()))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for (n, (stream, seq, event)) in ws.events(total as usize).await.into_iter().enumerate() {
        let i = n as i64 + 1;
        assert_eq!((stream.as_str(), seq), ("shop:1:menu", at + i));
        match event {
            Event::ShopPaused {
                reason: Some(r), ..
            } => assert!(r == reason(i), "event {i}"),
            other => panic!("unexpected {other:?}"),
        }
    }
    let stats = app.state.hub.metrics().snapshot();
    assert_eq!(stats.slow_consumers, 0, "{stats:?}");
    assert_eq!(stats.connections, 1, "{stats:?}");
}

/// One event to more connections than one thread writes: the live threads share the list and
/// write straight into the sockets of connections that are up to date. Every connection gets
/// every event once, in order, and nothing before its `subscribed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_for_hundreds_of_connections_reaches_each_once_and_in_order() {
    rlimit::increase_nofile_limit(u64::MAX).expect("open files limit");
    let app = TestApp::spawn_with(|c| {
        c.ws_max_per_ip = 1_000;
        c.live_threads = ocpizza::hub::threads::LiveThreads {
            threads: 2,
            nice: 0,
        };
    })
    .await;
    let count = ocpizza::hub::SHARED_FAN_OUT + 88;
    let mut clients = futures::future::join_all((0..count).map(|_| async {
        let mut ws = Ws::connect(&app, None).await;
        let at = subscribed_seq(&ws.subscribe("shop:1:menu", None).await);
        (ws, at)
    }))
    .await;
    let at = clients[0].1;
    assert!(clients.iter().all(|(_, seq)| *seq == at));
    let events = 30;
    let payload: Arc<str> = Arc::from(
        serde_json::to_string(&Event::ShopPaused {
            shop_id: SHOP,
            reason: None,
        })
        .unwrap(),
    );
    for i in 1..=events {
        app.state.bus.publish(vec![Published {
            stream: "shop:1:menu".into(),
            seq: at + i,
            payload: payload.clone(),
        }]);
    }
    let expected: Vec<i64> = (at + 1..=at + events).collect();
    for (n, (ws, _)) in clients.iter_mut().enumerate() {
        let got: Vec<i64> = ws
            .events(expected.len())
            .await
            .into_iter()
            .map(|(stream, seq, _)| {
                assert_eq!(stream, "shop:1:menu");
                seq
            })
            .collect();
        assert_eq!(got, expected, "connection {n}");
    }
    let stats = app.state.hub.metrics().snapshot();
    assert_eq!(stats.slow_consumers, 0, "{stats:?}");
    assert_eq!(stats.connections, count as i64, "{stats:?}");
}

#[tokio::test]
async fn malformed_unknown_and_oversized_messages_get_errors_never_a_crash() {
    let app = TestApp::spawn().await;
    let mut ws = Ws::connect(&app, None).await;
    for bad in [
        "not json",
        r#"{"type":"dance"}"#,
        r#"{"type":"subscribe"}"#,
        r#"{"type":"subscribe","stream":"shop:x:menu"}"#,
    ] {
        ws.inner
            .send(tokio_tungstenite::tungstenite::Message::text(bad))
            .await
            .unwrap();
        let msg = ws.recv().await;
        assert!(
            matches!(
                msg,
                ServerMsg::Error {
                    code: ocpizza_proto::ErrorCode::InvalidInput,
                    ..
                }
            ),
            "{bad}: {msg:?}"
        );
    }
    ws.inner
        .send(tokio_tungstenite::tungstenite::Message::binary(vec![
            1, 2, 3,
        ]))
        .await
        .unwrap();
    assert!(matches!(ws.recv().await, ServerMsg::Error { .. }));
    ws.send(json!({"type": "ping", "id": 7})).await;
    assert_eq!(
        ws.recv().await,
        ServerMsg::Pong { id: Some(7) },
        "still alive"
    );
    let mut old = Ws::open(&app, None).await.unwrap();
    old.send(json!({"type": "hello", "protocol": 99})).await;
    assert!(matches!(old.recv().await, ServerMsg::Error { .. }));
    assert_eq!(old.closed().await, 1002);
    let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "a".repeat(20 * 1024));
    let _ = ws
        .inner
        .send(tokio_tungstenite::tungstenite::Message::text(huge))
        .await;
    let code = ws.closed().await;
    assert!(
        code == 1009 || code == 1006,
        "oversized frame closes the connection ({code})"
    );
    // The server is fine.
    let mut again = Ws::connect(&app, None).await;
    assert!(matches!(
        again.subscribe("shop:1:menu", None).await[0],
        ServerMsg::Snapshot { .. }
    ));
    let r = reqwest::get(app.url("/api/v1/ws")).await.unwrap();
    assert_eq!(
        r.status(),
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "a plain GET is not an upgrade"
    );
}

#[tokio::test]
async fn connections_per_address_are_limited() {
    let app = TestApp::spawn_with(|c| c.ws_max_per_ip = 2).await;
    let _a = Ws::connect(&app, None).await;
    let _b = Ws::connect(&app, None).await;
    assert!(Ws::open(&app, None).await.is_err(), "the third is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_order_placed_on_one_instance_reaches_a_client_of_the_other_through_redis() {
    let channel = channel();
    let (a, b) = TestApp::spawn_pair(|c| {
        c.redis_url = Some(ocpizza::config::Secret::new(redis_url()));
        c.redis_channel.clone_from(&channel);
    })
    .await;
    let cookie = b.cookie("cook").await;
    let mut ws = Ws::connect(&b, Some(&cookie)).await;
    let at = subscribed_seq(&ws.subscribe("shop:1:orders", None).await);
    let started = Instant::now();
    let order = a.anonymous().place(&delivery(REGINA, "medium", 1)).await;
    let got = ws.events(1).await;
    assert_eq!(got[0].1, at + 1);
    assert!(matches!(&got[0].2, Event::OrderPlaced { order: o } if o.id == order.id));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "through Redis, not the periodic check"
    );
}

/// A private Redis server on a free port, so that a test may stop and restart it.
struct OwnRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_outage_loses_nothing_duplicates_nothing_and_reorders_nothing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = OwnRedis::start(port);
    let (a, b) = TestApp::spawn_pair(|c| {
        c.redis_url = Some(ocpizza::config::Secret::new(format!(
            "redis://127.0.0.1:{port}"
        )));
    })
    .await;
    let cookie = b.cookie("manager").await;
    let mut ws = Ws::connect(&b, Some(&cookie)).await;
    let at = subscribed_seq(&ws.subscribe("shop:1:orders", None).await);
    let guest = a.anonymous();
    guest.place(&pickup(REGINA, "medium", 1)).await;
    redis.stop();
    for _ in 0..5 {
        guest.place(&pickup(REGINA, "medium", 1)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _redis = OwnRedis::start(redis.port);
    for _ in 0..4 {
        guest.place(&pickup(REGINA, "large", 1)).await;
    }
    let got = ws.events(10).await;
    let seqs: Vec<i64> = got.iter().map(|(_, seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (at + 1..=at + 10).collect::<Vec<_>>(),
        "every event once, in order"
    );
    // Nothing more arrives: no duplicate after the catch-up.
    ws.send(json!({"type": "ping", "id": 1})).await;
    assert_eq!(ws.recv().await, ServerMsg::Pong { id: Some(1) });
    // The metrics tell the operator what happened.
    let reconnected = |text: &str| {
        text.lines().any(|l| l == "ocpizza_redis_connected 1")
            && text.lines().any(|l| {
                l.strip_prefix("ocpizza_redis_reconnects_total ")
                    .is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n >= 1))
            })
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !reconnected(&ocpizza::metrics::render(&b.state).await) {
        assert!(
            Instant::now() < deadline,
            "the Redis reconnect is counted: {}",
            ocpizza::metrics::render(&b.state).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let published = ocpizza::metrics::render(&a.state).await;
    assert!(
        published.lines().any(|l| l
            .strip_prefix("ocpizza_redis_publish_failures_total ")
            .is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n >= 1))),
        "publishing during the outage failed: {published}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_draining_server_says_service_restart_and_clients_resume_on_the_other_instance() {
    let (mut a, b) = TestApp::spawn_pair(|_| {}).await;
    let cookie = a.cookie("cook").await;
    let mut ws = Ws::connect(&a, Some(&cookie)).await;
    let at = subscribed_seq(&ws.subscribe("shop:1:orders", None).await);
    let order = b.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    assert_eq!(ws.events(1).await[0].1, at + 1);
    let stopping = tokio::spawn(async move {
        a.shutdown().await;
        a
    });
    assert_eq!(ws.closed().await, ocpizza_proto::ws::CLOSE_SERVICE_RESTART);
    let _a = stopping.await.unwrap();
    b.as_demo("cook")
        .await
        .transition(&order, "preparing")
        .await;
    let mut again = Ws::connect(&b, Some(&cookie)).await;
    let msgs = again.subscribe("shop:1:orders", Some(at + 1)).await;
    assert!(
        matches!(&msgs[0], ServerMsg::Event { seq, event: Event::OrderStatusChanged { .. }, .. } if *seq == at + 2),
        "{msgs:?}"
    );
}

#[tokio::test]
async fn a_client_that_never_answers_pings_is_closed() {
    let app = TestApp::spawn_with(|c| c.ws_heartbeat_secs = 1).await;
    let mut ws = Ws::connect(&app, None).await;
    ws.subscribe("shop:1:menu", None).await;
    // Not reading means not answering the server's pings.
    tokio::time::sleep(Duration::from_millis(3_600)).await;
    assert_eq!(
        app.state.hub.metrics().snapshot().connections,
        0,
        "the server let it go"
    );
    let code = ws.closed().await;
    assert!(
        code == ocpizza_proto::ws::CLOSE_NO_PONG || code == 1006,
        "close code {code}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_an_instance_never_heard_of_are_filled_from_the_log_in_order() {
    // Two instances without Redis: B learns of A's commits only from the shared log.
    let (a, b) = TestApp::spawn_pair(|_| {}).await;
    let cookie = b.cookie("cook").await;
    let mut ws = Ws::connect(&b, Some(&cookie)).await;
    let at = subscribed_seq(&ws.subscribe("shop:1:orders", None).await);
    let first = a.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    let second = b.anonymous().place(&pickup(REGINA, "large", 1)).await;
    let got = ws.events(2).await;
    let ids: Vec<_> = got
        .iter()
        .map(|(_, seq, e)| match e {
            Event::OrderPlaced { order } => (*seq, order.id),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![(at + 1, first.id), (at + 2, second.id)]);
    let third = a.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    let got = ws.events(1).await;
    assert!(
        matches!(&got[0], (_, seq, Event::OrderPlaced { order }) if *seq == at + 3 && order.id == third.id),
        "the periodic check delivers what no bus carried"
    );
}
