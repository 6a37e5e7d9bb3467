//! `/admin/loggers`: read and change log levels at run time.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParams, QueryPairs};
use crate::AppState;

/// The JVM's message when the PUT body has no `level`.
pub const MISSING_LEVEL_MESSAGE: &str = "Desired 'level' parameter was not specified in request.";

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/loggers", get(list))
        .route("/admin/loggers/{logger}", get(logger).put(set_level))
}

fn to_value<T: serde::Serialize>(v: T) -> ApiResult<Value> {
    serde_json::to_value(v).map_err(|e| ApiError::internal(format!("cannot encode response: {e}")))
}

/// `GET /admin/loggers`: root and every logger with its own level.
async fn list(State(s): State<AppState>) -> ApiResult<Response> {
    let mut out = Map::new();
    for (name, level) in s.loggers.loggers() {
        out.insert(name, to_value(level)?);
    }
    Ok(Json(Value::Object(out)).into_response())
}

async fn logger(
    State(s): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult<Response> {
    match s.loggers.logger(&name) {
        Some(level) => Ok(Json(level).into_response()),
        None => Err(ApiError::not_found(format!("Logger {name} not found."))),
    }
}

/// `PUT /admin/loggers/{logger}?scope=worker|cluster` with `{"level": "..."}`. `worker`
/// (the default, and what an unknown scope falls back to) answers 200 with the affected
/// loggers; `cluster` answers 204. A single worker is its whole cluster here, so both
/// scopes change this worker's levels.
async fn set_level(
    State(s): State<AppState>,
    PathParams(name): PathParams<String>,
    q: QueryPairs,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let level = match b.as_ref().and_then(|v| v.get("level")) {
        Some(Value::String(l)) => l.clone(),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        _ => return Err(ApiError::bad_request(MISSING_LEVEL_MESSAGE)),
    };
    let cluster = q
        .first("scope")
        .is_some_and(|sc| sc.eq_ignore_ascii_case("cluster"));
    let affected = s.loggers.set_level(&name, &level)?;
    if cluster {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(Json(affected).into_response())
    }
}
