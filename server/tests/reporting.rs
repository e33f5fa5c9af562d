//! Error reporting to Sentry, against a local endpoint standing in for Sentry's ingest: the
//! DSN points at it, and everything the client sends is read back.
//!
//! A test binary of its own: the Sentry client, its panic hook and the tracing subscriber are
//! process-wide, and must not report the other suites' deliberate errors.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use ocpizza::config::{Config, HashingCost};
use ocpizza::db::Db;
use ocpizza::error::ApiError;
use ocpizza::state::AppState;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Personal data sent with the requests that fail: none of it may reach Sentry.
const TOKEN: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const PERSONAL: [&str; 7] = [
    TOKEN,
    "0611223344",
    "06 55 44 33 22",
    "17 rue des Acacias",
    "sekret-auth-value",
    "sekret-cookie-value",
    "jeanne.martin@example.fr",
];

type Received = Arc<Mutex<Vec<String>>>;

/// A stand-in for Sentry's ingest: keeps every envelope posted to it.
async fn ingest() -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/api/{project}/envelope/",
            post(|State(r): State<Received>, body: Bytes| async move {
                r.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                "{}"
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://public@{addr}/42"), received)
}

/// The events (not sessions or other items) in what was received.
fn events(received: &Received) -> Vec<Value> {
    received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|envelope| envelope.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .filter(|v| v.get("event_id").is_some() && v.get("platform").is_some())
        .collect()
}

fn exceptions(event: &Value) -> Vec<String> {
    event["exception"]["values"]
        .as_array()
        .map(|values| {
            values
                .iter()
                .filter_map(|e| e["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn boom() -> &'static str {
    panic!("the oven exploded while baking");
}

async fn fail() -> Result<(), ApiError> {
    let cause = anyhow::anyhow!("disk sector unreadable")
        .context("reading the recipe card")
        .context("preparing the order");
    Err(ApiError::Internal(cause))
}

fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::defaults();
    config.data_dir = dir.to_path_buf();
    config.hashing = HashingCost {
        memory_kib: 64,
        iterations: 1,
    };
    config
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<ocpizza::net::Peer>(),
        )
        .await
    });
    format!("http://{addr}")
}

/// Sends a request carrying personal data everywhere a client can put it.
async fn send_personal_data(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}?token={TOKEN}&phone=0611223344"))
        .header("authorization", "Bearer sekret-auth-value")
        .header("cookie", "ocpizza_session=sekret-cookie-value")
        .header("x-forwarded-for", "203.0.113.9")
        .json(&serde_json::json!({
            "address": {"street": "17 rue des Acacias", "postcode": "75011", "city": "Paris"},
            "contact": {"phone": "06 55 44 33 22", "email": "jeanne.martin@example.fr"}
        }))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_and_errors_reach_sentry_with_their_cause_and_without_personal_data() {
    // Without SENTRY_DSN nothing is initialised and no layer is installed.
    assert!(Config::defaults().sentry_dsn.is_none());
    assert!(ocpizza::reporting::init(&Config::defaults()).is_none());
    assert!(sentry::Hub::current().client().is_none());
    assert!(ocpizza::reporting::tracing_layer::<tracing_subscriber::Registry>(false).is_none());

    let (dsn, received) = ingest().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut config = config(tmp.path());
    config.sentry_dsn = Some(ocpizza::config::Secret::new(dsn.parse().unwrap()));
    config.trust_proxy = true;
    let guard = ocpizza::reporting::init(&config).expect("a client when SENTRY_DSN is set");
    assert!(sentry::Hub::current().client().is_some());
    tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(ocpizza::reporting::tracing_layer(true))
        .init();

    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    let state = AppState::new(config, db.clone()).await.unwrap();

    // Handlers that fail, behind the very middleware of the application.
    let failing = ocpizza::app::layered(
        Router::new()
            .route("/boom", post(boom))
            .route("/fail", post(fail)),
        state.clone(),
    );
    let failing = serve(failing).await;
    let r = send_personal_data(&format!("{failing}/boom")).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let r = send_personal_data(&format!("{failing}/fail")).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("disk sector"),
        "internals are reported, never answered: {body}"
    );

    // The real application, its database broken: a tracking link (its token in the path).
    let app = serve(ocpizza::app::router(state.clone())).await;
    sqlx::query("DROP TABLE orders")
        .execute(&mut *db.writer().await.unwrap())
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .get(format!("{app}/api/v1/track/{TOKEN}?phone=0611223344"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());

    assert!(guard.flush(Some(Duration::from_secs(5))));
    let deadline = Instant::now() + Duration::from_secs(10);
    let everything_arrived = |events: &[Value]| {
        let text: Vec<String> = events.iter().map(Value::to_string).collect();
        [
            "the oven exploded",
            "reading the recipe card",
            "/api/v1/track/{token}",
        ]
        .iter()
        .all(|what| text.iter().any(|e| e.contains(what)))
    };
    while !everything_arrived(&events(&received)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let events = events(&received);
    let all = received.lock().unwrap().join("\n");

    let panic = events
        .iter()
        .find(|e| {
            exceptions(e)
                .iter()
                .any(|v| v.contains("the oven exploded"))
        })
        .unwrap_or_else(|| panic!("the panic was reported: {all}"));
    assert_eq!(panic["tags"]["route"], "POST /boom", "{panic}");

    let error = events
        .iter()
        .find(|e| {
            exceptions(e)
                .iter()
                .any(|v| v.contains("preparing the order"))
        })
        .unwrap_or_else(|| panic!("the internal error was reported: {all}"));
    let chain = exceptions(error);
    for cause in [
        "preparing the order",
        "reading the recipe card",
        "disk sector unreadable",
    ] {
        assert!(
            chain.iter().any(|v| v == cause),
            "{cause} in the chain {chain:?}"
        );
    }
    assert_eq!(error["tags"]["route"], "POST /fail", "{error}");

    let database = events
        .iter()
        .find(|e| e["tags"]["route"] == "GET /api/v1/track/{token}")
        .unwrap_or_else(|| panic!("the database error was reported: {all}"));
    assert!(
        database.to_string().contains("orders"),
        "the cause names the missing table: {database}"
    );

    for secret in PERSONAL {
        assert!(!all.contains(secret), "{secret} was sent to Sentry: {all}");
    }
    for event in &events {
        assert!(
            event.get("user").is_none(),
            "no user (nor address): {event}"
        );
        let request = &event["request"];
        assert!(request.get("url").is_none(), "{request}");
        assert!(request.get("query_string").is_none(), "{request}");
        assert!(request.get("data").is_none(), "{request}");
        assert!(request.get("cookies").is_none(), "{request}");
    }
    assert!(!all.contains("203.0.113.9"), "the client address was sent");
    // One failure, one report: the trace layer's own error line for a 5xx is not another.
    assert!(
        events
            .iter()
            .all(|e| e["logger"] != "tower_http::trace::on_failure"),
        "{all}"
    );
}
