//! `RegexRouter`: when a Java regex matches the whole topic name, the topic becomes the
//! replacement (with `$1`-style group references); otherwise the record is untouched.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::ConnectRecord;
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::ConnectResult;

use crate::util::config::Cfg;
use crate::util::java_regex::{self, JavaRegex, JavaReplacement};

/// The `regex` key.
pub const REGEX: &str = "regex";
/// The `replacement` key.
pub const REPLACEMENT: &str = "replacement";

/// Config keys of RegexRouter.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                REGEX,
                ConfigType::String,
                None,
                Importance::High,
                "Java regular expression the whole topic name must match.",
            )
            .validate_with(regex_validator),
        )
        .define(ConfigKey::new(
            REPLACEMENT,
            ConfigType::String,
            None,
            Importance::High,
            "New topic name; $1, $2, ... and ${name} insert the regex's groups.",
        ))
}

/// Checks that a value is a usable Java regex (`RegexValidator`).
pub fn regex_validator(_key: &str, value: &str) -> Result<(), String> {
    let translated = java_regex::translate(value).map_err(|e| format!("Invalid regex: {e}"))?;
    regex::Regex::new(&translated)
        .map(|_| ())
        .map_err(|e| format!("Invalid regex: {e}"))
}

/// Renames topics (`org.apache.kafka.connect.transforms.RegexRouter`).
pub struct RegexRouter {
    regex: JavaRegex,
    replacement: JavaReplacement,
    /// The last topic routed and its result: records of a stream share their topic.
    last: parking_lot::Mutex<Option<(String, Option<String>)>>,
}

impl RegexRouter {
    /// Configures the transform from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let regex = JavaRegex::compile(&cfg.string(REGEX)?, REGEX)?;
        let replacement = JavaReplacement::compile(&cfg.string(REPLACEMENT)?, &regex, REPLACEMENT)?;
        Ok(RegexRouter {
            regex,
            replacement,
            last: parking_lot::Mutex::new(None),
        })
    }
}

impl RegexRouter {
    fn route(&self, topic: &str) -> Option<String> {
        let caps = self.regex.full_captures(topic)?;
        let mut out = String::with_capacity(topic.len() + 16);
        self.replacement.expand(&caps, &mut out);
        Some(out)
    }
}

impl Transformation for RegexRouter {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let mut last = self.last.lock();
        let hit = match &*last {
            Some((topic, routed)) if *topic == record.topic => Some(routed.clone()),
            _ => None,
        };
        let routed = match hit {
            Some(routed) => routed,
            None => {
                let routed = self.route(&record.topic);
                *last = Some((record.topic.clone(), routed.clone()));
                routed
            }
        };
        drop(last);
        if let Some(topic) = routed {
            record.topic = topic;
        }
        Ok(Some(record))
    }
}
