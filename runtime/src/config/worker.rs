//! Worker configuration (`worker.properties`), with the JVM worker's keys and defaults.
//!
//! CONTRACT STUB: the field set below is what other modules rely on; the parsing is filled in
//! by the worker-engine work.

use std::path::PathBuf;
use std::time::Duration;

use super::ConfigMap;
use crate::error::ConnectResult;

/// Which `*.override.*` client settings connectors may set
/// (`connector.client.config.override.policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverridePolicy {
    /// No overrides allowed.
    None,
    /// Only `sasl.jaas.config`, `sasl.mechanism`, `security.protocol`.
    Principal,
    /// Everything (default).
    All,
    /// Only the keys listed in `connector.client.config.override.allowlist`.
    Allowlist(Vec<String>),
}

/// One REST listener from `listeners`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `http` or `https`.
    pub scheme: String,
    /// Host to bind (empty = all interfaces).
    pub host: String,
    /// Port.
    pub port: u16,
}

/// Parsed worker configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Every property as given (for `producer.*`, `consumer.*`, `admin.*` and converter settings).
    pub props: ConfigMap,
    /// `bootstrap.servers` (default `localhost:9092`).
    pub bootstrap_servers: String,
    /// `listeners` (default `http://:8083`; legacy `rest.host.name`/`rest.port` honoured).
    pub listeners: Vec<Listener>,
    /// `rest.advertised.host.name` (default: the listener host, else the machine's hostname).
    pub advertised_host: String,
    /// `rest.advertised.port` (default: the first listener's port).
    pub advertised_port: u16,
    /// `offset.storage.file.filename` (standalone; required there).
    pub offset_file: Option<PathBuf>,
    /// `offset.flush.interval.ms` (default 60 000).
    pub offset_flush_interval: Duration,
    /// `offset.flush.timeout.ms` (default 5 000).
    pub offset_flush_timeout: Duration,
    /// `task.shutdown.graceful.timeout.ms` (default 5 000).
    pub task_shutdown_timeout: Duration,
    /// `connector.client.config.override.policy` (default All).
    pub override_policy: OverridePolicy,
    /// `key.converter`.
    pub key_converter: String,
    /// `value.converter`.
    pub value_converter: String,
    /// `header.converter` (default `org.apache.kafka.connect.storage.SimpleHeaderConverter`).
    pub header_converter: String,
}

impl WorkerConfig {
    /// Parses and validates worker properties; errors name the key at fault.
    pub fn from_properties(_props: ConfigMap) -> ConnectResult<WorkerConfig> {
        todo!("worker config parsing")
    }

    /// `host:port` as shown in `/status` `worker_id`.
    pub fn worker_id(&self) -> String {
        format!("{}:{}", self.advertised_host, self.advertised_port)
    }
}
