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
    segments: Vec<Segment>,
    format: DateFormat,
}

/// A piece of `topic.format`.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Topic,
    Timestamp,
}

/// Splits `topic.format` at `${topic}` and `${timestamp}` (topic names cannot contain `$`, so
/// this equals Kafka's two successive string replacements).
fn segments(format: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        let t = rest.find("${topic}");
        let s = rest.find("${timestamp}");
        let (at, seg, len) = match (t, s) {
            (Some(t), Some(s)) if s < t => (s, Segment::Timestamp, 12),
            (Some(t), _) => (t, Segment::Topic, 8),
            (None, Some(s)) => (s, Segment::Timestamp, 12),
            (None, None) => {
                out.push(Segment::Literal(rest.to_string()));
                break;
            }
        };
        if at > 0 {
            out.push(Segment::Literal(rest[..at].to_string()));
        }
        out.push(seg);
        rest = &rest[at + len..];
    }
    out
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
            segments: segments(&cfg.string(TOPIC_FORMAT)?),
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
        let mut topic = String::with_capacity(record.topic.len() + 24);
        for seg in &self.segments {
            match seg {
                Segment::Literal(l) => topic.push_str(l),
                Segment::Topic => topic.push_str(&record.topic),
                Segment::Timestamp => self.format.format_into(ts, &mut topic),
            }
        }
        record.topic = topic;
        Ok(Some(record))
    }
}
