//! An update over a database an earlier version left: the migrations carry its data over.

use crate::helpers::empty_db;
use ocpizza::backup;
use ocpizza::db::Backend;
use ocpizza::stock::Needs;
use ocpizza_proto::{IngredientId, OrderId};

/// The last migration level at which each reserved ingredient of an order was a row of its own.
const RESERVATIONS_AS_ROWS: i64 = 20;

async fn run(db: &ocpizza::db::Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *db.writer().await.unwrap())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn held(db: &ocpizza::db::Db, order: i64) -> Needs {
    let mut tx = db.begin().await.unwrap();
    ocpizza::orders::db::reservations(&mut tx, OrderId(order))
        .await
        .unwrap()
}

#[tokio::test]
async fn what_orders_held_before_the_update_is_still_theirs_and_old_backups_still_restore() {
    let (db, mut config, tmp) = empty_db().await;
    let backups = tempfile::tempdir().unwrap();
    config.backup.dir = Some(backups.path().to_path_buf());
    db.migrate_up_to(RESERVATIONS_AS_ROWS).await.unwrap();
    run(
        &db,
        "INSERT INTO shops (id, name, street, postcode, city, phone, timezone, hours, \
         delivery_postcodes, created_at) VALUES (1, 'Centre', '1 rue A', '75001', 'Paris', \
         '0100000000', 'Europe/Paris', '[]', '[]', 0)",
    )
    .await;
    run(
        &db,
        "INSERT INTO ingredients (id, key, name, unit, allergens) VALUES \
         (1, 'dough', 'Pâte', 'g', '[]'), (2, 'mozzarella', 'Mozzarella', 'g', '[]'), \
         (3, 'basil', 'Basilic', 'pc', '[]')",
    )
    .await;
    // One order waiting for the kitchen, holding three ingredients; one being prepared,
    // holding nothing any more.
    for (id, status) in [(1, "placed"), (2, "preparing")] {
        run(
            &db,
            &format!(
                "INSERT INTO orders (id, shop_id, channel, fulfilment, status, payment_method, \
                 payment_status, contact_name, contact_phone, total_cents, version, \
                 tracking_token, created_at, updated_at) VALUES ({id}, 1, 'web', 'pickup', \
                 '{status}', 'at_counter', 'pending', 'Ada', '0600000000', 1200, 1, 'tok{id}', \
                 0, 0)"
            ),
        )
        .await;
    }
    run(
        &db,
        "INSERT INTO order_reservations (order_id, ingredient_id, quantity) VALUES \
         (1, 2, 125), (1, 1, 250), (1, 3, 6)",
    )
    .await;
    let taken = backup::create(&config, &db, None).await.unwrap();
    assert_eq!(
        taken.manifest.contents.migration_level,
        RESERVATIONS_AS_ROWS
    );
    assert_eq!(taken.manifest.contents.row_counts["order_reservations"], 3);

    db.migrate().await.unwrap();
    let expected: Needs = [
        (IngredientId(1), 250),
        (IngredientId(2), 125),
        (IngredientId(3), 6),
    ]
    .into_iter()
    .collect();
    assert_eq!(held(&db, 1).await, expected);
    assert_eq!(held(&db, 2).await, Needs::new());
    assert!(
        sqlx::query("SELECT COUNT(*) FROM order_reservations")
            .execute(db.pool())
            .await
            .is_err(),
        "the rows moved onto their orders"
    );

    // A backup taken before the update still matches its manifest.
    backup::verify_file(&taken.path).await.unwrap();
    if db.backend() == Backend::Sqlite {
        // And comes back on this version, brought to its level on the way.
        let mut tx = db.begin().await.unwrap();
        ocpizza::orders::db::set_reservations(&mut tx, OrderId(1), &Needs::new())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        backup::restore(&config, &db, &taken.path, true)
            .await
            .unwrap();
        assert_eq!(held(&db, 1).await, expected);
    }
    drop(tmp);
}
