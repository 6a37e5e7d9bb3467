use ferroconnect_runtime::data::{schemas, LogicalType, SchemaBuilder, Value};
use ferroconnect_transforms::timestamp_converter::TimestampConverter;
use ferroconnect_transforms::Target;

use crate::common::*;

const DATE_PLUS_TIME: i64 = 86_401_234;
const DATE: i64 = 86_400_000;
const TIME: i64 = 1_234;
const FORMAT: &str = "yyyy MM dd HH mm ss SSS z";
const STRING: &str = "1970 01 02 00 00 01 234 UTC";

fn conv(pairs: &[(&str, &str)]) -> TimestampConverter {
    TimestampConverter::new(Target::Value, &cfg(pairs)).unwrap()
}

fn ts_schema() -> ferroconnect_runtime::data::SchemaRef {
    LogicalType::Timestamp.builder().build_ref()
}

#[test]
fn config_errors() {
    assert_config_err(
        TimestampConverter::new(Target::Value, &cfg(&[])),
        "Missing required configuration \"target.type\"",
    );
    assert_config_err(
        TimestampConverter::new(Target::Value, &cfg(&[("target.type", "invalid")])),
        "Invalid value invalid for configuration target.type",
    );
    assert_config_err(
        TimestampConverter::new(
            Target::Value,
            &cfg(&[("target.type", "unix"), ("unix.precision", "invalid")]),
        ),
        "Invalid value invalid for configuration unix.precision",
    );
    assert_config_err(
        TimestampConverter::new(Target::Value, &cfg(&[("target.type", "string")])),
        "TimestampConverter requires format option to be specified when using string timestamps",
    );
    assert_config_err(
        TimestampConverter::new(
            Target::Value,
            &cfg(&[("target.type", "string"), ("format", "bad-format")]),
        ),
        "Invalid value bad-format for configuration format",
    );
}

#[test]
fn timestamp_to_every_type() {
    let rec = || value_record(Some(ts_schema()), Value::Int64(DATE_PLUS_TIME));
    let out = apply(&conv(&[("target.type", "Timestamp")]), rec());
    assert_eq!(
        (out.value_schema, out.value),
        (Some(ts_schema()), Value::Int64(DATE_PLUS_TIME))
    );
    let out = apply(&conv(&[("target.type", "Date")]), rec());
    assert_eq!(
        out.value_schema,
        Some(LogicalType::Date.builder().build_ref())
    );
    assert_eq!(out.value, Value::Int32(1));
    let out = apply(&conv(&[("target.type", "Time")]), rec());
    assert_eq!(
        out.value_schema,
        Some(LogicalType::Time.builder().build_ref())
    );
    assert_eq!(out.value, Value::Int32(TIME as i32));
    let out = apply(&conv(&[("target.type", "unix")]), rec());
    assert_eq!(
        (out.value_schema, out.value),
        (Some(schemas::int64()), Value::Int64(DATE_PLUS_TIME))
    );
    let out = apply(
        &conv(&[("target.type", "string"), ("format", FORMAT)]),
        rec(),
    );
    assert_eq!(
        (out.value_schema, out.value),
        (Some(schemas::string()), Value::from(STRING))
    );
}

#[test]
fn every_type_to_timestamp() {
    let t = conv(&[("target.type", "Timestamp"), ("format", FORMAT)]);
    let cases = [
        (
            LogicalType::Date.builder().build_ref(),
            Value::Int32(1),
            DATE,
        ),
        (
            LogicalType::Time.builder().build_ref(),
            Value::Int32(TIME as i32),
            TIME,
        ),
        (
            schemas::int64(),
            Value::Int64(DATE_PLUS_TIME),
            DATE_PLUS_TIME,
        ),
        (schemas::string(), Value::from(STRING), DATE_PLUS_TIME),
    ];
    for (schema, v, expected) in cases {
        let out = apply(&t, value_record(Some(schema), v));
        assert_eq!(out.value_schema, Some(ts_schema()));
        assert_eq!(out.value, Value::Int64(expected));
    }
    // Schemaless: Long is unix, String is parsed.
    let out = apply(&t, value_record(None, Value::Int64(DATE_PLUS_TIME)));
    assert_eq!(
        (out.value_schema, out.value),
        (None, Value::Int64(DATE_PLUS_TIME))
    );
    let out = apply(&t, value_record(None, Value::from(STRING)));
    assert_eq!(out.value, Value::Int64(DATE_PLUS_TIME));
    let e = apply_err(&t, value_record(None, Value::Int32(1)));
    assert_data_err(
        e,
        "TimestampConverter does not support class java.lang.Integer objects as timestamps",
    );
    let e = apply_err(&t, value_record(None, Value::from("nope")));
    assert_data_err(
        e,
        &format!("Could not parse timestamp: value (nope) does not match pattern ({FORMAT})"),
    );
}

#[test]
fn field_mode_converts_only_the_field_and_keeps_nulls() {
    let schema = SchemaBuilder::struct_()
        .field("ts", ts_schema())
        .field("other", schemas::string())
        .build_ref();
    let t = conv(&[("target.type", "Date"), ("field", "ts")]);
    let v = st(
        &schema,
        vec![
            ("ts", Value::Int64(DATE_PLUS_TIME)),
            ("other", Value::from("test")),
        ],
    );
    let out = apply(&t, value_record(Some(schema), Value::Struct(v)));
    let s = out.value_schema.unwrap();
    assert_eq!(
        s.field("ts").unwrap().schema,
        LogicalType::Date.builder().build_ref()
    );
    assert_eq!(get(&out.value, "ts"), &Value::Int32(1));
    assert_eq!(get(&out.value, "other"), &Value::from("test"));

    let opt = SchemaBuilder::struct_()
        .optional()
        .field(
            "ts",
            LogicalType::Timestamp.builder().optional().build_ref(),
        )
        .build_ref();
    let out = apply(
        &t,
        value_record(Some(opt.clone()), Value::Struct(st(&opt, vec![]))),
    );
    assert_eq!(get(&out.value, "ts"), &Value::Null);
    assert!(
        out.value_schema
            .unwrap()
            .field("ts")
            .unwrap()
            .schema
            .optional
    );
    let out = apply(&t, value_record(Some(opt), Value::Null));
    assert_eq!(out.value, Value::Null);
    assert!(out.value_schema.unwrap().optional);

    let out = apply(
        &t,
        value_record(None, map(vec![("other", Value::from("x"))])),
    );
    assert_eq!(get(&out.value, "ts"), &Value::Null);
}

#[test]
fn unix_precision_in_and_out() {
    let cases = [
        ("microseconds", 86_401_234_123i64, DATE_PLUS_TIME),
        ("nanoseconds", 86_401_234_123_456, DATE_PLUS_TIME),
        ("seconds", 86_401, 86_401_000),
    ];
    for (precision, input, expected) in cases {
        let t = conv(&[("target.type", "Timestamp"), ("unix.precision", precision)]);
        let out = apply(
            &t,
            value_record(Some(schemas::int64()), Value::Int64(input)),
        );
        assert_eq!(out.value, Value::Int64(expected), "{precision}");
    }
    let t = conv(&[("target.type", "Date"), ("unix.precision", "seconds")]);
    let out = apply(
        &t,
        value_record(Some(schemas::int64()), Value::Int64(86_401)),
    );
    assert_eq!(out.value, Value::Int32(1));
    for (precision, expected) in [
        ("microseconds", 86_401_234_000i64),
        ("nanoseconds", 86_401_234_000_000),
        ("seconds", 86_401),
    ] {
        let t = conv(&[
            ("target.type", "unix"),
            ("unix.precision", precision),
            ("format", FORMAT),
        ]);
        let out = apply(
            &t,
            value_record(Some(schemas::string()), Value::from(STRING)),
        );
        assert_eq!(out.value, Value::Int64(expected), "{precision}");
    }
}
