//! The REST surface of a live worker: info, plugins, validation and every bad-input case the
//! JVM worker answers with an error, plus task failures and an unreachable broker.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_health_and_plugins_answer_like_the_jvm_worker() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let root = w.get("/").await;
    assert_eq!(root.status, 200);
    assert!(
        root.body["version"].as_str().unwrap().starts_with('4'),
        "{:?}",
        root.body
    );
    // The commit the binary was built from (the build script runs `git rev-parse`).
    let commit = root.body["commit"].as_str().unwrap_or_default();
    assert!(
        commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
        "GET / names the build commit: {:?}",
        root.body
    );
    assert!(
        root.body["kafka_cluster_id"].is_string(),
        "cluster id missing: {:?}",
        root.body
    );

    let health = w.get("/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "healthy");

    let plugins = w.get("/connector-plugins").await;
    let classes: Vec<&str> = plugins
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["class"].as_str().unwrap())
        .collect();
    assert!(
        classes.contains(&"org.apache.kafka.connect.file.FileStreamSourceConnector"),
        "{classes:?}"
    );
    assert!(
        classes.contains(&"org.apache.kafka.connect.file.FileStreamSinkConnector"),
        "{classes:?}"
    );
    let all = w.get("/connector-plugins?connectorsOnly=false").await;
    let types: Vec<&str> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"converter"), "{types:?}");
    assert!(types.contains(&"header_converter"), "{types:?}");

    let cfg = w.get("/connector-plugins/FileStreamSource/config").await;
    assert_eq!(cfg.status, 200);
    let names: Vec<&str> = cfg
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"topic") && names.contains(&"file") && names.contains(&"batch.size"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_errors_per_key() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let r = w
        .put(
            "/connector-plugins/FileStreamSinkConnector/config/validate",
            &json!({"connector.class": "FileStreamSink", "tasks.max": "zero", "file": "/tmp/x"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "FileStreamSink");
    assert!(r.body["error_count"].as_u64().unwrap() >= 2, "{:?}", r.body);
    let errors_of = |key: &str| -> Vec<String> {
        r.body["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == key)
            .map(|c| {
                c["value"]["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        errors_of("tasks.max").iter().any(|e| e.contains("zero")),
        "{:?}",
        errors_of("tasks.max")
    );
    assert!(
        errors_of("topics")
            .iter()
            .any(|e| e.contains("Must configure one of topics or topics.regex")),
        "{:?}",
        r.body
    );

    let r = w
        .put(
            "/connector-plugins/FileStreamSink/config/validate",
            &json!({"file": "/tmp/x"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("contains no connector type"),
        "{:?}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_the_jvm_status_codes_and_json_errors() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let dir = w.path("");

    // Unknown connector class: 400 naming it and suggesting close matches.
    let r = w
        .put(
            "/connectors/x/config",
            &json!({"connector.class": "FileStreamSorce", "topic": "t"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let msg = r.body["message"].as_str().unwrap();
    assert!(msg.contains("FileStreamSorce"), "{msg}");
    assert!(
        msg.contains("FileStreamSourceConnector"),
        "no close match suggested: {msg}"
    );
    assert_eq!(r.body["error_code"], 400);

    // Invalid JSON body.
    let r = w.raw(Method::POST, "/connectors", "{not json").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error_code"], 400);

    // Name in body differs from the URL.
    let r = w
        .put(
            "/connectors/a/config",
            &json!({"name": "b", "connector.class": "FileStreamSink", "topics": "t"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("doesn't match connector name in the URL"),
        "{:?}",
        r.body
    );

    // Unknown connector.
    for path in [
        "/connectors/nope",
        "/connectors/nope/status",
        "/connectors/nope/config",
    ] {
        let r = w.get(path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(
            r.body["message"].as_str().unwrap().contains("nope"),
            "{path}: {:?}",
            r.body
        );
    }

    // Create twice.
    let create = json!({"name": "dup", "config": {"connector.class": "FileStreamSink", "topics": "t",
                         "file": dir.join("dup.txt").display().to_string()}});
    let r = w.post("/connectors", &create).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = w.post("/connectors", &create).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["message"], "Connector dup already exists");

    // A required key missing: the source's `topic`.
    let r = w
        .put(
            "/connectors/no-topic/config",
            &json!({"connector.class": "FileStreamSource"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let msg = r.body["message"].as_str().unwrap();
    assert!(msg.contains("topic"), "{msg}");

    // Unknown route and wrong method.
    let r = w.get("/no/such/route").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_json_numbers_and_booleans_are_accepted_in_configs() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let out = w.path("out.txt");
    let r = w
        .put(
            "/connectors/nums/config",
            &json!({"connector.class": "FileStreamSink", "tasks.max": 1, "topics": unique("nums"),
                    "file": out.display().to_string(), "errors.log.enable": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let cfg = w.get("/connectors/nums/config").await;
    assert_eq!(cfg.body["tasks.max"], "1");
    assert_eq!(cfg.body["errors.log.enable"], "true");
    assert_eq!(cfg.body["name"], "nums");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_shows_failed_with_a_trace_while_others_keep_running() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("fail");
    kafka.create_topic(&topic, 1).await;
    // Reading a directory as the source file fails in poll.
    let bad_dir = w.path("a-directory");
    std::fs::create_dir(&bad_dir).unwrap();
    w.create("bad", json!({"connector.class": "FileStreamSource", "file": bad_dir.display().to_string(), "topic": topic}))
        .await;
    let good_input = w.path("good.txt");
    append_lines(&good_input, ["ok".to_string()]);
    w.create("good", json!({"connector.class": "FileStreamSource", "file": good_input.display().to_string(), "topic": topic}))
        .await;

    let status = wait_for("the bad task to fail", DEADLINE, || async {
        let r = w.get("/connectors/bad/status").await;
        (r.body["tasks"][0]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("a-directory"),
        "trace does not name the cause: {trace}"
    );
    assert_eq!(status["connector"]["state"], "RUNNING");
    assert!(status["tasks"][0]["worker_id"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":{}", w.port)));

    w.wait_state("good", "RUNNING", 1).await;
    let got = kafka.consume(&topic, 1);
    assert!(got[0].value_str().contains("\"payload\":\"ok\""));

    // A restart of the failed task is accepted (it fails again: the cause is still there).
    assert_eq!(
        w.post_empty("/connectors/bad/tasks/0/restart").await.status,
        204
    );
    let r = w.get("/connectors/bad/tasks/7/status").await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_does_not_stop_the_rest_api() {
    let dead = format!("127.0.0.1:{}", free_port());
    let w = WorkerProc::start(&dead, &[], &[]).await;
    let root = w.get("/").await;
    assert_eq!(root.status, 200);
    assert!(root.body["kafka_cluster_id"].is_null(), "{:?}", root.body);
    assert_eq!(w.get("/connectors").await.body, json!([]));
    let plugins = w.get("/connector-plugins").await;
    assert_eq!(plugins.status, 200);
    wait_for(
        "the worker to log the unreachable cluster",
        DEADLINE,
        || async {
            w.log()
                .contains("cannot reach the Kafka cluster")
                .then_some(())
        },
    )
    .await;
    assert!(
        w.log().contains(&dead),
        "the log does not name the bootstrap servers"
    );
}
