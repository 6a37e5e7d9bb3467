//! The JDBC sink end to end: records with JSON schemas from a Tansu topic into a private
//! PostgreSQL cluster through the worker binary, driven over REST: auto.create, upserts by
//! record key, tombstone deletes and auto.evolve.

mod common;

use std::time::Duration;

use common::*;
use ferroconnect_runtime::testkit::Postgres;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;

fn key(id: i32) -> String {
    json!({"schema": {"type": "struct", "name": "Key", "optional": false,
                      "fields": [{"field": "id", "type": "int32", "optional": false}]},
           "payload": {"id": id}})
    .to_string()
}

fn value(id: i32, name: &str, extra: Option<&str>) -> String {
    let mut fields = vec![
        json!({"field": "id", "type": "int32", "optional": false}),
        json!({"field": "name", "type": "string", "optional": true}),
        json!({"field": "amount", "type": "bytes", "optional": true,
               "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
               "parameters": {"scale": "2"}}),
        json!({"field": "at", "type": "int64", "optional": false,
               "name": "org.apache.kafka.connect.data.Timestamp", "version": 1}),
    ];
    // -12.34 → unscaled -1234 → "+y4=".
    let mut payload = json!({"id": id, "name": name, "amount": "+y4=", "at": 1_704_164_645_678i64});
    if let Some(e) = extra {
        fields.push(json!({"field": "extra", "type": "string", "optional": true}));
        payload["extra"] = json!(e);
    }
    json!({"schema": {"type": "struct", "name": "Order", "optional": false, "fields": fields},
           "payload": payload})
    .to_string()
}

async fn wait_sql(pg: &Postgres, sql: &str, expected: &str) {
    wait_for(
        &format!("`{sql}` to return {expected}"),
        DEADLINE,
        || async {
            let got = pg.try_psql("postgres", sql);
            (got.as_deref() == Ok(expected)).then_some(())
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upserts_deletes_and_evolves_a_created_table() {
    let pg = Postgres::start();
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("sink_orders", 1).await;
    let (k1, k2, k3) = (key(1), key(2), key(3));
    let (v1, v2, v3) = (
        value(1, "a", None),
        value(2, "b", None),
        value(3, "c", None),
    );
    kafka
        .produce(
            "sink_orders",
            &[(Some(&k1), &v1), (Some(&k2), &v2), (Some(&k3), &v3)],
        )
        .await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "pg-sink",
        json!({"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
               "topics": "sink_orders",
               "connection.url": pg.jdbc_login_url("postgres"),
               "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "id",
               "auto.create": true, "auto.evolve": true, "delete.enabled": true,
               "batch.size": 2}),
    )
    .await;
    wait_sql(
        &pg,
        "SELECT string_agg(id || ':' || name || ':' || amount || ':' || at, ',' ORDER BY id) FROM sink_orders",
        "1:a:-12.34:2024-01-02 03:04:05.678,2:b:-12.34:2024-01-02 03:04:05.678,3:c:-12.34:2024-01-02 03:04:05.678",
    )
    .await;
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a \
             ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = 'sink_orders'::regclass AND i.indisprimary"
        ),
        "id"
    );

    // An update of id 1 (upsert), a tombstone for id 2, and a new optional field for id 4.
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .create()
        .expect("producer");
    let v1b = value(1, "a2", None);
    let v4 = value(4, "d", Some("x"));
    let k4 = key(4);
    for (k, v) in [(&k1, Some(&v1b)), (&k2, None), (&k4, Some(&v4))] {
        let mut rec = FutureRecord::<String, String>::to("sink_orders")
            .key(k)
            .partition(0);
        if let Some(v) = v {
            rec = rec.payload(v);
        }
        producer
            .send(rec, Duration::from_secs(10))
            .await
            .map_err(|(e, _)| e)
            .expect("produce");
    }
    wait_sql(
        &pg,
        "SELECT string_agg(id || ':' || name || ':' || coalesce(extra, '-'), ',' ORDER BY id) FROM sink_orders",
        "1:a2:-,3:c:-,4:d:x",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_sink_writes_no_duplicates_after_a_kill_9() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE eo (id int not null, name text, amount numeric(10,2), at timestamp not null)",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("eo", 1).await;
    let values: Vec<String> = (0..100).map(|i| value(i, "n", None)).collect();
    let batch: Vec<(Option<&str>, &str)> = values.iter().map(|v| (None, v.as_str())).collect();
    kafka.produce("eo", &batch).await;
    // Consumer offsets are committed only every minute: a crash leaves them uncommitted, so
    // the restarted worker consumes everything again.
    let mut w = WorkerProc::start(
        &broker.bootstrap,
        &[("offset.flush.interval.ms", "60000")],
        &[],
    )
    .await;
    w.create(
        "eo-sink",
        json!({"connector.class": "JdbcSink", "topics": "eo",
               "connection.url": pg.jdbc_login_url("postgres"),
               "exactly.once": true, "batch.size": 30}),
    )
    .await;
    wait_sql(&pg, "SELECT count(*) FROM eo", "100").await;
    w.kill();
    w.restart().await;
    w.wait_state("eo-sink", "RUNNING", 1).await;
    let values: Vec<String> = (100..110).map(|i| value(i, "n", None)).collect();
    let batch: Vec<(Option<&str>, &str)> = values.iter().map(|v| (None, v.as_str())).collect();
    kafka.produce("eo", &batch).await;
    wait_sql(
        &pg,
        "SELECT count(*) || ':' || count(DISTINCT id) FROM eo",
        "110:110",
    )
    .await;
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT next_offset FROM __ferroconnect_sink_offsets WHERE connector = 'eo-sink'"
        ),
        "110"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn types_round_trip_from_a_source_table_through_kafka_into_a_created_table() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE kinds (a smallint not null, b bigint, c numeric(10,2), d real, e double precision, \
         f boolean, g text, h bytea, i date, j timestamptz, k uuid, l jsonb, n time, o varchar(20))",
    );
    pg.psql(
        "postgres",
        "INSERT INTO kinds VALUES (7, 9000000000, -12.34, 1.5, 2.25, true, 'héllo', '\\x0102', \
         '2024-01-02', '2024-01-02 03:04:05.678+00', '12345678-9abc-def0-0123-456789abcdef', \
         '{\"x\": 1}', '01:00:00.5', 'v'), \
         (8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("rt-kinds", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let url = pg.jdbc_login_url("postgres");
    w.create(
        "rt-src",
        json!({"connector.class": "JdbcSource", "connection.url": url, "mode": "bulk",
               "table.whitelist": "kinds", "topic.prefix": "rt-", "poll.interval.ms": 600000}),
    )
    .await;
    w.create(
        "rt-sink",
        json!({"connector.class": "JdbcSink", "connection.url": url, "topics": "rt-kinds",
               "table.name.format": "copy_${topic}", "auto.create": true}),
    )
    .await;
    // Connect's Timestamp has no zone: auto.create makes `timestamp` columns (read as UTC).
    let cols =
        |j: &str| format!("a, b, c, d, e, f, g, encode(h, 'hex'), i, {j}, k::text, l::text, n, o");
    let original = pg.psql(
        "postgres",
        &format!(
            "SELECT {} FROM kinds ORDER BY a",
            cols("j AT TIME ZONE 'UTC'")
        ),
    );
    wait_sql(
        &pg,
        &format!("SELECT {} FROM \"copy_rt-kinds\" ORDER BY a", cols("j")),
        &original,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_mode_with_record_value_keys_updates_existing_rows_only() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE upd (id int primary key, name varchar(50), amount numeric(10,2), \
         at timestamptz not null, untouched text default 'keep'); \
         INSERT INTO upd (id, name, amount, at) VALUES (1, 'old', 0, now()), (2, 'old', 0, now())",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("upd", 1).await;
    let (v1, v9) = (value(1, "new", None), value(9, "ghost", None));
    kafka
        .produce("upd", &[(None, v1.as_str()), (None, v9.as_str())])
        .await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "upd-sink",
        json!({"connector.class": "JdbcSinkConnector", "topics": "upd",
               "connection.url": pg.jdbc_login_url("postgres"),
               "insert.mode": "update", "pk.mode": "record_value", "pk.fields": "id"}),
    )
    .await;
    wait_sql(
        &pg,
        "SELECT string_agg(id || ':' || name || ':' || amount || ':' || untouched, ',' ORDER BY id) FROM upd",
        "1:new:-12.34:keep,2:old:0.00:keep",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_coordinates_as_key_and_a_field_whitelist() {
    let pg = Postgres::start();
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("coords", 1).await;
    let (v1, v2) = (value(1, "a", None), value(2, "b", None));
    kafka
        .produce("coords", &[(None, v1.as_str()), (None, v2.as_str())])
        .await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "coords-sink",
        json!({"connector.class": "JdbcSink", "topics": "coords",
               "connection.url": pg.jdbc_login_url("postgres"),
               "insert.mode": "upsert", "pk.mode": "kafka", "fields.whitelist": "id,name",
               "auto.create": true}),
    )
    .await;
    wait_sql(
        &pg,
        "SELECT string_agg(__connect_topic || ':' || __connect_partition || ':' || __connect_offset \
         || ':' || id || ':' || name, ',' ORDER BY __connect_offset) FROM coords",
        "coords:0:0:1:a,coords:0:1:2:b",
    )
    .await;
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute \
             WHERE attrelid = 'coords'::regclass AND attnum > 0"
        ),
        "__connect_topic,__connect_partition,__connect_offset,id,name"
    );
}

/// A value of the `fit` table's shape: a NOT NULL `name` and a `qty` with a CHECK (>= 0).
fn fit_value(id: i32, name: Option<&str>, qty: i32) -> String {
    json!({"schema": {"type": "struct", "name": "Fit", "optional": false, "fields": [
              {"field": "id", "type": "int32", "optional": false},
              {"field": "name", "type": "string", "optional": true},
              {"field": "qty", "type": "int32", "optional": false}]},
           "payload": {"id": id, "name": name, "qty": qty}})
    .to_string()
}

/// 20 records for the `fit` table: good ones and, at ids 3, 7 and 12, a null name (NOT
/// NULL), a negative qty (CHECK), another null name, and with `unconvertible` at id 15 a
/// value that is not a struct (cannot be turned into columns at all).
fn fit_records(unconvertible: bool) -> Vec<String> {
    (0..20)
        .map(|i| match i {
            3 | 12 => fit_value(i, None, 1),
            7 => fit_value(i, Some("neg"), -1),
            15 if unconvertible => {
                json!({"schema": {"type": "string", "optional": false}, "payload": "oops"})
                    .to_string()
            }
            _ => fit_value(i, Some("ok"), i),
        })
        .collect()
}

/// Starts Postgres with the `fit` table, a broker with the `fit` topic holding
/// [`fit_records`], an empty one-partition `fit_dlq` topic (as the JVM creates dead-letter
/// queues), and a worker.
async fn fit_setup(unconvertible: bool) -> (Postgres, Tansu, Kafka, WorkerProc) {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE fit (id int PRIMARY KEY, name text NOT NULL, \
         qty int NOT NULL CONSTRAINT qty_not_negative CHECK (qty >= 0))",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("fit", 1).await;
    kafka.create_topic("fit_dlq", 1).await;
    let values = fit_records(unconvertible);
    let batch: Vec<(Option<&str>, &str)> = values.iter().map(|v| (None, v.as_str())).collect();
    kafka.produce("fit", &batch).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    (pg, broker, kafka, w)
}

fn header(rec: &Consumed, key: &str) -> String {
    rec.headers
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.as_deref())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_else(|| panic!("no {key} header in {rec:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_that_do_not_fit_the_table_go_to_the_dlq_under_tolerance_all() {
    let (pg, _broker, kafka, w) = fit_setup(true).await;
    w.create(
        "fit-sink",
        json!({"connector.class": "JdbcSink", "topics": "fit",
               "connection.url": pg.jdbc_login_url("postgres"),
               "exactly.once": true, "batch.size": 100,
               "errors.tolerance": "all", "errors.log.enable": true,
               "errors.deadletterqueue.topic.name": "fit_dlq",
               "errors.deadletterqueue.topic.replication.factor": 1,
               "errors.deadletterqueue.context.headers.enable": true}),
    )
    .await;
    let good = "0,1,2,4,5,6,8,9,10,11,13,14,16,17,18,19";
    wait_sql(
        &pg,
        "SELECT string_agg(id::text, ',' ORDER BY id) FROM fit",
        good,
    )
    .await;
    let dlq = kafka.consume("fit_dlq", 4);
    let mut by_offset: Vec<(i64, String)> = dlq
        .iter()
        .map(|r| {
            let offset: i64 = header(r, "__connect.errors.offset")
                .parse()
                .expect("offset");
            (offset, header(r, "__connect.errors.exception.message"))
        })
        .collect();
    by_offset.sort();
    let offsets: Vec<i64> = by_offset.iter().map(|(o, _)| *o).collect();
    assert_eq!(
        offsets,
        [3, 7, 12, 15],
        "dead-lettered records: {by_offset:?}"
    );
    for (offset, msg) in &by_offset {
        let expected: &[&str] = match offset {
            3 | 12 => &["not-null constraint", "column name", "23502"],
            7 => &["qty_not_negative", "23514"],
            _ => &["struct"],
        };
        for e in expected {
            assert!(msg.contains(e), "offset {offset}: {msg:?} lacks {e:?}");
        }
    }
    // The DLQ record is the original record converted back.
    let bad_7 = dlq
        .iter()
        .find(|r| header(r, "__connect.errors.offset") == "7")
        .expect("offset 7 in the DLQ");
    assert!(
        bad_7.value_str().contains("\"qty\":-1"),
        "{}",
        bad_7.value_str()
    );
    kafka.assert_exactly(
        "fit_dlq",
        4,
        Duration::from_secs(2),
        "one DLQ record per bad record",
    );
    w.wait_state("fit-sink", "RUNNING", 1).await;
    // exactly.once: the offsets row covers the reported records too.
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT next_offset FROM __ferroconnect_sink_offsets WHERE connector = 'fit-sink'"
        ),
        "20"
    );
    // Later good records keep flowing.
    let more = fit_value(20, Some("late"), 5);
    kafka.produce("fit", &[(None, more.as_str())]).await;
    wait_sql(&pg, "SELECT count(*) FROM fit WHERE id = 20", "1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_does_not_fit_fails_the_task_under_tolerance_none() {
    let (pg, _broker, _kafka, w) = fit_setup(false).await;
    w.create(
        "fit-strict",
        json!({"connector.class": "JdbcSink", "topics": "fit",
               "connection.url": pg.jdbc_login_url("postgres"),
               "batch.size": 100}),
    )
    .await;
    let status = wait_for("fit-strict's task to fail", DEADLINE, || async {
        let r = w.get("/connectors/fit-strict/status").await;
        (r.body["tasks"][0]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("violates not-null constraint") && trace.contains("\"fit\""),
        "{trace}"
    );
    // The failed batch was rolled back as a whole.
    assert_eq!(pg.psql("postgres", "SELECT count(*) FROM fit"), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_writes_every_mapped_type_exactly_into_a_typed_table() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE kinds (id int primary key, a smallint, b integer, c bigint, \
         d numeric(14,4), e real, f double precision, g boolean, h text, i varchar(20), \
         j char(3), k bytea, l date, m time, n time(3), o timestamp, p timestamp(3), \
         q timestamptz, r uuid, s json, t jsonb); \
         CREATE TABLE copy_kinds (LIKE kinds)",
    );
    pg.psql(
        "postgres",
        "INSERT INTO kinds VALUES \
         (1, 7, 2147483647, 9000000000, 12345678.9012, 1.5, 2.25, true, 'héllo wörld ✓ 日本 😀', \
          'vär', 'ab', '\\x00ff10', '2024-01-02', '23:59:59.999', '01:00:00.5', \
          '2024-01-02 03:04:05.678', '2024-02-29 23:59:59.999', '2024-01-02 03:04:05.678+00', \
          '12345678-9abc-def0-0123-456789abcdef', '{\"x\": [1, \"ü\"],  \"y\":null}', \
          '{\"b\": 1, \"a\": [true, 2.50]}'), \
         (2, -32768, -2147483648, -9223372036854775808, -0.0001, -3.4e38, 1e-300, false, '', \
          '', '', '\\x', '1900-03-01', '00:00:00', '12:00:00', '1969-12-31 23:59:59.999', \
          '1800-01-01 00:00:00', '2262-04-11 23:47:16.854+00', \
          '00000000-0000-0000-0000-000000000000', 'null', '[]'), \
         (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
          NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
         (4, 0, 0, 0, 0, 0, -0.0, true, 'x''y\"z\\\\n\t', 'v', 'abc', '\\x5c', '2000-01-01', \
          '12:34:56.789', '00:00:00.001', '2000-01-01 00:00:00', '2000-01-01 00:00:00.001', \
          '2000-01-01 00:00:00+00', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '\"s\"', '{}'), \
         (5, 1, 1, 1, 9999999999.9999, 3.4e38, 1.7976931348623157e308, false, 'z', 'z', 'z', \
          '\\xdeadbeef', '9999-12-31', '00:00:00.001', '23:59:59.999', '1999-12-31 23:59:59.999', \
          '2100-06-15 12:00:00.5', '1970-01-01 00:00:00+00', \
          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1.5e3', '-0.0')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("cp-kinds", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let url = pg.jdbc_login_url("postgres");
    w.create(
        "cp-src",
        json!({"connector.class": "JdbcSource", "connection.url": url, "mode": "bulk",
               "table.whitelist": "kinds", "topic.prefix": "cp-", "poll.interval.ms": 600000}),
    )
    .await;
    w.create(
        "cp-sink",
        json!({"connector.class": "JdbcSink", "connection.url": url, "topics": "cp-kinds",
               "table.name.format": "copy_kinds", "exactly.once": true}),
    )
    .await;
    let rows = |t: &str| format!("SELECT string_agg(x::text, E'\\n' ORDER BY x.id) FROM {t} x");
    let original = pg.psql("postgres", &rows("kinds"));
    wait_sql(&pg, &rows("copy_kinds"), &original).await;
    let log = w.log();
    assert!(
        log.contains("writes \"copy_kinds\" with binary COPY"),
        "the sink did not take the COPY path:\n{log}"
    );
    assert!(
        !log.contains("writing the batch again with statements")
            && !log.contains("holds records that do not fit"),
        "the COPY path fell back to statements:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_through_the_staging_table_keeps_the_last_record_per_key() {
    let pg = Postgres::start();
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("staged", 1).await;
    // Three rounds over shrinking key ranges, with tombstones (statement runs) in between.
    let mut recs: Vec<(String, Option<String>)> = Vec::new();
    for id in 1..=20 {
        recs.push((key(id), Some(value(id, &format!("a{id}"), None))));
    }
    recs.push((key(15), None));
    recs.push((key(3), None));
    for id in 1..=10 {
        recs.push((key(id), Some(value(id, &format!("b{id}"), None))));
    }
    for id in 1..=5 {
        recs.push((key(id), Some(value(id, &format!("c{id}"), None))));
    }
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .create()
        .expect("producer");
    let send = |k: String, v: Option<String>| {
        let producer = producer.clone();
        async move {
            let mut rec = FutureRecord::<String, String>::to("staged")
                .key(&k)
                .partition(0);
            if let Some(v) = &v {
                rec = rec.payload(v);
            }
            producer
                .send(rec, Duration::from_secs(10))
                .await
                .map_err(|(e, _)| e)
                .expect("produce");
        }
    };
    for (k, v) in recs {
        send(k, v).await;
    }
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "staged-sink",
        json!({"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
               "topics": "staged",
               "connection.url": pg.jdbc_login_url("postgres"),
               "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "id",
               "auto.create": true, "delete.enabled": true, "exactly.once": true}),
    )
    .await;
    let mut want: Vec<String> = Vec::new();
    for id in 1..=20 {
        let round = match id {
            15 => continue,
            1..=5 => "c",
            6..=10 => "b",
            _ => "a",
        };
        want.push(format!("{id}:{round}{id}:-12.34"));
    }
    let sql = "SELECT string_agg(id || ':' || name || ':' || amount, ',' ORDER BY id) FROM staged";
    wait_sql(&pg, sql, &want.join(",")).await;
    // A later batch updates an existing row through the staging table.
    send(key(7), Some(value(7, "late", None))).await;
    want[6] = "7:late:-12.34".to_string();
    wait_sql(&pg, sql, &want.join(",")).await;
    let log = w.log();
    assert!(
        log.contains("writes \"staged\" with binary COPY"),
        "the sink did not take the COPY path:\n{log}"
    );
    assert!(
        !log.contains("writing the batch again with statements")
            && !log.contains("holds records that do not fit"),
        "the COPY path fell back to statements:\n{log}"
    );
}

/// Produces `(key, value)` records to partition 0 of `topic`.
async fn produce_all(bootstrap: &str, topic: &str, recs: &[(String, String)]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("producer");
    for (k, v) in recs {
        let rec = FutureRecord::to(topic).key(k).payload(v).partition(0);
        producer
            .send(rec, Duration::from_secs(10))
            .await
            .map_err(|(e, _)| e)
            .expect("produce");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_treats_numeric_keys_of_one_value_at_two_scales_as_one_key() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE prices (k numeric primary key, v text)",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("prices", 1).await;
    // String keys into a numeric key column: 1.0 and 1.00 are one Postgres key.
    let rec = |k: &str, v: &str| {
        (
            json!({"schema": {"type": "struct", "optional": false,
                              "fields": [{"field": "k", "type": "string", "optional": false}]},
                   "payload": {"k": k}})
            .to_string(),
            json!({"schema": {"type": "struct", "optional": false,
                              "fields": [{"field": "v", "type": "string", "optional": true}]},
                   "payload": {"v": v}})
            .to_string(),
        )
    };
    let recs = vec![
        rec("1.0", "first"),
        rec("2", "two"),
        rec("1.00", "second"),
        rec("01.000", "last"),
    ];
    produce_all(&broker.bootstrap, "prices", &recs).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "prices-sink",
        json!({"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
               "topics": "prices",
               "connection.url": pg.jdbc_login_url("postgres"),
               "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "k"}),
    )
    .await;
    let sql = "SELECT string_agg(k || ':' || v, ',' ORDER BY k) FROM prices";
    wait_sql(&pg, sql, "1.000:last,2:two").await;
    let status = w.wait_state("prices-sink", "RUNNING", 1).await;
    let log = w.log();
    assert!(
        !log.contains("cannot affect row a second time"),
        "{status}\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_timezone_writes_timestamps_as_wall_clocks_of_that_zone() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE stamps (id int primary key, at timestamp, at_tz timestamptz)",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("stamps", 1).await;
    kafka.create_topic("stamps-upd", 1).await;
    let ts_field = |name: &str| {
        json!({"field": name, "type": "int64", "optional": false,
               "name": "org.apache.kafka.connect.data.Timestamp", "version": 1})
    };
    let value = |id: i32, ms: i64| {
        json!({"schema": {"type": "struct", "optional": false, "fields": [
                   {"field": "id", "type": "int32", "optional": false},
                   ts_field("at"), ts_field("at_tz")]},
               "payload": {"id": id, "at": ms, "at_tz": ms}})
        .to_string()
    };
    // 2024-01-15 12:00:00.123 UTC is 15:00:00.123 in Moscow.
    let ms = 1_705_320_000_123i64;
    produce_all(
        &broker.bootstrap,
        "stamps",
        &[(key(1), value(1, ms)), (key(2), value(2, ms))],
    )
    .await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let url = pg.jdbc_login_url("postgres");
    // insert (binary COPY) and update (statements) both write Moscow wall clocks.
    w.create(
        "stamps-sink",
        json!({"connector.class": "JdbcSink", "topics": "stamps", "connection.url": url,
               "db.timezone": "Europe/Moscow"}),
    )
    .await;
    let sql = "SELECT string_agg(id || '|' || at || '|' || \
               to_char(at_tz AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), ',' ORDER BY id) FROM stamps";
    wait_sql(
        &pg,
        sql,
        "1|2024-01-15 15:00:00.123|12:00:00.123,2|2024-01-15 15:00:00.123|12:00:00.123",
    )
    .await;
    // Summer time does not exist in Moscow since 2014; 2024-07-01 10:00 UTC is 13:00 there.
    let july = 1_719_828_000_000i64;
    produce_all(&broker.bootstrap, "stamps-upd", &[(key(2), value(2, july))]).await;
    w.create(
        "stamps-update",
        json!({"connector.class": "JdbcSink", "topics": "stamps-upd", "connection.url": url,
               "table.name.format": "stamps", "insert.mode": "update",
               "pk.mode": "record_value", "pk.fields": "id", "db.timezone": "Europe/Moscow"}),
    )
    .await;
    wait_sql(
        &pg,
        sql,
        "1|2024-01-15 15:00:00.123|12:00:00.123,2|2024-07-01 13:00:00|10:00:00.000",
    )
    .await;
    let log = w.log();
    assert!(
        log.contains("writes \"stamps\" with binary COPY"),
        "the insert did not take the COPY path:\n{log}"
    );
}
