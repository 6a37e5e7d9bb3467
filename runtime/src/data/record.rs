//! Records flowing through the worker: the common [`ConnectRecord`] that transforms see, and
//! the source/sink wrappers that carry offsets and Kafka coordinates around it.

use std::sync::Arc;

use super::schema::SchemaRef;
use super::value::Value;

/// A source partition or offset map, as JSON (`{"filename": "a.txt"}`, `{"position": 30}`).
/// Key order is kept: it is part of the offsets-topic key bytes.
pub type OffsetMap = serde_json::Map<String, serde_json::Value>;

/// One record header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Header key.
    pub key: String,
    /// Header schema, if known.
    pub schema: Option<SchemaRef>,
    /// Header value.
    pub value: Value,
}

/// Record headers, in order; keys may repeat.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }
    /// Appends a header.
    pub fn add(&mut self, key: impl Into<String>, schema: Option<SchemaRef>, value: Value) {
        self.0.push(Header {
            key: key.into(),
            schema,
            value,
        });
    }
    /// The last header with the key (Kafka's `lastWithName`).
    pub fn last_with_name(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|h| h.key == key)
    }
    /// Removes every header with the key.
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|h| h.key != key);
    }
    /// Number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Iterates the headers.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }
}

/// The part of a record transforms and converters work on (`ConnectRecord`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectRecord {
    /// Destination (source) or origin (sink) topic.
    pub topic: String,
    /// Kafka partition, if fixed.
    pub kafka_partition: Option<i32>,
    /// Key schema (None = schemaless).
    pub key_schema: Option<SchemaRef>,
    /// Key.
    pub key: Value,
    /// Value schema (None = schemaless).
    pub value_schema: Option<SchemaRef>,
    /// Value.
    pub value: Value,
    /// Timestamp in epoch milliseconds.
    pub timestamp: Option<i64>,
    /// Headers.
    pub headers: Headers,
    /// Kafka offset of a consumed record (sink side; `None` for source records). Lets
    /// transforms such as InsertField's `offset.field` see it, as a Java `SinkRecord` does.
    pub kafka_offset: Option<i64>,
}

impl ConnectRecord {
    /// A record with only a topic and a value.
    pub fn new(topic: impl Into<String>, value_schema: Option<SchemaRef>, value: Value) -> Self {
        ConnectRecord {
            topic: topic.into(),
            value_schema,
            value,
            ..Default::default()
        }
    }
}

/// A record produced by a source task (`SourceRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// Where in the source this record came from (shared across a batch).
    pub source_partition: Arc<OffsetMap>,
    /// The position after this record in that source partition. Empty means "no offset"
    /// (the JVM's null): the worker commits, per partition, the last non-empty offset of
    /// each acknowledged poll batch, so a connector may set it only on a batch's last record.
    pub source_offset: OffsetMap,
    /// Topic, key, value, headers.
    pub record: ConnectRecord,
}

/// Kafka's timestamp type of a consumed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampType {
    /// No timestamp.
    #[default]
    NoTimestampType,
    /// Set by the producer.
    CreateTime,
    /// Set by the broker.
    LogAppendTime,
}

/// A record handed to a sink task (`SinkRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    /// Topic, key, value, headers (after transforms).
    pub record: ConnectRecord,
    /// Offset in the Kafka partition.
    pub kafka_offset: i64,
    /// Timestamp type.
    pub timestamp_type: TimestampType,
    /// Topic before transforms.
    pub original_topic: String,
    /// Partition before transforms.
    pub original_partition: i32,
    /// Offset before transforms.
    pub original_offset: i64,
}

/// A Kafka topic-partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition number.
    pub partition: i32,
}

impl TopicPartition {
    /// Creates a topic-partition.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}
