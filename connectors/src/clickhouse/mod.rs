//! ClickHouse sink compatible with ClickHouse's official Kafka Connect sink
//! (`com.clickhouse.kafka.connect.ClickHouseSinkConnector`), over the HTTP interface.
//!
//! - **Formats.** Records with a schema (Struct values) are encoded as RowBinary against the
//!   table's real columns (read with `DESCRIBE TABLE`, cached per topic; refreshed every
//!   `tableRefreshInterval` seconds, and — as the official sink does on a schema error —
//!   re-read once, with the batch redelivered, when an insert names a column the table no
//!   longer has; a second such failure with fresh columns fails the task). Fields
//!   without a column are ignored; columns without a field take their defaults. Schemaless
//!   maps (and all records with `bypassRowBinary=true`) go as JSONEachRow; string values as
//!   JSON lines, or as-is in `insertFormat` with `customInsertFormat=true`.
//! - **Routing.** A topic's table is `topic2TableMap`'s or the topic's name, in `database`.
//!   With `enableDbTopicSplit`, a topic that splits into exactly two parts at
//!   `dbTopicSplitChar` names the database and the table (then mapped by `topic2TableMap`);
//!   any other topic keeps `database` and its whole name, as in the official sink.
//! - **TLS.** `ssl=true` speaks HTTPS (rustls) trusting the public roots, or the CA file
//!   `sslrootcert` of `jdbcConnectionProperties` (the official sink's JDBC URL parameter);
//!   `sslmode=none` there accepts any certificate; `sslcert` + `sslkey` (PEM) there are
//!   presented as a client certificate (mutual TLS). An untrusted certificate, a port that
//!   does not speak TLS, or a server refusing the client certificate (or its absence), fails
//!   the task with the host, port and `ssl` in its trace.
//!   `clickhouseSettings` go with every request, inserts and queries alike.
//! - **Old servers.** The server version is read at start. Before 23.5 there is no
//!   RowBinaryWithDefaults, so a null in an optional field fails its record when the column is
//!   not Nullable (logged once at start); everything else works on servers as old as 18.16.
//! - **Batching.** Records are encoded as they arrive into one block per table and format
//!   (per topic-partition too, unless `ignorePartitionsWhenBatching=true`). Blocks are sent
//!   after each `put` (or, with `bufferCount`, when `bufferCount` records, `bufferBytes` bytes
//!   or `bufferFlushTime` ms have accumulated) and inserted in the background while the task
//!   takes the next records; every insert has finished before an offset commit. Blocks of
//!   different tables and partitions are in flight at once, at most `maxConcurrentInserts`
//!   (the official sink inserts one table after another).
//! - **Errors.** Transient failures (network, timeouts, overload, too many parts) are retried
//!   `retryCount` times with backoff; then the partitions involved are rewound to their first
//!   uninserted offset and redelivered, so an outage loses nothing. Offsets are only committed
//!   for rows that are in ClickHouse. A record that cannot be encoded, or a row the server
//!   rejects (found by splitting the block), goes to the errant-record reporter: with
//!   `errors.tolerance=all` it is logged and dead-lettered and the rest is inserted.
//!   Without `exactlyOnce`, delivery is at least once: rows redelivered after a failure (or
//!   a crash before the offset commit) may be inserted again.
//! - **Exactly once** (`exactlyOnce=true`) without KeeperMap: see [`eos`]. Its rounds are
//!   inserted synchronously, one round per partition at a time.
//! - **Debezium** (`debeziumCDCEnabled=true`): the envelope's `after` row (`before` for
//!   deletes) is written, with `_version` (the source LSN, else `ts_ms`) and `is_deleted`
//!   columns filled when the table has them — the layout ReplacingMergeTree(_version,
//!   is_deleted) expects.

mod block;
mod client;
mod config;
mod connector;
mod datetime;
pub mod eos;
mod insert;
mod rowbinary;
mod sink;
mod table;
mod tls;
mod types;

use std::sync::Arc;

use ferroconnect_runtime::connector::SameConfigSinkConnector;
use ferroconnect_runtime::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};

pub use client::Features;
pub use config::{sink_config_def, ClickHouseConfig, StringFormat};
pub use connector::CLICKHOUSE_SINK;
pub use sink::ClickHouseSinkTask;
pub use types::ChType;

/// Java class name of the sink.
pub const SINK_CLASS: &str = "com.clickhouse.kafka.connect.ClickHouseSinkConnector";
/// Version reported by the connector (the official sink's version it follows).
pub const VERSION: &str = "1.5.0";

/// Registers the sink (`ClickHouseSinkConnector`, `ClickHouseSink`, and the full name).
pub fn register(registry: &mut PluginRegistry) {
    registry.add_connector(
        ConnectorPlugin {
            class: SINK_CLASS.to_string(),
            version: VERSION.to_string(),
            config_def: sink_config_def(),
            factory: ConnectorFactory::Sink(Arc::new(|| {
                Box::new(SameConfigSinkConnector::new(CLICKHOUSE_SINK))
            })),
        },
        &[],
    );
}
