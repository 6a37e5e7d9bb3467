//! A sink connector whose tasks all run with the connector's own config: they share the work
//! through the consumer group, so the connector only checks the config and repeats it.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Connector, ConnectorContext, SinkConnector, SinkTask};
use crate::config::{ConfigDef, ConfigMap};
use crate::error::{ConnectError, ConnectResult};

/// What a [`SameConfigSinkConnector`] needs to know of its sink.
#[derive(Clone, Copy)]
pub struct SameConfigSink {
    /// The version the connector reports.
    pub version: &'static str,
    /// The connector's config definition.
    pub config_def: fn() -> ConfigDef,
    /// Checks a connector config; the message names the key at fault.
    pub check: fn(&ConfigMap) -> Result<(), String>,
    /// A new, unstarted task.
    pub create_task: fn() -> Box<dyn SinkTask>,
}

/// A sink connector that checks its config at start and hands every task that same config.
pub struct SameConfigSinkConnector {
    sink: SameConfigSink,
    config: ConfigMap,
}

impl SameConfigSinkConnector {
    /// An unstarted connector for `sink`.
    pub fn new(sink: SameConfigSink) -> SameConfigSinkConnector {
        SameConfigSinkConnector {
            sink,
            config: ConfigMap::new(),
        }
    }
}

#[async_trait]
impl Connector for SameConfigSinkConnector {
    fn version(&self) -> String {
        self.sink.version.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        (self.sink.config_def)()
    }

    async fn start(
        &mut self,
        config: ConfigMap,
        _context: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        (self.sink.check)(&config).map_err(ConnectError::config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok(vec![self.config.clone(); max_tasks.max(1)])
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SinkConnector for SameConfigSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        (self.sink.create_task)()
    }
}
