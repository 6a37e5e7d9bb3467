use super::*;

fn cfg(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn rules(pairs: &[(&str, &str)]) -> TopicCreation {
    TopicCreation::from_config(true, &cfg(pairs))
        .expect("valid settings")
        .expect("topic creation on")
}

#[test]
fn off_unless_the_worker_allows_it_and_the_default_group_is_complete() {
    let full = cfg(&[
        ("topic.creation.default.replication.factor", "1"),
        ("topic.creation.default.partitions", "3"),
    ]);
    assert!(TopicCreation::from_config(false, &full).unwrap().is_none());
    assert!(TopicCreation::from_config(true, &full).unwrap().is_some());
    let partial = cfg(&[("topic.creation.default.partitions", "3")]);
    assert!(TopicCreation::from_config(true, &partial)
        .unwrap()
        .is_none());
    assert!(TopicCreation::from_config(true, &ConfigMap::new())
        .unwrap()
        .is_none());
}

#[test]
fn first_matching_group_wins_else_default() {
    let r = rules(&[
        ("topic.creation.default.replication.factor", "1"),
        ("topic.creation.default.partitions", "3"),
        ("topic.creation.default.retention.ms", "1000"),
        ("topic.creation.groups", "compact, orders"),
        ("topic.creation.compact.include", "users-.*, accounts"),
        ("topic.creation.compact.exclude", "users-tmp"),
        ("topic.creation.compact.partitions", "2"),
        ("topic.creation.compact.cleanup.policy", "compact"),
        ("topic.creation.orders.include", "users-.*,orders"),
        ("topic.creation.orders.replication.factor", "-1"),
    ]);
    let g = r.group_for("users-1");
    assert_eq!(g.name, "compact");
    assert_eq!((g.partitions, g.replication_factor), (2, 1));
    assert_eq!(
        g.topic_configs,
        vec![("cleanup.policy".to_string(), "compact".to_string())]
    );
    // Excluded from the first group, included by the second.
    let g = r.group_for("users-tmp");
    assert_eq!(g.name, "orders");
    assert_eq!((g.partitions, g.replication_factor), (3, -1));
    assert!(g.topic_configs.is_empty());
    // Full matches only: "accounts2" is not "accounts".
    let g = r.group_for("accounts2");
    assert_eq!(g.name, "default");
    assert_eq!(
        g.topic_configs,
        vec![("retention.ms".to_string(), "1000".to_string())]
    );
    assert_eq!(r.group_for("accounts").name, "compact");
}

#[test]
fn bad_values_name_the_key() {
    for (key, value) in [
        ("topic.creation.default.partitions", "0"),
        ("topic.creation.default.partitions", "-2"),
        ("topic.creation.default.partitions", "three"),
        ("topic.creation.default.replication.factor", "0"),
        ("topic.creation.default.replication.factor", "x"),
    ] {
        let mut c = cfg(&[
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.partitions", "3"),
        ]);
        c.insert(key.into(), value.into());
        let err = TopicCreation::from_config(true, &c)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("Invalid value {value} for configuration {key}")),
            "{err}"
        );
    }
    let err = TopicCreation::from_config(
        true,
        &cfg(&[
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.partitions", "3"),
            ("topic.creation.groups", "g"),
        ]),
    )
    .unwrap_err();
    assert_eq!(
        err,
        TopicCreationError::Missing("topic.creation.g.include".into())
    );
}

#[test]
fn enrich_adds_a_group_per_listed_group_with_the_default_values() {
    let c = cfg(&[
        ("topic.creation.default.replication.factor", "1"),
        ("topic.creation.default.partitions", "3"),
        ("topic.creation.groups", "compact,compact"),
    ]);
    let def = enrich(ConfigDef::new(), &c);
    assert_eq!(
        def.groups(),
        vec!["Topic Creation: default", "Topic Creation: compact"]
    );
    let rf = def
        .key("topic.creation.default.replication.factor")
        .unwrap();
    assert_eq!(rf.default, None);
    let p = def.key("topic.creation.compact.partitions").unwrap();
    assert_eq!(p.default.as_deref(), Some("3"));
    assert!(def
        .key("topic.creation.compact.include")
        .unwrap()
        .default
        .is_none());
    let err = p.check("0").unwrap_err();
    assert!(
        err.starts_with("Invalid value 0 for configuration topic.creation.compact.partitions"),
        "{err}"
    );
}
