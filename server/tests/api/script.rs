//! A transaction's result-less writes sent together: every statement runs with its own
//! values, and a statement that changes other than its rows fails the lot, which the
//! transaction then undoes.

use crate::helpers::*;
use ocpizza::db::script::Script;
use ocpizza::stock::Needs;
use ocpizza::stock::db::{Cause, LedgerRow, insert_ledger, reserve_many};
use ocpizza_proto::IngredientId;
use ocpizza_proto::api::stock::LedgerKind;

/// An ingredient of the shop's stock with free units, and how many.
async fn free_ingredient(app: &TestApp) -> (IngredientId, i64) {
    let stock = app.stock(SHOP).await;
    let l = stock
        .items
        .iter()
        .find(|l| l.on_hand - l.reserved >= 2)
        .expect("an ingredient in stock");
    (l.ingredient_id, l.on_hand - l.reserved)
}

fn ledger_row(ingredient: IngredientId, reason: &str) -> LedgerRow {
    LedgerRow::new(
        ingredient,
        LedgerKind::Reservation,
        (0, 1),
        (0, 0),
        Cause {
            reason: Some(reason),
            ..Cause::default()
        },
    )
}

/// A ledger row with `reason`, then a reservation of `units` of `ingredient`: a reservation
/// past the free stock matches no row, which the script must not let through.
fn write_then_reserve(
    tx: &sqlx::AnyConnection,
    script: &mut Script<'_>,
    ingredient: IngredientId,
    reason: &str,
    units: i64,
) {
    insert_ledger(tx, script, SHOP, vec![ledger_row(ingredient, reason)]);
    reserve_many(tx, script, SHOP, &Needs::from([(ingredient, units)]));
}

/// Reserves the `free` units of `ingredient` (whose level was `before`) in a transaction of
/// their own: the writer takes the next transaction after a script that failed.
async fn reserve_the_free_stock(
    app: &TestApp,
    ingredient: IngredientId,
    free: i64,
    before: (i64, i64),
) {
    let mut tx = app.db.begin().await.unwrap();
    let mut script = Script::new();
    reserve_many(&tx, &mut script, SHOP, &Needs::from([(ingredient, free)]));
    script.run(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        app.level(SHOP, ingredient).await,
        (before.0, before.1 + free)
    );
}

async fn ledger_reasons(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT reason FROM stock_ledger WHERE reason LIKE 'script %' ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_script_runs_every_statement_with_its_own_values() {
    let app = TestApp::spawn().await;
    let (ingredient, _) = free_ingredient(&app).await;
    let before = app.level(SHOP, ingredient).await;
    let mut tx = app.db.begin().await.unwrap();
    let mut script = Script::new();
    // Values that would end or number a statement, were they not bound.
    let rows = vec![
        ledger_row(ingredient, "script one; DELETE FROM stock_ledger"),
        ledger_row(ingredient, "script two ? $1"),
    ];
    insert_ledger(&tx, &mut script, SHOP, rows);
    reserve_many(&tx, &mut script, SHOP, &Needs::from([(ingredient, 2)]));
    insert_ledger(
        &tx,
        &mut script,
        SHOP,
        vec![ledger_row(ingredient, "script three")],
    );
    script.run(&mut tx).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        ledger_reasons(&app).await,
        [
            "script one; DELETE FROM stock_ledger",
            "script two ? $1",
            "script three"
        ]
    );
    assert_eq!(app.level(SHOP, ingredient).await, (before.0, before.1 + 2));
}

#[tokio::test]
async fn a_reservation_past_the_free_stock_fails_its_script_and_leaves_nothing() {
    let app = TestApp::spawn().await;
    let (ingredient, free) = free_ingredient(&app).await;
    let before = app.level(SHOP, ingredient).await;
    let mut tx = app.db.begin().await.unwrap();
    let mut script = Script::new();
    write_then_reserve(&tx, &mut script, ingredient, "script before", free + 1);
    let err = script.run(&mut tx).await.unwrap_err();
    assert!(err.to_string().contains("were expected"), "{err}");
    tx.rollback().await.unwrap();

    assert!(ledger_reasons(&app).await.is_empty());
    assert_eq!(app.level(SHOP, ingredient).await, before);
    // The writer is whole again: the same reservation within the stock goes through.
    reserve_the_free_stock(&app, ingredient, free, before).await;
}

#[tokio::test]
async fn a_transaction_given_up_before_its_commit_leaves_nothing_and_the_next_begins_at_once() {
    let app = TestApp::spawn().await;
    let (ingredient, _) = free_ingredient(&app).await;
    let before = app.level(SHOP, ingredient).await;
    // A transaction begun alone, then one begun by the read that holds the shop's stock (on
    // SQLite, the same statement as its `BEGIN`): each writes, then is dropped uncommitted.
    for holding in [false, true] {
        let mut tx = if holding {
            ocpizza::stock::Held::begin(&app.db, SHOP, None)
                .await
                .unwrap()
                .0
        } else {
            app.db.begin().await.unwrap()
        };
        let mut script = Script::new();
        write_then_reserve(&tx, &mut script, ingredient, "script given up", 1);
        script.run(&mut tx).await.unwrap();
        drop(tx);

        // The next one begins on the same writer (no "transaction within a transaction"),
        // and what it commits carries nothing of the one given up.
        let (mut tx, _, _) = ocpizza::stock::Held::begin(&app.db, SHOP, None)
            .await
            .unwrap();
        let mut script = Script::new();
        insert_ledger(
            &tx,
            &mut script,
            SHOP,
            vec![ledger_row(ingredient, "script committed")],
        );
        script.run(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(app.level(SHOP, ingredient).await, before);
    }
    assert_eq!(
        ledger_reasons(&app).await,
        ["script committed", "script committed"]
    );
}

#[tokio::test]
async fn a_script_committed_with_its_transaction_keeps_every_statement() {
    let app = TestApp::spawn().await;
    let (ingredient, _) = free_ingredient(&app).await;
    let before = app.level(SHOP, ingredient).await;
    let tx = app.db.begin().await.unwrap();
    let mut script = Script::new();
    write_then_reserve(&tx, &mut script, ingredient, "script committed with it", 1);
    script.commit(tx).await.unwrap();

    assert_eq!(ledger_reasons(&app).await, ["script committed with it"]);
    assert_eq!(app.level(SHOP, ingredient).await, (before.0, before.1 + 1));
    // Committed: the writer begins the next transaction at once.
    let tx = app.db.begin().await.unwrap();
    Script::new().commit(tx).await.unwrap();
}

#[tokio::test]
async fn a_statement_that_fails_its_count_stops_the_script_before_its_commit() {
    let app = TestApp::spawn().await;
    let (ingredient, free) = free_ingredient(&app).await;
    let before = app.level(SHOP, ingredient).await;
    // Written, then a reservation past the free stock (which matches no row), then more.
    let tx = app.db.begin().await.unwrap();
    let mut script = Script::new();
    write_then_reserve(
        &tx,
        &mut script,
        ingredient,
        "script before the failure",
        free + 1,
    );
    insert_ledger(
        &tx,
        &mut script,
        SHOP,
        vec![ledger_row(ingredient, "script after the failure")],
    );
    let err = script.commit(tx).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("a statement of a script changed other rows than were expected"),
        "{err}"
    );

    // Nothing of it was committed, and the writer, rolled back, takes the next transaction.
    assert!(ledger_reasons(&app).await.is_empty());
    reserve_the_free_stock(&app, ingredient, free, before).await;
}
