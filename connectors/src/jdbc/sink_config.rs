//! The JDBC sink's config keys (Confluent's names and defaults) and their parsed form.

use std::time::Duration;

use ferroconnect_runtime::config::{
    ConfigDef, ConfigKey, ConfigMap, ConfigReader, ConfigType, Importance,
};

use super::conn::{parse_url, ConnInfo};
use super::table::quote_ident;
use super::time::DbZone;

/// How records are written (`insert.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertMode {
    /// Plain INSERT.
    Insert,
    /// INSERT … ON CONFLICT (pk) DO UPDATE.
    Upsert,
    /// UPDATE … WHERE pk.
    Update,
}

/// Where primary-key values come from (`pk.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkMode {
    /// No key.
    None,
    /// Topic, partition and offset of the record.
    Kafka,
    /// The record key (a primitive or a struct).
    RecordKey,
    /// Fields of the record value.
    RecordValue,
}

fn key(name: &str, ty: ConfigType, default: Option<&str>, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, default, Importance::Medium, doc)
}

/// The sink's config keys with Confluent's defaults.
pub fn sink_config_def() -> ConfigDef {
    use ConfigType::*;
    ConfigDef::new()
        .define(ConfigKey::new(
            "connection.url",
            String,
            None,
            Importance::High,
            "JDBC connection URL, e.g. jdbc:postgresql://localhost:5432/db?user=u&password=p",
        ))
        .define(key(
            "connection.user",
            String,
            Some(""),
            "JDBC connection user.",
        ))
        .define(key(
            "connection.password",
            Password,
            Some(""),
            "JDBC connection password.",
        ))
        .define(
            key(
                "connection.attempts",
                Int,
                Some("3"),
                "Maximum number of attempts to retrieve a valid JDBC connection.",
            )
            .at_least(1),
        )
        .define(
            key(
                "connection.backoff.ms",
                Long,
                Some("10000"),
                "Backoff time in milliseconds between connection attempts.",
            )
            .at_least(0),
        )
        .define(key(
            "dialect.name",
            String,
            Some(""),
            "The database dialect; only PostgreSqlDatabaseDialect (or empty) is supported.",
        ))
        .define(
            key(
                "insert.mode",
                String,
                Some("insert"),
                "insert, upsert or update.",
            )
            .one_of(&["insert", "upsert", "update"]),
        )
        .define(
            key(
                "batch.size",
                Int,
                Some("3000"),
                "Records per multi-row statement.",
            )
            .at_least(1),
        )
        .define(key(
            "delete.enabled",
            Boolean,
            Some("false"),
            "Delete the row of a tombstone record (requires pk.mode=record_key).",
        ))
        .define(
            key(
                "pk.mode",
                String,
                Some("none"),
                "none, kafka, record_key or record_value.",
            )
            .one_of(&["none", "kafka", "record_key", "record_value"]),
        )
        .define(key("pk.fields", List, Some(""), "Primary key field names."))
        .define(key(
            "fields.whitelist",
            List,
            Some(""),
            "Value fields to write (empty: all).",
        ))
        .define(key(
            "table.name.format",
            String,
            Some("${topic}"),
            "Destination table name; ${topic} is replaced by the topic.",
        ))
        .define(key(
            "table.types",
            List,
            Some("TABLE"),
            "Table types written to.",
        ))
        .define(key(
            "auto.create",
            Boolean,
            Some("false"),
            "CREATE TABLE when the destination is missing.",
        ))
        .define(key(
            "auto.evolve",
            Boolean,
            Some("false"),
            "ALTER TABLE ADD COLUMN for new record fields.",
        ))
        .define(key("max.retries", Int, Some("10"), "Retries of a failed write.").at_least(0))
        .define(
            key(
                "retry.backoff.ms",
                Int,
                Some("3000"),
                "Pause between retries.",
            )
            .at_least(0),
        )
        .define(
            key(
                "db.timezone",
                String,
                Some("UTC"),
                "IANA time zone (e.g. Europe/Moscow) of timestamp columns without time zone: \
                 Connect Timestamps are written into them as wall-clock times in this zone.",
            )
            .validate_with(|_k, v| match DbZone::parse(v) {
                Some(_) => Ok(()),
                None => Err(
                    "Invalid time zone identifier (expected an IANA name such as Europe/Moscow)"
                        .into(),
                ),
            }),
        )
        .define(key(
            "quote.sql.identifiers",
            String,
            Some("ALWAYS"),
            "Identifiers are always quoted.",
        ))
        .define(key(EXACTLY_ONCE_CONFIG, Boolean, Some("false"), "Ferroconnect extension: store the consumed offsets in a table in the same transaction as the rows, and skip records already written, so a crash never duplicates a row."))
        .define(key(OFFSETS_TABLE_CONFIG, String, Some(DEFAULT_OFFSETS_TABLE), "Ferroconnect extension: the table holding the offsets when exactly.once=true (created if missing)."))
}

/// Config key (Ferroconnect extension) turning on exactly-once writes.
pub const EXACTLY_ONCE_CONFIG: &str = "exactly.once";
/// Config key (Ferroconnect extension) naming the offsets table.
pub const OFFSETS_TABLE_CONFIG: &str = "exactly.once.offsets.table";
/// Default offsets table.
pub const DEFAULT_OFFSETS_TABLE: &str = "__ferroconnect_sink_offsets";

/// The parsed sink config.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Where to connect.
    pub conn: ConnInfo,
    /// `connection.attempts`.
    pub attempts: u32,
    /// `connection.backoff.ms`.
    pub backoff: Duration,
    /// `insert.mode`.
    pub insert_mode: InsertMode,
    /// `batch.size`.
    pub batch_size: usize,
    /// `delete.enabled`.
    pub delete_enabled: bool,
    /// `pk.mode`.
    pub pk_mode: PkMode,
    /// `pk.fields`.
    pub pk_fields: Vec<String>,
    /// `fields.whitelist`.
    pub fields_whitelist: Vec<String>,
    /// `table.name.format`.
    pub table_format: String,
    /// `auto.create`.
    pub auto_create: bool,
    /// `auto.evolve`.
    pub auto_evolve: bool,
    /// `max.retries`.
    pub max_retries: u32,
    /// `retry.backoff.ms`.
    pub retry_backoff: Duration,
    /// `db.timezone`.
    pub zone: DbZone,
    /// `exactly.once`: the offsets table (quoted) and the connector name, when on.
    pub exactly_once: Option<(String, String)>,
}

impl SinkConfig {
    /// Parses and checks a connector or task config; errors name the key at fault.
    pub fn parse(map: &ConfigMap) -> Result<SinkConfig, String> {
        let def = sink_config_def();
        def.check(map)?;
        let r = ConfigReader::new(&def, map);
        let opt = |k: &str| r.opt_string(k).filter(|s| !s.is_empty());
        let mut conn = parse_url(
            &r.string("connection.url")?,
            opt("connection.user").as_deref(),
            opt("connection.password").as_deref(),
        )?;
        let insert_mode = match r
            .string("insert.mode")?
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "upsert" => InsertMode::Upsert,
            "update" => InsertMode::Update,
            _ => InsertMode::Insert,
        };
        let pk_mode = match r.string("pk.mode")?.trim().to_ascii_lowercase().as_str() {
            "kafka" => PkMode::Kafka,
            "record_key" => PkMode::RecordKey,
            "record_value" => PkMode::RecordValue,
            _ => PkMode::None,
        };
        let delete_enabled = r.boolean("delete.enabled")?;
        if delete_enabled && pk_mode != PkMode::RecordKey {
            return Err("delete.enabled=true requires pk.mode=record_key".into());
        }
        if insert_mode != InsertMode::Insert && pk_mode == PkMode::None {
            return Err(format!(
                "insert.mode={} requires a primary key: set pk.mode",
                r.string("insert.mode")?
            ));
        }
        let tz = r.string("db.timezone")?;
        let zone = DbZone::parse(&tz).ok_or_else(|| {
            format!(
                "Invalid value {tz} for configuration db.timezone: Invalid time zone identifier"
            )
        })?;
        conn.time_zone = zone.name().to_string();
        let pk_fields = r.list("pk.fields")?;
        if pk_mode == PkMode::Kafka && !pk_fields.is_empty() && pk_fields.len() != 3 {
            return Err("pk.fields with pk.mode=kafka must name exactly 3 columns (topic, partition, offset)".into());
        }
        Ok(SinkConfig {
            conn,
            attempts: r.long("connection.attempts")?.clamp(1, u32::MAX as i64) as u32,
            backoff: Duration::from_millis(r.long("connection.backoff.ms")?.max(0) as u64),
            insert_mode,
            batch_size: r.long("batch.size")?.max(1) as usize,
            delete_enabled,
            pk_mode,
            pk_fields,
            fields_whitelist: r.list("fields.whitelist")?,
            table_format: r.string("table.name.format")?,
            auto_create: r.boolean("auto.create")?,
            auto_evolve: r.boolean("auto.evolve")?,
            max_retries: r.long("max.retries")?.clamp(0, u32::MAX as i64) as u32,
            retry_backoff: Duration::from_millis(r.long("retry.backoff.ms")?.max(0) as u64),
            zone,
            exactly_once: if r.boolean(EXACTLY_ONCE_CONFIG)? {
                let table = r.string(OFFSETS_TABLE_CONFIG)?;
                let table = match table.split_once('.') {
                    Some((s, t)) => format!("{}.{}", quote_ident(s), quote_ident(t)),
                    None => quote_ident(&table),
                };
                Some((table, map.get("name").cloned().unwrap_or_default()))
            } else {
                None
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::jdbc::test_config_map as map;

    #[test]
    fn defaults_and_key_checks() {
        let url = ("connection.url", "jdbc:postgresql://h/db");
        let c = SinkConfig::parse(&map(&[url])).unwrap();
        assert_eq!(c.insert_mode, InsertMode::Insert);
        assert_eq!(c.pk_mode, PkMode::None);
        assert_eq!(c.batch_size, 3000);
        assert_eq!(c.table_format, "${topic}");
        let err = SinkConfig::parse(&map(&[url, ("insert.mode", "upsert")])).unwrap_err();
        assert!(err.contains("pk.mode"), "{err}");
        let err = SinkConfig::parse(&map(&[url, ("delete.enabled", "true")])).unwrap_err();
        assert!(err.contains("record_key"), "{err}");
        let err = SinkConfig::parse(&map(&[url, ("insert.mode", "merge")])).unwrap_err();
        assert!(err.contains("insert.mode"), "{err}");
    }

    #[test]
    fn db_timezone_sets_the_session_zone_and_unknown_zones_are_named() {
        let url = ("connection.url", "jdbc:postgresql://h/db");
        let c = SinkConfig::parse(&map(&[url, ("db.timezone", "Asia/Tokyo")])).unwrap();
        assert_eq!(c.zone, DbZone::parse("Asia/Tokyo").unwrap());
        assert_eq!(c.conn.time_zone, "Asia/Tokyo");
        let err = SinkConfig::parse(&map(&[url, ("db.timezone", "Nowhere/Else")])).unwrap_err();
        assert!(err.contains("db.timezone"), "{err}");
    }
}
