//! JDBC benchmark: the seed user's tuning experiment (issue #4) end to end through the
//! `ferroconnect` binary, with the bare limits measured in the same run.
//!
//! Source: N rows of the seed's `users` table → JDBC source (timestamp mode, MaskField) →
//! Tansu, one run per setting row (the seed's config verbatim, the worker's defaults, then the
//! tuned stages of batch.max.rows / batch.size / linger.ms / compression.type /
//! buffer.memory), timed until the committed source offset reaches the last row. Beside it: a
//! bare rdkafka producer sending N equivalent JSON records to the same broker, and a bare
//! streaming sqlx SELECT of the table with the connector's query.
//!
//! Sink: those N records from a topic into Postgres through the JDBC sink (insert and upsert,
//! with `exactly.once=true` so completion is a cheap look-up of the offsets row committed with
//! the rows), timed until every row is in, against a bare `COPY … FROM STDIN` of the rows.
//!
//! Run: `cargo bench --bench jdbc_tuning` (env `JDBC_BENCH_ROWS`, default 9 000 000;
//! `JDBC_BENCH_QUICK=1` for 1 000 000; `JDBC_BENCH_SINK_ONLY=1` skips the source runs;
//! `JDBC_BENCH_ONLY=<text>` runs only the source stages whose label contains the text, and
//! no sink runs).
//! Needs the Tansu broker and PostgreSQL (`scripts/setup-services.sh`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use common::*;
use ferroconnect_runtime::testkit::Postgres;
use futures::TryStreamExt;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};
use serde_json::json;
use sqlx::{Connection, PgConnection, Row};

/// 2024-01-01T00:00:00Z in epoch milliseconds: row `i` is stamped `BASE_MS + i` ms.
const BASE_MS: i64 = 1_704_067_200_000;

/// How long one run may take.
const RUN_DEADLINE: Duration = Duration::from_secs(1800);

/// One setting row: label, then `batch.max.rows` and producer overrides (source), or
/// `insert.mode` and connector config entries (sink).
type Stage = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The seed's experiment: its config verbatim, the defaults, then the tuned stages.
const STAGES: &[Stage] = &[
    (
        "seed config (100 rows, 500 B, linger 1000)",
        "100",
        &[("batch.size", "500"), ("linger.ms", "1000")],
    ),
    ("defaults (100 rows, no overrides)", "100", &[]),
    (
        "100 rows, 500 B, linger 0, none, 32 MiB",
        "100",
        &[
            ("batch.size", "500"),
            ("linger.ms", "0"),
            ("compression.type", "none"),
            ("buffer.memory", "33554432"),
        ],
    ),
    (
        "1000 rows, 64 KiB, linger 10, snappy, 64 MiB",
        "1000",
        &[
            ("batch.size", "65536"),
            ("linger.ms", "10"),
            ("compression.type", "snappy"),
            ("buffer.memory", "67108864"),
        ],
    ),
    (
        "2000 rows, 128 KiB, linger 20, lz4, 128 MiB",
        "2000",
        &[
            ("batch.size", "131072"),
            ("linger.ms", "20"),
            ("compression.type", "lz4"),
            ("buffer.memory", "134217728"),
        ],
    ),
    // Beyond the seed's table: larger polls and produce batches (fewer produce requests,
    // which cost the broker the most here).
    (
        "5000 rows, 1 MiB, linger 20, lz4, 128 MiB",
        "5000",
        &[
            ("batch.size", "1048576"),
            ("linger.ms", "20"),
            ("compression.type", "lz4"),
            ("buffer.memory", "134217728"),
        ],
    ),
];

/// The bare producer's settings: the last (most tuned) stage's, in librdkafka's names.
const BARE_PRODUCER: &[(&str, &str)] = &[
    ("batch.size", "1048576"),
    ("linger.ms", "20"),
    ("compression.type", "lz4"),
    ("queue.buffering.max.kbytes", "131072"),
];

/// The connector's JSON value schema for `users` (JsonConverter, schemas enabled).
const SCHEMA: &str = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"updated_at"},{"type":"string","optional":true,"field":"private_info"}],"optional":false,"name":"users"}"#;

/// The connector's query (timestamp mode, no index on `updated_at`, as in the seed).
const SELECT: &str = "SELECT id, name, updated_at, private_info FROM users \
     WHERE updated_at > timestamp '1970-01-01' AND updated_at < localtimestamp \
     ORDER BY updated_at ASC";

/// Writes row `i`'s record, as the source emits it after MaskField, into `buf`.
fn record(buf: &mut String, i: i64) {
    buf.clear();
    let _ = write!(
        buf,
        r#"{{"schema":{SCHEMA},"payload":{{"id":{i},"name":"user-{i}","updated_at":{},"private_info":"CENSORED"}}}}"#,
        BASE_MS + i
    );
}

/// Sends N records to `topic` with a bare producer; returns the time and bytes sent.
fn bare_producer(bootstrap: &str, topic: &str, n: i64) -> (Duration, usize) {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap)
        .set("queue.buffering.max.messages", "1000000");
    for (k, v) in BARE_PRODUCER {
        cfg.set(*k, *v);
    }
    let producer: BaseProducer = cfg.create().expect("bare producer");
    let mut buf = String::with_capacity(1024);
    let mut bytes = 0;
    let start = Instant::now();
    for i in 1..=n {
        record(&mut buf, i);
        bytes += buf.len();
        send_blocking(&producer, topic, buf.as_str());
    }
    producer.flush(Duration::from_secs(600)).expect("flush");
    (start.elapsed(), bytes)
}

/// Streams the connector's query with sqlx, decoding every column; returns time and rows.
async fn bare_select(url: &str) -> (Duration, u64) {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    let start = Instant::now();
    let mut rows = 0u64;
    let mut check = 0i64;
    {
        let mut stream = sqlx::query(SELECT).fetch(&mut conn);
        while let Some(row) = stream.try_next().await.expect("select") {
            let id: i32 = row.try_get(0).expect("id");
            let name: Option<String> = row.try_get(1).expect("name");
            // timestamp: microseconds since 2000-01-01 in the binary format.
            let at: i64 = row.try_get_unchecked(2).expect("updated_at");
            let info: Option<String> = row.try_get(3).expect("private_info");
            check ^= id as i64 ^ at ^ name.map_or(0, |s| s.len() as i64);
            check ^= info.map_or(0, |s| s.len() as i64);
            rows += 1;
        }
    }
    std::hint::black_box(check);
    (start.elapsed(), rows)
}

/// COPYs N rows of the sink's table shape into a new table; returns the time.
async fn bare_copy(url: &str, n: i64) -> Duration {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    sqlx::raw_sql(
        "CREATE TABLE copy_target (id int NOT NULL, name text, updated_at timestamp NOT NULL, \
         private_info text)",
    )
    .execute(&mut conn)
    .await
    .expect("create copy_target");
    let start = Instant::now();
    let mut copy = conn
        .copy_in_raw("COPY copy_target (id, name, updated_at, private_info) FROM STDIN")
        .await
        .expect("copy");
    let mut buf = String::with_capacity(1 << 20);
    for i in 1..=n {
        let ms = i % 1000;
        let s = i / 1000;
        let _ = writeln!(
            buf,
            "{i}\tuser-{i}\t2024-01-01 {:02}:{:02}:{:02}.{ms:03}\tCENSORED",
            s / 3600 % 24,
            s / 60 % 60,
            s % 60
        );
        if buf.len() >= 1 << 20 {
            copy.send(buf.as_bytes()).await.expect("copy send");
            buf.clear();
        }
    }
    copy.send(buf.as_bytes()).await.expect("copy send");
    copy.finish().await.expect("copy finish");
    start.elapsed()
}

/// Waits until the source's committed offset reaches the last row's timestamp, or `cap`
/// has passed; returns the rows acknowledged (row `i` is stamped `BASE_MS + i` ms).
async fn wait_source_done(w: &WorkerProc, name: &str, n: i64, cap: Duration) -> i64 {
    let start = Instant::now();
    let deadline = start + RUN_DEADLINE;
    loop {
        let r = w.get(&format!("/connectors/{name}/offsets")).await;
        let done = r.body["offsets"][0]["offset"]["timestamp"]
            .as_i64()
            .map_or(0, |t| t - BASE_MS);
        if done >= n || start.elapsed() >= cap {
            return done;
        }
        let status = w.get(&format!("/connectors/{name}/status")).await;
        assert!(
            status.body["tasks"][0]["state"] != "FAILED",
            "source failed: {}",
            status.body
        );
        assert!(Instant::now() < deadline, "source not done: {:?}", r.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the sink `name` has committed `n` records: its `exactly.once` offsets row,
/// written in the same transaction as the rows, reaches `n` (a primary-key lookup, where
/// polling `count(*)` would scan the growing table and slow the run it measures). Then checks
/// that `table` holds the `n` rows. Returns the rate after the first commit seen (startup and
/// the consumer group join left out).
async fn wait_rows(
    conn: &mut PgConnection,
    w: &WorkerProc,
    name: &str,
    table: &str,
    n: i64,
) -> f64 {
    let deadline = Instant::now() + RUN_DEADLINE;
    let mut first: Option<(Instant, i64)> = None;
    loop {
        let got: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(next_offset), 0) FROM __ferroconnect_sink_offsets \
             WHERE connector = $1",
        )
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or(0);
        if got >= n {
            let sql = format!("SELECT count(*) FROM {table}");
            let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *conn)
                .await
                .expect("count rows");
            assert_eq!(rows, n, "rows in {table}");
            let (t0, got0) = first.unwrap_or((Instant::now(), 0));
            return (n - got0) as f64 / t0.elapsed().as_secs_f64().max(1e-9);
        }
        if got > 0 && first.is_none() {
            first = Some((Instant::now(), got));
        }
        let status = w.get(&format!("/connectors/{name}/status")).await;
        assert!(
            status.body["tasks"][0]["state"] != "FAILED",
            "sink failed: {}",
            status.body
        );
        assert!(Instant::now() < deadline, "{table}: only {got} of {n} rows");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Busy and total CPU time of the whole machine (`/proc/stat`, all processes), to tell how
/// much CPU a run takes per row, worker, PostgreSQL and broker together.
#[derive(Clone, Copy)]
struct MachineCpu {
    busy: u64,
    total: u64,
    at: Instant,
}

impl MachineCpu {
    fn now() -> MachineCpu {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal
        let at = |i: usize| ticks.get(i).copied().unwrap_or(0);
        let busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
        MachineCpu {
            busy,
            total: busy + at(3) + at(4),
            at: Instant::now(),
        }
    }

    /// "machine CPU x µs/row (y cores busy)" since `self`, over `rows` rows.
    fn note(&self, rows: i64) -> String {
        let end = MachineCpu::now();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let total = end.total.saturating_sub(self.total).max(1) as f64;
        let busy_cores = end.busy.saturating_sub(self.busy) as f64 / total * cores;
        let cpu_secs = busy_cores * end.at.duration_since(self.at).as_secs_f64();
        format!(
            "machine CPU {:.2} µs/row ({busy_cores:.2} of {cores:.0} cores busy)",
            cpu_secs * 1e6 / rows.max(1) as f64
        )
    }
}

fn row(name: &str, n: i64, elapsed: Duration, rss_kib: Option<u64>, note: &str) -> f64 {
    let rate = n as f64 / elapsed.as_secs_f64();
    println!(
        "| {name:<46} | {rate:>10.0} | {:>7.1} | {:>9} | {note} |",
        elapsed.as_secs_f64(),
        rss_kib
            .map(|k| format!("{:.1}", k as f64 / 1024.0))
            .unwrap_or_else(|| "-".into())
    );
    rate
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benches; nothing to run here.
    }
    let quick = std::env::var("JDBC_BENCH_QUICK").is_ok_and(|v| v == "1");
    let n: i64 = std::env::var("JDBC_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1_000_000 } else { 9_000_000 });

    let pg = Postgres::start();
    pg.psql("postgres", "CREATE DATABASE customers");
    pg.psql(
        "customers",
        "CREATE TABLE users (id int primary key, name varchar(255), \
         updated_at timestamp not null default current_timestamp, private_info varchar)",
    );
    let seed = Instant::now();
    pg.psql(
        "customers",
        &format!(
            "INSERT INTO users SELECT i, 'user-' || i, \
             timestamp '2024-01-01' + i * interval '1 millisecond', 'secret-' || i \
             FROM generate_series(1, {n}) i"
        ),
    );
    pg.psql("customers", "VACUUM ANALYZE users");
    let url = pg.url("customers");
    let jdbc = format!(
        "{}?user=postgres&password=postgres&useSSL=false",
        pg.jdbc_url("customers")
    );
    eprintln!("seeded {n} rows in {:?}", seed.elapsed());
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);

    println!("\n### JDBC source → Tansu, {n} rows, timestamp mode + MaskField\n");
    println!(
        "| {:<46} | {:>10} | {:>7} | {:>9} | note |",
        "run", "records/s", "secs", "peak RSS MiB"
    );
    println!("|{:-<48}|{:->12}|{:->9}|{:->11}|------|", "", "", "", "");

    let cpu = MachineCpu::now();
    let (sel, rows) = bare_select(&url).await;
    assert_eq!(rows, n as u64, "bare SELECT rows");
    let select_rate = row(
        "bare sqlx streaming SELECT (same query)",
        n,
        sel,
        None,
        &cpu.note(n),
    );

    // The bare producer's topic is kept: the sink runs read it.
    let records_topic = unique("jdbc-bench-records");
    kafka.create_topic(&records_topic, 1).await;
    let cpu = MachineCpu::now();
    let (bare, bytes) = bare_producer(&broker.bootstrap, &records_topic, n);
    let cpu_note = cpu.note(n);
    let produce_rate = row(
        "bare rdkafka producer (same JSON records)",
        n,
        bare,
        None,
        &format!(
            "{:.0} MB/s, {BARE_PRODUCER:?}, {cpu_note}",
            bytes as f64 / bare.as_secs_f64() / 1e6
        ),
    );
    let limit = select_rate.min(produce_rate);
    // Runs that would take long (the seed's 500-byte batches) stop after the cap and report
    // the rate over the rows acknowledged so far.
    let cap = Duration::from_secs(
        std::env::var("JDBC_BENCH_CAP_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if quick { 60 } else { 120 }),
    );

    let mut best = 0f64;
    // `JDBC_BENCH_SINK_ONLY=1`: the bare limits, then the sink runs only.
    let sink_only = std::env::var("JDBC_BENCH_SINK_ONLY").is_ok_and(|v| v == "1");
    let only = std::env::var("JDBC_BENCH_ONLY").ok();
    let picked = |label: &str| only.as_deref().is_none_or(|o| label.contains(o));
    for (label, max_rows, overrides) in STAGES.iter().filter(|s| !sink_only && picked(s.0)) {
        let prefix = format!("{}-", unique("jdbc-bench"));
        let topic = format!("{prefix}users");
        kafka.create_topic(&topic, 1).await;
        let w = WorkerProc::start(
            &broker.bootstrap,
            &[("offset.flush.interval.ms", "50")],
            &[],
        )
        .await;
        let mut cfg = json!({"connector.class":"io.confluent.connect.jdbc.JdbcSourceConnector",
            "tasks.max":"1", "connection.url": jdbc,
            "mode":"timestamp","timestamp.column.name":"updated_at","topic.prefix": prefix,
            "table.whitelist":"users","poll.interval.ms":"200","batch.max.rows": max_rows,
            "transforms":"MaskField",
            "transforms.MaskField.type":"org.apache.kafka.connect.transforms.MaskField$Value",
            "transforms.MaskField.fields":"private_info","transforms.MaskField.replacement":"CENSORED"});
        for (k, v) in *overrides {
            cfg[format!("producer.override.{k}")] = json!(v);
        }
        let name = unique("bench-source");
        let cpu = MachineCpu::now();
        let start = Instant::now();
        w.create(&name, cfg).await;
        let done = wait_source_done(&w, &name, n, cap).await;
        let elapsed = start.elapsed();
        let capped = if done < n {
            format!(", capped: {done} rows in {cap:?}")
        } else {
            String::new()
        };
        let rate = row(
            label,
            done,
            elapsed,
            w.proc_status_kib("VmHWM"),
            &format!(
                "{:.0} % of the slower bare limit{capped}, {}",
                100.0 * rate_of(done, elapsed) / limit,
                cpu.note(done)
            ),
        );
        best = best.max(rate);
        drop(w);
        // Tansu keeps topics in memory: free each run's data.
        kafka.delete_topic(&topic).await;
    }
    println!(
        "\nbest source run: {best:.0} records/s = {:.0} % of the slower bare limit ({limit:.0}/s; goal ≥ 70 %: {}), \
         {:.1}× the seed's 153k (goal ≥ 3×: {})",
        100.0 * best / limit,
        met(best >= 0.7 * limit),
        best / 153_000.0,
        met(best >= 3.0 * 153_000.0)
    );
    if only.is_some() {
        return;
    }

    println!("\n### Kafka → JDBC sink → PostgreSQL, {n} records\n");
    println!(
        "| {:<46} | {:>10} | {:>7} | {:>9} | note |",
        "run", "rows/s", "secs", "peak RSS MiB"
    );
    println!("|{:-<48}|{:->12}|{:->9}|{:->11}|------|", "", "", "", "");
    let copy = bare_copy(&url, n).await;
    let copy_rate = row("bare COPY FROM STDIN (same rows)", n, copy, None, "");
    let consumed = bare_consume(&broker.bootstrap, &records_topic, n);
    let consume_rate = row(
        "bare rdkafka consumer (same topic, 8 MiB fetches)",
        n,
        consumed,
        None,
        "bytes untouched: the Kafka-side ceiling of any sink",
    );
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let sinks: &[Stage] = &[
        ("insert, defaults (max.poll.records 500)", "insert", &[]),
        (
            "insert, max.poll.records 5000",
            "insert",
            &[("consumer.override.max.poll.records", "5000")],
        ),
        (
            "insert, max.poll.records 5000, 8 MiB fetches",
            "insert",
            &[
                ("consumer.override.max.poll.records", "5000"),
                ("consumer.override.max.partition.fetch.bytes", "8388608"),
                ("consumer.override.fetch.max.bytes", "52428800"),
            ],
        ),
        (
            "upsert (pk id), max.poll.records 5000",
            "upsert",
            &[
                ("consumer.override.max.poll.records", "5000"),
                ("pk.mode", "record_value"),
                ("pk.fields", "id"),
            ],
        ),
    ];
    let mut best_sink = 0f64;
    for (i, (label, mode, extra)) in sinks.iter().enumerate() {
        let table = format!("sink_{i}");
        let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
        let mut cfg = json!({"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
            "topics": records_topic, "connection.url": jdbc, "table.name.format": table,
            "auto.create": true, "insert.mode": mode, "exactly.once": true});
        for (k, v) in *extra {
            cfg[*k] = json!(v);
        }
        // A new connector name per run: its own consumer group, reading from the start.
        let name = unique("bench-sink");
        let start = Instant::now();
        w.create(&name, cfg).await;
        let steady = wait_rows(&mut conn, &w, &name, &table, n).await;
        let elapsed = start.elapsed();
        let rate = row(
            label,
            n,
            elapsed,
            w.proc_status_kib("VmHWM"),
            &format!(
                "{:.0} % of COPY, {:.0} % of the bare consumer; after the first commit \
                 {steady:.0} rows/s = {:.0} % of COPY",
                100.0 * rate_of(n, elapsed) / copy_rate,
                100.0 * rate_of(n, elapsed) / consume_rate,
                100.0 * steady / copy_rate
            ),
        );
        best_sink = best_sink.max(rate);
        drop(w);
    }
    kafka.delete_topic(&records_topic).await;
    println!(
        "\nbest sink run: {best_sink:.0} rows/s = {:.0} % of COPY (goal ≥ 50 %: {}), \
         {:.0} % of the bare consumer",
        100.0 * best_sink / copy_rate,
        met(best_sink >= 0.5 * copy_rate),
        100.0 * best_sink / consume_rate
    );
}

/// The Kafka-side limit of the sink runs: a bare rdkafka consumer reading `n` records of
/// `topic` from the start with 8 MiB partition fetches, bytes untouched.
fn bare_consume(bootstrap: &str, topic: &str, n: i64) -> Duration {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("bare"))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("fetch.message.max.bytes", "8388608")
        .set("fetch.max.bytes", "52428800")
        .create()
        .expect("consumer");
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, rdkafka::Offset::Beginning)
        .expect("tpl");
    consumer.assign(&tpl).expect("assign");
    let start = Instant::now();
    let mut got = 0i64;
    while got < n {
        if let Some(m) = consumer.poll(Duration::from_secs(10)) {
            m.expect("message");
            got += 1;
        }
    }
    start.elapsed()
}

fn rate_of(n: i64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "not met"
    }
}
