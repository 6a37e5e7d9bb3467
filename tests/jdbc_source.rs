//! The JDBC source end to end: a private PostgreSQL cluster, a Tansu broker and the worker
//! binary, driven over REST. The seed user's timestamp-mode config with MaskField, restarts,
//! a late-committing transaction, bulk and incrementing modes, and a wrong password.

mod common;

use std::time::Duration;

use common::*;
use ferroconnect_runtime::testkit::Postgres;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};

fn payload(c: &Consumed) -> Value {
    let v: Value = serde_json::from_str(&c.value_str()).expect("JSON value");
    v["payload"].clone()
}

fn customers_db() -> Postgres {
    let pg = Postgres::start();
    pg.psql("postgres", "CREATE DATABASE customers");
    pg.psql(
        "customers",
        "CREATE TABLE users (id int primary key, name varchar(255), \
         updated_at timestamp not null default current_timestamp, private_info varchar)",
    );
    pg
}

/// The seed config from DESIGN.md, bare JSON numbers included; only the URL's host, port and
/// database credentials point at the test cluster.
fn seed_config(pg: &Postgres) -> Value {
    json!({"connector.class":"io.confluent.connect.jdbc.JdbcSourceConnector","tasks.max":"1",
     "connection.url": format!("jdbc:postgresql://127.0.0.1:{}/customers?user=postgres&password=postgres&useSSL=false", pg.port),
     "mode":"timestamp","timestamp.column.name":"updated_at","topic.prefix":"postgresql-jdbc-bulk-",
     "table.whitelist":"users","poll.interval.ms":"200","batch.max.rows":100,
     "producer.override.linger.ms":1000,"producer.override.batch.size":500,
     "transforms":"MaskField",
     "transforms.MaskField.type":"org.apache.kafka.connect.transforms.MaskField$Value",
     "transforms.MaskField.fields":"private_info","transforms.MaskField.replacement":"CENSORED"})
}

/// Waits until the connector and its `tasks` tasks run; fails at once with the trace and the
/// worker log if any of them FAILED.
async fn running(w: &WorkerProc, name: &str, tasks: usize) {
    let path = format!("/connectors/{name}/status");
    wait_for(&format!("{name} RUNNING"), DEADLINE, || async {
        let r = w.get(&path).await;
        let ts = r.body["tasks"].as_array().cloned().unwrap_or_default();
        if r.body["connector"]["state"] == "FAILED" || ts.iter().any(|t| t["state"] == "FAILED") {
            panic!("{name} failed: {}\n{}", r.body, w.log());
        }
        (r.body["connector"]["state"] == "RUNNING"
            && ts.len() == tasks
            && ts.iter().all(|t| t["state"] == "RUNNING"))
        .then_some(())
    })
    .await
}

const TOPIC: &str = "postgresql-jdbc-bulk-users";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_timestamp_mode_masks_follows_updates_and_survives_restarts() {
    let pg = customers_db();
    pg.psql(
        "customers",
        "INSERT INTO users (id, name, private_info) VALUES (1, 'ann', 'secret-1'), (2, 'bob', 'secret-2'), (3, 'cy', NULL)",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic(TOPIC, 1).await;
    let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create("jdbc-users", seed_config(&pg)).await;
    w.wait_state("jdbc-users", "RUNNING", 1).await;

    let got = kafka.consume(TOPIC, 3);
    let mut ids: Vec<i64> = got
        .iter()
        .map(|c| payload(c)["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![1, 2, 3]);
    for c in &got {
        let text = c.value_str();
        assert!(!text.contains("secret"), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema"]["type"], "struct");
        assert_eq!(v["schema"]["name"], "users");
        let fields: Vec<&str> = v["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["id", "name", "updated_at", "private_info"]);
        assert_eq!(v["schema"]["fields"][0]["optional"], false);
        assert_eq!(
            v["schema"]["fields"][2]["name"],
            "org.apache.kafka.connect.data.Timestamp"
        );
        assert!(v["payload"]["updated_at"].is_i64());
        if v["payload"]["id"] != 3 {
            assert_eq!(v["payload"]["private_info"], "CENSORED", "{text}");
        }
    }

    // An update (with a new timestamp) emits the new row.
    pg.psql(
        "customers",
        "UPDATE users SET name = 'ann-2', updated_at = now() WHERE id = 1",
    );
    let got = kafka.consume(TOPIC, 4);
    assert_eq!(payload(&got[3])["name"], "ann-2");
    assert_eq!(payload(&got[3])["private_info"], "CENSORED");

    // Offsets are Confluent's: partition {"protocol":"1","table":"customers.public.users"}.
    let offsets = wait_for("committed offsets", DEADLINE, || async {
        let r = w.get("/connectors/jdbc-users/offsets").await;
        let list = r.body["offsets"].as_array().cloned().unwrap_or_default();
        (!list.is_empty()).then_some(list)
    })
    .await;
    assert_eq!(
        offsets[0]["partition"],
        json!({"protocol": "1", "table": "customers.public.users"})
    );
    assert!(offsets[0]["offset"]["timestamp"].is_i64(), "{offsets:?}");
    assert!(
        offsets[0]["offset"]["timestamp_nanos"].is_i64(),
        "{offsets:?}"
    );

    // A restart re-reads nothing, then picks up new rows.
    w.restart().await;
    w.wait_state("jdbc-users", "RUNNING", 1).await;
    kafka.assert_exactly(TOPIC, 4, Duration::from_secs(2), "restart re-read rows");
    pg.psql(
        "customers",
        "INSERT INTO users (id, name, private_info) VALUES (4, 'dee', 'secret-4')",
    );
    let got = kafka.consume(TOPIC, 5);
    assert_eq!(payload(&got[4])["id"], 4);

    // A transaction that started earlier but commits later is not skipped, even though a
    // later-stamped row commits in between.
    let mut late = sqlx::PgConnection::connect(&pg.url("customers"))
        .await
        .unwrap();
    late.execute("BEGIN").await.unwrap();
    late.execute("INSERT INTO users (id, name, private_info) VALUES (10, 'late', 'secret-10')")
        .await
        .unwrap();
    pg.psql(
        "customers",
        "INSERT INTO users (id, name, private_info) VALUES (11, 'early', 'secret-11')",
    );
    kafka.assert_exactly(
        TOPIC,
        5,
        Duration::from_secs(1),
        "a row newer than an open transaction was read before it committed",
    );
    late.execute("COMMIT").await.unwrap();
    let got = kafka.consume(TOPIC, 7);
    let mut tail: Vec<i64> = got[5..]
        .iter()
        .map(|c| payload(c)["id"].as_i64().unwrap())
        .collect();
    tail.sort();
    assert_eq!(tail, vec![10, 11]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_mode_copies_the_whole_table_each_poll_with_types_mapped() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE kinds (a smallint not null, b bigint, c numeric(10,2), d real, e double precision, \
         f boolean, g text, h bytea, i date, j timestamptz, k uuid, l jsonb, m int[], n time)",
    );
    pg.psql(
        "postgres",
        "INSERT INTO kinds VALUES (7, 9000000000, -12.34, 1.5, 2.25, true, 'héllo', '\\x0102', \
         '2024-01-02', '2024-01-02 03:04:05.678+00', '12345678-9abc-def0-0123-456789abcdef', \
         '{\"x\": 1}', '{1,NULL,3}', '01:00:00.5')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("bulk-kinds", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "bulk",
        json!({"connector.class": "JdbcSource", "connection.url": pg.jdbc_url("postgres"),
               "connection.user": "postgres", "connection.password": "postgres",
               "mode": "bulk", "topic.prefix": "bulk-", "table.include.list": "public\\.kind.*",
               "poll.interval.ms": 300}),
    )
    .await;
    // Bulk re-reads the table every poll: the same row arrives again and again.
    let got = kafka.consume("bulk-kinds", 2);
    assert_eq!(payload(&got[0]), payload(&got[1]));
    let v: Value = serde_json::from_str(&got[0].value_str()).unwrap();
    let p = &v["payload"];
    assert_eq!(p["a"], 7);
    assert_eq!(p["b"], 9_000_000_000i64);
    // Decimal -12.34 at scale 2 → unscaled -1234 → bytes fb2e → base64 "+y4=".
    assert_eq!(p["c"], "+y4=");
    assert_eq!(v["schema"]["fields"][2]["parameters"]["scale"], "2");
    assert_eq!(p["d"], 1.5);
    assert_eq!(p["e"], 2.25);
    assert_eq!(p["f"], true);
    assert_eq!(p["g"], "héllo");
    assert_eq!(p["h"], "AQI=");
    assert_eq!(p["i"], 19724);
    assert_eq!(p["j"], 1_704_164_645_678i64);
    assert_eq!(p["k"], "12345678-9abc-def0-0123-456789abcdef");
    assert_eq!(p["l"], "{\"x\": 1}");
    assert_eq!(p["m"], json!([1, null, 3]));
    assert_eq!(p["n"], 3_600_500);
    assert_eq!(v["schema"]["fields"][0]["optional"], false);
    assert_eq!(v["schema"]["fields"][1]["optional"], true);
    let status = w.get("/connectors/bulk/offsets").await;
    assert_eq!(status.status, 200, "{:?}", status.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incrementing_mode_reads_new_rows_once_and_resumes_after_restart() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE events (id bigserial primary key, body text)",
    );
    pg.psql(
        "postgres",
        "INSERT INTO events (body) SELECT 'e' || g FROM generate_series(1, 250) g",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("inc-events", 1).await;
    let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    // No incrementing.column.name: the bigserial column is found.
    w.create(
        "inc",
        json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "incrementing", "topic.prefix": "inc-", "table.whitelist": "events",
               "poll.interval.ms": 200, "batch.max.rows": 40}),
    )
    .await;
    let got = kafka.consume("inc-events", 250);
    let ids: Vec<i64> = got
        .iter()
        .map(|c| payload(c)["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=250).collect::<Vec<_>>());
    pg.psql("postgres", "INSERT INTO events (body) VALUES ('late')");
    let got = kafka.consume("inc-events", 251);
    assert_eq!(payload(&got[250])["body"], "late");
    wait_for("offset 251", DEADLINE, || async {
        let r = w.get("/connectors/inc/offsets").await;
        (r.body["offsets"][0]["offset"] == json!({"incrementing": 251})).then_some(())
    })
    .await;
    w.restart().await;
    w.wait_state("inc", "RUNNING", 1).await;
    kafka.assert_exactly(
        "inc-events",
        251,
        Duration::from_secs(2),
        "restart re-read rows",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_fails_the_task_readably_and_a_fixed_config_recovers() {
    let pg = customers_db();
    pg.psql(
        "customers",
        "INSERT INTO users (id, name) VALUES (1, 'ann')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic(TOPIC, 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut config = seed_config(&pg);
    config["connection.url"] = json!(format!(
        "jdbc:postgresql://127.0.0.1:{}/customers?user=postgres&password=wrong",
        pg.port
    ));
    w.create("bad-pw", config).await;
    let status = wait_for("task FAILED", DEADLINE, || async {
        let r = w.get("/connectors/bad-pw/status").await;
        (r.body["tasks"][0]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("password authentication failed"), "{trace}");
    assert!(trace.contains("127.0.0.1"), "{trace}");
    assert!(
        !trace.contains("wrong"),
        "the trace leaks the password: {trace}"
    );

    let r = w.put("/connectors/bad-pw/config", &seed_config(&pg)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    w.wait_state("bad-pw", "RUNNING", 1).await;
    let got = kafka.consume(TOPIC, 1);
    assert_eq!(payload(&got[0])["name"], "ann");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_whitelisted_table_fails_the_task_naming_it() {
    let pg = Postgres::start();
    let broker = Tansu::start();
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "missing",
        json!({"connector.class": "JdbcSourceConnector",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "bulk", "table.whitelist": "nope", "topic.prefix": "x-"}),
    )
    .await;
    let status = wait_for("task FAILED", DEADLINE, || async {
        let r = w.get("/connectors/missing/status").await;
        (r.body["tasks"][0]["state"] == "FAILED").then_some(r.body)
    })
    .await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("table.whitelist") && trace.contains("nope"),
        "{trace}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_mode_with_timestamp_incrementing_appends_its_where_clause() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE orders (id int primary key, amount numeric(12,2) not null, \
         at timestamptz not null default now(), secret text)",
    );
    // Same timestamp for all three rows: the id orders them within it.
    pg.psql(
        "postgres",
        "INSERT INTO orders (id, amount, at) VALUES (1, 10.50, '2024-05-01 00:00:00+00'), \
         (2, 20, '2024-05-01 00:00:00+00'), (3, 30, '2024-05-01 00:00:00+00')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("orders-q", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "q",
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "timestamp+incrementing", "timestamp.column.name": "at",
               "incrementing.column.name": "id", "numeric.mapping": "best_fit",
               "query": "SELECT id, amount, at FROM orders", "topic.prefix": "orders-q",
               "poll.interval.ms": 200, "batch.max.rows": 2}),
    )
    .await;
    running(&w, "q", 1).await;
    let got = kafka.consume("orders-q", 3);
    let ids: Vec<i64> = got
        .iter()
        .map(|c| payload(c)["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(payload(&got[0])["amount"], 10.5);
    assert!(payload(&got[0]).get("secret").is_none());
    let offsets = wait_for("query offset", DEADLINE, || async {
        let r = w.get("/connectors/q/offsets").await;
        let o = r.body["offsets"][0].clone();
        (o["offset"]["incrementing"] == 3).then_some(o)
    })
    .await;
    assert_eq!(offsets["partition"], json!({"query": "query"}));
    assert_eq!(offsets["offset"]["timestamp"], 1_714_521_600_000i64);
    assert_eq!(offsets["offset"]["timestamp_nanos"], 0);
    pg.psql(
        "postgres",
        "INSERT INTO orders (id, amount, at) VALUES (4, 1, '2024-05-01 00:00:00+00')",
    );
    let got = kafka.consume("orders-q", 4);
    assert_eq!(payload(&got[3])["id"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovered_tables_spread_over_tasks_and_new_tables_are_picked_up() {
    let pg = Postgres::start();
    for t in ["t1", "t2", "t3", "skip_me"] {
        pg.psql(
            "postgres",
            &format!("CREATE TABLE {t} (id serial primary key, v text); INSERT INTO {t} (v) VALUES ('{t}')"),
        );
    }
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    for t in ["d-t1", "d-t2", "d-t3", "d-t4"] {
        kafka.create_topic(t, 1).await;
    }
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "disc",
        json!({"connector.class": "JdbcSource", "tasks.max": "2",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "incrementing", "incrementing.column.name": "id",
               "table.blacklist": "skip_me", "topic.prefix": "d-",
               "poll.interval.ms": 200, "table.poll.interval.ms": 500}),
    )
    .await;
    running(&w, "disc", 2).await;
    for t in ["t1", "t2", "t3"] {
        assert_eq!(payload(&kafka.consume(&format!("d-{t}"), 1)[0])["v"], t);
    }
    pg.psql(
        "postgres",
        "CREATE TABLE t4 (id serial primary key, v text); INSERT INTO t4 (v) VALUES ('t4')",
    );
    assert_eq!(payload(&kafka.consume("d-t4", 1)[0])["v"], "t4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_table_is_split_over_tasks_by_page_ranges_without_overlap() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE big (id int primary key, pad text); \
         INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 3000) g",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("split-big", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "split",
        json!({"connector.class": "JdbcSource", "tasks.max": 3,
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "bulk", "table.whitelist": "big", "topic.prefix": "split-",
               "poll.interval.ms": 600000, "batch.max.rows": 500}),
    )
    .await;
    running(&w, "split", 3).await;
    let got = kafka.consume("split-big", 3000);
    let mut ids: Vec<i64> = got
        .iter()
        .map(|c| payload(c)["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, (1..=3000).collect::<Vec<_>>());
    kafka.assert_exactly(
        "split-big",
        3000,
        Duration::from_secs(1),
        "slices overlapped",
    );
    let log = w.log();
    for i in 1..=3 {
        assert!(
            log.contains(&format!("slice {i}/3")),
            "no slice {i}/3 in the log"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_reconnects_after_a_database_restart_without_losing_or_repeating_rows() {
    let mut pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE ev (id int primary key, v text); INSERT INTO ev VALUES (1, 'a'), (2, 'b')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("re-ev", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "re",
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": "ev",
               "topic.prefix": "re-", "poll.interval.ms": 100, "connection.backoff.ms": 200}),
    )
    .await;
    kafka.consume("re-ev", 2);
    pg.restart();
    pg.psql("postgres", "INSERT INTO ev VALUES (3, 'c')");
    let got = kafka.consume("re-ev", 3);
    assert_eq!(payload(&got[2])["id"], 3);
    kafka.assert_exactly(
        "re-ev",
        3,
        Duration::from_secs(1),
        "rows repeated after reconnecting",
    );
    running(&w, "re", 1).await;
    assert!(w.log().contains("JDBC source query failed; reconnecting"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamp_initial_now_skips_existing_rows_in_timestamp_incrementing_mode() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE tsi (id int primary key, v text, \
         m timestamp, c timestamp not null default current_timestamp); \
         INSERT INTO tsi (id, v) VALUES (1, 'old')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("tsi-tsi", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    // Two timestamp columns: COALESCE(m, c).
    w.create(
        "tsi",
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "timestamp+incrementing", "timestamp.column.name": "m, c",
               "incrementing.column.name": "id", "timestamp.initial": -1,
               "table.whitelist": "public.tsi", "topic.prefix": "tsi-", "poll.interval.ms": 100}),
    )
    .await;
    running(&w, "tsi", 1).await;
    // RUNNING is reported before the task's start() ran: wait until it took "now".
    wait_for("the task to start", DEADLINE, || async {
        w.log().contains("JDBC source task started").then_some(())
    })
    .await;
    pg.psql("postgres", "INSERT INTO tsi (id, v) VALUES (2, 'new')");
    let got = kafka.consume("tsi-tsi", 1);
    assert_eq!(payload(&got[0])["v"], "new");
    kafka.assert_exactly(
        "tsi-tsi",
        1,
        Duration::from_secs(1),
        "an existing row was read",
    );
}

/// The `value` part of `key` in a `/config/validate` answer.
fn validated(body: &Value, key: &str) -> Value {
    body["configs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["value"]["name"] == key))
        .map(|c| c["value"].clone())
        .unwrap_or_else(|| panic!("{key} missing from {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_timezone_and_granularity_shape_timestamps_bounds_and_offsets() {
    let pg = Postgres::start();
    // A Moscow wall clock (UTC+3) and the same instant as a timestamptz.
    pg.psql(
        "postgres",
        "CREATE TABLE events (id int primary key, at timestamp not null, at_tz timestamptz); \
         INSERT INTO events VALUES (1, '2024-01-15 15:00:00.123456', '2024-01-15 12:00:00.123456+00')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("tzn-events", 1).await;
    kafka.create_topic("tzi-events", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let config = |prefix: &str, granularity: &str| {
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "timestamp", "timestamp.column.name": "at", "table.whitelist": "events",
               "db.timezone": "Europe/Moscow", "timestamp.granularity": granularity,
               "topic.prefix": prefix, "poll.interval.ms": 200})
    };
    // Unknown values are validation errors naming their key.
    let mut bad = config("x-", "millis");
    bad["name"] = json!("bad");
    bad["db.timezone"] = json!("Mars/Olympus_Mons");
    let r = w
        .put(
            "/connector-plugins/JdbcSourceConnector/config/validate",
            &bad,
        )
        .await;
    assert_eq!(r.body["error_count"], 2, "{}", r.body);
    let tz = validated(&r.body, "db.timezone");
    assert!(
        tz["errors"][0].as_str().unwrap().contains("db.timezone"),
        "{tz}"
    );
    let g = validated(&r.body, "timestamp.granularity");
    assert!(
        g["errors"][0].as_str().unwrap().contains("nanos_long"),
        "{g}"
    );

    w.create("tz-nanos", config("tzn-", "nanos_long")).await;
    w.create("tz-iso", config("tzi-", "nanos_iso_datetime_string"))
        .await;
    running(&w, "tz-nanos", 1).await;
    running(&w, "tz-iso", 1).await;
    let nanos = 1_705_320_000_123_456_000i64;
    let got = kafka.consume("tzn-events", 1);
    let v: Value = serde_json::from_str(&got[0].value_str()).unwrap();
    assert_eq!(v["payload"]["at"], nanos, "{v}");
    assert_eq!(v["payload"]["at_tz"], nanos, "{v}");
    assert_eq!(v["schema"]["fields"][1]["type"], "int64");
    assert!(v["schema"]["fields"][1].get("name").is_none(), "{v}");
    let got = kafka.consume("tzi-events", 1);
    assert_eq!(payload(&got[0])["at"], "2024-01-15T15:00:00.123456000");
    assert_eq!(payload(&got[0])["at_tz"], "2024-01-15T15:00:00.123456000");
    // Offsets hold the instant in Confluent's shape, whatever the granularity.
    for name in ["tz-nanos", "tz-iso"] {
        let o = wait_for("timestamp offset", DEADLINE, || async {
            let r = w.get(&format!("/connectors/{name}/offsets")).await;
            let o = r.body["offsets"][0]["offset"].clone();
            o.get("timestamp").is_some().then_some(o)
        })
        .await;
        assert_eq!(
            o,
            json!({"timestamp": 1_705_320_000_123i64, "timestamp_nanos": 123_456_000})
        );
    }
    // A row stamped with Moscow's "now" is inside the upper bound (now() in the database) only
    // when read in Moscow time: as UTC it would be three hours ahead and wait that long.
    pg.psql(
        "postgres",
        "INSERT INTO events VALUES (2, (now() AT TIME ZONE 'Europe/Moscow') - interval '1 second', NULL)",
    );
    let got = kafka.consume("tzn-events", 2);
    let want: i64 = pg
        .psql(
            "postgres",
            "SELECT (extract(epoch FROM at AT TIME ZONE 'Europe/Moscow') * 1000000)::int8 * 1000 \
             FROM events WHERE id = 2",
        )
        .trim()
        .parse()
        .unwrap();
    assert_eq!(payload(&got[1])["id"], 2);
    assert_eq!(payload(&got[1])["at"], want);
    assert!(payload(&got[1])["at_tz"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_masked_stays_out_of_logs_traces_and_validate() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE hush_orders (id int primary key, note text); \
         INSERT INTO hush_orders VALUES (1, 'a'), (2, 'b')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("masked-q", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let config = |query: &str| {
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "incrementing", "incrementing.column.name": "id",
               "query.masked": query, "topic.prefix": "masked-q",
               "poll.interval.ms": 200, "query.retry.attempts": 0})
    };
    let mut named = config("SELECT id, note FROM hush_orders");
    named["name"] = json!("masked");
    let r = w
        .put(
            "/connector-plugins/JdbcSourceConnector/config/validate",
            &named,
        )
        .await;
    assert_eq!(r.body["error_count"], 0, "{}", r.body);
    assert_eq!(validated(&r.body, "query.masked")["value"], "[hidden]");
    // Both query and query.masked: an error on each key, quoting neither query.
    named["query"] = json!("SELECT 1");
    let r = w
        .put(
            "/connector-plugins/JdbcSourceConnector/config/validate",
            &named,
        )
        .await;
    assert_eq!(r.body["error_count"], 2, "{}", r.body);
    for key in ["query", "query.masked"] {
        let e = validated(&r.body, key)["errors"][0].clone();
        assert!(
            e.as_str()
                .unwrap()
                .contains("cannot be set at the same time"),
            "{e}"
        );
    }
    assert!(!r.body.to_string().contains("hush_orders"), "{}", r.body);

    w.create("masked", config("SELECT id, note FROM hush_orders"))
        .await;
    running(&w, "masked", 1).await;
    let got = kafka.consume("masked-q", 2);
    assert_eq!(payload(&got[1])["note"], "b");

    // A failing masked query fails the task with the SQLSTATE only.
    w.create("masked-bad", config("SELECT id FROM hush_missing_table"))
        .await;
    let trace = wait_for("masked-bad FAILED", DEADLINE, || async {
        let r = w.get("/connectors/masked-bad/status").await;
        let t = r.body["tasks"][0].clone();
        (t["state"] == "FAILED").then(|| t["trace"].as_str().unwrap_or_default().to_string())
    })
    .await;
    assert!(
        trace.contains("<redacted>") && trace.contains("42P01"),
        "{trace}"
    );
    assert!(!trace.contains("hush_missing_table"), "{trace}");
    let log = w.log();
    assert!(log.contains("<redacted>"), "{log}");
    for secret in ["hush_orders", "hush_missing_table"] {
        assert!(!log.contains(secret), "{secret} in the worker log:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_suffix_is_appended_to_the_generated_query() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE tiers (id int primary key, name text); \
         INSERT INTO tiers VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("sfx-tiers", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    // Bulk reads the table each poll; the suffix keeps only its last row.
    w.create(
        "sfx",
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "bulk", "table.whitelist": "tiers", "topic.prefix": "sfx-",
               "query.suffix": " ORDER BY id DESC LIMIT 1 ", "poll.interval.ms": 100}),
    )
    .await;
    running(&w, "sfx", 1).await;
    let got = kafka.consume("sfx-tiers", 3);
    for c in &got {
        assert_eq!(payload(c)["id"], 3, "{}", c.value_str());
    }
}
