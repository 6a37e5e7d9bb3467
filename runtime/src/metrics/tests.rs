use super::*;
use rdkafka::statistics::Statistics;

struct Fixed(Vec<(String, State)>, Vec<(ConnectorTaskId, State)>);

impl StatusSource for Fixed {
    fn connector_states(&self) -> Vec<(String, State)> {
        self.0.clone()
    }
    fn task_states(&self) -> Vec<(ConnectorTaskId, State)> {
        self.1.clone()
    }
}

fn id(c: &str, t: u32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: c.into(),
        task: t,
    }
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn task_counters_render_with_connector_and_task_labels() {
    let m = WorkerMetrics::new(true).unwrap();
    let s = m.source_task(&id("src", 0));
    s.poll.inc_by(5);
    s.write.inc_by(4);
    let k = m.sink_task(&id("snk", 1));
    k.read.inc_by(3);
    let e = m.task_errors(&id("snk", 1));
    e.skipped.inc();
    let text = m.render();
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_source_task_source_record_poll_total{connector="src",task="0"}"#
        ),
        Some(5.0)
    );
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_source_task_source_record_write_total{connector="src",task="0"}"#
        ),
        Some(4.0)
    );
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_sink_task_sink_record_read_total{connector="snk",task="1"}"#
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_task_error_total_records_skipped{connector="snk",task="1"}"#
        ),
        Some(1.0)
    );
    m.remove_task(&id("src", 0));
    assert!(!m.render().contains(r#"connector="src""#));
}

#[test]
fn state_gauges_are_one_for_the_current_state_only() {
    let m = WorkerMetrics::new(true).unwrap();
    m.set_status_source(Arc::new(Fixed(
        vec![("a".into(), State::Running)],
        vec![(id("a", 0), State::Failed)],
    )));
    let text = m.render();
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_connector_status{connector="a",state="RUNNING"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_connector_status{connector="a",state="FAILED"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_connector_task_status{connector="a",state="FAILED",task="0"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_connector_task_status{connector="a",state="RUNNING",task="0"}"#
        ),
        Some(0.0)
    );
}

#[test]
fn disabled_metrics_render_nothing_and_request_no_statistics() {
    let m = WorkerMetrics::new(false).unwrap();
    m.source_task(&id("x", 0)).poll.inc();
    assert_eq!(m.render(), "");
    assert!(m.client_stats(&id("x", 0), "producer").is_none());
    let mut cfg = rdkafka::ClientConfig::new();
    m.configure_client(&mut cfg);
    assert!(cfg.get("statistics.interval.ms").is_none());
    let on = WorkerMetrics::new(true).unwrap();
    on.configure_client(&mut cfg);
    assert_eq!(cfg.get("statistics.interval.ms"), Some("5000"));
}

#[test]
fn freshness_reports_the_age_of_the_newest_record() {
    let m = WorkerMetrics::new(true).unwrap();
    let s = m.source_task(&id("jdbc", 0));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    s.freshness.record(now - 60_000);
    s.freshness.record(now - 120_000);
    let age = value(
        &m.render(),
        r#"kafka_connect_source_task_record_freshness_seconds{connector="jdbc",task="0"}"#,
    )
    .unwrap();
    assert!((60.0..70.0).contains(&age), "age {age}");
}

#[test]
fn statistics_figures_come_from_librdkafka_json() {
    let json = serde_json::json!({
        "name": "p", "client_id": "p", "type": "producer", "ts": 1, "time": 1, "age": 1,
        "replyq": 0, "msg_cnt": 7, "msg_size": 700, "msg_max": 100000, "msg_size_max": 1000000,
        "tx": 10, "tx_bytes": 500, "rx": 10, "rx_bytes": 100, "txmsgs": 100, "txmsg_bytes": 1000,
        "rxmsgs": 0, "rxmsg_bytes": 0, "simple_cnt": 0, "metadata_cache_cnt": 1,
        "brokers": {}, "topics": {}
    });
    let stats: Statistics = serde_json::from_value(json).unwrap();
    let f = client::ClientFigures::from_statistics(&stats);
    assert_eq!(f.compression, Some(0.5));
    assert_eq!(f.queue_messages, 7.0);
    assert_eq!(f.queue_bytes, 700.0);
    assert_eq!(f.lag, None);
    assert_eq!(f.batch_bytes, None);
    let m = WorkerMetrics::new(true).unwrap();
    let c = m.client_stats(&id("c", 0), "producer").unwrap();
    c.update(&stats);
    let text = m.render();
    assert_eq!(
        value(
            &text,
            r#"kafka_connect_client_compression_ratio{client="producer",connector="c",task="0"}"#
        ),
        Some(0.5)
    );
}
