use ferroconnect_runtime::data::{schemas, SchemaBuilder, SchemaType, Value};
use ferroconnect_transforms::replace_field::ReplaceField;
use ferroconnect_transforms::Target;

use crate::common::*;

fn sample() -> Vec<(&'static str, Value)> {
    vec![
        ("dont", Value::from("whatever")),
        ("abc", Value::Int32(42)),
        ("foo", Value::Boolean(true)),
        ("etc", Value::from("etc")),
    ]
}

#[test]
fn schemaless_exclude_and_renames() {
    let t = ReplaceField::new(
        Target::Value,
        &cfg(&[("exclude", "dont"), ("renames", "abc:xyz,foo:bar")]),
    )
    .unwrap();
    let out = apply(&t, value_record(None, map(sample())));
    assert_eq!(
        out.value,
        map(vec![
            ("xyz", Value::Int32(42)),
            ("bar", Value::Boolean(true)),
            ("etc", Value::from("etc"))
        ])
    );
}

#[test]
fn struct_include_and_renames() {
    let schema = SchemaBuilder::struct_()
        .field("dont", schemas::string())
        .field("abc", schemas::int32())
        .field("foo", schemas::boolean())
        .field("etc", schemas::string())
        .build_ref();
    let t = ReplaceField::new(
        Target::Value,
        &cfg(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]),
    )
    .unwrap();
    let out = apply(
        &t,
        value_record(Some(schema.clone()), Value::Struct(st(&schema, sample()))),
    );
    let s = out.value_schema.clone().unwrap();
    assert_eq!(s.fields.len(), 2);
    assert_eq!(get(&out.value, "xyz"), &Value::Int32(42));
    assert_eq!(get(&out.value, "bar"), &Value::Boolean(true));
    // The derived schema is cached: a second record reuses the same Arc.
    let again = apply(
        &t,
        value_record(Some(schema.clone()), Value::Struct(st(&schema, sample()))),
    );
    assert!(std::sync::Arc::ptr_eq(
        &s,
        again.value_schema.as_ref().unwrap()
    ));
}

#[test]
fn tombstones_pass_unchanged() {
    let t = ReplaceField::new(Target::Value, &cfg(&[("exclude", "dont")])).unwrap();
    let out = apply(&t, value_record(None, Value::Null));
    assert_eq!(out.value, Value::Null);
    let schema = SchemaBuilder::struct_()
        .optional()
        .field("dont", schemas::string())
        .build_ref();
    let out = apply(&t, value_record(Some(schema.clone()), Value::Null));
    assert_eq!(out.value_schema, Some(schema));
    assert_eq!(out.value, Value::Null);
}

#[test]
fn replace_null_with_default_controls_renamed_optional_field() {
    let schema = SchemaBuilder::struct_()
        .field(
            "abc",
            SchemaBuilder::new(SchemaType::Int32)
                .optional()
                .default_value(Value::Int32(42))
                .build_ref(),
        )
        .field("other", schemas::string())
        .build_ref();
    for target in [Target::Key, Target::Value] {
        for (replace, expected) in [("true", Value::Int32(42)), ("false", Value::Null)] {
            let t = ReplaceField::new(
                target,
                &cfg(&[
                    ("include", "abc"),
                    ("renames", "abc:optional_with_default"),
                    ("replace.null.with.default", replace),
                ]),
            )
            .unwrap();
            let value = Value::Struct(st(&schema, vec![("other", Value::from("x"))]));
            let rec = match target {
                Target::Key => key_record(Some(schema.clone()), value),
                Target::Value => value_record(Some(schema.clone()), value),
            };
            let out = apply(&t, rec);
            assert_eq!(get(target.value(&out), "optional_with_default"), &expected);
        }
    }
}

#[test]
fn legacy_whitelist_and_blacklist_still_work() {
    let t = ReplaceField::new(Target::Value, &cfg(&[("whitelist", "abc,foo")])).unwrap();
    let out = apply(&t, value_record(None, map(sample())));
    assert_eq!(
        out.value,
        map(vec![
            ("abc", Value::Int32(42)),
            ("foo", Value::Boolean(true))
        ])
    );
    let t = ReplaceField::new(Target::Value, &cfg(&[("blacklist", "dont")])).unwrap();
    let out = apply(&t, value_record(None, map(sample())));
    assert!(out.value.map_get("dont").is_none());
    assert_eq!(out.value.map_get("etc"), Some(&Value::from("etc")));
    // The new key wins over the old one.
    let t = ReplaceField::new(
        Target::Value,
        &cfg(&[("include", "etc"), ("whitelist", "abc")]),
    )
    .unwrap();
    let out = apply(&t, value_record(None, map(sample())));
    assert_eq!(out.value, map(vec![("etc", Value::from("etc"))]));
}

#[test]
fn exclude_wins_over_include() {
    let t = ReplaceField::new(
        Target::Value,
        &cfg(&[("include", "abc,foo"), ("exclude", "foo")]),
    )
    .unwrap();
    let out = apply(&t, value_record(None, map(sample())));
    assert_eq!(out.value, map(vec![("abc", Value::Int32(42))]));
}

#[test]
fn bad_rename_mapping_is_a_config_error() {
    for bad in ["abc", "a:b:c", "abc:"] {
        assert_config_err(
            ReplaceField::new(Target::Value, &cfg(&[("renames", bad)])),
            &format!("Invalid rename mapping: {bad}"),
        );
    }
}
