//! Native Prometheus metrics of the worker, named after Kafka Connect's JMX metrics in
//! Prometheus style (`kafka.connect:type=source-task-metrics` `source-record-poll-total` →
//! `kafka_connect_source_task_source_record_poll_total{connector,task}`).
//!
//! The [`WorkerMetrics`] registry is owned by the worker. Task loops take their handles once
//! at start ([`WorkerMetrics::source_task`], [`WorkerMetrics::sink_task`],
//! [`WorkerMetrics::task_errors`]): cloned label handles that are plain atomics, bumped once
//! per batch, never looked up per record. Connector and task states are read from a
//! [`StatusSource`] when `/metrics` is rendered, as one gauge per state
//! (`kafka_connect_connector_status{connector,state}` is 1 for the current state, 0
//! otherwise), so a FAILED connector or task is a plain alert rule. librdkafka's statistics
//! (every `statistics.interval.ms`, default [`DEFAULT_STATISTICS_INTERVAL_MS`]) feed the
//! per-client gauges in [`client`].
//!
//! Worker properties: `metrics.enabled` (default true; false drops the client statistics and
//! renders nothing) and `metrics.listener` (an extra `http://host:port` serving only
//! `/metrics`; the binary reads it).

pub mod client;
mod families;
pub mod task;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use prometheus::{Encoder, Registry, TextEncoder};

use crate::config::WorkerConfig;
use crate::error::{ConnectError, ConnectResult};
use crate::herder::{ConnectorTaskId, State};

pub use client::ClientStats;
use families::Families;
pub use task::{CommitMetrics, Freshness, SinkTaskMetrics, SourceTaskMetrics, TaskErrorMetrics};

/// Default librdkafka `statistics.interval.ms` for task clients when metrics are enabled.
pub const DEFAULT_STATISTICS_INTERVAL_MS: u64 = 5000;

/// Worker property switching metrics off (`metrics.enabled=false`).
pub const METRICS_ENABLED: &str = "metrics.enabled";
/// Worker property naming an extra listener serving only `/metrics` (`http://:9464`).
pub const METRICS_LISTENER: &str = "metrics.listener";

/// Every state a connector or task can be in, as exported in the `state` label.
pub const STATES: [State; 6] = [
    State::Unassigned,
    State::Running,
    State::Paused,
    State::Stopped,
    State::Failed,
    State::Restarting,
];

/// Where connector and task states are read from when metrics are rendered (the herder's
/// status store).
pub trait StatusSource: Send + Sync {
    /// Current connector states by name.
    fn connector_states(&self) -> Vec<(String, State)>;
    /// Current task states.
    fn task_states(&self) -> Vec<(ConnectorTaskId, State)>;
    /// Automatic restarts of FAILED tasks so far (`task.auto.restart.enable`), per task.
    fn task_auto_restarts(&self) -> Vec<(ConnectorTaskId, u64)> {
        Vec::new()
    }
}

/// The worker's metric registry and the families every task registers into.
pub struct WorkerMetrics {
    enabled: bool,
    registry: Registry,
    families: Families,
    status: OnceLock<Arc<dyn StatusSource>>,
    freshness: Mutex<HashMap<ConnectorTaskId, Freshness>>,
    clients: Mutex<HashMap<ConnectorTaskId, Vec<Arc<ClientStats>>>>,
}

fn task_label(id: &ConnectorTaskId) -> String {
    id.task.to_string()
}

impl WorkerMetrics {
    /// A registry with every family registered; `enabled = false` renders nothing and asks
    /// clients for no statistics (task handles still count, into unexported series).
    pub fn new(enabled: bool) -> ConnectResult<Self> {
        let registry = Registry::new();
        let families = Families::register(&registry)
            .map_err(|e| ConnectError::other(format!("Failed to register metrics: {e}")))?;
        Ok(WorkerMetrics {
            enabled,
            registry,
            families,
            status: OnceLock::new(),
            freshness: Mutex::new(HashMap::new()),
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// Reads `metrics.enabled` (default true) from the worker config.
    pub fn from_config(config: &WorkerConfig) -> ConnectResult<Self> {
        let enabled = match config.props.get(METRICS_ENABLED).map(|v| v.trim()) {
            None | Some("") => true,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                return Err(ConnectError::config(format!(
                    "Invalid value {v} for configuration {METRICS_ENABLED}: Expected value to be either true or false"
                )))
            }
        };
        Self::new(enabled)
    }

    /// Whether metrics are exported.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The underlying registry (to register more collectors).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Sets where connector/task states come from (once; later calls are ignored).
    pub fn set_status_source(&self, source: Arc<dyn StatusSource>) {
        let _ = self.status.set(source);
    }

    /// Handles for a source task's loop.
    pub fn source_task(&self, id: &ConnectorTaskId) -> SourceTaskMetrics {
        let f = &self.families;
        let t = task_label(id);
        let l = [id.connector.as_str(), t.as_str()];
        let freshness = Freshness::default();
        self.freshness.lock().insert(id.clone(), freshness.clone());
        SourceTaskMetrics {
            poll: f.source_poll.with_label_values(&l),
            write: f.source_write.with_label_values(&l),
            poll_batch: f.source_poll_batch.with_label_values(&l),
            batch_size: f.batch_size.with_label_values(&l),
            active: f.source_active.with_label_values(&l),
            commit: self.commit(&l),
            freshness,
        }
    }

    /// Handles for a sink task's loop.
    pub fn sink_task(&self, id: &ConnectorTaskId) -> SinkTaskMetrics {
        let f = &self.families;
        let t = task_label(id);
        let l = [id.connector.as_str(), t.as_str()];
        SinkTaskMetrics {
            read: f.sink_read.with_label_values(&l),
            send: f.sink_send.with_label_values(&l),
            put_batch: f.sink_put_batch.with_label_values(&l),
            batch_size: f.batch_size.with_label_values(&l),
            active: f.sink_active.with_label_values(&l),
            commit: self.commit(&l),
        }
    }

    fn commit(&self, l: &[&str; 2]) -> CommitMetrics {
        let f = &self.families;
        CommitMetrics {
            success: f.commit_success.with_label_values(l),
            failure: f.commit_failure.with_label_values(l),
            time: f.commit_time.with_label_values(l),
        }
    }

    /// Handles for a task's error handler (`task-error-metrics`).
    pub fn task_errors(&self, id: &ConnectorTaskId) -> TaskErrorMetrics {
        let f = &self.families;
        let t = task_label(id);
        let l = [id.connector.as_str(), t.as_str()];
        TaskErrorMetrics {
            failures: f.err_failures.with_label_values(&l),
            errors: f.err_errors.with_label_values(&l),
            skipped: f.err_skipped.with_label_values(&l),
            retries: f.err_retries.with_label_values(&l),
            logged: f.err_logged.with_label_values(&l),
            dlq_requests: f.dlq_requests.with_label_values(&l),
            dlq_failures: f.dlq_failures.with_label_values(&l),
        }
    }

    /// A statistics sink for one of a task's clients (`client` = `producer`, `consumer` or
    /// `dlq-producer`); None when metrics are disabled (then no statistics are requested).
    pub fn client_stats(&self, id: &ConnectorTaskId, client: &str) -> Option<Arc<ClientStats>> {
        if !self.enabled {
            return None;
        }
        let t = task_label(id);
        let stats = Arc::new(ClientStats::new(
            &self.families,
            [id.connector.as_str(), t.as_str(), client],
        ));
        self.clients
            .lock()
            .entry(id.clone())
            .or_default()
            .push(stats.clone());
        Some(stats)
    }

    /// `statistics.interval.ms` to set on task clients (None: metrics disabled).
    pub fn statistics_interval_ms(&self) -> Option<u64> {
        self.enabled.then_some(DEFAULT_STATISTICS_INTERVAL_MS)
    }

    /// Asks a task client for statistics every `statistics.interval.ms` (unless the client
    /// settings already name an interval); nothing when metrics are disabled.
    pub fn configure_client(&self, config: &mut rdkafka::ClientConfig) {
        if let Some(ms) = self.statistics_interval_ms() {
            if config.get("statistics.interval.ms").is_none() {
                config.set("statistics.interval.ms", ms.to_string());
            }
        }
    }

    /// Drops every series of a task (it stopped or was removed).
    pub fn remove_task(&self, id: &ConnectorTaskId) {
        let t = task_label(id);
        let l = [id.connector.as_str(), t.as_str()];
        self.families.remove_task(&l);
        self.freshness.lock().remove(id);
        if let Some(clients) = self.clients.lock().remove(id) {
            for c in clients {
                c.remove(&self.families);
            }
        }
    }

    /// Sets the worker-level connector and task counts (`connect-worker-metrics`).
    pub fn set_worker_counts(&self, connectors: usize, tasks: usize) {
        self.families.worker_connectors.set(connectors as i64);
        self.families.worker_tasks.set(tasks as i64);
    }

    /// Sets the running connectors' `kafka_connect_connector_info{connector,type,class,version}`
    /// (`connector-metrics` `connector-type`, `connector-class`, `connector-version`).
    pub fn set_connector_info<'a>(&self, entries: impl IntoIterator<Item = [&'a str; 4]>) {
        let g = &self.families.connector_info;
        g.reset();
        for labels in entries {
            g.with_label_values(&labels).set(1);
        }
    }

    /// The registry in Prometheus text format 0.0.4 (empty when disabled). States and
    /// freshness ages are refreshed first.
    pub fn render(&self) -> String {
        if !self.enabled {
            return String::new();
        }
        self.refresh_states();
        self.refresh_freshness();
        let mut out = Vec::with_capacity(16 * 1024);
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    fn refresh_states(&self) {
        let Some(source) = self.status.get() else {
            return;
        };
        let f = &self.families;
        f.connector_status.reset();
        f.task_status.reset();
        for (name, state) in source.connector_states() {
            for s in STATES {
                f.connector_status
                    .with_label_values(&[name.as_str(), s.as_str()])
                    .set(i64::from(s == state));
            }
        }
        for (id, restarts) in source.task_auto_restarts() {
            f.task_auto_restarts
                .with_label_values(&[id.connector.as_str(), task_label(&id).as_str()])
                .set(i64::try_from(restarts).unwrap_or(i64::MAX));
        }
        for (id, state) in source.task_states() {
            let t = task_label(&id);
            for s in STATES.into_iter().filter(|s| *s != State::Stopped) {
                f.task_status
                    .with_label_values(&[id.connector.as_str(), t.as_str(), s.as_str()])
                    .set(i64::from(s == state));
            }
        }
    }

    fn refresh_freshness(&self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let f = &self.families;
        for (id, fr) in self.freshness.lock().iter() {
            let newest = fr.newest_ms.load(Ordering::Relaxed);
            if newest > 0 {
                let t = task_label(id);
                f.freshness
                    .with_label_values(&[id.connector.as_str(), t.as_str()])
                    .set(((now - newest).max(0)) as f64 / 1000.0);
            }
        }
    }
}

/// What the text format's `Content-Type` is.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[cfg(test)]
mod tests;
