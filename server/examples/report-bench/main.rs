//! How long the managers' reports take on a year of data: generates eight shops' year of
//! orders (seeded, so reproducible) with their lines and their stock ledger (a reservation and
//! a consumption of two ingredients per order, a few waste and correction movements a day),
//! on a fresh SQLite file and on a fresh PostgreSQL database, then times each query of a report
//! and the whole report, for one shop and for the eight, over a day, a week and a month.
//!
//! ```sh
//! cargo run --release -p ocpizza --example report-bench                 # both databases
//! cargo run --release -p ocpizza --example report-bench -- sqlite 120  # one, 120 orders a day
//! ```
//!
//! PostgreSQL is reached at `OCPIZZA_BENCH_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the benchmark creates its own database there
//! and drops it at the end.

use anyhow::Context;
use jiff::civil::{Date, date};
use ocpizza::db::Db;
use ocpizza::reports::db::{self, ShopRef};
use ocpizza::reports::figures::{self, Rows, Span};
use ocpizza_proto::api::reports::Period;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const SHOPS: i64 = 8;
const INGREDIENTS: i64 = 20;
/// The year generated: 2025-12-01 to 2026-11-30, in Paris.
const FIRST_DAY: Date = date(2025, 12, 1);
const DAYS: i64 = 365;
/// Reports are read around this day, well inside the year.
const REPORT_DAY: Date = date(2026, 6, 17);
/// Rows per INSERT statement.
const BATCH: usize = 400;
/// Each measure is repeated this many times; the median is kept.
const RUNS: usize = 7;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("both", String::as_str);
    let per_day: i64 = args.get(1).map_or(Ok(120), |n| n.parse())?;
    println!(
        "{SHOPS} shops × {DAYS} days × {per_day} orders a day = {} orders",
        SHOPS * DAYS * per_day
    );
    if matches!(which, "both" | "sqlite") {
        let dir = tempfile::tempdir()?;
        let db = Db::connect_sqlite(&dir.path().join("bench.db").display().to_string()).await?;
        run("SQLite", &db, per_day).await?;
        db.close().await;
    }
    if matches!(which, "both" | "postgres") {
        let admin_url = std::env::var("OCPIZZA_BENCH_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("ocpizza_report_bench_{}", std::process::id());
        let admin = Db::connect_postgres(&admin_url, 1).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(admin.pool())
            .await?;
        let (base, _) = admin_url
            .rsplit_once('/')
            .context("a URL with a database name")?;
        let db = Db::connect_postgres(&format!("{base}/{name}"), 4).await?;
        let outcome = run("PostgreSQL", &db, per_day).await;
        db.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
            .execute(admin.pool())
            .await?;
        admin.close().await;
        outcome?;
    }
    Ok(())
}

async fn run(label: &str, db: &Db, per_day: i64) -> anyhow::Result<()> {
    db.migrate().await?;
    let started = Instant::now();
    let counts = generate(db, per_day).await?;
    println!(
        "\n{label}: generated {} orders, {} lines, {} ledger rows in {:.0} s",
        counts.0,
        counts.1,
        counts.2,
        started.elapsed().as_secs_f64()
    );
    // Fresh statistics, as after a night of autovacuum (PostgreSQL) or `PRAGMA optimize`.
    sqlx::query("ANALYZE")
        .execute(&mut *db.writer().await?)
        .await?;
    let shops = db::shops(db.pool()).await?;
    println!(
        "| period | shops | orders read | orders query | pizzas query | stock query | figures | whole report |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for period in Period::ALL {
        for n in [1, shops.len()] {
            measure(db, &shops[..n], period).await?;
        }
    }
    Ok(())
}

/// Times each part of the report of `shops` over `period`, median of [`RUNS`].
async fn measure(db: &Db, shops: &[ShopRef], period: Period) -> anyhow::Result<()> {
    let pool = db.pool();
    let mut parts: [Vec<Duration>; 5] = Default::default();
    let mut read = 0;
    for _ in 0..RUNS {
        let whole = Instant::now();
        let mut times = [Duration::ZERO; 4];
        read = 0;
        for shop in shops {
            let span = span(shop, period)?;
            let bounds = span.bounds_ms();
            let t = Instant::now();
            let orders = db::orders(pool, shop.id, bounds).await?;
            times[0] += t.elapsed();
            let t = Instant::now();
            let pizzas = db::pizzas(pool, shop.id, bounds).await?;
            times[1] += t.elapsed();
            let t = Instant::now();
            let losses = db::losses(pool, shop.id, bounds).await?;
            times[2] += t.elapsed();
            read += orders.len();
            let t = Instant::now();
            let report = figures::shop_report(
                shop,
                &span,
                Rows {
                    orders,
                    pizzas,
                    losses,
                },
                0,
            );
            times[3] += t.elapsed();
            std::hint::black_box(report);
        }
        for (i, t) in times.into_iter().enumerate() {
            parts[i].push(t);
        }
        parts[4].push(whole.elapsed());
    }
    let mut line = format!("| {} | {} | {read} |", period.as_str(), shops.len());
    for mut part in parts {
        part.sort();
        let _ = write!(line, " {:.1} ms |", part[RUNS / 2].as_secs_f64() * 1000.0);
    }
    println!("{line}");
    Ok(())
}

fn span(shop: &ShopRef, period: Period) -> anyhow::Result<Span> {
    let tz = jiff::tz::TimeZone::get(&shop.timezone)?;
    let (first, last) = period.dates(REPORT_DAY).context("period")?;
    Ok(Span {
        starts_at: first.to_zoned(tz.clone())?.timestamp(),
        ends_at: last.tomorrow()?.to_zoned(tz.clone())?.timestamp(),
        tz,
        first,
        last,
    })
}

/// Accumulates rows and writes them `BATCH` at a time.
struct Inserter<'a> {
    db: &'a Db,
    head: &'static str,
    rows: Vec<String>,
    written: usize,
}

impl<'a> Inserter<'a> {
    fn new(db: &'a Db, head: &'static str) -> Inserter<'a> {
        Inserter {
            db,
            head,
            rows: Vec::with_capacity(BATCH),
            written: 0,
        }
    }

    fn push(&mut self, row: String) {
        self.rows.push(row);
    }

    fn full(&self) -> bool {
        self.rows.len() >= BATCH
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        // Every value is a number or one of a few fixed words generated here.
        let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *self.db.writer().await?)
            .await?;
        self.written += self.rows.len();
        self.rows.clear();
        Ok(())
    }
}

/// A year of eight shops; returns (orders, lines, ledger rows).
async fn generate(db: &Db, per_day: i64) -> anyhow::Result<(usize, usize, usize)> {
    {
        // Given back before the inserters below borrow it.
        let mut w = db.writer().await?;
        for s in 1..=SHOPS {
            sqlx::query(
                "INSERT INTO shops (id, name, street, postcode, city, phone, timezone, hours, \
                 delivery_postcodes, created_at) VALUES ($1, $2, 'rue', '75011', 'Paris', '01', \
                 'Europe/Paris', '[]', '[]', 0)",
            )
            .bind(s)
            .bind(format!("Pizzeria {s}"))
            .execute(&mut *w)
            .await?;
        }
        for i in 1..=INGREDIENTS {
            sqlx::query(
                "INSERT INTO ingredients (id, key, name, unit, allergens) VALUES ($1, $2, $3, 'g', '[]')",
            )
            .bind(i)
            .bind(format!("i{i}"))
            .bind(format!("Ingrédient {i}"))
            .execute(&mut *w)
            .await?;
        }
    }
    let tz = jiff::tz::TimeZone::get("Europe/Paris")?;
    let mut rng = StdRng::seed_from_u64(16);
    let mut orders = Inserter::new(
        db,
        "INSERT INTO orders (id, shop_id, channel, fulfilment, status, payment_method, \
         payment_status, contact_name, contact_phone, total_cents, version, tracking_token, \
         placed_at, preparing_at, ready_at, out_for_delivery_at, delivered_at, collected_at, \
         cancelled_at, created_at, updated_at)",
    );
    let mut lines = Inserter::new(
        db,
        "INSERT INTO order_lines (order_id, position, pizza_id, pizza_name, size_code, \
         quantity, unit_price_cents, extras, total_cents)",
    );
    let mut ledger = Inserter::new(
        db,
        "INSERT INTO stock_ledger (shop_id, ingredient_id, kind, delta_on_hand, \
         delta_reserved, on_hand_after, reserved_after, order_id, at)",
    );
    let mut id = 0_i64;
    for day in 0..DAYS {
        let midnight = FIRST_DAY
            .checked_add(jiff::Span::new().days(day))?
            .to_zoned(tz.clone())?
            .timestamp()
            .as_millisecond();
        for shop in 1..=SHOPS {
            for _ in 0..per_day {
                id += 1;
                let row = order_row(&mut rng, id, shop, midnight);
                orders.push(row.sql);
                for position in 0..row.pizzas {
                    let pizza = rng.random_range(1..=12);
                    let quantity = rng.random_range(1..=2);
                    lines
                        .push(format!(
                            "({id},{position},{pizza},'Pizza {pizza}','medium',{quantity},1200,'[]',{})",
                            1200 * quantity
                        ));
                }
                for ingredient in [1 + id % INGREDIENTS, 1 + (id * 7) % INGREDIENTS] {
                    let at = row.placed;
                    ledger.push(format!(
                        "({shop},{ingredient},'reservation',0,100,5000,100,{id},{at}),\
                             ({shop},{ingredient},'consumption',-100,-100,4900,0,{id},{})",
                        at + 300_000
                    ));
                }
            }
            // Orders first: their lines refer to them.
            if orders.full() || lines.full() || ledger.full() {
                orders.flush().await?;
                lines.flush().await?;
                ledger.flush().await?;
            }
            for _ in 0..rng.random_range(0..=3) {
                let ingredient = rng.random_range(1..=INGREDIENTS);
                let kind = if rng.random_bool(0.7) {
                    "waste"
                } else {
                    "correction"
                };
                let delta = -rng.random_range(10..=500);
                let at = midnight + rng.random_range(0..86_400_000);
                ledger.push(format!(
                    "({shop},{ingredient},'{kind}',{delta},0,4000,0,NULL,{at})"
                ));
            }
        }
    }
    orders.flush().await?;
    lines.flush().await?;
    ledger.flush().await?;
    Ok((orders.written, lines.written, ledger.written))
}

/// One generated order: its `VALUES` tuple, how many lines it has, when it was placed.
struct OrderRow {
    sql: String,
    pizzas: i64,
    placed: i64,
}

/// An order of `shop` on the day starting at `midnight`: placed between 11:00 and 23:00,
/// 60 % deliveries, 3 % cancelled, stage times of a few to a few tens of minutes.
fn order_row(rng: &mut StdRng, id: i64, shop: i64, midnight: i64) -> OrderRow {
    const MIN: i64 = 60_000;
    let placed = midnight + 11 * 60 * MIN + rng.random_range(0..12 * 60 * MIN);
    let channel = ["web", "web", "web", "phone", "counter"][rng.random_range(0..5)];
    let delivery = rng.random_bool(0.6);
    let pizzas = rng.random_range(1..=3);
    let total = pizzas * 1500 + if delivery { 300 } else { 0 };
    let preparing = placed + rng.random_range(1..15) * MIN;
    let ready = preparing + rng.random_range(8..25) * MIN;
    let cancelled = rng.random_bool(0.03);
    let (status, payment, out, delivered, collected) = match (cancelled, delivery) {
        (true, _) => ("cancelled", "online", None, None, None),
        (false, true) => {
            let out = ready + rng.random_range(1..15) * MIN;
            let delivered = out + rng.random_range(8..40) * MIN;
            (
                "delivered",
                "cash_on_delivery",
                Some(out),
                Some(delivered),
                None,
            )
        }
        (false, false) => {
            let collected = ready + rng.random_range(1..20) * MIN;
            ("collected", "at_counter", None, None, Some(collected))
        }
    };
    let opt = |v: Option<i64>| v.map_or_else(|| "NULL".to_owned(), |v| v.to_string());
    let (preparing, ready) = if cancelled {
        (None, None)
    } else {
        (Some(preparing), Some(ready))
    };
    let sql = format!(
        "({id},{shop},'{channel}','{}','{status}','{payment}','paid','Client','0600000000',\
         {total},1,'t{id}',{placed},{},{},{},{},{},{},{placed},{placed})",
        if delivery { "delivery" } else { "pickup" },
        opt(preparing),
        opt(ready),
        opt(out),
        opt(delivered),
        opt(collected),
        opt(cancelled.then_some(placed + 2 * MIN)),
    );
    OrderRow {
        sql,
        pizzas,
        placed,
    }
}
