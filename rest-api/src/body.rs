//! Reading request bodies: connector config maps (JSON strings, numbers and booleans are all
//! read as strings), PATCH maps, `CreateConnectorRequest`, and the JVM's map rendering.

use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::herder::TargetState;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// The name of the config key holding the connector name.
pub const NAME_CONFIG: &str = "name";

/// The body itself, or a 400 saying what was expected.
pub fn require(body: Option<Value>, expected: &str) -> ApiResult<Value> {
    body.ok_or_else(|| ApiError::bad_request(format!("Request body is empty; expected {expected}")))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn as_object<'a>(v: &'a Value, what: &str) -> ApiResult<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        ApiError::bad_request(format!(
            "{what} must be a JSON object of string keys to values, got {}",
            json_kind(v)
        ))
    })
}

/// One config value as a string: strings as is, numbers and booleans in their JSON text;
/// `None` for null; nested objects and arrays are rejected naming the key.
fn scalar(key: &str, v: &Value) -> ApiResult<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) | Value::Object(_) => Err(ApiError::bad_request(format!(
            "Invalid value {v} for configuration {key}: config values must be strings, numbers or booleans, not {}",
            json_kind(v)
        ))),
    }
}

/// A flat config map (`PUT /config`, `config` of `POST /connectors`, validate): null values
/// are rejected naming the key.
pub fn config_map(v: &Value, what: &str) -> ApiResult<ConfigMap> {
    let mut out = ConfigMap::new();
    for (k, v) in as_object(v, what)? {
        let s = scalar(k, v)?.ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid value null for configuration {k}: config values must be strings, numbers or booleans"
            ))
        })?;
        out.insert(k.clone(), s);
    }
    Ok(out)
}

/// A `PATCH /config` map: null deletes the key.
pub fn patch_map(v: &Value) -> ApiResult<IndexMap<String, Option<String>>> {
    as_object(v, "The connector config patch")?
        .iter()
        .map(|(k, v)| Ok((k.clone(), scalar(k, v)?)))
        .collect()
}

/// Fills in `name` if absent; 400 if it is present and differs (the JVM's message, which
/// mentions the URL even for `POST /connectors`).
pub fn check_and_put_name(name: &str, config: &mut ConfigMap) -> ApiResult<()> {
    match config.get(NAME_CONFIG) {
        Some(given) if given != name => Err(ApiError::bad_request(format!(
            "Connector name configuration ({given}) doesn't match connector name in the URL ({name})"
        ))),
        Some(_) => Ok(()),
        None => {
            config.insert(NAME_CONFIG.to_string(), name.to_string());
            Ok(())
        }
    }
}

/// A parsed `CreateConnectorRequest`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRequest {
    /// Trimmed connector name.
    pub name: String,
    /// The config, with `name` filled in.
    pub config: ConfigMap,
    /// Requested initial state, if given.
    pub initial_state: Option<TargetState>,
}

/// Parses `initial_state` (`RUNNING`, `PAUSED`, `STOPPED`, case-insensitive).
pub fn initial_state(v: &str) -> ApiResult<TargetState> {
    match v.to_ascii_uppercase().as_str() {
        "RUNNING" => Ok(TargetState::Started),
        "PAUSED" => Ok(TargetState::Paused),
        "STOPPED" => Ok(TargetState::Stopped),
        _ => Err(ApiError::bad_request(format!(
            "Invalid initial_state '{v}': must be one of RUNNING, PAUSED, STOPPED"
        ))),
    }
}

/// Reads a `POST /connectors` body.
pub fn create_request(body: &Value) -> ApiResult<CreateRequest> {
    let obj = as_object(body, "The create connector request")?;
    let name = match obj.get("name") {
        Some(Value::String(s)) => s.trim().to_string(),
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "Missing required field \"name\" in the create connector request: expected {\"name\": \"...\", \"config\": {...}}",
            ))
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Field \"name\" of the create connector request must be a string, got {}",
                json_kind(other)
            )))
        }
    };
    let config = match obj.get("config") {
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "Missing required field \"config\" in the create connector request: expected {\"name\": \"...\", \"config\": {...}}",
            ))
        }
        Some(c) => config_map(c, "Field \"config\" of the create connector request")?,
    };
    let initial_state = match obj.get("initial_state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(initial_state(s)?),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Field \"initial_state\" of the create connector request must be a string, got {}",
                json_kind(other)
            )))
        }
    };
    let mut config = config;
    check_and_put_name(&name, &mut config)?;
    Ok(CreateRequest {
        name,
        config,
        initial_state,
    })
}

/// A map rendered like Java's `AbstractMap.toString()`: `{k1=v1, k2=v2}`.
pub fn java_map_string(map: &ConfigMap) -> String {
    let inner: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// Percent-encodes a path segment for a `Location` header (unreserved characters kept).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_become_strings() {
        let m = config_map(&json!({"a": 100, "b": true, "c": 1.5, "d": "x"}), "cfg").unwrap();
        assert_eq!(m["a"], "100");
        assert_eq!(m["b"], "true");
        assert_eq!(m["c"], "1.5");
        assert_eq!(m["d"], "x");
    }

    #[test]
    fn null_and_nested_name_the_key() {
        let e = config_map(&json!({"tasks.max": null}), "cfg").unwrap_err();
        assert!(e.message.contains("tasks.max"), "{}", e.message);
        let e = config_map(&json!({"topics": ["a"]}), "cfg").unwrap_err();
        assert!(e.message.contains("topics"), "{}", e.message);
        let p = patch_map(&json!({"gone": null, "n": 3})).unwrap();
        assert_eq!(p["gone"], None);
        assert_eq!(p["n"].as_deref(), Some("3"));
    }

    #[test]
    fn create_request_trims_and_fills_name() {
        let r = create_request(
            &json!({"name": " a ", "config": {"k": "v"}, "initial_state": "paused"}),
        )
        .unwrap();
        assert_eq!(r.name, "a");
        assert_eq!(r.config["name"], "a");
        assert_eq!(r.initial_state, Some(TargetState::Paused));
    }

    #[test]
    fn java_rendering_and_encoding() {
        let mut m = ConfigMap::new();
        m.insert("a".into(), "1".into());
        m.insert("b".into(), "2".into());
        assert_eq!(java_map_string(&m), "{a=1, b=2}");
        assert_eq!(encode_segment("my conn/x"), "my%20conn%2Fx");
    }
}
