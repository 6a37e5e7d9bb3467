//! The ClickHouse sink end to end through the worker binary, over REST, from a Tansu topic:
//! - against a real clickhouse-server 18.16 (Debian's package): schema'd records in RowBinary,
//!   schemaless JSON through topic2TableMap, an outage of 20 s without loss, and a bad row
//!   dead-lettered while the rest arrive;
//! - against the ClickHouse 26.9 engine (chdb) behind `ChdbFront`, a TEST DOUBLE OF
//!   CLICKHOUSE'S HTTP LAYER (the engine, types, settings and dedup are real; only the HTTP
//!   handling is a stand-in): the seed's `events` table with DateTime64 and LowCardinality, a
//!   Debezium envelope with deletes into ReplacingMergeTree, and exactly-once across kill -9.

mod common;

use std::time::{Duration, Instant};

use common::ch_sink::*;
use common::*;
use ferroconnect_runtime::testkit::{ChdbFront, ClickHouseServer, ClickHouseService};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{json, Value as Json};

/// Produces many values fast (all sends in flight, then awaited), spread over partitions by key.
async fn produce_many(bootstrap: &str, topic: &str, values: Vec<(String, String)>) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    for chunk in values.chunks(5000) {
        let sends = chunk.iter().map(|(k, v)| {
            producer.send(
                FutureRecord::to(topic).key(k.as_str()).payload(v.as_str()),
                Duration::from_secs(30),
            )
        });
        for r in futures::future::join_all(sends).await {
            r.map_err(|(e, _)| e).expect("produce");
        }
    }
}

fn order(id: u32, name: &str, note: Option<&str>) -> String {
    json!({"schema": {"type": "struct", "name": "Order", "optional": false, "fields": [
            {"field": "id", "type": "int32", "optional": false},
            {"field": "name", "type": "string", "optional": false},
            {"field": "amount", "type": "bytes", "optional": false,
             "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
             "parameters": {"scale": "2"}},
            {"field": "at", "type": "int64", "optional": false,
             "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
            {"field": "tags", "type": "array", "optional": false,
             "items": {"type": "string", "optional": false}},
            {"field": "note", "type": "string", "optional": true},
            {"field": "not_a_column", "type": "string", "optional": true}]},
           // amount -12.34 → unscaled -1234 → "+y4="
           "payload": {"id": id, "name": name, "amount": "+y4=", "at": 1_714_557_600_999i64,
                       "tags": ["a", "b"], "note": note, "not_a_column": "x"}})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_server_takes_schemad_and_schemaless_records_and_survives_an_outage() {
    let mut ch = ClickHouseServer::start();
    ch.query(
        "CREATE TABLE orders (id UInt32, name String, amount Decimal(9, 2), at DateTime, \
         tags Array(String), note Nullable(String), loaded DateTime DEFAULT now()) \
         ENGINE = MergeTree ORDER BY id",
    )
    .expect("create orders");
    ch.query("CREATE TABLE clicks (user String, n UInt32) ENGINE = MergeTree ORDER BY user")
        .expect("create clicks");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("orders", 1).await;
    kafka.create_topic("clicks_topic", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let r = w
        .create("ch-orders", sink_config(&ch, "orders", json!({})))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let mut clicks = schemaless();
    clicks["topic2TableMap"] = json!("clicks_topic=clicks");
    let r = w
        .create("ch-clicks", sink_config(&ch, "clicks_topic", clicks))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // String values inserted as-is (customInsertFormat): CSV lines into the same table.
    kafka.create_topic("clicks_csv", 1).await;
    let r = w
        .create(
            "ch-csv",
            sink_config(
                &ch,
                "clicks_csv",
                json!({"value.converter": "org.apache.kafka.connect.storage.StringConverter",
                       "customInsertFormat": "true", "insertFormat": "csv",
                       "topic2TableMap": "clicks_csv=clicks"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    kafka
        .produce("clicks_csv", &[(None, "u2,5"), (None, "\"u,3\",7\n")])
        .await;
    let (o1, o2) = (order(1, "one", Some("n1")), order(2, "two", None));
    kafka
        .produce("orders", &[(None, o1.as_str()), (None, o2.as_str())])
        .await;
    kafka
        .produce(
            "clicks_topic",
            &[(Some("u1"), r#"{"user":"u1","n":3,"extra":true}"#)],
        )
        .await;
    wait_query(
        &ch,
        "SELECT id, name, amount, toUnixTimestamp(at), tags, note FROM orders ORDER BY id",
        "1\tone\t-12.34\t1714557600\t['a','b']\tn1\n2\ttwo\t-12.34\t1714557600\t['a','b']\t\\N",
        DEADLINE,
    )
    .await;
    wait_query(
        &ch,
        "SELECT user, n FROM clicks ORDER BY user",
        "u,3\t7\nu1\t3\nu2\t5",
        DEADLINE,
    )
    .await;

    // ClickHouse goes away for 20 s while records keep coming: none is lost or doubled.
    ch.stop();
    let down = Instant::now();
    let more: Vec<String> = (3..=6).map(|i| order(i, "later", None)).collect();
    let refs: Vec<(Option<&str>, &str)> = more.iter().map(|v| (None, v.as_str())).collect();
    kafka.produce("orders", &refs).await;
    wait_for("the sink to report the failed insert", DEADLINE, || async {
        w.log().contains("ClickHouse insert failed").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(20).saturating_sub(down.elapsed())).await;
    ch.restart();
    wait_query(
        &ch,
        "SELECT count(), uniqExact(id), max(id) FROM orders",
        "6\t6\t6",
        Duration::from_secs(120),
    )
    .await;
    let status = w.get("/connectors/ch-orders/status").await.body;
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_go_to_the_dead_letter_queue_and_the_rest_arrive() {
    let ch = ClickHouseServer::start();
    ch.query("CREATE TABLE people (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
        .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("people", 1).await;
    // The DLQ topic is left to the worker, which creates it with one partition as the JVM does.
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut extra = schemaless();
    for (k, v) in [
        ("errors.tolerance", "all"),
        ("errors.deadletterqueue.topic.name", "people_dlq"),
        ("errors.deadletterqueue.topic.replication.factor", "1"),
        ("errors.deadletterqueue.context.headers.enable", "true"),
    ] {
        extra[k] = json!(v);
    }
    let r = w
        .create("ch-people", sink_config(&ch, "people", extra))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    kafka
        .produce(
            "people",
            &[
                (None, r#"{"id":1,"name":"a"}"#),
                (None, r#"{"id":"not a number","name":"server rejects"}"#),
                (None, r#"{"id":3,"name":"c"}"#),
                (None, r#"[1,2,3]"#),
                (None, r#"{"id":5,"name":"e"}"#),
            ],
        )
        .await;
    wait_query(
        &ch,
        "SELECT groupArray(id) FROM (SELECT id FROM people ORDER BY id)",
        "[1,3,5]",
        DEADLINE,
    )
    .await;
    let dead = kafka.consume("people_dlq", 2);
    let mut values: Vec<String> = dead.iter().map(Consumed::value_str).collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            r#"[1,2,3]"#.to_string(),
            r#"{"id":"not a number","name":"server rejects"}"#.to_string()
        ]
    );
    for d in &dead {
        let msg = d
            .headers
            .iter()
            .find(|(k, _)| k == "__connect.errors.exception.message")
            .and_then(|(_, v)| v.clone())
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default();
        assert!(
            msg.contains("ClickHouse") || msg.contains("not a row"),
            "DLQ message names the cause: {msg}"
        );
    }
    kafka.assert_exactly(
        "people_dlq",
        2,
        Duration::from_secs(2),
        "only the bad rows are dead-lettered",
    );
    let status = w.get("/connectors/ch-people/status").await.body;
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_events_land_in_a_partitioned_replacing_merge_tree() {
    let ch = ChdbFront::start();
    ch.query(
        "CREATE TABLE events (user_id UInt64, event_type LowCardinality(String), \
         timestamp DateTime64(3, 'UTC'), session_id String, device String) \
         ENGINE = ReplacingMergeTree PARTITION BY toYYYYMMDD(timestamp) \
         ORDER BY (user_id, timestamp)",
    )
    .expect("create events");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("seed_events", 1).await;
    kafka.create_topic("typed_events", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut json_events = schemaless();
    json_events["topic2TableMap"] = json!("seed_events=events");
    // Partitions batched together (one block per table), as the official sink allows.
    json_events["ignorePartitionsWhenBatching"] = json!("true");
    let r = w
        .create("ch-events", sink_config(&ch, "seed_events", json_events))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = w
        .create(
            "ch-typed",
            sink_config(
                &ch,
                "typed_events",
                json!({"topic2TableMap": "typed_events=events",
                       "dateTimeFormats": "timestamp=dd.MM.yyyy HH:mm:ss.SSSSSS"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    kafka
        .produce(
            "seed_events",
            &[
                (Some("1"), r#"{"user_id":1,"event_type":"click","timestamp":"2024-05-01T10:00:00.123Z","session_id":"s1","device":"ios","unknown":1}"#),
                (Some("2"), r#"{"user_id":2,"event_type":"view","timestamp":"2024-05-02 11:00:00.5","session_id":"s2","device":"web"}"#),
            ],
        )
        .await;
    let typed = json!({"schema": {"type": "struct", "optional": false, "fields": [
            {"field": "user_id", "type": "int64", "optional": false},
            {"field": "event_type", "type": "string", "optional": false},
            {"field": "timestamp", "type": "int64", "optional": false,
             "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
            {"field": "session_id", "type": "string", "optional": false},
            {"field": "device", "type": "string", "optional": true}]},
        "payload": {"user_id": 3, "event_type": "buy", "timestamp": 1_714_730_400_042i64,
                    "session_id": "s3", "device": null}})
    .to_string();
    // The same event with its time as text in the column's dateTimeFormats pattern.
    let texted = json!({"schema": {"type": "struct", "optional": false, "fields": [
            {"field": "user_id", "type": "int64", "optional": false},
            {"field": "event_type", "type": "string", "optional": false},
            {"field": "timestamp", "type": "string", "optional": false},
            {"field": "session_id", "type": "string", "optional": false}]},
        "payload": {"user_id": 4, "event_type": "buy", "timestamp": "04.05.2024 10:00:00.077000",
                    "session_id": "s4"}})
    .to_string();
    kafka
        .produce(
            "typed_events",
            &[(None, typed.as_str()), (None, texted.as_str())],
        )
        .await;
    wait_query(
        &ch,
        "SELECT user_id, event_type, toUnixTimestamp64Milli(timestamp), session_id, device \
         FROM events ORDER BY user_id",
        "1\tclick\t1714557600123\ts1\tios\n2\tview\t1714647600500\ts2\tweb\n3\tbuy\t1714730400042\ts3\t\n4\tbuy\t1714816800077\ts4\t",
        DEADLINE,
    )
    .await;
    wait_query(
        &ch,
        "SELECT groupArray(partition) FROM (SELECT DISTINCT partition FROM system.parts \
         WHERE table = 'events' AND active ORDER BY partition)",
        "['20240501','20240502','20240503','20240504']",
        DEADLINE,
    )
    .await;
}

fn debezium(op: &str, before: Option<(i32, &str)>, after: Option<(i32, &str)>, lsn: i64) -> String {
    let row_field = |name: &str| {
        json!({"field": name, "type": "struct", "optional": true,
               "name": "db.public.customers.Value",
               "fields": [{"field": "id", "type": "int32", "optional": false},
                          {"field": "name", "type": "string", "optional": true}]})
    };
    let row = |r: Option<(i32, &str)>| r.map_or(Json::Null, |(id, n)| json!({"id": id, "name": n}));
    json!({"schema": {"type": "struct", "optional": false, "name": "db.public.customers.Envelope",
            "fields": [
                row_field("before"),
                row_field("after"),
                {"field": "source", "type": "struct", "optional": false, "fields": [
                    {"field": "lsn", "type": "int64", "optional": true}]},
                {"field": "op", "type": "string", "optional": false},
                {"field": "ts_ms", "type": "int64", "optional": true}]},
        "payload": {"before": row(before), "after": row(after), "source": {"lsn": lsn},
                    "op": op, "ts_ms": 1}})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debezium_changes_with_deletes_collapse_in_replacing_merge_tree() {
    let ch = ChdbFront::start();
    ch.query(
        "CREATE TABLE customers (id Int32, name String, _version UInt64, is_deleted UInt8) \
         ENGINE = ReplacingMergeTree(_version, is_deleted) ORDER BY id",
    )
    .expect("create customers");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("cdc_customers", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let r = w
        .create(
            "ch-cdc",
            sink_config(
                &ch,
                "cdc_customers",
                json!({"debeziumCDCEnabled": "true", "topic2TableMap": "cdc_customers=customers"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // The same changes as JSONEachRow (bypassRowBinary) into a second table.
    ch.query(
        "CREATE TABLE customers_json (id Int32, name String, _version UInt64, is_deleted UInt8) \
         ENGINE = ReplacingMergeTree(_version, is_deleted) ORDER BY id",
    )
    .expect("create customers_json");
    let r = w
        .create(
            "ch-cdc-json",
            sink_config(
                &ch,
                "cdc_customers",
                json!({"debeziumCDCEnabled": "true", "bypassRowBinary": "true",
                       "topic2TableMap": "cdc_customers=customers_json"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let changes = [
        debezium("c", None, Some((1, "ann")), 10),
        debezium("c", None, Some((2, "bob")), 11),
        debezium("u", Some((1, "ann")), Some((1, "anna")), 12),
        debezium("d", Some((2, "bob")), None, 13),
    ];
    let refs: Vec<(Option<&str>, &str)> = changes.iter().map(|v| (None, v.as_str())).collect();
    kafka.produce("cdc_customers", &refs).await;
    // Every change is a row (merges may already have collapsed older versions); the latest
    // version of each key wins, and the delete hides id 2.
    wait_query(
        &ch,
        "SELECT max(_version), argMax(is_deleted, _version) FROM customers WHERE id = 2",
        "13\t1",
        DEADLINE,
    )
    .await;
    wait_query(
        &ch,
        "SELECT id, name FROM customers FINAL ORDER BY id",
        "1\tanna",
        DEADLINE,
    )
    .await;
    for table in ["customers", "customers_json"] {
        wait_query(
            &ch,
            &format!("SELECT id, name, _version FROM {table} FINAL ORDER BY id"),
            "1\tanna\t12",
            DEADLINE,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_survives_kill_9_without_duplicates() {
    const N: u64 = 60_000;
    let ch = ChdbFront::start();
    ch.query(
        "CREATE TABLE eos_rows (id UInt64, v String) ENGINE = MergeTree ORDER BY id \
         SETTINGS non_replicated_deduplication_window = 10000",
    )
    .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("eos_rows", 2).await;
    let values: Vec<(String, String)> = (0..N)
        .map(|i| (i.to_string(), format!(r#"{{"id":{i},"v":"row {i}"}}"#)))
        .collect();
    produce_many(&broker.bootstrap, "eos_rows", values).await;
    let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut cfg = schemaless();
    cfg["exactlyOnce"] = json!("true");
    cfg["consumer.override.max.poll.records"] = json!("300");
    let r = w.create("ch-eos", sink_config(&ch, "eos_rows", cfg)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // Kill the worker mid-stream, once some rounds are in.
    wait_for("the first rows", Duration::from_secs(60), || async {
        let n: u64 = ch
            .query("SELECT count() FROM eos_rows")
            .ok()?
            .trim()
            .parse()
            .ok()?;
        (n > 0).then_some(())
    })
    .await;
    w.kill();
    let at_kill: u64 = ch
        .query("SELECT count() FROM eos_rows")
        .expect("count")
        .trim()
        .parse()
        .expect("number");
    w.restart().await;
    wait_query(
        &ch,
        "SELECT count(), uniqExact(id) FROM eos_rows",
        &format!("{N}\t{N}"),
        Duration::from_secs(180),
    )
    .await;
    assert!(
        at_kill < N,
        "the kill should land mid-stream ({at_kill} of {N} rows in)"
    );
    let status = w.get("/connectors/ch-eos/status").await.body;
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_at_start_is_waited_for() {
    let mut ch = ClickHouseServer::start();
    ch.query("CREATE TABLE late (id UInt32) ENGINE = MergeTree ORDER BY id")
        .expect("create");
    ch.stop();
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("late", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let r = w
        .create("ch-late", sink_config(&ch, "late", schemaless()))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    kafka
        .produce("late", &[(None, r#"{"id":1}"#), (None, r#"{"id":2}"#)])
        .await;
    wait_for(
        "the task to report ClickHouse unreachable",
        DEADLINE,
        || async { w.log().contains("Cannot reach ClickHouse").then_some(()) },
    )
    .await;
    let status = w.get("/connectors/ch-late/status").await.body;
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
    ch.restart();
    wait_query(
        &ch,
        "SELECT count(), sum(id) FROM late",
        "2\t3",
        Duration::from_secs(90),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_on_a_server_without_dedup_tokens_fails_with_the_reason() {
    let ch = ClickHouseServer::start();
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("eos_old", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let r = w
        .create(
            "ch-eos-old",
            sink_config(&ch, "eos_old", json!({"exactlyOnce": "true"})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let status = wait_for("the task to fail", DEADLINE, || async {
        let s = w.get("/connectors/ch-eos-old/status").await.body;
        (s["tasks"][0]["state"] == "FAILED").then_some(s)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("22.2") && trace.contains("18.16"),
        "the trace names the version needed and the server's: {trace}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_server_rejects_fails_the_task_without_tolerance() {
    let ch = ClickHouseServer::start();
    ch.query("CREATE TABLE strict (id UInt32) ENGINE = MergeTree ORDER BY id")
        .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("strict", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let r = w
        .create("ch-strict", sink_config(&ch, "strict", schemaless()))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    kafka
        .produce("strict", &[(None, r#"{"id":"not a number"}"#)])
        .await;
    let status = wait_for("the task to fail", DEADLINE, || async {
        let s = w.get("/connectors/ch-strict/status").await.body;
        (s["tasks"][0]["state"] == "FAILED").then_some(s)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("Insert into ClickHouse failed") && trace.contains("Code:"),
        "the trace carries ClickHouse's message: {trace}"
    );
}
