use ferroconnect_runtime::data::{schemas, SchemaBuilder, SchemaType, Value};
use ferroconnect_transforms::hoist_field::HoistField;
use ferroconnect_transforms::value_to_key::ValueToKey;
use ferroconnect_transforms::Target;

use crate::common::*;

#[test]
fn hoist_wraps_schemaless_and_schema_values() {
    let t = HoistField::new(Target::Key, &cfg(&[("field", "magic")])).unwrap();
    let out = apply(&t, key_record(None, Value::Int32(42)));
    assert_eq!(out.key, map(vec![("magic", Value::Int32(42))]));
    let out = apply(&t, key_record(Some(schemas::int32()), Value::Int32(42)));
    let s = out.key_schema.unwrap();
    assert_eq!(s.schema_type, SchemaType::Struct);
    assert_eq!(s.field("magic").unwrap().schema, schemas::int32());
    assert_eq!(get(&out.key, "magic"), &Value::Int32(42));
    let out = apply(&t, key_record(None, Value::Null));
    assert_eq!(out.key, map(vec![("magic", Value::Null)]));
    let e = apply_err(&t, key_record(Some(schemas::int32()), Value::Null));
    assert_data_err(e, "null used for required field");
}

#[test]
fn value_to_key_schemaless_and_struct() {
    let t = ValueToKey::new(&cfg(&[("fields", "a,b")])).unwrap();
    let v = map(vec![
        ("a", Value::Int32(1)),
        ("b", Value::Int32(2)),
        ("c", Value::Int32(3)),
    ]);
    let out = apply(&t, value_record(None, v.clone()));
    assert_eq!(
        out.key,
        map(vec![("a", Value::Int32(1)), ("b", Value::Int32(2))])
    );
    assert_eq!(out.key_schema, None);
    assert_eq!(out.value, v);
    let schema = SchemaBuilder::struct_()
        .field("a", schemas::int32())
        .field("b", schemas::int32())
        .field("c", schemas::int32())
        .build_ref();
    let value = st(
        &schema,
        vec![
            ("a", Value::Int32(1)),
            ("b", Value::Int32(2)),
            ("c", Value::Int32(3)),
        ],
    );
    let out = apply(&t, value_record(Some(schema.clone()), Value::Struct(value)));
    let ks = out.key_schema.clone().unwrap();
    assert_eq!(ks.fields.len(), 2);
    assert_eq!(ks.field("a").unwrap().schema, schemas::int32());
    assert_eq!(get(&out.key, "a"), &Value::Int32(1));
    assert_eq!(get(&out.key, "b"), &Value::Int32(2));
}

#[test]
fn value_to_key_missing_field_and_null_value_fail() {
    let t = ValueToKey::new(&cfg(&[("fields", "not_exist")])).unwrap();
    let schema = SchemaBuilder::struct_()
        .field("a", schemas::int32())
        .build_ref();
    let e = apply_err(
        &t,
        value_record(
            Some(schema.clone()),
            Value::Struct(st(&schema, vec![("a", Value::Int32(1))])),
        ),
    );
    assert_data_err(e, "Field does not exist: not_exist");
    let out = apply(&t, value_record(None, map(vec![])));
    assert_eq!(out.key, map(vec![("not_exist", Value::Null)]));
    let e = apply_err(&t, value_record(None, Value::Null));
    assert_data_err(e, "Only Map objects supported in absence of schema for [copying fields from value to key], found: null");
}

#[test]
fn value_to_key_replace_null_with_default() {
    let schema = SchemaBuilder::struct_()
        .field(
            "a",
            SchemaBuilder::new(SchemaType::Int32)
                .optional()
                .default_value(Value::Int32(42))
                .build_ref(),
        )
        .build_ref();
    for (replace, expected) in [("true", Value::Int32(42)), ("false", Value::Null)] {
        let t = ValueToKey::new(&cfg(&[
            ("fields", "a"),
            ("replace.null.with.default", replace),
        ]))
        .unwrap();
        let out = apply(
            &t,
            value_record(Some(schema.clone()), Value::Struct(st(&schema, vec![]))),
        );
        assert_eq!(get(&out.key, "a"), &expected);
    }
}
