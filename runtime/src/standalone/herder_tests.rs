//! Standalone herder behaviour. Tests that drive connectors need the real Worker (and a Tansu
//! broker); until the Worker lands they are `#[ignore = "needs Worker"]`. Tests that stop at
//! validation, lookups or health run now.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde_json::json;

use super::test_plugins::{self, cfg, MemOffsets, SINK_CLASS, SOURCE_CLASS};
use super::StandaloneHerder;
use crate::config::ConfigMap;
use crate::herder::{
    ConnectorOffsets, ConnectorStateInfo, Herder, HerderError, State, TargetState,
};
use crate::storage::file_configs::{ConfigStore, FileConfigStore, MemoryConfigStore};
use crate::testkit::Tansu;

fn herder(bootstrap: &str, configs: Arc<dyn ConfigStore>) -> Arc<StandaloneHerder> {
    StandaloneHerder::create(
        Arc::new(test_plugins::worker_config(bootstrap, None)),
        Arc::new(test_plugins::registry()),
        Arc::new(MemOffsets::default()),
        configs,
    )
}

/// A herder whose broker address points nowhere: fine for tests that never start a task.
fn offline() -> Arc<StandaloneHerder> {
    herder("127.0.0.1:1", Arc::new(MemoryConfigStore::new()))
}

fn source(name: &str, extra: &[(&str, &str)]) -> ConfigMap {
    let topic = format!("herder-test-{name}-{}", std::process::id());
    let mut c = cfg(&[
        ("connector.class", SOURCE_CLASS),
        ("required.key", "x"),
        ("topic", topic.as_str()),
    ]);
    c.extend(cfg(extra));
    c
}

/// Polls the status until `pred` holds (30 s deadline).
async fn wait_status(
    h: &StandaloneHerder,
    name: &str,
    what: &str,
    pred: impl Fn(&ConnectorStateInfo) -> bool,
) -> ConnectorStateInfo {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = h.connector_status(name).await.unwrap();
        if pred(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn all_running(s: &ConnectorStateInfo, tasks: usize) -> bool {
    s.connector.state == State::Running
        && s.tasks.len() == tasks
        && s.tasks.iter().all(|t| t.state == State::Running)
}

#[tokio::test]
async fn health_is_503_until_started() {
    let h = offline();
    let (code, body) = h.health().await;
    assert_eq!((code, body.status.as_str()), (503, "starting"));
    h.start().await.unwrap();
    let (code, body) = h.health().await;
    assert_eq!((code, body.status.as_str()), (200, "healthy"));
    assert_eq!(
        body.message,
        "Worker has completed startup and is ready to handle requests."
    );
}

#[tokio::test]
async fn unknown_connector_gives_the_jvm_404s() {
    let h = offline();
    h.start().await.unwrap();
    let nf = HerderError::NotFound("Connector nope not found".into());
    assert_eq!(h.connector_info("nope").await.unwrap_err(), nf);
    assert_eq!(h.connector_config("nope").await.unwrap_err(), nf);
    assert_eq!(h.task_infos("nope").await.unwrap_err(), nf);
    assert_eq!(h.delete_connector("nope").await.unwrap_err(), nf);
    assert_eq!(h.connector_offsets("nope").await.unwrap_err(), nf);
    assert_eq!(
        h.patch_connector_config("nope", IndexMap::new())
            .await
            .unwrap_err(),
        nf
    );
    assert_eq!(
        h.connector_status("nope").await.unwrap_err(),
        HerderError::NotFound("No status found for connector nope".into())
    );
    assert_eq!(
        h.pause_connector("nope").await.unwrap_err(),
        HerderError::NotFound("Unknown connector nope".into())
    );
    assert_eq!(
        h.task_status("nope", 3).await.unwrap_err(),
        HerderError::NotFound("Unknown task: nope-3".into())
    );
    assert!(h.connectors().await.is_empty());
}

#[tokio::test]
async fn invalid_config_is_rejected_before_anything_runs() {
    let h = offline();
    let mut c = source("bad", &[]);
    c.shift_remove("required.key");
    let err = h
        .put_connector_config("bad", c, false, None)
        .await
        .unwrap_err();
    let HerderError::BadRequest(msg) = err else {
        panic!("expected 400: {err:?}")
    };
    assert!(msg.starts_with(
        "Connector configuration is invalid and contains the following 1 error(s):\nrequired.key: Missing required configuration \"required.key\""
    ), "{msg}");

    let err = h
        .put_connector_config(
            "bad",
            cfg(&[("connector.class", "TestSourceConector")]),
            false,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Did you mean: org.example.TestSourceConnector"),
        "{err}"
    );

    let err = h
        .put_connector_config(
            "a",
            cfg(&[("name", "b"), ("connector.class", SOURCE_CLASS)]),
            true,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        HerderError::BadRequest(
            "Connector name configuration (b) doesn't match connector name in the URL (a)".into()
        )
    );
    assert!(h.connectors().await.is_empty());
}

#[tokio::test]
async fn validate_checks_the_request_type() {
    let h = offline();
    let mut c = source("v", &[]);
    let missing_name = h.validate(None, &c).await.unwrap();
    assert_eq!(missing_name.error_count, 1);
    c.insert("name".into(), "v".into());
    let err = h.validate(Some("TestSink"), &c).await.unwrap_err();
    assert_eq!(
        err,
        HerderError::BadRequest(format!(
            "Included connector type {SOURCE_CLASS} does not match request type TestSink"
        ))
    );
    let ok = h.validate(Some("TestSourceConnector"), &c).await.unwrap();
    assert_eq!(ok.error_count, 0);
    let keys = h.plugin_config("TestSink").unwrap();
    assert!(keys.iter().any(|k| k.name == "topics.regex"));
    assert_eq!(
        h.plugin_config("Nope").unwrap_err(),
        HerderError::NotFound("Unknown plugin Nope.".into())
    );
    let _ = SINK_CLASS;
}

#[tokio::test]
async fn stopped_connector_is_created_without_running_anything() {
    // STOPPED never reaches the worker's start paths.
    let h = offline();
    let created = h
        .put_connector_config("s", source("s", &[]), false, Some(TargetState::Stopped))
        .await
        .unwrap();
    assert!(created.created);
    assert_eq!(created.value.connector_type, "source");
    assert!(created.value.tasks.is_empty());
    assert_eq!(
        created.value.config.get("name").map(String::as_str),
        Some("s")
    );
    let status = h.connector_status("s").await.unwrap();
    assert_eq!(status.connector.state, State::Stopped);
    assert!(status.tasks.is_empty());
    let err = h
        .put_connector_config("s", source("s", &[]), false, None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        HerderError::Conflict("Connector s already exists".into())
    );
    let err = h
        .alter_offsets("s", ConnectorOffsets::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        HerderError::BadRequest(
            "Partitions / offsets need to be provided for an alter offsets request".into()
        )
    );
}

#[tokio::test]
#[ignore = "needs Worker"]
async fn lifecycle_create_status_pause_resume_stop_delete() {
    let broker = Tansu::start();
    let h = herder(&broker.bootstrap, Arc::new(MemoryConfigStore::new()));
    h.start().await.unwrap();
    let created = h
        .put_connector_config("life", source("life", &[("tasks.max", "2")]), false, None)
        .await
        .unwrap();
    assert!(created.created);
    assert_eq!(created.value.tasks.len(), 2);
    let s = wait_status(&h, "life", "RUNNING", |s| all_running(s, 2)).await;
    assert_eq!(s.connector.worker_id, "127.0.0.1:8083");
    assert_eq!(s.tasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(h.task_infos("life").await.unwrap().len(), 2);

    h.pause_connector("life").await.unwrap();
    wait_status(&h, "life", "PAUSED", |s| {
        s.connector.state == State::Paused && s.tasks.iter().all(|t| t.state == State::Paused)
    })
    .await;
    h.resume_connector("life").await.unwrap();
    wait_status(&h, "life", "RUNNING again", |s| all_running(s, 2)).await;

    // Offsets may only change when STOPPED.
    let body: ConnectorOffsets = serde_json::from_value(json!({"offsets":[
        {"partition":{"p":"a"},"offset":{"o":1}}]}))
    .unwrap();
    assert_eq!(
        h.alter_offsets("life", body.clone()).await.unwrap_err(),
        HerderError::BadRequest("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/life/stop' endpoint".into())
    );
    h.stop_connector("life").await.unwrap();
    let s = h.connector_status("life").await.unwrap();
    assert_eq!(s.connector.state, State::Stopped);
    assert!(s.tasks.is_empty());
    assert!(h.task_infos("life").await.unwrap().is_empty());
    assert_eq!(
        h.alter_offsets("life", body).await.unwrap(),
        "The offsets for this connector have been altered successfully"
    );
    let offsets = h.connector_offsets("life").await.unwrap();
    assert_eq!(offsets.offsets.len(), 1);
    assert_eq!(
        h.reset_offsets("life").await.unwrap(),
        "The offsets for this connector have been reset successfully"
    );
    assert!(h
        .connector_offsets("life")
        .await
        .unwrap()
        .offsets
        .is_empty());

    // Resume from STOPPED starts the tasks again.
    h.resume_connector("life").await.unwrap();
    wait_status(&h, "life", "RUNNING after STOPPED", |s| all_running(s, 2)).await;

    // PATCH merges (None deletes) and restarts with the new task count.
    let mut patch = IndexMap::new();
    patch.insert("tasks.max".to_string(), Some("1".to_string()));
    patch.insert("unused.key".to_string(), None);
    let info = h.patch_connector_config("life", patch).await.unwrap();
    assert_eq!(info.config.get("tasks.max").map(String::as_str), Some("1"));
    wait_status(&h, "life", "one task", |s| all_running(s, 1)).await;

    h.delete_connector("life").await.unwrap();
    assert_eq!(
        h.connector_info("life").await.unwrap_err(),
        HerderError::NotFound("Connector life not found".into())
    );
    h.stop().await;
}

#[tokio::test]
#[ignore = "needs Worker"]
async fn failures_show_in_status_with_traces() {
    let broker = Tansu::start();
    let h = herder(&broker.bootstrap, Arc::new(MemoryConfigStore::new()));
    h.start().await.unwrap();

    // A connector that fails to start is FAILED with its trace and runs no tasks.
    h.put_connector_config(
        "nostart",
        source("nostart", &[("fail.start", "true")]),
        false,
        None,
    )
    .await
    .unwrap();
    let s = wait_status(&h, "nostart", "FAILED", |s| {
        s.connector.state == State::Failed
    })
    .await;
    assert!(
        s.connector
            .trace
            .as_deref()
            .unwrap_or("")
            .contains("refused to start"),
        "{s:?}"
    );
    assert!(s.tasks.is_empty());

    // A failing task is FAILED with its trace; the others keep running.
    h.put_connector_config(
        "onebad",
        source("onebad", &[("tasks.max", "3"), ("fail.task", "1")]),
        false,
        None,
    )
    .await
    .unwrap();
    let s = wait_status(&h, "onebad", "task 1 FAILED", |s| {
        s.tasks.len() == 3
            && s.tasks[1].state == State::Failed
            && s.tasks[0].state == State::Running
            && s.tasks[2].state == State::Running
    })
    .await;
    assert!(s.tasks[1]
        .trace
        .as_deref()
        .unwrap_or("")
        .contains("TestSourceTask refused"));
    assert!(s.tasks[0].trace.is_none());
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["tasks"][0].get("trace").is_none(), "{json}");

    // KIP-745: only failed tasks are scheduled, shown RESTARTING in the 202 body.
    let plan = h
        .restart_connector("onebad", true, true)
        .await
        .unwrap()
        .expect("202 body");
    assert_eq!(plan.connector.state, State::Running);
    assert_eq!(plan.tasks[1].state, State::Restarting);
    assert_eq!(plan.tasks[0].state, State::Running);
    // Both flags false: legacy restart, 204.
    assert!(h
        .restart_connector("onebad", false, false)
        .await
        .unwrap()
        .is_none());
    h.restart_task("onebad", 0).await.unwrap();
    assert_eq!(
        h.restart_task("onebad", 7).await.unwrap_err(),
        HerderError::NotFound("Unknown task: onebad-7".into())
    );
    h.stop().await;
}

#[tokio::test]
#[ignore = "needs Worker"]
async fn restart_of_the_worker_restores_connectors_in_their_target_states() {
    let broker = Tansu::start();
    let dir = tempfile::tempdir().unwrap();
    let path = FileConfigStore::path_beside(&dir.path().join("offsets"));
    {
        let h = herder(
            &broker.bootstrap,
            Arc::new(FileConfigStore::open(&path).unwrap()),
        );
        h.start().await.unwrap();
        h.put_connector_config("run", source("run", &[]), false, None)
            .await
            .unwrap();
        h.put_connector_config(
            "paused",
            source("paused", &[]),
            false,
            Some(TargetState::Paused),
        )
        .await
        .unwrap();
        h.put_connector_config("stopped", source("stopped", &[]), false, None)
            .await
            .unwrap();
        h.stop_connector("stopped").await.unwrap();
        wait_status(&h, "run", "RUNNING", |s| all_running(s, 1)).await;
        h.stop().await;
    }
    let h = herder(
        &broker.bootstrap,
        Arc::new(FileConfigStore::open(&path).unwrap()),
    );
    h.start().await.unwrap();
    assert_eq!(h.connectors().await, vec!["paused", "run", "stopped"]);
    wait_status(&h, "run", "RUNNING", |s| all_running(s, 1)).await;
    wait_status(&h, "paused", "PAUSED", |s| {
        s.connector.state == State::Paused
    })
    .await;
    let s = h.connector_status("stopped").await.unwrap();
    assert_eq!(s.connector.state, State::Stopped);
    h.stop().await;
}

#[tokio::test]
async fn stopped_connectors_persist_across_a_restart_and_delete_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = FileConfigStore::path_beside(&dir.path().join("offsets"));
    {
        let h = herder(
            "127.0.0.1:1",
            Arc::new(FileConfigStore::open(&path).unwrap()),
        );
        h.start().await.unwrap();
        for name in ["b", "a", "gone"] {
            h.put_connector_config(name, source(name, &[]), false, Some(TargetState::Stopped))
                .await
                .unwrap();
        }
        h.delete_connector("gone").await.unwrap();
    }
    let h = herder(
        "127.0.0.1:1",
        Arc::new(FileConfigStore::open(&path).unwrap()),
    );
    assert!(h.connectors().await.is_empty(), "nothing before start");
    h.start().await.unwrap();
    assert_eq!(h.connectors().await, vec!["a", "b"]);
    let info = h.connector_info("a").await.unwrap();
    assert_eq!(
        info.config.get("required.key").map(String::as_str),
        Some("x")
    );
    assert_eq!(
        h.connector_status("b").await.unwrap().connector.state,
        State::Stopped
    );
}
