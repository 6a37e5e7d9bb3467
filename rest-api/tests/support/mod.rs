//! Test support: an in-memory implementation of Ferroconnect's own `Herder` trait, and a
//! helper that serves the real router over HTTP on a loopback port.
//!
//! `MemHerder` is a stand-in for our *own* interface (the contract between the REST crate and
//! the runtime), not for any external service: it lets these tests pin down what the REST
//! layer does with each herder answer. The real herders are tested in the runtime crate.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use ferroconnect_runtime::config::{ConfigMap, ConfigValue};
use ferroconnect_runtime::herder::{
    ConfigInfo, ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorOffset, ConnectorOffsets,
    ConnectorState, ConnectorStateInfo, ConnectorTaskId, Created, Herder, HerderError,
    HerderResult, ServerInfo, State, TargetState, TaskInfo, TaskState, WorkerHealth,
};
use ferroconnect_runtime::logging::TracingLoggers;
use ferroconnect_runtime::plugins::PluginInfo;
use indexmap::IndexMap;
use parking_lot::Mutex;

/// The worker id the stand-in reports.
pub const WORKER_ID: &str = "127.0.0.1:8083";

/// One stored connector.
#[derive(Debug, Clone)]
pub struct Conn {
    /// Its config.
    pub config: ConfigMap,
    /// Target state.
    pub target: TargetState,
    /// Committed offsets.
    pub offsets: ConnectorOffsets,
    /// Active topics.
    pub topics: Vec<String>,
}

/// An in-memory `Herder` (see the module docs).
pub struct MemHerder {
    /// Connectors by name.
    pub connectors: Mutex<BTreeMap<String, Conn>>,
    /// What `health()` answers.
    pub health: Mutex<(u16, WorkerHealth)>,
    /// The arguments of each `restart_connector` call.
    pub restarts: Mutex<Vec<(String, bool, bool)>>,
    /// The initial state passed with each create.
    pub initial_states: Mutex<Vec<Option<TargetState>>>,
    /// If set, `connectors()` takes this long (to exercise the request timeout).
    pub list_delay: Mutex<Option<std::time::Duration>>,
}

impl MemHerder {
    /// An empty herder reporting healthy.
    pub fn new() -> Arc<Self> {
        Arc::new(MemHerder {
            connectors: Mutex::new(BTreeMap::new()),
            health: Mutex::new((
                200,
                WorkerHealth {
                    status: "healthy".into(),
                    message: "Worker has completed startup and is ready to handle requests.".into(),
                },
            )),
            restarts: Mutex::new(Vec::new()),
            initial_states: Mutex::new(Vec::new()),
            list_delay: Mutex::new(None),
        })
    }

    fn type_of(config: &ConfigMap) -> &'static str {
        match config.get("connector.class") {
            Some(c) if c.contains("Sink") => "sink",
            Some(c) if c.contains("Source") => "source",
            _ => "unknown",
        }
    }

    fn task_count(config: &ConfigMap) -> u32 {
        config
            .get("tasks.max")
            .and_then(|t| t.parse().ok())
            .unwrap_or(1)
    }

    fn info_of(name: &str, c: &Conn) -> ConnectorInfo {
        let tasks = if c.target == TargetState::Stopped {
            0
        } else {
            Self::task_count(&c.config)
        };
        ConnectorInfo {
            name: name.to_string(),
            config: c.config.clone(),
            tasks: (0..tasks)
                .map(|task| ConnectorTaskId {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
            connector_type: Self::type_of(&c.config).to_string(),
        }
    }

    fn state_of(target: TargetState) -> State {
        match target {
            TargetState::Started => State::Running,
            TargetState::Paused => State::Paused,
            TargetState::Stopped => State::Stopped,
        }
    }

    fn status_of(name: &str, c: &Conn) -> ConnectorStateInfo {
        let info = Self::info_of(name, c);
        ConnectorStateInfo {
            name: name.to_string(),
            connector: ConnectorState {
                state: Self::state_of(c.target),
                worker_id: WORKER_ID.into(),
                trace: None,
            },
            tasks: info
                .tasks
                .iter()
                .map(|t| TaskState {
                    id: t.task,
                    state: Self::state_of(c.target),
                    worker_id: WORKER_ID.into(),
                    trace: None,
                })
                .collect(),
            connector_type: info.connector_type,
        }
    }

    fn with<T>(&self, name: &str, msg: &str, f: impl FnOnce(&mut Conn) -> T) -> HerderResult<T> {
        let mut map = self.connectors.lock();
        match map.get_mut(name) {
            Some(c) => Ok(f(c)),
            None => Err(HerderError::NotFound(msg.replace("{}", name))),
        }
    }

    fn check(config: &ConfigMap) -> HerderResult<()> {
        if config.contains_key("connector.class") {
            return Ok(());
        }
        Err(HerderError::BadRequest(
            "Connector configuration is invalid and contains the following 1 error(s):\n\
             Missing required configuration \"connector.class\" which has no default value.\n\
             You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
                .into(),
        ))
    }

    fn key(name: &str, required: bool) -> ConfigKeyInfo {
        ConfigKeyInfo {
            name: name.into(),
            config_type: "STRING".into(),
            required,
            default_value: if required { None } else { Some(String::new()) },
            importance: "HIGH".into(),
            documentation: format!("The {name}"),
            group: Some("Common".into()),
            order_in_group: 1,
            order: 1,
            width: "LONG".into(),
            display_name: name.into(),
            dependents: Vec::new(),
        }
    }
}

#[async_trait]
impl Herder for MemHerder {
    async fn server_info(&self) -> ServerInfo {
        ServerInfo {
            version: "4.2.0".into(),
            commit: "ferroconnect-test".into(),
            kafka_cluster_id: Some("test-cluster".into()),
        }
    }

    async fn health(&self) -> (u16, WorkerHealth) {
        self.health.lock().clone()
    }

    async fn connectors(&self) -> Vec<String> {
        let delay = *self.list_delay.lock();
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        self.connectors.lock().keys().cloned().collect()
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        self.with(name, "Connector {} not found", |c| Self::info_of(name, c))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        self.with(name, "Connector {} not found", |c| c.config.clone())
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<Created<ConnectorInfo>> {
        Self::check(&config)?;
        let mut map = self.connectors.lock();
        let existed = map.contains_key(name);
        if existed && !allow_replace {
            return Err(HerderError::Conflict(format!(
                "Connector {name} already exists"
            )));
        }
        self.initial_states.lock().push(initial_state);
        let conn = match map.remove(name) {
            Some(old) => Conn { config, ..old },
            None => Conn {
                config,
                target: initial_state.unwrap_or(TargetState::Started),
                offsets: ConnectorOffsets {
                    offsets: vec![ConnectorOffset {
                        partition: Some(
                            serde_json::json!({"filename": "test.txt"})
                                .as_object()
                                .cloned()
                                .unwrap(),
                        ),
                        offset: Some(
                            serde_json::json!({"position": 30})
                                .as_object()
                                .cloned()
                                .unwrap(),
                        ),
                    }],
                },
                topics: vec!["t1".into(), "t2".into()],
            },
        };
        let info = Self::info_of(name, &conn);
        map.insert(name.to_string(), conn);
        Ok(Created {
            created: !existed,
            value: info,
        })
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: IndexMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        let mut map = self.connectors.lock();
        let c = map
            .get_mut(name)
            .ok_or_else(|| HerderError::NotFound(format!("Connector {name} not found")))?;
        let mut config = c.config.clone();
        for (k, v) in patch {
            match v {
                Some(v) => {
                    config.insert(k, v);
                }
                None => {
                    config.shift_remove(&k);
                }
            }
        }
        Self::check(&config)?;
        c.config = config;
        Ok(Self::info_of(name, c))
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        self.connectors
            .lock()
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| HerderError::NotFound(format!("Connector {name} not found")))
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        self.with(name, "No status found for connector {}", |c| {
            Self::status_of(name, c)
        })
    }

    async fn task_infos(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        self.with(name, "Connector {} not found", |c| {
            Self::info_of(name, c)
                .tasks
                .into_iter()
                .map(|id| {
                    let mut config = ConfigMap::new();
                    config.insert("task.class".into(), "test.Task".into());
                    TaskInfo { id, config }
                })
                .collect()
        })
    }

    async fn task_status(&self, name: &str, task: u32) -> HerderResult<TaskState> {
        let status = self.connector_status(name).await?;
        status
            .tasks
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| HerderError::NotFound(format!("Unknown task: {name}-{task}")))
    }

    async fn restart_task(&self, name: &str, task: u32) -> HerderResult<()> {
        self.task_status(name, task).await.map(|_| ())
    }

    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<Option<ConnectorStateInfo>> {
        let mut status = self.with(name, "Unknown connector {}", |c| Self::status_of(name, c))?;
        self.restarts
            .lock()
            .push((name.to_string(), include_tasks, only_failed));
        if !include_tasks && !only_failed {
            return Ok(None);
        }
        if !only_failed {
            status.connector.state = State::Restarting;
            if include_tasks {
                for t in &mut status.tasks {
                    t.state = State::Restarting;
                }
            }
        }
        Ok(Some(status))
    }

    async fn pause_connector(&self, name: &str) -> HerderResult<()> {
        self.with(name, "Unknown connector {}", |c| {
            c.target = TargetState::Paused
        })
    }

    async fn resume_connector(&self, name: &str) -> HerderResult<()> {
        self.with(name, "Unknown connector {}", |c| {
            c.target = TargetState::Started
        })
    }

    async fn stop_connector(&self, name: &str) -> HerderResult<()> {
        self.with(name, "Unknown connector {}", |c| {
            c.target = TargetState::Stopped
        })
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        self.with(name, "Connector {} not found", |c| c.offsets.clone())
    }

    async fn alter_offsets(&self, name: &str, offsets: ConnectorOffsets) -> HerderResult<String> {
        self.with(name, "Connector {} not found", |c| {
            if c.target != TargetState::Stopped {
                return Err(HerderError::BadRequest(format!(
                    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
                )));
            }
            c.offsets = offsets;
            Ok("The offsets for this connector have been altered successfully".to_string())
        })?
    }

    async fn reset_offsets(&self, name: &str) -> HerderResult<String> {
        self.with(name, "Connector {} not found", |c| {
            c.offsets = ConnectorOffsets::default();
            "The offsets for this connector have been reset successfully".to_string()
        })
    }

    async fn active_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        self.with(name, "Connector {} not found", |c| c.topics.clone())
    }

    async fn reset_active_topics(&self, name: &str) -> HerderResult<()> {
        self.with(name, "Connector {} not found", |c| c.topics.clear())
    }

    fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        let mut out = vec![
            PluginInfo {
                class_name: "org.apache.kafka.connect.file.FileStreamSinkConnector".into(),
                plugin_type: "sink".into(),
                version: "4.2.0".into(),
            },
            PluginInfo {
                class_name: "org.apache.kafka.connect.file.FileStreamSourceConnector".into(),
                plugin_type: "source".into(),
                version: "undefined".into(),
            },
        ];
        if !connectors_only {
            out.push(PluginInfo {
                class_name: "org.apache.kafka.connect.transforms.MaskField$Value".into(),
                plugin_type: "transformation".into(),
                version: "4.2.0".into(),
            });
        }
        out
    }

    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ConfigKeyInfo>> {
        if plugin.contains("FileStreamSink") {
            Ok(vec![Self::key("file", false), Self::key("topics", false)])
        } else {
            Err(HerderError::NotFound(format!("Unknown plugin {plugin}.")))
        }
    }

    async fn validate(
        &self,
        _plugin: Option<&str>,
        config: &ConfigMap,
    ) -> HerderResult<ConfigInfos> {
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let configs: Vec<ConfigInfo> = ["file", "topics"]
            .iter()
            .map(|k| {
                let value = config.get(*k).cloned();
                let errors = if value.is_none() {
                    vec![format!(
                        "Missing required configuration \"{k}\" which has no default value."
                    )]
                } else {
                    Vec::new()
                };
                ConfigInfo {
                    definition: Some(Self::key(k, true)),
                    value: Some(ConfigValue {
                        name: k.to_string(),
                        value,
                        recommended_values: Vec::new(),
                        errors,
                        visible: true,
                    }),
                }
            })
            .collect();
        Ok(ConfigInfos {
            name: class,
            error_count: configs
                .iter()
                .filter_map(|c| c.value.as_ref())
                .map(|v| v.errors.len())
                .sum(),
            groups: vec!["Common".into()],
            configs,
        })
    }
}

/// A running server over a `MemHerder` and a detached `TracingLoggers`.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The herder behind it.
    pub herder: Arc<MemHerder>,
    /// The logger control behind it.
    pub loggers: Arc<TracingLoggers>,
    /// An HTTP client.
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves the router until dropped.
    pub async fn start() -> Server {
        Self::start_with_timeout(ferroconnect_rest_api::REQUEST_TIMEOUT).await
    }

    /// Like [`Server::start`] with a custom request timeout.
    pub async fn start_with_timeout(timeout: std::time::Duration) -> Server {
        let herder = MemHerder::new();
        let (loggers, _layer) = TracingLoggers::detached("INFO").unwrap();
        let router =
            ferroconnect_rest_api::router_with_timeout(herder.clone(), loggers.clone(), timeout);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(ferroconnect_rest_api::serve(listener, router, async {
            let _ = rx.await;
        }));
        Server {
            base,
            herder,
            loggers,
            client: reqwest::Client::new(),
            stop: Some(tx),
        }
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional JSON body (with Content-Type) and returns the status,
    /// headers and the body parsed as JSON (`Null` if empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::read(req.send().await.unwrap()).await
    }

    /// Sends a raw body with no Content-Type header.
    pub async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &str,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let req = self
            .client
            .request(method, self.url(path))
            .body(body.to_string());
        Self::read(req.send().await.unwrap()).await
    }

    async fn read(resp: reqwest::Response) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, headers, json)
    }

    /// Creates a connector over REST and asserts 201.
    pub async fn create(&self, name: &str, config: serde_json::Value) {
        let (code, _, body) = self
            .call(
                reqwest::Method::POST,
                "/connectors",
                Some(serde_json::json!({"name": name, "config": config})),
            )
            .await;
        assert_eq!(code, 201, "{body}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
