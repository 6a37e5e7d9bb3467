//! KIP-158 topic creation for source connectors: the `topic.creation.*` keys.
//!
//! A source connector creates the topics it writes to when the worker allows it
//! (`topic.creation.enable`, default true) and the connector sets
//! `topic.creation.default.replication.factor` and `topic.creation.default.partitions`.
//! `topic.creation.groups` lists further groups, each with `include` / `exclude` regex lists
//! (full matches), its own `replication.factor` / `partitions` (defaulting to the `default`
//! group's; -1 = the broker's default) and any other `topic.creation.<group>.<topic config>`
//! key, passed to the broker as a topic config (`cleanup.policy`, `retention.ms`, ...).
//! A topic belongs to the first listed group that includes and does not exclude it, else to
//! `default`.
//!
//! [`enrich`] adds the group keys to a source connector's definition for `/validate` (as the
//! JVM's `SourceConnectorConfig.enrich` does); [`TopicCreation::from_config`] reads them for
//! the task loop.

use regex::Regex;

use super::framework::{TOPIC_CREATION_GROUP, TOPIC_CREATION_GROUPS_CONFIG};
use super::{parse_list, ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Width};

/// Prefix of every topic creation key.
pub const TOPIC_CREATION_PREFIX: &str = "topic.creation.";
/// The group every topic falls back to.
pub const DEFAULT_GROUP: &str = "default";
/// `<prefix>include`: regexes of the topics a group applies to.
pub const INCLUDE_CONFIG: &str = "include";
/// `<prefix>exclude`: regexes of the topics a group never applies to.
pub const EXCLUDE_CONFIG: &str = "exclude";
/// `<prefix>replication.factor`.
pub const REPLICATION_FACTOR_CONFIG: &str = "replication.factor";
/// `<prefix>partitions`.
pub const PARTITIONS_CONFIG: &str = "partitions";

/// Keys of a group that are not topic configs.
const GROUP_KEYS: [&str; 4] = [
    INCLUDE_CONFIG,
    EXCLUDE_CONFIG,
    REPLICATION_FACTOR_CONFIG,
    PARTITIONS_CONFIG,
];

const PARTITIONS_REASON: &str =
    "Number of partitions must be positive, or -1 to use the broker's default";
const REPLICATION_REASON: &str = "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default";

/// A topic creation setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicCreationError {
    /// A value of the wrong type or out of range; names the key.
    #[error("Invalid value {value} for configuration {key}: {reason}")]
    Invalid {
        /// The full key (`topic.creation.default.partitions`).
        key: String,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// A key the group needs is not set.
    #[error("Missing required configuration \"{0}\" which has no default value.")]
    Missing(String),
}

/// The `/validate` group of a topic creation group (`Topic Creation: <group>`).
pub fn group_name(group: &str) -> String {
    format!("{TOPIC_CREATION_GROUP}: {group}")
}

/// Whether the connector config sets any `topic.creation.*` key (the JVM then checks the
/// topic creation groups).
pub fn uses_topic_creation(config: &ConfigMap) -> bool {
    config.keys().any(|k| k.starts_with(TOPIC_CREATION_PREFIX))
}

/// The groups named in `topic.creation.groups`, without duplicates and without `default`.
pub fn listed_groups(config: &ConfigMap) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in parse_list(config.get(TOPIC_CREATION_GROUPS_CONFIG).map_or("", |s| s)) {
        if g != DEFAULT_GROUP && !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

fn check_partitions(v: &str) -> Result<i32, String> {
    match v.trim().parse::<i32>() {
        Ok(n) if n == -1 || n >= 1 => Ok(n),
        Ok(_) => Err(PARTITIONS_REASON.into()),
        Err(_) => Err("Not a number of type INT".into()),
    }
}

fn check_replication(v: &str) -> Result<i16, String> {
    match v.trim().parse::<i16>() {
        Ok(n) if n == -1 || n >= 1 => Ok(n),
        Ok(_) => Err(REPLICATION_REASON.into()),
        Err(_) => Err("Not a number of type SHORT".into()),
    }
}

/// Compiles a list of regexes as full matches (Java's `String.matches`).
fn compile_list(v: &str) -> Result<Vec<Regex>, String> {
    parse_list(v)
        .iter()
        .map(|p| {
            Regex::new(&format!("^(?:{p})$"))
                .map_err(|e| format!("Must be a valid regular expression: {e}"))
        })
        .collect()
}

/// Adds the `default` group's keys and those of every group in `topic.creation.groups` to a
/// source connector's definition, each group as `Topic Creation: <group>`. A listed group's
/// replication factor and partitions default to the `default` group's valid values.
pub fn enrich(mut def: ConfigDef, config: &ConfigMap) -> ConfigDef {
    let default_prefix = format!("{TOPIC_CREATION_PREFIX}{DEFAULT_GROUP}.");
    let default_of = |name: &str, ok: fn(&str) -> bool| {
        config
            .get(&format!("{default_prefix}{name}"))
            .filter(|v| ok(v))
            .cloned()
    };
    let default_rf = default_of(REPLICATION_FACTOR_CONFIG, |v| check_replication(v).is_ok());
    let default_partitions = default_of(PARTITIONS_CONFIG, |v| check_partitions(v).is_ok());
    add_group(&mut def, DEFAULT_GROUP, Some(".*"), None, None);
    for group in listed_groups(config) {
        // A broken default group is reported on its own keys; "-1" keeps it from being
        // reported again under every other group.
        add_group(
            &mut def,
            &group,
            None,
            Some(default_rf.as_deref().unwrap_or("-1")),
            Some(default_partitions.as_deref().unwrap_or("-1")),
        );
    }
    def
}

fn add_group(
    def: &mut ConfigDef,
    group: &str,
    include_default: Option<&str>,
    rf_default: Option<&str>,
    partitions_default: Option<&str>,
) {
    let prefix = format!("{TOPIC_CREATION_PREFIX}{group}.");
    let display = group_name(group);
    let regexes = |_k: &str, v: &str| compile_list(v).map(|_| ());
    let keys = [
        ConfigKey::new(
            format!("{prefix}{INCLUDE_CONFIG}"),
            ConfigType::List,
            include_default,
            Importance::Low,
            "Regular expressions (full matches) of the topic names this group's settings apply to.",
        )
        .validate_with(regexes),
        ConfigKey::new(
            format!("{prefix}{EXCLUDE_CONFIG}"),
            ConfigType::List,
            Some(""),
            Importance::Low,
            "Regular expressions (full matches) of topic names this group never applies to; exclusion wins over inclusion.",
        )
        .validate_with(regexes),
        ConfigKey::new(
            format!("{prefix}{REPLICATION_FACTOR_CONFIG}"),
            ConfigType::Short,
            rf_default,
            Importance::Low,
            "Replication factor of the topics this group creates; -1 uses the broker's default.",
        )
        .validate_with(|_k, v| check_replication(v).map(|_| ())),
        ConfigKey::new(
            format!("{prefix}{PARTITIONS_CONFIG}"),
            ConfigType::Int,
            partitions_default,
            Importance::Low,
            "Number of partitions of the topics this group creates; -1 uses the broker's default.",
        )
        .validate_with(|_k, v| check_partitions(v).map(|_| ())),
    ];
    for (order, key) in keys.into_iter().enumerate() {
        let name = key.name.clone();
        def.add(
            key.group(display.clone(), order as i32 + 1, Width::Long)
                .display(name),
        );
    }
}

/// One group's settings for the topics it creates.
#[derive(Debug, Clone)]
pub struct TopicCreationGroup {
    /// The group's name (`default` or one of `topic.creation.groups`).
    pub name: String,
    include: Vec<Regex>,
    exclude: Vec<Regex>,
    /// Partitions of a created topic (-1: the broker's default).
    pub partitions: i32,
    /// Replication factor of a created topic (-1: the broker's default).
    pub replication_factor: i16,
    /// Other `topic.creation.<group>.<key>` settings, passed as topic configs.
    pub topic_configs: Vec<(String, String)>,
}

impl TopicCreationGroup {
    /// Whether `topic` is included and not excluded.
    pub fn matches(&self, topic: &str) -> bool {
        self.include.iter().any(|r| r.is_match(topic))
            && !self.exclude.iter().any(|r| r.is_match(topic))
    }
}

/// The topic creation settings of a source connector.
#[derive(Debug, Clone)]
pub struct TopicCreation {
    default: TopicCreationGroup,
    groups: Vec<TopicCreationGroup>,
}

impl TopicCreation {
    /// The settings, if topic creation is on: the worker allows it and the connector sets the
    /// `default` group's replication factor and partitions. Errors name the key at fault.
    pub fn from_config(
        worker_enabled: bool,
        config: &ConfigMap,
    ) -> Result<Option<TopicCreation>, TopicCreationError> {
        let default_prefix = format!("{TOPIC_CREATION_PREFIX}{DEFAULT_GROUP}.");
        let set = |name: &str| config.contains_key(&format!("{default_prefix}{name}"));
        if !worker_enabled || !set(REPLICATION_FACTOR_CONFIG) || !set(PARTITIONS_CONFIG) {
            return Ok(None);
        }
        let default = read_group(config, DEFAULT_GROUP, None)?;
        let groups = listed_groups(config)
            .iter()
            .map(|g| read_group(config, g, Some(&default)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(TopicCreation { default, groups }))
    }

    /// The group a topic is created with: the first listed group that includes and does not
    /// exclude it, else `default`.
    pub fn group_for(&self, topic: &str) -> &TopicCreationGroup {
        self.groups
            .iter()
            .find(|g| g.matches(topic))
            .unwrap_or(&self.default)
    }
}

/// Reads one group; `default` is `None` for the default group itself (whose include and
/// exclude lists are ignored: it takes every topic no other group takes).
fn read_group(
    config: &ConfigMap,
    group: &str,
    default: Option<&TopicCreationGroup>,
) -> Result<TopicCreationGroup, TopicCreationError> {
    let prefix = format!("{TOPIC_CREATION_PREFIX}{group}.");
    let key = |name: &str| format!("{prefix}{name}");
    let invalid = |name: &str, value: &str, reason: String| TopicCreationError::Invalid {
        key: key(name),
        value: value.to_string(),
        reason,
    };
    let raw = |name: &str| config.get(&key(name)).map(String::as_str);
    let partitions = match (raw(PARTITIONS_CONFIG), default) {
        (Some(v), _) => check_partitions(v).map_err(|r| invalid(PARTITIONS_CONFIG, v, r))?,
        (None, Some(d)) => d.partitions,
        (None, None) => return Err(TopicCreationError::Missing(key(PARTITIONS_CONFIG))),
    };
    let replication_factor = match (raw(REPLICATION_FACTOR_CONFIG), default) {
        (Some(v), _) => {
            check_replication(v).map_err(|r| invalid(REPLICATION_FACTOR_CONFIG, v, r))?
        }
        (None, Some(d)) => d.replication_factor,
        (None, None) => return Err(TopicCreationError::Missing(key(REPLICATION_FACTOR_CONFIG))),
    };
    let (include, exclude) = match default {
        None => (
            compile_list(".*").map_err(|r| invalid(INCLUDE_CONFIG, ".*", r))?,
            Vec::new(),
        ),
        Some(_) => {
            let include = raw(INCLUDE_CONFIG)
                .ok_or_else(|| TopicCreationError::Missing(key(INCLUDE_CONFIG)))?;
            let exclude = raw(EXCLUDE_CONFIG).unwrap_or("");
            (
                compile_list(include).map_err(|r| invalid(INCLUDE_CONFIG, include, r))?,
                compile_list(exclude).map_err(|r| invalid(EXCLUDE_CONFIG, exclude, r))?,
            )
        }
    };
    let topic_configs = config
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(&prefix)?;
            (!GROUP_KEYS.contains(&name) && !name.is_empty()).then(|| (name.to_string(), v.clone()))
        })
        .collect();
    Ok(TopicCreationGroup {
        name: group.to_string(),
        include,
        exclude,
        partitions,
        replication_factor,
        topic_configs,
    })
}

#[cfg(test)]
#[path = "topic_creation_tests.rs"]
mod tests;
