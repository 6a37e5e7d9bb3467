//! The built-in predicates (`org.apache.kafka.connect.transforms.predicates`):
//! `TopicNameMatches`, `HasHeaderKey` and `RecordIsTombstone`.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::ConnectRecord;
use ferroconnect_runtime::transform::Predicate;
use ferroconnect_runtime::ConnectResult;

use crate::regex_router::regex_validator;
use crate::util::config::{non_empty_string, Cfg};
use crate::util::java_regex::JavaRegex;

/// The `pattern` key of TopicNameMatches.
pub const PATTERN: &str = "pattern";
/// The `name` key of HasHeaderKey.
pub const NAME: &str = "name";

/// Config keys of TopicNameMatches.
pub fn topic_name_matches_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            PATTERN,
            ConfigType::String,
            None,
            Importance::Medium,
            "Java regular expression the whole topic name must match.",
        )
        .validate_with(|k, v| {
            if v.is_empty() {
                return Err("String must be non-empty".to_string());
            }
            regex_validator(k, v)
        }),
    )
}

/// True when the whole topic name matches a regex.
#[derive(Debug)]
pub struct TopicNameMatches {
    pattern: JavaRegex,
}

impl TopicNameMatches {
    /// Configures the predicate from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = topic_name_matches_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(TopicNameMatches {
            pattern: JavaRegex::compile(&cfg.string(PATTERN)?, PATTERN)?,
        })
    }
}

impl Predicate for TopicNameMatches {
    fn test(&self, record: &ConnectRecord) -> bool {
        // An empty topic stands for Java's null topic, which never matches.
        !record.topic.is_empty() && self.pattern.matches(&record.topic)
    }
}

/// Config keys of HasHeaderKey.
pub fn has_header_key_def() -> ConfigDef {
    ConfigDef::new().define(non_empty_string(ConfigKey::new(
        NAME,
        ConfigType::String,
        None,
        Importance::Medium,
        "Header key to look for.",
    )))
}

/// True when the record has at least one header with the key.
#[derive(Debug)]
pub struct HasHeaderKey {
    name: String,
}

impl HasHeaderKey {
    /// Configures the predicate from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = has_header_key_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(HasHeaderKey {
            name: cfg.string(NAME)?,
        })
    }
}

impl Predicate for HasHeaderKey {
    fn test(&self, record: &ConnectRecord) -> bool {
        record.headers.iter().any(|h| h.key == self.name)
    }
}

/// Config keys of RecordIsTombstone (none).
pub fn record_is_tombstone_def() -> ConfigDef {
    ConfigDef::new()
}

/// True when the record value is null.
#[derive(Debug, Default)]
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn test(&self, record: &ConnectRecord) -> bool {
        record.value.is_null()
    }
}
