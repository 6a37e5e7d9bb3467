//! Single-message transforms and predicates end to end through the worker: the seed's
//! MaskField chain on a file source, a predicate-gated Filter on a sink, a RegexRouter, and
//! transform errors under `errors.tolerance`.

mod common;

use std::time::Duration;

use common::*;
use rdkafka::config::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{json, Value};

fn payload(c: &Consumed) -> Value {
    let v: Value = serde_json::from_str(&c.value_str()).expect("JSON value");
    v["payload"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_mask_field_chain_puts_censored_in_the_topic() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("masked");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["secret-1".to_string(), "secret-2".to_string()]);
    w.create(
        "masked-src",
        json!({
            "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic,
            "transforms": "Hoist,MaskField",
            "transforms.Hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
            "transforms.Hoist.field": "private_info",
            "transforms.MaskField.type": "org.apache.kafka.connect.transforms.MaskField$Value",
            "transforms.MaskField.fields": "private_info",
            "transforms.MaskField.replacement": "CENSORED"
        }),
    )
    .await;
    let got = kafka.consume(&topic, 2);
    for c in &got {
        let v: Value = serde_json::from_str(&c.value_str()).unwrap();
        assert_eq!(
            v["payload"],
            json!({"private_info": "CENSORED"}),
            "{}",
            c.value_str()
        );
        assert_eq!(v["schema"]["type"], "struct");
        assert_eq!(v["schema"]["fields"][0]["field"], "private_info");
        assert!(!c.value_str().contains("secret"));
    }
}

/// Mask + Replace + Insert run as one fused step in the worker: the topic gets the renamed,
/// masked field and the inserted topic, under one two-field schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fused_mask_replace_insert_chain_reaches_the_topic() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("fused");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["secret-1".to_string(), "secret-2".to_string()]);
    let t = "org.apache.kafka.connect.transforms.";
    w.create(
        "fused-src",
        json!({
            "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic,
            "transforms": "Hoist,MaskField,Replace,Insert",
            "transforms.Hoist.type": format!("{t}HoistField$Value"),
            "transforms.Hoist.field": "private_info",
            "transforms.MaskField.type": format!("{t}MaskField$Value"),
            "transforms.MaskField.fields": "private_info",
            "transforms.MaskField.replacement": "CENSORED",
            "transforms.Replace.type": format!("{t}ReplaceField$Value"),
            "transforms.Replace.renames": "private_info:info",
            "transforms.Insert.type": format!("{t}InsertField$Value"),
            "transforms.Insert.topic.field": "topic"
        }),
    )
    .await;
    let got = kafka.consume(&topic, 2);
    assert_eq!(got.len(), 2);
    for c in &got {
        let v: Value = serde_json::from_str(&c.value_str()).unwrap();
        assert_eq!(
            v["payload"],
            json!({"info": "CENSORED", "topic": topic}),
            "{}",
            c.value_str()
        );
        let fields: Vec<&str> = v["schema"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["field"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(fields, ["info", "topic"]);
        assert!(!c.value_str().contains("secret"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predicate_gated_filter_drops_exactly_the_matching_records() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("filtered");
    kafka.create_topic(&topic, 1).await;
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .create()
        .expect("producer");
    for i in 0..10 {
        let value =
            format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"v{i}"}}"#);
        let mut rec = FutureRecord::<(), _>::to(&topic)
            .payload(&value)
            .partition(0);
        if i % 3 == 0 {
            rec = rec.headers(OwnedHeaders::new().insert(Header {
                key: "skip",
                value: Some("yes"),
            }));
        }
        producer
            .send(rec, Duration::from_secs(10))
            .await
            .map_err(|(e, _)| e)
            .expect("produce");
    }
    let output = w.path("out.txt");
    w.create(
        "filtered-sink",
        json!({
            "connector.class": "FileStreamSink", "topics": topic, "file": output.display().to_string(),
            "transforms": "dropSkipped",
            "transforms.dropSkipped.type": "org.apache.kafka.connect.transforms.Filter",
            "transforms.dropSkipped.predicate": "hasSkip",
            "predicates": "hasSkip",
            "predicates.hasSkip.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
            "predicates.hasSkip.name": "skip"
        }),
    )
    .await;
    let expected: String = (0..10)
        .filter(|i| i % 3 != 0)
        .map(|i| format!("v{i}\n"))
        .collect();
    wait_for(
        "the filtered records in the sink file",
        DEADLINE,
        || async {
            (std::fs::read_to_string(&output).unwrap_or_default() == expected).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regex_router_renames_the_topic() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let suffix = unique("orders");
    let raw = format!("raw-{suffix}");
    let clean = format!("clean-{suffix}");
    kafka.create_topic(&raw, 1).await;
    kafka.create_topic(&clean, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["routed".to_string()]);
    w.create(
        "router",
        json!({
            "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": raw,
            "transforms": "route",
            "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.route.regex": "raw-(.*)",
            "transforms.route.replacement": "clean-$1"
        }),
    )
    .await;
    let got = kafka.consume(&clean, 1);
    assert_eq!(payload(&got[0]), json!("routed"));
    kafka.assert_exactly(
        &raw,
        0,
        Duration::from_millis(500),
        "records reached the original topic",
    );
}

fn cast_source(input: &std::path::Path, topic: &str, tolerance: &str) -> Value {
    json!({
        "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic,
        "transforms": "toInt",
        "transforms.toInt.type": "org.apache.kafka.connect.transforms.Cast$Value",
        "transforms.toInt.spec": "int32",
        "errors.tolerance": tolerance,
        "errors.log.enable": "true"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transform_errors_skip_records_with_tolerance_all_and_fail_the_task_with_none() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let input = w.path("in.txt");
    append_lines(
        &input,
        [
            "12".to_string(),
            "not-a-number".to_string(),
            "34".to_string(),
        ],
    );

    let tolerant = unique("cast-all");
    kafka.create_topic(&tolerant, 1).await;
    w.create("cast-all", cast_source(&input, &tolerant, "all"))
        .await;
    let got = kafka.consume(&tolerant, 2);
    assert_eq!(payload(&got[0]), json!(12));
    assert_eq!(payload(&got[1]), json!(34));
    kafka.assert_exactly(
        &tolerant,
        2,
        Duration::from_millis(500),
        "the bad record was not skipped",
    );
    w.wait_state("cast-all", "RUNNING", 1).await;

    let strict = unique("cast-none");
    kafka.create_topic(&strict, 1).await;
    w.create("cast-none", cast_source(&input, &strict, "none"))
        .await;
    let status = wait_for("the strict task to fail", DEADLINE, || async {
        let r = w.get("/connectors/cast-none/status").await;
        (r.body["tasks"][0]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("Tolerance exceeded"), "{trace}");
    assert!(
        trace.contains("toInt") || trace.contains("Cast"),
        "trace does not name the transform: {trace}"
    );
}
