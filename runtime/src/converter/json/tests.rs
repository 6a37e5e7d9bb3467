//! JsonConverter behaviour, checked byte-for-byte against the JVM worker's output.

use std::sync::Arc;

use super::*;
use crate::converter::HeaderConverter;
use crate::data::{schemas, Decimal, LogicalType, SchemaBuilder, SchemaType, Struct};

fn conv(pairs: &[(&str, &str)]) -> JsonConverter {
    let settings: ConfigMap = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    JsonConverter::from_settings(&settings).unwrap()
}

fn with_schemas() -> JsonConverter {
    conv(&[])
}

fn schemaless() -> JsonConverter {
    conv(&[("schemas.enable", "false")])
}

fn to_json(c: &JsonConverter, schema: Option<&SchemaRef>, value: &Value) -> String {
    let bytes = c
        .from_connect_data("t", schema, value)
        .unwrap()
        .expect("not a tombstone");
    String::from_utf8(bytes).unwrap()
}

fn from_json(c: &JsonConverter, text: &str) -> (Option<SchemaRef>, Value) {
    c.to_connect_data("t", Some(text.as_bytes())).unwrap()
}

fn ser_err(c: &JsonConverter, schema: Option<&SchemaRef>, value: &Value) -> String {
    c.from_connect_data("t", schema, value)
        .unwrap_err()
        .message()
        .to_string()
}

fn de_err(c: &JsonConverter, text: &str) -> String {
    c.to_connect_data("t", Some(text.as_bytes()))
        .unwrap_err()
        .message()
        .to_string()
}

fn reference_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("com.example.Rec")
        .version(3)
        .field("id", schemas::int32())
        .field("name", schemas::optional_string())
        .field(
            "tags",
            SchemaBuilder::array(schemas::string())
                .optional()
                .build_ref(),
        )
        .field(
            "counts",
            SchemaBuilder::map(schemas::string(), schemas::int64()).build_ref(),
        )
        .field(
            "price",
            LogicalType::Decimal { scale: 2 }.builder().build_ref(),
        )
        .field("day", LogicalType::Date.builder().build_ref())
        .field("tod", LogicalType::Time.builder().build_ref())
        .field("ts", LogicalType::Timestamp.builder().build_ref())
        .build_ref()
}

fn reference_value(schema: &SchemaRef) -> Value {
    Value::Struct(
        Struct::from_values(
            schema.clone(),
            vec![
                Value::Int32(1),
                Value::Null,
                Value::Array(vec!["a".into()]),
                Value::Map(vec![("x".into(), Value::Int64(5))]),
                Value::Decimal(Decimal::new(1234, 2)),
                Value::Int32(19737),
                Value::Int32(3_600_000),
                Value::Int64(1_705_312_800_000),
            ],
        )
        .unwrap(),
    )
}

const REFERENCE_JSON: &str = concat!(
    r#"{"schema":{"type":"struct","fields":["#,
    r#"{"type":"int32","optional":false,"field":"id"},"#,
    r#"{"type":"string","optional":true,"field":"name"},"#,
    r#"{"type":"array","items":{"type":"string","optional":false},"optional":true,"field":"tags"},"#,
    r#"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":false},"optional":false,"field":"counts"},"#,
    r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"price"},"#,
    r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"day"},"#,
    r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"tod"},"#,
    r#"{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"}],"#,
    r#""optional":false,"name":"com.example.Rec","version":3},"#,
    r#""payload":{"id":1,"name":null,"tags":["a"],"counts":{"x":5},"price":"BNI=","day":19737,"tod":3600000,"ts":1705312800000}}"#
);

#[test]
fn reference_struct_example_is_byte_identical() {
    let schema = reference_schema();
    let value = reference_value(&schema);
    assert_eq!(
        to_json(&with_schemas(), Some(&schema), &value),
        REFERENCE_JSON
    );
}

#[test]
fn writing_into_a_reused_buffer_matches_the_fresh_bytes() {
    let schema = reference_schema();
    let value = reference_value(&schema);
    let c = with_schemas();
    let mut out = Vec::new();
    for _ in 0..3 {
        out.clear();
        assert!(c
            .from_connect_data_into("t", Some(&schema), &value, &mut out)
            .unwrap());
        assert_eq!(std::str::from_utf8(&out).unwrap(), REFERENCE_JSON);
    }
    out.clear();
    assert!(!c
        .from_connect_data_into("t", None, &Value::Null, &mut out)
        .unwrap());
    assert!(out.is_empty(), "a tombstone appends nothing");
}

#[test]
fn memoized_struct_field_keys_write_the_same_bytes_as_the_first_record() {
    let inner = SchemaBuilder::struct_()
        .field("x", schemas::int32())
        .build_ref();
    let schema = SchemaBuilder::struct_()
        .field("plain", schemas::string())
        .field("quo\"te\\d\n", schemas::optional_int64())
        .field("nested", inner.clone())
        .build_ref();
    let value = Value::Struct(
        Struct::from_values(
            schema.clone(),
            vec![
                Value::from("v"),
                Value::Null,
                Value::Struct(Struct::from_values(inner, vec![Value::Int32(7)]).unwrap()),
            ],
        )
        .unwrap(),
    );
    let payload = r#"{"plain":"v","quo\"te\\d\n":null,"nested":{"x":7}}"#;
    for (c, enveloped) in [(with_schemas(), true), (schemaless(), false)] {
        // The first write memoizes the schema; later ones copy the keys from the memo.
        let writes: Vec<String> = (0..3).map(|_| to_json(&c, Some(&schema), &value)).collect();
        assert!(writes.iter().all(|w| w == &writes[0]), "{writes:?}");
        if enveloped {
            assert!(
                writes[0].ends_with(&format!(",\"payload\":{payload}}}")),
                "{}",
                writes[0]
            );
        } else {
            assert_eq!(writes[0], payload);
        }
    }
    // A struct written under a schema that is not its own still fails as in Kafka, on the
    // first write (memo miss) and on the next (memo hit).
    let other = SchemaBuilder::struct_()
        .field("y", schemas::int32())
        .build_ref();
    let c = with_schemas();
    let wrong = Value::Struct(
        Struct::from_values(
            schema.clone(),
            vec![Value::from("v"), Value::Null, Value::Null],
        )
        .unwrap(),
    );
    for _ in 0..2 {
        assert!(ser_err(&c, Some(&other), &wrong).contains("Mismatching schema"));
    }
}

#[test]
fn reference_struct_example_round_trips() {
    let c = with_schemas();
    let (schema, value) = from_json(&c, REFERENCE_JSON);
    let schema = schema.unwrap();
    assert_eq!(*schema, *reference_schema());
    assert_eq!(value, reference_value(&schema));
    // Same text again → the cached schema instance.
    let (again, _) = from_json(&c, REFERENCE_JSON);
    assert!(Arc::ptr_eq(&schema, &again.unwrap()));
    assert_eq!(c.cached_schemas(), 1);
}

#[test]
fn reference_payload_without_envelope() {
    let schema = reference_schema();
    let value = reference_value(&schema);
    assert_eq!(
        to_json(&schemaless(), Some(&schema), &value),
        r#"{"id":1,"name":null,"tags":["a"],"counts":{"x":5},"price":"BNI=","day":19737,"tod":3600000,"ts":1705312800000}"#
    );
}

#[test]
fn decimal_formats() {
    let schema = LogicalType::Decimal { scale: 2 }.builder().build_ref();
    let v = Value::Decimal(Decimal::new(156, 2));
    let base64 = with_schemas();
    let numeric = conv(&[("decimal.format", "numeric")]);
    let json = to_json(&base64, Some(&schema), &v);
    assert_eq!(
        json,
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}"#
    );
    let json = to_json(&numeric, Some(&schema), &v);
    assert!(json.ends_with(r#""payload":1.56}"#), "{json}");
    // Either form is read regardless of the setting.
    assert_eq!(from_json(&numeric, &json.replace("1.56", "\"AJw=\"")).1, v);
    assert_eq!(from_json(&base64, &json).1, v);
    // Negative and tiny values.
    let no_env = conv(&[("schemas.enable", "false"), ("decimal.format", "NUMERIC")]);
    let s9 = LogicalType::Decimal { scale: 9 }.builder().build_ref();
    let tiny = Value::Decimal(Decimal::new(-123, 9));
    assert_eq!(to_json(&no_env, Some(&s9), &tiny), "-1.23E-7");
    let b64 = conv(&[("schemas.enable", "false")]);
    assert_eq!(to_json(&b64, Some(&s9), &tiny), "\"hQ==\"");
}

#[test]
fn numeric_decimals_are_read_exactly() {
    let c = with_schemas();
    let text = r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"9"}},"payload":12345678901234567890.123456789}"#;
    let (_, v) = from_json(&c, text);
    assert_eq!(
        v,
        Value::Decimal(Decimal::new(12_345_678_901_234_567_890_123_456_789, 9))
    );
    // Fewer digits than the scale are brought up to it.
    let text = text.replace("12345678901234567890.123456789", "12.5");
    assert_eq!(
        from_json(&c, &text).1,
        Value::Decimal(Decimal::new(12_500_000_000, 9))
    );
    let c2 = conv(&[("decimal.format", "NUMERIC")]);
    let schema = LogicalType::Decimal { scale: 9 }.builder().build_ref();
    let big = Value::Decimal(Decimal::new(12_345_678_901_234_567_890_123_456_789, 9));
    let json = to_json(&c2, Some(&schema), &big);
    assert!(json.ends_with(r#""payload":12345678901234567890.123456789}"#));
    assert_eq!(from_json(&c2, &json).1, big);
}

#[test]
fn every_primitive_round_trips_with_and_without_envelope() {
    let cases: Vec<(SchemaRef, Value, &str)> = vec![
        (schemas::boolean(), Value::Boolean(true), "true"),
        (schemas::int8(), Value::Int8(-8), "-8"),
        (schemas::int16(), Value::Int16(300), "300"),
        (schemas::int32(), Value::Int32(i32::MIN), "-2147483648"),
        (
            schemas::int64(),
            Value::Int64(i64::MAX),
            "9223372036854775807",
        ),
        (schemas::float32(), Value::Float32(1.1), "1.1"),
        (schemas::float32(), Value::Float32(32.0), "32.0"),
        (schemas::float64(), Value::Float64(1e10), "1.0E10"),
        (schemas::float64(), Value::Float64(1e-4), "1.0E-4"),
        (schemas::float64(), Value::Float64(0.001), "0.001"),
        (schemas::float64(), Value::Float64(f64::NAN), "\"NaN\""),
        (schemas::string(), "hé \"q\"\n".into(), r#""hé \"q\"\n""#),
        (schemas::bytes(), Value::Bytes(vec![0xfe, 0xdc]), "\"/tw=\""),
        (
            LogicalType::Date.builder().build_ref(),
            Value::Int32(-1),
            "-1",
        ),
        (
            LogicalType::Time.builder().build_ref(),
            Value::Int32(0),
            "0",
        ),
        (
            LogicalType::Timestamp.builder().build_ref(),
            Value::Int64(-5),
            "-5",
        ),
        (
            SchemaBuilder::array(schemas::optional_int32()).build_ref(),
            Value::Array(vec![Value::Int32(1), Value::Null]),
            "[1,null]",
        ),
        (
            SchemaBuilder::map(schemas::int32(), schemas::string()).build_ref(),
            Value::Map(vec![
                (Value::Int32(1), "a".into()),
                (Value::Int32(2), "b".into()),
            ]),
            r#"[[1,"a"],[2,"b"]]"#,
        ),
        (
            SchemaBuilder::map(
                SchemaBuilder::struct_()
                    .field("k", schemas::int8())
                    .build_ref(),
                schemas::boolean(),
            )
            .build_ref(),
            Value::Null,
            "",
        ),
    ];
    let env = with_schemas();
    let plain = schemaless();
    for (schema, value, payload) in cases {
        if value.is_null() {
            continue;
        }
        assert_eq!(to_json(&plain, Some(&schema), &value), payload);
        let json = to_json(&env, Some(&schema), &value);
        assert!(
            json.ends_with(&format!(",\"payload\":{payload}}}")),
            "{json}"
        );
        let (s, v) = from_json(&env, &json);
        assert_eq!(s.as_deref(), Some(schema.as_ref()));
        match (&v, &value) {
            (Value::Float64(a), Value::Float64(b)) if b.is_nan() => assert!(a.is_nan()),
            _ => assert_eq!(v, value, "{json}"),
        }
    }
}

#[test]
fn struct_keyed_map_round_trips_as_pairs() {
    let key = SchemaBuilder::struct_()
        .field("k", schemas::int8())
        .build_ref();
    let schema = SchemaBuilder::map(key.clone(), schemas::boolean()).build_ref();
    let k = Value::Struct(Struct::from_values(key, vec![Value::Int8(7)]).unwrap());
    let value = Value::Map(vec![(k, Value::Boolean(false))]);
    let c = with_schemas();
    let json = to_json(&c, Some(&schema), &value);
    assert!(json.ends_with(r#""payload":[[{"k":7},false]]}"#), "{json}");
    let (s, v) = from_json(&c, &json);
    assert_eq!(s.as_deref(), Some(schema.as_ref()));
    // The parsed key struct carries the parsed key schema, equal to the original.
    assert_eq!(v, value);
}

#[test]
fn schemaless_values() {
    let c = schemaless();
    let value = Value::Map(vec![
        ("a".into(), Value::Int64(1)),
        ("b".into(), Value::Float64(1.5)),
        (
            "c".into(),
            Value::Array(vec![Value::Boolean(true), Value::Null]),
        ),
        (
            "d".into(),
            Value::Map(vec![("e".into(), Value::String("f".into()))]),
        ),
    ]);
    let json = to_json(&c, None, &value);
    assert_eq!(json, r#"{"a":1,"b":1.5,"c":[true,null],"d":{"e":"f"}}"#);
    assert_eq!(from_json(&c, &json), (None, value.clone()));
    // With the envelope the schema is null.
    let env = with_schemas();
    let json = to_json(&env, None, &value);
    assert_eq!(
        json,
        r#"{"schema":null,"payload":{"a":1,"b":1.5,"c":[true,null],"d":{"e":"f"}}}"#
    );
    assert_eq!(from_json(&env, &json), (None, value));
    // Inference: ints → int64, other numbers → float64 (exponents too).
    assert_eq!(
        from_json(&c, "[1, 1.0, 1e3, -0, 9223372036854775807]").1,
        Value::Array(vec![
            Value::Int64(1),
            Value::Float64(1.0),
            Value::Float64(1000.0),
            Value::Int64(0),
            Value::Int64(i64::MAX),
        ])
    );
    assert_eq!(from_json(&c, "\"s\"").1, Value::String("s".into()));
    assert_eq!(from_json(&c, "null").1, Value::Null);
    assert_eq!(from_json(&c, "  ").1, Value::Null);
    // Non-string keys are written as pairs; other schemaless types as their JSON type.
    let pairs = Value::Map(vec![(Value::Int32(1), Value::Int16(2))]);
    assert_eq!(to_json(&c, None, &pairs), "[[1,2]]");
    assert_eq!(to_json(&c, None, &Value::Bytes(b"hi".to_vec())), "\"aGk=\"");
    assert_eq!(to_json(&c, None, &Value::Float32(2.5)), "2.5");
}

#[test]
fn tombstones_and_nulls() {
    for c in [with_schemas(), schemaless()] {
        assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
        assert_eq!(c.to_connect_data("t", None).unwrap(), (None, Value::Null));
        assert_eq!(
            c.to_connect_data("t", Some(b"")).unwrap(),
            (None, Value::Null)
        );
    }
    // A null with an optional schema is JSON null, not a tombstone.
    let env = with_schemas();
    assert_eq!(
        to_json(&env, Some(&schemas::optional_int32()), &Value::Null),
        r#"{"schema":{"type":"int32","optional":true},"payload":null}"#
    );
    assert_eq!(
        to_json(
            &schemaless(),
            Some(&schemas::optional_int32()),
            &Value::Null
        ),
        "null"
    );
    let (s, v) = from_json(
        &env,
        r#"{"schema":{"type":"int32","optional":true},"payload":null}"#,
    );
    assert_eq!(s.as_deref(), Some(schemas::optional_int32().as_ref()));
    assert_eq!(v, Value::Null);
}

#[test]
fn defaults_and_optional_handling() {
    let with_default = SchemaBuilder::new(SchemaType::Int32)
        .optional()
        .default_value(Value::Int32(42))
        .build_ref();
    let env = with_schemas();
    let json = to_json(&env, Some(&with_default), &Value::Null);
    assert_eq!(
        json,
        r#"{"schema":{"type":"int32","optional":true,"default":42},"payload":42}"#
    );
    let keep_null = conv(&[("replace.null.with.default", "false")]);
    assert_eq!(
        to_json(&keep_null, Some(&with_default), &Value::Null),
        r#"{"schema":{"type":"int32","optional":true,"default":42},"payload":null}"#
    );
    // Reading: null payload and absent struct fields take the default when replacing.
    let text = r#"{"schema":{"type":"int32","optional":true,"default":42},"payload":null}"#;
    assert_eq!(from_json(&env, text).1, Value::Int32(42));
    assert_eq!(from_json(&keep_null, text).1, Value::Null);
    let text = r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"default":"x","field":"a"},{"type":"int8","optional":true,"field":"b"}],"optional":false},"payload":{}}"#;
    let (_, v) = from_json(&env, text);
    let s = v.as_struct().unwrap();
    assert_eq!(s.values(), &[Value::String("x".into()), Value::Null]);
    // Required without default.
    assert_eq!(
        ser_err(&env, Some(&schemas::int32()), &Value::Null),
        "Conversion error: null value for field that is required and has no default value"
    );
    assert_eq!(
        de_err(
            &env,
            r#"{"schema":{"type":"int32","optional":false},"payload":null}"#
        ),
        "Invalid null value for required INT32 field"
    );
    assert_eq!(
        de_err(
            &keep_null,
            r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"default":"x","field":"a"}],"optional":false},"payload":{}}"#
        ),
        "Invalid null value for required STRING field"
    );
}

#[test]
fn schema_metadata_is_written_in_order() {
    let schema = SchemaBuilder::new(SchemaType::String)
        .optional()
        .name("n")
        .version(2)
        .doc("d \"q\"")
        .parameter("b", "2")
        .parameter("a", "1")
        .default_value("dflt".into())
        .build_ref();
    let c = with_schemas();
    let json = to_json(&c, Some(&schema), &"v".into());
    assert_eq!(
        json,
        r#"{"schema":{"type":"string","optional":true,"name":"n","version":2,"doc":"d \"q\"","parameters":{"a":"1","b":"2"},"default":"dflt"},"payload":"v"}"#
    );
    assert_eq!(from_json(&c, &json).0.as_deref(), Some(schema.as_ref()));
    assert_eq!(
        c.schema_to_json(&schema).unwrap(),
        r#"{"type":"string","optional":true,"name":"n","version":2,"doc":"d \"q\"","parameters":{"a":"1","b":"2"},"default":"dflt"}"#
    );
}

#[test]
fn envelope_errors() {
    let c = with_schemas();
    for bad in [
        r#"{"payload":1}"#,
        r#"{"schema":null}"#,
        r#"{"schema":null,"payload":1,"extra":2}"#,
        r#"[1]"#,
        r#"42"#,
        r#"   "#,
    ] {
        assert_eq!(de_err(&c, bad), ENVELOPE_ERROR, "{bad}");
    }
    // Payload before schema is fine.
    assert_eq!(
        from_json(
            &c,
            r#"{"payload":7,"schema":{"type":"int64","optional":false}}"#
        )
        .1,
        Value::Int64(7)
    );
    let e = de_err(&c, r#"{"schema":null,"payload":[1,}"#);
    assert!(
        e.starts_with(
            "Converting byte[] to Kafka Connect data failed due to serialization error: "
        ),
        "{e}"
    );
}

#[test]
fn schema_parse_errors() {
    let c = with_schemas();
    let cases = [
        (r#"{"optional":false}"#, "Schema must contain 'type' field"),
        (r#"{"type":"foo"}"#, "Unknown schema type: foo"),
        (
            r#"{"type":"array"}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"array","items":null}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"map","values":{"type":"int8"}}"#,
            "Map schema did not specify the key type",
        ),
        (
            r#"{"type":"map","keys":{"type":"int8"}}"#,
            "Map schema did not specify the value type",
        ),
        (
            r#"{"type":"struct","fields":{}}"#,
            "Struct schema's \"fields\" argument is not an array.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8"}]}"#,
            "Struct schema's field name not specified properly",
        ),
        (
            r#"{"type":"string","parameters":{"a":1}}"#,
            "Schema parameters must have string values.",
        ),
    ];
    for (schema, msg) in cases {
        let text = format!(r#"{{"schema":{schema},"payload":null}}"#);
        assert_eq!(de_err(&c, &text), msg, "{schema}");
    }
    assert_eq!(c.cached_schemas(), 0);
}

fn payload_err(schema: &str, payload: &str) -> String {
    de_err(
        &with_schemas(),
        &format!(r#"{{"schema":{schema},"payload":{payload}}}"#),
    )
}

#[test]
fn payload_errors() {
    let dec = r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}"#;
    assert_eq!(
        payload_err(dec, "true"),
        "Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN"
    );
    assert_eq!(
        payload_err(dec, "\"@@\""),
        "Invalid bytes for Decimal field"
    );
    let date = r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1}"#;
    assert_eq!(
        payload_err(date, "1.5"),
        "Invalid type for Date, underlying representation should be integer but was NUMBER"
    );
    let time = r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1}"#;
    assert_eq!(
        payload_err(time, "\"x\""),
        "Invalid type for Time, underlying representation should be integer but was STRING"
    );
    let ts = r#"{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1}"#;
    assert_eq!(
        payload_err(ts, "1.0"),
        "Invalid type for Timestamp, underlying representation should be integral but was NUMBER"
    );
    let smap = r#"{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}}"#;
    assert_eq!(
        payload_err(smap, "[]"),
        "Maps with string fields should be encoded as JSON objects, but found ARRAY"
    );
    let imap = r#"{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}}"#;
    assert_eq!(
        payload_err(imap, "{}"),
        "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT"
    );
    assert_eq!(
        payload_err(imap, "[1]"),
        "Found invalid map entry instead of array tuple: NUMBER"
    );
    assert_eq!(
        payload_err(imap, "[[1,2,3]]"),
        "Found invalid map entry, expected length 2 but found :3"
    );
    let st = r#"{"type":"struct","fields":[]}"#;
    assert_eq!(
        payload_err(st, "[]"),
        "Structs should be encoded as JSON objects, but found ARRAY"
    );
    assert_eq!(
        payload_err(r#"{"type":"bytes"}"#, "\"%%\""),
        "Invalid bytes field"
    );
    // Leading zeros are accepted; fractions are truncated for integer schemas.
    assert_eq!(
        from_json(
            &with_schemas(),
            r#"{"schema":{"type":"int32"},"payload":0012}"#
        )
        .1,
        Value::Int32(12)
    );
    assert_eq!(
        from_json(
            &with_schemas(),
            r#"{"schema":{"type":"int8"},"payload":-1.9}"#
        )
        .1,
        Value::Int8(-1)
    );
}

#[test]
fn serialization_errors() {
    let c = with_schemas();
    assert_eq!(
        ser_err(&c, Some(&schemas::int32()), &"x".into()),
        "Invalid type for INT32: class java.lang.String"
    );
    assert_eq!(
        ser_err(&c, Some(&schemas::bytes()), &Value::Int8(1)),
        "Invalid type for bytes type: class java.lang.Byte"
    );
    let dec = LogicalType::Decimal { scale: 2 }.builder().build_ref();
    assert_eq!(
        ser_err(&c, Some(&dec), &Value::Decimal(Decimal::new(1, 3))),
        "BigDecimal has mismatching scale value for given Decimal schema"
    );
    assert_eq!(
        ser_err(&c, Some(&dec), &Value::Int32(1)),
        "Invalid type for Decimal, expected BigDecimal but was class java.lang.Integer"
    );
    let date = LogicalType::Date.builder().build_ref();
    assert_eq!(
        ser_err(&c, Some(&date), &Value::Int64(1)),
        "Invalid type for Date, expected Date but was class java.lang.Long"
    );
    let a = SchemaBuilder::struct_()
        .field("x", schemas::int8())
        .build_ref();
    let b = SchemaBuilder::struct_()
        .field("y", schemas::int8())
        .build_ref();
    let v = Value::Struct(Struct::from_values(a, vec![Value::Int8(1)]).unwrap());
    assert_eq!(ser_err(&c, Some(&b), &v), "Mismatching schema.");
    assert_eq!(ser_err(&c, None, &v), "Mismatching schema.");
    assert_eq!(
        ser_err(&c, None, &Value::Decimal(Decimal::new(1, 0))),
        "Java class class java.math.BigDecimal does not have corresponding schema type."
    );
}

#[test]
fn decimal_bytes_value_is_accepted_under_decimal_schema() {
    let dec = LogicalType::Decimal { scale: 2 }.builder().build_ref();
    let v = Value::Bytes(vec![0x04, 0xd2]);
    assert_eq!(to_json(&schemaless(), Some(&dec), &v), "\"BNI=\"");
    let numeric = conv(&[("schemas.enable", "false"), ("decimal.format", "NUMERIC")]);
    assert_eq!(to_json(&numeric, Some(&dec), &v), "12.34");
}

#[test]
fn unknown_fields_are_ignored_and_order_is_free() {
    let c = with_schemas();
    let text = r#"{"schema":{"type":"struct","fields":[{"type":"int8","field":"a"},{"type":"int8","field":"b"}]},"payload":{"zz":[1,{"q":2}],"b":2,"a":1}}"#;
    let (_, v) = from_json(&c, text);
    assert_eq!(
        v.as_struct().unwrap().values(),
        &[Value::Int8(1), Value::Int8(2)]
    );
}

#[test]
fn header_converter_matches_data_converter() {
    let c = with_schemas();
    let h: &dyn HeaderConverter = &c;
    let bytes = h
        .from_connect_header("t", "k", Some(&schemas::string()), &"v".into())
        .unwrap()
        .unwrap();
    assert_eq!(
        bytes,
        br#"{"schema":{"type":"string","optional":false},"payload":"v"}"#
    );
    let (s, v) = h.to_connect_header("t", "k", Some(&bytes)).unwrap();
    assert_eq!(s.as_deref(), Some(schemas::string().as_ref()));
    assert_eq!(v, Value::String("v".into()));
}

#[test]
fn write_connect_data_appends_to_a_buffer() {
    let c = schemaless();
    let mut out = b"prefix:".to_vec();
    assert!(c
        .write_connect_data(&mut out, Some(&schemas::int32()), &Value::Int32(5))
        .unwrap());
    assert_eq!(out, b"prefix:5");
    assert!(!c.write_connect_data(&mut out, None, &Value::Null).unwrap());
}

#[test]
fn schema_cache_size_zero_disables_caching() {
    let c = conv(&[("schemas.cache.size", "0")]);
    let (a, _) = from_json(&c, REFERENCE_JSON);
    let (b, _) = from_json(&c, REFERENCE_JSON);
    assert!(!Arc::ptr_eq(&a.unwrap(), &b.unwrap()));
    assert_eq!(c.cached_schemas(), 0);
}

#[test]
fn schema_memos_are_per_converter_and_exact() {
    let dec = LogicalType::Decimal { scale: 2 }
        .builder()
        .default_value(Value::Decimal(Decimal::new(150, 2)))
        .build_ref();
    let b64 = with_schemas();
    let num = conv(&[("decimal.format", "NUMERIC")]);
    let v = Value::Decimal(Decimal::new(1234, 2));
    for _ in 0..2 {
        let a = to_json(&b64, Some(&dec), &v);
        let n = to_json(&num, Some(&dec), &v);
        assert!(a.contains(r#""default":"AJY=""#), "{a}");
        assert!(n.contains(r#""default":1.50"#), "{n}");
    }
    // Alternating schemas on one thread resolve to the right one each time.
    let c = with_schemas();
    let t1 = r#"{"schema":{"type":"int32","optional":false},"payload":1}"#;
    let t2 = r#"{"schema":{"type":"int32","optional":true},"payload":2}"#;
    let t3 = r#"{"schema": {"type":"int32","optional":false} ,"payload":3}"#;
    for _ in 0..3 {
        let (s1, v1) = from_json(&c, t1);
        let (s2, v2) = from_json(&c, t2);
        let (s3, v3) = from_json(&c, t3);
        assert!(!s1.as_ref().unwrap().optional);
        assert!(s2.as_ref().unwrap().optional);
        assert!(!s3.as_ref().unwrap().optional);
        assert_eq!(
            (v1, v2, v3),
            (Value::Int32(1), Value::Int32(2), Value::Int32(3))
        );
    }
    // A schema text that is only a prefix of a longer one is not mistaken for it.
    let long = r#"{"schema":{"type":"int32","optional":false,"name":"x"},"payload":4}"#;
    let (s, _) = from_json(&c, long);
    assert_eq!(s.unwrap().name.as_deref(), Some("x"));
}
