//! The worker: runs connector instances and their tasks (source and sink loops) against Kafka.
//!
//! CONTRACT STUB: these signatures are what the herder relies on; the bodies are filled in by
//! the worker-engine work.

use std::sync::Arc;

use crate::config::{ConfigMap, WorkerConfig};
use crate::data::{OffsetMap, TopicPartition};
use crate::error::ConnectResult;
use crate::herder::{ConnectorTaskId, State, TargetState};
use crate::plugins::PluginRegistry;
use crate::storage::OffsetStore;

/// Receives state changes of connectors and tasks (the herder's status store listens).
pub trait StatusListener: Send + Sync {
    /// A connector changed state; `trace` is set for FAILED.
    fn connector_state(&self, name: &str, state: State, trace: Option<String>);
    /// A task changed state; `trace` is set for FAILED.
    fn task_state(&self, id: &ConnectorTaskId, state: State, trace: Option<String>);
}

/// Called when a connector asks for its task configs to be regenerated.
pub type ReconfigureHook = Arc<dyn Fn(&str) + Send + Sync>;

/// Runs connectors and tasks.
pub struct Worker {
    _config: Arc<WorkerConfig>,
}

impl Worker {
    /// Creates a worker.
    pub fn new(
        config: Arc<WorkerConfig>,
        _plugins: Arc<PluginRegistry>,
        _offsets: Arc<dyn OffsetStore>,
        _status: Arc<dyn StatusListener>,
        _reconfigure: ReconfigureHook,
    ) -> Self {
        Worker { _config: config }
    }

    /// `host:port` of this worker.
    pub fn worker_id(&self) -> String {
        self._config.worker_id()
    }

    /// Starts a connector instance in the given target state (PAUSED still starts it; the
    /// herder does not call this for STOPPED). Reports RUNNING/PAUSED or FAILED (with trace)
    /// through the status listener; Err if start failed.
    pub async fn start_connector(
        &self,
        _name: &str,
        _config: ConfigMap,
        _target: TargetState,
    ) -> ConnectResult<()> {
        todo!()
    }

    /// The running connector's task configs for its `tasks.max`.
    pub async fn connector_task_configs(&self, _name: &str) -> ConnectResult<Vec<ConfigMap>> {
        todo!()
    }

    /// Stops a connector instance (not its tasks).
    pub async fn stop_connector(&self, _name: &str) {
        todo!()
    }

    /// Starts one task. `connector_config` supplies converters, transforms, errors.* and client
    /// overrides; `task_config` is what the connector generated. Reports states through the
    /// listener; a task failure later marks it FAILED with its trace while others keep running.
    pub async fn start_task(
        &self,
        _id: ConnectorTaskId,
        _connector_config: ConfigMap,
        _task_config: ConfigMap,
        _target: TargetState,
    ) -> ConnectResult<()> {
        todo!()
    }

    /// Stops one task gracefully (bounded by `task.shutdown.graceful.timeout.ms`), committing
    /// source offsets / sink consumer offsets of what was delivered.
    pub async fn stop_task(&self, _id: &ConnectorTaskId) {
        todo!()
    }

    /// Pauses or resumes a connector and its tasks (STARTED or PAUSED).
    pub async fn set_target_state(&self, _name: &str, _target: TargetState) {
        todo!()
    }

    /// Stops everything (shutdown): tasks first, offsets flushed, clients closed.
    pub async fn stop_all(&self) {
        todo!()
    }

    /// Committed source offsets of a connector.
    pub fn source_offsets(&self, _name: &str) -> Vec<(OffsetMap, OffsetMap)> {
        todo!()
    }

    /// Writes or removes source offsets (`None` = reset that partition).
    pub fn alter_source_offsets(
        &self,
        _name: &str,
        _entries: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> ConnectResult<()> {
        todo!()
    }

    /// Committed offsets of the sink's consumer group `connect-<name>`.
    pub async fn sink_offsets(
        &self,
        _name: &str,
        _connector_config: &ConfigMap,
    ) -> ConnectResult<Vec<(TopicPartition, i64)>> {
        todo!()
    }

    /// Commits or deletes offsets of the sink's consumer group (`None` = reset that partition,
    /// i.e. the next run starts per `auto.offset.reset`).
    pub async fn alter_sink_offsets(
        &self,
        _name: &str,
        _connector_config: &ConfigMap,
        _entries: Vec<(TopicPartition, Option<i64>)>,
    ) -> ConnectResult<()> {
        todo!()
    }

    /// Topics a connector has produced to or consumed from since the last reset.
    pub fn active_topics(&self, _name: &str) -> Vec<String> {
        todo!()
    }

    /// Forgets a connector's active topics.
    pub fn reset_active_topics(&self, _name: &str) {
        todo!()
    }

    /// The broker's cluster id, if reachable.
    pub async fn kafka_cluster_id(&self) -> Option<String> {
        todo!()
    }
}
