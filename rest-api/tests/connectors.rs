//! `/connectors/...` over real HTTP against the in-memory stand-in for our `Herder` trait.

mod support;

use ferroconnect_runtime::herder::TargetState;
use reqwest::Method;
use serde_json::{json, Value};
use support::Server;

fn sink_config() -> Value {
    json!({"connector.class": "FileStreamSink", "tasks.max": "2", "topics": "t", "file": "/tmp/o"})
}

fn assert_error(code: u16, body: &Value, want_code: u16, want_message: &str) {
    assert_eq!(code, want_code, "{body}");
    assert_eq!(body["error_code"], want_code, "{body}");
    assert_eq!(body["message"], want_message, "{body}");
}

#[tokio::test]
async fn create_answers_201_with_location_and_connector_info() {
    let s = Server::start().await;
    let (code, headers, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "  file-sink ", "config": sink_config()})),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(headers["location"], "/connectors/file-sink");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["name"], "file-sink");
    assert_eq!(body["type"], "sink");
    assert_eq!(body["config"]["name"], "file-sink");
    assert_eq!(
        body["tasks"],
        json!([{"connector": "file-sink", "task": 0}, {"connector": "file-sink", "task": 1}])
    );
    assert_eq!(*s.herder.initial_states.lock(), vec![None]);
}

#[tokio::test]
async fn create_accepts_numbers_and_booleans_as_strings_without_content_type() {
    let s = Server::start().await;
    let raw = r#"{"name":"jdbc","config":{"connector.class":"JdbcSourceConnector",
        "batch.max.rows":100,"validate.non.null":true,"ratio":1.5}}"#;
    let (code, _, body) = s.call_raw(Method::POST, "/connectors", raw).await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["config"]["batch.max.rows"], "100");
    assert_eq!(body["config"]["validate.non.null"], "true");
    assert_eq!(body["config"]["ratio"], "1.5");
    assert_eq!(body["type"], "source");
}

#[tokio::test]
async fn create_passes_initial_state_case_insensitively() {
    let s = Server::start().await;
    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "a", "config": sink_config(), "initial_state": "stopped"})),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(
        *s.herder.initial_states.lock(),
        vec![Some(TargetState::Stopped)]
    );
    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "b", "config": sink_config(), "initial_state": "SLEEPING"})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("SLEEPING"));
}

#[tokio::test]
async fn create_errors() {
    let s = Server::start().await;
    s.create("dup", sink_config()).await;
    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "dup", "config": sink_config()})),
        )
        .await;
    assert_error(code, &body, 409, "Connector dup already exists");

    let mut cfg = sink_config();
    cfg["name"] = json!("other");
    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "mine", "config": cfg})),
        )
        .await;
    assert_error(
        code,
        &body,
        400,
        "Connector name configuration (other) doesn't match connector name in the URL (mine)",
    );

    let (code, _, body) = s
        .call(Method::POST, "/connectors", Some(json!({"name": "noconf"})))
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("\"config\""),
        "{body}"
    );

    let (code, _, body) = s
        .call_raw(Method::POST, "/connectors", r#"{"name": "x", "config": {"#)
        .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["error_code"], 400);
    assert!(
        body["message"].as_str().unwrap().contains("Malformed JSON"),
        "{body}"
    );

    let (code, _, body) = s.call_raw(Method::POST, "/connectors", "").await;
    assert_eq!(code, 400, "{body}");

    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "n", "config": {"connector.class": "X", "tasks.max": null}})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("tasks.max"),
        "{body}"
    );

    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "n", "config": {"connector.class": "X", "topics": ["a", "b"]}})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("topics"),
        "{body}"
    );

    // The herder's validation failure passes through as 400.
    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors",
            Some(json!({"name": "invalid", "config": {"tasks.max": 1}})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("connector.class"));
}

#[tokio::test]
async fn get_info_config_status_tasks_and_task_status() {
    let s = Server::start().await;
    s.create("c", sink_config()).await;

    let (code, _, body) = s.call(Method::GET, "/connectors/c", None).await;
    assert_eq!(code, 200);
    assert_eq!(body["name"], "c");
    assert_eq!(body["config"]["file"], "/tmp/o");

    let (code, _, body) = s.call(Method::GET, "/connectors/c/config", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({"connector.class": "FileStreamSink", "tasks.max": "2", "topics": "t",
               "file": "/tmp/o", "name": "c"})
    );

    let (code, _, body) = s.call(Method::GET, "/connectors/c/status", None).await;
    assert_eq!(code, 200);
    assert_eq!(body["name"], "c");
    assert_eq!(body["connector"]["state"], "RUNNING");
    assert_eq!(body["connector"]["worker_id"], support::WORKER_ID);
    assert!(body["connector"].get("trace").is_none(), "{body}");
    assert_eq!(body["tasks"][1]["id"], 1);
    assert_eq!(body["type"], "sink");

    let (code, _, body) = s.call(Method::GET, "/connectors/c/tasks", None).await;
    assert_eq!(code, 200);
    assert_eq!(body[0]["id"], json!({"connector": "c", "task": 0}));
    assert_eq!(body[0]["config"]["task.class"], "test.Task");

    let (code, _, body) = s
        .call(Method::GET, "/connectors/c/tasks/1/status", None)
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({"id": 1, "state": "RUNNING", "worker_id": support::WORKER_ID})
    );

    let (code, _, body) = s
        .call(Method::GET, "/connectors/c/tasks/7/status", None)
        .await;
    assert_error(code, &body, 404, "Unknown task: c-7");

    let (code, _, body) = s
        .call(Method::GET, "/connectors/c/tasks/abc/status", None)
        .await;
    assert_error(code, &body, 404, "HTTP 404 Not Found");
}

#[tokio::test]
async fn unknown_connector_is_404_with_the_herder_message() {
    let s = Server::start().await;
    let cases = [
        (Method::GET, "/connectors/nope", "Connector nope not found"),
        (
            Method::GET,
            "/connectors/nope/config",
            "Connector nope not found",
        ),
        (
            Method::GET,
            "/connectors/nope/status",
            "No status found for connector nope",
        ),
        (
            Method::DELETE,
            "/connectors/nope",
            "Connector nope not found",
        ),
        (
            Method::PUT,
            "/connectors/nope/pause",
            "Unknown connector nope",
        ),
        (
            Method::PUT,
            "/connectors/nope/resume",
            "Unknown connector nope",
        ),
        (
            Method::PUT,
            "/connectors/nope/stop",
            "Unknown connector nope",
        ),
        (
            Method::POST,
            "/connectors/nope/restart",
            "Unknown connector nope",
        ),
        (
            Method::GET,
            "/connectors/nope/offsets",
            "Connector nope not found",
        ),
        (
            Method::GET,
            "/connectors/nope/topics",
            "Connector nope not found",
        ),
    ];
    for (method, path, message) in cases {
        let (code, headers, body) = s.call(method.clone(), path, None).await;
        assert_error(code, &body, 404, message);
        assert_eq!(
            headers["content-type"], "application/json",
            "{method} {path}"
        );
    }
    let (code, _, body) = s
        .call(
            Method::PATCH,
            "/connectors/nope/config",
            Some(json!({"a": "b"})),
        )
        .await;
    assert_error(code, &body, 404, "Connector nope not found");
}

#[tokio::test]
async fn put_config_creates_with_201_then_updates_with_200() {
    let s = Server::start().await;
    let (code, headers, body) = s
        .call(
            Method::PUT,
            "/connectors/my conn/config",
            Some(sink_config()),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(headers["location"], "/connectors/my%20conn");
    assert_eq!(body["name"], "my conn");
    assert_eq!(body["config"]["name"], "my conn");

    let mut cfg = sink_config();
    cfg["tasks.max"] = json!(1);
    let (code, headers, body) = s
        .call(Method::PUT, "/connectors/my%20conn/config", Some(cfg))
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(headers.get("location").is_none());
    assert_eq!(body["config"]["tasks.max"], "1");
    assert_eq!(body["tasks"].as_array().unwrap().len(), 1);

    let mut cfg = sink_config();
    cfg["name"] = json!("x");
    let (code, _, body) = s.call(Method::PUT, "/connectors/y/config", Some(cfg)).await;
    assert_error(
        code,
        &body,
        400,
        "Connector name configuration (x) doesn't match connector name in the URL (y)",
    );

    let (code, _, body) = s
        .call_raw(Method::PUT, "/connectors/y/config", "{not json")
        .await;
    assert_eq!(code, 400, "{body}");
    let (code, _, body) = s
        .call(Method::PUT, "/connectors/y/config", Some(json!(["a"])))
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("array"),
        "{body}"
    );
}

#[tokio::test]
async fn patch_config_merges_and_null_deletes() {
    let s = Server::start().await;
    s.create("p", sink_config()).await;
    let (code, _, body) = s
        .call(
            Method::PATCH,
            "/connectors/p/config",
            Some(json!({"file": null, "tasks.max": 3, "extra": false})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(body["config"].get("file").is_none(), "{body}");
    assert_eq!(body["config"]["tasks.max"], "3");
    assert_eq!(body["config"]["extra"], "false");
    assert_eq!(body["tasks"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn list_with_and_without_expand() {
    let s = Server::start().await;
    s.create("b", sink_config()).await;
    s.create("a", sink_config()).await;

    let (code, _, body) = s.call(Method::GET, "/connectors", None).await;
    assert_eq!(code, 200);
    assert_eq!(body, json!(["a", "b"]));

    let (_, _, body) = s.call(Method::GET, "/connectors?expand=status", None).await;
    assert_eq!(body["a"]["status"]["connector"]["state"], "RUNNING");
    assert!(body["a"].get("info").is_none());

    let (_, _, body) = s
        .call(Method::GET, "/connectors?expand=status&expand=info", None)
        .await;
    assert_eq!(body["b"]["status"]["name"], "b");
    assert_eq!(body["b"]["info"]["config"]["name"], "b");

    // Not comma-split: one unknown value, ignored.
    let (_, _, body) = s
        .call(Method::GET, "/connectors?expand=status,info", None)
        .await;
    assert_eq!(body, json!({"a": {}, "b": {}}));

    let (_, _, body) = s
        .call(Method::GET, "/connectors?expand=info&expand=bogus", None)
        .await;
    assert_eq!(body["a"]["info"]["name"], "a");
    assert_eq!(body["a"].as_object().unwrap().len(), 1);
}

#[tokio::test]
async fn delete_answers_204_then_404() {
    let s = Server::start().await;
    s.create("d", sink_config()).await;
    let (code, _, body) = s.call(Method::DELETE, "/connectors/d", None).await;
    assert_eq!(code, 204);
    assert_eq!(body, Value::Null);
    let (code, _, _) = s.call(Method::GET, "/connectors/d", None).await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn restart_is_204_plain_and_202_with_tasks() {
    let s = Server::start().await;
    s.create("r", sink_config()).await;
    let (code, _, body) = s.call(Method::POST, "/connectors/r/restart", None).await;
    assert_eq!(code, 204);
    assert_eq!(body, Value::Null);

    let (code, _, body) = s
        .call(
            Method::POST,
            "/connectors/r/restart?includeTasks=true&onlyFailed=false",
            None,
        )
        .await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["connector"]["state"], "RESTARTING");
    assert_eq!(body["tasks"][0]["state"], "RESTARTING");

    let (code, _, _) = s
        .call(Method::POST, "/connectors/r/restart?onlyFailed=TRUE", None)
        .await;
    assert_eq!(code, 202);
    assert_eq!(
        *s.herder.restarts.lock(),
        vec![
            ("r".to_string(), false, false),
            ("r".to_string(), true, false),
            ("r".to_string(), false, true)
        ]
    );

    let (code, _, body) = s
        .call(Method::POST, "/connectors/r/tasks/0/restart", None)
        .await;
    assert_eq!(code, 204, "{body}");
    let (code, _, body) = s
        .call(Method::POST, "/connectors/r/tasks/9/restart", None)
        .await;
    assert_error(code, &body, 404, "Unknown task: r-9");
}

#[tokio::test]
async fn pause_resume_are_202_and_stop_is_204() {
    let s = Server::start().await;
    s.create("x", sink_config()).await;
    let (code, _, body) = s.call(Method::PUT, "/connectors/x/pause", None).await;
    assert_eq!((code, body), (202, Value::Null));
    let (_, _, status) = s.call(Method::GET, "/connectors/x/status", None).await;
    assert_eq!(status["connector"]["state"], "PAUSED");

    let (code, _, body) = s.call(Method::PUT, "/connectors/x/resume", None).await;
    assert_eq!((code, body), (202, Value::Null));
    let (_, _, status) = s.call(Method::GET, "/connectors/x/status", None).await;
    assert_eq!(status["connector"]["state"], "RUNNING");

    let (code, _, body) = s.call(Method::PUT, "/connectors/x/stop", None).await;
    assert_eq!((code, body), (204, Value::Null));
    let (_, _, status) = s.call(Method::GET, "/connectors/x/status", None).await;
    assert_eq!(status["connector"]["state"], "STOPPED");
    assert_eq!(status["tasks"], json!([]));
}

#[tokio::test]
async fn offsets_get_alter_reset() {
    let s = Server::start().await;
    s.create("o", sink_config()).await;
    let (code, _, body) = s.call(Method::GET, "/connectors/o/offsets", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({"offsets": [{"partition": {"filename": "test.txt"}, "offset": {"position": 30}}]})
    );

    let new_offsets = json!({"offsets": [
        {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 5}},
        {"partition": {"kafka_topic": "t", "kafka_partition": 1}, "offset": null}]});
    let (code, _, body) = s
        .call(
            Method::PATCH,
            "/connectors/o/offsets",
            Some(new_offsets.clone()),
        )
        .await;
    assert_error(
        code,
        &body,
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/o/stop' endpoint",
    );

    s.call(Method::PUT, "/connectors/o/stop", None).await;
    let (code, _, body) = s
        .call(
            Method::PATCH,
            "/connectors/o/offsets",
            Some(new_offsets.clone()),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        body,
        json!({"message": "The offsets for this connector have been altered successfully"})
    );
    let (_, _, body) = s.call(Method::GET, "/connectors/o/offsets", None).await;
    assert_eq!(body, new_offsets);

    for bad in [json!({}), json!({"offsets": null}), json!({"offsets": []})] {
        let (code, _, body) = s
            .call(Method::PATCH, "/connectors/o/offsets", Some(bad))
            .await;
        assert_error(
            code,
            &body,
            400,
            "Partitions / offsets need to be provided for an alter offsets request",
        );
    }

    let (code, _, body) = s.call(Method::DELETE, "/connectors/o/offsets", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({"message": "The offsets for this connector have been reset successfully"})
    );
}

#[tokio::test]
async fn topics_and_topics_reset() {
    let s = Server::start().await;
    s.create("t", sink_config()).await;
    let (code, _, body) = s.call(Method::GET, "/connectors/t/topics", None).await;
    assert_eq!(code, 200);
    assert_eq!(body, json!({"t": {"topics": ["t1", "t2"]}}));
    let (code, _, body) = s
        .call(Method::PUT, "/connectors/t/topics/reset", None)
        .await;
    assert_eq!((code, body), (202, Value::Null));
    let (_, _, body) = s.call(Method::GET, "/connectors/t/topics", None).await;
    assert_eq!(body, json!({"t": {"topics": []}}));
}
