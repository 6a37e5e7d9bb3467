//! The connector: checks the config and hands every task the same config (tasks share the
//! work through the consumer group).

use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::connector::{SameConfigSink, SinkTask};

use super::config::{sink_config_def, ClickHouseConfig};
use super::sink::ClickHouseSinkTask;

/// `com.clickhouse.kafka.connect.ClickHouseSinkConnector`, for
/// [`ferroconnect_runtime::connector::SameConfigSinkConnector`].
pub const CLICKHOUSE_SINK: SameConfigSink = SameConfigSink {
    version: super::VERSION,
    config_def: sink_config_def,
    check,
    create_task,
};

fn check(config: &ConfigMap) -> Result<(), String> {
    ClickHouseConfig::parse(config).map(|_| ())
}

fn create_task() -> Box<dyn SinkTask> {
    Box::new(ClickHouseSinkTask::default())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ferroconnect_runtime::connector::{
        Connector, ConnectorContext, SameConfigSinkConnector, SinkConnector,
    };
    use ferroconnect_runtime::error::ConnectError;

    use super::*;

    struct Ctx;
    impl ConnectorContext for Ctx {
        fn request_task_reconfiguration(&self) {}
        fn raise_error(&self, _error: ConnectError) {}
    }

    #[tokio::test]
    async fn checks_the_config_and_hands_every_task_the_same_one() {
        let mut connector = SameConfigSinkConnector::new(CLICKHOUSE_SINK);
        assert_eq!(connector.version(), super::super::VERSION);
        let mut bad = ConfigMap::new();
        bad.insert("hostname".into(), "ch".into());
        bad.insert("port".into(), "not-a-port".into());
        let err = connector.start(bad, Arc::new(Ctx)).await.unwrap_err();
        assert!(err.to_string().contains("port"), "{err}");

        let mut good = ConfigMap::new();
        good.insert("hostname".into(), "ch".into());
        connector.start(good.clone(), Arc::new(Ctx)).await.unwrap();
        assert_eq!(connector.task_configs(3).unwrap(), vec![good.clone(); 3]);
        assert_eq!(connector.task_configs(0).unwrap(), vec![good]);
        // A fresh task each time.
        let _task = connector.create_task();
    }
}
