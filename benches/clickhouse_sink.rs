//! End-to-end benchmark: Kafka (Tansu) → ClickHouse through the `ferroconnect` binary and the
//! ClickHouse sink, side by side in the same run with a bare RowBinary insert of the same rows
//! through the `clickhouse` crate. Also three topics into three tables at once (the sink
//! inserts different tables concurrently). Server: Debian's real clickhouse-server 18.16.
//!
//! Run: `cargo bench --bench clickhouse_sink` (env `BENCH_ROWS`, default 1 000 000).
//! Needs `scripts/setup-services.sh` (Tansu, clickhouse-server).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use ferroconnect_runtime::testkit::{ClickHouseServer, ClickHouseService};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};
use serde_json::json;

const COLUMNS: &str = "(user_id UInt64, event_type String, ts DateTime, session_id String, \
     device String) ENGINE = MergeTree ORDER BY (user_id, ts)";

fn event_type(i: u64) -> &'static str {
    ["click", "view", "buy", "cart"][(i % 4) as usize]
}

fn session(i: u64) -> String {
    format!("session-{:08}", i / 10)
}

fn device(i: u64) -> &'static str {
    ["ios", "android", "web"][(i % 3) as usize]
}

/// One event as JsonConverter with schemas writes it (what the topic holds).
fn event_json(i: u64) -> String {
    json!({"schema": {"type": "struct", "name": "Event", "optional": false, "fields": [
            {"field": "user_id", "type": "int64", "optional": false},
            {"field": "event_type", "type": "string", "optional": false},
            {"field": "ts", "type": "int64", "optional": false,
             "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
            {"field": "session_id", "type": "string", "optional": false},
            {"field": "device", "type": "string", "optional": false}]},
        "payload": {"user_id": i % 100_000, "event_type": event_type(i),
                    "ts": 1_714_557_600_000i64 + i as i64, "session_id": session(i),
                    "device": device(i)}})
    .to_string()
}

/// The same event without a schema (timestamps as epoch seconds, which DateTime reads).
fn event_plain_json(i: u64) -> String {
    json!({"user_id": i % 100_000, "event_type": event_type(i),
           "ts": (1_714_557_600_000 + i) / 1000, "session_id": session(i),
           "device": device(i)})
    .to_string()
}

#[derive(clickhouse::Row, serde::Serialize)]
struct EventRow {
    user_id: u64,
    event_type: String,
    ts: u32,
    session_id: String,
    device: String,
}

/// The bare limit: the same rows through the crate's typed RowBinary insert, in blocks of
/// 100 000 rows.
async fn bare_insert(ch: &ClickHouseServer, table: &str, n: u64) -> Duration {
    let client = clickhouse::Client::default()
        .with_url(ch.url())
        .with_compression(clickhouse::Compression::None)
        .with_validation(false);
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let mut insert = client.insert::<EventRow>(table).await.expect("insert");
        for j in i..(i + 100_000).min(n) {
            insert
                .write(&EventRow {
                    user_id: j % 100_000,
                    event_type: event_type(j).to_string(),
                    ts: ((1_714_557_600_000 + j) / 1000) as u32,
                    session_id: session(j),
                    device: device(j).to_string(),
                })
                .await
                .expect("write");
        }
        insert.end().await.expect("end");
        i += 100_000;
    }
    start.elapsed()
}

fn produce(bootstrap: &str, topic: &str, from: u64, to: u64, schemas: bool) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.size", "1048576")
        .set("compression.type", "lz4")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    for i in from..to {
        let v = if schemas {
            event_json(i)
        } else {
            event_plain_json(i)
        };
        send_blocking(&producer, topic, v.as_str());
    }
    producer.flush(Duration::from_secs(300)).expect("flush");
}

/// Consumer settings shared by the bare consumer and the sink (`consumer.override.*`).
const CONSUMER: &[(&str, &str)] = &[
    ("max.partition.fetch.bytes", "8388608"),
    ("fetch.max.bytes", "52428800"),
];

/// Extra consumer settings for both the bare consumer and the sink, from `BENCH_CONSUMER`
/// (`key=value,key=value`, librdkafka names).
fn extra_consumer() -> Vec<(String, String)> {
    std::env::var("BENCH_CONSUMER")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The Kafka-side limit: a bare rdkafka consumer reading the topic from the start (same
/// fetch settings), bytes untouched.
fn bare_consume(bootstrap: &str, topic: &str, n: u64) -> Duration {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap)
        .set("group.id", unique("bare"))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "6000");
    for (k, v) in CONSUMER {
        let k = match *k {
            "max.partition.fetch.bytes" => "fetch.message.max.bytes",
            k => k,
        };
        cfg.set(k, *v);
    }
    for (k, v) in extra_consumer() {
        cfg.set(k, v);
    }
    let consumer: BaseConsumer = cfg.create().expect("consumer");
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, rdkafka::Offset::Beginning)
        .expect("tpl");
    consumer.assign(&tpl).expect("assign");
    let start = Instant::now();
    let mut got = 0u64;
    while got < n {
        if let Some(m) = consumer.poll(Duration::from_secs(10)) {
            m.expect("message");
            got += 1;
        }
    }
    start.elapsed()
}

fn count(ch: &ClickHouseServer, tables: &[String]) -> u64 {
    tables
        .iter()
        .map(|t| {
            ch.query(&format!("SELECT count() FROM `{t}`"))
                .ok()
                .and_then(|c| c.trim().parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

/// Runs one connector over `topics` (one table each) and returns (elapsed, worker peak RSS,
/// worker CPU seconds while rows arrived).
async fn run_sink(
    broker: &Tansu,
    ch: &ClickHouseServer,
    topics: &[String],
    n: u64,
    extra: serde_json::Value,
) -> (Duration, Option<u64>, f64) {
    let mut w = WorkerProc::start(&broker.bootstrap, &[("metrics.enabled", "true")], &[]).await;
    let start = Instant::now();
    let mut config = json!({"connector.class": "com.clickhouse.kafka.connect.ClickHouseSinkConnector",
                   "topics": topics.join(","), "hostname": "127.0.0.1",
                   "port": ch.http_port().to_string(), "ssl": "false",
                   "bufferCount": "100000", "bufferFlushTime": "2000",
                   "consumer.override.max.poll.records": "10000",
                   "consumer.override.max.partition.fetch.bytes": CONSUMER[0].1,
                   "consumer.override.fetch.max.bytes": CONSUMER[1].1});
    for (k, v) in extra.as_object().into_iter().flatten() {
        config[k] = v.clone();
    }
    for (k, v) in extra_consumer() {
        config[format!("consumer.override.{k}")] = json!(v);
    }
    let r = w.create("bench", config).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // The clock starts at the first inserted rows: worker start-up and the consumer group
    // join (seconds on Tansu) are not the sink's throughput.
    let deadline = Instant::now() + Duration::from_secs(1800);
    let (first_at, first_rows) = loop {
        let c = count(ch, topics);
        if c > 0 {
            break (Instant::now(), c);
        }
        assert!(Instant::now() < deadline, "no rows arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let cpu_start = w.cpu_seconds();
    println!(
        "  (first {first_rows} rows after {:.1} s: start-up and group join)",
        first_at.duration_since(start).as_secs_f64()
    );
    while count(ch, topics) < n {
        assert!(Instant::now() < deadline, "rows did not arrive in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Rows after the first insert, over the time they took.
    let elapsed = first_at
        .elapsed()
        .mul_f64(n as f64 / (n - first_rows).max(1) as f64);
    let cpu = w.cpu_seconds() - cpu_start;
    let rss = w.proc_status_kib("VmHWM");
    w.stop().await;
    (elapsed, rss, cpu)
}

fn row(name: &str, n: u64, elapsed: Duration, rss_kib: Option<u64>) {
    let secs = elapsed.as_secs_f64();
    println!(
        "| {name:<44} | {:>10.0} | {:>9} |",
        n as f64 / secs,
        rss_kib
            .map(|k| format!("{:.1}", k as f64 / 1024.0))
            .unwrap_or_else(|| "-".into())
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: u64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let ch = ClickHouseServer::start();
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    println!(
        "\nKafka → ClickHouse {} (real server), {n} rows of 5 columns\n",
        ch.version()
    );
    println!(
        "| {:<44} | {:>10} | {:>9} |",
        "pipeline", "rows/s", "peak RSS MiB"
    );
    println!("|{:-<46}|{:->12}|{:->11}|", "", "", "");

    ch.query(&format!("CREATE TABLE bare {COLUMNS}"))
        .expect("create bare");
    let bare = bare_insert(&ch, "bare", n).await;
    row("bare RowBinary insert (clickhouse crate)", n, bare, None);

    // One topic → one table, JSON with schemas (RowBinary) and without (JSONEachRow).
    for (label, schemas) in [
        ("JSON with schemas → RowBinary", true),
        ("schemaless JSON → JSONEachRow", false),
    ] {
        let topic = unique("events");
        ch.query(&format!("CREATE TABLE `{topic}` {COLUMNS}"))
            .expect("create");
        kafka.create_topic(&topic, 1).await;
        produce(&broker.bootstrap, &topic, 0, n, schemas);
        let consumed = bare_consume(&broker.bootstrap, &topic, n);
        row(
            &format!("bare rdkafka consumer ({label})"),
            n,
            consumed,
            None,
        );
        let extra = if schemas {
            json!({})
        } else {
            json!({"value.converter.schemas.enable": "false",
                   "value.converter": "org.apache.kafka.connect.json.JsonConverter"})
        };
        let (elapsed, rss, cpu) =
            run_sink(&broker, &ch, std::slice::from_ref(&topic), n, extra).await;
        row(&format!("ferroconnect sink ({label})"), n, elapsed, rss);
        println!(
            "  ratio to the bare insert {:.0} %, to the bare consumer {:.0} %; worker CPU {:.1} s = {:.0} rows per CPU-second",
            100.0 * bare.as_secs_f64() / elapsed.as_secs_f64(),
            100.0 * consumed.as_secs_f64() / elapsed.as_secs_f64(),
            cpu,
            n as f64 / cpu.max(0.001)
        );
        kafka.delete_topic(&topic).await;
    }

    // Three topics → three tables, one connector (one task): inserts run concurrently.
    let topics: Vec<String> = (0..3).map(|i| unique(&format!("events{i}"))).collect();
    let per = n / 3;
    for t in &topics {
        ch.query(&format!("CREATE TABLE `{t}` {COLUMNS}"))
            .expect("create");
        kafka.create_topic(t, 1).await;
        produce(&broker.bootstrap, t, 0, per, true);
    }
    let (elapsed, rss, cpu) = run_sink(&broker, &ch, &topics, per * 3, json!({})).await;
    row(
        "ferroconnect, 3 topics → 3 tables at once",
        per * 3,
        elapsed,
        rss,
    );
    println!("  worker CPU {cpu:.1} s");
    for t in &topics {
        kafka.delete_topic(t).await;
    }
}
