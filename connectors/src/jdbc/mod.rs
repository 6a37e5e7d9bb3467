//! Confluent-compatible JDBC connectors for PostgreSQL (`io.confluent.connect.jdbc.*`).
//!
//! The source copies tables (or a query) into topics in `bulk`, `incrementing`, `timestamp` or
//! `timestamp+incrementing` mode with Confluent's config keys, source partitions
//! (`{"protocol":"1","table":"db.schema.tbl"}`, `{"query":"query"}`) and offsets
//! (`{"incrementing":N,"timestamp":ms,"timestamp_nanos":ns}`), so existing configs and stored
//! offsets carry over. Rows are streamed (never a whole table in memory) and decoded from
//! Postgres' binary format straight into Connect values.
//!
//! Gap-free timestamp modes: each query's upper bound is the earlier of the database's
//! `now() - timestamp.delay.interval.ms` and the start of the oldest transaction still running
//! in another session (`pg_stat_activity.xact_start`). A row stamped with its transaction's
//! start time (`DEFAULT current_timestamp`/`now()`) by a transaction that commits late is
//! therefore never passed over: the bound stays below it until it commits. Seeing other
//! users' transactions needs superuser or `pg_read_all_stats`; rows whose timestamps are set by
//! the application or by `clock_timestamp()` are only covered by the delay. A session left
//! idle in a transaction holds the bound back (its rows are delayed, never lost). Pure
//! `incrementing` mode has no such bound (as in Confluent): ids committed out of order by
//! concurrent transactions can be passed over.
//!
//! Time zones (`db.timezone`, an IANA name such as `Europe/Moscow`; default UTC): the
//! connectors' sessions run with that `TimeZone`, and `timestamp` (without time zone) columns
//! hold wall-clock times in it. The source reads them as the instants they denote in the zone
//! (an ambiguous wall-clock time at a clock change is the later instant, as in Postgres), so
//! records, timestamp-mode bounds (Postgres compares the column with the bound in the session
//! zone) and offsets all agree; `timestamptz` columns are instants already. The sink writes
//! Connect Timestamps into `timestamp` columns as wall-clock times of the zone (COPY and
//! statements alike) and into `timestamptz` columns as instants. `date` and `time` columns are
//! not shifted. An unknown zone is a validation error naming `db.timezone`.
//!
//! `timestamp.granularity` (source) is Confluent's: `connect_logical` (Connect Timestamp,
//! epoch milliseconds, the default), `micros_long`/`nanos_long` (int64 epoch µs/ns),
//! `micros_string`/`nanos_string` (the same as decimal strings) and
//! `micros_iso_datetime_string`/`nanos_iso_datetime_string` (`yyyy-MM-ddTHH:mm:ss.ffffff[fff]`
//! on `db.timezone`'s wall clock). It applies to `timestamp` and `timestamptz` columns;
//! offsets stay `{"timestamp": ms, "timestamp_nanos": ns}` whatever it is.
//!
//! `query.masked` (source) is Confluent's password-type twin of `query`: the query itself,
//! shown as `[hidden]` by the REST API; only one of the two may be set. A masked query is
//! never logged (the debug line of each query says `<redacted>`, sqlx's statement logging is
//! off) and database errors of it keep only their SQLSTATE (`<redacted> [SQLState=42P01]`)
//! in logs and task traces. As an extension, `query.masked=true` masks the `query` value the
//! same way (`false`: not masked). `query.suffix` is appended, after a space, to every
//! generated query.
//!
//! Beyond Confluent, the source also splits a `bulk` table over tasks by page (`ctid`) ranges
//! when `tasks.max` exceeds the number of tables, and an `incrementing` or
//! `timestamp+incrementing` table's initial load (the rows there when the connector starts on
//! a table without offsets; not with `timestamp.initial`) by ranges of the incrementing
//! column: the table's own partition keeps Confluent's offsets and goes on with new and
//! updated rows after the load's handover point, while the ranges are read once under
//! partitions of their own that record the plan (see the `offsets` module).
//! It reconnects after a failed query (`query.retry.attempts`, default forever), resuming
//! from the last emitted row.
//!
//! The sink writes each `put` batch in one transaction, creating (`auto.create`) and widening
//! (`auto.evolve`) tables. `insert` and `upsert` writes go through binary `COPY … FROM STDIN`
//! (upserts into a session-local staging table, then `INSERT … SELECT … ON CONFLICT … DO
//! UPDATE` keeping the last record of each key) when every column's value/type pair is
//! covered (integers, floats, bool, text/varchar/char, bytea, numeric, date, time,
//! timestamp/timestamptz, uuid, json/jsonb); `update` mode, tombstone `DELETE`s and other
//! tables use multi-row statements. The worker log says which path each table takes. An
//! upsert batch keeps the last record of each key, comparing `numeric` keys by value (`1.0`,
//! `1.00` and `01` are one key, as in the table's unique index).
//!
//! The sink's extension `exactly.once=true` stores the next offset of each consumed partition
//! in `exactly.once.offsets.table` (default `__ferroconnect_sink_offsets`, keyed by connector
//! name, topic and partition) in the same transaction as the rows; on partition assignment the
//! task rewinds to the stored offsets and drops redelivered records below them, so a crash
//! (even `kill -9` mid-batch) never duplicates a row.
//!
//! Records that do not fit the table (a Postgres data exception, integrity violation such as
//! NOT NULL, CHECK or a foreign key, a datatype mismatch, or a value that does not convert to
//! the columns) fail their batch without retries; the batch is then written again with
//! statements only (no COPY), each statement in a savepoint, bisecting failed statements down
//! to the bad records, which go to the worker's errant record reporter (dead-lettered under
//! `errors.tolerance=all`, failing the task otherwise) while the others are written, offsets
//! included under `exactly.once`. Without a reporter the batch is still written again with
//! statements, which fail it if a record really does not fit.

mod config;
mod conn;
mod offsets;
mod querier;
mod sink;
mod sink_config;
mod sink_sql;
mod source;
mod table;
mod time;
mod types;

use std::sync::Arc;

use ferroconnect_runtime::connector::SameConfigSinkConnector;
use ferroconnect_runtime::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};

pub use config::{source_config_def, Mode, SourceConfig};
pub use conn::{parse_url, ConnInfo};
pub use sink::{JdbcSinkTask, JDBC_SINK};
pub use sink_config::{sink_config_def, InsertMode, PkMode, SinkConfig};
pub use source::{JdbcSourceConnector, JdbcSourceTask};
pub use types::{NumericMapping, PgKind};

/// Java class name of the source.
pub const SOURCE_CLASS: &str = "io.confluent.connect.jdbc.JdbcSourceConnector";
/// Java class name of the sink.
pub const SINK_CLASS: &str = "io.confluent.connect.jdbc.JdbcSinkConnector";
/// Version reported by the connectors.
pub const VERSION: &str = "10.8.0";

/// A config map from key/value pairs (tests of the config parsers).
#[cfg(test)]
fn test_config_map(pairs: &[(&str, &str)]) -> ferroconnect_runtime::config::ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Registers the JDBC connectors (`JdbcSourceConnector`/`JdbcSource`,
/// `JdbcSinkConnector`/`JdbcSink`, and their full names).
pub fn register(registry: &mut PluginRegistry) {
    registry.add_connector(
        ConnectorPlugin {
            class: SOURCE_CLASS.to_string(),
            version: VERSION.to_string(),
            config_def: source_config_def(),
            factory: ConnectorFactory::Source(Arc::new(
                || Box::new(JdbcSourceConnector::default()),
            )),
        },
        &[],
    );
    registry.add_connector(
        ConnectorPlugin {
            class: SINK_CLASS.to_string(),
            version: VERSION.to_string(),
            config_def: sink_config_def(),
            factory: ConnectorFactory::Sink(Arc::new(|| {
                Box::new(SameConfigSinkConnector::new(JDBC_SINK))
            })),
        },
        &[],
    );
}
