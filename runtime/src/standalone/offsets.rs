//! `GET/PATCH/DELETE /connectors/{c}/offsets` (KIP-875): reading, validating and writing
//! source offsets and sink consumer-group offsets, only for STOPPED connectors when writing.

use serde_json::{Map, Value};

use crate::data::{OffsetMap, TopicPartition};
use crate::herder::{ConnectorOffset, ConnectorOffsets, HerderError, HerderResult, TargetState};
use crate::plugins::{ConnectorFactory, ConnectorPlugin};

use super::herder::StandaloneHerder;
use super::validation;

/// Sink partition key: topic.
pub const KAFKA_TOPIC_KEY: &str = "kafka_topic";
/// Sink partition key: partition.
pub const KAFKA_PARTITION_KEY: &str = "kafka_partition";
/// Sink offset key.
pub const KAFKA_OFFSET_KEY: &str = "kafka_offset";

fn bad(msg: impl Into<String>) -> HerderError {
    HerderError::BadRequest(msg.into())
}

/// The success message of an alter (`reset=false`) or reset; `acknowledged` is what the
/// connector's own offsets hook answered (false when it has none).
pub fn success_message(reset: bool, acknowledged: bool) -> String {
    let verb = if reset { "reset" } else { "altered" };
    if acknowledged {
        format!("The offsets for this connector have been {verb} successfully")
    } else {
        format!(
            "The Connect framework-managed offsets for this connector have been {verb} successfully. However, if this connector manages offsets externally, they will need to be manually {verb} in the system that the connector uses."
        )
    }
}

/// The Connect schema type name of a JSON value (for the primitive-values check).
fn schema_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Bool(_) => "BOOLEAN",
        Value::Number(n) if n.is_f64() => "FLOAT64",
        Value::Number(_) => "INT64",
        Value::String(_) => "STRING",
        Value::Array(_) => "ARRAY",
        Value::Object(_) => "MAP",
    }
}

/// Source partitions and offsets may only hold primitive values (`OffsetUtils.validateFormat`).
fn check_primitive(map: &Map<String, Value>) -> HerderResult<()> {
    for (k, v) in map {
        if matches!(v, Value::Array(_) | Value::Object(_)) {
            return Err(bad(format!(
                "Offsets may only contain primitive types as values, but field {k} contains {}",
                schema_type(v)
            )));
        }
    }
    Ok(())
}

/// Parses a source connector's PATCH body.
pub fn parse_source_offsets(
    offsets: &ConnectorOffsets,
) -> HerderResult<Vec<(OffsetMap, Option<OffsetMap>)>> {
    offsets
        .offsets
        .iter()
        .map(|o| {
            let partition = o.partition.clone().ok_or_else(|| {
                bad("The partition for a source connector offset cannot be null or missing")
            })?;
            check_primitive(&partition)?;
            if let Some(off) = &o.offset {
                check_primitive(off)?;
            }
            Ok((partition, o.offset.clone()))
        })
        .collect()
}

/// A JSON number or numeric string as an integer (`"10"` and `10` are both fine).
fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses a sink connector's PATCH body (`SinkUtils.parseSinkConnectorOffsets`).
pub fn parse_sink_offsets(
    offsets: &ConnectorOffsets,
) -> HerderResult<Vec<(TopicPartition, Option<i64>)>> {
    offsets
        .offsets
        .iter()
        .map(|o| {
            let partition = o.partition.as_ref().ok_or_else(|| {
                bad("The partition for a sink connector offset cannot be null or missing")
            })?;
            let (Some(topic), Some(part)) = (
                partition.get(KAFKA_TOPIC_KEY),
                partition.get(KAFKA_PARTITION_KEY),
            ) else {
                return Err(bad(format!(
                    "The partition for a sink connector offset must contain the keys '{KAFKA_TOPIC_KEY}' and '{KAFKA_PARTITION_KEY}'"
                )));
            };
            let Value::String(topic) = topic else {
                return Err(bad("Kafka topic names must be valid strings and may not be null"));
            };
            if part.is_null() {
                return Err(bad("Kafka partitions must be valid numbers and may not be null"));
            }
            let part = as_integer(part)
                .and_then(|p| i32::try_from(p).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "Failed to parse the following Kafka partition value in the provided offsets: '{}'. Partition values for sink connectors need to be integers.",
                        display(part)
                    ))
                })?;
            let offset = match &o.offset {
                None => None,
                Some(off) => {
                    let raw = off.get(KAFKA_OFFSET_KEY).ok_or_else(|| {
                        bad(format!(
                            "The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET_KEY}'"
                        ))
                    })?;
                    Some(as_integer(raw).ok_or_else(|| {
                        bad(format!(
                            "Failed to parse the following Kafka offset value in the provided offsets: '{}'. Offset values for sink connectors need to be integers.",
                            display(raw)
                        ))
                    })?)
                }
            };
            Ok((TopicPartition::new(topic.clone(), part), offset))
        })
        .collect()
}

/// A sink offset in the REST shape.
fn sink_offset(tp: &TopicPartition, offset: i64) -> ConnectorOffset {
    let mut partition = Map::new();
    partition.insert(KAFKA_TOPIC_KEY.into(), Value::String(tp.topic.clone()));
    partition.insert(KAFKA_PARTITION_KEY.into(), Value::from(tp.partition));
    let mut off = Map::new();
    off.insert(KAFKA_OFFSET_KEY.into(), Value::from(offset));
    ConnectorOffset {
        partition: Some(partition),
        offset: Some(off),
    }
}

impl StandaloneHerder {
    fn plugin_of(&self, config: &crate::config::ConfigMap) -> HerderResult<&ConnectorPlugin> {
        validation::resolve_connector(&self.registry, config)
    }

    /// `GET /connectors/{c}/offsets`.
    pub(crate) async fn get_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        let entry = self
            .entry(name)
            .await
            .ok_or_else(|| HerderError::NotFound(format!("Connector {name} not found")))?;
        let plugin = self.plugin_of(&entry.config)?;
        let offsets = match plugin.factory {
            ConnectorFactory::Source(_) => self
                .worker
                .source_offsets(name)
                .into_iter()
                .map(|(p, o)| ConnectorOffset {
                    partition: Some(p),
                    offset: Some(o),
                })
                .collect(),
            ConnectorFactory::Sink(_) => {
                let config = self.resolved_config(name, &entry.config)?;
                let mut list = self.worker.sink_offsets(name, &config).await.map_err(|e| {
                    HerderError::Internal(format!(
                        "Failed to retrieve consumer group offsets for sink connector {name}: {e}"
                    ))
                })?;
                list.sort_by(|a, b| {
                    a.0.topic
                        .cmp(&b.0.topic)
                        .then(a.0.partition.cmp(&b.0.partition))
                });
                list.iter().map(|(tp, o)| sink_offset(tp, *o)).collect()
            }
        };
        Ok(ConnectorOffsets { offsets })
    }

    /// `PATCH` (Some) or `DELETE` (None) `/connectors/{c}/offsets`; returns the message.
    pub(crate) async fn modify_offsets(
        &self,
        name: &str,
        offsets: Option<ConnectorOffsets>,
    ) -> HerderResult<String> {
        if offsets.as_ref().is_some_and(|o| o.offsets.is_empty()) {
            return Err(bad(
                "Partitions / offsets need to be provided for an alter offsets request",
            ));
        }
        let _ops = self.ops.lock().await;
        let entry = self
            .entry(name)
            .await
            .ok_or_else(|| HerderError::NotFound(format!("Connector {name} not found")))?;
        if entry.target != TargetState::Stopped {
            return Err(bad(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
            )));
        }
        let plugin = self.plugin_of(&entry.config)?.clone();
        let config = self.resolved_config(name, &entry.config)?;
        let reset = offsets.is_none();
        match &plugin.factory {
            ConnectorFactory::Source(factory) => {
                let entries = match &offsets {
                    Some(o) => parse_source_offsets(o)?,
                    None => self
                        .worker
                        .source_offsets(name)
                        .into_iter()
                        .map(|(p, _)| (p, None))
                        .collect(),
                };
                let acknowledged = factory()
                    .alter_offsets(&config, &entries)
                    .map_err(|e| bad(self.status.redact(name, &e.to_string())))?;
                self.worker
                    .alter_source_offsets(name, entries)
                    .map_err(|e| {
                        HerderError::Internal(format!(
                            "Failed to write offsets for source connector {name}: {e}"
                        ))
                    })?;
                Ok(success_message(reset, acknowledged))
            }
            ConnectorFactory::Sink(factory) => {
                let entries = match &offsets {
                    Some(o) => parse_sink_offsets(o)?,
                    None => self
                        .worker
                        .sink_offsets(name, &config)
                        .await
                        .map_err(|e| {
                            HerderError::Internal(format!(
                                "Failed to retrieve consumer group offsets for sink connector {name}: {e}"
                            ))
                        })?
                        .into_iter()
                        .map(|(tp, _)| (tp, None))
                        .collect(),
                };
                let acknowledged = factory()
                    .alter_offsets(&config, &entries)
                    .map_err(|e| bad(self.status.redact(name, &e.to_string())))?;
                self.worker
                    .alter_sink_offsets(name, &config, entries)
                    .await
                    .map_err(|e| {
                        HerderError::Internal(format!(
                            "Failed to modify consumer group offsets for sink connector {name}: {e}"
                        ))
                    })?;
                Ok(success_message(reset, acknowledged))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> ConnectorOffsets {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn sink_offsets_accept_numeric_strings_and_null_resets() {
        let parsed = parse_sink_offsets(&body(json!({"offsets":[
            {"partition":{"kafka_topic":"t","kafka_partition":"1"},"offset":{"kafka_offset":"5"}},
            {"partition":{"kafka_topic":"t","kafka_partition":0},"offset":null}
        ]})))
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                (TopicPartition::new("t", 1), Some(5)),
                (TopicPartition::new("t", 0), None)
            ]
        );
    }

    #[test]
    fn sink_offsets_reject_bad_shapes_with_jvm_messages() {
        let err = |v: Value| parse_sink_offsets(&body(v)).unwrap_err().to_string();
        assert_eq!(
            err(json!({"offsets":[{"partition":null,"offset":null}]})),
            "The partition for a sink connector offset cannot be null or missing"
        );
        assert_eq!(
            err(json!({"offsets":[{"partition":{"kafka_topic":"t"},"offset":null}]})),
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"
        );
        assert_eq!(
            err(json!({"offsets":[{"partition":{"kafka_topic":"t","kafka_partition":"x"},"offset":null}]})),
            "Failed to parse the following Kafka partition value in the provided offsets: 'x'. Partition values for sink connectors need to be integers."
        );
        assert_eq!(
            err(json!({"offsets":[{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":{"o":1}}]})),
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'"
        );
        assert_eq!(
            err(json!({"offsets":[{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":{"kafka_offset":"1.5x"}}]})),
            "Failed to parse the following Kafka offset value in the provided offsets: '1.5x'. Offset values for sink connectors need to be integers."
        );
    }

    #[test]
    fn source_offsets_must_be_primitive() {
        let err = parse_source_offsets(&body(json!({"offsets":[
            {"partition":{"filename":"a"},"offset":{"position":{"nested":1}}}
        ]})))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Offsets may only contain primitive types as values, but field position contains MAP"
        );
        let ok = parse_source_offsets(&body(json!({"offsets":[
            {"partition":{"filename":"a"},"offset":null}
        ]})))
        .unwrap();
        assert_eq!(ok[0].1, None);
    }

    #[test]
    fn messages_match_the_jvm() {
        assert_eq!(
            success_message(false, true),
            "The offsets for this connector have been altered successfully"
        );
        assert_eq!(
            success_message(true, true),
            "The offsets for this connector have been reset successfully"
        );
        assert!(success_message(true, false).starts_with(
            "The Connect framework-managed offsets for this connector have been reset successfully. However"
        ));
    }
}
