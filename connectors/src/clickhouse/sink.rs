//! The sink task: records are routed to their table, encoded into per-table
//! (or per-partition) blocks as they arrive, and the blocks are inserted concurrently when a
//! buffer limit is reached and before every offset commit.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;

use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::connector::{ErrantRecordReporter, SinkTask, SinkTaskContext};
use ferroconnect_runtime::converter::{DecimalFormat, JsonConverter, JsonConverterConfig};
use ferroconnect_runtime::data::{SinkRecord, TopicPartition, Value};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};

use super::block::{self, Block, BlockKey, FormatKey};
use super::client::{ChClient, ChError, Features};
use super::config::{ClickHouseConfig, StringFormat};
use super::eos::{check_dedup, EosState, Range};
use super::insert::{self, InsertJob};
use super::table::Table;

fn ch_err(e: ChError) -> ConnectError {
    if e.retriable {
        ConnectError::retriable(e.message)
    } else {
        ConnectError::other(e.message)
    }
}

/// The maps looked up per record: a fast non-cryptographic hash (keys are topic names and
/// partitions, not attacker-chosen input).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// An insert running in the background.
struct InFlight {
    handle: tokio::task::JoinHandle<Result<insert::Rejected, ChError>>,
    /// Partitions of its rows with their first offsets (the rewind points if it fails).
    partitions: Vec<(TopicPartition, i64)>,
    /// The rows' records, when rejected rows are dead-lettered.
    records: Vec<SinkRecord>,
    /// The task's `schema_gen` when the block was sent.
    schema_gen: u64,
}

/// Server codes of an insert that names a column the table no longer has: the cached
/// columns are stale (NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_IDENTIFIER).
const SCHEMA_CHANGED: &[u32] = &[16, 47];

/// Exactly-once bookkeeping of a task.
struct Eos {
    state: EosState,
    /// Rounds recorded but not known to be complete: records below `first` are skipped and
    /// `[first, last]` is re-formed into the same blocks.
    replay: HashMap<TopicPartition, Range>,
}

/// The sink task.
#[derive(Default)]
pub struct ClickHouseSinkTask {
    cfg: Option<Arc<ClickHouseConfig>>,
    client: Option<ChClient>,
    features: Option<Features>,
    json: Option<Arc<JsonConverter>>,
    context: Option<Arc<dyn SinkTaskContext>>,
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
    /// Tables by topic.
    tables: FastMap<String, Arc<Table>>,
    next_layout: usize,
    /// Buffered blocks in creation order.
    blocks: Vec<(BlockKey, Block)>,
    index: FastMap<BlockKey, usize>,
    buffered_rows: usize,
    buffered_bytes: usize,
    first_buffered: Option<Instant>,
    /// First and last offset put (not yet inserted) per partition.
    pending: FastMap<TopicPartition, (i64, i64)>,
    /// After a failed insert: the offset each partition was rewound to. Records are dropped
    /// until that offset comes back.
    rewind: FastMap<TopicPartition, i64>,
    /// The last offset taken (buffered or inserted) per partition: redeliveries of records
    /// already taken (after the worker rewinds a failed batch) are dropped.
    taken: FastMap<TopicPartition, i64>,
    /// Assigned partitions whose exactly-once state is not read yet.
    to_load: Vec<TopicPartition>,
    /// The layout of the last struct record: (its schema, its table, the layout).
    last_layout: Option<(
        ferroconnect_runtime::data::SchemaRef,
        Arc<str>,
        Arc<super::table::Layout>,
    )>,
    /// The block the last record went to (checked before the index).
    last_block: Option<(BlockKey, usize)>,
    /// A permanent insert failure seen outside `put` (e.g. in `pre_commit`): the next `put`
    /// fails the task with it.
    fatal: Option<String>,
    /// Inserts sent but not yet answered, oldest first (at most `maxConcurrentInserts`).
    inflight: VecDeque<InFlight>,
    /// Bumped each time an insert reports that the table's columns changed and the cached
    /// tables are dropped; blocks sent before that failing the same way are just redelivered.
    schema_gen: u64,
    /// True from such a refresh until a block of its generation is inserted: a block encoded
    /// with freshly read columns that still names a missing column fails the task.
    schema_retry_armed: bool,
    eos: Option<Eos>,
}

impl ClickHouseSinkTask {
    /// The parsed config of a started task.
    fn cfg(&self) -> ConnectResult<&ClickHouseConfig> {
        self.cfg.as_deref().ok_or_else(not_started)
    }

    /// The config and client of a started task.
    fn started(&self) -> ConnectResult<(Arc<ClickHouseConfig>, ChClient)> {
        match (&self.cfg, &self.client) {
            (Some(cfg), Some(client)) => Ok((cfg.clone(), client.clone())),
            _ => Err(not_started()),
        }
    }

    /// The server's features, once it has answered.
    fn features(&self) -> ConnectResult<Features> {
        self.features.ok_or_else(|| {
            ConnectError::retriable("ClickHouse has not answered yet (server version unknown)")
        })
    }

    async fn table_for(&mut self, topic: &str) -> ConnectResult<Arc<Table>> {
        let (cfg, client) = self.started()?;
        let refresh = cfg.table_refresh;
        if let Some(t) = self.tables.get(topic).filter(|t| !t.is_stale(refresh)) {
            return Ok(t.clone());
        }
        let (db, name) = cfg.target(topic);
        let table = Table::describe(&client, &db, &name).await.map_err(|e| {
            let msg = format!(
                "Could not read table {db}.{name} for topic {topic}: {}",
                e.message
            );
            if e.retriable {
                ConnectError::retriable(msg)
            } else {
                ConnectError::config(msg)
            }
        })?;
        if self.eos.is_some() {
            check_dedup(&client, &db, &name)
                .await
                .map_err(ConnectError::config)?;
        }
        let table = Arc::new(table);
        self.tables.insert(topic.to_string(), table.clone());
        Ok(table)
    }

    /// Encodes one record into its block: `Ok(Some(block index))`, `Ok(None)` when the record
    /// has no row (a tombstone, a Debezium delete without `before`), `Err(msg)` when it cannot
    /// be written.
    async fn route(
        &mut self,
        record: &SinkRecord,
        tp: &TopicPartition,
    ) -> ConnectResult<Result<Option<usize>, String>> {
        let table = self.table_for(&record.record.topic).await?;
        let (cfg, _) = self.started()?;
        let features = self.features()?;
        let json = self.json.clone().ok_or_else(not_started)?;
        let value = &record.record.value;
        let (row, cdc) = if cfg.debezium {
            match block::unwrap_debezium(value) {
                Some((row, x)) => (row, Some(x)),
                None => return Ok(Ok(None)),
            }
        } else {
            (value, None)
        };
        let partition = (!cfg.ignore_partitions).then_some(tp);
        let insert = |format: &str| -> Arc<str> {
            format!("INSERT INTO {} FORMAT {format}", table.qualified).into()
        };
        let written = match row {
            Value::Null => return Ok(Ok(None)),
            Value::Struct(s) if !cfg.bypass_row_binary => {
                // Records of a run share their schema: reuse the last layout without the
                // table's lock.
                let cached = self.last_layout.as_ref().filter(|(schema, key, _)| {
                    Arc::ptr_eq(schema, s.schema()) && Arc::ptr_eq(key, &table.key)
                });
                let layout = match cached {
                    Some((_, _, l)) => l.clone(),
                    None => match table.layout(
                        s.schema(),
                        cfg.debezium,
                        features.row_binary_with_defaults,
                        &cfg.date_formats,
                        &mut self.next_layout,
                    ) {
                        Ok(l) => {
                            self.last_layout =
                                Some((s.schema().clone(), table.key.clone(), l.clone()));
                            l
                        }
                        Err(e) => return Ok(Err(e)),
                    },
                };
                let i = self.block(&table.key, FormatKey::Layout(layout.id), partition, || {
                    layout.sql.clone()
                });
                let b = &mut self.blocks[i].1;
                block::encode_struct(
                    b,
                    &table,
                    &layout,
                    s,
                    cdc.unwrap_or_default(),
                    &cfg.date_formats,
                    &json,
                )
                .map(|()| i)
            }
            Value::String(text) => {
                let format = match cfg.string_format {
                    Some(f) => f,
                    None if text.trim_start().starts_with('{') => StringFormat::Json,
                    None => return Ok(Err("a string value that is not a JSON object needs customInsertFormat=true and an insertFormat".into())),
                };
                let i = self.block(&table.key, FormatKey::Text(format), partition, || {
                    insert(format.clickhouse_name())
                });
                block::encode_text(&mut self.blocks[i].1, text);
                Ok(i)
            }
            Value::Map(_) | Value::Struct(_) => {
                let schema = match row {
                    Value::Struct(s) => Some(s.schema().clone()),
                    _ => None,
                };
                let i = self.block(&table.key, FormatKey::Json, partition, || {
                    insert("JSONEachRow")
                });
                block::encode_json(&mut self.blocks[i].1, row, schema.as_ref(), cdc, &json)
                    .map(|()| i)
            }
            other => Err(format!(
                "a {} value is not a row (expected a struct, a map or a JSON string)",
                ferroconnect_runtime::data::value::value_class_name(other)
            )),
        };
        Ok(written.map(Some))
    }

    /// The index of the buffered block for (table, format, partition), created with the
    /// statement `sql()` if missing. The last block used is checked first, without building
    /// a key: records come in runs of one table and partition.
    fn block(
        &mut self,
        table: &Arc<str>,
        format: FormatKey,
        partition: Option<&TopicPartition>,
        sql: impl FnOnce() -> Arc<str>,
    ) -> usize {
        if let Some((k, i)) = &self.last_block {
            if Arc::ptr_eq(&k.table, table)
                && k.format == format
                && k.partition.as_ref() == partition
            {
                return *i;
            }
        }
        let key = BlockKey {
            table: table.clone(),
            format,
            partition: partition.cloned(),
        };
        let i = match self.index.get(&key) {
            Some(i) => *i,
            None => {
                self.blocks.push((key.clone(), Block::new(sql())));
                self.index.insert(key.clone(), self.blocks.len() - 1);
                self.blocks.len() - 1
            }
        };
        self.last_block = Some((key, i));
        i
    }

    fn buffer_full(&self, cfg: &ClickHouseConfig) -> bool {
        self.buffered_bytes >= cfg.buffer_bytes
            || (cfg.buffer_count > 0 && self.buffered_rows >= cfg.buffer_count)
    }

    /// Inserts the buffered blocks (all, or those of one partition whose replay round is
    /// complete). On failure every partition involved is rewound to its first pending offset
    /// and the error is retriable.
    async fn flush_blocks(
        &mut self,
        only: Option<&TopicPartition>,
        wait: bool,
    ) -> ConnectResult<()> {
        let replaying: Vec<TopicPartition> = match &self.eos {
            Some(e) => e
                .replay
                .keys()
                .filter(|p| Some(*p) != only)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let blocks = std::mem::take(&mut self.blocks);
        self.index.clear();
        self.last_block = None;
        let (mut take, keep): (Vec<_>, Vec<_>) =
            blocks
                .into_iter()
                .partition(|(k, _)| match (&k.partition, only) {
                    (Some(p), Some(o)) => p == o,
                    (Some(p), None) => !replaying.contains(p),
                    (None, _) => only.is_none(),
                });
        for (k, b) in keep {
            self.index.insert(k.clone(), self.blocks.len());
            self.blocks.push((k, b));
        }
        if self.blocks.is_empty() {
            self.buffered_rows = 0;
            self.buffered_bytes = 0;
            self.first_buffered = None;
        }
        let mut parts: Vec<TopicPartition> = Vec::new();
        for (_, b) in &take {
            for (p, _) in &b.partitions {
                if !parts.contains(p) {
                    parts.push(p.clone());
                }
            }
        }
        if let Some(o) = only {
            if !parts.contains(o) {
                parts.push(o.clone());
            }
        }
        // Exactly-once: record each partition's round before sending it.
        let mut tokens: HashMap<usize, String> = HashMap::new();
        if let Some(eos) = &mut self.eos {
            let mut fresh = Vec::new();
            let mut ranges = HashMap::new();
            for p in &parts {
                let range = match eos.replay.get(p) {
                    Some(r) => *r,
                    None => match self.pending.get(p) {
                        Some(r) => {
                            fresh.push((p.clone(), *r));
                            *r
                        }
                        None => continue,
                    },
                };
                ranges.insert(p.clone(), range);
            }
            let client = self.client.clone().ok_or_else(not_started)?;
            if let Err(e) = eos.state.record(&client, &fresh).await {
                let firsts: Vec<(TopicPartition, i64)> =
                    fresh.iter().map(|(p, r)| (p.clone(), r.0)).collect();
                return Err(self.rewind_after_failure(&firsts, e));
            }
            let mut counters: HashMap<&TopicPartition, usize> = HashMap::new();
            for (i, (k, _)) in take.iter().enumerate() {
                if let Some(p) = &k.partition {
                    if let Some(r) = ranges.get(p) {
                        let n = counters.entry(p).or_default();
                        tokens.insert(i, eos.state.token(p, *r, *n));
                        *n += 1;
                    }
                }
            }
            for (p, r) in ranges {
                eos.replay.insert(p, r);
            }
        }
        let (cfg, client) = self.started()?;
        let isolate = cfg.tolerate_all && self.reporter.is_some();
        let mut failed: Option<ConnectError> = None;
        for (i, (_, b)) in take.iter_mut().enumerate() {
            // Blocks exist only after a put, which waits for the server's version first.
            let features = self.features()?;
            let send = InsertJob {
                sql: b.sql.clone(),
                body: bytes::Bytes::from(std::mem::take(&mut b.body)),
                row_ends: std::mem::take(&mut b.row_ends),
                token: tokens.remove(&i),
                settings: insert::text_settings(&b.sql, features),
                isolate: isolate && !b.records.is_empty(),
            };
            while self.inflight.len() >= cfg.max_concurrent {
                if let Err(e) = self.complete_one().await {
                    failed.get_or_insert(e);
                }
            }
            let client = client.clone();
            let retries = cfg.retry_count;
            self.inflight.push_back(InFlight {
                handle: tokio::spawn(async move { insert::send(&client, send, retries).await }),
                partitions: std::mem::take(&mut b.partitions),
                records: std::mem::take(&mut b.records),
                schema_gen: self.schema_gen,
            });
        }
        if let Some(e) = failed {
            return Err(e);
        }
        if !wait && self.eos.is_none() {
            // In flight: a failure is seen by a later put or pre_commit, which rewinds.
            for p in &parts {
                self.pending.remove(p);
            }
            return Ok(());
        }
        self.drain().await?;
        for p in &parts {
            self.pending.remove(p);
            if let Some(eos) = &mut self.eos {
                eos.replay.remove(p);
            }
        }
        Ok(())
    }

    /// Waits for the oldest insert in flight; reports the rows it rejected, or rewinds its
    /// partitions if it failed.
    async fn complete_one(&mut self) -> ConnectResult<()> {
        let Some(f) = self.inflight.pop_front() else {
            return Ok(());
        };
        let result = match f.handle.await {
            Ok(r) => r,
            Err(e) => Err(ChError {
                code: None,
                retriable: true,
                message: format!("insert task ended: {e}"),
            }),
        };
        match result {
            Ok(rejected) => {
                if f.schema_gen == self.schema_gen {
                    self.schema_retry_armed = false;
                }
                if let Some(reporter) = &self.reporter {
                    for (row, e) in rejected {
                        if let Some(rec) = f.records.get(row) {
                            reporter
                                .report(
                                    rec,
                                    ConnectError::data(format!(
                                        "ClickHouse rejected the row: {}",
                                        e.message
                                    )),
                                )
                                .await?;
                        }
                    }
                }
                Ok(())
            }
            Err(mut e) => {
                let mut parts = f.partitions;
                if e.code.is_some_and(|c| SCHEMA_CHANGED.contains(&c)) {
                    if f.schema_gen < self.schema_gen {
                        // Encoded before the columns were re-read: redeliver and re-encode.
                        e.retriable = true;
                    } else if !self.schema_retry_armed {
                        // As the official sink on a schema error: re-read the table and try
                        // again. Buffered blocks were encoded with the old columns too.
                        tracing::warn!(error = %e.message, "ClickHouse reports a column the cached table schema has; re-reading the table and inserting again");
                        self.tables.clear();
                        self.last_layout = None;
                        self.schema_gen += 1;
                        self.schema_retry_armed = true;
                        for (_, b) in &self.blocks {
                            parts.extend(b.partitions.iter().cloned());
                        }
                        e.retriable = true;
                        e.message = format!(
                            "{} (the table's columns changed; re-reading them and redelivering)",
                            e.message
                        );
                    }
                }
                Err(self.rewind_after_failure(&parts, e))
            }
        }
    }

    /// Waits for every insert in flight; the first failure is returned (after all ended).
    async fn drain(&mut self) -> ConnectResult<()> {
        let mut first = None;
        while !self.inflight.is_empty() {
            if let Err(e) = self.complete_one().await {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Drops what is buffered for `parts`, rewinds each to the earliest offset not known to be
    /// in ClickHouse (the failed block's first row, or the recorded exactly-once round) and
    /// returns the retriable error to hand back to the worker.
    fn rewind_after_failure(
        &mut self,
        parts: &[(TopicPartition, i64)],
        e: ChError,
    ) -> ConnectError {
        let mut resets = HashMap::new();
        for (p, first) in parts {
            let replay = self
                .eos
                .as_ref()
                .and_then(|eos| eos.replay.get(p).map(|r| r.0));
            let from = replay.unwrap_or_else(|| {
                let pending = self.pending.get(p).map_or(*first, |r| r.0);
                let earlier = self.rewind.get(p).copied().unwrap_or(i64::MAX);
                (*first).min(pending).min(earlier)
            });
            resets.insert(p.clone(), from);
            self.rewind.insert(p.clone(), from);
            self.taken.remove(p);
            self.pending.remove(p);
        }
        let blocks = std::mem::take(&mut self.blocks);
        self.index.clear();
        self.last_block = None;
        for (k, b) in blocks {
            if b.partitions
                .iter()
                .any(|(p, _)| parts.iter().any(|(f, _)| f == p))
            {
                continue;
            }
            self.index.insert(k.clone(), self.blocks.len());
            self.blocks.push((k, b));
        }
        if let Some(ctx) = &self.context {
            ctx.reset_offsets(resets);
        }
        tracing::warn!(error = %e.message, "ClickHouse insert failed; rewinding {} partition(s) for redelivery", parts.len());
        let msg = format!("Insert into ClickHouse failed: {}", e.message);
        if e.retriable {
            return ConnectError::retriable(msg);
        }
        // A permanent error (a rejected row without errors.tolerance=all, a missing table,
        // bad credentials): the task fails with it, now or at its next put.
        self.fatal = Some(msg.clone());
        ConnectError::other(msg)
    }

    /// Reads the server version (and sets up exactly-once state) once the server answers.
    async fn connect(&mut self) -> ConnectResult<()> {
        let (cfg, client) = self.started()?;
        let version = client.version().await.map_err(|e| {
            let what = if e.retriable {
                "Cannot reach"
            } else {
                "Cannot use"
            };
            let msg = format!(
                "{what} ClickHouse at {}:{} (ssl={}): {}",
                cfg.hostname, cfg.port, cfg.ssl, e.message
            );
            if e.retriable {
                ConnectError::retriable(msg)
            } else {
                ConnectError::config(msg)
            }
        })?;
        let features = Features::of(&version);
        if !features.row_binary_with_defaults {
            tracing::info!(version, "ClickHouse before 23.5: no RowBinaryWithDefaults; null fields of non-Nullable columns fail their record instead of taking the column default");
        }
        if let Some(table) = &cfg.exactly_once {
            if !features.dedup_token {
                return Err(ConnectError::config(format!(
                    "exactlyOnce=true needs ClickHouse 22.2 or later (insert_deduplication_token); the server runs {version}"
                )));
            }
            let state = EosState::open(&client, &cfg.database, table, &cfg.connector)
                .await
                .map_err(ch_err)?;
            self.eos = Some(Eos {
                state,
                replay: HashMap::new(),
            });
        }
        self.features = Some(features);
        tracing::info!(version, "connected to ClickHouse");
        Ok(())
    }

    /// Connects if not yet connected and loads the exactly-once state of newly assigned
    /// partitions; until both succeed no record is taken (retriable errors).
    async fn ensure_ready(&mut self) -> ConnectResult<()> {
        if self.features.is_none() {
            self.connect().await?;
        }
        if self.to_load.is_empty() {
            return Ok(());
        }
        if let Some(eos) = &mut self.eos {
            let client = self.client.clone().ok_or_else(not_started)?;
            let ranges = eos
                .state
                .load(&client, &self.to_load)
                .await
                .map_err(ch_err)?;
            eos.replay.extend(ranges);
        }
        self.to_load.clear();
        Ok(())
    }

    /// True if a record is a stale redelivery to drop (before a rewind point or before an
    /// exactly-once round that is already in ClickHouse).
    fn is_stale(&mut self, tp: &TopicPartition, offset: i64) -> bool {
        if let Some(&r) = self.rewind.get(tp) {
            if offset != r {
                return true;
            }
            self.rewind.remove(tp);
        } else if self.taken.get(tp).is_some_and(|t| offset <= *t) {
            return true;
        }
        match self.eos.as_ref().and_then(|e| e.replay.get(tp)) {
            Some((first, _)) => offset < *first,
            None => false,
        }
    }
}

/// The error for a task used before `start()` (or after a failed one).
fn not_started() -> ConnectError {
    ConnectError::other("ClickHouse sink task used before start()")
}

#[async_trait]
impl SinkTask for ClickHouseSinkTask {
    async fn start(
        &mut self,
        config: ConfigMap,
        context: Arc<dyn SinkTaskContext>,
    ) -> ConnectResult<()> {
        let cfg = ClickHouseConfig::parse(&config).map_err(ConnectError::config)?;
        self.client = Some(ChClient::new(&cfg).map_err(ConnectError::config)?);
        self.json = Some(Arc::new(JsonConverter::new(JsonConverterConfig {
            schemas_enable: false,
            decimal_format: DecimalFormat::Numeric,
            ..Default::default()
        })));
        self.reporter = context.errant_record_reporter();
        self.context = Some(context);
        self.cfg = Some(Arc::new(cfg));
        // A server that is down now is retried on the first put; only a wrong set-up fails.
        match self.connect().await {
            Err(e) if e.is_retriable() => {
                tracing::warn!(error = %e, "ClickHouse not reachable yet; retrying when records arrive");
                Ok(())
            }
            r => r,
        }
    }

    async fn open(&mut self, partitions: &[TopicPartition]) -> ConnectResult<()> {
        if self.cfg()?.exactly_once.is_none() {
            return Ok(());
        }
        self.to_load.extend(partitions.iter().cloned());
        match self.ensure_ready().await {
            Err(e) if e.is_retriable() => Ok(()),
            r => r,
        }
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> ConnectResult<()> {
        let r = self.flush_blocks(None, true).await;
        self.to_load.retain(|p| !partitions.contains(p));
        for p in partitions {
            self.rewind.remove(p);
            self.taken.remove(p);
            self.pending.remove(p);
            if let Some(eos) = &mut self.eos {
                eos.replay.remove(p);
            }
        }
        r
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        if let Some(msg) = &self.fatal {
            return Err(ConnectError::other(msg.clone()));
        }
        self.ensure_ready().await?;
        // Answers that came in since the last put: report rejected rows, rewind on failure.
        while self
            .inflight
            .front()
            .is_some_and(|f| f.handle.is_finished())
        {
            self.complete_one().await?;
        }
        let (cfg, _) = self.started()?;
        let keep = cfg.tolerate_all && self.reporter.is_some();
        let mut tp = TopicPartition::new("", -1);
        for record in records {
            // Records come in runs per partition: build the key once per run.
            if tp.partition != record.original_partition || tp.topic != record.original_topic {
                tp = TopicPartition::new(&record.original_topic, record.original_partition);
            }
            let offset = record.kafka_offset;
            if self.is_stale(&tp, offset) {
                continue;
            }
            // Exactly-once: a replayed round is complete once its last offset is passed.
            let replay = self.eos.as_ref().and_then(|e| e.replay.get(&tp).copied());
            if let Some((_, last)) = replay {
                if offset > last && !self.pending.contains_key(&tp) {
                    if let Some(e) = &mut self.eos {
                        e.replay.remove(&tp);
                    }
                } else if offset > last {
                    self.flush_blocks(Some(&tp), true).await?;
                }
            }
            match self.pending.get_mut(&tp) {
                Some(r) => r.1 = offset,
                None => {
                    self.pending.insert(tp.clone(), (offset, offset));
                }
            }
            match self.taken.get_mut(&tp) {
                Some(t) => *t = offset,
                None => {
                    self.taken.insert(tp.clone(), offset);
                }
            }
            match self.route(&record, &tp).await? {
                Ok(Some(i)) => {
                    let size = self.blocks[i].1.commit_row(record, keep, &tp, offset);
                    self.buffered_rows += 1;
                    self.buffered_bytes += size;
                    self.first_buffered.get_or_insert_with(Instant::now);
                }
                Ok(None) => {}
                Err(msg) => {
                    let err = ConnectError::data(format!(
                        "Cannot write record {}-{}@{} to ClickHouse: {msg}",
                        record.original_topic, record.original_partition, record.original_offset
                    ));
                    match &self.reporter {
                        Some(r) => r.report(&record, err).await?,
                        None => return Err(err),
                    }
                }
            }
            if replay.is_some_and(|(_, last)| offset == last) {
                self.flush_blocks(Some(&tp), true).await?;
            } else if self.buffer_full(&cfg) {
                self.flush_blocks(None, false).await?;
            }
        }
        let due = cfg.buffer_count == 0
            || self.first_buffered.is_some_and(|t| {
                !cfg.buffer_flush_time.is_zero() && t.elapsed() >= cfg.buffer_flush_time
            });
        if due && !self.blocks.is_empty() {
            self.flush_blocks(None, false).await?;
        }
        Ok(())
    }

    async fn pre_commit(
        &mut self,
        offsets: &HashMap<TopicPartition, i64>,
    ) -> ConnectResult<HashMap<TopicPartition, i64>> {
        self.flush_blocks(None, true).await?;
        let mut safe = offsets.clone();
        for (tp, off) in safe.iter_mut() {
            let mut limit = *off;
            if let Some(r) = self.rewind.get(tp) {
                limit = limit.min(*r);
            }
            if let Some((first, _)) = self.pending.get(tp) {
                limit = limit.min(*first);
            }
            if let Some((first, _)) = self.eos.as_ref().and_then(|e| e.replay.get(tp)) {
                limit = limit.min(*first);
            }
            *off = limit;
        }
        Ok(safe)
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        // Whatever is still in flight was never committed: it is redelivered on restart.
        for f in self.inflight.drain(..) {
            f.handle.abort();
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "sink_tests.rs"]
mod tests;
