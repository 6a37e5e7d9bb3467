use ferroconnect_runtime::data::{schemas, Decimal, LogicalType, SchemaBuilder, SchemaType, Value};
use ferroconnect_transforms::cast::Cast;
use ferroconnect_transforms::Target;

use crate::common::*;

fn cast(target: Target, spec: &str) -> Cast {
    Cast::new(target, &cfg(&[("spec", spec)])).unwrap()
}

#[test]
fn bad_specs_are_config_errors() {
    let cases = [
        ("", "Must specify at least one field to cast."),
        ("foo:faketype", "Invalid type found in casting spec: faketype"),
        ("foo:array", "Cast transformation does not support casting to ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"),
        ("array", "does not support casting to ARRAY"),
        ("foo:bytes", "does not support casting to BYTES"),
        ("foo:int8:extra", "Invalid cast mapping: foo:int8:extra"),
        ("foo:int8,int32", "may ony specify a single cast in their spec"),
    ];
    for (spec, msg) in cases {
        let r = Cast::new(Target::Value, &cfg(&[("spec", spec)]));
        assert_config_err(r, msg);
        let r = Cast::new(Target::Value, &cfg(&[("spec", spec)]));
        assert_config_err(r, "configuration spec");
    }
}

#[test]
fn whole_value_with_schema_casts_to_every_type() {
    let cases = [
        ("int8", schemas::int8(), Value::Int8(42)),
        ("int16", schemas::int16(), Value::Int16(42)),
        ("int32", schemas::int32(), Value::Int32(42)),
        ("int64", schemas::int64(), Value::Int64(42)),
        ("float32", schemas::float32(), Value::Float32(42.0)),
        ("float64", schemas::float64(), Value::Float64(42.0)),
        ("boolean", schemas::boolean(), Value::Boolean(true)),
        ("string", schemas::string(), Value::from("42")),
    ];
    for (spec, schema, expected) in cases {
        for target in [Target::Key, Target::Value] {
            let rec = match target {
                Target::Key => key_record(Some(schemas::int32()), Value::Int32(42)),
                Target::Value => value_record(Some(schemas::int32()), Value::Int32(42)),
            };
            let out = apply(&cast(target, spec), rec);
            assert_eq!(target.schema(&out), Some(&schema), "{spec}");
            assert_eq!(target.value(&out), &expected, "{spec}");
        }
    }
    let out = apply(
        &cast(Target::Value, "boolean"),
        value_record(Some(schemas::int32()), Value::Int32(0)),
    );
    assert_eq!(out.value, Value::Boolean(false));
}

#[test]
fn whole_value_decimal_and_timestamp_to_string() {
    let dec = LogicalType::Decimal { scale: 0 }.builder().build_ref();
    let out = apply(
        &cast(Target::Value, "string"),
        value_record(Some(dec), Value::Decimal(Decimal::new(42, 0))),
    );
    assert_eq!(out.value, Value::from("42"));
    let ts = LogicalType::Timestamp.builder().build_ref();
    let out = apply(
        &cast(Target::Value, "string"),
        value_record(Some(ts), Value::Int64(1_483_425_001_864)),
    );
    assert_eq!(out.value, Value::from("2017-01-03T06:30:01.864Z"));
}

#[test]
fn whole_value_schema_default_is_cast_too() {
    let schema = SchemaBuilder::new(SchemaType::Float32)
        .default_value(Value::Float32(-42.125))
        .build_ref();
    let out = apply(
        &cast(Target::Value, "int32"),
        value_record(Some(schema), Value::Float32(42.125)),
    );
    assert_eq!(out.value, Value::Int32(42));
    assert_eq!(out.value_schema.unwrap().default, Some(Value::Int32(-42)));
}

#[test]
fn whole_value_schemaless_casts_and_rejects_lists() {
    let out = apply(
        &cast(Target::Value, "int8"),
        value_record(None, Value::Int32(42)),
    );
    assert_eq!(out.value, Value::Int8(42));
    assert_eq!(out.value_schema, None);
    let out = apply(
        &cast(Target::Value, "string"),
        value_record(None, Value::Int32(42)),
    );
    assert_eq!(out.value, Value::from("42"));
    let e = apply_err(
        &cast(Target::Value, "int8"),
        value_record(None, Value::Array(vec![])),
    );
    assert_data_err(e, "Cast transformation does not support casting from ARRAY");
}

#[test]
fn logical_values_cast_to_primitives_as_encoded_numbers() {
    let schema = SchemaBuilder::struct_()
        .field("date", LogicalType::Date.builder().build_ref())
        .field("ts", LogicalType::Timestamp.builder().build_ref())
        .field("time", LogicalType::Time.builder().build_ref())
        .field(
            "dec",
            LogicalType::Decimal { scale: 0 }.builder().build_ref(),
        )
        .field("big", LogicalType::Timestamp.builder().build_ref())
        .field(
            "opt",
            LogicalType::Timestamp.builder().optional().build_ref(),
        )
        .build_ref();
    let t = cast(
        Target::Value,
        "date:int32,ts:int64,time:int64,dec:int32,big:float64,opt:int32",
    );
    let v = st(
        &schema,
        vec![
            ("date", Value::Int32(1)),
            ("ts", Value::Int64(0)),
            ("time", Value::Int32(1)),
            ("dec", Value::Decimal(Decimal::new(1i128 << 31, 0))),
            ("big", Value::Int64(i64::MAX)),
        ],
    );
    let out = apply(&t, value_record(Some(schema), Value::Struct(v)));
    assert_eq!(get(&out.value, "date"), &Value::Int32(1));
    assert_eq!(get(&out.value, "ts"), &Value::Int64(0));
    assert_eq!(get(&out.value, "time"), &Value::Int64(1));
    assert_eq!(get(&out.value, "dec"), &Value::Int32(i32::MIN));
    assert_eq!(
        get(&out.value, "big"),
        &Value::Float64(9.223372036854776E18)
    );
    assert_eq!(get(&out.value, "opt"), &Value::Null);
    let s = out.value_schema.unwrap();
    assert_eq!(s.field("opt").unwrap().schema, schemas::optional_int32());
}

const FIELD_SPEC: &str = "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string";

fn check_field_casts(v: &Value) {
    assert_eq!(get(v, "int8"), &Value::Int16(8));
    assert_eq!(get(v, "int16"), &Value::Int32(16));
    assert_eq!(get(v, "int32"), &Value::Int64(32));
    assert_eq!(get(v, "int64"), &Value::Boolean(true));
    assert_eq!(get(v, "float32"), &Value::Float64(32.0));
    assert_eq!(get(v, "float64"), &Value::Boolean(true));
    assert_eq!(get(v, "boolean"), &Value::Int8(1));
    assert_eq!(get(v, "string"), &Value::Int32(42));
    assert_eq!(get(v, "bigdecimal"), &Value::from("42"));
    assert_eq!(get(v, "date"), &Value::from("1970-01-02"));
    assert_eq!(get(v, "optional"), &Value::Null);
    assert_eq!(get(v, "bytes"), &Value::from("/ty6mHZUMhA="));
}

const BYTES: [u8; 8] = [0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10];

#[test]
fn struct_fields_cast_with_optionality_and_defaults() {
    let schema = SchemaBuilder::struct_()
        .field("int8", schemas::int8())
        .field("int16", schemas::optional_int16())
        .field(
            "int32",
            SchemaBuilder::new(SchemaType::Int32)
                .default_value(Value::Int32(2))
                .build_ref(),
        )
        .field("int64", schemas::int64())
        .field("float32", schemas::float32())
        .field(
            "float64",
            SchemaBuilder::new(SchemaType::Float64)
                .default_value(Value::Float64(-1.125))
                .build_ref(),
        )
        .field("boolean", schemas::boolean())
        .field("string", schemas::string())
        .field(
            "bigdecimal",
            LogicalType::Decimal { scale: 0 }.builder().build_ref(),
        )
        .field("date", LogicalType::Date.builder().build_ref())
        .field("optional", schemas::optional_float32())
        .field("timestamp", LogicalType::Timestamp.builder().build_ref())
        .field("bytes", schemas::bytes())
        .build_ref();
    let v = st(
        &schema,
        vec![
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(-64.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("42")),
            ("bigdecimal", Value::Decimal(Decimal::new(42, 0))),
            ("date", Value::Int32(1)),
            ("timestamp", Value::Int64(0)),
            ("bytes", Value::Bytes(BYTES.to_vec())),
        ],
    );
    let out = apply(
        &cast(Target::Value, FIELD_SPEC),
        value_record(Some(schema), Value::Struct(v)),
    );
    check_field_casts(&out.value);
    assert_eq!(get(&out.value, "timestamp"), &Value::Int64(0));
    let s = out.value_schema.unwrap();
    assert_eq!(s.field("int16").unwrap().schema, schemas::optional_int32());
    assert_eq!(
        s.field("int32").unwrap().schema.default,
        Some(Value::Int64(2))
    );
    assert_eq!(
        s.field("float64").unwrap().schema.default,
        Some(Value::Boolean(true))
    );
    assert_eq!(
        s.field("timestamp").unwrap().schema.logical(),
        Some(LogicalType::Timestamp)
    );
}

#[test]
fn schemaless_fields_cast_and_absent_fields_become_null() {
    let v = map(vec![
        ("int8", Value::Int8(8)),
        ("int16", Value::Int16(16)),
        ("int32", Value::Int32(32)),
        ("int64", Value::Int64(64)),
        ("float32", Value::Float32(32.0)),
        ("float64", Value::Float64(-64.0)),
        ("boolean", Value::Boolean(true)),
        ("string", Value::from("42")),
        ("bigdecimal", Value::Decimal(Decimal::new(42, 0))),
        ("bytes", Value::Bytes(BYTES.to_vec())),
    ]);
    let spec = FIELD_SPEC.replace(",date:string", "");
    let out = apply(&cast(Target::Value, &spec), value_record(None, v));
    let mut expected = out.value.clone();
    if let Value::Map(e) = &mut expected {
        e.push((Value::from("date"), Value::from("1970-01-02")));
    }
    check_field_casts(&expected);
    assert_eq!(out.value.map_get("optional"), Some(&Value::Null));
}

#[test]
fn string_parse_failures_and_java_number_semantics() {
    let e = apply_err(
        &cast(Target::Value, "int8"),
        value_record(None, Value::from("300")),
    );
    assert_data_err(e, "Value (300) was out of range for requested data type");
    let out = apply(
        &cast(Target::Value, "int8"),
        value_record(None, Value::Int32(300)),
    );
    assert_eq!(out.value, Value::Int8(44));
    let out = apply(
        &cast(Target::Value, "boolean"),
        value_record(None, Value::Float64(0.5)),
    );
    assert_eq!(out.value, Value::Boolean(false));
    let out = apply(
        &cast(Target::Value, "boolean"),
        value_record(None, Value::from("TRUE")),
    );
    assert_eq!(out.value, Value::Boolean(true));
    let out = apply(
        &cast(Target::Value, "float64"),
        value_record(None, Value::from(" 1.5d ")),
    );
    assert_eq!(out.value, Value::Float64(1.5));
    let out = apply(
        &cast(Target::Value, "string"),
        value_record(None, Value::Float64(1e7)),
    );
    assert_eq!(out.value, Value::from("1.0E7"));
}

#[test]
fn null_values_pass_unchanged_and_replace_null_with_default_applies() {
    let t = cast(Target::Value, "int8");
    let rec = value_record(Some(schemas::optional_int32()), Value::Null);
    assert_eq!(apply(&t, rec.clone()), rec);
    let rec = value_record(None, Value::Null);
    assert_eq!(apply(&t, rec.clone()), rec);
    let tk = cast(Target::Key, "int8");
    let rec = key_record(None, Value::Null);
    assert_eq!(apply(&tk, rec.clone()), rec);

    let schema = SchemaBuilder::struct_()
        .field(
            "f",
            SchemaBuilder::new(SchemaType::Int32)
                .optional()
                .default_value(Value::Int32(7))
                .build_ref(),
        )
        .build_ref();
    for (replace, expected) in [("true", Value::from("7")), ("false", Value::Null)] {
        let t = Cast::new(
            Target::Value,
            &cfg(&[("spec", "f:string"), ("replace.null.with.default", replace)]),
        )
        .unwrap();
        let out = apply(
            &t,
            value_record(Some(schema.clone()), Value::Struct(st(&schema, vec![]))),
        );
        assert_eq!(get(&out.value, "f"), &expected);
    }
}
