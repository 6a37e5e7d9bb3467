//! `TimestampRouter`: renames the topic from a format holding `${topic}` and `${timestamp}`,
//! the record timestamp formatted with a `SimpleDateFormat` pattern in UTC.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::ConnectRecord;
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{invalid, Cfg};
use crate::util::date_format::DateFormat;

/// The `topic.format` key.
pub const TOPIC_FORMAT: &str = "topic.format";
/// The `timestamp.format` key.
pub const TIMESTAMP_FORMAT: &str = "timestamp.format";

/// Config keys of TimestampRouter.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            TOPIC_FORMAT,
            ConfigType::String,
            Some("${topic}-${timestamp}"),
            Importance::High,
            "New topic name; ${topic} stands for the original topic and ${timestamp} for the \
             formatted record timestamp.",
        ))
        .define(
            ConfigKey::new(
                TIMESTAMP_FORMAT,
                ConfigType::String,
                Some("yyyyMMdd"),
                Importance::High,
                "SimpleDateFormat pattern for ${timestamp}, applied in UTC.",
            )
            .validate_with(|_, v| DateFormat::new(v).map(|_| ())),
        )
}

/// Routes records to time-bucketed topics (`org.apache.kafka.connect.transforms.TimestampRouter`).
#[derive(Debug)]
pub struct TimestampRouter {
    topic_format: String,
    format: DateFormat,
}

impl TimestampRouter {
    /// Configures the transform from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let pattern = cfg.string(TIMESTAMP_FORMAT)?;
        let format =
            DateFormat::new(&pattern).map_err(|e| invalid(TIMESTAMP_FORMAT, &pattern, e))?;
        Ok(TimestampRouter {
            topic_format: cfg.string(TOPIC_FORMAT)?,
            format,
        })
    }
}

impl Transformation for TimestampRouter {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let Some(ts) = record.timestamp else {
            return Err(ConnectError::data(format!(
                "Timestamp missing on record: ConnectRecord{{topic='{}', kafkaPartition={}, timestamp=null}}",
                record.topic,
                record.kafka_partition.map_or("null".to_string(), |p| p.to_string())
            )));
        };
        let stamp = self.format.format(ts);
        record.topic = self
            .topic_format
            .replace("${topic}", &record.topic)
            .replace("${timestamp}", &stamp);
        Ok(Some(record))
    }
}
