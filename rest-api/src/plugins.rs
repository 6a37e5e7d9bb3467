//! `/connector-plugins`: the plugin list, a plugin's config definition and config validation.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::Value;

use crate::body;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParams, QueryPairs};
use crate::AppState;

/// The config key naming the connector class.
pub const CONNECTOR_CLASS_CONFIG: &str = "connector.class";

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connector-plugins", get(list))
        .route("/connector-plugins/{p}/config", get(config))
        .route("/connector-plugins/{p}/config/validate", put(validate))
}

/// `GET /connector-plugins?connectorsOnly=` (default true). `version` is left out when it
/// is `undefined`, as the JVM does.
async fn list(State(s): State<AppState>, q: QueryPairs) -> ApiResult<Response> {
    let connectors_only = q.flag("connectorsOnly", true);
    let plugins = s.herder.plugins(connectors_only);
    let mut out = Vec::with_capacity(plugins.len());
    for p in plugins {
        let mut v = serde_json::to_value(&p).map_err(|e| {
            ApiError::internal(format!("cannot encode plugin {}: {e}", p.class_name))
        })?;
        if let Some(obj) = v.as_object_mut() {
            if obj.get("version").and_then(Value::as_str) == Some("undefined") {
                obj.remove("version");
            }
        }
        out.push(v);
    }
    Ok(Json(out).into_response())
}

async fn config(
    State(s): State<AppState>,
    PathParams(p): PathParams<String>,
) -> ApiResult<Response> {
    Ok(Json(s.herder.plugin_config(&p)?).into_response())
}

/// A class or plugin name without a trailing `Connector` (unless that is all there is).
fn normalized(name: &str) -> &str {
    match name.strip_suffix("Connector") {
        Some(rest) if !rest.is_empty() => rest,
        _ => name,
    }
}

/// True if the config's `connector.class` is the plugin named in the path (JVM rule: strip
/// a trailing `Connector` from both, then the class must end with the plugin name).
pub fn class_matches_plugin(connector_class: &str, plugin: &str) -> bool {
    normalized(connector_class).ends_with(normalized(plugin))
}

/// `PUT /connector-plugins/{p}/config/validate`: 200 with `ConfigInfos` even when there are
/// errors; 400 if `connector.class` is missing or names another plugin.
async fn validate(
    State(s): State<AppState>,
    PathParams(p): PathParams<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let b = body::require(b, "a JSON object of connector config keys to values")?;
    let config = body::config_map(&b, "The connector configuration")?;
    let class = config.get(CONNECTOR_CLASS_CONFIG).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Connector config {} contains no connector type",
            body::java_map_string(&config)
        ))
    })?;
    if !class_matches_plugin(class, &p) {
        return Err(ApiError::bad_request(format!(
            "Included connector type {class} does not match request type {p}"
        )));
    }
    Ok(Json(s.herder.validate(Some(&p), &config).await?).into_response())
}

#[cfg(test)]
mod tests {
    use super::class_matches_plugin;

    #[test]
    fn plugin_type_match_follows_the_jvm_rule() {
        let fqcn = "org.apache.kafka.connect.file.FileStreamSinkConnector";
        assert!(class_matches_plugin(fqcn, "FileStreamSinkConnector"));
        assert!(class_matches_plugin(fqcn, "FileStreamSink"));
        assert!(class_matches_plugin(fqcn, fqcn));
        assert!(class_matches_plugin(
            "FileStreamSink",
            "FileStreamSinkConnector"
        ));
        assert!(!class_matches_plugin(fqcn, "FileStreamSource"));
    }
}
