use ferroconnect_runtime::data::{schemas, SchemaBuilder, SchemaRef, SchemaType, Value};
use ferroconnect_transforms::flatten::Flatten;
use ferroconnect_transforms::Target;

use crate::common::*;

fn leaf_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .field("int8", schemas::int8())
        .field("int16", schemas::int16())
        .field("int32", schemas::int32())
        .field("int64", schemas::int64())
        .field("float32", schemas::float32())
        .field("float64", schemas::float64())
        .field("boolean", schemas::boolean())
        .field("string", schemas::string())
        .field("bytes", schemas::bytes())
        .build_ref()
}

fn leaf_values() -> Vec<(&'static str, Value)> {
    vec![
        ("int8", Value::Int8(8)),
        ("int16", Value::Int16(16)),
        ("int32", Value::Int32(32)),
        ("int64", Value::Int64(64)),
        ("float32", Value::Float32(32.0)),
        ("float64", Value::Float64(64.0)),
        ("boolean", Value::Boolean(true)),
        ("string", Value::from("stringy")),
        ("bytes", Value::Bytes(b"bytes".to_vec())),
    ]
}

#[test]
fn nested_structs_flatten_to_dotted_fields() {
    let b = leaf_schema();
    let a = SchemaBuilder::struct_().field("B", b.clone()).build_ref();
    let top = SchemaBuilder::struct_().field("A", a.clone()).build_ref();
    let value = st(
        &top,
        vec![(
            "A",
            Value::Struct(st(&a, vec![("B", Value::Struct(st(&b, leaf_values())))])),
        )],
    );
    let t = Flatten::new(Target::Value, &cfg(&[])).unwrap();
    let out = apply(&t, value_record(Some(top), Value::Struct(value)));
    let s = out.value_schema.unwrap();
    assert_eq!(s.fields.len(), 9);
    for (name, v) in leaf_values() {
        assert_eq!(get(&out.value, &format!("A.B.{name}")), &v);
    }
}

#[test]
fn nested_maps_flatten_with_the_delimiter() {
    let m = map(vec![("A", map(vec![("B", map(leaf_values()))]))]);
    let t = Flatten::new(Target::Value, &cfg(&[("delimiter", "#")])).unwrap();
    let out = apply(&t, value_record(None, m));
    for (name, v) in leaf_values() {
        assert_eq!(get(&out.value, &format!("A#B#{name}")), &v);
    }
    let t = Flatten::new(Target::Key, &cfg(&[])).unwrap();
    let out = apply(
        &t,
        key_record(None, map(vec![("A", map(vec![("B", Value::Int32(12))]))])),
    );
    assert_eq!(out.key, map(vec![("A.B", Value::Int32(12))]));
}

#[test]
fn null_values_and_null_nested_structs() {
    let t = Flatten::new(Target::Value, &cfg(&[])).unwrap();
    let schema = SchemaBuilder::struct_()
        .optional()
        .field("x", schemas::int32())
        .build_ref();
    let out = apply(&t, value_record(Some(schema), Value::Null));
    assert_eq!(out.value, Value::Null);
    let inner = SchemaBuilder::struct_()
        .optional()
        .field("opt_int32", schemas::optional_int32())
        .build_ref();
    let outer = SchemaBuilder::struct_().field("B", inner).build_ref();
    let out = apply(
        &t,
        value_record(Some(outer.clone()), Value::Struct(st(&outer, vec![]))),
    );
    assert_eq!(get(&out.value, "B.opt_int32"), &Value::Null);
    let out = apply(&t, value_record(None, Value::Null));
    assert_eq!(out.value, Value::Null);
    let out = apply(&t, value_record(None, map(vec![("a", Value::Null)])));
    assert_eq!(out.value, map(vec![("a", Value::Null)]));
}

#[test]
fn arrays_are_not_descended() {
    let t = Flatten::new(Target::Value, &cfg(&[])).unwrap();
    let v = map(vec![(
        "foo",
        Value::Array(vec![
            Value::from("bar"),
            map(vec![("baz", map(vec![("lfg", Value::from("lfg"))]))]),
        ]),
    )]);
    let out = apply(&t, value_record(None, v.clone()));
    assert_eq!(out.value, v);
    let elem = SchemaBuilder::struct_()
        .field("x", schemas::int32())
        .build_ref();
    let schema = SchemaBuilder::struct_()
        .field("arr", SchemaBuilder::array(elem.clone()).build_ref())
        .build_ref();
    let value = st(
        &schema,
        vec![(
            "arr",
            Value::Array(vec![Value::Struct(st(&elem, vec![("x", Value::Int32(1))]))]),
        )],
    );
    let out = apply(
        &t,
        value_record(Some(schema.clone()), Value::Struct(value.clone())),
    );
    assert_eq!(out.value_schema, Some(schema));
    assert_eq!(get(&out.value, "arr"), value.get("arr").unwrap());
}

#[test]
fn optional_parent_default_flows_to_flattened_fields() {
    let child = SchemaBuilder::struct_()
        .optional()
        .field("req_field", schemas::string())
        .field(
            "opt_field",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("child_default".into())
                .build_ref(),
        )
        .build_ref();
    let default = st(&child, vec![("req_field", Value::from("req_default"))]);
    let child = SchemaBuilder::from_schema(&child)
        .default_value(Value::Struct(default))
        .build_ref();
    let parent = SchemaBuilder::struct_().field("a", child).build_ref();
    let t = Flatten::new(Target::Value, &cfg(&[])).unwrap();
    let out = apply(
        &t,
        value_record(Some(parent.clone()), Value::Struct(st(&parent, vec![]))),
    );
    let s = out.value_schema.unwrap();
    let req = &s.field("a.req_field").unwrap().schema;
    assert!(req.optional);
    assert_eq!(req.default, Some(Value::from("req_default")));
    let opt = &s.field("a.opt_field").unwrap().schema;
    assert_eq!(opt.default, Some(Value::from("child_default")));
}

#[test]
fn maps_with_schema_and_wrong_types_are_data_errors() {
    let t = Flatten::new(Target::Value, &cfg(&[])).unwrap();
    let schema = SchemaBuilder::struct_()
        .field(
            "m",
            SchemaBuilder::map(schemas::string(), schemas::string()).build_ref(),
        )
        .build_ref();
    let e = apply_err(
        &t,
        value_record(
            Some(schema.clone()),
            Value::Struct(st(&schema, vec![("m", map(vec![]))])),
        ),
    );
    assert_data_err(
        e,
        "Flatten transformation does not support MAP for record with schemas (for field m).",
    );
    let e = apply_err(&t, value_record(Some(schemas::int32()), Value::Int32(1)));
    assert_data_err(e, "Only Struct objects supported for [flattening]");
    let e = apply_err(&t, value_record(None, Value::Int32(1)));
    assert_data_err(
        e,
        "Only Map objects supported in absence of schema for [flattening]",
    );
}
