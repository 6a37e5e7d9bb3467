//! Shared helpers for the SMT tests.

use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::data::{ConnectRecord, SchemaRef, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::ConnectError;

/// A config map from pairs.
pub fn cfg(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A record on topic `test`, partition 0, with the given value.
pub fn value_record(schema: Option<SchemaRef>, value: Value) -> ConnectRecord {
    ConnectRecord {
        topic: "test".into(),
        kafka_partition: Some(0),
        value_schema: schema,
        value,
        ..Default::default()
    }
}

/// A record on topic `test`, partition 0, with the given key.
pub fn key_record(schema: Option<SchemaRef>, key: Value) -> ConnectRecord {
    ConnectRecord {
        topic: "test".into(),
        kafka_partition: Some(0),
        key_schema: schema,
        key,
        ..Default::default()
    }
}

/// A schemaless map value.
pub fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Value::String(k.to_string()), v))
            .collect(),
    )
}

/// A field of a struct or entry of a map (panics when absent).
pub fn get<'a>(v: &'a Value, name: &str) -> &'a Value {
    match v {
        Value::Struct(s) => s.get_without_default(name).unwrap(),
        Value::Map(_) => v.map_get(name).unwrap_or_else(|| panic!("no key {name}")),
        other => panic!("not a struct or map: {other:?}"),
    }
}

/// A struct with values set by name.
pub fn st(schema: &SchemaRef, values: Vec<(&str, Value)>) -> Struct {
    let mut s = Struct::new(schema.clone());
    for (k, v) in values {
        s.put(k, v).unwrap();
    }
    s
}

/// Applies a transform that must keep the record.
pub fn apply(t: &dyn Transformation, r: ConnectRecord) -> ConnectRecord {
    t.apply(r).unwrap().expect("record dropped")
}

/// Applies a transform that must fail; returns the error.
pub fn apply_err(t: &dyn Transformation, r: ConnectRecord) -> ConnectError {
    match t.apply(r) {
        Err(e) => e,
        Ok(r) => panic!("expected an error, got {r:?}"),
    }
}

/// Asserts a config error whose message contains `needle`.
pub fn assert_config_err<T>(r: Result<T, ConnectError>, needle: &str) {
    match r {
        Err(ConnectError::Config(m)) => {
            assert!(m.contains(needle), "message {m:?} lacks {needle:?}")
        }
        Err(other) => panic!("expected a config error, got {other:?}"),
        Ok(_) => panic!("expected a config error containing {needle:?}"),
    }
}

/// Asserts a data error whose message contains `needle`.
pub fn assert_data_err(e: ConnectError, needle: &str) {
    match e {
        ConnectError::Data(d) => assert!(
            d.message().contains(needle),
            "message {:?} lacks {needle:?}",
            d.message()
        ),
        other => panic!("expected a data error, got {other:?}"),
    }
}
