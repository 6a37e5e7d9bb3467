//! Consecutive struct edits (MaskField, ReplaceField, InsertField on one record part) run as
//! one fused step. Each case runs the same chain twice: fused, and with an always-true
//! predicate on every stage, which keeps every stage on its own. Records and errors must be
//! the same.

use ferroconnect_runtime::data::{
    schemas, ConnectRecord, SchemaBuilder, SchemaRef, SchemaType, Value,
};
use ferroconnect_runtime::plugins::PluginRegistry;
use ferroconnect_runtime::transform::TransformChain;
use ferroconnect_transforms::register_builtin;

use crate::common::*;

const T: &str = "org.apache.kafka.connect.transforms.";

/// A stage: alias, class (after `org.apache.kafka.connect.transforms.`), own config.
type StageSpec<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
/// A stage whose own config is owned.
type OwnedStage = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// The chain fused as built, and the same chain kept stage by stage by a predicate.
fn both(stages: &[StageSpec<'_>]) -> (TransformChain, TransformChain) {
    let mut r = PluginRegistry::new();
    register_builtin(&mut r);
    let mut pairs: Vec<(String, String)> = vec![(
        "transforms".into(),
        stages.iter().map(|s| s.0).collect::<Vec<_>>().join(","),
    )];
    for (alias, class, own) in stages {
        pairs.push((format!("transforms.{alias}.type"), format!("{T}{class}")));
        for (k, v) in *own {
            pairs.push((format!("transforms.{alias}.{k}"), v.to_string()));
        }
    }
    let build = |pairs: &[(String, String)]| {
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        TransformChain::from_config(&cfg(&refs), &r).unwrap()
    };
    let fused = build(&pairs);
    let mut gated = pairs.clone();
    gated.push(("predicates".into(), "any".into()));
    gated.push((
        "predicates.any.type".into(),
        format!("{T}predicates.TopicNameMatches"),
    ));
    gated.push(("predicates.any.pattern".into(), ".*".into()));
    for (alias, _, _) in stages {
        gated.push((format!("transforms.{alias}.predicate"), "any".into()));
    }
    let single = build(&gated);
    assert!(single.fused_groups().is_empty());
    (fused, single)
}

/// Runs both chains on copies of `record` and checks they agree; returns the fused result.
fn same(
    chains: &(TransformChain, TransformChain),
    record: ConnectRecord,
) -> Result<ConnectRecord, String> {
    let fused = chains.0.apply(record.clone()).map_err(|e| e.to_string());
    let single = chains.1.apply(record).map_err(|e| e.to_string());
    assert_eq!(fused, single, "fused and stage-by-stage results differ");
    fused.map(|r| r.expect("no stage drops"))
}

fn seed_stages() -> Vec<StageSpec<'static>> {
    vec![
        (
            "Mask",
            "MaskField$Value",
            &[("fields", "private_info"), ("replacement", "CENSORED")],
        ),
        (
            "Replace",
            "ReplaceField$Value",
            &[("renames", "private_info:info"), ("exclude", "note")],
        ),
        (
            "Insert",
            "InsertField$Value",
            &[
                ("topic.field", "topic"),
                ("partition.field", "partition"),
                ("timestamp.field", "ts"),
                ("static.field", "source"),
                ("static.value", "pg"),
            ],
        ),
    ]
}

fn users() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("users")
        .field("id", schemas::int32())
        .field("private_info", schemas::optional_string())
        .field("note", schemas::optional_string())
        .field(
            "name",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value(Value::from("anonymous"))
                .build_ref(),
        )
        .build_ref()
}

fn user(schema: &SchemaRef, id: i32, name: Option<&str>) -> ConnectRecord {
    let mut r = value_record(
        Some(schema.clone()),
        Value::Struct(st(
            schema,
            vec![
                ("id", Value::Int32(id)),
                ("private_info", Value::from("secret")),
                ("note", Value::from("n")),
                ("name", name.map_or(Value::Null, Value::from)),
            ],
        )),
    );
    r.timestamp = Some(1_700_000_000_000);
    r
}

#[test]
fn seed_chain_is_fused_and_gives_the_stage_by_stage_records() {
    let chains = both(&seed_stages());
    assert_eq!(
        chains.0.fused_groups(),
        vec![vec!["Mask", "Replace", "Insert"]]
    );
    let schema = users();
    let a = same(&chains, user(&schema, 1, Some("ann"))).unwrap();
    let b = same(&chains, user(&schema, 2, None)).unwrap();
    let out = a.value_schema.as_ref().unwrap();
    let names: Vec<&str> = out.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "info", "name", "topic", "partition", "ts", "source"]
    );
    assert_eq!(get(&a.value, "info"), &Value::from("CENSORED"));
    assert_eq!(get(&a.value, "topic"), &Value::from("test"));
    assert_eq!(get(&a.value, "source"), &Value::from("pg"));
    // One output schema per input schema: the struct and the record share it, and the next
    // record gets the same `Arc`.
    let Value::Struct(sa) = &a.value else {
        panic!("not a struct")
    };
    assert!(std::sync::Arc::ptr_eq(sa.schema(), out));
    assert!(std::sync::Arc::ptr_eq(
        b.value_schema.as_ref().unwrap(),
        out
    ));
}

#[test]
fn replace_null_with_default_is_applied_as_by_each_stage() {
    let stages = |flag: &'static str| -> Vec<OwnedStage> {
        let rnwd = ("replace.null.with.default", flag);
        vec![
            (
                "Mask",
                "MaskField$Value",
                vec![("fields", "private_info"), rnwd],
            ),
            (
                "Replace",
                "ReplaceField$Value",
                vec![("renames", "private_info:info"), rnwd],
            ),
            (
                "Insert",
                "InsertField$Value",
                vec![("topic.field", "topic"), rnwd],
            ),
        ]
    };
    for (flag, want) in [("true", Value::from("anonymous")), ("false", Value::Null)] {
        let owned = stages(flag);
        let refs: Vec<StageSpec<'_>> = owned.iter().map(|(a, c, o)| (*a, *c, &o[..])).collect();
        let out = same(&both(&refs), user(&users(), 3, None)).unwrap();
        assert_eq!(
            get(&out.value, "name"),
            &want,
            "replace.null.with.default={flag}"
        );
    }
}

#[test]
fn records_the_group_cannot_take_run_stage_by_stage() {
    let chains = both(&seed_stages());
    // Schemaless map, null value (tombstone), and a record with its own schema change.
    let m = same(
        &chains,
        value_record(None, map(vec![("private_info", Value::from("x"))])),
    )
    .unwrap();
    assert_eq!(get(&m.value, "info"), &Value::from("CENSORED"));
    let tomb = same(&chains, value_record(Some(users()), Value::Null));
    assert!(tomb.is_err(), "MaskField requires a struct, as in Kafka");
    let other = SchemaBuilder::struct_()
        .field("private_info", schemas::string())
        .build_ref();
    let r = value_record(
        Some(other.clone()),
        Value::Struct(st(&other, vec![("private_info", Value::from("y"))])),
    );
    let out = same(&chains, r).unwrap();
    assert_eq!(get(&out.value, "info"), &Value::from("CENSORED"));
}

#[test]
fn errors_name_the_stage_that_fails() {
    // A per-record failure in the last stage: offsets exist only on sink records.
    let mut stages = seed_stages();
    stages[2].2 = &[("offset.field", "offset")];
    let err = same(&both(&stages), user(&users(), 1, None)).unwrap_err();
    assert!(err.contains("Error in transform 'Insert'"), "{err}");
    assert!(err.contains("Only SinkRecord supported"), "{err}");

    // A schema the last stage cannot build for: the inserted field already exists.
    let mut stages = seed_stages();
    stages[2].2 = &[("topic.field", "id")];
    let err = same(&both(&stages), user(&users(), 1, None)).unwrap_err();
    assert!(err.contains("Error in transform 'Insert'"), "{err}");
    assert!(err.contains("field name duplication id"), "{err}");

    // A value the first stage cannot mask with its replacement.
    let mut stages = seed_stages();
    stages[0].2 = &[("fields", "id"), ("replacement", "not-a-number")];
    let err = same(&both(&stages), user(&users(), 1, None)).unwrap_err();
    assert!(err.contains("Error in transform 'Mask'"), "{err}");
    assert!(err.contains("Unable to convert not-a-number"), "{err}");
}

#[test]
fn groups_stop_at_other_record_parts_and_other_transforms() {
    let key_value: Vec<StageSpec<'_>> = vec![
        ("MaskKey", "MaskField$Key", &[("fields", "id")]),
        ("RenameKey", "ReplaceField$Key", &[("renames", "id:key_id")]),
        (
            "MaskValue",
            "MaskField$Value",
            &[("fields", "private_info")],
        ),
        ("Hoist", "HoistField$Value", &[("field", "wrapped")]),
        ("Insert", "InsertField$Value", &[("topic.field", "topic")]),
        (
            "Insert2",
            "InsertField$Value",
            &[("static.field", "s"), ("static.value", "v")],
        ),
    ];
    let chains = both(&key_value);
    assert_eq!(
        chains.0.fused_groups(),
        vec![vec!["MaskKey", "RenameKey"], vec!["Insert", "Insert2"]]
    );
    let key_schema = SchemaBuilder::struct_()
        .field("id", schemas::int32())
        .build_ref();
    let mut r = user(&users(), 7, Some("kim"));
    r.key_schema = Some(key_schema.clone());
    r.key = Value::Struct(st(&key_schema, vec![("id", Value::Int32(7))]));
    let out = same(&chains, r).unwrap();
    assert_eq!(get(&out.key, "key_id"), &Value::Int32(0));
    assert_eq!(get(&out.value, "s"), &Value::from("v"));
    assert_eq!(
        get(get(&out.value, "wrapped"), "private_info"),
        &Value::from("")
    );
}

#[test]
fn a_group_that_only_edits_values_keeps_the_schema() {
    let stages: Vec<StageSpec<'_>> = vec![
        ("M1", "MaskField$Value", &[("fields", "private_info")]),
        (
            "M2",
            "MaskField$Value",
            &[("fields", "note"), ("replacement", "x")],
        ),
    ];
    let chains = both(&stages);
    assert_eq!(chains.0.fused_groups(), vec![vec!["M1", "M2"]]);
    let schema = users();
    let out = same(&chains, user(&schema, 4, Some("bo"))).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        out.value_schema.as_ref().unwrap(),
        &schema
    ));
    let Value::Struct(s) = &out.value else {
        panic!("not a struct")
    };
    assert!(std::sync::Arc::ptr_eq(s.schema(), &schema));
    assert_eq!(get(&out.value, "private_info"), &Value::from(""));
    assert_eq!(get(&out.value, "note"), &Value::from("x"));
}
