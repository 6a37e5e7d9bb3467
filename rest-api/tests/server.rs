//! Server-wide behaviour over real HTTP: `/`, `/health`, unknown routes, wrong methods,
//! trailing slashes, `/connector-plugins` and `/admin/loggers`, against the in-memory
//! stand-in for our `Herder` trait and the real `TracingLoggers`.

mod support;

use ferroconnect_runtime::herder::WorkerHealth;
use ferroconnect_runtime::logging::LoggerControl;
use reqwest::Method;
use serde_json::{json, Value};
use support::Server;

fn assert_error(code: u16, body: &Value, want_code: u16, want_message: &str) {
    assert_eq!(code, want_code, "{body}");
    assert_eq!(body["error_code"], want_code, "{body}");
    assert_eq!(body["message"], want_message, "{body}");
}

#[tokio::test]
async fn root_gives_server_info() {
    let s = Server::start().await;
    let (code, headers, body) = s.call(Method::GET, "/", None).await;
    assert_eq!(code, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        body,
        json!({"version": "4.2.0", "commit": "ferroconnect-test", "kafka_cluster_id": "test-cluster"})
    );
}

#[tokio::test]
async fn health_status_code_comes_from_the_herder() {
    let s = Server::start().await;
    let (code, _, body) = s.call(Method::GET, "/health", None).await;
    assert_eq!(code, 200);
    assert_eq!(body["status"], "healthy");

    *s.herder.health.lock() = (
        503,
        WorkerHealth {
            status: "starting".into(),
            message: "Worker is still starting up.".into(),
        },
    );
    let (code, _, body) = s.call(Method::GET, "/health", None).await;
    assert_eq!(code, 503);
    assert_eq!(
        body,
        json!({"status": "starting", "message": "Worker is still starting up."})
    );
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_json_errors() {
    let s = Server::start().await;
    for path in ["/nope", "/connectors/a/b/c/d", "/admin"] {
        let (code, headers, body) = s.call(Method::GET, path, None).await;
        assert_error(code, &body, 404, "HTTP 404 Not Found");
        assert_eq!(headers["content-type"], "application/json");
    }
    let cases = [
        (Method::DELETE, "/connectors"),
        (Method::POST, "/connectors/x/status"),
        (Method::GET, "/connectors/x/pause"),
        (Method::POST, "/admin/loggers"),
    ];
    for (method, path) in cases {
        let (code, headers, body) = s.call(method, path, None).await;
        assert_error(code, &body, 405, "HTTP 405 Method Not Allowed");
        assert_eq!(headers["content-type"], "application/json");
    }
    let (_, headers, _) = s.call(Method::DELETE, "/connectors", None).await;
    let allow = headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn trailing_slash_is_ignored() {
    let s = Server::start().await;
    s.create("a", json!({"connector.class": "FileStreamSink"}))
        .await;
    let (code, _, body) = s.call(Method::GET, "/connectors/", None).await;
    assert_eq!(code, 200);
    assert_eq!(body, json!(["a"]));
    let (code, _, body) = s.call(Method::GET, "/connectors/?expand=info", None).await;
    assert_eq!(code, 200);
    assert_eq!(body["a"]["info"]["name"], "a");
    let (code, _, _) = s.call(Method::GET, "/connectors/a/status/", None).await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn plugin_list_and_config() {
    let s = Server::start().await;
    let (code, _, body) = s.call(Method::GET, "/connector-plugins", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!([
            {"class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "type": "sink", "version": "4.2.0"},
            // `undefined` versions are left out.
            {"class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "type": "source"}
        ])
    );
    let (_, _, body) = s
        .call(Method::GET, "/connector-plugins?connectorsOnly=false", None)
        .await;
    assert_eq!(body.as_array().unwrap().len(), 3);
    assert_eq!(body[2]["type"], "transformation");

    let (code, _, body) = s
        .call(
            Method::GET,
            "/connector-plugins/FileStreamSink/config",
            None,
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(body[0]["name"], "file");
    assert_eq!(body[0]["type"], "STRING");
    assert_eq!(body[0]["order_in_group"], 1);

    let (code, _, body) = s
        .call(Method::GET, "/connector-plugins/Nope/config", None)
        .await;
    assert_error(code, &body, 404, "Unknown plugin Nope.");
}

#[tokio::test]
async fn validate_returns_config_infos_even_with_errors() {
    let s = Server::start().await;
    let cfg = json!({"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                     "topics": "t", "tasks.max": 1});
    let (code, _, body) = s
        .call(
            Method::PUT,
            "/connector-plugins/FileStreamSinkConnector/config/validate",
            Some(cfg),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        body["name"],
        "org.apache.kafka.connect.file.FileStreamSinkConnector"
    );
    assert_eq!(body["error_count"], 1);
    assert_eq!(body["groups"], json!(["Common"]));
    assert_eq!(body["configs"][0]["value"]["name"], "file");
    assert_eq!(
        body["configs"][0]["value"]["errors"],
        json!(["Missing required configuration \"file\" which has no default value."])
    );
    assert_eq!(body["configs"][1]["definition"]["name"], "topics");
}

#[tokio::test]
async fn validate_errors() {
    let s = Server::start().await;
    let (code, _, body) = s
        .call(
            Method::PUT,
            "/connector-plugins/FileStreamSink/config/validate",
            Some(json!({"topics": "t", "tasks.max": 1})),
        )
        .await;
    assert_error(
        code,
        &body,
        400,
        "Connector config {topics=t, tasks.max=1} contains no connector type",
    );

    let (code, _, body) = s
        .call(
            Method::PUT,
            "/connector-plugins/FileStreamSource/config/validate",
            Some(json!({"connector.class": "FileStreamSinkConnector"})),
        )
        .await;
    assert_error(
        code,
        &body,
        400,
        "Included connector type FileStreamSinkConnector does not match request type FileStreamSource",
    );

    let (code, _, body) = s
        .call_raw(
            Method::PUT,
            "/connector-plugins/FileStreamSink/config/validate",
            "{\"connector.class\": ",
        )
        .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["error_code"], 400);
}

#[tokio::test]
async fn loggers_list_get_and_set_worker_scope() {
    let s = Server::start().await;
    let (code, _, body) = s.call(Method::GET, "/admin/loggers", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({"root": {"level": "INFO", "last_modified": null}})
    );

    let (code, _, body) = s
        .call(
            Method::PUT,
            "/admin/loggers/org.apache.kafka.connect",
            Some(json!({"level": "debug"})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body, json!(["org.apache.kafka.connect"]));

    let (code, _, body) = s
        .call(Method::GET, "/admin/loggers/org.apache.kafka.connect", None)
        .await;
    assert_eq!(code, 200);
    assert_eq!(body["level"], "DEBUG");
    assert!(body["last_modified"].as_u64().unwrap() > 1_600_000_000_000);

    let (code, _, body) = s
        .call(
            Method::PUT,
            "/admin/loggers/org.apache.kafka.connect.runtime.Worker?scope=worker",
            Some(json!({"level": "TRACE"})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let (_, _, body) = s
        .call(
            Method::PUT,
            "/admin/loggers/ROOT",
            Some(json!({"level": "WARN"})),
        )
        .await;
    assert_eq!(
        body,
        json!([
            "org.apache.kafka.connect",
            "org.apache.kafka.connect.runtime.Worker",
            "root"
        ])
    );
    let (_, _, body) = s.call(Method::GET, "/admin/loggers/Root", None).await;
    assert_eq!(body["level"], "WARN");
}

#[tokio::test]
async fn loggers_cluster_scope_is_204_and_applies() {
    let s = Server::start().await;
    let (code, _, body) = s
        .call(
            Method::PUT,
            "/admin/loggers/ferroconnect_runtime::worker?scope=cluster",
            Some(json!({"level": "ERROR"})),
        )
        .await;
    assert_eq!((code, body), (204, Value::Null));
    assert_eq!(
        s.loggers
            .logger("ferroconnect_runtime::worker")
            .unwrap()
            .level,
        "ERROR"
    );
    // Unknown scope falls back to worker.
    let (code, _, body) = s
        .call(
            Method::PUT,
            "/admin/loggers/x?scope=galaxy",
            Some(json!({"level": "INFO"})),
        )
        .await;
    assert_eq!((code, body), (200, json!(["x"])));
}

#[tokio::test]
async fn loggers_errors() {
    let s = Server::start().await;
    let (code, _, body) = s
        .call(Method::GET, "/admin/loggers/org.never.set", None)
        .await;
    assert_error(code, &body, 404, "Logger org.never.set not found.");

    let (code, _, body) = s
        .call(
            Method::PUT,
            "/admin/loggers/org.foo",
            Some(json!({"level": "LOUD"})),
        )
        .await;
    assert_error(code, &body, 404, "invalid log level 'LOUD'.");

    for missing in [json!({}), json!({"level": null}), json!({"lvl": "INFO"})] {
        let (code, _, body) = s
            .call(Method::PUT, "/admin/loggers/org.foo", Some(missing))
            .await;
        assert_error(
            code,
            &body,
            400,
            "Desired 'level' parameter was not specified in request.",
        );
    }
    let (code, _, body) = s.call_raw(Method::PUT, "/admin/loggers/org.foo", "").await;
    assert_error(
        code,
        &body,
        400,
        "Desired 'level' parameter was not specified in request.",
    );
    assert!(s.loggers.logger("org.foo").is_none());
}

#[tokio::test]
async fn slow_herder_call_times_out_with_500() {
    let s = Server::start_with_timeout(std::time::Duration::from_millis(200)).await;
    *s.herder.list_delay.lock() = Some(std::time::Duration::from_secs(30));
    let (code, _, body) = s.call(Method::GET, "/connectors", None).await;
    assert_error(code, &body, 500, "Request timed out");
}
