//! Tiny in-test plugins and a worker config for the standalone herder's tests.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::{
    ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance, Listener, OverridePolicy, Width,
    WorkerConfig,
};
use crate::connector::{
    Connector, ConnectorContext, SinkConnector, SinkTask, SinkTaskContext, SourceConnector,
    SourceTask, SourceTaskContext,
};
use crate::data::{OffsetMap, SinkRecord, SourceRecord};
use crate::error::{ConnectError, ConnectResult};
use crate::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};
use crate::transform::{Predicate, PredicatePlugin, TransformPlugin, Transformation};

pub const SOURCE_CLASS: &str = "org.example.TestSourceConnector";
pub const SINK_CLASS: &str = "org.example.TestSinkConnector";
pub const MASK_CLASS: &str = "org.example.Mask$Value";
pub const HAS_KEY_CLASS: &str = "org.example.HasKey";

pub fn source_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                "required.key",
                ConfigType::String,
                None,
                Importance::High,
                "Needed.",
            )
            .group("Test", 1, Width::Medium),
        )
        .define(
            ConfigKey::new(
                "secret",
                ConfigType::Password,
                Some(""),
                Importance::High,
                "Secret.",
            )
            .group("Test", 2, Width::Medium),
        )
        .define(
            ConfigKey::new(
                "batch.max.rows",
                ConfigType::Int,
                Some("100"),
                Importance::Low,
                "Rows.",
            )
            .group("Test", 3, Width::Short)
            .at_least(1),
        )
        // Overrides the framework's definition (plugin wins).
        .define(ConfigKey::new(
            "tasks.max",
            ConfigType::Int,
            Some("1"),
            Importance::High,
            "Plugin's own tasks.max doc.",
        ))
}

/// A source connector whose behaviour is driven by its config: `fail.start=true` fails
/// start; `fail.task=N` makes task N fail to start.
#[derive(Default)]
pub struct TestSource {
    config: ConfigMap,
}

#[async_trait]
impl Connector for TestSource {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn config_def(&self) -> ConfigDef {
        source_def()
    }
    async fn start(
        &mut self,
        config: ConfigMap,
        _c: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        if config.get("fail.start").is_some_and(|v| v == "true") {
            return Err(ConnectError::other("TestSource refused to start"));
        }
        self.config = config;
        Ok(())
    }
    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok((0..max_tasks)
            .map(|i| {
                let mut c = ConfigMap::new();
                c.insert("task.id".into(), i.to_string());
                if let Some(f) = self.config.get("fail.task") {
                    c.insert("fail.task".into(), f.clone());
                }
                c
            })
            .collect())
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for TestSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(TestSourceTask)
    }
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        Ok(true)
    }
}

pub struct TestSourceTask;

#[async_trait]
impl SourceTask for TestSourceTask {
    async fn start(&mut self, context: SourceTaskContext) -> ConnectResult<()> {
        if context.config.get("fail.task") == context.config.get("task.id") {
            return Err(ConnectError::other("TestSourceTask refused to start"));
        }
        Ok(())
    }
    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(Vec::new())
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct TestSink;

#[async_trait]
impl Connector for TestSink {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    async fn start(
        &mut self,
        _config: ConfigMap,
        _c: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        Ok(())
    }
    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok(vec![ConfigMap::new(); max_tasks])
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SinkConnector for TestSink {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(TestSinkTask)
    }
}

pub struct TestSinkTask;

#[async_trait]
impl SinkTask for TestSinkTask {
    async fn start(&mut self, _c: ConfigMap, _ctx: Arc<dyn SinkTaskContext>) -> ConnectResult<()> {
        Ok(())
    }
    async fn put(&mut self, _records: Vec<SinkRecord>) -> ConnectResult<()> {
        Ok(())
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

struct Identity;
impl Transformation for Identity {
    fn apply(
        &self,
        record: crate::data::ConnectRecord,
    ) -> ConnectResult<Option<crate::data::ConnectRecord>> {
        Ok(Some(record))
    }
}

struct Always;
impl Predicate for Always {
    fn test(&self, _record: &crate::data::ConnectRecord) -> bool {
        true
    }
}

/// A registry with the two test connectors, a transform (`fields` required; the value `bad`
/// is rejected by its constructor) and a predicate.
pub fn registry() -> PluginRegistry {
    let mut r = PluginRegistry::new();
    crate::converter::register_builtin(&mut r);
    r.add_connector(
        ConnectorPlugin {
            class: SOURCE_CLASS.into(),
            version: "1.0".into(),
            config_def: source_def(),
            factory: ConnectorFactory::Source(Arc::new(|| Box::new(TestSource::default()))),
        },
        &[],
    );
    r.add_connector(
        ConnectorPlugin {
            class: SINK_CLASS.into(),
            version: "1.0".into(),
            config_def: ConfigDef::new(),
            factory: ConnectorFactory::Sink(Arc::new(|| Box::new(TestSink))),
        },
        &[],
    );
    r.add_transform(TransformPlugin {
        class: MASK_CLASS.into(),
        version: "1.0".into(),
        config_def: ConfigDef::new().define(ConfigKey::new(
            "fields",
            ConfigType::List,
            None,
            Importance::High,
            "Fields to mask.",
        )),
        factory: Arc::new(|c: &ConfigMap| match c.get("fields") {
            Some(f) if f.contains("bad") => Err(ConnectError::config(format!(
                "Invalid value {f} for configuration fields: bad is not a field"
            ))),
            _ => Ok(Box::new(Identity) as Box<dyn Transformation>),
        }),
    });
    r.add_predicate(PredicatePlugin {
        class: HAS_KEY_CLASS.into(),
        version: "1.0".into(),
        config_def: ConfigDef::new(),
        factory: Arc::new(|_c: &ConfigMap| Ok(Box::new(Always) as Box<dyn Predicate>)),
    });
    r
}

/// A worker config for tests (broker address supplied by the caller).
pub fn worker_config(bootstrap: &str, offset_file: Option<PathBuf>) -> WorkerConfig {
    WorkerConfig {
        props: ConfigMap::new(),
        bootstrap_servers: bootstrap.to_string(),
        listeners: vec![Listener {
            scheme: "http".into(),
            host: String::new(),
            port: 8083,
        }],
        advertised_host: "127.0.0.1".into(),
        advertised_port: 8083,
        offset_file,
        offset_flush_interval: Duration::from_millis(500),
        offset_flush_timeout: Duration::from_secs(5),
        task_shutdown_timeout: Duration::from_secs(5),
        override_policy: OverridePolicy::All,
        key_converter: "org.apache.kafka.connect.json.JsonConverter".into(),
        value_converter: "org.apache.kafka.connect.json.JsonConverter".into(),
        header_converter: "org.apache.kafka.connect.storage.SimpleHeaderConverter".into(),
        providers: Default::default(),
        auto_restart: Default::default(),
        topic_creation_enable: true,
    }
}

/// A config map from pairs.
pub fn cfg(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Source offsets in memory.
#[derive(Default)]
pub struct MemOffsets {
    map: parking_lot::Mutex<std::collections::HashMap<String, Vec<(OffsetMap, OffsetMap)>>>,
}

impl crate::storage::OffsetStore for MemOffsets {
    fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap> {
        self.map
            .lock()
            .get(connector)?
            .iter()
            .find(|(p, _)| p == partition)
            .map(|(_, o)| o.clone())
    }
    fn all(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)> {
        self.map.lock().get(connector).cloned().unwrap_or_default()
    }
    fn put_batch(
        &self,
        connector: &str,
        entries: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> ConnectResult<()> {
        let mut map = self.map.lock();
        let list = map.entry(connector.to_string()).or_default();
        for (p, o) in entries {
            list.retain(|(q, _)| *q != p);
            if let Some(o) = o {
                list.push((p, o));
            }
        }
        Ok(())
    }
}
