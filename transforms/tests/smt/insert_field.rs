use std::sync::Arc;

use ferroconnect_runtime::data::{schemas, LogicalType, SchemaBuilder, SchemaType, Value};
use ferroconnect_transforms::insert_field::InsertField;
use ferroconnect_transforms::Target;

use crate::common::*;

fn config() -> ferroconnect_runtime::config::ConfigMap {
    cfg(&[
        ("topic.field", "topic_field!"),
        ("partition.field", "partition_field"),
        ("timestamp.field", "timestamp_field?"),
        ("static.field", "instance_id"),
        ("static.value", "my-instance-id"),
    ])
}

#[test]
fn struct_gets_metadata_fields_with_their_schemas_and_schema_is_cached() {
    let t = InsertField::new(Target::Value, &config()).unwrap();
    let schema = SchemaBuilder::struct_()
        .name("name")
        .version(1)
        .doc("doc")
        .field("magic", schemas::optional_int64())
        .build_ref();
    let mut rec = value_record(
        Some(schema.clone()),
        Value::Struct(st(&schema, vec![("magic", Value::Int64(42))])),
    );
    rec.timestamp = Some(789);
    let out = apply(&t, rec.clone());
    let s = out.value_schema.clone().unwrap();
    assert_eq!(s.name.as_deref(), Some("name"));
    assert_eq!(s.version, Some(1));
    assert_eq!(s.doc.as_deref(), Some("doc"));
    assert_eq!(s.field("magic").unwrap().schema, schemas::optional_int64());
    assert_eq!(s.field("topic_field").unwrap().schema, schemas::string());
    assert_eq!(
        s.field("partition_field").unwrap().schema,
        schemas::optional_int32()
    );
    assert_eq!(
        s.field("timestamp_field").unwrap().schema,
        LogicalType::Timestamp.builder().optional().build_ref()
    );
    assert_eq!(
        s.field("instance_id").unwrap().schema,
        schemas::optional_string()
    );
    let v = &out.value;
    assert_eq!(get(v, "magic"), &Value::Int64(42));
    assert_eq!(get(v, "topic_field"), &Value::from("test"));
    assert_eq!(get(v, "partition_field"), &Value::Int32(0));
    assert_eq!(get(v, "timestamp_field"), &Value::Int64(789));
    assert_eq!(get(v, "instance_id"), &Value::from("my-instance-id"));
    let again = apply(&t, rec);
    assert!(Arc::ptr_eq(&s, again.value_schema.as_ref().unwrap()));
}

#[test]
fn schemaless_map_gets_metadata_entries() {
    let t = InsertField::new(Target::Value, &config()).unwrap();
    let mut rec = value_record(None, map(vec![("magic", Value::Int64(42))]));
    rec.timestamp = Some(123);
    let out = apply(&t, rec);
    assert_eq!(
        out.value,
        map(vec![
            ("magic", Value::Int64(42)),
            ("topic_field", Value::from("test")),
            ("partition_field", Value::Int32(0)),
            ("timestamp_field", Value::Int64(123)),
            ("instance_id", Value::from("my-instance-id")),
        ])
    );
}

#[test]
fn key_variant_skips_null_timestamp() {
    let t = InsertField::new(Target::Key, &config()).unwrap();
    let out = apply(&t, key_record(None, map(vec![("magic", Value::Int64(42))])));
    assert_eq!(
        out.key,
        map(vec![
            ("magic", Value::Int64(42)),
            ("topic_field", Value::from("test")),
            ("partition_field", Value::Int32(0)),
            ("instance_id", Value::from("my-instance-id")),
        ])
    );
}

#[test]
fn tombstones_pass_unchanged_and_non_structs_fail() {
    let t = InsertField::new(Target::Value, &config()).unwrap();
    let rec = value_record(None, Value::Null);
    assert_eq!(apply(&t, rec.clone()), rec);
    let tk = InsertField::new(Target::Key, &config()).unwrap();
    let rec = key_record(None, Value::Null);
    assert_eq!(apply(&tk, rec.clone()), rec);
    let e = apply_err(&t, value_record(Some(schemas::int32()), Value::Int32(42)));
    assert_data_err(
        e,
        "Only Struct objects supported for [field insertion], found: java.lang.Integer",
    );
}

#[test]
fn offset_needs_a_sink_record() {
    let t = InsertField::new(Target::Value, &cfg(&[("offset.field", "off")])).unwrap();
    let e = apply_err(&t, value_record(None, map(vec![])));
    assert_data_err(e, "Only SinkRecord supported for [field insertion]");
}

#[test]
fn offset_of_a_sink_record_is_inserted() {
    let t = InsertField::new(Target::Value, &cfg(&[("offset.field", "off")])).unwrap();
    let mut rec = value_record(None, map(vec![("a", Value::Int32(1))]));
    rec.kafka_offset = Some(77);
    let out = apply(&t, rec);
    assert_eq!(out.value.map_get("off"), Some(&Value::Int64(77)));
    assert_eq!(out.value.map_get("a"), Some(&Value::Int32(1)));
}

#[test]
fn replace_null_with_default_controls_existing_fields() {
    let schema = SchemaBuilder::struct_()
        .field(
            "opt",
            SchemaBuilder::new(SchemaType::Int64)
                .optional()
                .default_value(Value::Int64(42))
                .build_ref(),
        )
        .build_ref();
    for (replace, expected) in [("true", Value::Int64(42)), ("false", Value::Null)] {
        let t = InsertField::new(
            Target::Value,
            &cfg(&[("topic.field", "t"), ("replace.null.with.default", replace)]),
        )
        .unwrap();
        let out = apply(
            &t,
            value_record(Some(schema.clone()), Value::Struct(st(&schema, vec![]))),
        );
        assert_eq!(get(&out.value, "opt"), &expected);
    }
}

#[test]
fn config_errors() {
    assert_config_err(
        InsertField::new(Target::Value, &cfg(&[])),
        "No field insertion configured",
    );
    assert_config_err(
        InsertField::new(Target::Value, &cfg(&[("static.field", "s")])),
        "configuration static.value: No value specified for static field: s",
    );
}
