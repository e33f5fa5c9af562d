//! The HTTP application: every module's router in one list, the shared middleware, and
//! [`serve`], which tests also use to run the real app on port 0.

use crate::error::ApiError;
use crate::state::AppState;
use crate::{
    auth, cash, customers, dashboard, driver, eta, health, maintenance, menu, net, openapi, orders,
    shops, staff, stock,
};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(auth::router())
        .merge(shops::router())
        .merge(eta::router())
        .merge(menu::router())
        .merge(crate::catalogue::router())
        .merge(orders::router())
        .merge(crate::payments::router())
        .merge(crate::notify::push::router())
        .merge(driver::router())
        .merge(cash::router())
        .merge(customers::router())
        .merge(dashboard::router())
        .merge(stock::router())
        .merge(crate::reports::router())
        .merge(staff::router())
        .merge(maintenance::router())
        .merge(crate::audit::router())
        .merge(crate::privacy::router())
        .merge(openapi::router())
        .merge(health::router())
        .route("/api/v1/ws", axum::routing::get(crate::hub::conn::upgrade))
        // Metrics are served on their own listener only (OCPIZZA_METRICS_BIND).
        .route(
            "/metrics",
            axum::routing::any(|| async { ApiError::NotFound("route") }),
        )
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::NotFound("route") }),
        )
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                ApiError::invalid("method not allowed"),
            )
                .into_response()
        });
    let api = match &state.config.static_dir {
        Some(dir) => api.fallback_service(crate::assets::router(dir)),
        None => api,
    };
    layered(api, state)
}

/// `api` wrapped in the middleware every request goes through: origin check, body limit,
/// time limit, panic catcher, metrics and security headers ([`around`]), request id, trace
/// span, error reporting.
pub fn layered(api: Router<AppState>, state: AppState) -> Router {
    let reporting = state.config.sentry_dsn.is_some();
    let security = crate::headers::SecurityHeaders::new(
        &state.config.public_url,
        state.config.static_dir.as_deref(),
        &state.config.payments.browser_origins(),
    );
    // One layer made of them all, outermost first: the router boxes each layer it is given
    // around every route, and clones every box for every request.
    let stack = tower::ServiceBuilder::new()
        .layer(crate::reporting::hub_layer(reporting))
        .layer(crate::reporting::http_layer(reporting))
        .layer(SetRequestIdLayer::new(REQUEST_ID, RequestIds::new()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), route, request_id = id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn_with_state(
            Around {
                metrics: state.metrics.clone(),
                security,
            },
            around,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            net::check_origin,
        ));
    api.layer(stack).with_state(state)
}

/// Names each request that comes without an `x-request-id`: this process's random prefix and
/// a counter, unique across instances and restarts without a system call per request.
#[derive(Debug, Clone)]
struct RequestIds {
    prefix: std::sync::Arc<str>,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        RequestIds {
            prefix: format!("{:016x}", rand::random::<u64>()).into(),
            next: std::sync::Arc::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("{}-{n:x}", self.prefix);
        axum::http::HeaderValue::from_str(&id)
            .ok()
            .map(RequestId::new)
    }
}

/// What [`around`] needs.
#[derive(Debug, Clone)]
struct Around {
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    security: crate::headers::SecurityHeaders,
}

/// What every request goes through once routed, in one layer (each layer boxes the request's
/// future and clones the routes): its error-reporting scope named after its route, its count
/// and duration recorded by method, route template (never the raw path, which may hold a
/// token) and status, the security headers added to its answer.
async fn around(
    axum::extract::State(around): axum::extract::State<Around>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    crate::reporting::name_scope(&req);
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    around.metrics.record_request(
        method.as_str(),
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        response.status(),
        started.elapsed(),
    );
    around.security.apply(api, &mut response);
    response
}

/// Longest a request may take; the database pools give up acquiring a connection well before.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Answers a request that takes longer than [`REQUEST_TIMEOUT`] with 503 and the JSON body.
async fn time_limit(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// Serves the app on `listener` until `shutdown` resolves; then stops accepting, closes the
/// live connections with "service restart" (1012) spread over a short window (clients resume
/// on the successor or another instance), lets the other connections' clients close them (see
/// [`crate::drain`]), and finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let hub = state.hub.clone();
    let drain = crate::drain::Drain::default();
    let app = router(state)
        .layer(axum::middleware::from_fn_with_state(
            drain.clone(),
            crate::drain::close_when_draining,
        ))
        .into_make_service_with_connect_info::<crate::net::Peer>();
    let listener = drain.listener(listener);
    let live = hub.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            drain.start();
            live.start_drain();
            drain.closed(crate::drain::IDLE_GRACE).await;
        })
        .await?;
    hub.drained(crate::hub::conn::DRAIN_WINDOW + Duration::from_secs(3))
        .await;
    Ok(())
}
