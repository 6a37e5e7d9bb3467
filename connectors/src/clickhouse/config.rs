//! The ClickHouse sink's config keys (the official connector's names and defaults, plus a
//! few Ferroconnect extensions) and their parsed form.

use std::collections::HashMap;
use std::time::Duration;

use ferroconnect_runtime::config::{
    ConfigDef, ConfigKey, ConfigMap, ConfigReader, ConfigType, Importance,
};

/// How string-valued records are inserted (`customInsertFormat` + `insertFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringFormat {
    /// Each value is a JSON object (`JSONEachRow`).
    Json,
    /// Each value is a CSV line.
    Csv,
    /// Each value is a tab-separated line.
    Tsv,
}

impl StringFormat {
    /// The ClickHouse format name.
    pub fn clickhouse_name(self) -> &'static str {
        match self {
            StringFormat::Json => "JSONEachRow",
            StringFormat::Csv => "CSV",
            StringFormat::Tsv => "TabSeparated",
        }
    }
}

/// Extension key: inserts in flight at once per task.
pub const MAX_CONCURRENT_INSERTS: &str = "maxConcurrentInserts";
/// Extension key: a buffered block is flushed once it holds this many bytes.
pub const BUFFER_BYTES: &str = "bufferBytes";
/// Extension key: the table holding exactly-once state.
pub const STATE_TABLE: &str = "exactlyOnceStateTable";

fn key(name: &str, ty: ConfigType, default: Option<&str>, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, default, Importance::Medium, doc)
}

/// The sink's config keys.
pub fn sink_config_def() -> ConfigDef {
    use ConfigType::*;
    ConfigDef::new()
        .define(ConfigKey::new("hostname", String, None, Importance::High, "ClickHouse host name."))
        .define(key("port", Int, Some("8443"), "ClickHouse HTTP(S) port (8123 for plain HTTP).").at_least(1))
        .define(key("ssl", Boolean, Some("true"), "Connect over HTTPS."))
        .define(key("database", String, Some("default"), "Database of the target tables."))
        .define(key("username", String, Some("default"), "User name."))
        .define(key("password", Password, Some(""), "Password."))
        .define(key("jdbcConnectionProperties", String, Some(""), "Connection properties as the official sink appends them to its URL (`?k=v&k=v`): `sslrootcert` (a PEM file of CA certificates to trust for ssl=true instead of the public roots), `sslmode=none` (accept any server certificate) and `sslcert` + `sslkey` (PEM files of a client certificate chain and its private key, PKCS#8, PKCS#1 or SEC1, presented for mutual TLS; both or neither) are used; other properties are accepted and ignored (settings go in clickhouseSettings)."))
        .define(key("clickhouseSettings", List, Some(""), "ClickHouse settings sent with every query, as key=value pairs (e.g. insert_quorum=2)."))
        .define(key("topic2TableMap", String, Some(""), "topic=table pairs, comma separated; other topics go to the table named like the topic."))
        .define(key("enableDbTopicSplit", Boolean, Some("false"), "Topic names carry the database: <database><dbTopicSplitChar><table>; a topic that does not split into exactly two parts goes to `database` (the official sink's rule). topic2TableMap then maps the table part."))
        .define(key("dbTopicSplitChar", String, Some(""), "Separator of database and table in topic names."))
        .define(key("exactlyOnce", Boolean, Some("false"), "Exactly-once inserts: deterministic blocks per topic-partition deduplicated by insert_deduplication_token, with state kept in a ClickHouse table (no KeeperMap). Needs ClickHouse 22.2+."))
        .define(key(STATE_TABLE, String, Some("ferroconnect_connect_state"), "Ferroconnect extension: the table (in `database`) that keeps exactly-once state; created if missing."))
        .define(key("timeoutSeconds", Int, Some("30"), "Timeout of each ClickHouse request, in seconds.").at_least(1))
        .define(key("retryCount", Int, Some("3"), "Retries of a failed insert before the batch is handed back to the worker for redelivery.").at_least(0))
        .define(key("clickhouseClientInsertTimeoutMs", Long, Some("240000"), "Accepted for compatibility; timeoutSeconds bounds each request."))
        .define(key("tableRefreshInterval", Long, Some("0"), "Seconds between refreshes of cached table schemas (0: only when an insert reports a schema change)."))
        .define(key("bufferCount", Int, Some("0"), "Records buffered across put() calls before an insert (0: insert each batch).").at_least(0))
        .define(key("bufferFlushTime", Long, Some("0"), "Milliseconds a buffer may wait before it is inserted (with bufferCount).").at_least(0))
        .define(key(BUFFER_BYTES, Long, Some("67108864"), "Ferroconnect extension: a buffer is inserted once its encoded data reaches this many bytes.").at_least(1024))
        .define(key(MAX_CONCURRENT_INSERTS, Int, Some("4"), "Ferroconnect extension: inserts (different tables or partitions) in flight at once per task.").at_least(1))
        .define(key("ignorePartitionsWhenBatching", Boolean, Some("false"), "Batch records of all partitions of a topic together (ignored with exactlyOnce)."))
        .define(key("customInsertFormat", Boolean, Some("false"), "Insert string values as-is in insertFormat."))
        .define(key("insertFormat", String, Some("none"), "json, csv or tsv (with customInsertFormat).").one_of(&["none", "json", "csv", "tsv"]))
        .define(key("bypassRowBinary", Boolean, Some("false"), "Insert schema'd records as JSONEachRow instead of RowBinary."))
        .define(key("bypassSchemaValidation", Boolean, Some("false"), "Accepted for compatibility."))
        .define(key("bypassFieldCleanup", Boolean, Some("false"), "Accepted for compatibility; fields without a column are always ignored."))
        .define(key("tolerateStateMismatch", Boolean, Some("false"), "Accepted for compatibility."))
        .define(key("dateTimeFormats", String, Some(""), "Patterns of date-time string fields, per column: column=pattern entries separated by ';' (e.g. ts=yyyy-MM-dd HH:mm:ss.SSSSSS). Other strings are read as ISO-8601."))
        .define(key("debeziumCDCEnabled", Boolean, Some("false"), "Unwrap Debezium envelopes: the after (or, for deletes, before) row, plus _version and is_deleted columns for ReplacingMergeTree."))
        .define(key("auto.evolve", Boolean, Some("false"), "Not supported: tables must have their columns."))
        .define(key("reportInsertedOffsets", Boolean, Some("false"), "Accepted for compatibility: commits always cover only inserted data."))
        .define(key("zkPath", String, Some("/kafka-connect"), "Accepted for compatibility (no KeeperMap is used)."))
        .define(key("zkDatabase", String, Some("connect_state"), "Accepted for compatibility (no KeeperMap is used)."))
        .define(key("keeperOnCluster", String, Some(""), "Accepted for compatibility (no KeeperMap is used)."))
}

/// The parsed config.
#[derive(Debug, Clone)]
pub struct ClickHouseConfig {
    /// `hostname`.
    pub hostname: String,
    /// `port`.
    pub port: u16,
    /// `ssl`.
    pub ssl: bool,
    /// `database`.
    pub database: String,
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: String,
    /// `sslrootcert` from `jdbcConnectionProperties`: CA certificates (PEM) to trust.
    pub ssl_root_cert: Option<std::path::PathBuf>,
    /// False with `sslmode=none` in `jdbcConnectionProperties`: any server certificate is
    /// accepted.
    pub ssl_verify: bool,
    /// `sslcert` and `sslkey` from `jdbcConnectionProperties`: the client certificate chain
    /// (PEM) and its private key (PEM) presented for mutual TLS.
    pub ssl_client_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// `clickhouseSettings`.
    pub settings: Vec<(String, String)>,
    /// `topic2TableMap`.
    pub topic_to_table: HashMap<String, String>,
    /// `enableDbTopicSplit` with `dbTopicSplitChar`.
    pub db_topic_split: Option<String>,
    /// `exactlyOnce`: the state table when on.
    pub exactly_once: Option<String>,
    /// `timeoutSeconds`.
    pub timeout: Duration,
    /// `retryCount`.
    pub retry_count: u32,
    /// `tableRefreshInterval` (None: 0).
    pub table_refresh: Option<Duration>,
    /// `bufferCount`.
    pub buffer_count: usize,
    /// `bufferFlushTime`.
    pub buffer_flush_time: Duration,
    /// `bufferBytes`.
    pub buffer_bytes: usize,
    /// `maxConcurrentInserts`.
    pub max_concurrent: usize,
    /// `ignorePartitionsWhenBatching` (false with exactlyOnce).
    pub ignore_partitions: bool,
    /// `customInsertFormat` + `insertFormat`.
    pub string_format: Option<StringFormat>,
    /// `bypassRowBinary`.
    pub bypass_row_binary: bool,
    /// `debeziumCDCEnabled`.
    pub debezium: bool,
    /// `dateTimeFormats`: (column, pattern).
    pub date_formats: std::sync::Arc<Vec<(String, super::datetime::ColumnFormat)>>,
    /// `errors.tolerance=all`: keep records to isolate bad rows.
    pub tolerate_all: bool,
    /// The connector's name (exactly-once state key).
    pub connector: String,
}

fn pairs(raw: &str, key: &str) -> Result<Vec<(String, String)>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .ok_or_else(|| {
                    format!("Invalid value {raw} for configuration {key}: expected key=value pairs separated by commas, got {p:?}")
                })
        })
        .collect()
}

/// `k=v` pairs of a URL query string such as `?sslmode=strict&sslrootcert=/ca.pem` (the
/// leading `?` optional), as the official sink appends `jdbcConnectionProperties` to its URL.
fn url_properties(raw: &str) -> Vec<(String, String)> {
    raw.trim()
        .trim_start_matches('?')
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

/// The value of property `name` (any case) among `props`.
fn url_property<'a>(props: &'a [(String, String)], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `sslcert` and `sslkey` among `props`: both or neither (the error names the one missing).
fn client_cert(
    props: &[(String, String)],
) -> Result<Option<(std::path::PathBuf, std::path::PathBuf)>, String> {
    match (
        url_property(props, "sslcert"),
        url_property(props, "sslkey"),
    ) {
        (Some(cert), Some(key)) => Ok(Some((cert.into(), key.into()))),
        (None, None) => Ok(None),
        (Some(cert), None) => Err(format!(
            "Invalid value {cert} for sslcert (jdbcConnectionProperties): a client certificate \
             needs its private key too: set sslkey to its PEM file"
        )),
        (None, Some(key)) => Err(format!(
            "Invalid value {key} for sslkey (jdbcConnectionProperties): a private key needs its \
             client certificate too: set sslcert to its PEM file"
        )),
    }
}

impl ClickHouseConfig {
    /// Parses and checks a connector or task config; errors name the key at fault.
    pub fn parse(map: &ConfigMap) -> Result<ClickHouseConfig, String> {
        let def = sink_config_def();
        def.check(map)?;
        let r = ConfigReader::new(&def, map);
        let exactly_once = r.boolean("exactlyOnce")?;
        let string_format = if r.boolean("customInsertFormat")? {
            Some(
                match r
                    .string("insertFormat")?
                    .trim()
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "json" => StringFormat::Json,
                    "csv" => StringFormat::Csv,
                    "tsv" => StringFormat::Tsv,
                    _ => {
                        return Err(
                            "customInsertFormat=true needs insertFormat json, csv or tsv".into(),
                        )
                    }
                },
            )
        } else {
            None
        };
        if r.boolean("auto.evolve")? {
            return Err("Invalid value true for configuration auto.evolve: not supported by this sink; add the columns to the table".into());
        }
        let split = r.boolean("enableDbTopicSplit")?;
        let split_char = r.string("dbTopicSplitChar")?;
        if split && split_char.is_empty() {
            return Err("enableDbTopicSplit=true needs dbTopicSplitChar".into());
        }
        let refresh = r.long("tableRefreshInterval")?.max(0) as u64;
        let jdbc_props = url_properties(&r.string("jdbcConnectionProperties")?);
        let ssl_client_cert = client_cert(&jdbc_props)?;
        Ok(ClickHouseConfig {
            hostname: r.string("hostname")?.trim().to_string(),
            port: u16::try_from(r.long("port")?)
                .map_err(|_| "Invalid value for configuration port: not a TCP port".to_string())?,
            ssl: r.boolean("ssl")?,
            ssl_root_cert: url_property(&jdbc_props, "sslrootcert").map(std::path::PathBuf::from),
            ssl_verify: !url_property(&jdbc_props, "sslmode")
                .is_some_and(|m| m.eq_ignore_ascii_case("none")),
            ssl_client_cert,
            database: r.string("database")?,
            username: r.string("username")?,
            password: r.opt_string("password").unwrap_or_default(),
            settings: pairs(
                &r.list("clickhouseSettings")?.join(","),
                "clickhouseSettings",
            )?,
            topic_to_table: pairs(&r.string("topic2TableMap")?, "topic2TableMap")?
                .into_iter()
                .collect(),
            db_topic_split: split.then_some(split_char),
            exactly_once: if exactly_once {
                Some(r.string(STATE_TABLE)?)
            } else {
                None
            },
            timeout: Duration::from_secs(r.long("timeoutSeconds")?.max(1) as u64),
            retry_count: r.long("retryCount")?.clamp(0, 100) as u32,
            table_refresh: (refresh > 0).then(|| Duration::from_secs(refresh)),
            buffer_count: r.long("bufferCount")?.max(0) as usize,
            buffer_flush_time: Duration::from_millis(r.long("bufferFlushTime")?.max(0) as u64),
            buffer_bytes: r.long(BUFFER_BYTES)?.max(1024) as usize,
            max_concurrent: r.long(MAX_CONCURRENT_INSERTS)?.max(1) as usize,
            ignore_partitions: r.boolean("ignorePartitionsWhenBatching")? && !exactly_once,
            string_format,
            bypass_row_binary: r.boolean("bypassRowBinary")?,
            debezium: r.boolean("debeziumCDCEnabled")?,
            date_formats: std::sync::Arc::new(super::datetime::parse_formats(
                &r.string("dateTimeFormats")?,
            )?),
            tolerate_all: map
                .get("errors.tolerance")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("all")),
            connector: map.get("name").cloned().unwrap_or_default(),
        })
    }

    /// The database and table a topic's records go to, by the official sink's rules: with
    /// `enableDbTopicSplit`, a topic that splits into exactly two non-empty parts at
    /// `dbTopicSplitChar` names `<database>` and `<table>` (any other topic keeps `database`
    /// and its whole name); `topic2TableMap` then maps the table part.
    pub fn target(&self, topic: &str) -> (String, String) {
        let (db, table) = match &self.db_topic_split {
            Some(sep) => {
                let mut parts = topic.split(sep.as_str());
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(db), Some(table), None) if !db.is_empty() && !table.is_empty() => {
                        (db, table)
                    }
                    _ => (self.database.as_str(), topic),
                }
            }
            None => (self.database.as_str(), topic),
        };
        let table = self.topic_to_table.get(table).map_or(table, String::as_str);
        (db.to_string(), table.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(p: &[(&str, &str)]) -> ConfigMap {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_mapping_and_key_errors() {
        let c = ClickHouseConfig::parse(&map(&[("hostname", "ch")])).unwrap();
        assert_eq!(
            (c.port, c.ssl, c.database.as_str()),
            (8443, true, "default")
        );
        assert!(c.exactly_once.is_none());
        let c = ClickHouseConfig::parse(&map(&[
            ("hostname", "ch"),
            ("topic2TableMap", "orders=orders_v2, clicks = clicks_raw"),
            ("clickhouseSettings", "insert_quorum=2,async_insert=0"),
        ]))
        .unwrap();
        assert_eq!(c.target("orders"), ("default".into(), "orders_v2".into()));
        assert_eq!(c.target("clicks").1, "clicks_raw");
        assert_eq!(c.target("other").1, "other");
        assert_eq!(c.settings[0], ("insert_quorum".into(), "2".into()));
        let err = ClickHouseConfig::parse(&map(&[("hostname", "ch"), ("topic2TableMap", "a")]))
            .unwrap_err();
        assert!(err.contains("topic2TableMap"), "{err}");
        let split = ClickHouseConfig::parse(&map(&[
            ("hostname", "ch"),
            ("enableDbTopicSplit", "true"),
            ("dbTopicSplitChar", "."),
            ("topic2TableMap", "events=events_v2"),
            (
                "jdbcConnectionProperties",
                "?sslmode=strict&sslrootcert=/etc/ca.pem",
            ),
        ]))
        .unwrap();
        assert_eq!(
            split.target("db2.events"),
            ("db2".into(), "events_v2".into())
        );
        assert_eq!(split.target("db2.other"), ("db2".into(), "other".into()));
        assert_eq!(split.target("plain"), ("default".into(), "plain".into()));
        assert_eq!(split.target("a.b.c"), ("default".into(), "a.b.c".into()));
        assert_eq!(
            split.ssl_root_cert.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert!(split.ssl_verify);
        let lax = ClickHouseConfig::parse(&map(&[
            ("hostname", "ch"),
            ("jdbcConnectionProperties", "sslmode=NONE"),
        ]))
        .unwrap();
        assert!(!lax.ssl_verify && lax.ssl_root_cert.is_none());
        let mutual = ClickHouseConfig::parse(&map(&[
            ("hostname", "ch"),
            (
                "jdbcConnectionProperties",
                "sslmode=none&sslcert=/etc/client.crt&SSLKEY=/etc/client.key",
            ),
        ]))
        .unwrap();
        assert_eq!(
            mutual.ssl_client_cert,
            Some(("/etc/client.crt".into(), "/etc/client.key".into()))
        );
        assert!(lax.ssl_client_cert.is_none());
        for (props, named) in [
            ("sslcert=/etc/client.crt", "/etc/client.crt for sslcert"),
            (
                "?sslrootcert=/ca.pem&sslkey=/etc/client.key",
                "/etc/client.key for sslkey",
            ),
        ] {
            let err = ClickHouseConfig::parse(&map(&[
                ("hostname", "ch"),
                ("jdbcConnectionProperties", props),
            ]))
            .unwrap_err();
            assert!(
                err.contains(named) && err.contains("jdbcConnectionProperties"),
                "{err}"
            );
        }
        let err = ClickHouseConfig::parse(&map(&[])).unwrap_err();
        assert!(err.contains("hostname"), "{err}");
        let err = ClickHouseConfig::parse(&map(&[("hostname", "ch"), ("insertFormat", "xml")]))
            .unwrap_err();
        assert!(err.contains("insertFormat"), "{err}");
    }
}
