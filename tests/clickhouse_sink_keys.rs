//! The ClickHouse sink's connection and routing keys end to end through the worker binary,
//! over REST, from a Tansu topic into a real clickhouse-server 18.16 (Debian's package):
//! `tableRefreshInterval` (and the refresh after an insert reports a changed table),
//! `enableDbTopicSplit` + `dbTopicSplitChar`, `clickhouseSettings`, and `ssl=true` over HTTPS
//! with a CA generated for the test (`sslrootcert` in `jdbcConnectionProperties`, the key the
//! official sink's URL takes), and mutual TLS with a client certificate (`sslcert`, `sslkey`).

mod common;

use std::time::{Duration, Instant};

use common::ch_sink::*;
use common::*;
use ferroconnect_runtime::testkit::{ClickHouseServer, ClickHouseService};
use serde_json::json;

/// Waits until the connector's task is FAILED and returns its trace.
async fn failed_trace(w: &WorkerProc, name: &str) -> String {
    let path = format!("/connectors/{name}/status");
    wait_for(&format!("the task of {name} to fail"), DEADLINE, || async {
        let s = w.get(&path).await.body;
        (s["tasks"][0]["state"] == "FAILED").then(|| {
            s["tasks"][0]["trace"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
    })
    .await
}

async fn assert_running(w: &WorkerProc, name: &str) {
    let s = w.get(&format!("/connectors/{name}/status")).await.body;
    assert_eq!(s["tasks"][0]["state"], "RUNNING", "{s}");
}

/// A JSON-with-schema record: `id`, `name` and the optional string fields `extras`.
fn row(id: u32, name: &str, extras: &[(&str, &str)]) -> String {
    let mut fields = vec![
        json!({"field": "id", "type": "int32", "optional": false}),
        json!({"field": "name", "type": "string", "optional": false}),
    ];
    let mut payload = json!({"id": id, "name": name});
    for (k, v) in extras {
        fields.push(json!({"field": k, "type": "string", "optional": true}));
        payload[*k] = json!(v);
    }
    json!({"schema": {"type": "struct", "name": "Row", "optional": false, "fields": fields},
           "payload": payload})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_refresh_interval_picks_up_an_added_column() {
    let ch = ClickHouseServer::start();
    ch.query("CREATE TABLE evo (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
        .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("evo", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    w.create(
        "ch-evo",
        sink_config(&ch, "evo", json!({"tableRefreshInterval": 1})),
    )
    .await;
    let first = row(1, "before", &[("extra", "lost")]);
    kafka.produce("evo", &[(None, first.as_str())]).await;
    wait_query(&ch, "SELECT id, name FROM evo", "1\tbefore", DEADLINE).await;

    // The column appears while the connector runs: within the refresh interval, records
    // carrying the field fill it. Records keep coming until one does (deadline-bounded).
    ch.query("ALTER TABLE evo ADD COLUMN extra String")
        .expect("alter");
    let altered = Instant::now();
    let mut id = 1;
    let filled = loop {
        id += 1;
        let v = row(id, "after", &[("extra", &format!("x{id}"))]);
        kafka.produce("evo", &[(None, v.as_str())]).await;
        wait_query(
            &ch,
            &format!("SELECT count() FROM evo WHERE id = {id}"),
            "1",
            DEADLINE,
        )
        .await;
        let got = ch
            .query(&format!("SELECT extra FROM evo WHERE id = {id}"))
            .expect("select");
        if got.trim() == format!("x{id}") {
            break id;
        }
        assert!(
            altered.elapsed() < Duration::from_secs(30),
            "records with the new field never filled the new column (last row {id}: {got:?})"
        );
    };
    // From then on every record fills it, and nothing was rejected on the way.
    let next = row(filled + 1, "later", &[("extra", "y")]);
    kafka.produce("evo", &[(None, next.as_str())]).await;
    wait_query(
        &ch,
        &format!("SELECT extra FROM evo WHERE id = {}", filled + 1),
        "y",
        DEADLINE,
    )
    .await;
    let log = w.log();
    assert!(
        !log.contains("ClickHouse insert failed"),
        "no insert error: {log}"
    );
    assert_running(&w, "ch-evo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_refresh_interval_an_insert_naming_a_dropped_column_re_reads_the_table() {
    let ch = ClickHouseServer::start();
    ch.query(
        "CREATE TABLE shrink (id UInt32, name String, gone String) \
         ENGINE = MergeTree ORDER BY id",
    )
    .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("shrink", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    // tableRefreshInterval defaults to 0: the cached columns are only re-read when an insert
    // reports that the table changed.
    w.create("ch-shrink", sink_config(&ch, "shrink", json!({})))
        .await;
    let first = row(1, "a", &[("gone", "g")]);
    kafka.produce("shrink", &[(None, first.as_str())]).await;
    wait_query(
        &ch,
        "SELECT id, name, gone FROM shrink",
        "1\ta\tg",
        DEADLINE,
    )
    .await;

    ch.query("ALTER TABLE shrink DROP COLUMN gone")
        .expect("alter");
    let (r2, r3) = (row(2, "b", &[("gone", "g")]), row(3, "c", &[("gone", "g")]));
    kafka
        .produce("shrink", &[(None, r2.as_str()), (None, r3.as_str())])
        .await;
    wait_query(
        &ch,
        "SELECT groupArray(id), groupArray(name) FROM (SELECT * FROM shrink ORDER BY id)",
        "[1,2,3]\t['a','b','c']",
        DEADLINE,
    )
    .await;
    let log = w.log();
    assert!(
        log.contains("re-reading the table"),
        "the schema error triggered the refresh: {log}"
    );
    assert_running(&w, "ch-shrink").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_topic_split_routes_topics_to_their_database() {
    let ch = ClickHouseServer::start();
    for sql in [
        "CREATE DATABASE db2",
        "CREATE TABLE db2.events (id UInt32, name String) ENGINE = MergeTree ORDER BY id",
        "CREATE TABLE db2.clicks_v2 (id UInt32) ENGINE = MergeTree ORDER BY id",
        "CREATE TABLE default.plain (id UInt32) ENGINE = MergeTree ORDER BY id",
        "CREATE TABLE `default`.`a_b_c` (id UInt32) ENGINE = MergeTree ORDER BY id",
    ] {
        ch.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    let topics = ["db2_events", "db2_clicks", "plain", "a_b_c"];
    for t in topics {
        kafka.create_topic(t, 1).await;
    }
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut extra = schemaless();
    extra["enableDbTopicSplit"] = json!(true);
    extra["dbTopicSplitChar"] = json!("_");
    // As in the official sink, topic2TableMap maps the table part of a split topic.
    extra["topic2TableMap"] = json!("clicks=clicks_v2");
    w.create("ch-split", sink_config(&ch, &topics.join(","), extra))
        .await;
    kafka
        .produce("db2_events", &[(None, r#"{"id":1,"name":"e"}"#)])
        .await;
    kafka.produce("db2_clicks", &[(None, r#"{"id":2}"#)]).await;
    // No split char: the configured database and the whole topic name (the official
    // fallback); more than two parts: the same.
    kafka.produce("plain", &[(None, r#"{"id":3}"#)]).await;
    kafka.produce("a_b_c", &[(None, r#"{"id":4}"#)]).await;
    wait_query(&ch, "SELECT id, name FROM db2.events", "1\te", DEADLINE).await;
    wait_query(&ch, "SELECT id FROM db2.clicks_v2", "2", DEADLINE).await;
    wait_query(&ch, "SELECT id FROM default.plain", "3", DEADLINE).await;
    wait_query(&ch, "SELECT id FROM default.a_b_c", "4", DEADLINE).await;
    assert_running(&w, "ch-split").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_settings_go_with_every_insert_and_a_bad_one_fails_the_task() {
    let ch = ClickHouseServer::start();
    ch.query("CREATE TABLE semi (user String, n UInt32) ENGINE = MergeTree ORDER BY user")
        .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("semi", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    // Semicolon-separated CSV only parses if format_csv_delimiter reaches the server.
    w.create(
        "ch-semi",
        sink_config(
            &ch,
            "semi",
            json!({"value.converter": "org.apache.kafka.connect.storage.StringConverter",
                   "customInsertFormat": "true", "insertFormat": "csv",
                   "clickhouseSettings": "format_csv_delimiter=;,max_insert_block_size=1000"}),
        ),
    )
    .await;
    kafka
        .produce("semi", &[(None, "u1;5"), (None, "u2;7")])
        .await;
    wait_query(
        &ch,
        "SELECT user, n FROM semi ORDER BY user",
        "u1\t5\nu2\t7",
        DEADLINE,
    )
    .await;
    assert_running(&w, "ch-semi").await;

    // A setting the server does not know: the task fails with the server's message naming it.
    w.create(
        "ch-bad-setting",
        sink_config(
            &ch,
            "semi",
            json!({"clickhouseSettings": "no_such_setting_xyz=1"}),
        ),
    )
    .await;
    let trace = failed_trace(&w, "ch-bad-setting").await;
    assert!(
        trace.contains("no_such_setting_xyz") && trace.contains("127.0.0.1"),
        "{trace}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_inserts_over_https_trusting_the_configured_ca() {
    let ch = ClickHouseServer::start_with_https();
    let https = ch.https_port().expect("https port");
    ch.query("CREATE TABLE secure (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
        .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("secure", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut extra = schemaless();
    extra["port"] = json!(https.to_string());
    extra["ssl"] = json!("true");
    extra["jdbcConnectionProperties"] = json!(format!(
        "?sslmode=STRICT&sslrootcert={}",
        ch.ca_file().display()
    ));
    w.create("ch-tls", sink_config(&ch, "secure", extra.clone()))
        .await;
    kafka
        .produce(
            "secure",
            &[
                (None, r#"{"id":1,"name":"over tls"}"#),
                (None, r#"{"id":2,"name":"too"}"#),
            ],
        )
        .await;
    wait_query(
        &ch,
        "SELECT groupArray(name) FROM (SELECT name FROM secure ORDER BY id)",
        "['over tls','too']",
        DEADLINE,
    )
    .await;
    assert_running(&w, "ch-tls").await;

    // Without the CA the server's certificate is not trusted: the task fails, and its trace
    // names the server, ssl and the certificate problem.
    let mut untrusted = extra.clone();
    untrusted["jdbcConnectionProperties"] = json!("");
    w.create("ch-untrusted", sink_config(&ch, "secure", untrusted))
        .await;
    let trace = failed_trace(&w, "ch-untrusted").await;
    assert!(
        trace.contains(&format!("127.0.0.1:{https}"))
            && trace.contains("ssl=true")
            && trace.to_lowercase().contains("certificate"),
        "{trace}"
    );
    // sslmode=none (the official sink's JDBC URL parameter): any certificate is accepted.
    kafka.create_topic("secure_lax", 1).await;
    let mut lax = extra.clone();
    lax["jdbcConnectionProperties"] = json!("sslmode=none");
    lax["topic2TableMap"] = json!("secure_lax=secure");
    w.create("ch-lax", sink_config(&ch, "secure_lax", lax))
        .await;
    kafka
        .produce("secure_lax", &[(None, r#"{"id":3,"name":"unverified"}"#)])
        .await;
    wait_query(
        &ch,
        "SELECT name FROM secure WHERE id = 3",
        "unverified",
        DEADLINE,
    )
    .await;
    assert_running(&w, "ch-lax").await;
    // ssl=true against the plain HTTP port: a clear failure, not endless retries.
    let mut plain = extra.clone();
    plain["port"] = json!(ch.http_port().to_string());
    w.create("ch-plain", sink_config(&ch, "secure", plain))
        .await;
    let trace = failed_trace(&w, "ch-plain").await;
    assert!(
        trace.contains(&format!("127.0.0.1:{}", ch.http_port()))
            && trace.contains("ssl=true")
            && trace.contains("does not speak TLS"),
        "{trace}"
    );
    // A CA file that does not exist: a config error naming the key.
    let mut missing = extra;
    missing["jdbcConnectionProperties"] = json!("sslrootcert=/nonexistent/ca.pem");
    w.create("ch-no-ca", sink_config(&ch, "secure", missing))
        .await;
    let trace = failed_trace(&w, "ch-no-ca").await;
    assert!(
        trace.contains("sslrootcert") && trace.contains("/nonexistent/ca.pem"),
        "{trace}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_presents_the_client_certificate_from_sslcert_and_sslkey() {
    let ch = ClickHouseServer::start_with_mutual_tls();
    let https = ch.https_port().expect("https port");
    ch.query("CREATE TABLE mtls (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
        .expect("create");
    let broker = Tansu::start();
    let kafka = Kafka::new(&broker.bootstrap);
    kafka.create_topic("mtls", 1).await;
    let w = WorkerProc::start(&broker.bootstrap, &[], &[]).await;
    let mut extra = schemaless();
    extra["port"] = json!(https.to_string());
    extra["ssl"] = json!("true");
    let (ca, cert, key) = (
        ch.ca_file().display().to_string(),
        ch.client_cert_file().display().to_string(),
        ch.client_key_file().display().to_string(),
    );
    let props = |p: String| {
        let mut c = extra.clone();
        c["jdbcConnectionProperties"] = json!(p);
        c
    };
    // With sslrootcert, and with sslmode=none: the server accepts the client certificate.
    w.create(
        "ch-mtls",
        sink_config(
            &ch,
            "mtls",
            props(format!("?sslrootcert={ca}&sslcert={cert}&sslkey={key}")),
        ),
    )
    .await;
    kafka.create_topic("mtls_lax", 1).await;
    let mut lax = props(format!("sslmode=none&sslcert={cert}&sslkey={key}"));
    lax["topic2TableMap"] = json!("mtls_lax=mtls");
    w.create("ch-mtls-lax", sink_config(&ch, "mtls_lax", lax))
        .await;
    kafka
        .produce("mtls", &[(None, r#"{"id":1,"name":"verified both ways"}"#)])
        .await;
    kafka
        .produce(
            "mtls_lax",
            &[(None, r#"{"id":2,"name":"client cert only"}"#)],
        )
        .await;
    wait_query(
        &ch,
        "SELECT groupArray(name) FROM (SELECT name FROM mtls ORDER BY id)",
        "['verified both ways','client cert only']",
        DEADLINE,
    )
    .await;
    assert_running(&w, "ch-mtls").await;
    assert_running(&w, "ch-mtls-lax").await;

    // Without a client certificate the server ends the handshake: the task fails, and its
    // trace names the server, ssl and the refused certificate.
    w.create(
        "ch-no-client-cert",
        sink_config(&ch, "mtls", props(format!("sslrootcert={ca}"))),
    )
    .await;
    let trace = failed_trace(&w, "ch-no-client-cert").await;
    assert!(
        trace.contains(&format!("127.0.0.1:{https}"))
            && trace.contains("ssl=true")
            && trace.contains("sslcert"),
        "{trace}"
    );
    // A key file that cannot be read fails the task naming sslkey and the file.
    w.create(
        "ch-no-key",
        sink_config(
            &ch,
            "mtls",
            props(format!("sslcert={cert}&sslkey=/nonexistent/client.key")),
        ),
    )
    .await;
    let trace = failed_trace(&w, "ch-no-key").await;
    assert!(
        trace.contains("for sslkey") && trace.contains("/nonexistent/client.key"),
        "{trace}"
    );
    // sslcert without sslkey: the connector fails at start, naming both.
    w.create(
        "ch-half",
        sink_config(&ch, "mtls", props(format!("sslcert={cert}"))),
    )
    .await;
    let trace = wait_for("ch-half to fail", DEADLINE, || async {
        let s = w.get("/connectors/ch-half/status").await.body;
        (s["connector"]["state"] == "FAILED").then(|| s["connector"]["trace"].to_string())
    })
    .await;
    assert!(
        trace.contains(&format!("{cert} for sslcert")) && trace.contains("sslkey"),
        "{trace}"
    );
}
