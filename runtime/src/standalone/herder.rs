//! The standalone herder's state and connector lifecycle (start, stop, task generation,
//! restarts). The [`Herder`](crate::herder::Herder) methods are in `api.rs`, offsets in
//! `offsets.rs`.
//!
//! Locking: `ops` serialises every change (like the JVM's synchronized standalone herder) and
//! is held across worker calls; `state` is only held for short reads and writes, so status and
//! info requests never wait behind a slow change.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::{Mutex, RwLock};

use crate::config::{framework, providers, ConfigMap, WorkerConfig};
use crate::connector::ConnectorType;
use crate::error::ConnectResult;
use crate::herder::{
    type_name, ConnectorInfo, ConnectorState, ConnectorStateInfo, ConnectorTaskId, HerderError,
    State, TargetState, TaskState,
};
use crate::plugins::PluginRegistry;
use crate::storage::file_configs::ConfigStore;
use crate::storage::OffsetStore;
use crate::worker::Worker;

use super::status::{HerderLink, StatusStore};

/// One connector as the herder knows it.
#[derive(Debug, Clone)]
pub(crate) struct ConnectorEntry {
    /// Config as submitted (with `name`).
    pub config: ConfigMap,
    /// Target state.
    pub target: TargetState,
    /// Task configs of the running tasks (empty when stopped or failed).
    pub tasks: Vec<ConfigMap>,
    /// Whether the worker runs a connector instance (start returned Ok).
    pub running: bool,
}

/// The standalone herder: connectors live in this process, configs in a [`ConfigStore`].
pub struct StandaloneHerder {
    pub(crate) worker_config: Arc<WorkerConfig>,
    pub(crate) registry: Arc<PluginRegistry>,
    pub(crate) worker: Arc<Worker>,
    pub(crate) configs: Arc<dyn ConfigStore>,
    pub(crate) status: Arc<StatusStore>,
    pub(crate) ops: Mutex<()>,
    pub(crate) state: RwLock<BTreeMap<String, ConnectorEntry>>,
    pub(crate) started: AtomicBool,
}

/// The state a running instance shows for a target state.
pub(crate) fn running_state(target: TargetState) -> State {
    match target {
        TargetState::Started => State::Running,
        TargetState::Paused => State::Paused,
        TargetState::Stopped => State::Stopped,
    }
}

/// A task id.
pub(crate) fn task_id(name: &str, task: usize) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: name.to_string(),
        task: task as u32,
    }
}

/// Maps a store failure to a 500.
pub(crate) fn internal(e: crate::error::ConnectError) -> HerderError {
    HerderError::Internal(e.to_string())
}

impl StandaloneHerder {
    /// Creates the herder over a worker built with `link`'s status listener and
    /// reconfiguration hook (see [`HerderLink`]). Call [`StandaloneHerder::start`] next.
    pub fn new(
        worker_config: Arc<WorkerConfig>,
        registry: Arc<PluginRegistry>,
        worker: Arc<Worker>,
        configs: Arc<dyn ConfigStore>,
        link: Arc<HerderLink>,
    ) -> Arc<Self> {
        let herder = Arc::new(StandaloneHerder {
            worker_config,
            registry,
            worker,
            configs,
            status: link.status(),
            ops: Mutex::new(()),
            state: RwLock::new(BTreeMap::new()),
            started: AtomicBool::new(false),
        });
        link.attach(&herder);
        let policy = herder.worker_config.auto_restart.clone();
        if policy.enabled {
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(super::healing::supervise(Arc::downgrade(&herder), policy));
                }
                Err(_) => tracing::warn!(
                    "task.auto.restart.enable=true ignored: the herder was built outside a tokio runtime"
                ),
            }
        }
        herder
    }

    /// Builds the worker and the herder together (the usual standalone wiring).
    pub fn create(
        worker_config: Arc<WorkerConfig>,
        registry: Arc<PluginRegistry>,
        offsets: Arc<dyn OffsetStore>,
        configs: Arc<dyn ConfigStore>,
    ) -> Arc<Self> {
        let link = HerderLink::new();
        let worker = Arc::new(Worker::new(
            worker_config.clone(),
            registry.clone(),
            offsets,
            link.status_listener(),
            link.reconfigure_hook(),
        ));
        Self::new(worker_config, registry, worker, configs, link)
    }

    /// The worker this herder drives.
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Restores every persisted connector in its target state, then reports healthy. Err only
    /// if the config store cannot be read; a connector that fails to start shows FAILED.
    pub async fn start(&self) -> ConnectResult<()> {
        let stored = self.configs.all().await?;
        {
            let _ops = self.ops.lock().await;
            for (name, c) in stored {
                tracing::info!(connector = %name, target = ?c.target_state, "restoring connector");
                let entry = self.launch(&name, c.config, c.target_state).await;
                self.state.write().await.insert(name, entry);
            }
        }
        self.started.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Stops every connector and task (tasks first, offsets flushed, clients closed).
    pub async fn stop(&self) {
        let _ops = self.ops.lock().await;
        self.worker.stop_all().await;
        let mut state = self.state.write().await;
        for entry in state.values_mut() {
            entry.running = false;
            entry.tasks.clear();
        }
    }

    /// Whether [`StandaloneHerder::start`] has completed.
    pub fn is_started(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }

    /// A copy of a connector's entry.
    pub(crate) async fn entry(&self, name: &str) -> Option<ConnectorEntry> {
        self.state.read().await.get(name).cloned()
    }

    /// The connector's type, from its class.
    pub(crate) fn connector_type(&self, config: &ConfigMap) -> Option<ConnectorType> {
        config
            .get(framework::CONNECTOR_CLASS_CONFIG)
            .and_then(|c| self.registry.connector(c))
            .map(|p| p.connector_type())
    }

    /// `ConnectorInfo` of an entry.
    pub(crate) fn info(&self, name: &str, entry: &ConnectorEntry) -> ConnectorInfo {
        ConnectorInfo {
            name: name.to_string(),
            config: entry.config.clone(),
            tasks: (0..entry.tasks.len()).map(|i| task_id(name, i)).collect(),
            connector_type: type_name(self.connector_type(&entry.config)),
        }
    }

    /// One task's state as shown in `/status`.
    pub(crate) fn task_state(&self, name: &str, task: usize) -> TaskState {
        let id = task_id(name, task);
        let s = self.status.task(&id);
        TaskState {
            id: id.task,
            state: s.as_ref().map_or(State::Unassigned, |s| s.state),
            worker_id: self.worker.worker_id(),
            trace: s.and_then(|s| s.trace).filter(|t| !t.is_empty()),
        }
    }

    /// `ConnectorStateInfo` of an entry: STOPPED connectors show no tasks.
    pub(crate) fn state_info(&self, name: &str, entry: &ConnectorEntry) -> ConnectorStateInfo {
        let worker_id = self.worker.worker_id();
        let (connector, tasks) = if entry.target == TargetState::Stopped {
            (
                ConnectorState {
                    state: State::Stopped,
                    worker_id,
                    trace: None,
                },
                Vec::new(),
            )
        } else {
            let s = self.status.connector(name);
            (
                ConnectorState {
                    state: s.as_ref().map_or(State::Unassigned, |s| s.state),
                    worker_id,
                    trace: s.and_then(|s| s.trace).filter(|t| !t.is_empty()),
                },
                (0..entry.tasks.len())
                    .map(|i| self.task_state(name, i))
                    .collect(),
            )
        };
        ConnectorStateInfo {
            name: name.to_string(),
            connector,
            tasks,
            connector_type: type_name(self.connector_type(&entry.config)),
        }
    }

    /// Starts a connector in `target` (nothing runs for STOPPED), generates its task configs
    /// and starts its tasks. Failures show in the status; the returned entry says what runs.
    /// Caller holds `ops`.
    pub(crate) async fn launch(
        &self,
        name: &str,
        config: ConfigMap,
        target: TargetState,
    ) -> ConnectorEntry {
        let mut entry = ConnectorEntry {
            config,
            target,
            tasks: Vec::new(),
            running: false,
        };
        self.status.remove_connector(name);
        if target == TargetState::Stopped {
            self.status.put_connector(name, State::Stopped, None);
            return entry;
        }
        if !self
            .start_connector_instance(name, &entry.config, target)
            .await
        {
            return entry;
        }
        entry.running = true;
        match self.task_configs(name, &entry.config).await {
            Ok(tasks) => {
                self.start_tasks(name, &entry.config, &tasks, 0..tasks.len(), target)
                    .await;
                entry.tasks = tasks;
            }
            Err(e) => {
                tracing::error!(connector = name, error = %e, "could not generate task configs");
                self.status.fail_connector(name, e.trace());
            }
        }
        entry
    }

    /// The connector's config with provider references resolved, for calls outside the
    /// connector and task lifecycle (offsets: client settings, the connector's hooks). The
    /// resolved values are registered for redaction; a failure is a 400 naming the key.
    pub(crate) fn resolved_config(
        &self,
        name: &str,
        config: &ConfigMap,
    ) -> Result<ConfigMap, HerderError> {
        let mut secrets = Vec::new();
        let resolved = self
            .worker_config
            .providers
            .resolve_collecting(config, &mut secrets)
            .map_err(|e| HerderError::BadRequest(e.to_string()))?;
        self.status.add_secrets(name, secrets);
        Ok(resolved)
    }

    /// The running connector's task configs with config provider references put back, so
    /// what the herder keeps and shows holds no resolved secret.
    pub(crate) async fn task_configs(
        &self,
        name: &str,
        raw: &ConfigMap,
    ) -> ConnectResult<Vec<ConfigMap>> {
        let tasks = self.worker.connector_task_configs(name).await?;
        let providers = &self.worker_config.providers;
        if providers.is_empty() {
            return Ok(tasks);
        }
        let resolved = providers.resolve(raw)?;
        Ok(tasks
            .into_iter()
            .map(|t| providers::unresolve(raw, &resolved, t))
            .collect())
    }

    /// Starts the connector instance with config provider references resolved; false (and
    /// FAILED with trace) if it did not start.
    pub(crate) async fn start_connector_instance(
        &self,
        name: &str,
        config: &ConfigMap,
        target: TargetState,
    ) -> bool {
        let mut secrets = Vec::new();
        let started = match self
            .worker_config
            .providers
            .resolve_collecting(config, &mut secrets)
        {
            Ok(resolved) => {
                self.status.add_secrets(name, secrets);
                self.worker.start_connector(name, resolved, target).await
            }
            Err(e) => Err(e),
        };
        match started {
            Ok(()) => {
                self.status.settle_connector(name, running_state(target));
                true
            }
            Err(e) => {
                let error = self.status.redact(name, &e.to_string());
                tracing::error!(connector = name, %error, "connector failed to start");
                self.status.fail_connector(name, e.trace());
                false
            }
        }
    }

    /// Starts the tasks at `which` of `tasks`; a failing task is FAILED, the others run.
    pub(crate) async fn start_tasks(
        &self,
        name: &str,
        config: &ConfigMap,
        tasks: &[ConfigMap],
        which: impl IntoIterator<Item = usize>,
        target: TargetState,
    ) {
        for i in which {
            let Some(task_config) = tasks.get(i) else {
                continue;
            };
            let id = task_id(name, i);
            let providers = &self.worker_config.providers;
            let mut secrets = Vec::new();
            let started = match (
                providers.resolve_collecting(config, &mut secrets),
                providers.resolve_collecting(task_config, &mut secrets),
            ) {
                (Ok(c), Ok(t)) => {
                    self.status.add_secrets(name, secrets);
                    self.worker.start_task(id.clone(), c, t, target).await
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            match started {
                Ok(()) => self.status.settle_task(&id, running_state(target)),
                Err(e) => {
                    let error = self.status.redact(name, &e.to_string());
                    tracing::error!(task = %format!("{name}-{i}"), %error, "task failed to start");
                    self.status.fail_task(&id, e.trace());
                }
            }
        }
    }

    /// Stops the tasks at `which` and forgets their states.
    pub(crate) async fn stop_tasks(&self, name: &str, which: impl IntoIterator<Item = usize>) {
        for i in which {
            let id = task_id(name, i);
            self.worker.stop_task(&id).await;
            self.status.remove_task(&id);
        }
    }

    /// Stops a connector's tasks and instance. Caller holds `ops`.
    pub(crate) async fn halt(&self, name: &str, entry: &ConnectorEntry) {
        self.stop_tasks(name, 0..entry.tasks.len()).await;
        if entry.running {
            self.worker.stop_connector(name).await;
        }
    }

    /// Regenerates a running connector's task configs and restarts its tasks if they changed
    /// (the connector asked for it through its context).
    pub async fn reconfigure(&self, name: &str) {
        let _ops = self.ops.lock().await;
        let Some(entry) = self.entry(name).await else {
            return;
        };
        self.refresh_tasks(name, entry).await;
    }

    /// Fetches the task configs and, if they differ, replaces the tasks. Caller holds `ops`.
    pub(crate) async fn refresh_tasks(&self, name: &str, entry: ConnectorEntry) {
        if !entry.running || entry.target == TargetState::Stopped {
            return;
        }
        let tasks = match self.task_configs(name, &entry.config).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(connector = name, error = %e, "could not regenerate task configs");
                self.status.fail_connector(name, e.trace());
                return;
            }
        };
        if tasks == entry.tasks {
            return;
        }
        tracing::info!(
            connector = name,
            tasks = tasks.len(),
            "task configs changed; restarting tasks"
        );
        self.stop_tasks(name, 0..entry.tasks.len()).await;
        self.start_tasks(name, &entry.config, &tasks, 0..tasks.len(), entry.target)
            .await;
        if let Some(e) = self.state.write().await.get_mut(name) {
            e.tasks = tasks;
        }
    }

    /// Moves a connector to a target state (pause, resume, stop), persisting it first.
    pub(crate) async fn change_target(
        &self,
        name: &str,
        target: TargetState,
    ) -> Result<(), HerderError> {
        let _ops = self.ops.lock().await;
        let entry = self
            .entry(name)
            .await
            .ok_or_else(|| HerderError::NotFound(format!("Unknown connector {name}")))?;
        if entry.target == target {
            return Ok(());
        }
        self.configs
            .set_target_state(name, target)
            .await
            .map_err(internal)?;
        let next = match (entry.target, target) {
            (_, TargetState::Stopped) => {
                self.halt(name, &entry).await;
                self.status.remove_tasks(name);
                self.status.put_connector(name, State::Stopped, None);
                ConnectorEntry {
                    target,
                    tasks: Vec::new(),
                    running: false,
                    ..entry
                }
            }
            (TargetState::Stopped, _) => self.launch(name, entry.config, target).await,
            _ => {
                if entry.running {
                    self.worker.set_target_state(name, target).await;
                }
                ConnectorEntry { target, ..entry }
            }
        };
        self.state.write().await.insert(name.to_string(), next);
        Ok(())
    }
}
