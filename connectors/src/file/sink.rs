//! FileStreamSink: appends each record's value, rendered as Java's `String.valueOf` would,
//! as one line of a file (or stdout).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use ferroconnect_runtime::config::{ConfigMap, ConfigReader};
use ferroconnect_runtime::connector::{
    Connector, ConnectorContext, SinkConnector, SinkTask, SinkTaskContext,
};
use ferroconnect_runtime::data::{SinkRecord, TopicPartition};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{sink_config_def, FILE_CONFIG, VERSION};
use ferroconnect_runtime::converter::simple::append_java;

/// Buffered bytes that trigger a write before `flush`.
const WRITE_THRESHOLD: usize = 1 << 20;

/// The file sink connector: every task appends to the same file.
#[derive(Default)]
pub struct FileStreamSinkConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for FileStreamSinkConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ferroconnect_runtime::config::ConfigDef {
        sink_config_def()
    }

    async fn start(
        &mut self,
        config: ConfigMap,
        _context: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        sink_config_def()
            .check(&config)
            .map_err(ConnectError::config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        let def = sink_config_def();
        let file = ConfigReader::new(&def, &self.config)
            .string(FILE_CONFIG)
            .map_err(ConnectError::config)?;
        let mut task = ConfigMap::new();
        task.insert(FILE_CONFIG.into(), file);
        Ok(vec![task; max_tasks.max(1)])
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FileStreamSinkTask::default())
    }

    /// Consumer offsets are all the file sink keeps: any change is fine.
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(TopicPartition, Option<i64>)],
    ) -> ConnectResult<bool> {
        Ok(true)
    }
}

/// The file sink task.
#[derive(Default)]
pub struct FileStreamSinkTask {
    filename: String,
    file: Option<tokio::fs::File>,
    stdout: Option<tokio::io::Stdout>,
    pending: String,
}

impl FileStreamSinkTask {
    fn writer(&mut self) -> Option<&mut (dyn AsyncWrite + Send + Unpin)> {
        if let Some(f) = self.file.as_mut() {
            return Some(f);
        }
        self.stdout
            .as_mut()
            .map(|s| s as &mut (dyn AsyncWrite + Send + Unpin))
    }

    async fn write_pending(&mut self) -> ConnectResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.pending);
        let name = self.filename.clone();
        let w = self
            .writer()
            .ok_or_else(|| ConnectError::other("FileStreamSinkTask is not started"))?;
        w.write_all(data.as_bytes())
            .await
            .map_err(|e| ConnectError::retriable(format!("Error writing to file {name}: {e}")))?;
        let mut data = data;
        data.clear();
        self.pending = data;
        Ok(())
    }
}

#[async_trait]
impl SinkTask for FileStreamSinkTask {
    async fn start(
        &mut self,
        config: ConfigMap,
        _context: Arc<dyn SinkTaskContext>,
    ) -> ConnectResult<()> {
        let def = sink_config_def();
        self.filename = ConfigReader::new(&def, &config)
            .string(FILE_CONFIG)
            .map_err(ConnectError::config)?;
        if self.filename.is_empty() {
            self.stdout = Some(tokio::io::stdout());
        } else {
            let file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.filename)
                .await
                .map_err(|e| {
                    ConnectError::other(format!(
                        "Couldn't find or create file '{}' for FileStreamSinkTask: {e}",
                        self.filename
                    ))
                })?;
            self.file = Some(file);
        }
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        for r in &records {
            append_java(
                &mut self.pending,
                r.record.value_schema.as_deref(),
                &r.record.value,
            );
            self.pending.push('\n');
        }
        if self.pending.len() >= WRITE_THRESHOLD {
            self.write_pending().await?;
        }
        Ok(())
    }

    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> ConnectResult<()> {
        self.write_pending().await?;
        let name = self.filename.clone();
        if let Some(f) = self.file.as_mut() {
            f.flush()
                .await
                .map_err(|e| ConnectError::retriable(format!("Error flushing file {name}: {e}")))?;
            f.sync_data()
                .await
                .map_err(|e| ConnectError::retriable(format!("Error syncing file {name}: {e}")))?;
        } else if let Some(s) = self.stdout.as_mut() {
            s.flush()
                .await
                .map_err(|e| ConnectError::retriable(format!("Error flushing stdout: {e}")))?;
        }
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        let result = self.flush(&HashMap::new()).await;
        self.file = None;
        self.stdout = None;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroconnect_runtime::data::{schemas, ConnectRecord, TimestampType, Value};

    struct Ctx;
    impl SinkTaskContext for Ctx {
        fn reset_offsets(&self, _offsets: HashMap<TopicPartition, i64>) {}
        fn request_commit(&self) {}
        fn assignment(&self) -> Vec<TopicPartition> {
            Vec::new()
        }
    }

    fn record(value: Value, offset: i64) -> SinkRecord {
        SinkRecord {
            record: ConnectRecord::new("t", Some(schemas::optional_string()), value),
            kafka_offset: offset,
            timestamp_type: TimestampType::CreateTime,
            original_topic: "t".into(),
            original_partition: 0,
            original_offset: offset,
        }
    }

    #[tokio::test]
    async fn appends_one_line_per_record_and_flushes_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "existing\n").unwrap();
        let mut config = ConfigMap::new();
        config.insert("file".into(), path.display().to_string());
        let mut task = FileStreamSinkTask::default();
        task.start(config, Arc::new(Ctx)).await.unwrap();
        task.put(vec![
            record(Value::from("a"), 0),
            record(Value::Null, 1),
            record(Value::Int64(5), 2),
        ])
        .await
        .unwrap();
        task.flush(&HashMap::new()).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "existing\na\nnull\n5\n"
        );
        task.stop().await.unwrap();
    }

    #[test]
    fn task_configs_copy_the_file_for_each_task() {
        let mut c = FileStreamSinkConnector::default();
        c.config.insert("file".into(), "/tmp/x".into());
        let tasks = c.task_configs(3).unwrap();
        assert_eq!(tasks.len(), 3);
        assert!(tasks.iter().all(|t| t["file"] == "/tmp/x"));
    }
}
