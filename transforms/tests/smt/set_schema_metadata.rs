use ferroconnect_runtime::data::{schemas, SchemaBuilder, Value};
use ferroconnect_transforms::set_schema_metadata::SetSchemaMetadata;
use ferroconnect_transforms::Target;

use crate::common::*;

fn ssm(pairs: &[(&str, &str)]) -> SetSchemaMetadata {
    SetSchemaMetadata::new(Target::Value, &cfg(pairs)).unwrap()
}

#[test]
fn name_version_and_both() {
    let rec = || value_record(Some(SchemaBuilder::struct_().build_ref()), Value::Null);
    let out = apply(&ssm(&[("schema.name", "foo")]), rec());
    assert_eq!(out.value_schema.unwrap().name.as_deref(), Some("foo"));
    let out = apply(&ssm(&[("schema.version", "42")]), rec());
    assert_eq!(out.value_schema.unwrap().version, Some(42));
    let out = apply(
        &ssm(&[("schema.name", "foo"), ("schema.version", "42")]),
        rec(),
    );
    let s = out.value_schema.unwrap();
    assert_eq!((s.name.as_deref(), s.version), (Some("foo"), Some(42)));
}

#[test]
fn struct_values_follow_the_new_schema() {
    let schema = SchemaBuilder::struct_()
        .field("a", schemas::int32())
        .build_ref();
    let v = st(&schema, vec![("a", Value::Int32(1))]);
    let out = apply(
        &ssm(&[("schema.name", "foo")]),
        value_record(Some(schema), Value::Struct(v)),
    );
    let Value::Struct(s) = &out.value else {
        panic!()
    };
    assert_eq!(s.schema(), out.value_schema.as_ref().unwrap());
    assert_eq!(s.get("a").unwrap(), &Value::Int32(1));
}

#[test]
fn null_and_schemaless_and_non_struct() {
    let rec = value_record(None, Value::Null);
    assert_eq!(apply(&ssm(&[("schema.name", "foo")]), rec.clone()), rec);
    let e = apply_err(
        &ssm(&[("schema.name", "foo")]),
        value_record(None, Value::Int32(1)),
    );
    assert_data_err(e, "Schema required for [updating schema metadata]");
    let out = apply(
        &ssm(&[("schema.name", "foo")]),
        value_record(Some(schemas::int32()), Value::Int32(1)),
    );
    assert_eq!(out.value, Value::Int32(1));
    assert_eq!(out.value_schema.unwrap().name.as_deref(), Some("foo"));
}

#[test]
fn nothing_configured_is_a_config_error() {
    assert_config_err(
        SetSchemaMetadata::new(Target::Value, &cfg(&[])),
        "Neither schema name nor version configured",
    );
    assert_config_err(
        SetSchemaMetadata::new(Target::Value, &cfg(&[("schema.version", "x")])),
        "Invalid value x for configuration schema.version",
    );
}
