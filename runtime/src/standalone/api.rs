//! The [`Herder`] methods of [`StandaloneHerder`], with the JVM's semantics and messages.

use async_trait::async_trait;
use indexmap::IndexMap;

use crate::config::framework::{CONNECTOR_CLASS_CONFIG, NAME_CONFIG};
use crate::config::ConfigMap;
use crate::herder::{
    ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorOffsets, ConnectorStateInfo, Created,
    Herder, HerderError, HerderResult, ServerInfo, State, TargetState, TaskInfo, TaskState,
    WorkerHealth,
};
use crate::plugins::PluginInfo;

use super::herder::{internal, task_id, StandaloneHerder};
use super::validation;

/// `GET /` version: the Kafka Connect release whose REST API and formats we follow.
pub const SERVER_VERSION: &str = "4.2.0-ferroconnect";

static BUILD_COMMIT: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Records the commit the binary was built from (the binary's build script finds it).
pub fn set_build_commit(commit: &'static str) {
    let _ = BUILD_COMMIT.set(commit);
}

/// The build commit: what [`set_build_commit`] recorded, else `FERRO_GIT_COMMIT` at this
/// crate's build time, else `unknown`.
pub fn build_commit() -> &'static str {
    BUILD_COMMIT
        .get()
        .copied()
        .or(option_env!("FERRO_GIT_COMMIT"))
        .unwrap_or("unknown")
}

fn not_found(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

fn unknown_task(name: &str, task: u32) -> HerderError {
    HerderError::NotFound(format!("Unknown task: {name}-{task}"))
}

/// Strips a trailing `Connector` (the validate endpoint's type match).
fn prune(s: &str) -> &str {
    s.strip_suffix("Connector").unwrap_or(s)
}

/// What a config write may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// POST: 409 if the connector exists.
    Create,
    /// PUT: create or replace.
    Upsert,
    /// PATCH: 404 if the connector does not exist.
    Update,
}

impl StandaloneHerder {
    /// Validates, then creates or replaces a connector (caller-facing part of PUT/POST/PATCH).
    async fn apply_config(
        &self,
        name: &str,
        mut config: ConfigMap,
        mode: Mode,
        initial_state: Option<TargetState>,
    ) -> HerderResult<Created<ConnectorInfo>> {
        match config.get(NAME_CONFIG) {
            Some(n) if n != name => {
                return Err(HerderError::BadRequest(format!(
                    "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
                )))
            }
            Some(_) => {}
            None => {
                config.insert(NAME_CONFIG.to_string(), name.to_string());
            }
        }
        let infos = validation::validate(&self.registry, &self.worker_config, &config)?;
        if infos.error_count > 0 {
            return Err(HerderError::BadRequest(validation::invalid_config_message(
                &infos,
            )));
        }
        let _ops = self.ops.lock().await;
        let existing = self.entry(name).await;
        match (&existing, mode) {
            (Some(_), Mode::Create) => {
                return Err(HerderError::Conflict(format!(
                    "Connector {name} already exists"
                )))
            }
            // Deleted between PATCH's read and this write: PATCH never creates.
            (None, Mode::Update) => return Err(not_found(name)),
            _ => {}
        }
        let target = existing
            .as_ref()
            .map(|e| e.target)
            .or(initial_state)
            .unwrap_or(TargetState::Started);
        self.configs
            .put(name, &config, target)
            .await
            .map_err(internal)?;
        if let Some(old) = &existing {
            tracing::info!(connector = name, "reconfiguring connector");
            self.halt(name, old).await;
        } else {
            tracing::info!(connector = name, target = ?target, "creating connector");
        }
        let entry = self.launch(name, config, target).await;
        let info = self.info(name, &entry);
        self.state.write().await.insert(name.to_string(), entry);
        Ok(Created {
            created: existing.is_none(),
            value: info,
        })
    }
}

#[async_trait]
impl Herder for StandaloneHerder {
    async fn server_info(&self) -> ServerInfo {
        ServerInfo {
            version: SERVER_VERSION.to_string(),
            commit: build_commit().to_string(),
            kafka_cluster_id: self.worker.kafka_cluster_id().await,
        }
    }

    async fn health(&self) -> (u16, WorkerHealth) {
        if self.is_started() {
            (
                200,
                WorkerHealth {
                    status: "healthy".into(),
                    message: "Worker has completed startup and is ready to handle requests.".into(),
                },
            )
        } else {
            (
                503,
                WorkerHealth {
                    status: "starting".into(),
                    message: "Worker is still starting up.".into(),
                },
            )
        }
    }

    async fn connectors(&self) -> Vec<String> {
        self.state.read().await.keys().cloned().collect()
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let entry = self.entry(name).await.ok_or_else(|| not_found(name))?;
        Ok(self.info(name, &entry))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        let entry = self.entry(name).await.ok_or_else(|| not_found(name))?;
        Ok(entry.config)
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<Created<ConnectorInfo>> {
        let mode = if allow_replace {
            Mode::Upsert
        } else {
            Mode::Create
        };
        self.apply_config(name, config, mode, initial_state).await
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: IndexMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        let mut config = self
            .entry(name)
            .await
            .ok_or_else(|| not_found(name))?
            .config;
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
        let created = self.apply_config(name, config, Mode::Update, None).await?;
        Ok(created.value)
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        let _ops = self.ops.lock().await;
        let entry = self.entry(name).await.ok_or_else(|| not_found(name))?;
        self.configs.remove(name).await.map_err(internal)?;
        tracing::info!(connector = name, "deleting connector");
        self.halt(name, &entry).await;
        self.state.write().await.remove(name);
        self.status.remove_connector(name);
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        let entry = self.entry(name).await.ok_or_else(|| {
            HerderError::NotFound(format!("No status found for connector {name}"))
        })?;
        Ok(self.state_info(name, &entry))
    }

    async fn task_infos(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let entry = self.entry(name).await.ok_or_else(|| not_found(name))?;
        Ok(entry
            .tasks
            .iter()
            .enumerate()
            .map(|(i, c)| TaskInfo {
                id: task_id(name, i),
                config: c.clone(),
            })
            .collect())
    }

    async fn task_status(&self, name: &str, task: u32) -> HerderResult<TaskState> {
        let entry = self
            .entry(name)
            .await
            .ok_or_else(|| unknown_task(name, task))?;
        if entry.target == TargetState::Stopped || task as usize >= entry.tasks.len() {
            return Err(unknown_task(name, task));
        }
        Ok(self.task_state(name, task as usize))
    }

    async fn restart_task(&self, name: &str, task: u32) -> HerderResult<()> {
        let _ops = self.ops.lock().await;
        let entry = self.entry(name).await.ok_or_else(|| not_found(name))?;
        let i = task as usize;
        if i >= entry.tasks.len() {
            return Err(unknown_task(name, task));
        }
        self.stop_tasks(name, [i]).await;
        self.start_tasks(name, &entry.config, &entry.tasks, [i], entry.target)
            .await;
        Ok(())
    }

    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<Option<ConnectorStateInfo>> {
        let _ops = self.ops.lock().await;
        let entry = self.entry(name).await.ok_or_else(|| not_found(name))?;
        let legacy = !include_tasks && !only_failed;
        if entry.target == TargetState::Stopped {
            // Nothing runs; a restart leaves a stopped connector stopped.
            return Ok((!legacy).then(|| self.state_info(name, &entry)));
        }
        let failed = |s: Option<super::status::Status>| s.is_some_and(|s| s.state == State::Failed);
        let restart_connector = !only_failed || failed(self.status.connector(name));
        let restart_tasks: Vec<usize> = if include_tasks {
            (0..entry.tasks.len())
                .filter(|&i| !only_failed || failed(self.status.task(&task_id(name, i))))
                .collect()
        } else {
            Vec::new()
        };

        // The 202 body: the plan, with every instance to restart shown as RESTARTING.
        let plan = (!legacy).then(|| {
            let mut info = self.state_info(name, &entry);
            if restart_connector {
                info.connector.state = State::Restarting;
                info.connector.trace = None;
            }
            for t in info.tasks.iter_mut() {
                if restart_tasks.contains(&(t.id as usize)) {
                    t.state = State::Restarting;
                    t.trace = None;
                }
            }
            info
        });
        if restart_connector {
            self.status.put_connector(name, State::Restarting, None);
        }
        for &i in &restart_tasks {
            self.status
                .put_task(&task_id(name, i), State::Restarting, None);
        }

        self.stop_tasks(name, restart_tasks.iter().copied()).await;
        let mut next = entry.clone();
        if restart_connector {
            if entry.running {
                self.worker.stop_connector(name).await;
            }
            next.running = self
                .start_connector_instance(name, &entry.config, entry.target)
                .await;
        }
        self.start_tasks(
            name,
            &entry.config,
            &entry.tasks,
            restart_tasks.iter().copied(),
            entry.target,
        )
        .await;
        self.state
            .write()
            .await
            .insert(name.to_string(), next.clone());
        if restart_connector {
            // A restarted connector may produce different task configs (or none yet, if it
            // had failed to start before).
            self.refresh_tasks(name, next).await;
        }
        Ok(plan)
    }

    async fn pause_connector(&self, name: &str) -> HerderResult<()> {
        self.change_target(name, TargetState::Paused).await
    }

    async fn resume_connector(&self, name: &str) -> HerderResult<()> {
        self.change_target(name, TargetState::Started).await
    }

    async fn stop_connector(&self, name: &str) -> HerderResult<()> {
        self.change_target(name, TargetState::Stopped).await
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        self.get_offsets(name).await
    }

    async fn alter_offsets(&self, name: &str, offsets: ConnectorOffsets) -> HerderResult<String> {
        self.modify_offsets(name, Some(offsets)).await
    }

    async fn reset_offsets(&self, name: &str) -> HerderResult<String> {
        self.modify_offsets(name, None).await
    }

    async fn active_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        if !self.flag("topic.tracking.enable") {
            return Err(HerderError::Forbidden("Topic tracking is disabled.".into()));
        }
        self.entry(name).await.ok_or_else(|| not_found(name))?;
        let mut topics = self.worker.active_topics(name);
        topics.sort();
        Ok(topics)
    }

    async fn reset_active_topics(&self, name: &str) -> HerderResult<()> {
        if !self.flag("topic.tracking.enable") {
            return Err(HerderError::Forbidden("Topic tracking is disabled.".into()));
        }
        if !self.flag("topic.tracking.allow.reset") {
            return Err(HerderError::Forbidden(
                "Topic tracking reset is disabled.".into(),
            ));
        }
        self.entry(name).await.ok_or_else(|| not_found(name))?;
        self.worker.reset_active_topics(name);
        Ok(())
    }

    fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        self.registry.plugin_infos(connectors_only)
    }

    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ConfigKeyInfo>> {
        let def = if let Some(p) = self.registry.connector(plugin) {
            validation::connector_plugin_def(p)
        } else if let Some(p) = self.registry.transform(plugin) {
            p.config_def.clone()
        } else if let Some(p) = self.registry.predicate(plugin) {
            p.config_def.clone()
        } else if let Some(p) = self.registry.converter(plugin) {
            p.config_def.clone()
        } else {
            return Err(HerderError::NotFound(format!("Unknown plugin {plugin}.")));
        };
        Ok(def.keys().iter().map(validation::key_info).collect())
    }

    async fn validate(
        &self,
        plugin: Option<&str>,
        config: &ConfigMap,
    ) -> HerderResult<ConfigInfos> {
        if let (Some(p), Some(class)) = (plugin, config.get(CONNECTOR_CLASS_CONFIG)) {
            if !prune(class.trim()).ends_with(prune(p)) {
                return Err(HerderError::BadRequest(format!(
                    "Included connector type {class} does not match request type {p}"
                )));
            }
        }
        validation::validate(&self.registry, &self.worker_config, config)
    }
}

impl StandaloneHerder {
    /// A boolean worker property (default true), e.g. `topic.tracking.enable`.
    fn flag(&self, key: &str) -> bool {
        self.worker_config
            .props
            .get(key)
            .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"))
    }
}
