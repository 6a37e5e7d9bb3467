//! The JDBC source's config keys (Confluent's names and defaults) and their parsed form.

use std::time::Duration;

use ferroconnect_runtime::config::{
    ConfigDef, ConfigKey, ConfigMap, ConfigReader, ConfigType, Importance,
};

use super::conn::{parse_url, ConnInfo};
use super::time::{DbZone, Granularity, GRANULARITY_VALUES};
use super::types::{Decoding, NumericMapping};

/// How rows are selected on each poll (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The whole table (or query) every poll.
    Bulk,
    /// Rows with a larger strictly increasing id.
    Incrementing,
    /// Rows with a newer timestamp.
    Timestamp,
    /// Rows with a newer (timestamp, id).
    TimestampIncrementing,
}

impl Mode {
    /// Parses a `mode` value.
    pub fn parse(raw: &str) -> Option<Mode> {
        Some(match raw.trim() {
            "bulk" => Mode::Bulk,
            "incrementing" => Mode::Incrementing,
            "timestamp" => Mode::Timestamp,
            "timestamp+incrementing" => Mode::TimestampIncrementing,
            _ => return None,
        })
    }
    /// True when an incrementing column is used.
    pub fn uses_incrementing(self) -> bool {
        matches!(self, Mode::Incrementing | Mode::TimestampIncrementing)
    }
    /// True when timestamp columns are used.
    pub fn uses_timestamp(self) -> bool {
        matches!(self, Mode::Timestamp | Mode::TimestampIncrementing)
    }
}

/// Config key of the masked query (Confluent's `query.masked`, a password-type key).
pub const QUERY_MASKED_CONFIG: &str = "query.masked";

/// Task config key holding the task's tables as a JSON array of `schema.table` pairs.
pub const TABLES_CONFIG: &str = "tables";

fn key(name: &str, ty: ConfigType, default: Option<&str>, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, default, Importance::Medium, doc)
}

/// The source's config keys with Confluent's defaults.
pub fn source_config_def() -> ConfigDef {
    use ConfigType::*;
    ConfigDef::new()
        .define(ConfigKey::new(
            "connection.url",
            String,
            None,
            Importance::High,
            "JDBC connection URL, e.g. jdbc:postgresql://localhost:5432/db?user=u&password=p",
        ))
        .define(key("connection.user", String, Some(""), "JDBC connection user."))
        .define(key("connection.password", Password, Some(""), "JDBC connection password."))
        .define(key("connection.attempts", Int, Some("3"), "Maximum number of attempts to retrieve a valid JDBC connection.").at_least(1))
        .define(key("connection.backoff.ms", Long, Some("10000"), "Backoff time in milliseconds between connection attempts.").at_least(0))
        .define(key("dialect.name", String, Some(""), "The database dialect; only PostgreSqlDatabaseDialect (or empty) is supported.")
            .validate_with(|_k, v| match v {
                "" | "PostgreSqlDatabaseDialect" => Ok(()),
                _ => Err("only PostgreSqlDatabaseDialect is supported".into()),
            }))
        .define(key("mode", String, Some(""), "bulk, incrementing, timestamp or timestamp+incrementing.")
            .validate_with(|_k, v| match Mode::parse(v) {
                Some(_) => Ok(()),
                None => Err("mode must be one of bulk, incrementing, timestamp, timestamp+incrementing".into()),
            }))
        .define(key("incrementing.column.name", String, Some(""), "The name of the strictly incrementing column (empty: the table's auto-increment column)."))
        .define(key("timestamp.column.name", List, Some(""), "Timestamp columns; several are combined with COALESCE."))
        .define(key("timestamp.initial", Long, Some(""), "Epoch milliseconds to start timestamp mode from (-1: now); empty reads all data.")
            .validate_with(|_k, v| if v.is_empty() || v.parse::<i64>().is_ok() { Ok(()) } else { Err("Not a number of type LONG".into()) }))
        .define(key("timestamp.delay.interval.ms", Long, Some("0"), "How long to wait after a row with a given timestamp appears before including it.").at_least(0))
        .define(key("validate.non.null", Boolean, Some("true"), "Require the timestamp and incrementing columns to be NOT NULL."))
        .define(key("table.whitelist", List, Some(""), "Tables to copy (legacy name of an exact list)."))
        .define(key("table.blacklist", List, Some(""), "Tables not to copy (legacy)."))
        .define(key("table.include.list", List, Some(""), "Regular expressions of fully qualified table names to copy."))
        .define(key("table.exclude.list", List, Some(""), "Regular expressions of fully qualified table names not to copy."))
        .define(key("schema.pattern", String, Some(""), "Schema (LIKE pattern) to read tables from; empty: all non-system schemas."))
        .define(key("catalog.pattern", String, Some(""), "Catalog pattern (ignored: PostgreSQL has one catalog per connection)."))
        .define(key("table.types", List, Some("TABLE"), "Table types to copy: TABLE, VIEW, MATERIALIZED VIEW, FOREIGN TABLE, PARTITIONED TABLE."))
        .define(key("query", String, Some(""), "A custom SELECT instead of tables; the mode's WHERE clause is appended."))
        .define(key(QUERY_MASKED_CONFIG, Password, Some(""), "Same as 'query', but the query is a secret: shown as [hidden] by the REST API and never written to logs or task error traces (Postgres errors keep only their SQLSTATE). Only one of query and query.masked may be set. Ferroconnect also accepts true/false here, masking the 'query' value."))
        .define(key("query.suffix", String, Some(""), "Appended (after a space) to the generated query, e.g. a locking or planner hint."))
        .define(key("query.retry.attempts", Int, Some("-1"), "How many times a failed query is retried (after reconnecting) before the task fails; -1: forever."))
        .define(key("topic.prefix", String, Some(""), "Prefix of the topic names (the topic itself in query mode)."))
        .define(key("poll.interval.ms", Int, Some("5000"), "Pause between polls of each table.").at_least(1))
        .define(key("batch.max.rows", Int, Some("100"), "Maximum rows per poll.").at_least(1))
        .define(key("table.poll.interval.ms", Long, Some("60000"), "How often to look for new or removed tables.").at_least(1))
        .define(key("numeric.mapping", String, Some(""), "none, precision_only, best_fit or best_fit_eager_double.")
            .validate_with(|_k, v| match NumericMapping::parse(v) {
                Some(_) => Ok(()),
                None => Err("must be one of none, precision_only, best_fit, best_fit_eager_double".into()),
            }))
        .define(key("db.timezone", String, Some("UTC"), "IANA time zone (e.g. Europe/Moscow) in which timestamp columns without time zone hold their wall-clock times: values are read as instants in this zone, and timestamp-mode bounds and offsets compare them as such.")
            .validate_with(|_k, v| match DbZone::parse(v) {
                Some(_) => Ok(()),
                None => Err("Invalid time zone identifier (expected an IANA name such as Europe/Moscow)".into()),
            }))
        .define(key("timestamp.granularity", String, Some("connect_logical"), "How timestamp columns appear in records: connect_logical (Connect Timestamp, epoch ms), micros_long / nanos_long (int64 epoch µs / ns), micros_string / nanos_string (the same as strings), micros_iso_datetime_string / nanos_iso_datetime_string (yyyy-MM-ddTHH:mm:ss.SSSSSS[SSS] in db.timezone). Offsets are the same for all.")
            .validate_with(|_k, v| match Granularity::parse(v) {
                Some(_) => Ok(()),
                None => Err(format!("must be one of {GRANULARITY_VALUES}")),
            }))
        .define(key("quote.sql.identifiers", String, Some("ALWAYS"), "Identifiers are always quoted."))
}

/// The parsed source config.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Where to connect.
    pub conn: ConnInfo,
    /// `connection.attempts`.
    pub attempts: u32,
    /// `connection.backoff.ms`.
    pub backoff: Duration,
    /// `mode`.
    pub mode: Mode,
    /// `incrementing.column.name` (empty = autodetect).
    pub incrementing_column: String,
    /// `timestamp.column.name`.
    pub timestamp_columns: Vec<String>,
    /// `timestamp.initial`.
    pub timestamp_initial: Option<i64>,
    /// `timestamp.delay.interval.ms`.
    pub delay_ms: i64,
    /// `validate.non.null`.
    pub validate_non_null: bool,
    /// `table.whitelist`.
    pub whitelist: Vec<String>,
    /// `table.blacklist`.
    pub blacklist: Vec<String>,
    /// `table.include.list`.
    pub include: Vec<String>,
    /// `table.exclude.list`.
    pub exclude: Vec<String>,
    /// `schema.pattern` (empty = any).
    pub schema_pattern: String,
    /// `table.types`.
    pub table_types: Vec<String>,
    /// `query` or `query.masked` (empty = table mode).
    pub query: String,
    /// The query came from `query.masked` (or `query.masked=true`): it is never logged, and
    /// database errors of its querier keep only their SQLSTATE.
    pub query_masked: bool,
    /// `query.suffix`.
    pub query_suffix: String,
    /// `query.retry.attempts` (-1 = forever).
    pub query_retry_attempts: i64,
    /// `topic.prefix`.
    pub topic_prefix: String,
    /// `poll.interval.ms`.
    pub poll_interval: Duration,
    /// `batch.max.rows`.
    pub batch_max_rows: usize,
    /// `table.poll.interval.ms`.
    pub table_poll_interval: Duration,
    /// `numeric.mapping`.
    pub numeric_mapping: NumericMapping,
    /// `db.timezone`.
    pub zone: DbZone,
    /// `timestamp.granularity`.
    pub granularity: Granularity,
}

impl SourceConfig {
    /// Parses and checks a connector or task config; errors name the key at fault.
    pub fn parse(map: &ConfigMap) -> Result<SourceConfig, String> {
        let def = source_config_def();
        def.check(map)?;
        let r = ConfigReader::new(&def, map);
        let opt = |k: &str| r.opt_string(k).filter(|s| !s.is_empty());
        let conn = parse_url(
            &r.string("connection.url")?,
            opt("connection.user").as_deref(),
            opt("connection.password").as_deref(),
        )?;
        let mode_raw = r.string("mode")?;
        let mode = Mode::parse(&mode_raw).ok_or_else(|| {
            format!("Invalid value '{mode_raw}' for configuration mode: must be one of bulk, incrementing, timestamp, timestamp+incrementing")
        })?;
        let timestamp_columns = r.list("timestamp.column.name")?;
        if mode.uses_timestamp() && timestamp_columns.is_empty() {
            return Err(format!(
                "timestamp.column.name is required in mode '{mode_raw}'"
            ));
        }
        let (query, query_masked) = parse_query(&r, map)?;
        let whitelist = r.list("table.whitelist")?;
        let blacklist = r.list("table.blacklist")?;
        let include = r.list("table.include.list")?;
        let exclude = r.list("table.exclude.list")?;
        if (!whitelist.is_empty() || !include.is_empty())
            && (!blacklist.is_empty() || !exclude.is_empty())
        {
            return Err("table.whitelist/table.include.list and table.blacklist/table.exclude.list cannot both be set".into());
        }
        if !query.is_empty() && (!whitelist.is_empty() || !include.is_empty()) {
            return Err(
                "query cannot be combined with table.whitelist or table.include.list".into(),
            );
        }
        for re in include.iter().chain(&exclude) {
            regex::Regex::new(re)
                .map_err(|e| format!("Invalid regular expression '{re}' in table.include.list/table.exclude.list: {e}"))?;
        }
        let tz = r.string("db.timezone")?;
        let zone = DbZone::parse(&tz).ok_or_else(|| {
            format!(
                "Invalid value {tz} for configuration db.timezone: Invalid time zone identifier"
            )
        })?;
        let granularity =
            Granularity::parse(&r.string("timestamp.granularity")?).unwrap_or_default();
        let mut conn = conn;
        conn.time_zone = zone.name().to_string();
        conn.log_statements = !query_masked;
        let initial = r.string("timestamp.initial")?;
        Ok(SourceConfig {
            conn,
            attempts: r.long("connection.attempts")?.clamp(1, u32::MAX as i64) as u32,
            backoff: Duration::from_millis(r.long("connection.backoff.ms")?.max(0) as u64),
            mode,
            incrementing_column: r.string("incrementing.column.name")?.trim().to_string(),
            timestamp_columns,
            timestamp_initial: if initial.trim().is_empty() {
                None
            } else {
                Some(r.long("timestamp.initial")?)
            },
            delay_ms: r.long("timestamp.delay.interval.ms")?,
            validate_non_null: r.boolean("validate.non.null")?,
            whitelist,
            blacklist,
            include,
            exclude,
            schema_pattern: r.string("schema.pattern")?.trim().to_string(),
            table_types: r.list("table.types")?,
            query,
            query_masked,
            query_suffix: r.string("query.suffix")?.trim().to_string(),
            query_retry_attempts: r.long("query.retry.attempts")?,
            topic_prefix: r.string("topic.prefix")?,
            poll_interval: Duration::from_millis(r.long("poll.interval.ms")?.max(1) as u64),
            batch_max_rows: r.long("batch.max.rows")?.max(1) as usize,
            table_poll_interval: Duration::from_millis(
                r.long("table.poll.interval.ms")?.max(1) as u64
            ),
            numeric_mapping: NumericMapping::parse(&r.string("numeric.mapping")?)
                .unwrap_or(NumericMapping::None),
            zone,
            granularity,
        })
    }

    /// How result columns become Connect values.
    pub fn decoding(&self) -> Decoding {
        Decoding {
            mapping: self.numeric_mapping,
            zone: self.zone,
            granularity: self.granularity,
        }
    }

    /// `sql` as it may be logged: `<redacted>` when the query is masked.
    pub fn loggable<'a>(&self, sql: &'a str) -> &'a str {
        if self.query_masked {
            REDACTED
        } else {
            sql
        }
    }
}

/// What replaces a masked query (and the text of database errors about it) in logs and traces.
pub const REDACTED: &str = "<redacted>";

/// The error when both `query` and a masked query (`query.masked` other than true/false) are
/// set, from the raw config (the message quotes neither).
pub fn query_conflict(map: &ConfigMap) -> Option<String> {
    let get = |k: &str| map.get(k).map(|v| v.trim()).unwrap_or_default();
    let (query, masked) = (get("query"), get(QUERY_MASKED_CONFIG));
    let flag = masked.eq_ignore_ascii_case("true") || masked.eq_ignore_ascii_case("false");
    (!query.is_empty() && !masked.is_empty() && !flag).then(|| {
        format!(
            "Both 'query' and '{QUERY_MASKED_CONFIG}' configs cannot be set at the same time; use only one of them"
        )
    })
}

/// The custom query and whether it is masked, from `query` and `query.masked`.
fn parse_query(r: &ConfigReader<'_>, map: &ConfigMap) -> Result<(String, bool), String> {
    if let Some(e) = query_conflict(map) {
        return Err(e);
    }
    let query = r.string("query")?.trim().to_string();
    let masked = r.string(QUERY_MASKED_CONFIG)?.trim().to_string();
    if masked.eq_ignore_ascii_case("true") || masked.eq_ignore_ascii_case("false") {
        return Ok((query, masked.eq_ignore_ascii_case("true")));
    }
    if masked.is_empty() {
        return Ok((query, false));
    }
    Ok((masked, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::jdbc::test_config_map as map;

    #[test]
    fn seed_config_parses_with_defaults() {
        let c = SourceConfig::parse(&map(&[
            (
                "connection.url",
                "jdbc:postgresql://postgres:5432/customers?user=u&password=p&useSSL=false",
            ),
            ("mode", "timestamp"),
            ("timestamp.column.name", "updated_at"),
            ("topic.prefix", "postgresql-jdbc-bulk-"),
            ("table.whitelist", "users"),
            ("poll.interval.ms", "200"),
            ("batch.max.rows", "100"),
        ]))
        .unwrap();
        assert_eq!(c.mode, Mode::Timestamp);
        assert_eq!(c.attempts, 3);
        assert_eq!(c.backoff, Duration::from_secs(10));
        assert_eq!(c.whitelist, vec!["users"]);
        assert_eq!(c.timestamp_initial, None);
        assert_eq!(c.table_types, vec!["TABLE"]);
    }

    #[test]
    fn errors_name_the_key() {
        let base = [("connection.url", "jdbc:postgresql://h/db")];
        let err = SourceConfig::parse(&map(&base)).unwrap_err();
        assert!(err.contains("mode"), "{err}");
        let mut m = map(&base);
        m.insert("mode".into(), "timestamp".into());
        let err = SourceConfig::parse(&m).unwrap_err();
        assert!(err.contains("timestamp.column.name"), "{err}");
        m.insert("mode".into(), "bulk".into());
        m.insert("table.whitelist".into(), "a".into());
        m.insert("table.blacklist".into(), "b".into());
        let err = SourceConfig::parse(&m).unwrap_err();
        assert!(err.contains("table.blacklist"), "{err}");
    }

    #[test]
    fn zone_granularity_and_masked_query_parse_with_errors_naming_the_key() {
        let base = [
            ("connection.url", "jdbc:postgresql://h/db"),
            ("mode", "bulk"),
        ];
        let c = SourceConfig::parse(&map(&base)).unwrap();
        assert_eq!(c.zone, DbZone::UTC);
        assert_eq!(c.conn.time_zone, "UTC");
        assert_eq!(c.granularity, Granularity::ConnectLogical);
        assert!(!c.query_masked);

        let mut m = map(&base);
        m.insert("db.timezone".into(), "Europe/Moscow".into());
        m.insert(
            "timestamp.granularity".into(),
            "nanos_iso_datetime_string".into(),
        );
        let c = SourceConfig::parse(&m).unwrap();
        assert_eq!(c.conn.time_zone, "Europe/Moscow");
        assert_eq!(c.granularity, Granularity::NanosIsoDatetimeString);

        m.insert("db.timezone".into(), "Europe/Atlantis".into());
        let err = SourceConfig::parse(&m).unwrap_err();
        assert!(err.contains("db.timezone"), "{err}");
        m.insert("db.timezone".into(), "UTC".into());
        m.insert("timestamp.granularity".into(), "millis".into());
        let err = SourceConfig::parse(&m).unwrap_err();
        assert!(err.contains("timestamp.granularity"), "{err}");

        // query.masked holds the query (Confluent), or true/false to mask `query`.
        let mut m = map(&base);
        m.insert(QUERY_MASKED_CONFIG.into(), "SELECT * FROM secret_t".into());
        let c = SourceConfig::parse(&m).unwrap();
        assert_eq!(
            (c.query.as_str(), c.query_masked),
            ("SELECT * FROM secret_t", true)
        );
        assert_eq!(c.loggable("SELECT * FROM secret_t WHERE x"), REDACTED);
        m.insert("query".into(), "SELECT 1".into());
        let err = SourceConfig::parse(&m).unwrap_err();
        assert!(
            err.contains("'query'") && err.contains("query.masked"),
            "{err}"
        );
        assert!(!err.contains("secret_t"), "{err}");
        m.insert(QUERY_MASKED_CONFIG.into(), "true".into());
        let c = SourceConfig::parse(&m).unwrap();
        assert_eq!((c.query.as_str(), c.query_masked), ("SELECT 1", true));
        m.insert(QUERY_MASKED_CONFIG.into(), "false".into());
        let c = SourceConfig::parse(&m).unwrap();
        assert!(!c.query_masked);
        assert_eq!(c.loggable("SELECT 1"), "SELECT 1");
        // The REST API shows the masked query as [hidden].
        let mut m = map(&base);
        m.insert(QUERY_MASKED_CONFIG.into(), "SELECT * FROM secret_t".into());
        let shown = source_config_def()
            .validate(&m)
            .into_iter()
            .find(|v| v.name == QUERY_MASKED_CONFIG)
            .unwrap();
        assert_eq!(shown.value.as_deref(), Some("[hidden]"));
    }
}
