//! KIP-158 topic creation end to end: a FileStreamSource with `topic.creation.*` settings
//! creates its topic with the group's partitions (and topic configs) on a real Tansu broker,
//! through the `ferroconnect` binary; bad settings are refused with 400 naming the key.

mod common;

use std::time::Duration;

use common::*;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde_json::json;

fn source_config(file: &std::path::Path, topic: &str) -> serde_json::Value {
    json!({"connector.class": "FileStreamSource", "tasks.max": "1",
           "file": file.display().to_string(), "topic": topic})
}

fn consumer(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("topic-creation-{}", free_port()))
        .set("enable.auto.commit", "false")
        .set("allow.auto.create.topics", "false")
        .create()
        .expect("consumer")
}

/// The topic's partition count from metadata (no auto-creation); `None` while unknown.
fn partitions(bootstrap: &str, topic: &str) -> Option<usize> {
    let md = consumer(bootstrap)
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .ok()?;
    let t = md.topics().iter().find(|t| t.name() == topic)?;
    (t.error().is_none() && !t.partitions().is_empty()).then(|| t.partitions().len())
}

/// Reads every partition of a topic from the beginning until `count` values arrived, sorted.
fn consume_all(bootstrap: &str, topic: &str, partitions: i32, count: usize) -> Vec<String> {
    let mut out: Vec<String> = Kafka::new(bootstrap)
        .consume_partitions(topic, partitions, count)
        .iter()
        .map(Consumed::value_str)
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_group_creates_the_topic_with_its_partitions() {
    let broker = Tansu::start();
    let w = WorkerProc::start(
        &broker.bootstrap,
        &[("value.converter.schemas.enable", "false")],
        &[],
    )
    .await;
    let topic = unique("created-default");
    assert_eq!(partitions(&broker.bootstrap, &topic), None);
    let input = w.path("in.txt");
    append_lines(&input, (0..30).map(|i| format!("line-{i:02}")));
    let mut config = source_config(&input, &topic);
    config["topic.creation.default.partitions"] = json!(3);
    config["topic.creation.default.replication.factor"] = json!("1");
    w.create("src", config).await;
    w.wait_state("src", "RUNNING", 1).await;

    let got = consume_all(&broker.bootstrap, &topic, 3, 30);
    let want: Vec<String> = (0..30).map(|i| format!("\"line-{i:02}\"")).collect();
    assert_eq!(got, want);
    assert_eq!(partitions(&broker.bootstrap, &topic), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_group_sets_partitions_and_topic_configs() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("users-compact");
    let input = w.path("in.txt");
    append_lines(&input, (0..5).map(|i| format!("user-{i}")));
    let mut config = source_config(&input, &topic);
    for (k, v) in [
        ("topic.creation.default.partitions", "3"),
        ("topic.creation.default.replication.factor", "1"),
        ("topic.creation.groups", "compact"),
        ("topic.creation.compact.include", "users-.*, orders"),
        ("topic.creation.compact.exclude", "users-tmp.*"),
        ("topic.creation.compact.partitions", "2"),
        ("topic.creation.compact.cleanup.policy", "compact"),
    ] {
        config[k] = json!(v);
    }
    w.create("src", config).await;
    w.wait_state("src", "RUNNING", 1).await;

    assert_eq!(consume_all(&broker.bootstrap, &topic, 2, 5).len(), 5);
    assert_eq!(partitions(&broker.bootstrap, &topic), Some(2));
    // Tansu answers describe-configs with the topic configs it was created with.
    assert_eq!(
        cleanup_policy(&broker.bootstrap, &topic).await.as_deref(),
        Some("compact")
    );
}

/// The topic's `cleanup.policy` as the broker describes it, if it can.
async fn cleanup_policy(bootstrap: &str, topic: &str) -> Option<String> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let results = admin
        .describe_configs([&ResourceSpecifier::Topic(topic)], &AdminOptions::new())
        .await
        .ok()?;
    let resource = results.into_iter().next()?.ok()?;
    let entry = resource.get("cleanup.policy")?;
    entry.value.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_topic_creation_values_are_400_naming_the_key() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let input = w.path("in.txt");
    for (key, value) in [
        ("topic.creation.default.partitions", "0"),
        ("topic.creation.default.partitions", "three"),
        ("topic.creation.default.replication.factor", "-2"),
    ] {
        let mut config = source_config(&input, "t");
        config["topic.creation.default.partitions"] = json!("3");
        config["topic.creation.default.replication.factor"] = json!("1");
        config[key] = json!(value);
        let r = w.put("/connectors/bad/config", &config).await;
        assert_eq!(r.status, 400, "{key}={value}: {:?}", r.body);
        let msg = r.body["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(&format!("Invalid value {value} for configuration {key}")),
            "{msg}"
        );
        config["name"] = json!("bad");
        let r = w
            .put(
                "/connector-plugins/FileStreamSource/config/validate",
                &config,
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["error_count"], 1, "{:?}", r.body);
    }
    assert_eq!(w.get("/connectors/bad").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_that_cannot_be_created_fails_the_task_naming_it() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("uncreatable");
    let input = w.path("in.txt");
    append_lines(&input, ["x".to_string()]);
    let mut config = source_config(&input, &topic);
    config["topic.creation.default.partitions"] = json!("1");
    config["topic.creation.default.replication.factor"] = json!("1");
    // The admin client (admin.override.* applied) reaches no broker: creation fails.
    config["admin.override.bootstrap.servers"] = json!(format!("127.0.0.1:{}", free_port()));
    w.create("src", config).await;
    let status = wait_for("the task to fail", DEADLINE, || async {
        let r = w.get("/connectors/src/status").await;
        (r.body["tasks"][0]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains(&format!("Task failed to create new topic {topic}")),
        "{trace}"
    );
    assert_eq!(partitions(&broker.bootstrap, &topic), None);
}
