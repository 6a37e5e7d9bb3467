//! Connector and task states as the worker reports them (`MemoryStatusBackingStore`), and the
//! link through which the [`Worker`](crate::worker::Worker) reaches the standalone herder
//! (status listener and reconfiguration hook) before the herder exists.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use parking_lot::Mutex;

use crate::herder::{ConnectorTaskId, State};
use crate::metrics::StatusSource;
use crate::worker::{ReconfigureHook, StatusListener};

use super::herder::StandaloneHerder;

/// A recorded state with its failure trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The state.
    pub state: State,
    /// Trace for FAILED.
    pub trace: Option<String>,
}

#[derive(Default)]
struct Maps {
    connectors: HashMap<String, Status>,
    tasks: HashMap<ConnectorTaskId, Status>,
    auto_restarts: HashMap<ConnectorTaskId, u64>,
    /// Resolved config provider values per connector, scrubbed from traces.
    secrets: HashMap<String, Vec<String>>,
}

impl Maps {
    fn redact(&self, connector: &str, trace: Option<String>) -> Option<String> {
        match (trace, self.secrets.get(connector)) {
            (Some(t), Some(secrets)) => Some(crate::config::providers::redact(&t, secrets)),
            (t, _) => t,
        }
    }
}

/// In-memory connector and task states, written by the worker through [`StatusListener`] and
/// by the herder (RESTARTING, STOPPED, start failures).
#[derive(Default)]
pub struct StatusStore {
    maps: Mutex<Maps>,
    auto_restarts_total: AtomicU64,
}

impl StatusStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many times FAILED tasks were restarted automatically (`task.auto.restart.enable`),
    /// over the worker's lifetime.
    pub fn auto_restarts_total(&self) -> u64 {
        self.auto_restarts_total.load(Ordering::Relaxed)
    }

    /// Automatic restarts per task, for tasks restarted at least once (kept after the task
    /// goes away, so counters never go down).
    pub fn task_auto_restarts(&self) -> Vec<(ConnectorTaskId, u64)> {
        let maps = self.maps.lock();
        maps.auto_restarts
            .iter()
            .map(|(id, n)| (id.clone(), *n))
            .collect()
    }

    /// Counts one automatic restart of `id`.
    pub fn count_auto_restart(&self, id: &ConnectorTaskId) {
        self.auto_restarts_total.fetch_add(1, Ordering::Relaxed);
        *self
            .maps
            .lock()
            .auto_restarts
            .entry(id.clone())
            .or_insert(0) += 1;
    }

    /// Remembers resolved config provider values of a connector: traces recorded for it and
    /// its tasks show `[hidden]` in their place (until the connector is removed).
    pub fn add_secrets(&self, connector: &str, secrets: Vec<String>) {
        if secrets.is_empty() {
            return;
        }
        let mut maps = self.maps.lock();
        let known = maps.secrets.entry(connector.to_string()).or_default();
        for s in secrets {
            if !known.contains(&s) {
                known.push(s);
            }
        }
    }

    /// `text` with the connector's resolved secrets replaced by `[hidden]`.
    pub fn redact(&self, connector: &str, text: &str) -> String {
        self.maps
            .lock()
            .redact(connector, Some(text.to_string()))
            .unwrap_or_default()
    }

    /// The connector's recorded state.
    pub fn connector(&self, name: &str) -> Option<Status> {
        self.maps.lock().connectors.get(name).cloned()
    }

    /// A task's recorded state.
    pub fn task(&self, id: &ConnectorTaskId) -> Option<Status> {
        self.maps.lock().tasks.get(id).cloned()
    }

    /// Records a connector state.
    pub fn put_connector(&self, name: &str, state: State, trace: Option<String>) {
        let mut maps = self.maps.lock();
        let trace = maps.redact(name, trace);
        maps.connectors
            .insert(name.to_string(), Status { state, trace });
    }

    /// Records a task state.
    pub fn put_task(&self, id: &ConnectorTaskId, state: State, trace: Option<String>) {
        let mut maps = self.maps.lock();
        let trace = maps.redact(&id.connector, trace);
        maps.tasks.insert(id.clone(), Status { state, trace });
    }

    /// Sets the connector's state only if nothing (or only `UNASSIGNED`/`RESTARTING`) is
    /// recorded: a start that returned Ok without the worker reporting it.
    pub fn settle_connector(&self, name: &str, state: State) {
        let mut maps = self.maps.lock();
        let e = maps
            .connectors
            .entry(name.to_string())
            .or_insert(Status { state, trace: None });
        if matches!(e.state, State::Unassigned | State::Restarting) {
            *e = Status { state, trace: None };
        }
    }

    /// Task counterpart of [`StatusStore::settle_connector`].
    pub fn settle_task(&self, id: &ConnectorTaskId, state: State) {
        let mut maps = self.maps.lock();
        let e = maps
            .tasks
            .entry(id.clone())
            .or_insert(Status { state, trace: None });
        if matches!(e.state, State::Unassigned | State::Restarting) {
            *e = Status { state, trace: None };
        }
    }

    /// Records FAILED for a connector unless the worker already recorded a failure trace.
    pub fn fail_connector(&self, name: &str, trace: String) {
        let mut maps = self.maps.lock();
        match maps.connectors.get(name) {
            Some(Status {
                state: State::Failed,
                trace: Some(_),
            }) => {}
            _ => {
                let trace = maps.redact(name, Some(trace));
                maps.connectors.insert(
                    name.to_string(),
                    Status {
                        state: State::Failed,
                        trace,
                    },
                );
            }
        }
    }

    /// Records FAILED for a task unless the worker already recorded a failure trace.
    pub fn fail_task(&self, id: &ConnectorTaskId, trace: String) {
        let mut maps = self.maps.lock();
        match maps.tasks.get(id) {
            Some(Status {
                state: State::Failed,
                trace: Some(_),
            }) => {}
            _ => {
                let trace = maps.redact(&id.connector, Some(trace));
                maps.tasks.insert(
                    id.clone(),
                    Status {
                        state: State::Failed,
                        trace,
                    },
                );
            }
        }
    }

    /// Forgets one task.
    pub fn remove_task(&self, id: &ConnectorTaskId) {
        self.maps.lock().tasks.remove(id);
    }

    /// Forgets every task of a connector.
    pub fn remove_tasks(&self, name: &str) {
        self.maps.lock().tasks.retain(|id, _| id.connector != name);
    }

    /// Forgets a connector and its tasks.
    pub fn remove_connector(&self, name: &str) {
        let mut maps = self.maps.lock();
        maps.connectors.remove(name);
        maps.secrets.remove(name);
        maps.tasks.retain(|id, _| id.connector != name);
    }
}

impl StatusListener for StatusStore {
    fn connector_state(&self, name: &str, state: State, trace: Option<String>) {
        self.put_connector(name, state, trace);
    }

    fn task_state(&self, id: &ConnectorTaskId, state: State, trace: Option<String>) {
        self.put_task(id, state, trace);
    }

    fn redact(&self, connector: &str, text: &str) -> String {
        StatusStore::redact(self, connector, text)
    }

    fn status_source(self: Arc<Self>) -> Option<Arc<dyn StatusSource>> {
        Some(self)
    }
}

impl StatusSource for StatusStore {
    fn connector_states(&self) -> Vec<(String, State)> {
        let maps = self.maps.lock();
        maps.connectors
            .iter()
            .map(|(n, s)| (n.clone(), s.state))
            .collect()
    }

    fn task_states(&self) -> Vec<(ConnectorTaskId, State)> {
        let maps = self.maps.lock();
        maps.tasks
            .iter()
            .map(|(id, s)| (id.clone(), s.state))
            .collect()
    }

    fn task_auto_restarts(&self) -> Vec<(ConnectorTaskId, u64)> {
        StatusStore::task_auto_restarts(self)
    }
}

/// What the worker is built with in standalone mode: it records states in the herder's
/// [`StatusStore`] and forwards reconfiguration requests to the herder once it is attached.
///
/// ```ignore
/// let link = HerderLink::new();
/// let worker = Arc::new(Worker::new(cfg.clone(), plugins.clone(), offsets,
///     link.status_listener(), link.reconfigure_hook()));
/// let herder = StandaloneHerder::new(cfg, plugins, worker, configs, link);
/// ```
pub struct HerderLink {
    status: Arc<StatusStore>,
    herder: OnceLock<Weak<StandaloneHerder>>,
}

impl HerderLink {
    /// A link with an empty status store and no herder yet.
    pub fn new() -> Arc<Self> {
        Arc::new(HerderLink {
            status: Arc::new(StatusStore::new()),
            herder: OnceLock::new(),
        })
    }

    /// The status store (the listener to give the worker).
    pub fn status(&self) -> Arc<StatusStore> {
        self.status.clone()
    }

    /// The status store as the worker's [`StatusListener`].
    pub fn status_listener(&self) -> Arc<dyn StatusListener> {
        self.status.clone()
    }

    /// The worker's reconfiguration hook: regenerates the connector's task configs on the
    /// herder (asynchronously, on the current tokio runtime) and restarts its tasks if they
    /// changed. Requests before the herder is attached, or without a runtime, are logged and
    /// dropped.
    pub fn reconfigure_hook(self: &Arc<Self>) -> ReconfigureHook {
        // A strong reference: nothing else keeps the link alive once the herder is built (the
        // link only holds a weak reference to the herder, so there is no cycle).
        let link = self.clone();
        Arc::new(move |name: &str| {
            let herder = link.herder.get().and_then(Weak::upgrade);
            let Some(herder) = herder else {
                tracing::warn!(
                    connector = name,
                    "task reconfiguration requested before the herder started; ignored"
                );
                return;
            };
            let Ok(rt) = tokio::runtime::Handle::try_current() else {
                tracing::warn!(
                    connector = name,
                    "task reconfiguration requested outside a tokio runtime; ignored"
                );
                return;
            };
            let name = name.to_string();
            rt.spawn(async move {
                herder.reconfigure(&name).await;
            });
        })
    }

    /// Connects the herder (done by [`StandaloneHerder::new`]).
    pub(crate) fn attach(&self, herder: &Arc<StandaloneHerder>) {
        let _ = self.herder.set(Arc::downgrade(herder));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tid(t: u32) -> ConnectorTaskId {
        ConnectorTaskId {
            connector: "c".into(),
            task: t,
        }
    }

    #[test]
    fn settle_does_not_override_a_reported_failure() {
        let s = StatusStore::new();
        s.task_state(&tid(0), State::Failed, Some("boom".into()));
        s.settle_task(&tid(0), State::Running);
        assert_eq!(s.task(&tid(0)).unwrap().state, State::Failed);
        s.put_task(&tid(1), State::Restarting, None);
        s.settle_task(&tid(1), State::Running);
        assert_eq!(s.task(&tid(1)).unwrap().state, State::Running);
    }

    #[test]
    fn traces_hide_the_connectors_resolved_secrets() {
        let s = StatusStore::new();
        s.add_secrets("c", vec!["hunter22".into()]);
        s.task_state(
            &tid(0),
            State::Failed,
            Some("login with hunter22 refused".into()),
        );
        s.fail_connector("c", "bad password hunter22".into());
        assert_eq!(
            s.task(&tid(0)).unwrap().trace.as_deref(),
            Some("login with [hidden] refused")
        );
        assert_eq!(
            s.connector("c").unwrap().trace.as_deref(),
            Some("bad password [hidden]")
        );
        assert_eq!(s.redact("c", "x hunter22"), "x [hidden]");
        assert_eq!(s.redact("other", "x hunter22"), "x hunter22");
        s.remove_connector("c");
        assert_eq!(s.redact("c", "x hunter22"), "x hunter22");
    }

    #[test]
    fn fail_keeps_the_workers_trace() {
        let s = StatusStore::new();
        s.connector_state("c", State::Failed, Some("worker trace".into()));
        s.fail_connector("c", "herder trace".into());
        assert_eq!(
            s.connector("c").unwrap().trace.as_deref(),
            Some("worker trace")
        );
        s.remove_connector("c");
        assert!(s.connector("c").is_none());
    }
}
