use ferroconnect_runtime::data::{
    schemas, Decimal, LogicalType, SchemaBuilder, SchemaRef, SchemaType, Value,
};
use ferroconnect_transforms::mask_field::MaskField;
use ferroconnect_transforms::Target;

use crate::common::*;

const ALL: &str = "bool,byte,short,int,long,float,double,string,date,bigdec,list,map,withDefault";

fn mask(fields: &str, replacement: Option<&str>) -> MaskField {
    let mut pairs = vec![("fields", fields), ("replace.null.with.default", "false")];
    if let Some(r) = replacement {
        pairs.push(("replacement", r));
    }
    MaskField::new(Target::Value, &cfg(&pairs)).unwrap()
}

fn schemaless_value() -> Value {
    map(vec![
        ("magic", Value::Int32(42)),
        ("bool", Value::Boolean(true)),
        ("byte", Value::Int8(42)),
        ("short", Value::Int16(42)),
        ("int", Value::Int32(42)),
        ("long", Value::Int64(42)),
        ("float", Value::Float32(42.0)),
        ("double", Value::Float64(42.0)),
        ("string", Value::from("55.121.20.20")),
        ("bigdec", Value::Decimal(Decimal::new(420, 1))),
        ("list", Value::Array(vec![Value::Int32(42)])),
        ("map", map(vec![("key", Value::from("value"))])),
    ])
}

fn schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .field("magic", schemas::int32())
        .field("bool", schemas::boolean())
        .field("byte", schemas::int8())
        .field("short", schemas::int16())
        .field("int", schemas::int32())
        .field("long", schemas::int64())
        .field("float", schemas::float32())
        .field("double", schemas::float64())
        .field("string", schemas::string())
        .field("date", LogicalType::Date.builder().build_ref())
        .field("time", LogicalType::Time.builder().build_ref())
        .field("timestamp", LogicalType::Timestamp.builder().build_ref())
        .field(
            "decimal",
            LogicalType::Decimal { scale: 0 }.builder().build_ref(),
        )
        .field("array", SchemaBuilder::array(schemas::int32()).build_ref())
        .field(
            "map",
            SchemaBuilder::map(schemas::string(), schemas::string()).build_ref(),
        )
        .field(
            "withDefault",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("default".into())
                .build_ref(),
        )
        .build_ref()
}

fn struct_value() -> Value {
    let s = schema();
    Value::Struct(st(
        &s,
        vec![
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(true)),
            ("byte", Value::Int8(42)),
            ("short", Value::Int16(42)),
            ("int", Value::Int32(42)),
            ("long", Value::Int64(42)),
            ("float", Value::Float32(42.0)),
            ("double", Value::Float64(42.0)),
            ("string", Value::from("hmm")),
            ("date", Value::Int32(19000)),
            ("time", Value::Int32(1234)),
            ("timestamp", Value::Int64(1_600_000_000_000)),
            ("decimal", Value::Decimal(Decimal::new(42, 0))),
            ("array", Value::Array(vec![Value::Int32(42)])),
            ("map", map(vec![("what", Value::from("what"))])),
        ],
    ))
}

#[test]
fn schemaless_fields_become_type_zero_values_and_absent_fields_null() {
    let out = apply(&mask(ALL, None), value_record(None, schemaless_value()));
    let v = &out.value;
    assert_eq!(get(v, "magic"), &Value::Int32(42));
    assert_eq!(get(v, "bool"), &Value::Boolean(false));
    assert_eq!(get(v, "byte"), &Value::Int8(0));
    assert_eq!(get(v, "short"), &Value::Int16(0));
    assert_eq!(get(v, "int"), &Value::Int32(0));
    assert_eq!(get(v, "long"), &Value::Int64(0));
    assert_eq!(get(v, "float"), &Value::Float32(0.0));
    assert_eq!(get(v, "double"), &Value::Float64(0.0));
    assert_eq!(get(v, "string"), &Value::from(""));
    assert_eq!(get(v, "bigdec"), &Value::Decimal(Decimal::new(0, 0)));
    assert_eq!(get(v, "list"), &Value::Array(vec![]));
    assert_eq!(get(v, "map"), &Value::Map(vec![]));
    // Configured but absent: added as null.
    assert_eq!(get(v, "date"), &Value::Null);
    assert_eq!(get(v, "withDefault"), &Value::Null);
}

#[test]
fn struct_fields_become_zero_values_dates_epoch_and_defaults_stay_null() {
    let t = mask("bool,byte,short,int,long,float,double,string,date,time,timestamp,decimal,array,map,withDefault", None);
    let out = apply(&t, value_record(Some(schema()), struct_value()));
    let v = &out.value;
    assert_eq!(get(v, "magic"), &Value::Int32(42));
    assert_eq!(get(v, "bool"), &Value::Boolean(false));
    assert_eq!(get(v, "byte"), &Value::Int8(0));
    assert_eq!(get(v, "int"), &Value::Int32(0));
    assert_eq!(get(v, "long"), &Value::Int64(0));
    assert_eq!(get(v, "float"), &Value::Float32(0.0));
    assert_eq!(get(v, "string"), &Value::from(""));
    assert_eq!(get(v, "date"), &Value::Int32(0));
    assert_eq!(get(v, "time"), &Value::Int32(0));
    assert_eq!(get(v, "timestamp"), &Value::Int64(0));
    assert_eq!(get(v, "decimal"), &Value::Decimal(Decimal::new(0, 0)));
    assert_eq!(get(v, "array"), &Value::Array(vec![]));
    assert_eq!(get(v, "map"), &Value::Map(vec![]));
    assert_eq!(get(v, "withDefault"), &Value::Null);
    assert_eq!(out.value_schema, Some(schema()));
}

#[test]
fn replacement_is_converted_to_each_numeric_and_string_type() {
    let value = map(vec![
        ("short", Value::Int16(42)),
        ("byte", Value::Int8(42)),
        ("int", Value::Int32(42)),
        ("long", Value::Int64(42)),
        ("string", Value::from("x")),
        ("bigdec", Value::Decimal(Decimal::new(42, 0))),
    ]);
    let out = apply(
        &mask("short,byte,int,long,string", Some("123")),
        value_record(None, value.clone()),
    );
    assert_eq!(get(&out.value, "short"), &Value::Int16(123));
    assert_eq!(get(&out.value, "byte"), &Value::Int8(123));
    assert_eq!(get(&out.value, "int"), &Value::Int32(123));
    assert_eq!(get(&out.value, "long"), &Value::Int64(123));
    assert_eq!(get(&out.value, "string"), &Value::from("123"));
    let floats = map(vec![
        ("float", Value::Float32(1.0)),
        ("double", Value::Float64(1.0)),
    ]);
    let out = apply(
        &mask("float,double", Some("123.0")),
        value_record(None, floats),
    );
    assert_eq!(get(&out.value, "float"), &Value::Float32(123.0));
    assert_eq!(get(&out.value, "double"), &Value::Float64(123.0));
    let out = apply(&mask("bigdec", Some("123.0")), value_record(None, value));
    assert_eq!(
        get(&out.value, "bigdec"),
        &Value::Decimal(Decimal::new(1230, 1))
    );
    // With a schema, Decimal fields take the replacement too.
    let out = apply(
        &mask("decimal", Some("123.0")),
        value_record(Some(schema()), struct_value()),
    );
    assert_eq!(
        get(&out.value, "decimal"),
        &Value::Decimal(Decimal::new(1230, 1))
    );
}

#[test]
fn numeric_replacement_truncates_and_wraps_like_java() {
    let v = map(vec![("byte", Value::Int8(1)), ("int", Value::Int32(1))]);
    let out = apply(&mask("byte,int", Some("300.9")), value_record(None, v));
    assert_eq!(get(&out.value, "byte"), &Value::Int8(44));
    assert_eq!(get(&out.value, "int"), &Value::Int32(300));
}

#[test]
fn replacement_on_unsupported_types_is_a_data_error() {
    let cases = vec![
        ("bool", Value::Boolean(true), "class java.lang.Boolean"),
        (
            "list",
            Value::Array(vec![Value::Int32(1)]),
            "class java.util.ArrayList",
        ),
        ("map", map(vec![]), "class java.util.HashMap"),
    ];
    for (field, v, class) in cases {
        let e = apply_err(
            &mask(field, Some("123")),
            value_record(None, map(vec![(field, v)])),
        );
        assert_data_err(
            e,
            &format!("Cannot mask value of type {class} with custom replacement."),
        );
    }
    for field in ["time", "timestamp", "date"] {
        let e = apply_err(
            &mask(field, Some("123")),
            value_record(Some(schema()), struct_value()),
        );
        assert_data_err(
            e,
            "Cannot mask value of type class java.util.Date with custom replacement.",
        );
    }
    let e = apply_err(
        &mask("array", Some("123")),
        value_record(Some(schema()), struct_value()),
    );
    assert_data_err(e, "with custom replacement");
}

#[test]
fn non_numeric_replacement_for_numbers_is_a_data_error() {
    let fields = ["byte", "short", "int", "long", "float", "double", "bigdec"];
    let v = map(vec![
        ("byte", Value::Int8(1)),
        ("short", Value::Int16(1)),
        ("int", Value::Int32(1)),
        ("long", Value::Int64(1)),
        ("float", Value::Float32(1.0)),
        ("double", Value::Float64(1.0)),
        ("bigdec", Value::Decimal(Decimal::new(1, 0))),
        ("string", Value::from("s")),
    ]);
    for f in fields {
        let e = apply_err(&mask(f, Some("foo")), value_record(None, v.clone()));
        assert_data_err(
            e,
            "Unable to convert foo (class java.lang.String) to number",
        );
    }
    let e = apply_err(&mask("string,int", Some("foo")), value_record(None, v));
    assert_data_err(e, "Unable to convert foo");
}

#[test]
fn masking_bytes_without_replacement_is_a_data_error() {
    let v = map(vec![("b", Value::Bytes(vec![1]))]);
    let e = apply_err(&mask("b", None), value_record(None, v));
    assert_data_err(e, "Cannot mask value of type: class [B");
}

#[test]
fn nulls_stay_null_and_missing_values_are_errors() {
    let v = map(vec![("a", Value::Null)]);
    let out = apply(&mask("a", Some("X")), value_record(None, v));
    assert_eq!(get(&out.value, "a"), &Value::Null);
    let e = apply_err(&mask("a", None), value_record(None, Value::Null));
    assert_data_err(
        e,
        "Only Map objects supported in absence of schema for [mask fields], found: null",
    );
    let e = apply_err(&mask("a", None), value_record(Some(schema()), Value::Null));
    assert_data_err(
        e,
        "Only Struct objects supported for [mask fields], found: null",
    );
}

#[test]
fn replace_null_with_default_true_masks_the_default() {
    let t = MaskField::new(
        Target::Value,
        &cfg(&[("fields", "withDefault"), ("replacement", "X")]),
    )
    .unwrap();
    let out = apply(&t, value_record(Some(schema()), struct_value()));
    assert_eq!(get(&out.value, "withDefault"), &Value::from("X"));
}

#[test]
fn empty_replacement_and_empty_fields_are_config_errors() {
    assert_config_err(
        MaskField::new(Target::Value, &cfg(&[("fields", "a"), ("replacement", "")])),
        "Invalid value  for configuration replacement: String must be non-empty",
    );
    assert_config_err(
        MaskField::new(Target::Value, &cfg(&[("fields", "")])),
        "configuration fields: Empty list",
    );
    assert_config_err(
        MaskField::new(Target::Value, &cfg(&[])),
        "Missing required configuration \"fields\"",
    );
}

#[test]
fn key_variant_masks_the_key() {
    let t = MaskField::new(Target::Key, &cfg(&[("fields", "int")])).unwrap();
    let out = apply(&t, key_record(None, map(vec![("int", Value::Int32(5))])));
    assert_eq!(get(&out.key, "int"), &Value::Int32(0));
}
