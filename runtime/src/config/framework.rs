//! The framework's connector config keys (`ConnectorConfig`, `SinkConnectorConfig`,
//! `SourceConnectorConfig`): every connector accepts them on top of its own keys. They drive
//! `/validate`, `/connector-plugins/{p}/config` and the worker's reading of a connector config.
//!
//! The definitions also grow per-alias groups (`Transforms: <alias>`, `Predicates: <alias>`)
//! for the transforms and predicates a config names, see [`enrich`].

use super::{parse_list, ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Width};
use crate::connector::ConnectorType;
use crate::plugins::PluginRegistry;

/// `name`.
pub const NAME_CONFIG: &str = "name";
/// `connector.class`.
pub const CONNECTOR_CLASS_CONFIG: &str = "connector.class";
/// `tasks.max`.
pub const TASKS_MAX_CONFIG: &str = "tasks.max";
/// `tasks.max.enforce`.
pub const TASKS_MAX_ENFORCE_CONFIG: &str = "tasks.max.enforce";
/// `key.converter`.
pub const KEY_CONVERTER_CONFIG: &str = "key.converter";
/// `value.converter`.
pub const VALUE_CONVERTER_CONFIG: &str = "value.converter";
/// `header.converter`.
pub const HEADER_CONVERTER_CONFIG: &str = "header.converter";
/// `config.action.reload`.
pub const CONFIG_RELOAD_ACTION_CONFIG: &str = "config.action.reload";
/// `transforms`.
pub const TRANSFORMS_CONFIG: &str = "transforms";
/// `predicates`.
pub const PREDICATES_CONFIG: &str = "predicates";
/// `errors.retry.timeout`.
pub const ERRORS_RETRY_TIMEOUT_CONFIG: &str = "errors.retry.timeout";
/// `errors.retry.delay.max.ms`.
pub const ERRORS_RETRY_DELAY_MAX_CONFIG: &str = "errors.retry.delay.max.ms";
/// `errors.tolerance`.
pub const ERRORS_TOLERANCE_CONFIG: &str = "errors.tolerance";
/// `errors.log.enable`.
pub const ERRORS_LOG_ENABLE_CONFIG: &str = "errors.log.enable";
/// `errors.log.include.messages`.
pub const ERRORS_LOG_INCLUDE_MESSAGES_CONFIG: &str = "errors.log.include.messages";
/// `topics` (sinks).
pub const TOPICS_CONFIG: &str = "topics";
/// `topics.regex` (sinks).
pub const TOPICS_REGEX_CONFIG: &str = "topics.regex";
/// `errors.deadletterqueue.topic.name` (sinks).
pub const DLQ_TOPIC_NAME_CONFIG: &str = "errors.deadletterqueue.topic.name";
/// `errors.deadletterqueue.topic.replication.factor` (sinks).
pub const DLQ_TOPIC_REPLICATION_FACTOR_CONFIG: &str =
    "errors.deadletterqueue.topic.replication.factor";
/// `errors.deadletterqueue.context.headers.enable` (sinks).
pub const DLQ_CONTEXT_HEADERS_ENABLE_CONFIG: &str = "errors.deadletterqueue.context.headers.enable";
/// `topic.creation.groups` (sources).
pub const TOPIC_CREATION_GROUPS_CONFIG: &str = "topic.creation.groups";
/// `exactly.once.support` (sources).
pub const EXACTLY_ONCE_SUPPORT_CONFIG: &str = "exactly.once.support";
/// `transaction.boundary` (sources).
pub const TRANSACTION_BOUNDARY_CONFIG: &str = "transaction.boundary";
/// `transaction.boundary.interval.ms` (sources).
pub const TRANSACTION_BOUNDARY_INTERVAL_CONFIG: &str = "transaction.boundary.interval.ms";
/// `offsets.storage.topic` (sources).
pub const OFFSETS_TOPIC_CONFIG: &str = "offsets.storage.topic";

/// Group of the basic keys.
pub const COMMON_GROUP: &str = "Common";
/// Group of `transforms`.
pub const TRANSFORMS_GROUP: &str = "Transforms";
/// Group of `predicates`.
pub const PREDICATES_GROUP: &str = "Predicates";
/// Group of the `errors.*` keys.
pub const ERROR_GROUP: &str = "Error Handling";
/// Group of `topic.creation.groups` (sources).
pub const TOPIC_CREATION_GROUP: &str = "Topic Creation";
/// Group of the exactly-once keys (sources).
pub const EXACTLY_ONCE_SUPPORT_GROUP: &str = "Exactly Once Support";
/// Group of `offsets.storage.topic` (sources).
pub const OFFSETS_TOPIC_GROUP: &str = "offsets.topic";

/// Keys the JVM defines with a `null` default: optional, and shown with a null value and
/// `default_value` when unset. [`ConfigKey`] has no way to say "optional without default", so
/// the validator asks this function. Covers the per-alias `transforms.<a>.predicate` keys too.
pub fn is_nullable(name: &str) -> bool {
    matches!(
        name,
        KEY_CONVERTER_CONFIG
            | VALUE_CONVERTER_CONFIG
            | HEADER_CONVERTER_CONFIG
            | TRANSACTION_BOUNDARY_INTERVAL_CONFIG
            | OFFSETS_TOPIC_CONFIG
    ) || (name.starts_with("transforms.") && name.ends_with(".predicate"))
}

#[allow(clippy::too_many_arguments)]
fn key(
    name: &str,
    t: ConfigType,
    default: Option<&str>,
    importance: Importance,
    doc: &str,
    group: &str,
    order: i32,
    width: Width,
    display: &str,
) -> ConfigKey {
    ConfigKey::new(name, t, default, importance, doc)
        .group(group, order, width)
        .display(display)
}

/// Rejects empty strings and ISO control characters (the `name` validator).
fn non_empty_without_control_chars(_k: &str, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("String may not be empty".into());
    }
    let controls: Vec<String> = v
        .chars()
        .filter(|c| c.is_control())
        .map(|c| (c as u32).to_string())
        .collect();
    if controls.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "String may not contain control sequences but had the following ASCII chars: {}",
            controls.join(", ")
        ))
    }
}

/// Keys every connector accepts (`ConnectorConfig`): groups Common, Transforms, Predicates and
/// Error Handling, in that order.
pub fn common_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    ConfigDef::new()
        .define(
            key(NAME_CONFIG, String, None, High,
                "Globally unique name for this connector; it identifies the connector in every REST call.",
                COMMON_GROUP, 1, Width::Medium, "Connector name")
            .validate_with(non_empty_without_control_chars),
        )
        .define(key(CONNECTOR_CLASS_CONFIG, String, None, High,
            "Class of the connector plugin: its full Java class name, its simple class name, or the simple name without the `Connector` suffix (e.g. `FileStreamSink`).",
            COMMON_GROUP, 2, Width::Long, "Connector class"))
        .define(
            key(TASKS_MAX_CONFIG, Int, Some("1"), High,
                "Upper bound on the number of tasks the connector may split its work into.",
                COMMON_GROUP, 3, Width::Short, "Tasks max")
            .at_least(1),
        )
        .define(key(TASKS_MAX_ENFORCE_CONFIG, Boolean, Some("true"), Low,
            "(Deprecated) Whether to fail the connector when it generates more task configs than tasks.max allows. Setting it to false is a temporary escape hatch for connectors that ignore the limit.",
            COMMON_GROUP, 4, Width::Short, "Enforce tasks max"))
        .define(key(KEY_CONVERTER_CONFIG, Class, None, Low,
            "Converter between Connect data and the serialized form of record keys in Kafka; unset means the worker's key.converter.",
            COMMON_GROUP, 5, Width::Short, "Key converter class"))
        .define(key(VALUE_CONVERTER_CONFIG, Class, None, Low,
            "Converter between Connect data and the serialized form of record values in Kafka; unset means the worker's value.converter.",
            COMMON_GROUP, 6, Width::Short, "Value converter class"))
        .define(key(HEADER_CONVERTER_CONFIG, Class, None, Low,
            "Converter between Connect header values and their serialized form in Kafka; unset means the worker's header.converter.",
            COMMON_GROUP, 7, Width::Short, "Header converter class"))
        .define(
            key(CONFIG_RELOAD_ACTION_CONFIG, String, Some("restart"), Low,
                "What to do when a value supplied by a config provider changes: `restart` the connector or do `none`.",
                COMMON_GROUP, 8, Width::Medium, "Reload action")
            .one_of(&["none", "restart"]),
        )
        .define(
            key(TRANSFORMS_CONFIG, List, Some(""), Low,
                "Aliases of the transformations to apply to records, in order.",
                TRANSFORMS_GROUP, 1, Width::Long, "Transforms")
            .validate_with(|_k, v| unique_aliases(v)),
        )
        .define(
            key(PREDICATES_CONFIG, List, Some(""), Low,
                "Aliases of the predicates the transformations may refer to.",
                PREDICATES_GROUP, 1, Width::Long, "Predicates")
            .validate_with(|_k, v| unique_aliases(v)),
        )
        .define(key(ERRORS_RETRY_TIMEOUT_CONFIG, Long, Some("0"), Medium,
            "How long, in milliseconds, a failed operation is retried before giving up. 0 disables retries, -1 retries forever.",
            ERROR_GROUP, 1, Width::Medium, "Retry Timeout for Errors"))
        .define(key(ERRORS_RETRY_DELAY_MAX_CONFIG, Long, Some("60000"), Medium,
            "Largest delay, in milliseconds, between two retries of a failed operation; the backoff grows up to it and then jitters below it.",
            ERROR_GROUP, 2, Width::Medium, "Maximum Delay Between Retries for Errors"))
        .define(
            key(ERRORS_TOLERANCE_CONFIG, String, Some("none"), Medium,
                "What to do with a record that fails conversion or transformation: `none` fails the task at the first error, `all` skips the record and carries on.",
                ERROR_GROUP, 3, Width::Short, "Error Tolerance")
            .one_of(&["none", "all"]),
        )
        .define(key(ERRORS_LOG_ENABLE_CONFIG, Boolean, Some("false"), Medium,
            "When true, each failed operation and skipped record is written to the worker log.",
            ERROR_GROUP, 4, Width::Short, "Log Errors"))
        .define(key(ERRORS_LOG_INCLUDE_MESSAGES_CONFIG, Boolean, Some("false"), Medium,
            "When true (and errors.log.enable is true), the log lines also carry the record's topic, partition, offset and timestamp (sinks) or key, value and headers (sources).",
            ERROR_GROUP, 5, Width::Short, "Log Error Details"))
}

/// Rejects duplicate aliases in `transforms` / `predicates`.
fn unique_aliases(v: &str) -> Result<(), String> {
    let aliases = parse_list(v);
    let mut seen = std::collections::HashSet::new();
    if aliases.iter().all(|a| seen.insert(a.as_str())) {
        Ok(())
    } else {
        Err("Duplicate alias provided.".into())
    }
}

/// Framework keys of a sink connector (`SinkConnectorConfig`).
pub fn sink_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    common_def()
        .define(key(TOPICS_CONFIG, List, Some(""), High,
            "Topics to consume, separated by commas.",
            COMMON_GROUP, 4, Width::Long, "Topics"))
        .define(
            key(TOPICS_REGEX_CONFIG, String, Some(""), High,
                "Regular expression selecting the topics to consume; matching topics created later are picked up too.",
                COMMON_GROUP, 4, Width::Long, "Topics regex")
            .validate_with(|_k, v| {
                if v.is_empty() {
                    return Ok(());
                }
                regex::Regex::new(&format!("^(?:{v})$"))
                    .map(|_| ())
                    .map_err(|e| format!("Must be a valid regular expression: {e}"))
            }),
        )
        .define(key(DLQ_TOPIC_NAME_CONFIG, String, Some(""), Medium,
            "Topic that receives records which failed in this sink (with errors.tolerance=all). Empty disables the dead letter queue.",
            ERROR_GROUP, 6, Width::Medium, "Dead Letter Queue Topic Name"))
        .define(key(DLQ_TOPIC_REPLICATION_FACTOR_CONFIG, Short, Some("3"), Medium,
            "Replication factor used when the dead letter queue topic has to be created.",
            ERROR_GROUP, 7, Width::Medium, "Dead Letter Queue Topic Replication Factor"))
        .define(key(DLQ_CONTEXT_HEADERS_ENABLE_CONFIG, Boolean, Some("false"), Medium,
            "When true, records sent to the dead letter queue carry `__connect.errors.*` headers describing the failure and the original record.",
            ERROR_GROUP, 8, Width::Medium, "Enable Error Context Headers"))
}

/// Framework keys of a source connector (`SourceConnectorConfig`).
pub fn source_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    common_def()
        .define(key(TOPIC_CREATION_GROUPS_CONFIG, List, Some(""), Low,
            "Groups of settings for topics the source creates; each group is configured under `topic.creation.<group>.*`, and the `default` group always exists.",
            TOPIC_CREATION_GROUP, 1, Width::Long, "Topic Creation Groups"))
        .define(
            key(EXACTLY_ONCE_SUPPORT_CONFIG, String, Some("requested"), Medium,
                "`required` makes the worker refuse the connector unless it declares exactly-once support; `requested` does not check.",
                EXACTLY_ONCE_SUPPORT_GROUP, 1, Width::Short, "Exactly once support")
            .one_of(&["requested", "required"]),
        )
        .define(
            key(TRANSACTION_BOUNDARY_CONFIG, String, Some("poll"), Medium,
                "Where transactions end under exactly-once: after each `poll`, every `interval`, or where the `connector` decides.",
                EXACTLY_ONCE_SUPPORT_GROUP, 2, Width::Short, "Transaction Boundary")
            .one_of(&["poll", "interval", "connector"]),
        )
        .define(
            key(TRANSACTION_BOUNDARY_INTERVAL_CONFIG, Long, None, Low,
                "Length of a transaction, in milliseconds, when transaction.boundary is `interval`; unset means the worker's offset.flush.interval.ms.",
                EXACTLY_ONCE_SUPPORT_GROUP, 3, Width::Short, "Transaction boundary interval ms")
            .at_least(0),
        )
        .define(key(OFFSETS_TOPIC_CONFIG, String, None, Low,
            "Own topic for this connector's source offsets (distributed mode); unset means the worker's offset.storage.topic.",
            OFFSETS_TOPIC_GROUP, 1, Width::Long, "Offsets topic"))
}

/// The framework keys for a connector type.
pub fn connector_def(connector_type: ConnectorType) -> ConfigDef {
    match connector_type {
        ConnectorType::Sink => sink_def(),
        ConnectorType::Source => source_def(),
    }
}

/// Group name of a transform alias.
pub fn transform_group(alias: &str) -> String {
    format!("Transforms: {alias}")
}

/// Group name of a predicate alias.
pub fn predicate_group(alias: &str) -> String {
    format!("Predicates: {alias}")
}

/// Copies `child`'s keys under `prefix`, in `group`, numbered from `start`.
fn embed(def: &mut ConfigDef, prefix: &str, group: &str, start: i32, child: &ConfigDef) -> i32 {
    let mut order = start;
    for k in child.keys() {
        if k.name == "predicate" || k.name == "negate" {
            continue; // masked by the framework's own keys
        }
        let mut k = k.clone();
        k.name = format!("{prefix}{}", k.name);
        if k.display_name == k.name[prefix.len()..] {
            k.display_name = k.name.clone();
        }
        k.group = Some(group.to_string());
        k.order_in_group = order;
        order += 1;
        def.add(k);
    }
    order
}

/// Adds a group per alias in `transforms` and `predicates` (`ConnectorConfig.enrich`): the
/// `type` key, the plugin's own keys under the alias prefix when the registry knows the type,
/// and for transforms the `predicate` / `negate` keys.
pub fn enrich(mut def: ConfigDef, config: &ConfigMap, registry: &PluginRegistry) -> ConfigDef {
    let transforms = dedup(parse_list(config.get(TRANSFORMS_CONFIG).map_or("", |s| s)));
    for alias in transforms {
        let group = transform_group(&alias);
        let prefix = format!("{TRANSFORMS_CONFIG}.{alias}.");
        def.add(
            ConfigKey::new(
                format!("{prefix}type"),
                ConfigType::Class,
                None,
                Importance::High,
                format!("Class of the '{alias}' transformation."),
            )
            .group(group.clone(), 0, Width::Long)
            .display(format!("Transformation type for {alias}")),
        );
        let mut order = 1;
        if let Some(plugin) = config
            .get(&format!("{prefix}type"))
            .and_then(|c| registry.transform(c))
        {
            order = embed(&mut def, &prefix, &group, 1, &plugin.config_def);
        }
        def.add(
            ConfigKey::new(
                format!("{prefix}predicate"),
                ConfigType::String,
                None,
                Importance::Medium,
                "Alias of the predicate that decides whether this transformation applies to a record.",
            )
            .group(group.clone(), order, Width::Long)
            .display("Predicate"),
        );
        def.add(
            ConfigKey::new(
                format!("{prefix}negate"),
                ConfigType::Boolean,
                Some("false"),
                Importance::Medium,
                "When true, the transformation applies to the records the predicate does not match.",
            )
            .group(group, order + 1, Width::Short)
            .display("Negate"),
        );
    }
    let predicates = dedup(parse_list(config.get(PREDICATES_CONFIG).map_or("", |s| s)));
    for alias in predicates {
        let group = predicate_group(&alias);
        let prefix = format!("{PREDICATES_CONFIG}.{alias}.");
        def.add(
            ConfigKey::new(
                format!("{prefix}type"),
                ConfigType::Class,
                None,
                Importance::High,
                format!("Class of the '{alias}' predicate."),
            )
            .group(group.clone(), 0, Width::Long)
            .display(format!("Predicate type for {alias}")),
        );
        if let Some(plugin) = config
            .get(&format!("{prefix}type"))
            .and_then(|c| registry.predicate(c))
        {
            embed(&mut def, &prefix, &group, 1, &plugin.config_def);
        }
    }
    def
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for a in list {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_def_groups_in_jvm_order() {
        assert_eq!(
            sink_def().groups(),
            vec![
                COMMON_GROUP,
                TRANSFORMS_GROUP,
                PREDICATES_GROUP,
                ERROR_GROUP
            ]
        );
        assert!(sink_def().key(TOPICS_CONFIG).is_some());
        assert!(sink_def().key(EXACTLY_ONCE_SUPPORT_CONFIG).is_none());
    }

    #[test]
    fn source_def_has_source_only_keys() {
        let def = source_def();
        assert!(def.key(TOPICS_CONFIG).is_none());
        assert_eq!(
            def.key(TRANSACTION_BOUNDARY_CONFIG)
                .and_then(|k| k.default.clone()),
            Some("poll".to_string())
        );
        assert!(def
            .groups()
            .contains(&EXACTLY_ONCE_SUPPORT_GROUP.to_string()));
    }

    #[test]
    fn tasks_max_must_be_positive() {
        let def = common_def();
        let k = def.key(TASKS_MAX_CONFIG).unwrap();
        assert!(k.check("2").is_ok());
        assert_eq!(
            k.check("0").unwrap_err(),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1"
        );
    }

    #[test]
    fn enrich_adds_alias_groups_even_for_unknown_types() {
        let mut config = ConfigMap::new();
        config.insert("transforms".into(), "a, b".into());
        config.insert("transforms.a.type".into(), "NoSuchThing".into());
        config.insert("predicates".into(), "p".into());
        let def = enrich(sink_def(), &config, &PluginRegistry::new());
        let groups = def.groups();
        assert!(groups.contains(&"Transforms: a".to_string()));
        assert!(groups.contains(&"Transforms: b".to_string()));
        assert!(groups.contains(&"Predicates: p".to_string()));
        assert!(def.key("transforms.a.negate").is_some());
        assert!(is_nullable("transforms.a.predicate"));
    }
}
