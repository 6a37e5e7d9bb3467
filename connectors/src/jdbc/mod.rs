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
//! Beyond Confluent, the source also splits a `bulk` table over tasks by page (`ctid`) ranges
//! when `tasks.max` exceeds the number of tables, and reconnects after a failed query
//! (`query.retry.attempts`, default forever) resuming from the last emitted row.
//!
//! The sink writes each `put` batch in one transaction, creating (`auto.create`) and widening
//! (`auto.evolve`) tables. `insert` and `upsert` writes go through binary `COPY … FROM STDIN`
//! (upserts into a session-local staging table, then `INSERT … SELECT … ON CONFLICT … DO
//! UPDATE` keeping the last record of each key) when every column's value/type pair is
//! covered (integers, floats, bool, text/varchar/char, bytea, numeric, date, time,
//! timestamp/timestamptz, uuid, json/jsonb); `update` mode, tombstone `DELETE`s and other
//! tables use multi-row statements. The worker log says which path each table takes.
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
mod querier;
mod sink;
mod sink_config;
mod sink_sql;
mod source;
mod table;
mod time;
mod types;

use std::sync::Arc;

use ferroconnect_runtime::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};

pub use config::{source_config_def, Mode, SourceConfig};
pub use conn::{parse_url, ConnInfo};
pub use sink::{JdbcSinkConnector, JdbcSinkTask};
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
            factory: ConnectorFactory::Sink(Arc::new(|| Box::new(JdbcSinkConnector::default()))),
        },
        &[],
    );
}
