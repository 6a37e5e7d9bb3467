//! The JDBC source's split initial load in `incrementing` mode: with more tasks than tables,
//! a table's existing rows are read by several tasks over id ranges, each row once, while the
//! table's own offsets stay Confluent's and the rows added later are read in order by one
//! task; a restart re-reads nothing.

mod common;

use std::time::Duration;

use common::*;
use ferroconnect_runtime::testkit::Postgres;
use serde_json::{json, Value};

fn id(c: &Consumed) -> i64 {
    let v: Value = serde_json::from_str(&c.value_str()).expect("JSON value");
    v["payload"]["id"].as_i64().expect("id")
}

/// Connector `name` runs 3 tasks that read the 3000 existing rows into `topic`, each once,
/// and its log says the load was split.
async fn assert_split_initial_load(w: &WorkerProc, kafka: &Kafka, name: &str, topic: &str) {
    w.wait_state(name, "RUNNING", 3).await;
    let got = kafka.consume(topic, 3000);
    let mut ids: Vec<i64> = got.iter().map(id).collect();
    ids.sort();
    assert_eq!(ids, (1..=3000).collect::<Vec<_>>());
    let log = w.log();
    assert!(
        log.contains("splits the initial load over 3 tasks"),
        "no split:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incrementing_initial_load_is_split_over_tasks_by_id_ranges() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE items (id bigserial primary key, body text); \
         INSERT INTO items (body) SELECT 'i' || g FROM generate_series(1, 3000) g",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("split-items", 1).await;
    let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "split",
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "incrementing", "topic.prefix": "split-", "table.whitelist": "items",
               "tasks.max": 3, "poll.interval.ms": 200, "batch.max.rows": 300}),
    )
    .await;
    assert_split_initial_load(&w, &kafka, "split", "split-items").await;

    // Rows added later are read once, in order, under the table's Confluent partition.
    pg.psql(
        "postgres",
        "INSERT INTO items (body) VALUES ('late-1'), ('late-2')",
    );
    let got = kafka.consume("split-items", 3002);
    assert_eq!(got[3000..].iter().map(id).collect::<Vec<_>>(), [3001, 3002]);
    let partition = json!({"protocol": "1", "table": "postgres.public.items"});
    let offsets = wait_for("offset 3002", DEADLINE, || async {
        let r = w.get("/connectors/split/offsets").await;
        let list = r.body["offsets"].as_array().cloned().unwrap_or_default();
        list.iter()
            .any(|o| o["partition"] == partition && o["offset"] == json!({"incrementing": 3002}))
            .then_some(list)
    })
    .await;
    // The other two ranges kept their own partitions, finished.
    let slices: Vec<&Value> = offsets
        .iter()
        .filter(|o| o["partition"].get("initial.load.slice").is_some())
        .collect();
    assert_eq!(slices.len(), 2, "{offsets:?}");
    for s in slices {
        assert_eq!(s["offset"]["split.done"], 1, "{s}");
        assert_eq!(s["offset"]["split.upper"], 3000, "{s}");
    }

    // A restart (new task configs, fresh bounds) re-reads nothing; new rows still flow.
    w.restart().await;
    w.wait_state("split", "RUNNING", 3).await;
    pg.psql(
        "postgres",
        "INSERT INTO items (body) VALUES ('after-restart')",
    );
    let got = kafka.consume("split-items", 3003);
    assert_eq!(id(&got[3002]), 3003);
    kafka.assert_exactly(
        "split-items",
        3003,
        Duration::from_secs(2),
        "the restart re-read rows",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamp_incrementing_initial_load_is_split_and_updates_follow() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE orders (id bigserial primary key, \
           at timestamptz not null default now(), body text); \
         INSERT INTO orders (at, body) SELECT timestamptz '2024-01-01 00:00:00+00' \
           + g * interval '1 second', 'o' || g FROM generate_series(1, 3000) g",
    );
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("tsplit-orders", 1).await;
    let mut w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "tsplit",
        json!({"connector.class": "JdbcSource",
               "connection.url": pg.jdbc_login_url("postgres"),
               "mode": "timestamp+incrementing", "timestamp.column.name": "at",
               "incrementing.column.name": "id", "topic.prefix": "tsplit-",
               "table.whitelist": "orders", "tasks.max": 3, "poll.interval.ms": 200,
               "batch.max.rows": 300}),
    )
    .await;
    assert_split_initial_load(&w, &kafka, "tsplit", "tsplit-orders").await;

    // New rows and an update of an old row come in order through the table's partition.
    pg.psql(
        "postgres",
        "INSERT INTO orders (body) VALUES ('new-1'), ('new-2')",
    );
    let got = kafka.consume("tsplit-orders", 3002);
    assert_eq!(got[3000..].iter().map(id).collect::<Vec<_>>(), [3001, 3002]);
    pg.psql(
        "postgres",
        "UPDATE orders SET at = now(), body = 'changed' WHERE id = 5",
    );
    let got = kafka.consume("tsplit-orders", 3003);
    assert_eq!(id(&got[3002]), 5);
    let partition = json!({"protocol": "1", "table": "postgres.public.orders"});
    let offsets = wait_for("owner offset at id 5", DEADLINE, || async {
        let r = w.get("/connectors/tsplit/offsets").await;
        let list = r.body["offsets"].as_array().cloned().unwrap_or_default();
        list.iter()
            .any(|o| o["partition"] == partition && o["offset"]["incrementing"] == 5)
            .then_some(list)
    })
    .await;
    let owner = offsets
        .iter()
        .find(|o| o["partition"] == partition)
        .expect("owner offset");
    let keys: Vec<&String> = owner["offset"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["incrementing", "timestamp", "timestamp_nanos"],
        "{owner}"
    );
    let slices: Vec<&Value> = offsets
        .iter()
        .filter(|o| o["partition"].get("initial.load.slice").is_some())
        .collect();
    assert_eq!(slices.len(), 3, "{offsets:?}");
    for s in slices {
        assert_eq!(s["offset"]["split.done"], 1, "{s}");
        assert!(s["offset"]["split.ts_upper"].is_i64(), "{s}");
    }

    w.restart().await;
    w.wait_state("tsplit", "RUNNING", 3).await;
    pg.psql(
        "postgres",
        "INSERT INTO orders (body) VALUES ('after-restart')",
    );
    let got = kafka.consume("tsplit-orders", 3004);
    assert_eq!(id(&got[3003]), 3003);
    kafka.assert_exactly(
        "tsplit-orders",
        3004,
        Duration::from_secs(2),
        "the restart re-read rows",
    );
}
