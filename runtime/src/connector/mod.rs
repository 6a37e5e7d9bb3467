//! The connector API: what a source or sink connector and its tasks implement.
//!
//! Kept apart from the engine (as Kafka's `connect-api` is): nothing here knows how records
//! reach Kafka. Tasks are async; the worker drives one task per tokio task.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{ConfigDef, ConfigMap, ConfigValue};
use crate::data::{OffsetMap, SinkRecord, SourceRecord, TopicPartition};
use crate::error::ConnectResult;

mod same_config_sink;

pub use same_config_sink::{SameConfigSink, SameConfigSinkConnector};

/// Whether a connector reads from or writes to Kafka.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorType {
    /// Produces records into Kafka.
    Source,
    /// Consumes records from Kafka.
    Sink,
}

impl ConnectorType {
    /// `source` or `sink`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorType::Source => "source",
            ConnectorType::Sink => "sink",
        }
    }
}

/// What a running connector may ask of the worker (`ConnectorContext`).
pub trait ConnectorContext: Send + Sync {
    /// Asks the worker to fetch new task configs (e.g. new tables appeared).
    fn request_task_reconfiguration(&self);
    /// Reports an unrecoverable error: the connector is marked FAILED with this trace.
    fn raise_error(&self, error: crate::error::ConnectError);
}

/// Methods common to both connector kinds (`Connector`).
#[async_trait]
pub trait Connector: Send + Sync {
    /// The connector's version string.
    fn version(&self) -> String;
    /// The connector's own config keys (framework keys are added by the worker).
    fn config_def(&self) -> ConfigDef;
    /// Validates a config beyond per-key checks (e.g. mutually exclusive keys); the default
    /// validates each key against [`Connector::config_def`].
    fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        self.config_def().validate(config)
    }
    /// Starts the connector with its (resolved) config.
    async fn start(
        &mut self,
        config: ConfigMap,
        context: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()>;
    /// Splits the work into at most `max_tasks` task configs.
    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>>;
    /// Stops the connector.
    async fn stop(&mut self) -> ConnectResult<()>;
}

/// Reads committed source offsets (`OffsetStorageReader`).
pub trait OffsetReader: Send + Sync {
    /// The last committed offset of a source partition, if any.
    fn offset(&self, partition: &OffsetMap) -> Option<OffsetMap>;
}

/// What a running source task may ask of the worker (`SourceTaskContext`).
#[derive(Clone)]
pub struct SourceTaskContext {
    /// Committed offsets of this connector.
    pub offsets: Arc<dyn OffsetReader>,
    /// The task's config.
    pub config: ConfigMap,
}

/// A source connector (`SourceConnector`).
#[async_trait]
pub trait SourceConnector: Connector {
    /// Creates a new, unstarted task instance.
    fn create_task(&self) -> Box<dyn SourceTask>;
    /// Accepts or rejects user-supplied offsets (PATCH/DELETE `/offsets`); `None` offset = reset.
    /// Returns true if the connector manages offsets itself (changes the REST message).
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        Ok(false)
    }
}

/// A source task (`SourceTask`).
///
/// `poll` should return within about a second when no data arrives (with an empty batch), so
/// pause and stop are prompt; the worker does not cancel a poll mid-flight except on a forced
/// shutdown.
#[async_trait]
pub trait SourceTask: Send {
    /// Starts the task.
    async fn start(&mut self, context: SourceTaskContext) -> ConnectResult<()>;
    /// Returns the next batch of records (possibly empty).
    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>>;
    /// Data freshness hook for sources with watermarks (a timestamp column, an API cursor):
    /// the event time (epoch ms) of the newest record returned so far. Read after each poll
    /// batch; the worker exports its age as
    /// `kafka_connect_source_task_record_freshness_seconds`. Default: not tracked.
    fn newest_record_timestamp(&self) -> Option<i64> {
        None
    }
    /// Called after offsets up to the last acknowledged record were committed.
    async fn commit(&mut self) -> ConnectResult<()> {
        Ok(())
    }
    /// Stops the task and releases its resources.
    async fn stop(&mut self) -> ConnectResult<()>;
}

/// What a running sink task may ask of the worker (`SinkTaskContext`).
pub trait SinkTaskContext: Send + Sync {
    /// Rewinds consumption of partitions to the given offsets.
    fn reset_offsets(&self, offsets: HashMap<TopicPartition, i64>);
    /// Asks for an offset commit soon.
    fn request_commit(&self);
    /// The partitions currently assigned to the task.
    fn assignment(&self) -> Vec<TopicPartition>;
    /// The reporter for records the task cannot write (`errantRecordReporter()`); None when
    /// the worker offers none.
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        None
    }
}

/// Reports records a sink task could not write (`ErrantRecordReporter`, KIP-610), so one bad
/// record need not fail the task.
#[async_trait]
pub trait ErrantRecordReporter: Send + Sync {
    /// Reports `record` as failed with `error`. With `errors.tolerance=all` the failure is
    /// logged (per `errors.log.*`), the record goes to the dead-letter queue if one is
    /// configured, and `Ok` is returned: the task carries on without it. Otherwise the error
    /// comes back (as "Tolerance exceeded in error handler"); the task should fail with it.
    async fn report(
        &self,
        record: &SinkRecord,
        error: crate::error::ConnectError,
    ) -> ConnectResult<()>;
}

/// A sink connector (`SinkConnector`).
#[async_trait]
pub trait SinkConnector: Connector {
    /// Creates a new, unstarted task instance.
    fn create_task(&self) -> Box<dyn SinkTask>;
    /// Accepts or rejects user-supplied consumer offsets (PATCH/DELETE `/offsets`); `None`
    /// offset = reset. Returns true if the connector acknowledges the change (changes the
    /// REST message), as the JVM's `SinkConnector.alterOffsets`.
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(TopicPartition, Option<i64>)],
    ) -> ConnectResult<bool> {
        Ok(false)
    }
}

/// A sink task (`SinkTask`).
#[async_trait]
pub trait SinkTask: Send {
    /// Starts the task.
    async fn start(
        &mut self,
        config: ConfigMap,
        context: Arc<dyn SinkTaskContext>,
    ) -> ConnectResult<()>;
    /// Partitions were assigned.
    async fn open(&mut self, _partitions: &[TopicPartition]) -> ConnectResult<()> {
        Ok(())
    }
    /// Partitions were revoked; flush what belongs to them first.
    async fn close(&mut self, _partitions: &[TopicPartition]) -> ConnectResult<()> {
        Ok(())
    }
    /// Takes a batch of records; may buffer them until `flush`.
    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()>;
    /// Makes everything up to `offsets` (next offset to read, per partition) durable.
    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> ConnectResult<()> {
        Ok(())
    }
    /// Returns the offsets safe to commit; by default flushes and returns `offsets`.
    async fn pre_commit(
        &mut self,
        offsets: &HashMap<TopicPartition, i64>,
    ) -> ConnectResult<HashMap<TopicPartition, i64>> {
        self.flush(offsets).await?;
        Ok(offsets.clone())
    }
    /// Stops the task.
    async fn stop(&mut self) -> ConnectResult<()>;
}
