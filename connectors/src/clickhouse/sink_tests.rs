//! Unit tests of the sink task that need no server.

use super::*;

struct Ctx;
impl SinkTaskContext for Ctx {
    fn reset_offsets(&self, _offsets: HashMap<TopicPartition, i64>) {}
    fn request_commit(&self) {}
    fn assignment(&self) -> Vec<TopicPartition> {
        Vec::new()
    }
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_task_started_while_clickhouse_is_down_commits_and_closes_without_panicking() {
    let mut config = ConfigMap::new();
    config.insert("hostname".into(), "127.0.0.1".into());
    config.insert("port".into(), closed_port().to_string());
    config.insert("retryCount".into(), "0".into());
    let mut task = ClickHouseSinkTask::default();
    task.start(config, Arc::new(Ctx)).await.unwrap();
    let tp = TopicPartition::new("t", 0);
    let offsets = HashMap::from([(tp.clone(), 7)]);
    assert_eq!(task.pre_commit(&offsets).await.unwrap(), offsets);
    let err = task.put(Vec::new()).await.unwrap_err();
    assert!(err.is_retriable(), "{err}");
    assert!(err.to_string().contains("Cannot reach ClickHouse"), "{err}");
    task.close(&[tp]).await.unwrap();
    task.stop().await.unwrap();
}

#[tokio::test]
async fn a_task_used_before_start_reports_it() {
    let mut task = ClickHouseSinkTask::default();
    let err = task.put(Vec::new()).await.unwrap_err();
    assert!(err.to_string().contains("before start"), "{err}");
}
