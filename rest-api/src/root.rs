//! `GET /` (server info) and `GET /health`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::AppState;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(server_info))
        .route("/health", get(health))
}

async fn server_info(State(s): State<AppState>) -> impl IntoResponse {
    Json(s.herder.server_info().await)
}

/// The herder decides the status code (200 healthy, 503 starting, 500 unhealthy); the body
/// is the worker status, not the error format.
async fn health(State(s): State<AppState>) -> impl IntoResponse {
    let (code, body) = s.herder.health().await;
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body))
}
