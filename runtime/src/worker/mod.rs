//! The worker: runs connector instances and their tasks (source and sink loops) against Kafka.
//!
//! Each task runs as its own tokio task with its own Kafka client, so a failing or slow task
//! never affects its siblings. Tasks are steered through a `watch` channel ([`Control`]):
//! run, pause (sources stop polling, sinks pause their partitions) or stop. Stopping waits
//! for the task loop up to `task.shutdown.graceful.timeout.ms`, then aborts it.

pub mod converters;
pub mod errors;
mod group_offsets;
pub mod offsets;
mod produce;
pub mod sink;
pub mod source;
pub mod topics;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use futures::FutureExt;
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clients::{self, ClientKind};
use crate::config::{ConfigMap, WorkerConfig};
use crate::connector::{ConnectorContext, SinkConnector, SourceConnector};
use crate::data::{OffsetMap, TopicPartition};
use crate::error::{ConnectError, ConnectResult};
use crate::herder::{ConnectorTaskId, State, TargetState};
use crate::metrics::WorkerMetrics;
use crate::plugins::{ConnectorFactory, PluginRegistry};
use crate::storage::OffsetStore;
use crate::transform::TransformChain;

/// Receives state changes of connectors and tasks (the herder's status store listens).
pub trait StatusListener: Send + Sync {
    /// A connector changed state; `trace` is set for FAILED.
    fn connector_state(&self, name: &str, state: State, trace: Option<String>);
    /// A task changed state; `trace` is set for FAILED.
    fn task_state(&self, id: &ConnectorTaskId, state: State, trace: Option<String>);
    /// Where the metrics read current states from, if this listener keeps them.
    fn status_source(self: Arc<Self>) -> Option<Arc<dyn crate::metrics::StatusSource>> {
        None
    }
    /// `text` (an error about `connector`) safe to log: resolved config provider secrets
    /// hidden. The default returns it unchanged.
    fn redact(&self, _connector: &str, text: &str) -> String {
        text.to_string()
    }
}

/// Called when a connector asks for its task configs to be regenerated.
pub type ReconfigureHook = Arc<dyn Fn(&str) + Send + Sync>;

/// What a task loop is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Run.
    Run,
    /// Pause.
    Pause,
    /// Stop.
    Stop,
}

impl Control {
    fn of(target: TargetState) -> Control {
        match target {
            TargetState::Started => Control::Run,
            TargetState::Paused => Control::Pause,
            TargetState::Stopped => Control::Stop,
        }
    }
}

/// State shared by the worker and its task loops.
pub struct Shared {
    /// Worker config.
    pub config: Arc<WorkerConfig>,
    /// Plugins.
    pub plugins: Arc<PluginRegistry>,
    /// Source offsets.
    pub offsets: Arc<dyn OffsetStore>,
    /// Status listener.
    pub status: Arc<dyn StatusListener>,
    /// Prometheus metrics.
    pub metrics: Arc<WorkerMetrics>,
    reconfigure: ReconfigureHook,
    active_topics: Mutex<HashMap<String, BTreeSet<String>>>,
}

impl Shared {
    /// Records a topic a connector used (called once per topic per task, not per record).
    pub fn record_active_topic(&self, connector: &str, topic: &str) {
        self.active_topics
            .lock()
            .entry(connector.to_string())
            .or_default()
            .insert(topic.to_string());
    }
}

enum Instance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

struct ConnectorHandle {
    instance: tokio::sync::Mutex<Instance>,
    config: ConfigMap,
}

struct TaskHandle {
    control: watch::Sender<Control>,
    join: JoinHandle<()>,
}

struct Context {
    name: String,
    shared: Arc<Shared>,
}

impl ConnectorContext for Context {
    fn request_task_reconfiguration(&self) {
        (self.shared.reconfigure)(&self.name);
    }
    fn raise_error(&self, error: ConnectError) {
        let shown = self.shared.status.redact(&self.name, &error.to_string());
        tracing::error!(connector = %self.name, error = %shown, "connector raised an error");
        self.shared
            .status
            .connector_state(&self.name, State::Failed, Some(error.trace()));
    }
}

/// Runs connectors and tasks.
pub struct Worker {
    shared: Arc<Shared>,
    connectors: Mutex<HashMap<String, Arc<ConnectorHandle>>>,
    tasks: Mutex<HashMap<ConnectorTaskId, TaskHandle>>,
    cluster_id: OnceLock<String>,
}

fn class_of(config: &ConfigMap) -> ConnectResult<&str> {
    config
        .get("connector.class")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            ConnectError::config(
                "Missing required configuration \"connector.class\" which has no default value.",
            )
        })
}

fn tasks_max(config: &ConfigMap) -> ConnectResult<usize> {
    match config.get("tasks.max").map(|v| v.trim()) {
        None | Some("") => Ok(1),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n as usize),
            _ => Err(ConnectError::config(format!(
                "Invalid value {v} for configuration tasks.max: Value must be at least 1"
            ))),
        },
    }
}

impl Worker {
    /// Creates a worker.
    pub fn new(
        config: Arc<WorkerConfig>,
        plugins: Arc<PluginRegistry>,
        offsets: Arc<dyn OffsetStore>,
        status: Arc<dyn StatusListener>,
        reconfigure: ReconfigureHook,
    ) -> Self {
        let metrics = WorkerMetrics::from_config(&config).unwrap_or_else(|e| {
            tracing::error!(error = %e, "invalid metrics settings; metrics stay enabled");
            WorkerMetrics::new(true).expect("metric families register into a fresh registry")
        });
        if let Some(source) = status.clone().status_source() {
            metrics.set_status_source(source);
        }
        Worker {
            shared: Arc::new(Shared {
                config,
                plugins,
                offsets,
                status,
                metrics: Arc::new(metrics),
                reconfigure,
                active_topics: Mutex::new(HashMap::new()),
            }),
            connectors: Mutex::new(HashMap::new()),
            tasks: Mutex::new(HashMap::new()),
            cluster_id: OnceLock::new(),
        }
    }

    /// The worker's Prometheus metrics.
    pub fn metrics(&self) -> &Arc<WorkerMetrics> {
        &self.shared.metrics
    }

    /// Renders `/metrics` (Prometheus text format 0.0.4) with fresh worker counts.
    pub fn render_metrics(&self) -> String {
        let info: Vec<[String; 4]> = self
            .connectors
            .lock()
            .iter()
            .map(|(name, h)| {
                let class = class_of(&h.config).unwrap_or_default();
                let plugin = self.shared.plugins.connector(class);
                [
                    name.clone(),
                    plugin
                        .map(|p| p.connector_type().as_str().to_string())
                        .unwrap_or_default(),
                    plugin.map(|p| p.class.clone()).unwrap_or_default(),
                    plugin.map(|p| p.version.clone()).unwrap_or_default(),
                ]
            })
            .collect();
        let tasks = self.tasks.lock().len();
        self.shared.metrics.set_worker_counts(info.len(), tasks);
        self.shared
            .metrics
            .set_connector_info(info.iter().map(|i| i.each_ref().map(String::as_str)));
        self.shared.metrics.render()
    }

    /// `host:port` of this worker.
    pub fn worker_id(&self) -> String {
        self.shared.config.worker_id()
    }

    fn new_instance(&self, config: &ConfigMap) -> ConnectResult<Instance> {
        let class = class_of(config)?;
        let plugin = self.shared.plugins.connector(class).ok_or_else(|| {
            ConnectError::config(format!(
                "Failed to find any class that implements Connector and which name matches {class}"
            ))
        })?;
        Ok(match &plugin.factory {
            ConnectorFactory::Source(f) => Instance::Source(f()),
            ConnectorFactory::Sink(f) => Instance::Sink(f()),
        })
    }

    /// Starts a connector instance in the given target state (PAUSED still starts it; the
    /// herder does not call this for STOPPED). Reports RUNNING/PAUSED or FAILED (with trace)
    /// through the status listener; Err if start failed.
    pub async fn start_connector(
        &self,
        name: &str,
        config: ConfigMap,
        target: TargetState,
    ) -> ConnectResult<()> {
        let old = self.connectors.lock().remove(name);
        if let Some(old) = old {
            stop_instance(name, &old).await;
        }
        let result = async {
            let mut instance = self.new_instance(&config)?;
            let ctx: Arc<dyn ConnectorContext> = Arc::new(Context {
                name: name.to_string(),
                shared: self.shared.clone(),
            });
            match &mut instance {
                Instance::Source(c) => c.start(config.clone(), ctx).await?,
                Instance::Sink(c) => c.start(config.clone(), ctx).await?,
            }
            Ok::<_, ConnectError>(instance)
        };
        let result = tracing::Instrument::instrument(
            result,
            tracing::info_span!("connector", connector = %name),
        )
        .await;
        match result {
            Ok(instance) => {
                self.connectors.lock().insert(
                    name.to_string(),
                    Arc::new(ConnectorHandle {
                        instance: tokio::sync::Mutex::new(instance),
                        config,
                    }),
                );
                let state = if target == TargetState::Paused {
                    State::Paused
                } else {
                    State::Running
                };
                self.shared.status.connector_state(name, state, None);
                Ok(())
            }
            Err(e) => {
                self.shared
                    .status
                    .connector_state(name, State::Failed, Some(e.trace()));
                Err(e)
            }
        }
    }

    /// The running connector's task configs for its `tasks.max`.
    pub async fn connector_task_configs(&self, name: &str) -> ConnectResult<Vec<ConfigMap>> {
        let handle = self
            .connectors
            .lock()
            .get(name)
            .cloned()
            .ok_or_else(|| ConnectError::other(format!("Connector {name} is not running")))?;
        let max = tasks_max(&handle.config)?;
        let instance = handle.instance.lock().await;
        let configs = match &*instance {
            Instance::Source(c) => c.task_configs(max)?,
            Instance::Sink(c) => c.task_configs(max)?,
        };
        Ok(configs.into_iter().take(max).collect())
    }

    /// Stops a connector instance (not its tasks).
    pub async fn stop_connector(&self, name: &str) {
        let handle = self.connectors.lock().remove(name);
        if let Some(h) = handle {
            stop_instance(name, &h).await;
        }
    }

    /// Starts one task. `connector_config` supplies converters, transforms, errors.* and client
    /// overrides; `task_config` is what the connector generated. Reports states through the
    /// listener; a task failure later marks it FAILED with its trace while others keep running.
    pub async fn start_task(
        &self,
        id: ConnectorTaskId,
        connector_config: ConfigMap,
        task_config: ConfigMap,
        target: TargetState,
    ) -> ConnectResult<()> {
        self.stop_task(&id).await;
        let (tx, rx) = watch::channel(Control::of(target));
        let runner = match self
            .build_runner(&id, connector_config, task_config, rx)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                self.shared
                    .status
                    .task_state(&id, State::Failed, Some(e.trace()));
                return Err(e);
            }
        };
        let state = if target == TargetState::Paused {
            State::Paused
        } else {
            State::Running
        };
        self.shared.status.task_state(&id, state, None);
        let shared = self.shared.clone();
        let task_id = id.clone();
        let join = tokio::spawn(async move {
            // One span per task: every log line from the task loop carries connector and task.
            let span =
                tracing::info_span!("task", connector = %task_id.connector, task = task_id.task);
            let outcome =
                std::panic::AssertUnwindSafe(tracing::Instrument::instrument(runner.run(), span))
                    .catch_unwind()
                    .await;
            let failure = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e),
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "task panicked".into());
                    Some(ConnectError::other(format!("Task panicked: {msg}")))
                }
            };
            match failure {
                None => {
                    tracing::info!(task = %source::task_name(&task_id), "task stopped");
                    shared.status.task_state(&task_id, State::Unassigned, None);
                }
                Some(e) => {
                    let error = shared.status.redact(&task_id.connector, &e.to_string());
                    tracing::error!(task = %source::task_name(&task_id), %error, "task failed");
                    shared
                        .status
                        .task_state(&task_id, State::Failed, Some(e.trace()));
                }
            }
        });
        self.tasks
            .lock()
            .insert(id, TaskHandle { control: tx, join });
        Ok(())
    }

    async fn build_runner(
        &self,
        id: &ConnectorTaskId,
        connector_config: ConfigMap,
        task_config: ConfigMap,
        control: watch::Receiver<Control>,
    ) -> ConnectResult<Runner> {
        let shared = &self.shared;
        let initial = *control.borrow();
        let converters = converters::build(&shared.config, &connector_config, &shared.plugins)?;
        let chain = TransformChain::from_config(&connector_config, &shared.plugins)?;
        let mut errors = errors::ErrorHandler::from_config(
            &connector_config,
            &id.connector,
            id.task,
            converters.classes.clone(),
        )?;
        errors.metrics = shared.metrics.task_errors(id);
        let running = self.connectors.lock().get(&id.connector).cloned();
        let kind = match running {
            Some(h) => match &*h.instance.lock().await {
                Instance::Source(c) => Created::Source(c.create_task()),
                Instance::Sink(c) => Created::Sink(c.create_task()),
            },
            None => match self.new_instance(&connector_config)? {
                Instance::Source(c) => Created::Source(c.create_task()),
                Instance::Sink(c) => Created::Sink(c.create_task()),
            },
        };
        match kind {
            Created::Source(task) => {
                let metrics = shared.metrics.source_task(id);
                let (producer, signal) = source::create_producer(shared, id, &connector_config)?;
                let topic_creator =
                    topics::TopicCreator::for_task(shared, id, &connector_config)?.map(Arc::new);
                Ok(Runner::Source(Box::new(source::SourceRunner {
                    id: id.clone(),
                    task,
                    task_config,
                    connector_config,
                    converters,
                    chain,
                    errors,
                    producer,
                    signal,
                    metrics,
                    written: 0,
                    shared: shared.clone(),
                    control,
                    tracker: offsets::OffsetTracker::new(),
                    topic_handles: Default::default(),
                    topic_creator,
                    reported: initial,
                })))
            }
            Created::Sink(task) => {
                let topics = sink::subscription(&connector_config)?;
                if let Some(dlq) = dlq_topic(&connector_config) {
                    errors.dlq = Some(self.dead_letter_queue(id, &connector_config, dlq).await?);
                }
                let mut settings = clients::build(
                    ClientKind::Consumer,
                    &shared.config,
                    &id.connector,
                    Some(&connector_config),
                    &clients::consumer_client_id(&id.connector, id.task),
                )?;
                shared.metrics.configure_client(&mut settings.config);
                let consumer: rdkafka::consumer::StreamConsumer<sink::RebalanceContext> = settings
                    .config
                    .create_with_context(sink::RebalanceContext::with_stats(
                        shared.metrics.client_stats(id, "consumer"),
                    ))
                    .map_err(|e| {
                        ConnectError::config(format!("Failed to create the consumer: {e}"))
                    })?;
                let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
                rdkafka::consumer::Consumer::subscribe(&consumer, &refs).map_err(|e| {
                    ConnectError::other(format!("Failed to subscribe to {topics:?}: {e}"))
                })?;
                let pipeline = Arc::new(sink::Pipeline {
                    id: id.clone(),
                    converters,
                    chain,
                    errors,
                    max_poll_records: settings.max_poll_records,
                });
                Ok(Runner::Sink(Box::new(sink::SinkRunner {
                    id: id.clone(),
                    task,
                    task_config,
                    pipeline: pipeline.clone(),
                    consumer,
                    context: Arc::new(sink::SinkContextImpl::with_reporter(pipeline)),
                    shared: shared.clone(),
                    control,
                    current: HashMap::new(),
                    last_committed: HashMap::new(),
                    assigned: Vec::new(),
                    metrics: shared.metrics.sink_task(id),
                    paused: initial == Control::Pause,
                    reported: initial,
                })))
            }
        }
    }

    async fn dead_letter_queue(
        &self,
        id: &ConnectorTaskId,
        config: &ConfigMap,
        topic: String,
    ) -> ConnectResult<errors::DeadLetterQueue> {
        let rf = match config
            .get("errors.deadletterqueue.topic.replication.factor")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            None => 3,
            Some(v) => v.parse::<i32>().map_err(|_| {
                ConnectError::config(format!(
                    "Invalid value {v} for configuration errors.deadletterqueue.topic.replication.factor: Not a number of type SHORT"
                ))
            })?,
        };
        let context_headers = config
            .get("errors.deadletterqueue.context.headers.enable")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let settings = clients::build(
            ClientKind::Producer,
            &self.shared.config,
            &id.connector,
            Some(config),
            &clients::dlq_producer_client_id(&id.connector, id.task),
        )?;
        let producer = settings.config.create().map_err(|e| {
            ConnectError::config(format!(
                "Failed to create the dead letter queue producer: {e}"
            ))
        })?;
        if let Err(e) = source::create_topic(&self.shared, id, config, &topic, Some(rf)).await {
            tracing::warn!(topic = %topic, error = %e, "could not create the dead letter queue topic");
        }
        Ok(errors::DeadLetterQueue {
            producer,
            topic,
            context_headers,
        })
    }

    /// Stops one task gracefully (bounded by `task.shutdown.graceful.timeout.ms`), committing
    /// source offsets / sink consumer offsets of what was delivered.
    pub async fn stop_task(&self, id: &ConnectorTaskId) {
        let handle = self.tasks.lock().remove(id);
        if let Some(h) = handle {
            self.await_stop(id, h).await;
            self.shared.metrics.remove_task(id);
        }
    }

    async fn await_stop(&self, id: &ConnectorTaskId, h: TaskHandle) {
        let _ = h.control.send(Control::Stop);
        let abort = h.join.abort_handle();
        let timeout = self.shared.config.task_shutdown_timeout;
        if tokio::time::timeout(timeout, h.join).await.is_err() {
            tracing::error!(
                task = %source::task_name(id),
                "Graceful stop of task failed: it did not stop within task.shutdown.graceful.timeout.ms ({} ms); aborting it",
                timeout.as_millis()
            );
            abort.abort();
        }
    }

    /// Pauses or resumes a connector and its tasks (STARTED or PAUSED).
    pub async fn set_target_state(&self, name: &str, target: TargetState) {
        if self.connectors.lock().contains_key(name) {
            let state = if target == TargetState::Paused {
                State::Paused
            } else {
                State::Running
            };
            self.shared.status.connector_state(name, state, None);
        }
        let tasks = self.tasks.lock();
        for (id, h) in tasks.iter().filter(|(id, _)| id.connector == name) {
            if h.control.send(Control::of(target)).is_err() {
                tracing::debug!(task = %source::task_name(id), "task already finished");
            }
        }
    }

    /// Stops everything (shutdown): tasks first, offsets flushed, clients closed.
    pub async fn stop_all(&self) {
        let tasks: Vec<(ConnectorTaskId, TaskHandle)> = self.tasks.lock().drain().collect();
        futures::future::join_all(tasks.into_iter().map(|(id, h)| async move {
            self.await_stop(&id, h).await;
        }))
        .await;
        let connectors: Vec<(String, Arc<ConnectorHandle>)> =
            self.connectors.lock().drain().collect();
        for (name, h) in connectors {
            stop_instance(&name, &h).await;
        }
    }

    /// Committed source offsets of a connector.
    pub fn source_offsets(&self, name: &str) -> Vec<(OffsetMap, OffsetMap)> {
        self.shared.offsets.all(name)
    }

    /// Writes or removes source offsets (`None` = reset that partition).
    pub fn alter_source_offsets(
        &self,
        name: &str,
        entries: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> ConnectResult<()> {
        self.shared.offsets.put_batch(name, entries)
    }

    /// Committed offsets of the sink's consumer group `connect-<name>`.
    pub async fn sink_offsets(
        &self,
        name: &str,
        connector_config: &ConfigMap,
    ) -> ConnectResult<Vec<(TopicPartition, i64)>> {
        group_offsets::committed(&self.shared.config, name, connector_config).await
    }

    /// Commits or deletes offsets of the sink's consumer group (`None` = reset that partition,
    /// i.e. the next run starts per `auto.offset.reset`).
    pub async fn alter_sink_offsets(
        &self,
        name: &str,
        connector_config: &ConfigMap,
        entries: Vec<(TopicPartition, Option<i64>)>,
    ) -> ConnectResult<()> {
        group_offsets::alter(&self.shared.config, name, connector_config, entries).await
    }

    /// Topics a connector has produced to or consumed from since the last reset.
    pub fn active_topics(&self, name: &str) -> Vec<String> {
        self.shared
            .active_topics
            .lock()
            .get(name)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets a connector's active topics.
    pub fn reset_active_topics(&self, name: &str) {
        self.shared.active_topics.lock().remove(name);
    }

    /// The broker's cluster id, if reachable (asked with a 2 s timeout, then cached).
    pub async fn kafka_cluster_id(&self) -> Option<String> {
        if let Some(id) = self.cluster_id.get() {
            return Some(id.clone());
        }
        let config = self.shared.config.clone();
        let id = tokio::task::spawn_blocking(move || group_offsets::cluster_id(&config))
            .await
            .ok()
            .flatten()?;
        let _ = self.cluster_id.set(id.clone());
        Some(id)
    }
}

enum Created {
    Source(Box<dyn crate::connector::SourceTask>),
    Sink(Box<dyn crate::connector::SinkTask>),
}

enum Runner {
    Source(Box<source::SourceRunner>),
    Sink(Box<sink::SinkRunner>),
}

impl Runner {
    async fn run(self) -> ConnectResult<()> {
        match self {
            Runner::Source(r) => r.run().await,
            Runner::Sink(r) => r.run().await,
        }
    }
}

fn dlq_topic(config: &ConfigMap) -> Option<String> {
    config
        .get("errors.deadletterqueue.topic.name")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

async fn stop_instance(name: &str, handle: &ConnectorHandle) {
    let mut instance = handle.instance.lock().await;
    let r = match &mut *instance {
        Instance::Source(c) => c.stop().await,
        Instance::Sink(c) => c.stop().await,
    };
    if let Err(e) = r {
        tracing::warn!(connector = name, error = %e, "error while stopping connector");
    }
}

#[cfg(test)]
mod tests;
