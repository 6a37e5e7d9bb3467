//! Every file in `config-examples/` is valid: YAML and JSON parse, the docker compose stack
//! references only files that exist (build context, Dockerfile, mounted configs), Prometheus
//! and Grafana reference metrics the worker exports, and every connector config whose class
//! is built in passes `/validate` on a live worker. Docker itself cannot run here.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use ferroconnect_runtime::herder::ConnectorTaskId;
use ferroconnect_runtime::metrics::{StatusSource, WorkerMetrics};
use serde_json::{json, Value as Json};
use serde_yaml::Value as Yaml;

/// Connector examples whose validation needs the compose stack's services (PostgreSQL):
/// checked for shape only.
const NEEDS_STACK: &[&str] = &["connectors/jdbc-postgres-users-source.json"];

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config-examples")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
    out.sort();
}

fn all_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(&examples(), &mut out);
    out
}

fn ext(p: &Path) -> &str {
    p.extension().and_then(|e| e.to_str()).unwrap_or("")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(examples()).unwrap().display().to_string()
}

fn yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_file(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_yaml_and_json_file_parses() {
    let mut seen = 0;
    for path in all_files() {
        match ext(&path) {
            "yml" | "yaml" => {
                assert!(yaml(&path).is_mapping(), "{} is not a mapping", rel(&path));
                seen += 1;
            }
            "json" => {
                assert!(
                    json_file(&path).is_object(),
                    "{} is not an object",
                    rel(&path)
                );
                seen += 1;
            }
            _ => {}
        }
    }
    assert!(seen >= 10, "only {seen} YAML/JSON files found");
}

fn str_of(v: &Yaml) -> String {
    match v {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

#[test]
fn docker_compose_references_only_existing_files() {
    let dir = examples();
    let compose = yaml(&dir.join("docker-compose.yml"));
    let services = compose["services"].as_mapping().expect("services");
    let names: BTreeSet<String> = services.keys().map(str_of).collect();
    for want in [
        "kafka",
        "ferroconnect",
        "postgres",
        "clickhouse",
        "prometheus",
        "grafana",
    ] {
        assert!(names.contains(want), "service {want} missing: {names:?}");
    }
    let volumes: BTreeSet<String> = compose["volumes"]
        .as_mapping()
        .map(|m| m.keys().map(str_of).collect())
        .unwrap_or_default();
    for (name, svc) in services {
        let name = str_of(name);
        assert!(
            svc.get("image").is_some() || svc.get("build").is_some(),
            "{name}: neither image nor build"
        );
        if let Some(build) = svc.get("build") {
            let context = dir.join(str_of(&build["context"]));
            assert!(
                context.is_dir(),
                "{name}: build context {context:?} missing"
            );
            let dockerfile = context.join(str_of(&build["dockerfile"]));
            assert!(dockerfile.is_file(), "{name}: {dockerfile:?} missing");
            check_dockerfile(&dockerfile, &context);
        }
        for v in svc["volumes"].as_sequence().into_iter().flatten() {
            let spec = str_of(v);
            let source = spec.split(':').next().unwrap();
            if source.starts_with('.') || source.starts_with('/') {
                let host = dir.join(source);
                assert!(host.exists(), "{name}: mounted {source} does not exist");
            } else {
                assert!(
                    volumes.contains(source),
                    "{name}: volume {source} not declared"
                );
            }
        }
        if let Some(deps) = svc.get("depends_on") {
            let deps: Vec<String> = match deps {
                Yaml::Sequence(s) => s.iter().map(str_of).collect(),
                Yaml::Mapping(m) => m.keys().map(str_of).collect(),
                other => panic!("{name}: depends_on {other:?}"),
            };
            for d in deps {
                assert!(names.contains(&d), "{name} depends on unknown {d}");
            }
        }
    }
    let kafka = &services[&Yaml::from("kafka")];
    assert!(str_of(&kafka["image"]).starts_with("apache/kafka:"));
    assert!(
        str_of(&kafka["environment"]["KAFKA_PROCESS_ROLES"]).contains("controller"),
        "Kafka runs in KRaft mode"
    );
    assert!(str_of(&services[&Yaml::from("clickhouse")]["image"])
        .starts_with("clickhouse/clickhouse-server:"));
}

fn check_dockerfile(path: &Path, context: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("FROM rust:")),
        "build stage"
    );
    assert!(text
        .lines()
        .any(|l| l.starts_with("FROM debian:") && l.contains("slim")));
    assert!(text.contains("--bin ferroconnect"));
    assert!(text.lines().any(|l| l.starts_with("ENTRYPOINT")));
    for line in text
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            assert!(
                context.join(src).exists(),
                "Dockerfile copies {src}, which does not exist"
            );
        }
    }
}

#[test]
fn prometheus_scrapes_the_worker_metrics_port_and_loads_mounted_rules() {
    let dir = examples();
    let prom = yaml(&dir.join("prometheus.yml"));
    let job = &prom["scrape_configs"][0];
    assert_eq!(str_of(&job["metrics_path"]), "/metrics");
    let target = str_of(&job["static_configs"][0]["targets"][0]);
    let props = std::fs::read_to_string(dir.join("docker/worker.properties")).unwrap();
    let props = ferroconnect_runtime::config::properties::parse(&props);
    assert_eq!(props["bootstrap.servers"], "kafka:9092");
    let listener = &props["metrics.listener"];
    let port = listener.rsplit(':').next().unwrap();
    assert_eq!(target, format!("ferroconnect:{port}"));
    let compose = std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap();
    for rule in prom["rule_files"].as_sequence().unwrap() {
        let rule = str_of(rule);
        assert!(
            compose.contains(&format!(":{rule}:ro")),
            "rule file {rule} is not mounted"
        );
    }
}

struct OneOfEach;

impl StatusSource for OneOfEach {
    fn connector_states(&self) -> Vec<(String, ferroconnect_runtime::herder::State)> {
        vec![("c".into(), ferroconnect_runtime::herder::State::Running)]
    }
    fn task_states(&self) -> Vec<(ConnectorTaskId, ferroconnect_runtime::herder::State)> {
        vec![(task(), ferroconnect_runtime::herder::State::Running)]
    }
}

fn task() -> ConnectorTaskId {
    ConnectorTaskId {
        connector: "c".into(),
        task: 0,
    }
}

/// Every metric family name the worker exports (histograms with their series suffixes).
fn exported_names() -> BTreeSet<String> {
    let m = WorkerMetrics::new(true).unwrap();
    m.set_status_source(std::sync::Arc::new(OneOfEach));
    let id = task();
    let s = m.source_task(&id);
    s.freshness.record(1);
    m.sink_task(&id);
    m.task_errors(&id);
    let stats = m.client_stats(&id, "producer").unwrap();
    stats.apply(&ferroconnect_runtime::metrics::client::ClientFigures {
        batch_bytes: Some(1.0),
        batch_records: Some(1.0),
        compression: Some(1.0),
        latency: Some(1.0),
        queue_messages: 1.0,
        queue_bytes: 1.0,
        lag: Some(1.0),
    });
    let mut names = BTreeSet::new();
    for line in m.render().lines().filter(|l| l.starts_with("# TYPE ")) {
        let mut parts = line.split_whitespace().skip(2);
        let name = parts.next().unwrap().to_string();
        if parts.next() == Some("histogram") {
            for suffix in ["_bucket", "_sum", "_count"] {
                names.insert(format!("{name}{suffix}"));
            }
        }
        names.insert(name);
    }
    names
}

/// `kafka_connect_…` identifiers in a text.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("kafka_connect_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

#[test]
fn dashboard_and_alerts_use_only_exported_metrics() {
    let dir = examples();
    let exported = exported_names();
    let dashboard = json_file(&dir.join("grafana/dashboards/ferroconnect.json"));
    assert_eq!(dashboard["uid"], "ferroconnect");
    let mut exprs = String::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().unwrap() {
            exprs.push_str(t["expr"].as_str().unwrap());
            exprs.push('\n');
        }
    }
    let alerts = std::fs::read_to_string(dir.join("prometheus-alerts.yml")).unwrap();
    let used = metric_names(&(exprs + &alerts));
    assert!(used.len() >= 15, "dashboard uses few metrics: {used:?}");
    let unknown: Vec<&String> = used.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "not exported by the worker: {unknown:?}"
    );
    // Provisioning points Grafana at the mounted dashboards and the Prometheus service.
    let provider = yaml(&dir.join("grafana/provisioning/dashboards/ferroconnect.yml"));
    let path = str_of(&provider["providers"][0]["options"]["path"]);
    let compose = std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap();
    assert!(compose.contains(&format!("./grafana/dashboards:{path}:ro")));
    let ds = yaml(&dir.join("grafana/provisioning/datasources/prometheus.yml"));
    assert_eq!(
        str_of(&ds["datasources"][0]["url"]),
        "http://prometheus:9090"
    );
    assert_eq!(
        str_of(&ds["datasources"][0]["uid"]),
        dashboard["panels"][0]["datasource"]["uid"]
            .as_str()
            .unwrap()
    );
}

/// (relative path, connector config) of every connector example.
fn connector_examples() -> Vec<(String, serde_json::Map<String, Json>)> {
    let mut out = Vec::new();
    for path in all_files() {
        let config = match ext(&path) {
            "json" => {
                let v = json_file(&path);
                // `{"name", "config"}` (POST /connectors) or a flat map; the name joins the
                // config as it does when the connector is created.
                let c = if v.get("config").is_some() {
                    let mut c = v["config"].clone();
                    if let (Some(m), Some(name)) = (c.as_object_mut(), v.get("name")) {
                        m.entry("name").or_insert(name.clone());
                    }
                    c
                } else {
                    v
                };
                match c {
                    Json::Object(m) if m.contains_key("connector.class") => m,
                    _ => continue,
                }
            }
            "properties" => {
                let text = std::fs::read_to_string(&path).unwrap();
                let props = ferroconnect_runtime::config::properties::parse(&text);
                if !props.contains_key("connector.class") {
                    continue;
                }
                props
                    .into_iter()
                    .map(|(k, v)| (k, Json::String(v)))
                    .collect()
            }
            _ => continue,
        };
        out.push((rel(&path), config));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_built_in_connector_example_passes_validate() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let examples = connector_examples();
    assert!(examples.len() >= 5, "{examples:?}");
    let mut validated = 0;
    for (path, mut config) in examples {
        let class = config["connector.class"].as_str().unwrap().to_string();
        if NEEDS_STACK.contains(&path.as_str()) {
            assert!(config.contains_key("tasks.max"), "{path}: tasks.max");
            continue;
        }
        // Local paths of the examples point into a scratch directory here.
        if let Some(file) = config.get("file").and_then(|f| f.as_str()) {
            let name = Path::new(file).file_name().unwrap().to_string_lossy();
            config.insert("file".into(), json!(w.path(&name).display().to_string()));
        }
        let r = w
            .put(
                &format!("/connector-plugins/{class}/config/validate"),
                &Json::Object(config),
            )
            .await;
        assert_eq!(
            r.status, 200,
            "{path}: {:?} (a class that is not built in belongs in NEEDS_STACK and the README)",
            r.body
        );
        assert_eq!(r.body["error_count"], 0, "{path}: {:#}", r.body);
        validated += 1;
    }
    assert!(validated >= 4, "validated only {validated} examples");
}
