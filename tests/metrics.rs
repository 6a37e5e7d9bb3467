//! End to end over HTTP: `/metrics` reflects a real file source → topic → file sink pipeline
//! (record counts match the records moved, state gauges follow the status), a FAILED task
//! shows in its state gauge, and `metrics.listener` serves the same text on its own port.

mod common;

use common::*;
use serde_json::json;

async fn scrape(base: &str) -> String {
    let r = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(r.status().as_u16(), 200);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        ct.starts_with("text/plain; version=0.0.4"),
        "content type {ct}"
    );
    r.text().await.expect("metrics body")
}

/// The value of one series (`name{labels}` exactly as rendered, labels sorted by name).
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_every_record_of_a_file_pipeline() {
    const N: usize = 1000;
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let metrics_port = free_port();
    let listener = format!("http://127.0.0.1:{metrics_port}");
    let w = WorkerProc::start(
        &broker.bootstrap,
        &[("metrics.listener", listener.as_str())],
        &[],
    )
    .await;
    let topic = unique("metrics");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    let output = w.path("out.txt");
    append_lines(&input, (0..N).map(|i| format!("record-{i}")));
    w.create(
        "src",
        json!({"connector.class": "FileStreamSource", "tasks.max": "1",
               "file": input.display().to_string(), "topic": topic}),
    )
    .await;
    w.create(
        "sink",
        json!({"connector.class": "FileStreamSink", "tasks.max": "1",
               "topics": topic, "file": output.display().to_string()}),
    )
    .await;
    w.wait_state("src", "RUNNING", 1).await;
    w.wait_state("sink", "RUNNING", 1).await;
    wait_for("the sink file to hold every line", DEADLINE, || async {
        let text = std::fs::read_to_string(&output).unwrap_or_default();
        (text.lines().count() == N).then_some(())
    })
    .await;

    let n = N as f64;
    let text = wait_for("the counters to reach N", DEADLINE, || async {
        let text = scrape(&w.url).await;
        (series(
            &text,
            r#"kafka_connect_sink_task_sink_record_send_total{connector="sink",task="0"}"#,
        ) == Some(n))
        .then_some(text)
    })
    .await;
    let src = r#"{connector="src",task="0"}"#;
    let snk = r#"{connector="sink",task="0"}"#;
    for (name, labels) in [
        ("kafka_connect_source_task_source_record_poll_total", src),
        ("kafka_connect_source_task_source_record_write_total", src),
        ("kafka_connect_sink_task_sink_record_read_total", snk),
        ("kafka_connect_sink_task_sink_record_send_total", snk),
    ] {
        assert_eq!(
            series(&text, &format!("{name}{labels}")),
            Some(n),
            "{name}\n{text}"
        );
    }
    assert_eq!(
        series(
            &text,
            &format!("kafka_connect_source_task_source_record_active_count{src}")
        ),
        Some(0.0),
        "every record was acknowledged"
    );
    assert_eq!(
        series(
            &text,
            &format!("kafka_connect_connector_task_batch_size_sum{src}")
        ),
        Some(n)
    );
    assert_eq!(
        series(
            &text,
            &format!("kafka_connect_task_error_total_record_failures{src}")
        ),
        Some(0.0)
    );
    for c in ["src", "sink"] {
        assert_eq!(
            series(
                &text,
                &format!(r#"kafka_connect_connector_status{{connector="{c}",state="RUNNING"}}"#)
            ),
            Some(1.0),
            "{c} RUNNING"
        );
        assert_eq!(
            series(
                &text,
                &format!(r#"kafka_connect_connector_status{{connector="{c}",state="FAILED"}}"#)
            ),
            Some(0.0),
            "{c} not FAILED"
        );
        assert_eq!(
            series(
                &text,
                &format!(
                    r#"kafka_connect_connector_task_status{{connector="{c}",state="RUNNING",task="0"}}"#
                )
            ),
            Some(1.0),
            "{c} task RUNNING"
        );
    }
    assert!(
        text.lines().any(|l| l.starts_with(
            r#"kafka_connect_connector_info{class="org.apache.kafka.connect.file.FileStreamSinkConnector",connector="sink",type="sink""#
        ) && l.ends_with(" 1")),
        "connector info of the sink\n{text}"
    );
    assert_eq!(
        series(&text, "kafka_connect_worker_connector_count"),
        Some(2.0)
    );
    assert_eq!(series(&text, "kafka_connect_worker_task_count"), Some(2.0));

    // Offsets are flushed every 500 ms in tests: a successful commit shows up.
    wait_for("a source offset commit", DEADLINE, || async {
        let text = scrape(&w.url).await;
        series(
            &text,
            &format!("kafka_connect_connector_task_offset_commit_success_total{src}"),
        )
        .filter(|v| *v >= 1.0)
    })
    .await;
    // librdkafka statistics arrive every 5 s: the producer's queue and the consumer's lag.
    let text = wait_for("client statistics", DEADLINE, || async {
        let text = scrape(&w.url).await;
        series(
            &text,
            r#"kafka_connect_client_consumer_lag{client="consumer",connector="sink",task="0"}"#,
        )
        .map(|_| text)
    })
    .await;
    assert!(
        text.contains(
            r#"kafka_connect_client_queue_messages{client="producer",connector="src",task="0"}"#
        ),
        "{text}"
    );

    // The separate metrics listener serves the same registry.
    let other = scrape(&listener).await;
    assert_eq!(
        series(
            &other,
            &format!("kafka_connect_source_task_source_record_poll_total{src}")
        ),
        Some(n)
    );
    let r = reqwest::get(format!("{listener}/connectors"))
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "the metrics port serves only /metrics"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_shows_in_its_failed_state_gauge() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("metrics-fail");
    kafka.create_topic(&topic, 1).await;
    // Reading a directory as the source file fails in poll.
    let bad_dir = w.path("a-directory");
    std::fs::create_dir(&bad_dir).unwrap();
    w.create(
        "bad",
        json!({"connector.class": "FileStreamSource", "file": bad_dir.display().to_string(), "topic": topic}),
    )
    .await;
    let text = wait_for("the FAILED gauge", DEADLINE, || async {
        let text = scrape(&w.url).await;
        (series(
            &text,
            r#"kafka_connect_connector_task_status{connector="bad",state="FAILED",task="0"}"#,
        ) == Some(1.0))
        .then_some(text)
    })
    .await;
    assert_eq!(
        series(
            &text,
            r#"kafka_connect_connector_task_status{connector="bad",state="RUNNING",task="0"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        series(
            &text,
            r#"kafka_connect_connector_status{connector="bad",state="RUNNING"}"#
        ),
        Some(1.0),
        "the connector itself keeps running"
    );
    let status = w.get("/connectors/bad/status").await;
    assert_eq!(status.body["tasks"][0]["state"], "FAILED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_enabled_false_renders_an_empty_body() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[("metrics.enabled", "false")], &[]).await;
    assert_eq!(scrape(&w.url).await, "");
}
