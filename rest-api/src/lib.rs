//! The Kafka Connect REST API (the JVM worker's paths, status codes and JSON shapes) over
//! the runtime's [`Herder`] and [`LoggerControl`] interfaces.
//!
//! [`router`] builds the axum router; [`serve`] runs it on a listener until shutdown.
//! Every error is `{"error_code": N, "message": "..."}`, including unknown routes (404) and
//! unsupported methods (405). Request bodies are read as JSON whatever the Content-Type.
//! A trailing `/` on a path is ignored, as Jersey does.

pub mod body;
pub mod connectors;
pub mod error;
pub mod extract;
pub mod loggers;
pub mod metrics;
pub mod plugins;
pub mod root;
pub mod security;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use ferroconnect_runtime::herder::Herder;
use ferroconnect_runtime::logging::LoggerControl;
use tower::ServiceBuilder;

pub use error::{ApiError, ApiResult};

/// The JVM worker's REST request timeout (`DEFAULT_REST_REQUEST_TIMEOUT_MS`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The worker's control plane.
    pub herder: Arc<dyn Herder>,
    /// Log level control for `/admin/loggers`.
    pub loggers: Arc<dyn LoggerControl>,
}

/// The full REST API router, with the JVM's 90 s request timeout.
pub fn router(herder: Arc<dyn Herder>, loggers: Arc<dyn LoggerControl>) -> Router {
    router_with_timeout(herder, loggers, REQUEST_TIMEOUT)
}

/// The full REST API router; a request still running after `request_timeout` is answered
/// with 500 `Request timed out`.
pub fn router_with_timeout(
    herder: Arc<dyn Herder>,
    loggers: Arc<dyn LoggerControl>,
    request_timeout: Duration,
) -> Router {
    let state = AppState { herder, loggers };
    let api = Router::new()
        .merge(root::routes())
        .merge(connectors::routes())
        .merge(plugins::routes())
        .merge(loggers::routes())
        .fallback(|| async { ApiError::no_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn_with_state(
            request_timeout,
            timeout_and_log,
        ))
        .with_state(state);
    // Strip a trailing slash before routing (a layer on `api` would run after routing).
    let normalized = ServiceBuilder::new()
        .map_request(strip_trailing_slash)
        .service(api);
    Router::new().fallback_service(normalized)
}

/// Runs `router` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

fn strip_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let new = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = new.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Answers 500 `Request timed out` after the timeout, and logs each request.
async fn timeout_and_log(
    State(request_timeout): State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let response = match tokio::time::timeout(request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::internal("Request timed out").into_response(),
    };
    tracing::debug!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "REST request"
    );
    response
}
