use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::data::{schemas, ConnectRecord, SchemaBuilder, Value};
use ferroconnect_runtime::plugins::PluginRegistry;
use ferroconnect_runtime::transform::{Predicate, TransformChain};
use ferroconnect_transforms::predicates::{HasHeaderKey, RecordIsTombstone, TopicNameMatches};
use ferroconnect_transforms::register_builtin;

use crate::common::*;

fn registry() -> PluginRegistry {
    let mut r = PluginRegistry::new();
    register_builtin(&mut r);
    r
}

fn chain(pairs: &[(&str, &str)]) -> TransformChain {
    TransformChain::from_config(&cfg(pairs), &registry()).unwrap()
}

fn on_topic(topic: &str) -> ConnectRecord {
    let mut r = value_record(None, Value::from("v"));
    r.topic = topic.to_string();
    r
}

#[test]
fn every_builtin_is_registered_under_its_java_class_name() {
    let r = registry();
    let base = "org.apache.kafka.connect.transforms.";
    for name in [
        "Cast",
        "ExtractField",
        "Flatten",
        "HeaderFrom",
        "HoistField",
        "InsertField",
        "MaskField",
        "ReplaceField",
        "SetSchemaMetadata",
        "TimestampConverter",
    ] {
        for suffix in ["$Key", "$Value"] {
            let class = format!("{base}{name}{suffix}");
            let p = r
                .transform(&class)
                .unwrap_or_else(|| panic!("{class} missing"));
            assert_eq!(p.version, "4.2.0");
        }
    }
    for name in [
        "DropHeaders",
        "Filter",
        "InsertHeader",
        "RegexRouter",
        "TimestampRouter",
        "ValueToKey",
    ] {
        assert!(
            r.transform(&format!("{base}{name}")).is_some(),
            "{name} missing"
        );
        assert!(r.transform(name).is_some(), "simple name {name} missing");
    }
    for name in ["TopicNameMatches", "HasHeaderKey", "RecordIsTombstone"] {
        assert!(
            r.predicate(&format!("{base}predicates.{name}")).is_some(),
            "{name} missing"
        );
    }
    let mask = r
        .transform("org.apache.kafka.connect.transforms.MaskField$Value")
        .unwrap();
    let keys: Vec<&str> = mask
        .config_def
        .keys()
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(
        keys,
        vec!["fields", "replacement", "replace.null.with.default"]
    );
    let infos = r.plugin_infos(false);
    assert_eq!(
        infos
            .iter()
            .filter(|i| i.plugin_type == "transformation")
            .count(),
        26
    );
    assert_eq!(
        infos
            .iter()
            .filter(|i| i.plugin_type == "predicate")
            .count(),
        3
    );
}

#[test]
fn seed_mask_field_chain_censors_private_info() {
    let c = chain(&[
        ("transforms", "MaskField"),
        (
            "transforms.MaskField.type",
            "org.apache.kafka.connect.transforms.MaskField$Value",
        ),
        ("transforms.MaskField.fields", "private_info"),
        ("transforms.MaskField.replacement", "CENSORED"),
    ]);
    let schema = SchemaBuilder::struct_()
        .name("users")
        .field("id", schemas::int32())
        .field("name", schemas::string())
        .field("private_info", schemas::optional_string())
        .build_ref();
    let v = st(
        &schema,
        vec![
            ("id", Value::Int32(1)),
            ("name", Value::from("ann")),
            ("private_info", Value::from("card 1234")),
        ],
    );
    let out = c
        .apply(value_record(Some(schema.clone()), Value::Struct(v)))
        .unwrap()
        .unwrap();
    assert_eq!(get(&out.value, "private_info"), &Value::from("CENSORED"));
    assert_eq!(get(&out.value, "name"), &Value::from("ann"));
    assert_eq!(out.value_schema, Some(schema.clone()));
    let v = st(
        &schema,
        vec![("id", Value::Int32(2)), ("name", Value::from("bob"))],
    );
    let out = c
        .apply(value_record(Some(schema), Value::Struct(v)))
        .unwrap()
        .unwrap();
    assert_eq!(get(&out.value, "private_info"), &Value::Null);
}

#[test]
fn predicate_gated_filter_drops_exactly_the_matching_records() {
    let base = [
        ("transforms", "drop"),
        (
            "transforms.drop.type",
            "org.apache.kafka.connect.transforms.Filter",
        ),
        ("transforms.drop.predicate", "isFoo"),
        ("predicates", "isFoo"),
        (
            "predicates.isFoo.type",
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        ),
        ("predicates.isFoo.pattern", "foo-.*"),
    ];
    let c = chain(&base);
    assert!(c.apply(on_topic("foo-1")).unwrap().is_none());
    assert!(c.apply(on_topic("bar-1")).unwrap().is_some());
    let mut negated = base.to_vec();
    negated.push(("transforms.drop.negate", "true"));
    let c = chain(&negated);
    assert!(c.apply(on_topic("foo-1")).unwrap().is_some());
    assert!(c.apply(on_topic("bar-1")).unwrap().is_none());
}

#[test]
fn regex_router_in_a_chain_renames_the_topic() {
    let c = chain(&[
        ("transforms", "route"),
        (
            "transforms.route.type",
            "org.apache.kafka.connect.transforms.RegexRouter",
        ),
        ("transforms.route.regex", "postgresql-jdbc-bulk-(.*)"),
        ("transforms.route.replacement", "pg.$1"),
    ]);
    assert_eq!(
        c.apply(on_topic("postgresql-jdbc-bulk-users"))
            .unwrap()
            .unwrap()
            .topic,
        "pg.users"
    );
}

#[test]
fn chain_config_errors_name_the_key() {
    let reg = registry();
    let bad: ConfigMap = cfg(&[
        ("transforms", "m"),
        (
            "transforms.m.type",
            "org.apache.kafka.connect.transforms.MaskField$Value",
        ),
        ("transforms.m.fields", "a"),
        ("transforms.m.replacement", ""),
    ]);
    let e = TransformChain::from_config(&bad, &reg).err().unwrap();
    assert!(
        e.to_string()
            .contains("configuration replacement: String must be non-empty"),
        "{e}"
    );
}

#[test]
fn topic_name_matches_vectors() {
    let p = TopicNameMatches::new(&cfg(&[("pattern", "my-prefix-.*")])).unwrap();
    for (topic, expected) in [
        ("my-prefix-", true),
        ("my-prefix-foo", true),
        ("x-my-prefix-", false),
        ("your-prefix-foo", false),
        ("", false),
    ] {
        assert_eq!(p.test(&on_topic(topic)), expected, "{topic}");
    }
    assert_config_err(
        TopicNameMatches::new(&cfg(&[])),
        "Missing required configuration \"pattern\"",
    );
    assert_config_err(
        TopicNameMatches::new(&cfg(&[("pattern", "")])),
        "String must be non-empty",
    );
    for bad in ["[", "*"] {
        assert_config_err(
            TopicNameMatches::new(&cfg(&[("pattern", bad)])),
            "Invalid regex",
        );
    }
}

#[test]
fn has_header_key_vectors() {
    let p = HasHeaderKey::new(&cfg(&[("name", "foo")])).unwrap();
    let with = |names: &[&str]| {
        let mut r = on_topic("t");
        for n in names {
            r.headers.add(*n, None, Value::Null);
        }
        r
    };
    assert!(p.test(&with(&["foo"])));
    assert!(p.test(&with(&["foo", "bar"])));
    assert!(p.test(&with(&["bar", "foo", "bar", "foo"])));
    assert!(!p.test(&with(&[])));
    assert!(!p.test(&with(&["bar"])));
    assert_config_err(
        HasHeaderKey::new(&cfg(&[("name", "")])),
        "Invalid value  for configuration name: String must be non-empty",
    );
}

#[test]
fn record_is_tombstone() {
    assert!(RecordIsTombstone.test(&value_record(None, Value::Null)));
    assert!(!RecordIsTombstone.test(&on_topic("t")));
}
