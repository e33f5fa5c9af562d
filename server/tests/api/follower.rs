//! The durable follower of the event log and the notification workers it drives: nothing
//! skipped, nothing planned twice, nothing lost across a restart, one send per delivery even
//! with two instances at once, retries with backoff, stale messages dropped.

use crate::helpers::*;
use futures_util::future::BoxFuture;
use ocpizza::db::Tx;
use ocpizza::db::script::{self, Script};
use ocpizza::error::ApiResult;
use ocpizza::events::follow::{Cursor, Selector};
use ocpizza::notify::{
    Channel, Delivery, Followed, Notable, Notify, Outcome, Pending, Planner, Sender,
};
use ocpizza_proto::events::Event;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Plans one delivery per order status change: `"{order} {status}"` to the order's id.
struct StatusPlanner;

impl Planner for StatusPlanner {
    fn plan<'a>(
        &'a self,
        _tx: &'a mut Tx,
        event: &'a Followed,
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>> {
        Box::pin(async move {
            let Notable::OrderStatusChanged {
                order_id, status, ..
            } = &event.event
            else {
                return Ok(Vec::new());
            };
            Ok(vec![Delivery {
                key: format!("test:{}:{}", event.stream, event.seq),
                channel: Channel::Push,
                recipient: order_id.0.to_string(),
                payload: format!("{} {}", order_id.0, status.as_str()),
                event_at: event.at,
                expires_at: event.at + 600_000,
            }])
        })
    }
}

/// Records what it is asked to send; answers from a script, then `Sent`.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<String>>,
    script: Mutex<VecDeque<Outcome>>,
}

impl Recorder {
    fn sent(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

impl Sender for Recorder {
    fn send<'a>(&'a self, delivery: &'a Pending) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let outcome = self
                .script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Outcome::Sent);
            if outcome == Outcome::Sent {
                self.sent.lock().unwrap().push(delivery.payload.clone());
            }
            outcome
        })
    }
}

fn workers(app: &TestApp, recorder: &Arc<Recorder>) -> Notify {
    Notify::new(app.db.clone(), Duration::from_secs(1))
        .with_planner(Arc::new(StatusPlanner))
        .with_sender(Channel::Push, recorder.clone())
}

async fn states(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT state, attempts FROM notifications ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_consumer_starts_from_now_and_then_misses_nothing() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let before = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&before, "preparing").await;
    // As on a database from before notifications existed (an update brings them).
    let mut tx = app.db.begin().await.unwrap();
    for table in ["event_cursors", "event_consumers"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let recorder = Arc::new(Recorder::default());
    let notify = workers(&app, &recorder);
    notify.run_once().await.unwrap();
    assert!(
        recorder.sent().is_empty(),
        "history is not sent: {:?}",
        recorder.sent()
    );

    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let order = cook.transition(&order, "preparing").await;
    cook.transition(&order, "ready").await;
    notify.run_once().await.unwrap();
    let id = order.id.0;
    assert_eq!(
        recorder.sent(),
        [format!("{id} preparing"), format!("{id} ready")]
    );
}

#[tokio::test]
async fn what_a_restart_interrupted_is_sent_after_it_once() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    // First life: the server started (which registers the follower), then an order changed
    // and the process died before its workers ran.
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&order, "preparing").await;

    // Second life: new workers on the same database.
    let second = Arc::new(Recorder::default());
    let notify = workers(&app, &second);
    notify.run_once().await.unwrap();
    notify.run_once().await.unwrap();
    workers(&app, &second).run_once().await.unwrap();
    assert_eq!(second.sent(), [format!("{} preparing", order.id.0)]);
}

#[tokio::test]
async fn two_instances_following_at_once_send_each_message_once() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let recorder = Arc::new(Recorder::default());
    let (a, b) = (workers(&app, &recorder), workers(&app, &recorder));
    a.run_once().await.unwrap();
    let mut expected = Vec::new();
    for _ in 0..6 {
        let order = app
            .anonymous()
            .place(&pickup(MARGHERITA, "medium", 1))
            .await;
        cook.transition(&order, "preparing").await;
        expected.push(format!("{} preparing", order.id.0));
    }
    for _ in 0..3 {
        let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
        ra.unwrap();
        rb.unwrap();
    }
    let mut sent = recorder.sent();
    sent.sort();
    expected.sort();
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn a_failed_send_is_retried_later_and_a_gone_recipient_is_dropped() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let recorder = Arc::new(Recorder::default());
    let notify = workers(&app, &recorder);
    notify.run_once().await.unwrap();
    recorder.script.lock().unwrap().extend([
        Outcome::Retry("push service answered 503".into()),
        Outcome::Gone("push service answered 410".into()),
    ]);
    let first = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&first, "preparing").await;
    notify.run_once().await.unwrap();
    assert_eq!(states(&app).await, [("pending".to_owned(), 1)]);
    // Not due yet: nothing is attempted.
    notify.run_once().await.unwrap();
    assert_eq!(states(&app).await, [("pending".to_owned(), 1)]);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    notify.run_once().await.unwrap();
    assert_eq!(states(&app).await, [("gone".to_owned(), 2)]);
    assert!(recorder.sent().is_empty());

    let second = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&second, "preparing").await;
    notify.run_once().await.unwrap();
    assert_eq!(recorder.sent(), [format!("{} preparing", second.id.0)]);
}

/// Waits up to 20 s for `recorder` to have sent `want`, doing `meanwhile` between looks.
async fn until_sent(recorder: &Recorder, want: &str, mut meanwhile: impl AsyncFnMut()) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        if recorder.sent().iter().any(|s| s == want) {
            return true;
        }
        meanwhile().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn the_running_workers_send_what_an_event_planned_at_once() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let recorder = Arc::new(Recorder::default());
    let notify = workers(&app, &recorder);
    notify.run_once().await.unwrap();
    // The clock's rounds are an hour apart: only the event's round can send it.
    notify.spawn(&app.state.bus, Duration::from_hours(1));
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&order, "preparing").await;
    let want = format!("{} preparing", order.id.0);
    assert!(
        until_sent(&recorder, &want, async || {}).await,
        "sent: {:?}",
        recorder.sent()
    );
}

#[tokio::test]
async fn a_retry_coming_due_is_sent_while_events_that_plan_nothing_keep_coming() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let recorder = Arc::new(Recorder::default());
    let notify = workers(&app, &recorder);
    notify.run_once().await.unwrap();
    recorder
        .script
        .lock()
        .unwrap()
        .push_back(Outcome::Retry("push service answered 503".into()));
    notify.spawn(&app.state.bus, Duration::from_millis(500));
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&order, "preparing").await;
    // Every stock correction is an event that plans nothing; the retry is due a second after
    // the first attempt all the same.
    let basil = app.ingredient(SHOP, "Basilic").await;
    let mut on_hand = 500;
    let want = format!("{} preparing", order.id.0);
    assert!(
        until_sent(&recorder, &want, async || {
            on_hand += 1;
            app.set_stock(SHOP, basil, on_hand).await;
        })
        .await,
        "sent: {:?}, rows: {:?}",
        recorder.sent(),
        states(&app).await
    );
    assert_eq!(states(&app).await, [("sent".to_owned(), 2)]);
}

#[tokio::test]
async fn a_message_past_its_expiry_is_not_sent() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let recorder = Arc::new(Recorder::default());
    let notify = workers(&app, &recorder);
    notify.run_once().await.unwrap();
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&order, "preparing").await;
    // The push service is down, and stays down longer than the message is worth.
    recorder
        .script
        .lock()
        .unwrap()
        .push_back(Outcome::Retry("push service unreachable".into()));
    notify.run_once().await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("UPDATE notifications SET expires_at = 1, next_at = 0")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    notify.run_once().await.unwrap();
    assert!(recorder.sent().is_empty());
    assert_eq!(states(&app).await[0].0, "expired");
}

/// On PostgreSQL two transactions run at once: the one that took the lower global id may
/// commit last. A follower that went by id would skip its event; the cursor, per stream,
/// must not.
#[tokio::test]
async fn an_event_committed_after_a_later_one_is_not_skipped() {
    let app = TestApp::spawn().await;
    let cursor = test_streams_cursor(&app, "out-of-order").await;
    // A holds stream test:a open (its head locked, its event inserted), B writes test:b and
    // commits, then A commits.
    let mut a = app.db.begin().await.unwrap();
    insert_event(&mut a, "test:a").await;
    if app.db.backend() == ocpizza::db::Backend::Postgres {
        let mut b = app.db.begin().await.unwrap();
        insert_event(&mut b, "test:b").await;
        b.commit().await.unwrap();
        let seen = cursor.behind(app.db.pool()).await.unwrap();
        assert_eq!(
            seen.iter().map(|s| s.stream.as_str()).collect::<Vec<_>>(),
            ["test:b"]
        );
        take(&app, &cursor, "test:b").await;
    }
    a.commit().await.unwrap();
    let seen = cursor.behind(app.db.pool()).await.unwrap();
    assert_eq!(
        seen.iter()
            .map(|s| (s.stream.as_str(), s.at, s.head))
            .collect::<Vec<_>>(),
        [("test:a", 0, 1)]
    );
    take(&app, &cursor, "test:a").await;
    assert!(cursor.behind(app.db.pool()).await.unwrap().is_empty());
}

/// The consumer `name` of every stream named `test:…`, registered.
async fn test_streams_cursor(app: &TestApp, name: &str) -> Cursor {
    let cursor = Cursor::new(
        name,
        vec![Selector::Family {
            prefix: "test:",
            suffix: "",
        }],
    );
    cursor.register(&app.db).await.unwrap();
    cursor
}

async fn insert_event(tx: &mut Tx, stream: &str) {
    let counts = std::collections::BTreeMap::from([(stream.to_string(), 1)]);
    let heads = ocpizza::events::db::advance_heads(tx, &counts)
        .await
        .unwrap();
    let mut script = ocpizza::db::script::Script::new();
    ocpizza::events::db::insert_events(
        tx,
        &mut script,
        vec![ocpizza::events::db::NewEvent {
            stream: stream.to_owned(),
            seq: heads[stream],
            kind: "shop_resumed",
            payload: r#"{"type":"shop_resumed","shop_id":1}"#.into(),
            actor: None,
        }],
        ocpizza::db::now_ms(),
    );
    script.run(tx).await.unwrap();
}

/// Reads what `cursor` has not seen of `stream` and moves it there.
async fn take(app: &TestApp, cursor: &Cursor, stream: &str) {
    let events = ocpizza::events::follow::read(app.db.pool(), stream, 0, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let mut tx = app.db.begin().await.unwrap();
    assert!(cursor.advance(&mut tx, stream, 0, 1).await.unwrap());
    tx.commit().await.unwrap();
    // A second reader of the same events finds the cursor moved.
    let mut tx = app.db.begin().await.unwrap();
    assert!(!cursor.advance(&mut tx, stream, 0, 1).await.unwrap());
    tx.rollback().await.unwrap();
}

/// The follower reads the database, not the bus: with Redis down (nothing listens on its
/// port), an order placed on one instance is still told by the other instance's workers.
#[tokio::test]
async fn with_redis_down_another_instance_still_sends_what_one_instance_wrote() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (a, b) = TestApp::spawn_pair(|c| {
        c.redis_url = Some(ocpizza::config::Secret::new(format!(
            "redis://127.0.0.1:{closed}"
        )));
    })
    .await;
    let recorder = Arc::new(Recorder::default());
    let on_b = workers(&b, &recorder);
    let order = a.anonymous().place(&pickup(MARGHERITA, "medium", 1)).await;
    a.as_demo("cook")
        .await
        .transition(&order, "preparing")
        .await;
    on_b.run_once().await.unwrap();
    assert_eq!(recorder.sent(), [format!("{} preparing", order.id.0)]);
}

/// Keeps every event it is handed.
#[derive(Default)]
struct Witness {
    seen: Mutex<Vec<(String, i64, Notable)>>,
}

impl Planner for Witness {
    fn plan<'a>(
        &'a self,
        _tx: &'a mut Tx,
        event: &'a Followed,
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap()
                .push((event.stream.clone(), event.seq, event.event.clone()));
            Ok(Vec::new())
        })
    }
}

/// Workers whose one planner is a [`Witness`], after a first round: what they see next
/// happened after this.
async fn witnessed(app: &TestApp) -> (Arc<Witness>, Notify) {
    let witness = Arc::new(Witness::default());
    let notify = Notify::new(app.db.clone(), Duration::from_secs(1)).with_planner(witness.clone());
    notify.run_once().await.unwrap();
    witness.seen.lock().unwrap().clear();
    (witness, notify)
}

/// Every stream's head.
async fn stream_heads(app: &TestApp) -> HashMap<String, i64> {
    sqlx::query_as("SELECT stream, seq FROM stream_heads")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn planners_read_what_the_whole_events_say() {
    let app = TestApp::spawn().await;
    let (witness, notify) = witnessed(&app).await;
    let before = stream_heads(&app).await;

    // An order's whole life on the road, and a cancelled one.
    let order = crate::driver::ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    for kind in ["take", "picked_up", "delivered"] {
        let mut action = crate::driver::action(kind, &order, kind, 1);
        if kind == "delivered" {
            action["cash_collected"] = json!(order.total.0);
        }
        crate::driver::send(&driver, &action).await;
    }
    let cancelled = app.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    let r = app
        .as_demo("manager")
        .await
        .post(
            &format!("/api/v1/orders/{}/cancel", cancelled.id),
            &json!({"reason": "four en panne"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    notify.run_once().await.unwrap();

    // The same events decoded whole, from the log.
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT stream, seq, payload FROM events WHERE stream = 'group:orders' \
         OR (stream LIKE 'shop:%' AND stream LIKE '%:stock') ORDER BY stream, seq",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let whole: Vec<(String, i64, Notable)> = rows
        .into_iter()
        .filter(|(stream, seq, _)| *seq > before.get(stream).copied().unwrap_or(0))
        .map(|(stream, seq, payload)| {
            let event: Event = serde_json::from_str(&payload).unwrap();
            (stream, seq, Notable::from(&event))
        })
        .filter(|(_, _, notable)| *notable != Notable::Other)
        .collect();
    let mut seen = witness.seen.lock().unwrap().clone();
    seen.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(seen, whole);

    let kinds: std::collections::BTreeSet<&str> = seen
        .iter()
        .map(|(_, _, notable)| match notable {
            Notable::OrderPlaced { .. } => "placed",
            Notable::OrderStatusChanged { .. } => "status",
            Notable::OrderCancelled { .. } => "cancelled",
            Notable::DriverAssigned {
                driver: Some(_), ..
            } => "assigned",
            Notable::StockChanged { .. } => "stock",
            _ => "other",
        })
        .collect();
    for kind in ["placed", "status", "cancelled", "assigned", "stock"] {
        assert!(kinds.contains(kind), "{kind} among {kinds:?}");
    }
    assert!(seen.iter().any(|(_, _, n)| matches!(
        n,
        Notable::OrderCancelled { order_id, reason: Some(reason) }
            if *order_id == cancelled.id && reason == "four en panne"
    )));
}

/// A round reads every stream behind at once and plans them together, a transaction's worth
/// of events at a time: each event is planned once and in its stream's order, events nobody
/// plans for are stepped over, and every position ends at its stream's head.
#[tokio::test]
async fn a_round_plans_every_stream_behind_once_and_in_order() {
    let app = TestApp::spawn().await;
    let (witness, notify) = witnessed(&app).await;
    let before = stream_heads(&app).await;
    // More than one transaction's worth (32) over group:orders and shop 1's stock, and
    // events of no interest on two other shops' stock streams in between. (On SQLite, more
    // than a round reads while holding the writer: rounds of fewer are the other tests'.)
    for n in 0..20 {
        let pizza = if n % 2 == 0 { MARGHERITA } else { REGINA };
        app.anonymous().place(&pickup(pizza, "medium", 1)).await;
        if n % 5 == 0 {
            for stream in ["shop:2:stock", "shop:3:stock"] {
                let mut tx = app.db.begin().await.unwrap();
                insert_event(&mut tx, stream).await;
                tx.commit().await.unwrap();
            }
        }
    }
    notify.run_once().await.unwrap();
    let seen: Vec<(String, i64)> = witness
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|(stream, seq, _)| (stream.clone(), *seq))
        .collect();
    let after = stream_heads(&app).await;
    for stream in ["group:orders", "shop:1:stock"] {
        let seqs: Vec<i64> = seen
            .iter()
            .filter(|(s, _)| s == stream)
            .map(|(_, seq)| *seq)
            .collect();
        let from = before.get(stream).copied().unwrap_or(0);
        let expected: Vec<i64> = (from + 1..=after[stream]).collect();
        assert_eq!(seqs, expected, "{stream}: each event once, in order");
    }
    assert_eq!(seen.len(), 40, "{seen:?}");
    let cursor = Cursor::new(ocpizza::notify::CONSUMER, ocpizza::notify::followed());
    assert!(
        cursor.behind(app.db.pool()).await.unwrap().is_empty(),
        "every position at its stream's head"
    );
    notify.run_once().await.unwrap();
    assert_eq!(
        witness.seen.lock().unwrap().len(),
        40,
        "nothing planned twice"
    );
}

/// How a test's transaction moves a cursor's positions and ends.
#[derive(Debug, Clone, Copy)]
enum Moved {
    /// `Cursor::advance_all`, then a commit or a rollback of its own.
    Alone,
    /// `Cursor::advance_all_with` a script that the transaction commits with.
    WithTheCommit,
}

/// Positions in several streams move together or not at all: a reader that finds one of
/// them moved by another moves none.
#[tokio::test]
async fn positions_in_several_streams_move_together_or_not_at_all() {
    positions_move_together_or_not_at_all(Moved::Alone).await;
}

/// The same when the move goes with the transaction's commit (on SQLite, in the same text):
/// a move that finds a position moved by another fails the commit, and nothing is written.
#[tokio::test]
async fn positions_moved_with_the_commit_move_together_or_not_at_all() {
    positions_move_together_or_not_at_all(Moved::WithTheCommit).await;
}

async fn positions_move_together_or_not_at_all(how: Moved) {
    let app = TestApp::spawn().await;
    let cursor = test_streams_cursor(&app, "together").await;
    let streams = ["test:a", "test:b", "test:c"];
    for _ in 0..3 {
        let mut tx = app.db.begin().await.unwrap();
        for stream in streams {
            insert_event(&mut tx, stream).await;
        }
        tx.commit().await.unwrap();
    }
    let positions = |app: &TestApp| {
        let pool = app.db.pool().clone();
        async move {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT stream, seq FROM event_cursors WHERE consumer = 'together' ORDER BY stream",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let advance = |moves: Vec<(&'static str, i64, i64)>| {
        let (db, cursor) = (app.db.clone(), cursor.clone());
        async move {
            let mut tx = db.begin().await.unwrap();
            match how {
                Moved::Alone => {
                    let moved = cursor.advance_all(&mut tx, &moves).await.unwrap();
                    if moved {
                        tx.commit().await.unwrap();
                    } else {
                        tx.rollback().await.unwrap();
                    }
                    moved
                }
                Moved::WithTheCommit => {
                    let mut script = Script::new();
                    let first = cursor.advance_all_with(&mut tx, &mut script, &moves);
                    if !first.await.unwrap() {
                        tx.rollback().await.unwrap();
                        return false;
                    }
                    match script.commit(tx).await {
                        Ok(()) => true,
                        Err(e) if script::changed_other_rows(&e) => false,
                        Err(e) => panic!("the move failed otherwise: {e}"),
                    }
                }
            }
        }
    };
    // First moves (no position kept yet), then kept positions moved by one statement.
    assert!(advance(vec![("test:a", 0, 1), ("test:b", 0, 1), ("test:c", 0, 1)]).await);
    assert!(advance(vec![("test:a", 1, 2), ("test:b", 1, 3), ("test:c", 1, 2)]).await);
    let moved = [
        ("test:a".to_owned(), 2),
        ("test:b".to_owned(), 3),
        ("test:c".to_owned(), 2),
    ];
    assert_eq!(positions(&app).await, moved);
    // Another reader moved test:b on: nothing moves.
    assert!(!advance(vec![("test:a", 2, 3), ("test:b", 2, 3), ("test:c", 2, 3)]).await);
    assert_eq!(positions(&app).await, moved);
    // The same moves twice: the second finds them made.
    assert!(advance(vec![("test:a", 2, 3), ("test:c", 2, 3)]).await);
    assert!(!advance(vec![("test:a", 2, 3), ("test:c", 2, 3)]).await);
    assert_eq!(
        positions(&app).await,
        [
            ("test:a".to_owned(), 3),
            ("test:b".to_owned(), 3),
            ("test:c".to_owned(), 3)
        ]
    );
}
