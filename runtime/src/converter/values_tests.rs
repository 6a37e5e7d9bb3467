//! Tests of the `Values` string syntax.

use super::*;
use crate::data::{SchemaBuilder, Struct};

fn parsed(text: &str) -> (Option<SchemaType>, Value) {
    let (s, v) = parse_string(text);
    (s.map(|s| s.schema_type), v)
}

#[test]
fn scalars_infer_the_narrowest_type() {
    assert_eq!(parsed("1"), (Some(SchemaType::Int8), Value::Int8(1)));
    assert_eq!(parsed("1.0"), (Some(SchemaType::Int8), Value::Int8(1)));
    assert_eq!(parsed("300"), (Some(SchemaType::Int16), Value::Int16(300)));
    assert_eq!(
        parsed("-70000"),
        (Some(SchemaType::Int32), Value::Int32(-70000))
    );
    assert_eq!(
        parsed("9223372036854775807"),
        (Some(SchemaType::Int64), Value::Int64(i64::MAX))
    );
    assert_eq!(parsed("+5"), (Some(SchemaType::Int8), Value::Int8(5)));
    assert_eq!(parsed("1e3"), (Some(SchemaType::Int16), Value::Int16(1000)));
    assert_eq!(
        parsed("1.5"),
        (Some(SchemaType::Float32), Value::Float32(1.5))
    );
    assert_eq!(
        parsed("1e39"),
        (Some(SchemaType::Float64), Value::Float64(1e39))
    );
    let (s, v) = parse_string("92233720368547758070");
    assert_eq!(s.unwrap().name.as_deref(), Some(DECIMAL_NAME));
    assert_eq!(
        v,
        Value::Decimal(Decimal::new(92_233_720_368_547_758_070, 0))
    );
    assert_eq!(
        parsed("true"),
        (Some(SchemaType::Boolean), Value::Boolean(true))
    );
    assert_eq!(
        parsed(" false "),
        (Some(SchemaType::Boolean), Value::Boolean(false))
    );
    assert_eq!(parsed("null"), (None, Value::Null));
    assert_eq!(
        parsed(""),
        (Some(SchemaType::String), Value::String("".into()))
    );
    for s in ["hello", "true}", "1,2", "12abc", "-", "a b", "  "] {
        assert_eq!(
            parsed(s),
            (Some(SchemaType::String), Value::String(s.into())),
            "{s}"
        );
    }
}

#[test]
fn temporals() {
    let (s, v) = parse_string("2024-01-15");
    assert_eq!(s.unwrap().name.as_deref(), Some(DATE_NAME));
    assert_eq!(v, Value::Int32(19737));
    let (s, v) = parse_string("10:00:00.000Z");
    assert_eq!(s.unwrap().name.as_deref(), Some(TIME_NAME));
    assert_eq!(v, Value::Int32(36_000_000));
    let (s, v) = parse_string("2024-01-15T10:00:00.123Z");
    assert_eq!(s.unwrap().name.as_deref(), Some(TIMESTAMP_NAME));
    assert_eq!(v, Value::Int64(1_705_312_800_123));
    assert_eq!(parsed("2024-13-15").0, Some(SchemaType::String));
}

#[test]
fn arrays_and_maps() {
    let (s, v) = parse_string("[1, 300]");
    let s = s.unwrap();
    assert_eq!(s.schema_type, SchemaType::Array);
    assert_eq!(
        s.value_schema.as_ref().unwrap().schema_type,
        SchemaType::Int16
    );
    assert_eq!(v, Value::Array(vec![Value::Int16(1), Value::Int16(300)]));

    let (s, v) = parse_string("[1, 2.5]");
    assert_eq!(
        s.unwrap().value_schema.as_ref().unwrap().schema_type,
        SchemaType::Float32
    );
    assert_eq!(
        v,
        Value::Array(vec![Value::Float32(1.0), Value::Float32(2.5)])
    );

    let (s, v) = parse_string(r#"{"a":true,"b":null}"#);
    let s = s.unwrap();
    assert_eq!(
        s.key_schema.as_ref().unwrap().schema_type,
        SchemaType::String
    );
    assert!(s.value_schema.as_ref().unwrap().optional);
    assert_eq!(
        v,
        Value::Map(vec![
            ("a".into(), Value::Boolean(true)),
            ("b".into(), Value::Null)
        ])
    );

    let (s, v) = parse_string("[]");
    assert!(s.unwrap().value_schema.is_none());
    assert_eq!(v, Value::Array(vec![]));

    let (s, v) = parse_string(r#"[[1,2],{"k":"10:00:00.000Z"}, 12:00:00.000Z]"#);
    assert!(s.unwrap().value_schema.is_none(), "mixed element types");
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Array(vec![Value::Int8(1), Value::Int8(2)]),
            Value::Map(vec![("k".into(), Value::Int32(36_000_000))]),
            Value::Int32(43_200_000),
        ])
    );

    // Unquoted words are not values: the whole text stays a string.
    for s in ["[a,b]", "{a:1}", "[1,", "[1 2]", "{\"a\"}", "[1],"] {
        assert_eq!(
            parsed(s),
            (Some(SchemaType::String), Value::String(s.into())),
            "{s}"
        );
    }
}

#[test]
fn convert_to_string_forms() {
    let c = |s: Option<&Schema>, v: Value| convert_to_string(s, &v).unwrap();
    assert_eq!(convert_to_string(None, &Value::Null), None);
    assert_eq!(c(None, Value::Int8(1)), "1");
    assert_eq!(c(None, Value::Float64(1e10)), "1.0E10");
    assert_eq!(c(None, Value::Float32(1.5)), "1.5");
    assert_eq!(c(None, Value::Boolean(true)), "true");
    assert_eq!(c(None, "plain \"q\"".into()), "plain \"q\"");
    assert_eq!(c(None, Value::Bytes(vec![1, 2])), "AQI=");
    assert_eq!(c(None, Value::Decimal(Decimal::new(1982, 0))), "1982");
    assert_eq!(
        c(
            None,
            Value::Array(vec!["a\"b\\".into(), Value::Null, Value::Bytes(vec![1])])
        ),
        r#"["a\"b\\",null,"AQ=="]"#
    );
    assert_eq!(
        c(None, Value::Map(vec![("k".into(), Value::Int32(1))])),
        r#"{"k":1}"#
    );
    let date = LogicalType::Date.builder().build();
    assert_eq!(c(Some(&date), Value::Int32(19737)), "2024-01-15");
    let ts = LogicalType::Timestamp.builder().build();
    assert_eq!(
        c(Some(&ts), Value::Int64(1_705_312_800_123)),
        "2024-01-15T10:00:00.123Z"
    );
    let time = LogicalType::Time.builder().build();
    assert_eq!(c(Some(&time), Value::Int32(3_600_000)), "01:00:00.000Z");
    let dec = LogicalType::Decimal { scale: 2 }.builder().build();
    assert_eq!(c(Some(&dec), Value::Bytes(vec![0x04, 0xd2])), "12.34");

    let schema = SchemaBuilder::struct_()
        .field("a", crate::data::schemas::int32())
        .field(
            "b",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("d".into())
                .build_ref(),
        )
        .build_ref();
    let s = Struct::from_values(schema, vec![Value::Int32(1), Value::Null]).unwrap();
    assert_eq!(c(None, Value::Struct(s)), r#"{"a":1,"b":"d"}"#);
}

#[test]
fn strings_round_trip_through_text() {
    for v in [
        Value::Int8(5),
        Value::Int16(-300),
        Value::Boolean(false),
        Value::Float32(2.5),
        Value::Array(vec![Value::Int8(1), Value::Int8(2)]),
        Value::Map(vec![("x".into(), "y".into())]),
        Value::String("just text".into()),
    ] {
        let text = convert_to_string(None, &v).unwrap();
        assert_eq!(parse_string(&text).1, v, "{text}");
    }
}
