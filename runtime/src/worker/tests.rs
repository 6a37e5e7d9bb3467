//! Worker tests against a real Tansu broker: source and sink loops, offsets, error tolerance
//! with the dead-letter queue, task failure isolation, pause/resume.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use parking_lot::Mutex;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers as _, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;

use super::*;
use crate::config::{ConfigDef, ConfigMap, WorkerConfig};
use crate::connector::{
    Connector, ConnectorContext, SinkConnector, SinkTask, SinkTaskContext, SourceConnector,
    SourceTask, SourceTaskContext,
};
use crate::data::{schemas, ConnectRecord, SinkRecord, SourceRecord, Value};
use crate::herder::{ConnectorTaskId, State, TargetState};
use crate::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};
use crate::storage::file_offsets::FileOffsetStore;
use crate::testkit::Tansu;

fn cfg(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Emits `count` string records `v0..` to `topic` in batches of 100 under partition
/// `{"p": <task>}`; `fail=true` makes poll fail.
#[derive(Default)]
struct CountingSource(ConfigMap);
struct CountingSourceTask {
    topic: String,
    /// Odd records go here when set (`topic.odd`).
    odd_topic: Option<String>,
    /// Every n-th record carries header `n` = its number (`headers.every`).
    headers_every: usize,
    /// This record's value is too large to produce (`oversized.at`).
    oversized_at: Option<usize>,
    /// Records carry key `k<i % n>` (`keys`; none if 0).
    keys: usize,
    count: usize,
    next: usize,
    fail: bool,
    partition: Arc<OffsetMap>,
    polls: Arc<AtomicUsize>,
}

static POLLS: std::sync::LazyLock<Mutex<HashMap<String, Arc<AtomicUsize>>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

fn polls_of(topic: &str) -> Arc<AtomicUsize> {
    POLLS.lock().entry(topic.to_string()).or_default().clone()
}

#[async_trait]
impl Connector for CountingSource {
    fn version(&self) -> String {
        "1".into()
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    async fn start(&mut self, c: ConfigMap, _ctx: Arc<dyn ConnectorContext>) -> ConnectResult<()> {
        self.0 = c;
        Ok(())
    }
    fn task_configs(&self, max: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok((0..max)
            .map(|i| {
                let mut c = self.0.clone();
                c.insert("task".into(), i.to_string());
                c
            })
            .collect())
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for CountingSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(CountingSourceTask {
            topic: String::new(),
            odd_topic: None,
            headers_every: 0,
            oversized_at: None,
            keys: 0,
            count: 0,
            next: 0,
            fail: false,
            partition: Arc::new(OffsetMap::new()),
            polls: Arc::new(AtomicUsize::new(0)),
        })
    }
}

#[async_trait]
impl SourceTask for CountingSourceTask {
    async fn start(&mut self, ctx: SourceTaskContext) -> ConnectResult<()> {
        let c = &ctx.config;
        self.topic = c["topic"].clone();
        self.odd_topic = c.get("topic.odd").cloned();
        self.headers_every = c.get("headers.every").map_or(0, |n| n.parse().unwrap());
        self.oversized_at = c.get("oversized.at").map(|n| n.parse().unwrap());
        self.keys = c.get("keys").map_or(0, |n| n.parse().unwrap());
        self.count = c["count"].parse().unwrap();
        let task = c["task"].clone();
        self.fail = c.get("fail.task").is_some_and(|f| *f == task);
        self.partition = Arc::new(json!({"p": task}).as_object().unwrap().clone());
        self.next = ctx
            .offsets
            .offset(&self.partition)
            .and_then(|o| o.get("i").and_then(|i| i.as_u64()))
            .map_or(0, |i| i as usize + 1);
        self.polls = polls_of(&format!("{}-{task}", self.topic));
        Ok(())
    }
    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err(ConnectError::other("boom from poll"));
        }
        if self.next >= self.count {
            tokio::time::sleep(Duration::from_millis(20)).await;
            return Ok(Vec::new());
        }
        let end = (self.next + 100).min(self.count);
        let out = (self.next..end)
            .map(|i| {
                let topic = match &self.odd_topic {
                    Some(odd) if i % 2 == 1 => odd.clone(),
                    _ => self.topic.clone(),
                };
                let value = if self.oversized_at == Some(i) {
                    "x".repeat(2 << 20)
                } else {
                    format!("v{i}")
                };
                let mut record =
                    ConnectRecord::new(topic, Some(schemas::string()), Value::String(value));
                if self.keys > 0 {
                    record.key_schema = Some(schemas::string());
                    record.key = Value::String(format!("k{}", i % self.keys));
                }
                if self.headers_every > 0 && i % self.headers_every == 0 {
                    record
                        .headers
                        .add("n", Some(schemas::string()), Value::String(i.to_string()));
                }
                SourceRecord {
                    source_partition: self.partition.clone(),
                    source_offset: json!({"i": i}).as_object().unwrap().clone(),
                    record,
                }
            })
            .collect();
        self.next = end;
        Ok(out)
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

/// Collects every record it is given into a shared list keyed by the `topics` config.
#[derive(Default)]
struct CollectingSink(ConfigMap);
struct CollectingSinkTask {
    out: Arc<Mutex<Vec<SinkRecord>>>,
}

type Collected = Arc<Mutex<Vec<SinkRecord>>>;

static SINKS: std::sync::LazyLock<Mutex<HashMap<String, Collected>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

fn sink_out(topic: &str) -> Arc<Mutex<Vec<SinkRecord>>> {
    SINKS.lock().entry(topic.to_string()).or_default().clone()
}

#[async_trait]
impl Connector for CollectingSink {
    fn version(&self) -> String {
        "1".into()
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    async fn start(&mut self, c: ConfigMap, _ctx: Arc<dyn ConnectorContext>) -> ConnectResult<()> {
        self.0 = c;
        Ok(())
    }
    fn task_configs(&self, max: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok(vec![self.0.clone(); max])
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SinkConnector for CollectingSink {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(CollectingSinkTask {
            out: Arc::new(Mutex::new(Vec::new())),
        })
    }
}

#[async_trait]
impl SinkTask for CollectingSinkTask {
    async fn start(&mut self, c: ConfigMap, _ctx: Arc<dyn SinkTaskContext>) -> ConnectResult<()> {
        self.out = sink_out(&c["topics"]);
        Ok(())
    }
    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        self.out.lock().extend(records);
        Ok(())
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Statuses {
    tasks: Mutex<HashMap<ConnectorTaskId, (State, Option<String>)>>,
}

impl StatusListener for Statuses {
    fn connector_state(&self, _name: &str, _state: State, _trace: Option<String>) {}
    fn task_state(&self, id: &ConnectorTaskId, state: State, trace: Option<String>) {
        self.tasks.lock().insert(id.clone(), (state, trace));
    }
}

fn registry() -> Arc<PluginRegistry> {
    let mut r = PluginRegistry::new();
    crate::converter::register_builtin(&mut r);
    r.add_connector(
        ConnectorPlugin {
            class: "test.CountingSourceConnector".into(),
            version: "1".into(),
            config_def: ConfigDef::new(),
            factory: ConnectorFactory::Source(Arc::new(|| Box::<CountingSource>::default())),
        },
        &[],
    );
    r.add_connector(
        ConnectorPlugin {
            class: "test.CollectingSinkConnector".into(),
            version: "1".into(),
            config_def: ConfigDef::new(),
            factory: ConnectorFactory::Sink(Arc::new(|| Box::<CollectingSink>::default())),
        },
        &[],
    );
    Arc::new(r)
}

struct Setup {
    worker: Worker,
    statuses: Arc<Statuses>,
    offsets: Arc<FileOffsetStore>,
    offset_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn setup(bootstrap: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let offset_path = dir.path().join("offsets");
    let config = WorkerConfig::from_properties(cfg(&[
        ("bootstrap.servers", bootstrap),
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        ("offset.flush.interval.ms", "200"),
        ("consumer.session.timeout.ms", "6000"),
        ("consumer.heartbeat.interval.ms", "1000"),
        ("listeners", "http://127.0.0.1:18083"),
    ]))
    .unwrap();
    let offsets = Arc::new(FileOffsetStore::open(&offset_path).unwrap());
    let statuses = Arc::new(Statuses::default());
    let worker = Worker::new(
        Arc::new(config),
        registry(),
        offsets.clone(),
        statuses.clone(),
        Arc::new(|_: &str| {}),
    );
    Setup {
        worker,
        statuses,
        offsets,
        offset_path,
        _dir: dir,
    }
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn tid(name: &str, task: u32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: name.into(),
        task,
    }
}

async fn start(s: &Setup, name: &str, config: ConfigMap) -> usize {
    s.worker
        .start_connector(name, config.clone(), TargetState::Started)
        .await
        .unwrap();
    let tasks = s.worker.connector_task_configs(name).await.unwrap();
    for (i, t) in tasks.iter().enumerate() {
        s.worker
            .start_task(
                tid(name, i as u32),
                config.clone(),
                t.clone(),
                TargetState::Started,
            )
            .await
            .unwrap();
    }
    tasks.len()
}

fn read_topic(bootstrap: &str, topic: &str, want: usize) -> Vec<rdkafka::message::OwnedMessage> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("reader-{topic}"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let md = c
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in md.topics()[0].partitions() {
        tpl.add_partition_offset(topic, p.id(), Offset::Beginning)
            .unwrap();
    }
    c.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = Vec::new();
    while out.len() < want && Instant::now() < deadline {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
            out.push(m.detach());
        }
    }
    out
}

async fn create_topic(bootstrap: &str, topic: &str) {
    create_topic_with(bootstrap, topic, 1).await
}

async fn create_topic_with(bootstrap: &str, topic: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    let nt = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    admin
        .create_topics([&nt], &AdminOptions::new())
        .await
        .unwrap();
}

async fn produce(bootstrap: &str, topic: &str, values: &[&str]) {
    let p: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    for (i, v) in values.iter().enumerate() {
        let key = format!("k{i}");
        let headers = OwnedHeaders::new().insert(rdkafka::message::Header {
            key: "h",
            value: Some("hv"),
        });
        p.send(
            FutureRecord::to(topic)
                .key(&key)
                .payload(*v)
                .headers(headers),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_task_produces_and_commits_acked_offsets_to_the_file() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let topic = "src-offsets";
    let config = cfg(&[
        ("name", "src"),
        ("connector.class", "CountingSource"),
        ("topic", topic),
        ("count", "1000"),
    ]);
    start(&s, "src", config).await;
    let part = json!({"p": "0"}).as_object().unwrap().clone();
    wait_for("offsets of all 1000 records", 30, || {
        s.offsets.get("src", &part) == Some(json!({"i": 999}).as_object().unwrap().clone())
    })
    .await;
    let msgs = read_topic(&broker.bootstrap, topic, 1000);
    assert_eq!(msgs.len(), 1000);
    let mut values: Vec<String> = msgs
        .iter()
        .map(|m| String::from_utf8(m.payload().unwrap().to_vec()).unwrap())
        .collect();
    values.sort_by_key(|v| v[1..].parse::<usize>().unwrap());
    assert_eq!(
        values,
        (0..1000).map(|i| format!("v{i}")).collect::<Vec<_>>()
    );
    assert_eq!(s.worker.active_topics("src"), vec![topic.to_string()]);
    s.worker.stop_all().await;
    assert_eq!(s.statuses.tasks.lock()[&tid("src", 0)].0, State::Unassigned);
    let reloaded = FileOffsetStore::open(&s.offset_path).unwrap();
    assert_eq!(
        reloaded.all("src"),
        vec![(part, json!({"i": 999}).as_object().unwrap().clone())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_with_and_without_headers_to_two_topics_arrive_and_an_unsendable_one_is_skipped() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let (even, odd) = ("src-mixed-even", "src-mixed-odd");
    let config = cfg(&[
        ("name", "mixed"),
        ("connector.class", "CountingSource"),
        ("topic", even),
        ("topic.odd", odd),
        ("count", "300"),
        ("headers.every", "3"),
        ("oversized.at", "151"),
        ("errors.tolerance", "all"),
    ]);
    start(&s, "mixed", config).await;
    let part = json!({"p": "0"}).as_object().unwrap().clone();
    wait_for("offsets of all 300 records", 30, || {
        s.offsets.get("mixed", &part) == Some(json!({"i": 299}).as_object().unwrap().clone())
    })
    .await;
    let mut got: Vec<(usize, Option<String>)> = Vec::new();
    for (topic, want) in [(even, 150), (odd, 149)] {
        for m in read_topic(&broker.bootstrap, topic, want) {
            let i: usize = std::str::from_utf8(&m.payload().unwrap()[1..])
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(i % 2 == 1, topic == odd, "record {i} in {topic}");
            let header = m.headers().and_then(|h| {
                h.iter()
                    .find(|h| h.key == "n")
                    .map(|h| String::from_utf8(h.value.unwrap().to_vec()).unwrap())
            });
            got.push((i, header));
        }
    }
    got.sort();
    let want: Vec<(usize, Option<String>)> = (0..300)
        .filter(|&i| i != 151)
        .map(|i| (i, (i % 3 == 0).then(|| i.to_string())))
        .collect();
    assert_eq!(got, want);
    assert_eq!(s.statuses.tasks.lock()[&tid("mixed", 0)].0, State::Running);
    s.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_keep_their_partition_on_a_multi_partition_topic_and_one_partition_takes_all() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let (three, one) = ("src-keyed-three", "src-keyed-one");
    create_topic_with(&broker.bootstrap, three, 3).await;
    create_topic_with(&broker.bootstrap, one, 1).await;
    let config = cfg(&[
        ("name", "keyed"),
        ("connector.class", "CountingSource"),
        ("topic", three),
        ("topic.odd", one),
        ("count", "600"),
        ("keys", "30"),
    ]);
    start(&s, "keyed", config).await;
    let part = json!({"p": "0"}).as_object().unwrap().clone();
    wait_for("offsets of all 600 records", 30, || {
        s.offsets.get("keyed", &part) == Some(json!({"i": 599}).as_object().unwrap().clone())
    })
    .await;
    let mut partitions_of_key: HashMap<Vec<u8>, std::collections::BTreeSet<i32>> = HashMap::new();
    let on_three = read_topic(&broker.bootstrap, three, 300);
    assert_eq!(on_three.len(), 300);
    for m in &on_three {
        partitions_of_key
            .entry(m.key().unwrap().to_vec())
            .or_default()
            .insert(m.partition());
    }
    assert_eq!(partitions_of_key.len(), 15, "even keys k0, k2, ... k28");
    assert!(
        partitions_of_key.values().all(|p| p.len() == 1),
        "a key stays on one partition: {partitions_of_key:?}"
    );
    let used: std::collections::BTreeSet<i32> =
        partitions_of_key.values().flatten().copied().collect();
    assert!(used.len() > 1, "keys spread over partitions: {used:?}");
    let on_one = read_topic(&broker.bootstrap, one, 300);
    assert_eq!(on_one.len(), 300);
    assert!(on_one.iter().all(|m| m.partition() == 0));
    s.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsendable_record_fails_the_task_under_tolerance_none() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let config = cfg(&[
        ("name", "big"),
        ("connector.class", "CountingSource"),
        ("topic", "src-oversized"),
        ("count", "10"),
        ("oversized.at", "4"),
    ]);
    start(&s, "big", config).await;
    wait_for("task FAILED", 30, || {
        s.statuses
            .tasks
            .lock()
            .get(&tid("big", 0))
            .is_some_and(|t| t.0 == State::Failed)
    })
    .await;
    let trace = s.statuses.tasks.lock()[&tid("big", 0)].1.clone().unwrap();
    assert!(
        trace.contains("Failed to send record to topic src-oversized"),
        "{trace}"
    );
    s.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_task_is_failed_with_trace_while_its_sibling_runs_and_pause_resume_work() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let topic = "src-fail";
    let config = cfg(&[
        ("name", "two"),
        ("connector.class", "test.CountingSourceConnector"),
        ("tasks.max", "2"),
        ("topic", topic),
        ("count", "100000000"),
        ("fail.task", "0"),
    ]);
    assert_eq!(start(&s, "two", config).await, 2);
    wait_for("task 0 FAILED", 20, || {
        s.statuses
            .tasks
            .lock()
            .get(&tid("two", 0))
            .is_some_and(|t| t.0 == State::Failed)
    })
    .await;
    let trace = s.statuses.tasks.lock()[&tid("two", 0)].1.clone().unwrap();
    assert!(trace.contains("boom from poll"), "{trace}");
    assert!(
        trace.starts_with("org.apache.kafka.connect.errors.ConnectException"),
        "{trace}"
    );
    let polls = polls_of(&format!("{topic}-1"));
    let before = polls.load(Ordering::SeqCst);
    wait_for("task 1 keeps polling", 20, || {
        polls.load(Ordering::SeqCst) > before + 5
    })
    .await;
    assert_eq!(s.statuses.tasks.lock()[&tid("two", 1)].0, State::Running);

    s.worker.set_target_state("two", TargetState::Paused).await;
    wait_for("task 1 PAUSED", 20, || {
        s.statuses.tasks.lock()[&tid("two", 1)].0 == State::Paused
    })
    .await;
    let paused_at = polls.load(Ordering::SeqCst);
    // The loop may finish the poll that was in flight when the pause arrived.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        polls.load(Ordering::SeqCst) <= paused_at + 1,
        "a paused source keeps polling"
    );
    s.worker.set_target_state("two", TargetState::Started).await;
    wait_for("task 1 RUNNING again", 20, || {
        s.statuses.tasks.lock()[&tid("two", 1)].0 == State::Running
            && polls.load(Ordering::SeqCst) > paused_at + 5
    })
    .await;
    s.worker.stop_all().await;
    let part = json!({"p": "1"}).as_object().unwrap().clone();
    assert!(
        s.offsets.get("two", &part).is_some(),
        "sibling offsets committed on stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sink_task_consumes_and_commits_what_was_put() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let topic = "sink-in";
    create_topic(&broker.bootstrap, topic).await;
    let values: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    produce(&broker.bootstrap, topic, &refs).await;
    let config = cfg(&[
        ("name", "snk"),
        ("connector.class", "CollectingSink"),
        ("topics", topic),
    ]);
    start(&s, "snk", config.clone()).await;
    let out = sink_out(topic);
    wait_for("50 records put", 30, || out.lock().len() == 50).await;
    {
        let got = out.lock();
        assert_eq!(got[0].record.value, Value::String("m0".into()));
        assert_eq!(got[0].record.key, Value::String("k0".into()));
        assert_eq!(got[0].record.headers.0[0].key, "h");
        assert_eq!(got[49].kafka_offset, 49);
        assert_eq!(got[49].original_topic, topic);
    }
    s.worker.stop_all().await;
    let committed = s.worker.sink_offsets("snk", &config).await.unwrap();
    assert_eq!(committed, vec![(TopicPartition::new(topic, 0), 50)]);
    assert_eq!(s.worker.active_topics("snk"), vec![topic.to_string()]);
    // Alter, then reset (the group is empty now that the task stopped).
    s.worker
        .alter_sink_offsets(
            "snk",
            &config,
            vec![(TopicPartition::new(topic, 0), Some(10))],
        )
        .await
        .unwrap();
    assert_eq!(
        s.worker.sink_offsets("snk", &config).await.unwrap(),
        vec![(TopicPartition::new(topic, 0), 10)]
    );
    s.worker
        .alter_sink_offsets("snk", &config, vec![(TopicPartition::new(topic, 0), None)])
        .await
        .unwrap();
    assert!(s
        .worker
        .sink_offsets("snk", &config)
        .await
        .unwrap()
        .is_empty());
    assert!(s.worker.kafka_cluster_id().await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_all_skips_bad_records_and_sends_them_to_the_dlq_with_context() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let topic = "sink-bad";
    let dlq = "sink-bad-dlq";
    create_topic(&broker.bootstrap, topic).await;
    produce(
        &broker.bootstrap,
        topic,
        &["{\"a\":1}", "{not json", "{\"a\":3}"],
    )
    .await;
    let config = cfg(&[
        ("name", "tol"),
        ("connector.class", "CollectingSink"),
        ("topics", topic),
        (
            "value.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        ("value.converter.schemas.enable", "false"),
        ("errors.tolerance", "all"),
        ("errors.log.enable", "true"),
        ("errors.deadletterqueue.topic.name", dlq),
        ("errors.deadletterqueue.topic.replication.factor", "1"),
        ("errors.deadletterqueue.context.headers.enable", "true"),
    ]);
    start(&s, "tol", config.clone()).await;
    let out = sink_out(topic);
    wait_for("2 good records put", 30, || out.lock().len() == 2).await;
    let dead = read_topic(&broker.bootstrap, dlq, 1);
    assert_eq!(dead.len(), 1);
    let m = &dead[0];
    assert_eq!(m.payload(), Some(&b"{not json"[..]));
    assert_eq!(m.key(), Some(&b"k1"[..]));
    let headers: HashMap<String, String> = m
        .headers()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h.key.to_string(),
                String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
            )
        })
        .collect();
    assert_eq!(headers["h"], "hv");
    assert_eq!(headers["__connect.errors.topic"], topic);
    assert_eq!(headers["__connect.errors.partition"], "0");
    assert_eq!(headers["__connect.errors.offset"], "1");
    assert_eq!(headers["__connect.errors.connector.name"], "tol");
    assert_eq!(headers["__connect.errors.task.id"], "0");
    assert_eq!(headers["__connect.errors.stage"], "VALUE_CONVERTER");
    assert_eq!(
        headers["__connect.errors.class.name"],
        "org.apache.kafka.connect.json.JsonConverter"
    );
    assert_eq!(
        headers["__connect.errors.exception.class.name"],
        "org.apache.kafka.connect.errors.DataException"
    );
    assert!(headers.contains_key("__connect.errors.exception.message"));
    assert!(headers["__connect.errors.exception.stacktrace"].contains("DataException"));
    // task-error-metrics count the skipped record and its DLQ write; the sink read 3 and put 2.
    let text = s.worker.render_metrics();
    for (name, want) in [
        ("kafka_connect_task_error_total_record_failures", 1),
        ("kafka_connect_task_error_total_record_errors", 1),
        ("kafka_connect_task_error_total_records_skipped", 1),
        ("kafka_connect_task_error_total_errors_logged", 1),
        (
            "kafka_connect_task_error_deadletterqueue_produce_requests",
            1,
        ),
        (
            "kafka_connect_task_error_deadletterqueue_produce_failures",
            0,
        ),
        ("kafka_connect_sink_task_sink_record_read_total", 3),
        ("kafka_connect_sink_task_sink_record_send_total", 2),
    ] {
        let series = format!("{name}{{connector=\"tol\",task=\"0\"}} {want}");
        assert!(text.lines().any(|l| l == series), "{series}\n{text}");
    }
    s.worker.stop_all().await;
    assert_eq!(
        s.worker.sink_offsets("tol", &config).await.unwrap(),
        vec![(TopicPartition::new(topic, 0), 3)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_none_fails_the_sink_task_with_the_jvm_message() {
    let broker = Tansu::start();
    let s = setup(&broker.bootstrap);
    let topic = "sink-none";
    create_topic(&broker.bootstrap, topic).await;
    produce(&broker.bootstrap, topic, &["{bad"]).await;
    let config = cfg(&[
        ("name", "strict"),
        ("connector.class", "CollectingSink"),
        ("topics", topic),
        ("value.converter", "JsonConverter"),
    ]);
    start(&s, "strict", config).await;
    wait_for("task FAILED", 30, || {
        s.statuses
            .tasks
            .lock()
            .get(&tid("strict", 0))
            .is_some_and(|t| t.0 == State::Failed)
    })
    .await;
    let trace = s.statuses.tasks.lock()[&tid("strict", 0)]
        .1
        .clone()
        .unwrap();
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert!(trace.contains("DataException"), "{trace}");
    s.worker.stop_all().await;
}
