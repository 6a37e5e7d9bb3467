use super::*;
use crate::config::OverridePolicy;
use crate::herder::ConfigInfo;
use crate::standalone::test_plugins::{self, cfg, MASK_CLASS, SINK_CLASS, SOURCE_CLASS};

fn run(config: &ConfigMap) -> HerderResult<ConfigInfos> {
    let registry = test_plugins::registry();
    let worker = test_plugins::worker_config("localhost:9092", None);
    validate(&registry, &worker, config)
}

fn entry<'a>(infos: &'a ConfigInfos, name: &str) -> &'a ConfigInfo {
    infos
        .configs
        .iter()
        .find(|c| c.value.as_ref().is_some_and(|v| v.name == name))
        .unwrap_or_else(|| panic!("no config entry {name}"))
}

fn errors(infos: &ConfigInfos, name: &str) -> Vec<String> {
    entry(infos, name).value.as_ref().unwrap().errors.clone()
}

fn source(extra: &[(&str, &str)]) -> ConfigMap {
    let mut c = cfg(&[
        ("name", "src"),
        ("connector.class", SOURCE_CLASS),
        ("required.key", "x"),
    ]);
    c.extend(cfg(extra));
    c
}

fn sink(extra: &[(&str, &str)]) -> ConfigMap {
    let mut c = cfg(&[("name", "snk"), ("connector.class", "TestSink")]);
    c.extend(cfg(extra));
    c
}

#[test]
fn valid_source_has_no_errors_and_jvm_groups() {
    let infos = run(&source(&[])).unwrap();
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_lines());
    assert_eq!(infos.name, SOURCE_CLASS);
    assert_eq!(
        infos.groups,
        vec![
            "Common",
            "Transforms",
            "Predicates",
            "Error Handling",
            "Topic Creation",
            "Exactly Once Support",
            "offsets.topic",
            "Test"
        ]
    );
    // Null-default keys: optional, null value, null default.
    let kc = entry(&infos, "key.converter");
    assert_eq!(kc.value.as_ref().unwrap().value, None);
    let def = kc.definition.as_ref().unwrap();
    assert!(!def.required);
    assert_eq!(def.default_value, None);
    assert_eq!(def.config_type, "CLASS");
}

#[test]
fn unknown_class_is_400_with_suggestions() {
    let err = run(&cfg(&[("connector.class", "TestSourceConector")])).unwrap_err();
    let HerderError::BadRequest(msg) = err else {
        panic!("expected 400, got {err:?}")
    };
    assert!(
        msg.starts_with("Failed to find any class that implements Connector and which name matches TestSourceConector"),
        "{msg}"
    );
    assert!(
        msg.contains("Did you mean: org.example.TestSourceConnector"),
        "{msg}"
    );
}

#[test]
fn missing_connector_class_is_400() {
    let err = run(&cfg(&[("name", "x")])).unwrap_err();
    assert_eq!(
        err,
        HerderError::BadRequest("Connector config {name=x} contains no connector type".into())
    );
}

#[test]
fn missing_required_key_is_named() {
    let mut c = source(&[]);
    c.shift_remove("required.key");
    let infos = run(&c).unwrap();
    assert_eq!(infos.error_count, 1);
    assert_eq!(
        errors(&infos, "required.key"),
        vec!["Missing required configuration \"required.key\" which has no default value."]
    );
    let msg = invalid_config_message(&infos);
    assert_eq!(
        msg,
        "Connector configuration is invalid and contains the following 1 error(s):\nrequired.key: Missing required configuration \"required.key\" which has no default value.\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
    );
}

#[test]
fn sink_topics_rules() {
    let none = run(&sink(&[])).unwrap();
    assert_eq!(none.error_count, 2);
    assert_eq!(
        errors(&none, "topics"),
        vec!["Must configure one of topics or topics.regex"]
    );
    assert_eq!(
        errors(&none, "topics.regex"),
        vec!["Must configure one of topics or topics.regex"]
    );
    let both = run(&sink(&[("topics", "a"), ("topics.regex", "a.*")])).unwrap();
    assert_eq!(
        errors(&both, "topics"),
        vec!["topics and topics.regex are mutually exclusive options, but both are set."]
    );
    let dlq = run(&sink(&[
        ("topics", "a, dlq"),
        ("errors.deadletterqueue.topic.name", "dlq"),
    ]))
    .unwrap();
    assert_eq!(
        errors(&dlq, "errors.deadletterqueue.topic.name"),
        vec!["The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector"]
    );
    let ok = run(&sink(&[("topics", "a")])).unwrap();
    assert_eq!(ok.error_count, 0, "{:?}", ok.error_lines());
    assert_eq!(ok.name, "TestSink");
}

#[test]
fn bad_tasks_max() {
    let zero = run(&sink(&[("topics", "a"), ("tasks.max", "0")])).unwrap();
    assert_eq!(
        errors(&zero, "tasks.max"),
        vec!["Invalid value 0 for configuration tasks.max: Value must be at least 1"]
    );
    // The plugin's own tasks.max definition (and validation) wins over the framework's.
    let plugin = run(&source(&[("tasks.max", "0")])).unwrap();
    let def = entry(&plugin, "tasks.max").definition.as_ref().unwrap();
    assert_eq!(def.documentation, "Plugin's own tasks.max doc.");
    let word = run(&sink(&[("topics", "a"), ("tasks.max", "two")])).unwrap();
    assert_eq!(
        errors(&word, "tasks.max"),
        vec!["Invalid value two for configuration tasks.max: Not a number of type INT"]
    );
}

#[test]
fn numbers_as_strings_are_fine() {
    let infos = run(&source(&[
        ("tasks.max", "3"),
        ("batch.max.rows", "100"),
        ("errors.retry.timeout", "-1"),
        ("errors.log.enable", "TRUE"),
    ]))
    .unwrap();
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_lines());
    let v = entry(&infos, "errors.log.enable").value.as_ref().unwrap();
    assert_eq!(v.value.as_deref(), Some("true"));
}

#[test]
fn unknown_transform_type() {
    let infos = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m"),
        ("transforms.m.type", "org.example.Nope"),
    ]))
    .unwrap();
    assert_eq!(infos.error_count, 1, "{:?}", infos.error_lines());
    assert_eq!(
        errors(&infos, "transforms.m.type"),
        vec!["Invalid value org.example.Nope for configuration transforms.m.type: Class org.example.Nope could not be found."]
    );
    assert!(infos.groups.contains(&"Transforms: m".to_string()));
}

#[test]
fn transform_plugin_keys_and_errors() {
    let missing = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m"),
        ("transforms.m.type", MASK_CLASS),
    ]))
    .unwrap();
    assert_eq!(
        errors(&missing, "transforms.m.fields"),
        vec!["Missing required configuration \"transforms.m.fields\" which has no default value."]
    );
    let def = entry(&missing, "transforms.m.fields")
        .definition
        .clone()
        .unwrap();
    assert_eq!(def.group.as_deref(), Some("Transforms: m"));

    let rejected = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m"),
        ("transforms.m.type", MASK_CLASS),
        ("transforms.m.fields", "ok,bad"),
    ]))
    .unwrap();
    assert_eq!(rejected.error_count, 1, "{:?}", rejected.error_lines());
    assert_eq!(
        errors(&rejected, "transforms.m.fields"),
        vec!["Invalid value ok,bad for configuration fields: bad is not a field"]
    );
}

#[test]
fn predicate_alias_checks() {
    let undefined = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m"),
        ("transforms.m.type", MASK_CLASS),
        ("transforms.m.fields", "f"),
        ("transforms.m.predicate", "p"),
    ]))
    .unwrap();
    assert_eq!(undefined.error_count, 1, "{:?}", undefined.error_lines());
    assert!(errors(&undefined, "transforms.m.predicate")[0].contains("undefined predicate alias"));

    let negate = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m"),
        ("transforms.m.type", MASK_CLASS),
        ("transforms.m.fields", "f"),
        ("transforms.m.negate", "true"),
    ]))
    .unwrap();
    assert_eq!(
        errors(&negate, "transforms.m.negate"),
        vec!["Config 'transforms.m.negate' was provided but there is no config 'transforms.m.predicate' defining a predicate to be negated."]
    );

    let ok = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m"),
        ("transforms.m.type", MASK_CLASS),
        ("transforms.m.fields", "f"),
        ("transforms.m.predicate", "p"),
        ("predicates", "p"),
        ("predicates.p.type", "HasKey"),
    ]))
    .unwrap();
    assert_eq!(ok.error_count, 0, "{:?}", ok.error_lines());
    assert!(ok.groups.contains(&"Predicates: p".to_string()));
}

#[test]
fn duplicate_transform_alias() {
    let infos = run(&sink(&[
        ("topics", "a"),
        ("transforms", "m,m"),
        ("transforms.m.type", MASK_CLASS),
        ("transforms.m.fields", "f"),
    ]))
    .unwrap();
    assert_eq!(
        errors(&infos, "transforms"),
        vec!["Invalid value m,m for configuration transforms: Duplicate alias provided."]
    );
}

#[test]
fn password_hidden() {
    let infos = run(&source(&[("secret", "hunter2")])).unwrap();
    let v = entry(&infos, "secret").value.as_ref().unwrap();
    assert_eq!(v.value.as_deref(), Some("[hidden]"));
    assert_eq!(
        entry(&infos, "secret")
            .definition
            .as_ref()
            .unwrap()
            .config_type,
        "PASSWORD"
    );
    assert!(!serde_json::to_string(&infos).unwrap().contains("hunter2"));
}

#[test]
fn references_are_validated_resolved_but_shown_as_written() {
    let registry = test_plugins::registry();
    let mut worker = test_plugins::worker_config("localhost:9092", None);
    worker.providers = crate::config::ConfigProviders::from_worker_props(&cfg(&[
        ("config.providers", "env"),
        ("config.providers.env.class", "EnvVarConfigProvider"),
    ]))
    .unwrap();
    std::env::set_var("FERRO_VALIDATION_TASKS", "2");
    std::env::set_var("FERRO_VALIDATION_SECRET", "hunter2-env");
    std::env::set_var("FERRO_VALIDATION_KEY", "visible-but-secret");
    let config = source(&[
        ("tasks.max", "${env:FERRO_VALIDATION_TASKS}"),
        ("secret", "${env:FERRO_VALIDATION_SECRET}"),
        ("required.key", "${env:FERRO_VALIDATION_KEY}"),
    ]);
    let infos = validate(&registry, &worker, &config).unwrap();
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_lines());
    let value = |k: &str| entry(&infos, k).value.as_ref().unwrap().value.clone();
    assert_eq!(
        value("tasks.max").as_deref(),
        Some("${env:FERRO_VALIDATION_TASKS}")
    );
    assert_eq!(value("secret").as_deref(), Some("[hidden]"));
    assert_eq!(
        value("required.key").as_deref(),
        Some("${env:FERRO_VALIDATION_KEY}")
    );
    let json = serde_json::to_string(&infos).unwrap();
    assert!(!json.contains("hunter2-env") && !json.contains("visible-but-secret"));

    let bad = source(&[("required.key", "${env:FERRO_VALIDATION_UNSET_VAR}")]);
    let infos = validate(&registry, &worker, &bad).unwrap();
    let errs = errors(&infos, "required.key");
    assert!(
        errs.iter().any(|e| e.contains("configuration required.key")
            && e.contains("FERRO_VALIDATION_UNSET_VAR")),
        "{errs:?}"
    );
}

#[test]
fn unknown_converter_class() {
    let infos = run(&source(&[("value.converter", "NoSuchConverter")])).unwrap();
    assert_eq!(
        errors(&infos, "value.converter"),
        vec!["Invalid value NoSuchConverter for configuration value.converter: Class NoSuchConverter could not be found."]
    );
}

#[test]
fn override_policy_is_enforced() {
    let registry = test_plugins::registry();
    let mut worker = test_plugins::worker_config("localhost:9092", None);
    let config = source(&[("producer.override.linger.ms", "1000")]);
    let all = validate(&registry, &worker, &config).unwrap();
    assert_eq!(all.error_count, 0);
    let e = entry(&all, "producer.override.linger.ms");
    assert!(e.definition.is_none());
    worker.override_policy = OverridePolicy::None;
    let none = validate(&registry, &worker, &config).unwrap();
    assert_eq!(
        errors(&none, "producer.override.linger.ms"),
        vec!["The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration."]
    );
}

#[test]
fn arbitrary_keys_are_allowed_and_not_listed() {
    let infos = run(&source(&[("some.connector.specific", "v")])).unwrap();
    assert_eq!(infos.error_count, 0);
    assert!(infos
        .configs
        .iter()
        .all(|c| c.value.as_ref().unwrap().name != "some.connector.specific"));
}

#[test]
fn key_info_shape() {
    let def = crate::config::framework::sink_def();
    let info = key_info(def.key("topics").unwrap());
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["type"], "LIST");
    assert_eq!(json["required"], false);
    assert_eq!(json["default_value"], "");
    assert_eq!(json["importance"], "HIGH");
    assert_eq!(json["group"], "Common");
    assert_eq!(json["width"], "LONG");
    assert_eq!(json["order"], 4);
    assert_eq!(json["order_in_group"], 4);
    let name = key_info(def.key("name").unwrap());
    assert!(name.required);
    assert_eq!(name.default_value, None);
    let _ = SINK_CLASS;
}

#[test]
fn unknown_client_override_keys_are_errors_naming_the_key() {
    let infos = run(&source(&[
        ("producer.override.linger.ms", "10"),
        ("producer.override.no.such.client.key", "1"),
    ]))
    .expect("validate");
    assert!(errors(&infos, "producer.override.linger.ms").is_empty());
    let bad = errors(&infos, "producer.override.no.such.client.key");
    assert!(!bad.is_empty(), "unknown client key accepted");
}

#[test]
fn topic_creation_groups_are_validated_and_name_the_key() {
    let infos = run(&source(&[
        ("topic.creation.default.replication.factor", "1"),
        ("topic.creation.default.partitions", "3"),
        ("topic.creation.groups", "compact"),
        ("topic.creation.compact.include", "users-.*"),
        ("topic.creation.compact.cleanup.policy", "compact"),
    ]))
    .unwrap();
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_lines());
    assert!(infos
        .groups
        .contains(&"Topic Creation: compact".to_string()));
    let p = entry(&infos, "topic.creation.compact.partitions");
    assert_eq!(p.value.as_ref().unwrap().value.as_deref(), Some("3"));

    for (key, value, reason) in [
        (
            "topic.creation.default.partitions",
            "0",
            "Number of partitions must be positive, or -1 to use the broker's default",
        ),
        (
            "topic.creation.default.partitions",
            "-2",
            "Number of partitions must be positive, or -1 to use the broker's default",
        ),
        (
            "topic.creation.default.partitions",
            "many",
            "Not a number of type INT",
        ),
        (
            "topic.creation.default.replication.factor",
            "0",
            "Replication factor must be positive",
        ),
        (
            "topic.creation.compact.partitions",
            "0",
            "Number of partitions must be positive",
        ),
    ] {
        let mut c = source(&[
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.partitions", "3"),
            ("topic.creation.groups", "compact"),
            ("topic.creation.compact.include", "users-.*"),
        ]);
        c.insert(key.into(), value.into());
        let infos = run(&c).unwrap();
        let errs = errors(&infos, key);
        assert_eq!(errs.len(), 1, "{key}={value}: {errs:?}");
        assert!(
            errs[0].starts_with(&format!(
                "Invalid value {value} for configuration {key}: {reason}"
            )),
            "{}",
            errs[0]
        );
        assert_eq!(infos.error_count, 1, "{:?}", infos.error_lines());
        // Create/update answer 400 with a message naming the key.
        assert!(invalid_config_message(&infos).contains(key));
    }

    // The default group needs both settings once any topic.creation key is set; a listed
    // group needs `include`.
    let infos = run(&source(&[
        ("topic.creation.groups", "compact"),
        ("topic.creation.default.partitions", "3"),
    ]))
    .unwrap();
    assert_eq!(
        errors(&infos, "topic.creation.default.replication.factor"),
        vec!["Missing required configuration \"topic.creation.default.replication.factor\" which has no default value."]
    );
    assert_eq!(
        errors(&infos, "topic.creation.compact.include"),
        vec!["Missing required configuration \"topic.creation.compact.include\" which has no default value."]
    );
    assert!(errors(&infos, "topic.creation.compact.partitions").is_empty());

    // A worker with topic.creation.enable=false ignores the keys, as the JVM does.
    let registry = test_plugins::registry();
    let mut worker = test_plugins::worker_config("localhost:9092", None);
    worker.topic_creation_enable = false;
    let infos = validate(
        &registry,
        &worker,
        &source(&[("topic.creation.default.partitions", "0")]),
    )
    .unwrap();
    assert_eq!(infos.error_count, 0, "{:?}", infos.error_lines());
}
