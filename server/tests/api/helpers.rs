//! Starting the app on a fresh database, and clients for each role.

use ocpizza::config::{Config, HashingCost};
use ocpizza::db::Db;
use ocpizza::events::Bus;
use ocpizza::state::AppState;
use ocpizza_proto::api::menu::Menu;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::stock::StockList;
use ocpizza_proto::{IngredientId, ShopId};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// The demo password.
pub const PASSWORD: &str = "demo-pizza";
/// A client address of someone guessing (with `trust_proxy`, sent as `X-Forwarded-For`).
pub const ATTACKER: &str = "198.51.100.7";
/// The address of the account's real owner.
pub const VICTIM: &str = "192.0.2.1";
/// The demo's first shop: open around the clock, demo staff work there.
pub const SHOP: ShopId = ShopId(1);
/// Another shop.
pub const OTHER_SHOP: ShopId = ShopId(2);

/// A running app on its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its database.
    pub db: Db,
    /// Its state (bus, hub, configuration).
    pub state: AppState,
    _tmp: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Opens a fresh database: a new PostgreSQL database when `OCPIZZA_TEST_DATABASE_URL` is set,
/// otherwise a SQLite file in a temporary folder.
pub async fn fresh_db() -> (Db, Config, Option<tempfile::TempDir>) {
    let (db, config, tmp) = empty_db().await;
    db.migrate().await.expect("migrate");
    (db, config, tmp)
}

/// [`fresh_db`] before any migration.
pub async fn empty_db() -> (Db, Config, Option<tempfile::TempDir>) {
    let mut config = Config::defaults();
    config.hashing = HashingCost {
        memory_kib: 64,
        iterations: 1,
    };
    config.login_per_ip_per_min = 10_000;
    config.login_failures_before_backoff = 10_000;
    config.register_per_ip_per_hour = 10_000;
    // Tests place many orders from one address and one phone; `abuse.rs` sets real limits.
    config.orders_per_ip_per_min = 10_000;
    config.orders_per_phone_per_min = 10_000;
    config.open_orders_per_phone = 10_000;
    match std::env::var("OCPIZZA_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            let name = format!(
                "ocpizza_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                rand_suffix()
            );
            let admin = Db::connect_postgres(&admin_url, 1)
                .await
                .expect("PostgreSQL admin connection");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(admin.pool())
                .await
                .expect("create test database");
            admin.close().await;
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("URL with a database name");
            let url = format!("{base}/{name}");
            config.database_url = Some(ocpizza::config::Secret::new(url.clone()));
            let db = Db::connect_postgres(&url, 10)
                .await
                .expect("connect test database");
            (db, config, None)
        }
        None => {
            let tmp = tempfile::tempdir().expect("temp dir");
            config.data_dir = tmp.path().to_path_buf();
            let db = Db::connect(&config).await.expect("open SQLite");
            (db, config, Some(tmp))
        }
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()))
}

impl TestApp {
    /// Starts the app with the demo data.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts the app with the demo data and a configuration adjusted by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let (db, mut config, tmp) = fresh_db().await;
        ocpizza::seed::run(&db, &Bus::new(), config.hashing, true)
            .await
            .expect("seed");
        tweak(&mut config);
        TestApp::start(db, config, tmp).await
    }

    /// Starts the app with the demo data on an embedded database in `dir`.
    pub async fn spawn_sqlite_in(dir: &std::path::Path) -> TestApp {
        let (_, mut config, _) = fresh_db().await;
        config.database_url = None;
        config.data_dir = dir.to_path_buf();
        let db = Db::connect(&config).await.expect("open SQLite");
        db.migrate().await.expect("migrate");
        ocpizza::seed::run(&db, &Bus::new(), config.hashing, true)
            .await
            .expect("seed");
        TestApp::start(db, config, None).await
    }

    /// Two instances of the app on one database (one Redis when `tweak` sets `redis_url`).
    pub async fn spawn_pair(tweak: impl Fn(&mut Config)) -> (TestApp, TestApp) {
        let (db, mut config, tmp) = fresh_db().await;
        ocpizza::seed::run(&db, &Bus::new(), config.hashing, true)
            .await
            .expect("seed");
        tweak(&mut config);
        let a = TestApp::start(db.clone(), config.clone(), tmp).await;
        let b = TestApp::start(db, config, None).await;
        (a, b)
    }

    async fn start(db: Db, mut config: Config, tmp: Option<tempfile::TempDir>) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.bind = addr;
        if !config.public_url.starts_with("https://") {
            config.public_url = format!("http://{addr}");
        }
        let state = AppState::new(config, db.clone()).await.expect("state");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            ocpizza::app::serve(listener, server_state, async {
                let _ = stopped.await;
            })
            .await
            .expect("server");
        });
        TestApp {
            base: format!("http://{addr}"),
            db,
            state,
            _tmp: tmp,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Stops the server as SIGTERM does, and waits until it has drained.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
        }
    }

    /// The session cookie (`ocpizza_session=…`) of a demo account.
    pub async fn cookie(&self, who: &str) -> String {
        let r = reqwest::Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": format!("{who}@demo.ocpizza.fr"), "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .to_owned();
        cookie.split(';').next().expect("cookie pair").to_owned()
    }

    /// The tracking token of `order`, as stored (staff answers do not carry it).
    pub async fn tracking_token(&self, order: &Order) -> String {
        sqlx::query_scalar("SELECT tracking_token FROM orders WHERE id = $1")
            .bind(order.id.0)
            .fetch_one(self.db.pool())
            .await
            .expect("tracking token")
    }

    /// `base + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client without session.
    pub fn anonymous(&self) -> Api {
        Api {
            app_base: self.base.clone(),
            http: client(),
        }
    }

    /// A client logged in as `email` (password `demo-pizza`).
    pub async fn login(&self, email: &str) -> Api {
        self.login_with(email, PASSWORD).await
    }

    /// A client logged in with these credentials.
    pub async fn login_with(&self, email: &str, password: &str) -> Api {
        let api = self.anonymous();
        let r = api
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "login {email}");
        api
    }

    /// Demo account of a role: admin, manager, counter, cook, driver, customer.
    pub async fn as_demo(&self, who: &str) -> Api {
        self.login(&format!("{who}@demo.ocpizza.fr")).await
    }

    /// A new account with `role` in `shop`, created by the admin, logged in.
    pub async fn staff(&self, shop: ShopId, role: &str) -> Api {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let email = format!("{role}{n}-shop{shop}@test.ocpizza.fr");
        let admin = self.as_demo("admin").await;
        let r = admin
            .post(
                &format!("/api/v1/shops/{shop}/staff"),
                &json!({"email": email, "role": role, "name": format!("{role} {n}"), "password": "long-enough-pw"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "create staff");
        self.login_with(&email, "long-enough-pw").await
    }

    /// A newly registered customer, logged in.
    pub async fn customer(&self) -> Api {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let email = format!("client{n}@test.ocpizza.fr");
        let r = self
            .anonymous()
            .post(
                "/api/v1/auth/register",
                &json!({"email": email, "password": "long-enough-pw",
                        "name": format!("Client {n}"), "phone": "06 11 22 33 44"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "register");
        self.login_with(&email, "long-enough-pw").await
    }

    /// The shop's menu.
    pub async fn menu(&self, shop: ShopId) -> Menu {
        self.anonymous()
            .get_json(&format!("/api/v1/shops/{shop}/menu"))
            .await
    }

    /// How many of `pizza` `size` the shop's free stock can still make, exactly (the menu gives
    /// it by band: see [`TestApp::available`]).
    pub async fn makeable(&self, shop: ShopId, pizza: i64, size: &str) -> i64 {
        let mut least = i64::MAX;
        for (ingredient, qty) in self.recipe(pizza, size).await {
            let (on_hand, reserved) = self.level(shop, ingredient).await;
            least = least.min((on_hand - reserved) / qty);
        }
        least
    }

    /// The demo ingredient whose name starts with `name`.
    pub async fn ingredient(&self, shop: ShopId, name: &str) -> IngredientId {
        let stock = self.stock(shop).await;
        let level = stock.items.iter().find(|l| l.name.starts_with(name));
        level.expect("a demo ingredient").ingredient_id
    }

    /// Sets the shop's stock so that exactly `portions` of `pizza` `size` can be made, `short`
    /// being the ingredient that limits it (the others left for a thousand); returns the
    /// quantity of `short` per portion.
    pub async fn leave_portions(
        &self,
        shop: ShopId,
        (pizza, size): (i64, &str),
        short: IngredientId,
        portions: i64,
    ) -> i64 {
        let recipe = self.recipe(pizza, size).await;
        for (ingredient, qty) in &recipe {
            let (_, reserved) = self.level(shop, *ingredient).await;
            let free = if *ingredient == short { portions } else { 1000 };
            self.set_stock(shop, *ingredient, reserved + qty * free)
                .await;
        }
        assert_eq!(self.makeable(shop, pizza, size).await, portions);
        let portion = recipe.iter().find(|(i, _)| *i == short);
        portion.expect("the short ingredient is in the recipe").1
    }

    /// How many of `pizza` `size` the shop's menu says can still be made (by band).
    pub async fn available(&self, shop: ShopId, pizza: i64, size: &str) -> i64 {
        let menu = self.menu(shop).await;
        let p = menu
            .pizzas
            .iter()
            .find(|p| p.id.0 == pizza)
            .expect("pizza on menu");
        p.sizes
            .iter()
            .find(|s| s.code == size)
            .expect("size")
            .available
    }

    /// The shop's stock, read by its manager (admin).
    pub async fn stock(&self, shop: ShopId) -> StockList {
        self.as_demo("admin")
            .await
            .get_json(&format!("/api/v1/shops/{shop}/stock"))
            .await
    }

    /// `(on_hand, reserved)` of one ingredient.
    pub async fn level(&self, shop: ShopId, ingredient: IngredientId) -> (i64, i64) {
        let stock = self.stock(shop).await;
        let l = stock
            .items
            .iter()
            .find(|l| l.ingredient_id == ingredient)
            .expect("stock row");
        (l.on_hand, l.reserved)
    }

    /// Recipe of `pizza` in `size`: `(ingredient, quantity)`.
    pub async fn recipe(&self, pizza: i64, size: &str) -> Vec<(IngredientId, i64)> {
        let cook = self.as_demo("cook").await;
        let recipe: ocpizza_proto::api::menu::Recipe = cook
            .get_json(&format!("/api/v1/pizzas/{pizza}/recipe"))
            .await;
        recipe
            .sizes
            .iter()
            .find(|s| s.code == size)
            .expect("size")
            .items
            .iter()
            .map(|i| (i.ingredient_id, i.quantity))
            .collect()
    }

    /// Sets an ingredient's on-hand stock by an inventory correction (as admin).
    pub async fn set_stock(&self, shop: ShopId, ingredient: IngredientId, on_hand: i64) {
        let admin = self.as_demo("admin").await;
        let r = admin
            .post(
                &format!("/api/v1/shops/{shop}/stock/correction"),
                &json!({"ingredient_id": ingredient, "on_hand": on_hand, "reason": "test setup"}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

/// A client (with its own cookie jar) of one test app.
#[derive(Clone)]
pub struct Api {
    app_base: String,
    /// The underlying HTTP client.
    pub http: Client,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app_base)
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    /// GET expecting 200 and a JSON body.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("JSON body")
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// POST with an `Idempotency-Key`.
    pub async fn post_idem(&self, path: &str, key: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// PATCH a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.http
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.http
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Response {
        self.http
            .delete(self.url(path))
            .send()
            .await
            .expect("DELETE")
    }

    /// Places an order and expects 201.
    pub async fn place(&self, body: &Value) -> Order {
        let r = self.post("/api/v1/orders", body).await;
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::CREATED, "place order: {text}");
        serde_json::from_str(&text).expect("order")
    }

    /// Moves an order and expects 200.
    pub async fn transition(&self, order: &Order, to: &str) -> Order {
        let r = self
            .post(
                &format!("/api/v1/orders/{}/transition", order.id),
                &json!({"to": to}),
            )
            .await;
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "transition to {to}: {text}");
        serde_json::from_str(&text).expect("order")
    }
}

/// A delivery order for shop 1 of `quantity` × `pizza` `size`, paid on delivery.
pub fn delivery(pizza: i64, size: &str, quantity: i64) -> Value {
    json!({
        "shop_id": SHOP, "fulfilment": "delivery",
        "address": {"street": "12 rue Oberkampf", "postcode": "75011", "city": "Paris"},
        "contact": {"name": "Jeanne Martin", "phone": "06 12 34 56 78"},
        "lines": [{"pizza_id": pizza, "size": size, "quantity": quantity}],
        "payment_method": "cash_on_delivery"
    })
}

/// A pickup order for shop 1, paid at the counter.
pub fn pickup(pizza: i64, size: &str, quantity: i64) -> Value {
    json!({
        "shop_id": SHOP, "fulfilment": "pickup",
        "contact": {"name": "Paul Durand", "phone": "06 98 76 54 32"},
        "lines": [{"pizza_id": pizza, "size": size, "quantity": quantity}],
        "payment_method": "at_counter"
    })
}

/// Asserts a `429 rate_limited` with the JSON error body; returns its `Retry-After` seconds.
pub async fn rate_limited(r: Response) -> u64 {
    let secs = r
        .headers()
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .expect("ASCII")
        .parse::<u64>()
        .expect("Retry-After in seconds");
    let (code, _) = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(code, "rate_limited");
    secs
}

/// The error body's `code`, checking the status too.
pub async fn error_code(r: Response, status: StatusCode) -> (String, Value) {
    assert_eq!(r.status(), status, "status");
    let body: Value = r.json().await.expect("JSON error body");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(
        body["error"]["message"].is_string(),
        "error.message: {body}"
    );
    (code, body)
}

/// Pizza ids of the demo menu used by tests.
pub const MARGHERITA: i64 = 1;
/// Regina: jambon, champignons.
pub const REGINA: i64 = 2;

/// The Redis server of the tests (`OCPIZZA_TEST_REDIS_URL`, else the local one).
pub fn redis_url() -> String {
    std::env::var("OCPIZZA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A Redis channel of this test only.
pub fn channel() -> String {
    format!(
        "ocpizza:test:{}:{}",
        std::process::id(),
        ocpizza::auth::random_token(6)
    )
}
