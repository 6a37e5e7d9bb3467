//! `/connectors/...`: connector lifecycle, config, status, tasks, restart, pause/resume/stop,
//! offsets and active topics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use ferroconnect_runtime::herder::{ConnectorInfo, ConnectorOffsets, HerderError};
use serde_json::{json, Map, Value};

use crate::body::{self, check_and_put_name};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParams, QueryPairs};
use crate::AppState;

/// The JVM's message for an alter-offsets request without offsets.
pub const NO_OFFSETS_MESSAGE: &str =
    "Partitions / offsets need to be provided for an alter offsets request";

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connectors", get(list).post(create))
        .route("/connectors/{c}", get(info).delete(delete))
        .route(
            "/connectors/{c}/config",
            get(config).put(put_config).patch(patch_config),
        )
        .route("/connectors/{c}/status", get(status))
        .route("/connectors/{c}/tasks", get(tasks))
        .route("/connectors/{c}/tasks/{t}/status", get(task_status))
        .route("/connectors/{c}/tasks/{t}/restart", post(restart_task))
        .route("/connectors/{c}/restart", post(restart))
        .route("/connectors/{c}/pause", put(pause))
        .route("/connectors/{c}/resume", put(resume))
        .route("/connectors/{c}/stop", put(stop))
        .route(
            "/connectors/{c}/offsets",
            get(offsets).patch(alter_offsets).delete(reset_offsets),
        )
        .route("/connectors/{c}/topics", get(topics))
        .route("/connectors/{c}/topics/reset", put(reset_topics))
}

/// 201 with `Location: /connectors/{name}` and the connector info.
fn created(info: ConnectorInfo) -> Response {
    let location = format!("/connectors/{}", body::encode_segment(&info.name));
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(info),
    )
        .into_response()
}

/// A task number from the path; anything but a non-negative integer matches no resource,
/// as with JAX-RS's `Integer` path parameter.
fn task_number(t: &str) -> ApiResult<u32> {
    t.parse::<u32>().map_err(|_| ApiError::no_route())
}

fn to_value<T: serde::Serialize>(v: T) -> ApiResult<Value> {
    serde_json::to_value(v).map_err(|e| ApiError::internal(format!("cannot encode response: {e}")))
}

/// `GET /connectors[?expand=status&expand=info]`. Expand values are not comma-split;
/// unknown ones are ignored; connectors deleted meanwhile (404) are left out.
async fn list(State(s): State<AppState>, q: QueryPairs) -> ApiResult<Response> {
    let names = s.herder.connectors().await;
    let expands: Vec<&str> = q.all("expand").collect();
    if expands.is_empty() {
        return Ok(Json(names).into_response());
    }
    let mut out = Map::new();
    'names: for name in names {
        let mut entry = Map::new();
        for expand in &expands {
            let value = match *expand {
                "status" => s.herder.connector_status(&name).await.map(to_value),
                "info" => s.herder.connector_info(&name).await.map(to_value),
                _ => continue,
            };
            match value {
                Ok(v) => {
                    entry.insert((*expand).to_string(), v?);
                }
                Err(HerderError::NotFound(_)) => continue 'names,
                Err(e) => return Err(e.into()),
            }
        }
        out.insert(name, Value::Object(entry));
    }
    Ok(Json(Value::Object(out)).into_response())
}

/// `POST /connectors`: always 201 (409 if it exists).
async fn create(State(s): State<AppState>, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let b = body::require(b, "{\"name\": \"...\", \"config\": {...}}")?;
    let req = body::create_request(&b)?;
    let result = s
        .herder
        .put_connector_config(&req.name, req.config, false, req.initial_state)
        .await?;
    Ok(created(result.value))
}

async fn info(State(s): State<AppState>, PathParams(c): PathParams<String>) -> ApiResult<Response> {
    Ok(Json(s.herder.connector_info(&c).await?).into_response())
}

async fn delete(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<StatusCode> {
    s.herder.delete_connector(&c).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn config(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<Response> {
    Ok(Json(s.herder.connector_config(&c).await?).into_response())
}

/// `PUT /connectors/{c}/config`: 201 + Location if created, 200 if updated.
async fn put_config(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let b = body::require(b, "a JSON object of connector config keys to values")?;
    let mut config = body::config_map(&b, "The connector configuration")?;
    check_and_put_name(&c, &mut config)?;
    let result = s
        .herder
        .put_connector_config(&c, config, true, None)
        .await?;
    if result.created {
        Ok(created(result.value))
    } else {
        Ok(Json(result.value).into_response())
    }
}

/// `PATCH /connectors/{c}/config`: null values delete keys.
async fn patch_config(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let b = body::require(
        b,
        "a JSON object of connector config keys to values or null",
    )?;
    let patch = body::patch_map(&b)?;
    Ok(Json(s.herder.patch_connector_config(&c, patch).await?).into_response())
}

async fn status(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<Response> {
    Ok(Json(s.herder.connector_status(&c).await?).into_response())
}

async fn tasks(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<Response> {
    Ok(Json(s.herder.task_infos(&c).await?).into_response())
}

async fn task_status(
    State(s): State<AppState>,
    PathParams((c, t)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let t = task_number(&t)?;
    Ok(Json(s.herder.task_status(&c, t).await?).into_response())
}

async fn restart_task(
    State(s): State<AppState>,
    PathParams((c, t)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let t = task_number(&t)?;
    s.herder.restart_task(&c, t).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /connectors/{c}/restart?includeTasks=&onlyFailed=`: 204 for a plain restart,
/// otherwise 202 with the status showing what will restart.
async fn restart(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
    q: QueryPairs,
) -> ApiResult<Response> {
    let include_tasks = q.flag("includeTasks", false);
    let only_failed = q.flag("onlyFailed", false);
    match s
        .herder
        .restart_connector(&c, include_tasks, only_failed)
        .await?
    {
        None => Ok(StatusCode::NO_CONTENT.into_response()),
        Some(state) => Ok((StatusCode::ACCEPTED, Json(state)).into_response()),
    }
}

async fn pause(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<StatusCode> {
    s.herder.pause_connector(&c).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn resume(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<StatusCode> {
    s.herder.resume_connector(&c).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn stop(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<StatusCode> {
    s.herder.stop_connector(&c).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn offsets(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<Response> {
    Ok(Json(s.herder.connector_offsets(&c).await?).into_response())
}

/// `PATCH /connectors/{c}/offsets`: the body must hold a non-empty `offsets` list.
async fn alter_offsets(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let list = match b.as_ref().and_then(|v| v.get("offsets")) {
        None | Some(Value::Null) => return Err(ApiError::bad_request(NO_OFFSETS_MESSAGE)),
        Some(v) => v.clone(),
    };
    let offsets: ConnectorOffsets = serde_json::from_value(json!({ "offsets": list }))
        .map_err(|e| ApiError::bad_request(format!("Invalid offsets in request body: {e}")))?;
    if offsets.offsets.is_empty() {
        return Err(ApiError::bad_request(NO_OFFSETS_MESSAGE));
    }
    let message = s.herder.alter_offsets(&c, offsets).await?;
    Ok(Json(json!({ "message": message })).into_response())
}

async fn reset_offsets(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<Response> {
    let message = s.herder.reset_offsets(&c).await?;
    Ok(Json(json!({ "message": message })).into_response())
}

/// `GET /connectors/{c}/topics`: `{"c": {"topics": [...]}}`.
async fn topics(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<Response> {
    let topics = s.herder.active_topics(&c).await?;
    let mut out = Map::new();
    out.insert(c, json!({ "topics": topics }));
    Ok(Json(Value::Object(out)).into_response())
}

async fn reset_topics(
    State(s): State<AppState>,
    PathParams(c): PathParams<String>,
) -> ApiResult<StatusCode> {
    s.herder.reset_active_topics(&c).await?;
    Ok(StatusCode::ACCEPTED)
}
