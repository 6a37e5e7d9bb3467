//! End to end over HTTP: file source → topic → file sink, with a real Tansu broker and the
//! `ferroconnect` binary; pause/resume, delete, restarts keeping configs and offsets, offsets
//! GET/PATCH/DELETE.

mod common;

use common::*;
use serde_json::json;

fn source_config(file: &std::path::Path, topic: &str) -> serde_json::Value {
    json!({"connector.class": "FileStreamSource", "tasks.max": "1",
           "file": file.display().to_string(), "topic": topic})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_source_writes_json_with_schemas_to_the_topic() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("src-schemas");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, (0..3).map(|i| format!("line {i}")));

    let r = w.create("src", source_config(&input, &topic)).await;
    assert_eq!(r.body["name"], "src");
    assert_eq!(r.body["type"], "source");
    assert_eq!(r.location.as_deref(), Some("/connectors/src"));
    w.wait_state("src", "RUNNING", 1).await;

    let got = kafka.consume(&topic, 3);
    assert_eq!(got[0].key, None);
    assert_eq!(
        got[0].value_str(),
        r#"{"schema":{"type":"string","optional":false},"payload":"line 0"}"#
    );
    assert_eq!(
        got[2].value_str(),
        r#"{"schema":{"type":"string","optional":false},"payload":"line 2"}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_source_without_schemas_writes_plain_json() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(
        &broker.bootstrap,
        &[("value.converter.schemas.enable", "false")],
        &[],
    )
    .await;
    let topic = unique("src-plain");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["héllo \"quoted\"".to_string()]);
    w.create("src", source_config(&input, &topic)).await;
    let got = kafka.consume(&topic, 1);
    assert_eq!(got[0].value_str(), r#""héllo \"quoted\"""#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_source_to_topic_to_file_sink_round_trips_every_line() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("roundtrip");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    let output = w.path("out.txt");
    let lines: Vec<String> = (0..500).map(|i| format!("record-{i}")).collect();
    append_lines(&input, lines.clone());

    w.create("src", source_config(&input, &topic)).await;
    w.create(
        "sink",
        json!({"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
               "tasks.max": 1, "topics": topic, "file": output.display().to_string()}),
    )
    .await;
    w.wait_state("sink", "RUNNING", 1).await;
    let expected = lines.join("\n") + "\n";
    wait_for("the sink file to hold every line", DEADLINE, || async {
        (std::fs::read_to_string(&output).unwrap_or_default() == expected).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_stops_delivery_and_resume_continues() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("pause");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["a".to_string()]);
    w.create("src", source_config(&input, &topic)).await;
    kafka.consume(&topic, 1);

    let r = w.put_empty("/connectors/src/pause").await;
    assert_eq!(r.status, 202);
    w.wait_state("src", "PAUSED", 1).await;
    append_lines(&input, ["b".to_string(), "c".to_string()]);
    // Observe a bounded window: nothing may arrive while paused.
    kafka.assert_exactly(
        &topic,
        1,
        std::time::Duration::from_millis(1500),
        "records were delivered while paused",
    );
    let r = w.put_empty("/connectors/src/resume").await;
    assert_eq!(r.status, 202);
    w.wait_state("src", "RUNNING", 1).await;
    let got = kafka.consume(&topic, 3);
    assert!(
        got[2].value_str().contains("\"payload\":\"c\""),
        "{:?}",
        got[2]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_the_connector_and_stops_its_tasks() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("delete");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["a".to_string()]);
    w.create("src", source_config(&input, &topic)).await;
    kafka.consume(&topic, 1);

    assert_eq!(w.delete("/connectors/src").await.status, 204);
    let r = w.get("/connectors/src").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], 404);
    assert_eq!(w.get("/connectors").await.body, json!([]));
    append_lines(&input, ["b".to_string()]);
    kafka.assert_exactly(
        &topic,
        1,
        std::time::Duration::from_millis(1500),
        "a deleted connector kept producing",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_restart_keeps_configs_and_offsets_without_loss_or_duplicates() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("restart");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, (0..100).map(|i| format!("first-{i}")));
    w.create("src", source_config(&input, &topic)).await;
    kafka.consume(&topic, 100);

    // Graceful stop flushes offsets; the restarted worker resumes after the last line.
    w.restart().await;
    let r = w.get("/connectors").await;
    assert_eq!(
        r.body,
        json!(["src"]),
        "connector config lost across restart"
    );
    append_lines(&input, (0..50).map(|i| format!("second-{i}")));
    w.wait_state("src", "RUNNING", 1).await;
    let got = kafka.consume(&topic, 150);
    assert!(
        got[100].value_str().contains("second-0"),
        "record 100 is {:?}",
        got[100].value_str()
    );
    kafka.assert_exactly(
        &topic,
        150,
        std::time::Duration::from_millis(1500),
        "records were duplicated after restart",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_can_be_read_altered_and_reset_when_stopped() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let topic = unique("offsets");
    kafka.create_topic(&topic, 1).await;
    let input = w.path("in.txt");
    append_lines(&input, ["abc".to_string(), "de".to_string()]);
    let filename = input.display().to_string();
    w.create("src", source_config(&input, &topic)).await;
    kafka.consume(&topic, 2);

    let expected =
        json!({"offsets": [{"partition": {"filename": filename}, "offset": {"position": 7}}]});
    wait_for("offsets to be committed", DEADLINE, || async {
        let r = w.get("/connectors/src/offsets").await;
        (r.body == expected).then_some(())
    })
    .await;

    // Altering needs a STOPPED connector.
    let patch =
        json!({"offsets": [{"partition": {"filename": filename}, "offset": {"position": 4}}]});
    let r = w.patch("/connectors/src/offsets", &patch).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("STOPPED state"),
        "{:?}",
        r.body
    );

    assert_eq!(w.put_empty("/connectors/src/stop").await.status, 204);
    let st = w.get("/connectors/src/status").await;
    assert_eq!(st.body["connector"]["state"], "STOPPED");
    assert_eq!(st.body["tasks"], json!([]));
    let r = w.patch("/connectors/src/offsets", &patch).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["message"],
        "The offsets for this connector have been altered successfully"
    );
    assert_eq!(
        w.get("/connectors/src/offsets").await.body["offsets"][0]["offset"]["position"],
        4
    );

    // Resuming re-reads from position 4: "de" again.
    assert_eq!(w.put_empty("/connectors/src/resume").await.status, 202);
    let got = kafka.consume(&topic, 3);
    assert!(
        got[2].value_str().contains("\"payload\":\"de\""),
        "{:?}",
        got[2].value_str()
    );

    assert_eq!(w.put_empty("/connectors/src/stop").await.status, 204);
    let r = w.delete("/connectors/src/offsets").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["message"],
        "The offsets for this connector have been reset successfully"
    );
    assert_eq!(
        w.get("/connectors/src/offsets").await.body,
        json!({"offsets": []})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_files_on_the_command_line_start_with_the_worker() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let topic = unique("cli");
    kafka.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    append_lines(&input, ["from-props".to_string()]);
    let props = dir.path().join("src.properties");
    std::fs::write(
        &props,
        format!(
            "name=props-src\nconnector.class=FileStreamSource\nfile={}\ntopic={topic}\n",
            input.display()
        ),
    )
    .unwrap();
    let sink_json = dir.path().join("sink.json");
    let output = dir.path().join("out.txt");
    std::fs::write(
        &sink_json,
        json!({"name": "json-sink", "config": {"connector.class": "FileStreamSink", "topics": topic,
               "file": output.display().to_string()}})
        .to_string(),
    )
    .unwrap();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[props, sink_json]).await;
    let mut names = w.get("/connectors").await.body.as_array().cloned().unwrap();
    names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(names, vec![json!("json-sink"), json!("props-src")]);
    wait_for("the sink to write the line", DEADLINE, || async {
        (std::fs::read_to_string(&output).unwrap_or_default() == "from-props\n").then_some(())
    })
    .await;
}
