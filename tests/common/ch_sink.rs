//! ClickHouse sink test helpers shared by the ClickHouse end-to-end suites.

use std::time::{Duration, Instant};

use ferroconnect_runtime::testkit::ClickHouseService;
use serde_json::{json, Value as Json};

/// The sink's connector class.
pub const SINK: &str = "com.clickhouse.kafka.connect.ClickHouseSinkConnector";

/// Connector config for a service's plain HTTP port on loopback, plus `extra`.
pub fn sink_config(ch: &dyn ClickHouseService, topics: &str, extra: Json) -> Json {
    let mut c = json!({
        "connector.class": SINK, "topics": topics, "tasks.max": "1",
        "hostname": "127.0.0.1", "port": ch.http_port().to_string(), "ssl": "false",
        "database": "default", "username": "default", "password": "",
    });
    for (k, v) in extra.as_object().expect("object") {
        c[k] = v.clone();
    }
    c
}

/// Converter settings for schemaless JSON values and string keys.
pub fn schemaless() -> Json {
    json!({"value.converter": "org.apache.kafka.connect.json.JsonConverter",
           "value.converter.schemas.enable": "false",
           "key.converter": "org.apache.kafka.connect.storage.StringConverter"})
}

/// Polls `sql` until its TabSeparated result is `expected`, failing after `timeout`.
pub async fn wait_query(ch: &dyn ClickHouseService, sql: &str, expected: &str, timeout: Duration) {
    let mut last: String;
    let deadline = Instant::now() + timeout;
    loop {
        match ch.query(sql) {
            Ok(got) if got.trim_end_matches('\n') == expected => return,
            Ok(got) => last = got,
            Err(e) => last = e,
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for `{sql}` = {expected:?}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
