use ferroconnect_runtime::data::{
    schemas, ConnectRecord, Header, Headers, SchemaBuilder, SchemaRef, SchemaType, Value,
};
use ferroconnect_transforms::drop_headers::DropHeaders;
use ferroconnect_transforms::header_from::HeaderFrom;
use ferroconnect_transforms::insert_header::InsertHeader;
use ferroconnect_transforms::Target;

use crate::common::*;

fn keys(r: &ConnectRecord) -> Vec<&str> {
    r.headers.iter().map(|h| h.key.as_str()).collect()
}

fn with_headers(names: &[&str]) -> ConnectRecord {
    let mut r = value_record(None, Value::from("v"));
    for n in names {
        r.headers.add(*n, Some(schemas::string()), Value::from(*n));
    }
    r
}

fn field_schema() -> SchemaRef {
    let inner = SchemaBuilder::struct_()
        .field("x", schemas::int32())
        .build_ref();
    SchemaBuilder::struct_()
        .field("field1", schemas::string())
        .field("field2", schemas::string())
        .field("nested", inner)
        .field(
            "opt",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("default".into())
                .build_ref(),
        )
        .build_ref()
}

fn struct_record() -> ConnectRecord {
    let s = field_schema();
    let inner = s.field("nested").unwrap().schema.clone();
    let v = st(
        &s,
        vec![
            ("field1", Value::from("a")),
            ("field2", Value::from("b")),
            (
                "nested",
                Value::Struct(st(&inner, vec![("x", Value::Int32(1))])),
            ),
        ],
    );
    let mut r = value_record(Some(s), Value::Struct(v));
    r.headers
        .add("header1", Some(schemas::string()), Value::from("h"));
    r
}

fn header_from(fields: &str, headers: &str, op: &str) -> HeaderFrom {
    HeaderFrom::new(
        Target::Value,
        &cfg(&[
            ("fields", fields),
            ("headers", headers),
            ("operation", op),
            ("replace.null.with.default", "false"),
        ]),
    )
    .unwrap()
}

#[test]
fn header_from_copy_appends_headers_and_keeps_fields() {
    let mut rec = struct_record();
    rec.headers.add("inserted1", None, Value::from("existing"));
    let out = apply(&header_from("field1", "inserted1", "copy"), rec.clone());
    assert_eq!(keys(&out), vec!["header1", "inserted1", "inserted1"]);
    assert_eq!(
        out.headers.0[2],
        Header {
            key: "inserted1".into(),
            schema: Some(schemas::string()),
            value: Value::from("a")
        }
    );
    assert_eq!(out.value, rec.value);
    assert_eq!(out.value_schema, rec.value_schema);
}

#[test]
fn header_from_move_removes_fields_from_schema_and_value() {
    let out = apply(&header_from("field1", "inserted1", "move"), struct_record());
    let s = out.value_schema.clone().unwrap();
    assert!(s.field("field1").is_none());
    assert_eq!(s.fields.len(), 3);
    assert_eq!(get(&out.value, "field2"), &Value::from("b"));
    assert_eq!(
        out.headers.last_with_name("inserted1").unwrap().value,
        Value::from("a")
    );
}

#[test]
fn header_from_struct_field_duplicates_and_defaults() {
    let out = apply(&header_from("nested", "n", "copy"), struct_record());
    let h = out.headers.last_with_name("n").unwrap();
    assert_eq!(h.schema.as_ref().unwrap().schema_type, SchemaType::Struct);
    let out = apply(
        &header_from("field1,field1", "inserted1,inserted2", "move"),
        struct_record(),
    );
    assert_eq!(keys(&out), vec!["header1", "inserted1", "inserted2"]);
    let out = apply(
        &header_from("field1,field2", "inserted1,inserted1", "copy"),
        struct_record(),
    );
    assert_eq!(keys(&out), vec!["header1", "inserted1", "inserted1"]);
    let out = apply(&header_from("opt", "o", "copy"), struct_record());
    assert_eq!(out.headers.last_with_name("o").unwrap().value, Value::Null);
}

#[test]
fn header_from_schemaless_and_config_errors() {
    let rec = value_record(
        None,
        map(vec![
            ("field1", Value::from("a")),
            ("field2", Value::from("b")),
        ]),
    );
    let out = apply(&header_from("field1,absent", "h1,h2", "move"), rec);
    assert_eq!(out.value, map(vec![("field2", Value::from("b"))]));
    assert_eq!(
        out.headers.last_with_name("h1").unwrap().value,
        Value::from("a")
    );
    assert_eq!(out.headers.last_with_name("h2").unwrap().value, Value::Null);
    assert!(out.headers.last_with_name("h1").unwrap().schema.is_none());
    assert_config_err(
        HeaderFrom::new(
            Target::Value,
            &cfg(&[("fields", "a,b"), ("headers", "h"), ("operation", "copy")]),
        ),
        "'fields' config must have the same number of elements as 'headers' config.",
    );
    assert_config_err(
        HeaderFrom::new(
            Target::Value,
            &cfg(&[("fields", "a"), ("headers", "h"), ("operation", "cut")]),
        ),
        "Invalid value cut for configuration operation",
    );
    let e = apply_err(
        &header_from("a", "h", "copy"),
        value_record(None, Value::Null),
    );
    assert_data_err(
        e,
        "Only Map objects supported in absence of schema for [header copy], found: null",
    );
}

#[test]
fn insert_header_appends_parsed_literals() {
    let t = InsertHeader::new(&cfg(&[
        ("header", "inserted"),
        ("value.literal", "inserted-value"),
    ]))
    .unwrap();
    let out = apply(&t, with_headers(&["existing"]));
    assert_eq!(keys(&out), vec!["existing", "inserted"]);
    assert_eq!(out.headers.0[1].value, Value::from("inserted-value"));
    assert_eq!(out.headers.0[1].schema, Some(schemas::string()));
    let t = InsertHeader::new(&cfg(&[("header", "existing"), ("value.literal", "1")])).unwrap();
    let rec = with_headers(&["existing"]);
    let out = apply(&t, rec.clone());
    assert_eq!(keys(&out), vec!["existing", "existing"]);
    assert_eq!(out.headers.0[1].value, Value::Int8(1));
    assert_eq!(out.headers.0[1].schema, Some(schemas::int8()));
    assert_eq!((out.value, out.topic), (rec.value, rec.topic));
    assert_config_err(
        InsertHeader::new(&cfg(&[("value.literal", "x")])),
        "Missing required configuration \"header\"",
    );
    assert_config_err(
        InsertHeader::new(&cfg(&[("header", "x")])),
        "Missing required configuration \"value.literal\"",
    );
}

#[test]
fn drop_headers_removes_every_duplicate() {
    let t = DropHeaders::new(&cfg(&[("headers", "to-drop")])).unwrap();
    let out = apply(&t, with_headers(&["a", "to-drop", "b", "to-drop"]));
    assert_eq!(keys(&out), vec!["a", "b"]);
    let rec = with_headers(&["a"]);
    assert_eq!(apply(&t, rec.clone()), rec);
    assert_config_err(
        DropHeaders::new(&cfg(&[("headers", "")])),
        "Invalid value  for configuration headers: Empty list",
    );
    let _ = Headers::new();
}
