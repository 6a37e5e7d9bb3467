//! End to end over the real binary: config providers (`${env:…}`, `${file:…}`) resolve when
//! tasks start and never leak into logs or REST answers; a FAILED task heals itself with
//! `task.auto.restart.enable=true` once its cause is gone; an HTTPS listener with basic auth
//! (beside a plain HTTP listener) rejects and accepts what it must.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const PROVIDERS: &[(&str, &str)] = &[
    ("config.providers", "env,file"),
    (
        "config.providers.env.class",
        "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    ),
    (
        "config.providers.file.class",
        "org.apache.kafka.common.config.provider.FileConfigProvider",
    ),
];

/// Every REST answer that could show a connector's config or state, as one string.
async fn rest_outputs(w: &WorkerProc, name: &str) -> String {
    let mut all = String::new();
    for path in [
        format!("/connectors/{name}"),
        format!("/connectors/{name}/config"),
        format!("/connectors/{name}/status"),
        format!("/connectors/{name}/tasks"),
        format!("/connectors/{name}/tasks/0/status"),
        format!("/connectors/{name}/offsets"),
        format!("/connectors/{name}/topics"),
        "/connectors?expand=info&expand=status".to_string(),
    ] {
        let r = w.get(&path).await;
        all.push_str(&format!("{path} -> {} {}\n", r.status, r.body));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_and_file_references_resolve_at_task_start_and_never_leak() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let topic = unique("providers");
    kafka.create_topic(&topic, 1).await;

    let secret = format!("pw-{}", unique("S3CR3T"));
    let token = unique("TOKEN");
    let env_secret = format!("FERRO_E2E_SECRET_{}", std::process::id());
    let env_topic = format!("FERRO_E2E_TOPIC_{}", std::process::id());
    std::env::set_var(&env_secret, &secret);
    std::env::set_var(&env_topic, &topic);

    let w = WorkerProc::start(&broker.bootstrap, PROVIDERS, &[]).await;
    let out = w.path(&format!("out-{token}.txt"));
    let secrets = w.path("secrets.properties");
    std::fs::write(
        &secrets,
        format!(
            "sink.path={}\napi.token={token}\nsrc.dir={}\n",
            out.display(),
            w.path(&format!("dir-{token}")).display()
        ),
    )
    .unwrap();
    let file_ref = format!("${{file:{}:sink.path}}", secrets.display());
    let env_ref = format!("${{env:{env_secret}}}");
    let raw = json!({
        "connector.class": "FileStreamSink", "tasks.max": "1",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "topics": format!("${{env:{env_topic}}}"),
        "file": file_ref,
        "connection.password": env_ref,
        "api.token": format!("${{file:{}:api.token}}", secrets.display()),
    });
    w.create("sink", raw.clone()).await;
    w.wait_state("sink", "RUNNING", 1).await;
    kafka
        .produce(&topic, &[(None, "\"one\""), (None, "\"two\"")])
        .await;
    let deadline = Instant::now() + DEADLINE;
    let written = loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.lines().count() >= 2 {
            break text;
        }
        if Instant::now() > deadline {
            let status = w.get("/connectors/sink/status").await;
            panic!(
                "the sink wrote nothing to {}: {}\nlog:\n{}",
                out.display(),
                status.body,
                w.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(written, "one\ntwo\n");

    // Offsets are read with the resolved config (the topic came from the environment).
    wait_for("the sink's committed offsets", DEADLINE, || async {
        let r = w.get("/connectors/sink/offsets").await;
        (r.status == 200 && r.body["offsets"][0]["partition"]["kafka_topic"] == topic.as_str())
            .then_some(())
    })
    .await;

    // The stored and shown config keeps the references.
    let r = w.get("/connectors/sink/config").await;
    assert_eq!(r.body["file"], raw["file"]);
    assert_eq!(r.body["connection.password"], raw["connection.password"]);
    let tasks = w.get("/connectors/sink/tasks").await;
    assert_eq!(
        tasks.body[0]["config"]["file"], raw["file"],
        "{}",
        tasks.body
    );
    let validate = w
        .put("/connector-plugins/FileStreamSink/config/validate", &raw)
        .await;

    // A failure whose message holds a resolved value shows it as [hidden] (the source's file
    // is a directory named after the secret).
    std::fs::create_dir(w.path(&format!("dir-{token}"))).unwrap();
    w.create(
        "leaky-src",
        json!({"connector.class": "FileStreamSource", "tasks.max": "1", "topic": topic,
               "file": format!("${{file:{}:src.dir}}", secrets.display())}),
    )
    .await;
    let failed = wait_for("leaky-src's task to fail", DEADLINE, || async {
        let r = w.get("/connectors/leaky-src/tasks/0/status").await;
        (r.body["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = failed["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("[hidden]"), "{trace}");

    let outputs = format!(
        "{}\n{}\n{}",
        rest_outputs(&w, "sink").await,
        rest_outputs(&w, "leaky-src").await,
        validate.body
    );
    let stored =
        std::fs::read_to_string(w.path("connect.offsets.connectors.json")).unwrap_or_default();
    for (what, text) in [
        ("REST", outputs.as_str()),
        ("log", &w.log()),
        ("config store", &stored),
    ] {
        for s in [secret.as_str(), token.as_str()] {
            assert!(!text.contains(s), "{what} leaks the secret {s}:\n{text}");
        }
    }
    assert!(stored.contains(&env_ref), "{stored}");

    // A reference that cannot be resolved is refused at create time, naming the key...
    let bad = json!({
        "connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic,
        "file": format!("${{file:{}:no.such.key}}", secrets.display()),
    });
    let r = w.put("/connectors/bad-key/config", &bad).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let msg = r.body["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("configuration file") && msg.contains("no.such.key"),
        "{msg}"
    );
    assert!(!msg.contains(&token), "{msg}");
    let r = w
        .put(
            "/connectors/bad-provider/config",
            &json!({"connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic,
                    "file": "${vault:secret/data/db:path}"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no config provider named 'vault'"),
        "{}",
        r.body
    );

    // ...and fails the connector when it no longer resolves at start (the secret was removed).
    let rotating = w.path("rotating.properties");
    std::fs::write(
        &rotating,
        format!("path={}\n", w.path("rotating.txt").display()),
    )
    .unwrap();
    w.create(
        "rotating",
        json!({"connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic,
               "file": format!("${{file:{}:path}}", rotating.display())}),
    )
    .await;
    w.wait_state("rotating", "RUNNING", 1).await;
    std::fs::write(&rotating, "other=1\n").unwrap();
    let r = w.post_empty("/connectors/rotating/restart").await;
    assert!(r.status < 300, "{}", r.body);
    let status = wait_for("rotating to fail", DEADLINE, || async {
        let r = w.get("/connectors/rotating/status").await;
        (r.body["connector"]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["connector"]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("configuration file") && trace.contains("has no key 'path'"),
        "{trace}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_task_restarts_itself_once_the_cause_is_fixed() {
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let topic = unique("healing");
    kafka.create_topic(&topic, 1).await;
    let w = WorkerProc::start(
        &broker.bootstrap,
        &[
            ("task.auto.restart.enable", "true"),
            ("task.auto.restart.initial.backoff.ms", "200"),
            ("task.auto.restart.max.backoff.ms", "1000"),
        ],
        &[],
    )
    .await;
    // The source's file is a directory: reading it fails the task.
    let input = w.path("input");
    std::fs::create_dir(&input).unwrap();
    w.create(
        "src",
        json!({"connector.class": "FileStreamSource", "tasks.max": "1",
               "file": input.display().to_string(), "topic": topic}),
    )
    .await;
    let status = wait_for("the task to fail", DEADLINE, || async {
        let r = w.get("/connectors/src/tasks/0/status").await;
        (r.body["state"] == "FAILED").then_some(r.body)
    })
    .await;
    assert!(
        status["trace"]
            .as_str()
            .unwrap_or_default()
            .contains("input"),
        "{status}"
    );
    wait_for("an automatic restart", DEADLINE, || async {
        w.log().contains("restarting FAILED task").then_some(())
    })
    .await;
    wait_for(
        "the restart to be counted in /metrics",
        DEADLINE,
        || async {
            let text = w.get_text("/metrics").await;
            text.lines()
                .filter(|l| l.starts_with("kafka_connect_task_auto_restarts{"))
                .filter(|l| l.contains("connector=\"src\"") && l.contains("task=\"0\""))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .any(|n| n >= 1)
                .then_some(())
        },
    )
    .await;

    // Fix the cause: the directory becomes a file with lines.
    std::fs::remove_dir(&input).unwrap();
    append_lines(&input, (0..3).map(|i| format!("healed {i}")));
    let got = kafka.consume(&topic, 3);
    assert!(
        got[2].value_str().contains("healed 2"),
        "{}",
        got[2].value_str()
    );
    w.wait_state("src", "RUNNING", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_auto_restart_a_failed_task_stays_failed() {
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let input = w.path("input");
    std::fs::create_dir(&input).unwrap();
    w.create(
        "src",
        json!({"connector.class": "FileStreamSource", "tasks.max": "1",
               "file": input.display().to_string(), "topic": unique("nohealing")}),
    )
    .await;
    wait_for("the task to fail", DEADLINE, || async {
        let r = w.get("/connectors/src/tasks/0/status").await;
        (r.body["state"] == "FAILED").then_some(())
    })
    .await;
    std::fs::remove_dir(&input).unwrap();
    append_lines(&input, ["x".to_string()]);
    // The JVM default: nothing restarts it (checked over a few of the backoffs used above).
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        let r = w.get("/connectors/src/tasks/0/status").await;
        assert_eq!(r.body["state"], "FAILED", "{}", r.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!w.log().contains("restarting FAILED task"));
}

/// A worker on an HTTPS listener (spawned directly: the shared rig speaks plain HTTP).
struct HttpsWorker {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for HttpsWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl HttpsWorker {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("worker.log")).unwrap_or_default()
    }
}

fn write_pem(dir: &Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_path = dir.join("rest.crt.pem");
    let key_path = dir.join("rest.key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    (cert.pem(), cert_path, key_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_listener_with_basic_auth_rejects_and_accepts() {
    let broker = Tansu::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let http_port = free_port();
    let (cert_pem, cert_path, key_path) = write_pem(dir.path());
    let creds = dir.path().join("credentials.properties");
    std::fs::write(&creds, "admin: adm1n-pw\nviewer: v1ew\n").unwrap();
    let props = format!(
        "bootstrap.servers={}\nlisteners=https://127.0.0.1:{port},http://127.0.0.1:{http_port}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         offset.storage.file.filename={}\n\
         listeners.https.ssl.certificate.location={}\n\
         listeners.https.ssl.key.location={}\n\
         rest.basic.auth.credentials.file={}\n\
         access.control.allow.origin=https://ui.example.com\n\
         access.control.allow.methods=GET,PUT\n",
        broker.bootstrap,
        dir.path().join("connect.offsets").display(),
        cert_path.display(),
        key_path.display(),
        creds.display()
    );
    let worker_props = dir.path().join("worker.properties");
    std::fs::write(&worker_props, props).unwrap();
    let log = std::fs::File::create(dir.path().join("worker.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ferroconnect"))
        .arg("standalone")
        .arg(&worker_props)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start ferroconnect");
    let mut w = HttpsWorker { child, dir };

    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = |p: &str| format!("https://localhost:{port}{p}");
    let deadline = Instant::now() + DEADLINE;
    let first = loop {
        if let Ok(r) = client.get(url("/connectors")).send().await {
            break r;
        }
        if let Ok(Some(status)) = w.child.try_wait() {
            panic!("worker exited with {status}; log:\n{}", w.log());
        }
        assert!(
            Instant::now() < deadline,
            "no HTTPS listener; log:\n{}",
            w.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(first.status().as_u16(), 401);
    assert_eq!(
        first.headers()["www-authenticate"],
        "Basic realm=\"KafkaConnect\""
    );
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["error_code"], 401, "{body}");
    assert!(body["message"].is_string(), "{body}");

    let wrong = client
        .get(url("/connectors"))
        .basic_auth("admin", Some("guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);

    let ok = client
        .get(url("/connectors"))
        .basic_auth("admin", Some("adm1n-pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap(), json!([]));
    let created = client
        .put(url("/connectors/sink/config"))
        .basic_auth("viewer", Some("v1ew"))
        .json(
            &json!({"connector.class": "FileStreamSink", "tasks.max": "1",
                      "topics": unique("https"),
                      "file": w.dir.path().join("out.txt").display().to_string()}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    // CORS preflight needs no credentials.
    let preflight = client
        .request(reqwest::Method::OPTIONS, url("/connectors"))
        .header("Origin", "https://ui.example.com")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 200);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://ui.example.com"
    );

    // Plain HTTP and clients that do not trust the certificate get nowhere.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .unwrap();
    assert!(untrusting.get(url("/")).send().await.is_err());
    // The plain HTTP listener beside it has the same API and the same basic auth.
    let http = reqwest::Client::new();
    let r = http
        .get(format!("http://127.0.0.1:{http_port}/connectors"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = http
        .get(format!("http://127.0.0.1:{http_port}/connectors"))
        .basic_auth("admin", Some("adm1n-pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!(["sink"]));
    assert!(!w.log().contains("adm1n-pw"));
    let _ = w.child.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_task_log_lines_carry_connector_and_task() {
    let broker = Tansu::start();
    // Global CLI flags may follow the connector files.
    let w = WorkerProc::start(
        &broker.bootstrap,
        &[],
        &[std::path::PathBuf::from("--log-format=json")],
    )
    .await;
    let missing = w.path("not-yet.txt");
    w.create(
        "src",
        json!({"connector.class": "FileStreamSource", "tasks.max": "1",
               "file": missing.display().to_string(), "topic": unique("logs")}),
    )
    .await;
    let line = wait_for("a JSON log line from the task loop", DEADLINE, || async {
        w.log().lines().find_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            let msg = v["fields"]["message"].as_str()?;
            msg.contains("Couldn't find file").then_some(v)
        })
    })
    .await;
    assert_eq!(line["span"]["name"], "task", "{line}");
    assert_eq!(line["span"]["connector"], "src", "{line}");
    assert_eq!(line["span"]["task"], 0, "{line}");
    assert_eq!(line["level"], "WARN", "{line}");
}
