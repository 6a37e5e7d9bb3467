use ferroconnect_runtime::data::{schemas, SchemaBuilder, SchemaType, Value};
use ferroconnect_runtime::ConnectError;
use ferroconnect_transforms::extract_field::ExtractField;
use ferroconnect_transforms::Target;

use crate::common::*;

fn extract(field: &str, v2: bool) -> ExtractField {
    let mut pairs = vec![("field", field)];
    if v2 {
        pairs.push(("field.syntax.version", "v2"));
    }
    ExtractField::new(Target::Key, &cfg(&pairs)).unwrap()
}

#[test]
fn schemaless_top_level_and_nested() {
    let out = apply(
        &extract("magic", false),
        key_record(None, map(vec![("magic", Value::Int32(42))])),
    );
    assert_eq!(out.key, Value::Int32(42));
    assert_eq!(out.key_schema, None);
    let nested = map(vec![("magic", map(vec![("foo", Value::Int32(42))]))]);
    let out = apply(&extract("magic.foo", true), key_record(None, nested));
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn struct_top_level_and_nested() {
    let schema = SchemaBuilder::struct_()
        .field("magic", schemas::int32())
        .build_ref();
    let out = apply(
        &extract("magic", false),
        key_record(
            Some(schema.clone()),
            Value::Struct(st(&schema, vec![("magic", Value::Int32(42))])),
        ),
    );
    assert_eq!(out.key, Value::Int32(42));
    assert_eq!(out.key_schema, Some(schemas::int32()));
    let outer = SchemaBuilder::struct_()
        .field("magic", schema.clone())
        .build_ref();
    let inner = st(&schema, vec![("magic", Value::Int32(42))]);
    let rec = key_record(
        Some(outer.clone()),
        Value::Struct(st(&outer, vec![("magic", Value::Struct(inner))])),
    );
    let out = apply(&extract("magic.magic", true), rec);
    assert_eq!(out.key, Value::Int32(42));
    assert_eq!(out.key_schema, Some(schemas::int32()));
}

#[test]
fn null_keys_yield_null_with_the_field_schema() {
    let out = apply(&extract("magic", false), key_record(None, Value::Null));
    assert_eq!(out.key, Value::Null);
    let schema = SchemaBuilder::struct_()
        .optional()
        .field("magic", schemas::int32())
        .build_ref();
    let out = apply(
        &extract("magic", false),
        key_record(Some(schema), Value::Null),
    );
    assert_eq!(out.key, Value::Null);
    assert_eq!(out.key_schema, Some(schemas::int32()));
}

#[test]
fn missing_fields_are_null_schemaless_and_errors_with_schema() {
    let v = map(vec![("magic", map(vec![("foo", Value::Int32(42))]))]);
    let out = apply(&extract("nonexistent", false), key_record(None, v.clone()));
    assert_eq!(out.key, Value::Null);
    let out = apply(&extract("magic.nonexistent", true), key_record(None, v));
    assert_eq!(out.key, Value::Null);
    let schema = SchemaBuilder::struct_()
        .field("magic", schemas::int32())
        .build_ref();
    let value = Value::Struct(st(&schema, vec![("magic", Value::Int32(42))]));
    for (path, v2) in [("nonexistent", false), ("magic.nonexistent", true)] {
        let e = apply_err(
            &extract(path, v2),
            key_record(Some(schema.clone()), value.clone()),
        );
        assert!(
            matches!(&e, ConnectError::Other(m) if *m == format!("Unknown field: {path}")),
            "{e:?}"
        );
    }
}

#[test]
fn replace_null_with_default_controls_extracted_value() {
    let schema = SchemaBuilder::struct_()
        .field(
            "magic",
            SchemaBuilder::new(SchemaType::Int32)
                .optional()
                .default_value(Value::Int32(42))
                .build_ref(),
        )
        .build_ref();
    for (replace, expected) in [("true", Value::Int32(42)), ("false", Value::Null)] {
        let t = ExtractField::new(
            Target::Key,
            &cfg(&[("field", "magic"), ("replace.null.with.default", replace)]),
        )
        .unwrap();
        let out = apply(
            &t,
            key_record(Some(schema.clone()), Value::Struct(st(&schema, vec![]))),
        );
        assert_eq!(out.key, expected);
    }
}

#[test]
fn config_errors_name_the_key() {
    assert_config_err(
        ExtractField::new(Target::Key, &cfg(&[])),
        "Missing required configuration \"field\"",
    );
    assert_config_err(
        ExtractField::new(
            Target::Key,
            &cfg(&[("field", "a"), ("field.syntax.version", "V3")]),
        ),
        "configuration field.syntax.version",
    );
    assert_config_err(
        ExtractField::new(Target::Key, &cfg(&[("field", "`a.b"), ("field.syntax.version", "V2")])),
        "Incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 to escape it",
    );
}
