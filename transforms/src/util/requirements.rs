//! Type checks with Kafka's messages (`Requirements`), and the Java class names Kafka prints
//! for values.

use ferroconnect_runtime::data::value::value_class_name;
use ferroconnect_runtime::data::{LogicalType, Schema, Struct, Value};
use ferroconnect_runtime::{ConnectError, ConnectResult};

/// The Java class Kafka would hold for a value under its schema (`java.lang.Integer`,
/// `java.util.Date` for Date/Time/Timestamp, `java.math.BigDecimal` for Decimal), without the
/// `class ` prefix; `null` for null.
pub fn java_class(schema: Option<&Schema>, value: &Value) -> &'static str {
    if !value.is_null() {
        match schema.and_then(Schema::logical) {
            Some(LogicalType::Date | LogicalType::Time | LogicalType::Timestamp) => {
                return "java.util.Date"
            }
            Some(LogicalType::Decimal { .. }) => return "java.math.BigDecimal",
            None => {}
        }
    }
    let name = value_class_name(value);
    name.strip_prefix("class ").unwrap_or(name)
}

/// `value.getClass().toString()`: `class java.lang.Integer`.
pub fn java_class_display(schema: Option<&Schema>, value: &Value) -> String {
    format!("class {}", java_class(schema, value))
}

/// The entries of a schemaless map value, or Kafka's `requireMap` error.
pub fn require_map(value: Value, purpose: &str) -> ConnectResult<Vec<(Value, Value)>> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(ConnectError::data(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            java_class(None, &other)
        ))),
    }
}

/// A reference to the entries of a schemaless map value, or Kafka's `requireMap` error.
pub fn require_map_ref<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a [(Value, Value)]> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(ConnectError::data(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            java_class(None, other)
        ))),
    }
}

/// A struct value, or Kafka's `requireStruct` error.
pub fn require_struct(value: Value, purpose: &str) -> ConnectResult<Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(ConnectError::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            java_class(None, &other)
        ))),
    }
}

/// A reference to a struct value, or Kafka's `requireStruct` error.
pub fn require_struct_ref<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(ConnectError::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            java_class(None, other)
        ))),
    }
}

/// Kafka's `requireSchema` error.
pub fn schema_required(purpose: &str) -> ConnectError {
    ConnectError::data(format!("Schema required for [{purpose}]"))
}

/// Looks up a string key in schemaless map entries.
pub fn map_get<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// Puts a string key into schemaless map entries, replacing an existing entry in place.
pub fn map_put(entries: &mut Vec<(Value, Value)>, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
        Some(slot) => slot.1 = value,
        None => entries.push((Value::String(key.to_string()), value)),
    }
}
