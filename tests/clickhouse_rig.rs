//! The ClickHouse test rig works end to end with the `clickhouse` crate 0.15 the sink connector
//! uses: a real clickhouse-server 18.16 ([`ClickHouseServer`]) and the chdb front
//! ([`ChdbFront`], a TEST DOUBLE OF CLICKHOUSE'S HTTP LAYER around the real ClickHouse 26.9
//! engine). Each test starts its own service on free ports and drops it at the end.

use std::time::Instant;

use bytes::Bytes;
use clickhouse::Client;
use ferroconnect_runtime::testkit::{ChdbFront, ClickHouseServer, ClickHouseService};

const CREATE: &str = "CREATE TABLE t (id UInt64, name String) ENGINE = MergeTree ORDER BY id \
     SETTINGS non_replicated_deduplication_window = 100";

/// RowBinary for rows `(id UInt64, name String)` with ids `from..to`.
fn rowbinary(from: u64, to: u64) -> Bytes {
    let mut buf = Vec::with_capacity(((to - from) * 20) as usize);
    for id in from..to {
        buf.extend_from_slice(&id.to_le_bytes());
        let name = format!("n{id}");
        buf.push(name.len() as u8); // LEB128 length, < 128 here
        buf.extend_from_slice(name.as_bytes());
    }
    Bytes::from(buf)
}

/// The connector's dynamic insert path: `insert_formatted_with` + `send` + `end`.
async fn insert_rowbinary(client: &Client, data: Bytes) -> clickhouse::error::Result<()> {
    let mut insert = client.insert_formatted_with("INSERT INTO t FORMAT RowBinary");
    insert.send(data).await?;
    insert.end().await
}

async fn count(client: &Client) -> u64 {
    client
        .query("SELECT count() FROM t")
        .fetch_one::<u64>()
        .await
        .expect("SELECT count()")
}

/// Text formats through the blocking helper (query param + body, as ClickHouse reads them).
fn insert_text_formats(svc: &impl ClickHouseService) {
    for (fmt, body) in [
        ("JSONEachRow", "{\"id\":1000001,\"name\":\"json\"}\n"),
        ("CSV", "1000002,\"csv\"\n"),
        ("TSV", "1000003\ttsv\n"),
    ] {
        let sql = format!("INSERT INTO t FORMAT {fmt}");
        svc.query_with(body, &[("query", sql.as_str())])
            .unwrap_or_else(|e| panic!("{fmt} insert: {e}"));
    }
    let got = svc
        .query("SELECT name FROM t WHERE id > 1000000 ORDER BY id")
        .unwrap();
    assert_eq!(got, "json\ncsv\ntsv\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_18_16_takes_rowbinary_from_the_crate_and_keeps_data_across_restart() {
    let t0 = Instant::now();
    let mut ch = ClickHouseServer::start();
    eprintln!(
        "clickhouse-server {} up in {:?}",
        ch.version(),
        t0.elapsed()
    );
    assert!(ch.version().starts_with("18.16"), "{}", ch.version());
    ch.query(CREATE.split(" SETTINGS").next().unwrap()).unwrap();

    // Default client of this workspace: LZ4 (`decompress=1`) insert bodies, no validation.
    let client = Client::default().with_url(ch.url()).with_validation(false);
    insert_rowbinary(&client, rowbinary(0, 1000)).await.unwrap();
    assert_eq!(count(&client).await, 1000);
    let uncompressed = client
        .clone()
        .with_compression(clickhouse::Compression::None);
    insert_rowbinary(&uncompressed, rowbinary(1000, 1500))
        .await
        .unwrap();
    assert_eq!(count(&client).await, 1500);
    let tsv = client
        .query("SELECT id, name FROM t ORDER BY id LIMIT 2")
        .fetch_bytes("TSV")
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(&tsv[..], b"0\tn0\n1\tn1\n");
    insert_text_formats(&ch);

    // Settings 18.16 does not know are refused with its error text.
    let err = ch
        .query_with("SELECT 1", &[("insert_deduplication_token", "x")])
        .unwrap_err();
    assert!(
        err.contains("Unknown setting insert_deduplication_token"),
        "{err}"
    );

    // Down: the port refuses; the crate reports an error instead of hanging.
    ch.stop();
    assert!(ch.query("SELECT 1").is_err());
    assert!(insert_rowbinary(&client, rowbinary(2000, 2001))
        .await
        .is_err());
    let t1 = Instant::now();
    ch.restart();
    eprintln!("clickhouse-server restarted in {:?}", t1.elapsed());
    assert_eq!(
        count(&client).await,
        1503,
        "data survives a SIGKILL + restart"
    );
    insert_rowbinary(&client, rowbinary(2000, 2010))
        .await
        .unwrap();
    assert_eq!(count(&client).await, 1513);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chdb_front_serves_the_crate_with_validation_and_deduplicates_by_token() {
    let t0 = Instant::now();
    let mut ch = ChdbFront::start();
    eprintln!("chdb front {} up in {:?}", ch.version(), t0.elapsed());
    assert!(ch.version().starts_with("26.9"), "{}", ch.version());
    ch.query(CREATE).unwrap();

    // Validation on (the crate's default), LZ4-compressed insert bodies.
    let client = Client::default().with_url(ch.url());
    insert_rowbinary(&client, rowbinary(0, 1000)).await.unwrap();
    assert_eq!(count(&client).await, 1000);
    let rows = client
        .query("SELECT id, name FROM t WHERE id < ? ORDER BY id")
        .bind(2u64)
        .fetch_all::<(u64, String)>()
        .await
        .unwrap();
    assert_eq!(rows, vec![(0, "n0".to_string()), (1, "n1".to_string())]);
    let tsv = client
        .query("SELECT id, name FROM t ORDER BY id LIMIT 1")
        .fetch_bytes("TSV")
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(&tsv[..], b"0\tn0\n");
    let param: u64 = client
        .query("SELECT count() FROM t WHERE id >= {lo:UInt64}")
        .param("lo", 990u64)
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(param, 10, "server-side parameters (multipart body)");

    // Exactly-once dedup: the same block with the same token is written once.
    let dedup = client
        .clone()
        .with_setting("insert_deduplication_token", "topic-0-1000-1009");
    for _ in 0..2 {
        insert_rowbinary(&dedup, rowbinary(1000, 1010))
            .await
            .unwrap();
    }
    assert_eq!(count(&client).await, 1010, "second insert deduplicated");
    let other = client
        .clone()
        .with_setting("insert_deduplication_token", "topic-0-1010-1019");
    insert_rowbinary(&other, rowbinary(1010, 1020))
        .await
        .unwrap();
    assert_eq!(count(&client).await, 1020);

    // async_insert with waiting, uncompressed body; settings do not leak into later requests.
    let asynchronous = client
        .clone()
        .with_compression(clickhouse::Compression::None)
        .with_setting("async_insert", "1")
        .with_setting("wait_for_async_insert", "1");
    insert_rowbinary(&asynchronous, rowbinary(2000, 2005))
        .await
        .unwrap();
    assert_eq!(count(&client).await, 1025);
    assert_eq!(
        ch.query("SELECT value FROM system.settings WHERE name = 'async_insert'")
            .unwrap(),
        "0\n"
    );
    insert_text_formats(&ch);

    // Errors carry ClickHouse's code and text through the crate.
    let err = client
        .query("SELECT * FROM nosuch")
        .fetch_all::<u64>()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Code: 60") && err.contains("UNKNOWN_TABLE"),
        "{err}"
    );
    let err = insert_rowbinary(&client, Bytes::from_static(b"\x01\x02"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Code: 33"),
        "truncated RowBinary refused: {err}"
    );

    ch.stop();
    assert!(ch.query("SELECT 1").is_err());
    let t1 = Instant::now();
    ch.restart();
    eprintln!("chdb front restarted in {:?}", t1.elapsed());
    assert_eq!(
        count(&client).await,
        1028,
        "data survives a SIGKILL + restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chdb_front_takes_a_million_rowbinary_rows() {
    let ch = ChdbFront::start();
    ch.query(CREATE).unwrap();
    let client = Client::default().with_url(ch.url());
    let data = rowbinary(0, 1_000_000);
    let bytes = data.len();
    let t0 = Instant::now();
    insert_rowbinary(&client, data).await.unwrap();
    let took = t0.elapsed();
    eprintln!(
        "chdb front: 1M RowBinary rows ({bytes} B, LZ4) inserted in {took:?} ({:.0} rows/s)",
        1e6 / took.as_secs_f64()
    );
    assert_eq!(count(&client).await, 1_000_000);
}
