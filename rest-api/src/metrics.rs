//! `GET /metrics`: the worker's Prometheus metrics in text format 0.0.4.
//!
//! The REST API stays independent of the metrics library: the binary passes a
//! [`MetricsRenderer`] that returns the encoded text, and [`with_metrics`] adds the route to
//! the REST router (or [`routes`] serves it alone on a separate `metrics.listener`).

use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// Renders the metrics text (Prometheus exposition format 0.0.4).
pub type MetricsRenderer = Arc<dyn Fn() -> String + Send + Sync>;

/// The exposition format's content type.
pub const CONTENT_TYPE_0_0_4: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A router serving only `GET /metrics`.
pub fn routes(renderer: MetricsRenderer) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let renderer = renderer.clone();
            async move {
                let body = tokio::task::spawn_blocking(move || renderer())
                    .await
                    .unwrap_or_default();
                ([(CONTENT_TYPE, CONTENT_TYPE_0_0_4)], body).into_response()
            }
        }),
    )
}

/// `router` (the REST API) with `GET /metrics` added; other paths are untouched.
pub fn with_metrics(router: Router, renderer: MetricsRenderer) -> Router {
    routes(renderer).merge(router)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn metrics_route_serves_the_renderer_text_and_keeps_other_routes() {
        let renderer: MetricsRenderer = Arc::new(|| "up 1\n".to_string());
        let other = Router::new().fallback(|| async { (StatusCode::NOT_FOUND, "nope") });
        let app = with_metrics(other, renderer);
        let res = app
            .clone()
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_TYPE], CONTENT_TYPE_0_0_4);
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&body[..], b"up 1\n");
        let res = app
            .oneshot(Request::get("/connectors").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}
