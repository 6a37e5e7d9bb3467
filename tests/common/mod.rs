//! End-to-end test rig: a Tansu broker and the `ferroconnect` binary as subprocesses on free
//! loopback ports, driven over HTTP only, plus Kafka helpers. Everything a test starts is
//! stopped when its handle drops; nothing else is touched.
#![allow(dead_code)]

pub mod ch_sink;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, FutureProducer, FutureRecord};
use rdkafka::TopicPartitionList;
use serde_json::Value as Json;

pub use ferroconnect_runtime::testkit::{free_port, Tansu};

/// Default deadline for anything a test waits on: generous, because CI runs two tests at a
/// time on two cores next to the brokers, databases and ClickHouse servers they start.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Polls `check` until it returns `Some`, failing the test with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A `ferroconnect standalone` process with its own directory, port and log.
pub struct WorkerProc {
    child: Option<Child>,
    /// Directory holding worker.properties, offsets, connector configs and the log.
    pub dir: tempfile::TempDir,
    /// REST port.
    pub port: u16,
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    http: reqwest::Client,
    extra_args: Vec<String>,
    /// Time from process spawn to the first successful `GET /` of the last start.
    pub startup: Duration,
}

/// A REST response: status code and JSON body (`Json::Null` when empty).
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Parsed body.
    pub body: Json,
    /// Location header, if any.
    pub location: Option<String>,
}

impl WorkerProc {
    /// Starts a worker against `bootstrap` with the default test settings plus `extra`
    /// worker properties (`key=value` lines) and connector files as extra CLI arguments.
    pub async fn start(
        bootstrap: &str,
        extra: &[(&str, &str)],
        connector_files: &[PathBuf],
    ) -> WorkerProc {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut props = format!(
            "bootstrap.servers={bootstrap}\n\
             listeners=http://127.0.0.1:{port}\n\
             key.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             offset.storage.file.filename={}\n\
             offset.flush.interval.ms=500\n\
             consumer.session.timeout.ms=6000\n\
             consumer.heartbeat.interval.ms=1000\n",
            dir.path().join("connect.offsets").display()
        );
        for (k, v) in extra {
            props.push_str(&format!("{k}={v}\n"));
        }
        std::fs::write(dir.path().join("worker.properties"), props)
            .expect("write worker.properties");
        let mut w = WorkerProc {
            child: None,
            dir,
            port,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            extra_args: connector_files
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            startup: Duration::ZERO,
        };
        w.spawn().await;
        w
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A `/proc/<pid>/status` figure in KiB (`VmRSS`, `VmHWM`), while running.
    pub fn proc_status_kib(&self, field: &str) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// CPU seconds (user + system) the worker used so far, from `/proc/<pid>/stat`; 0 when
    /// not running. Benchmarks compare this per record: it varies less than wall time on a
    /// shared machine.
    pub fn cpu_seconds(&self) -> f64 {
        let Some(pid) = self.pid() else { return 0.0 };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start after the last ')'.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = [11, 12]
            .iter()
            .filter_map(|i| f.get(*i).and_then(|v| v.parse::<f64>().ok()))
            .sum();
        ticks / 100.0
    }

    /// Path of a file inside the worker's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The worker's log so far (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("worker.log")).unwrap_or_default()
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("worker.log"))
            .expect("open worker.log");
        let spawned_at = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_ferroconnect"))
            .arg("standalone")
            .arg(self.path("worker.properties"))
            .args(&self.extra_args)
            .env(
                "RUST_LOG",
                std::env::var("FERRO_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .expect("start ferroconnect");
        self.child = Some(child);
        let url = format!("{}/", self.url);
        let http = self.http.clone();
        let log_path = self.path("worker.log");
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Ok(r) = http.get(&url).send().await {
                if r.status().is_success() {
                    self.startup = spawned_at.elapsed();
                    return;
                }
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!(
                        "ferroconnect exited with {status} before serving REST; log:\n{}",
                        std::fs::read_to_string(&log_path).unwrap_or_default()
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "ferroconnect did not serve REST within {DEADLINE:?}; log:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the worker with SIGTERM and waits for it to exit (graceful shutdown).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + DEADLINE;
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    assert!(
                        status.success(),
                        "worker exited with {status} on SIGTERM; log:\n{}",
                        self.log()
                    );
                    return;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "worker did not stop within {DEADLINE:?} of SIGTERM; log:\n{}",
                        self.log()
                    );
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// Kills the worker with SIGKILL (a crash).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops (SIGTERM) and starts the worker again with the same directory and port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let r = req.send().await.expect("HTTP request");
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = r.text().await.expect("HTTP body");
        let body = if text.is_empty() {
            Json::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("non-JSON body ({e}): {text}"))
        };
        Resp {
            status,
            body,
            location,
        }
    }

    /// GET a path's body as text (e.g. `/metrics`).
    pub async fn get_text(&self, path: &str) -> String {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("HTTP request");
        r.text().await.expect("HTTP body")
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.http.get(format!("{}{path}", self.url)))
            .await
    }
    /// DELETE a path.
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.http.delete(format!("{}{path}", self.url)))
            .await
    }
    /// PUT JSON.
    pub async fn put(&self, path: &str, body: &Json) -> Resp {
        self.send(self.http.put(format!("{}{path}", self.url)).json(body))
            .await
    }
    /// PUT with no body.
    pub async fn put_empty(&self, path: &str) -> Resp {
        self.send(self.http.put(format!("{}{path}", self.url)))
            .await
    }
    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Json) -> Resp {
        self.send(self.http.post(format!("{}{path}", self.url)).json(body))
            .await
    }
    /// POST with no body.
    pub async fn post_empty(&self, path: &str) -> Resp {
        self.send(self.http.post(format!("{}{path}", self.url)))
            .await
    }
    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: &Json) -> Resp {
        self.send(self.http.patch(format!("{}{path}", self.url)).json(body))
            .await
    }
    /// Sends raw bytes with a method and content type.
    pub async fn raw(&self, method: reqwest::Method, path: &str, body: &'static str) -> Resp {
        self.send(
            self.http
                .request(method, format!("{}{path}", self.url))
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// Creates a connector with PUT /config and asserts 201.
    pub async fn create(&self, name: &str, config: Json) -> Resp {
        let r = self
            .put(&format!("/connectors/{name}/config"), &config)
            .await;
        assert_eq!(r.status, 201, "create {name}: {:?}", r.body);
        r
    }

    /// Waits until the connector and `tasks` tasks are all in `state`.
    pub async fn wait_state(&self, name: &str, state: &str, tasks: usize) -> Json {
        let path = format!("/connectors/{name}/status");
        wait_for(
            &format!("{name} to be {state} with {tasks} tasks"),
            DEADLINE,
            || async {
                let r = self.get(&path).await;
                let t = r.body["tasks"].as_array().cloned().unwrap_or_default();
                (r.status == 200
                    && r.body["connector"]["state"] == state
                    && t.len() == tasks
                    && t.iter().all(|t| t["state"] == state))
                .then_some(r.body)
            },
        )
        .await
    }
}

impl Drop for WorkerProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A test's Kafka helpers over one broker.
pub struct Kafka {
    /// Bootstrap servers.
    pub bootstrap: String,
}

/// A consumed record: key, value, headers (as UTF-8 lossy strings) and its offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumed {
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Headers.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Offset.
    pub offset: i64,
}

impl Consumed {
    /// The value as a string.
    pub fn value_str(&self) -> String {
        String::from_utf8_lossy(self.value.as_deref().unwrap_or_default()).into_owned()
    }
}

impl Kafka {
    /// Helpers for the broker at `bootstrap`.
    pub fn new(bootstrap: &str) -> Kafka {
        Kafka {
            bootstrap: bootstrap.to_string(),
        }
    }

    /// Deletes a topic (drop any consumer of it first: librdkafka can crash otherwise).
    pub async fn delete_topic(&self, topic: &str) {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()
            .expect("admin client");
        let res = admin
            .delete_topics(&[topic], &AdminOptions::new())
            .await
            .expect("delete_topics");
        for r in res {
            if let Err((t, e)) = r {
                panic!("delete topic {t}: {e}");
            }
        }
    }

    /// Creates a topic with `partitions` partitions.
    pub async fn create_topic(&self, topic: &str, partitions: i32) {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()
            .expect("admin client");
        let res = admin
            .create_topics(
                &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
                &AdminOptions::new(),
            )
            .await
            .expect("create_topics");
        for r in res {
            if let Err((t, e)) = r {
                assert_eq!(
                    e,
                    rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists,
                    "create topic {t}: {e}"
                );
            }
        }
    }

    /// Produces values (and optional keys) to partition 0 of a topic.
    pub async fn produce(&self, topic: &str, records: &[(Option<&str>, &str)]) {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("linger.ms", "5")
            .create()
            .expect("producer");
        for (k, v) in records {
            let mut rec = FutureRecord::to(topic).payload(*v).partition(0);
            if let Some(k) = k {
                rec = rec.key(*k);
            }
            producer
                .send(rec, Duration::from_secs(10))
                .await
                .map_err(|(e, _)| e)
                .expect("produce");
        }
    }

    /// A consumer assigned to partitions `0..partitions` of a topic from the beginning (no
    /// group commits).
    fn reader(&self, topic: &str, partitions: i32) -> BaseConsumer {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("group.id", format!("test-reader-{}", free_port()))
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for p in 0..partitions {
            tpl.add_partition_offset(topic, p, rdkafka::Offset::Beginning)
                .expect("tpl");
        }
        consumer.assign(&tpl).expect("assign");
        consumer
    }

    /// Reads partition 0 of a topic from the beginning until `count` records arrived.
    pub fn consume(&self, topic: &str, count: usize) -> Vec<Consumed> {
        self.consume_partitions(topic, 1, count)
    }

    /// Reads partitions `0..partitions` of a topic from the beginning until `count` records
    /// arrived (in arrival order, partitions interleaved).
    pub fn consume_partitions(&self, topic: &str, partitions: i32, count: usize) -> Vec<Consumed> {
        let consumer = self.reader(topic, partitions);
        let deadline = Instant::now() + DEADLINE;
        let mut out = Vec::new();
        while out.len() < count {
            assert!(
                Instant::now() < deadline,
                "only {} of {count} records arrived in {topic}",
                out.len()
            );
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => out.push(Consumed {
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec),
                    headers: m
                        .headers()
                        .map(|h| {
                            h.iter()
                                .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                                .collect()
                        })
                        .unwrap_or_default(),
                    offset: m.offset(),
                }),
                Some(Err(e)) => {
                    let _ = e;
                }
                None => {}
            }
        }
        out
    }

    /// Reads partition 0 from the beginning for `window` and asserts that exactly `expected`
    /// records are there (no more arrive within the window): the check for "nothing was
    /// duplicated / delivered while paused". Tansu's reported high watermark is not exact for
    /// batched records, so this counts what a consumer really sees.
    pub fn assert_exactly(&self, topic: &str, expected: usize, window: Duration, why: &str) {
        let consumer = self.reader(topic, 1);
        let until = Instant::now() + window;
        let mut count = 0usize;
        while Instant::now() < until || count < expected {
            assert!(
                Instant::now() < until + DEADLINE,
                "only {count} of {expected} records in {topic}"
            );
            if let Some(Ok(_)) = consumer.poll(Duration::from_millis(50)) {
                count += 1;
                assert!(
                    count <= expected,
                    "{why}: more than {expected} records in {topic}"
                );
            }
        }
        assert_eq!(count, expected, "{why}");
    }

    /// The high watermark (record count) of partition 0 of a topic; 0 if unknown.
    pub fn high_watermark(&self, topic: &str) -> i64 {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()
            .expect("consumer");
        consumer
            .fetch_watermarks(topic, 0, Duration::from_secs(5))
            .map(|(_, high)| high)
            .unwrap_or(0)
    }
}

/// Appends lines to a file.
pub fn append_lines(path: &Path, lines: impl IntoIterator<Item = String>) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open input");
    let mut buf = String::new();
    for l in lines {
        buf.push_str(&l);
        buf.push('\n');
    }
    f.write_all(buf.as_bytes()).expect("append");
}

/// A unique name for this test's topics and connectors.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", free_port())
}

/// Sends one value to partition 0 of `topic`, polling while the producer's queue is full: the
/// bare-producer loop of the benchmarks (call `flush` at the end).
pub fn send_blocking(producer: &BaseProducer, topic: &str, payload: &str) {
    let mut rec = BaseRecord::<(), str>::to(topic)
        .payload(payload)
        .partition(0);
    loop {
        match producer.send(rec) {
            Ok(()) => break,
            Err((_, r)) => {
                producer.poll(Duration::from_millis(5));
                rec = r;
            }
        }
    }
    producer.poll(Duration::ZERO);
}
