//! The herder: the worker's control plane as the REST API sees it, with the JVM's REST
//! entity shapes. Standalone and (later) distributed modes implement [`Herder`].

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::{ConfigMap, ConfigValue};
use crate::connector::ConnectorType;
use crate::plugins::PluginInfo;

/// A herder failure, mapped by the REST layer to the JVM's status codes.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum HerderError {
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 403.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 500.
    #[error("{0}")]
    Internal(String),
}

impl HerderError {
    /// The HTTP status code the JVM worker answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            HerderError::BadRequest(_) => 400,
            HerderError::Forbidden(_) => 403,
            HerderError::NotFound(_) => 404,
            HerderError::Conflict(_) => 409,
            HerderError::Internal(_) => 500,
        }
    }
}

/// Shorthand result type.
pub type HerderResult<T> = Result<T, HerderError>;

/// `GET /` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// Kafka-style version.
    pub version: String,
    /// Build commit.
    pub commit: String,
    /// Cluster id of the broker (null if unreachable).
    pub kafka_cluster_id: Option<String>,
}

/// `GET /health` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerHealth {
    /// `healthy`, `starting` or `unhealthy`.
    pub status: String,
    /// Explanation.
    pub message: String,
}

/// Connector or task id in `TaskInfo` / `ConnectorInfo.tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct ConnectorTaskId {
    /// Connector name.
    pub connector: String,
    /// Task number.
    pub task: u32,
}

/// `ConnectorInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorInfo {
    /// Name.
    pub name: String,
    /// Config (always holds `name`).
    pub config: ConfigMap,
    /// Task ids.
    pub tasks: Vec<ConnectorTaskId>,
    /// `source`, `sink` or `unknown`.
    #[serde(rename = "type")]
    pub connector_type: String,
}

/// `TaskInfo` (`GET /connectors/{c}/tasks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// Task id.
    pub id: ConnectorTaskId,
    /// Task config.
    pub config: ConfigMap,
}

/// Runtime state of a connector or task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// Not started yet.
    Unassigned,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Stopped (connectors only).
    Stopped,
    /// Failed; see `trace`.
    Failed,
    /// Restart scheduled.
    Restarting,
}

impl State {
    /// The REST name (`RUNNING`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Stopped => "STOPPED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
        }
    }
}

/// Target state a user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum TargetState {
    /// Run (REST `RUNNING`).
    Started,
    /// Paused.
    Paused,
    /// Stopped: no tasks.
    Stopped,
}

/// The connector part of `ConnectorStateInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorState {
    /// State.
    pub state: State,
    /// `host:port` of the worker running it.
    pub worker_id: String,
    /// Failure trace, omitted when empty.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub trace: Option<String>,
}

/// `TaskState` (also the task entries of `ConnectorStateInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    /// Task number.
    pub id: u32,
    /// State.
    pub state: State,
    /// `host:port` of the worker running it.
    pub worker_id: String,
    /// Failure trace, omitted when empty.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub trace: Option<String>,
}

/// `ConnectorStateInfo` (`GET /connectors/{c}/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorStateInfo {
    /// Name.
    pub name: String,
    /// Connector state.
    pub connector: ConnectorState,
    /// Task states sorted by id.
    pub tasks: Vec<TaskState>,
    /// `source` or `sink`.
    #[serde(rename = "type")]
    pub connector_type: String,
}

/// One partition/offset pair of `ConnectorOffsets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorOffset {
    /// Source partition map, or `{"kafka_topic","kafka_partition"}` for sinks.
    pub partition: Option<serde_json::Map<String, serde_json::Value>>,
    /// Offset map (null = reset, in PATCH).
    pub offset: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `ConnectorOffsets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ConnectorOffsets {
    /// The offsets.
    pub offsets: Vec<ConnectorOffset>,
}

/// `ConfigKeyInfo` (`/connector-plugins/{p}/config` and `definition` in `ConfigInfos`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigKeyInfo {
    /// Key name.
    pub name: String,
    /// ConfigDef type name.
    #[serde(rename = "type")]
    pub config_type: String,
    /// True iff there is no default.
    pub required: bool,
    /// Default as a string.
    pub default_value: Option<String>,
    /// Importance.
    pub importance: String,
    /// Documentation.
    pub documentation: String,
    /// Group.
    pub group: Option<String>,
    /// Order in group (4.2 name).
    pub order_in_group: i32,
    /// Order in group (pre-4.2 name, kept for older clients).
    pub order: i32,
    /// Width.
    pub width: String,
    /// Display name.
    pub display_name: String,
    /// Dependents.
    pub dependents: Vec<String>,
}

/// One entry of `ConfigInfos.configs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigInfo {
    /// Key definition (null for values without one).
    pub definition: Option<ConfigKeyInfo>,
    /// Validation result.
    pub value: Option<ConfigValue>,
}

/// `ConfigInfos` (`PUT /connector-plugins/{p}/config/validate`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigInfos {
    /// The `connector.class` value from the request.
    pub name: String,
    /// Total number of errors.
    pub error_count: usize,
    /// Groups in order.
    pub groups: Vec<String>,
    /// Per key results.
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// Every error as `key: message` lines, for the 400 on create/PUT.
    pub fn error_lines(&self) -> Vec<String> {
        self.configs
            .iter()
            .filter_map(|c| c.value.as_ref())
            .flat_map(|v| v.errors.iter().map(move |e| format!("{}: {e}", v.name)))
            .collect()
    }
}

/// The result of create-or-update (`PUT /config`, `POST /connectors`).
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    /// True if the connector did not exist before.
    pub created: bool,
    /// The resulting entity.
    pub value: T,
}

/// The control plane, as the REST API calls it.
#[async_trait]
pub trait Herder: Send + Sync {
    /// `GET /`.
    async fn server_info(&self) -> ServerInfo;
    /// `GET /health`: the status code and body.
    async fn health(&self) -> (u16, WorkerHealth);
    /// Connector names, sorted.
    async fn connectors(&self) -> Vec<String>;
    /// `GET /connectors/{c}`.
    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo>;
    /// `GET /connectors/{c}/config`.
    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap>;
    /// Creates or replaces a connector. `allow_replace=false` (POST) gives 409 if it exists.
    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<Created<ConnectorInfo>>;
    /// `PATCH /connectors/{c}/config`: `None` values delete keys.
    async fn patch_connector_config(
        &self,
        name: &str,
        patch: indexmap::IndexMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo>;
    /// `DELETE /connectors/{c}`.
    async fn delete_connector(&self, name: &str) -> HerderResult<()>;
    /// `GET /connectors/{c}/status`.
    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo>;
    /// `GET /connectors/{c}/tasks`.
    async fn task_infos(&self, name: &str) -> HerderResult<Vec<TaskInfo>>;
    /// `GET /connectors/{c}/tasks/{t}/status`.
    async fn task_status(&self, name: &str, task: u32) -> HerderResult<TaskState>;
    /// `POST /connectors/{c}/tasks/{t}/restart`.
    async fn restart_task(&self, name: &str, task: u32) -> HerderResult<()>;
    /// `POST /connectors/{c}/restart`; returns the status to answer 202 with, or None for 204.
    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<Option<ConnectorStateInfo>>;
    /// `PUT /connectors/{c}/pause`.
    async fn pause_connector(&self, name: &str) -> HerderResult<()>;
    /// `PUT /connectors/{c}/resume`.
    async fn resume_connector(&self, name: &str) -> HerderResult<()>;
    /// `PUT /connectors/{c}/stop`.
    async fn stop_connector(&self, name: &str) -> HerderResult<()>;
    /// `GET /connectors/{c}/offsets`.
    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets>;
    /// `PATCH /connectors/{c}/offsets`; returns the success message.
    async fn alter_offsets(&self, name: &str, offsets: ConnectorOffsets) -> HerderResult<String>;
    /// `DELETE /connectors/{c}/offsets`; returns the success message.
    async fn reset_offsets(&self, name: &str) -> HerderResult<String>;
    /// `GET /connectors/{c}/topics`.
    async fn active_topics(&self, name: &str) -> HerderResult<Vec<String>>;
    /// `PUT /connectors/{c}/topics/reset`.
    async fn reset_active_topics(&self, name: &str) -> HerderResult<()>;
    /// `GET /connector-plugins`.
    fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo>;
    /// `GET /connector-plugins/{p}/config`.
    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ConfigKeyInfo>>;
    /// `PUT /connector-plugins/{p}/config/validate` (and validation on create/update).
    async fn validate(&self, plugin: Option<&str>, config: &ConfigMap)
        -> HerderResult<ConfigInfos>;
}

/// The connector type name for REST (`source`/`sink`/`unknown`).
pub fn type_name(t: Option<ConnectorType>) -> String {
    t.map(|t| t.as_str().to_string())
        .unwrap_or_else(|| "unknown".into())
}
