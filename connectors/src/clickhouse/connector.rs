//! The connector: checks the config and hands every task the same config (tasks share the
//! work through the consumer group).

use std::sync::Arc;

use async_trait::async_trait;

use ferroconnect_runtime::config::{ConfigDef, ConfigMap};
use ferroconnect_runtime::connector::{Connector, ConnectorContext, SinkConnector, SinkTask};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};

use super::config::{sink_config_def, ClickHouseConfig};
use super::sink::ClickHouseSinkTask;

/// `com.clickhouse.kafka.connect.ClickHouseSinkConnector`.
#[derive(Default)]
pub struct ClickHouseSinkConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for ClickHouseSinkConnector {
    fn version(&self) -> String {
        super::VERSION.to_string()
    }
    fn config_def(&self) -> ConfigDef {
        sink_config_def()
    }
    async fn start(
        &mut self,
        config: ConfigMap,
        _context: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        ClickHouseConfig::parse(&config).map_err(ConnectError::config)?;
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

impl SinkConnector for ClickHouseSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(ClickHouseSinkTask::default())
    }
}
