//! One table (or the custom query) of a source task: builds its SQL for the mode, streams the
//! result on a background tokio task through a bounded channel (so memory stays bounded and
//! decoding overlaps producing), and turns rows into records with Confluent's offsets.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferroconnect_runtime::data::{
    ConnectRecord, OffsetMap, SchemaBuilder, SourceRecord, Struct, Value,
};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Column, Executor, SqlSafeStr};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::config::{Mode, SourceConfig};
use super::offsets::{effective_plan, slice_partition, slice_progress, Position, SplitPlan};
use super::table::{autoincrement_column, column_meta, quote_ident, TableId};
use super::time::{db_now_micros, safe_upper_bound};
use super::types::PgKind;

#[path = "querier_rows.rs"]
mod rows;

use rows::{db_error, stream_rows, Msg, Plan, Reading, Row_};

/// Rows per message on the channel from the streaming task.
const CHUNK_ROWS: usize = 1024;
/// How far off a finished (or idle) split-load slice schedules its next query: never.
const NEVER: Duration = Duration::from_secs(10 * 365 * 86_400);

/// A querier's part in a split initial load (see [`super::offsets`]).
#[derive(Debug, Clone)]
enum SplitRole {
    /// The owner: reads ids up to `first_hi`, then goes on after `upper`.
    Owner { first_hi: i64, upper: i64 },
    /// Slice k ≥ 1: reads ids up to `hi` once, under its own partition.
    Slice { hi: i64, plan: SplitPlan },
}

struct Running {
    rx: mpsc::Receiver<Msg>,
    handle: JoinHandle<PgConnection>,
}

/// One table or query being copied by a task.
pub struct Querier {
    table: Option<TableId>,
    label: String,
    topic: String,
    partition: Arc<OffsetMap>,
    position: Position,
    inc_column: Option<String>,
    plan: Option<Arc<Plan>>,
    /// When the next query may start.
    pub next_poll: Instant,
    running: Option<Running>,
    pending: VecDeque<Row_>,
    /// Bulk mode: this querier reads slice `i` of `n` of the table's pages.
    slice: Option<(u32, u32)>,
    /// The page range of the current query (`None` end = to the end of the table).
    pages: Option<(i64, Option<i64>)>,
    /// Incrementing mode: this querier's part in a split initial load.
    split: Option<SplitRole>,
    /// The position after the last row emitted by the running `drain` call, and whether that
    /// row completed its timestamp group: only the last record of a call carries the offset.
    last_emitted: Option<(Position, bool)>,
}

impl Querier {
    /// A querier for a table; reads its committed offset (protocol v1, falling back to v0).
    pub async fn for_table(
        conn: &mut PgConnection,
        cfg: &SourceConfig,
        table: TableId,
        offsets: &dyn ferroconnect_runtime::connector::OffsetReader,
    ) -> ConnectResult<Querier> {
        let mut partition = OffsetMap::new();
        partition.insert("protocol".into(), "1".into());
        partition.insert(
            "table".into(),
            format!("{}.{}", cfg.conn.database, table.qualified()).into(),
        );
        let mut legacy = OffsetMap::new();
        legacy.insert("table".into(), table.name.clone().into());
        let offset = offsets
            .offset(&partition)
            .or_else(|| offsets.offset(&legacy));
        let inc_column = if !cfg.mode.uses_incrementing() {
            None
        } else if cfg.incrementing_column.is_empty() {
            Some(autoincrement_column(conn, &table).await?.ok_or_else(|| {
                ConnectError::config(format!(
                    "Cannot find a single auto-increment column in table {}: set incrementing.column.name",
                    table.qualified()
                ))
            })?)
        } else {
            Some(cfg.incrementing_column.clone())
        };
        let label = table.qualified();
        let topic = format!("{}{}", cfg.topic_prefix, table.name);
        Self::new(Some(table), label, topic, partition, offset, inc_column)
            .with_initial_position(conn, cfg)
            .await
    }

    /// A querier for `query` (partition `{"query":"query"}`, topic = `topic.prefix`).
    pub async fn for_query(
        conn: &mut PgConnection,
        cfg: &SourceConfig,
        offsets: &dyn ferroconnect_runtime::connector::OffsetReader,
    ) -> ConnectResult<Querier> {
        let mut partition = OffsetMap::new();
        partition.insert("query".into(), "query".into());
        let offset = offsets.offset(&partition);
        let inc_column = cfg
            .mode
            .uses_incrementing()
            .then(|| cfg.incrementing_column.clone());
        if inc_column.as_deref() == Some("") {
            return Err(ConnectError::config(
                "incrementing.column.name is required with query in an incrementing mode",
            ));
        }
        Self::new(
            None,
            "query".into(),
            cfg.topic_prefix.clone(),
            partition,
            offset,
            inc_column,
        )
        .with_initial_position(conn, cfg)
        .await
    }

    fn new(
        table: Option<TableId>,
        label: String,
        topic: String,
        partition: OffsetMap,
        offset: Option<OffsetMap>,
        inc_column: Option<String>,
    ) -> Querier {
        let position = offset
            .as_ref()
            .map(Position::from_offset)
            .unwrap_or_default();
        if let Some(o) = &offset {
            tracing::info!(table = %label, offset = %serde_json::Value::Object(o.clone()), "Resuming from the committed offset");
        }
        Querier {
            table,
            label,
            topic,
            partition: Arc::new(partition),
            position,
            inc_column,
            plan: None,
            next_poll: Instant::now(),
            running: None,
            pending: VecDeque::new(),
            slice: None,
            pages: None,
            split: None,
            last_emitted: None,
        }
    }

    /// Applies `timestamp.initial` when no offset was committed.
    async fn with_initial_position(
        mut self,
        conn: &mut PgConnection,
        cfg: &SourceConfig,
    ) -> ConnectResult<Querier> {
        if cfg.mode.uses_timestamp() && self.position.ts_micros.is_none() {
            self.position.ts_micros = Some(match cfg.timestamp_initial {
                Some(-1) => db_now_micros(conn).await?,
                Some(ms) => ms * 1000,
                None => 0,
            });
        }
        if cfg.mode.uses_incrementing() && self.position.inc.is_none() {
            self.position.inc = Some(-1);
        }
        Ok(self)
    }

    /// The table or query this querier reads, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Splits a bulk table: this querier reads only slice `index` of `count` of its pages.
    pub fn set_slice(&mut self, index: u32, count: u32) {
        if count > 1 && index < count {
            self.slice = Some((index, count));
            self.label = format!("{} (slice {}/{count})", self.label, index + 1);
        }
    }

    /// Makes this querier the owner (keeping the table's partition) or slice `k` of `n` of a
    /// split initial load, under the plan in force (stored by a slice, else `config` for a
    /// fresh table). A slice with nothing (left) to read never queries.
    pub fn set_split(
        &mut self,
        (k, n): (u32, u32),
        owner: bool,
        config: Option<&SplitPlan>,
        offsets: &dyn ferroconnect_runtime::connector::OffsetReader,
    ) {
        let plan = effective_plan(offsets, &self.partition, n, config);
        let last = self.position.inc.unwrap_or(-1);
        if owner {
            let Some(plan) = plan else {
                return;
            };
            if let Some(t) = plan.ts_upper {
                // timestamp+incrementing: no range of its own; it starts at the handover time.
                if offsets.offset(&self.partition).is_none() {
                    self.position.ts_micros = Some(self.position.ts_micros.unwrap_or(0).max(t));
                    self.position.inc = Some(-1);
                }
                return;
            }
            let (_, first_hi) = plan.range(0);
            if last >= first_hi {
                self.position.inc = Some(last.max(plan.upper));
                return;
            }
            self.label = format!("{} (initial load slice 1/{n})", self.label);
            self.split = Some(SplitRole::Owner {
                first_hi,
                upper: plan.upper,
            });
            return;
        }
        self.partition = Arc::new(slice_partition(&self.partition, k, n));
        self.label = format!("{} (initial load slice {}/{n})", self.label, k + 1);
        let (stored_last, done) = offsets
            .offset(&self.partition)
            .as_ref()
            .map(slice_progress)
            .unwrap_or((None, false));
        match plan {
            Some(plan) if !done => {
                let (lo, hi) = plan.range(k);
                let lo = lo.unwrap_or(if plan.ts_upper.is_some() {
                    i64::MIN
                } else {
                    -1
                });
                self.position.inc = Some(stored_last.map_or(lo, |l| l.max(lo)));
                self.split = Some(SplitRole::Slice { hi, plan });
            }
            _ => self.next_poll = Instant::now() + NEVER,
        }
    }

    fn base_sql(&self, cfg: &SourceConfig) -> String {
        match (&self.table, self.pages) {
            (Some(t), Some((start, end))) => {
                let upper = end
                    .map(|e| format!(" AND ctid < '({e},0)'::tid"))
                    .unwrap_or_default();
                format!(
                    "SELECT * FROM {} WHERE ctid >= '({start},0)'::tid{upper}",
                    t.quoted()
                )
            }
            (Some(t), None) => format!("SELECT * FROM {}", t.quoted()),
            (None, _) => cfg.query.clone(),
        }
    }

    /// Bulk slices: the page range of this slice, from the table's current size (the last
    /// slice is open-ended, so pages added meanwhile are read too).
    async fn slice_pages(
        &self,
        conn: &mut PgConnection,
    ) -> ConnectResult<Option<(i64, Option<i64>)>> {
        let (Some((i, n)), Some(t)) = (self.slice, &self.table) else {
            return Ok(None);
        };
        let pages: i64 = sqlx::query_scalar(
            "SELECT pg_relation_size(to_regclass($1)) / current_setting('block_size')::int8",
        )
        .bind(t.quoted())
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| ConnectError::other(format!("Failed to size {}: {e}", self.label)))?;
        let (i, n) = (i as i64, n as i64);
        let start = pages * i / n;
        let end = (i + 1 < n).then(|| pages * (i + 1) / n);
        Ok(Some((start, end)))
    }

    fn ts_expr(cfg: &SourceConfig) -> String {
        let cols: Vec<String> = cfg
            .timestamp_columns
            .iter()
            .map(|c| quote_ident(c))
            .collect();
        if cols.len() == 1 {
            cols[0].clone()
        } else {
            format!("COALESCE({})", cols.join(", "))
        }
    }

    /// The mode's SQL and its parameters (`end` = upper timestamp bound).
    fn sql(&self, cfg: &SourceConfig, end: Option<i64>) -> (String, Vec<i64>) {
        let bound =
            |n: usize| format!("(TIMESTAMPTZ 'epoch' + ${n}::int8 * INTERVAL '1 microsecond')");
        let base = self.base_sql(cfg);
        let inc = self
            .inc_column
            .as_deref()
            .map(quote_ident)
            .unwrap_or_default();
        let ts = Self::ts_expr(cfg);
        let begin = self.position.ts_micros.unwrap_or(0);
        let last = self.position.inc.unwrap_or(-1);
        let end = end.unwrap_or(i64::MAX / 2);
        let (clause, params) = match cfg.mode {
            Mode::Bulk => (String::new(), vec![]),
            Mode::Incrementing => match &self.split {
                Some(SplitRole::Owner { first_hi: hi, .. } | SplitRole::Slice { hi, .. }) => (
                    format!(" WHERE {inc} > $1::int8 AND {inc} <= $2::int8 ORDER BY {inc} ASC"),
                    vec![last, *hi],
                ),
                None => (format!(" WHERE {inc} > $1::int8 ORDER BY {inc} ASC"), vec![last]),
            },
            Mode::Timestamp => (
                format!(" WHERE {ts} > {} AND {ts} < {} ORDER BY {ts} ASC", bound(1), bound(2)),
                vec![begin, end],
            ),
            Mode::TimestampIncrementing if matches!(self.split, Some(SplitRole::Slice { .. })) => {
                let (hi, ts_upper) = match &self.split {
                    Some(SplitRole::Slice { hi, plan }) => (*hi, plan.ts_upper.unwrap_or(end)),
                    _ => (i64::MAX, end),
                };
                (
                    format!(
                        " WHERE {ts} < {} AND {inc} > $2::int8 AND {inc} <= $3::int8 ORDER BY {inc} ASC",
                        bound(1)
                    ),
                    vec![ts_upper, last, hi],
                )
            }
            Mode::TimestampIncrementing => (
                format!(
                    " WHERE {ts} < {} AND (({ts} = {} AND {inc} > $3::int8) OR {ts} > {}) ORDER BY {ts}, {inc} ASC",
                    bound(1),
                    bound(2),
                    bound(2)
                ),
                vec![end, begin, last],
            ),
        };
        let suffix = if cfg.query_suffix.is_empty() {
            String::new()
        } else {
            format!(" {}", cfg.query_suffix)
        };
        (format!("{base}{clause}{suffix}"), params)
    }

    /// Prepares the statement and derives the struct schema (once; reused while the result
    /// columns keep their types).
    async fn plan(
        &mut self,
        conn: &mut PgConnection,
        cfg: &SourceConfig,
        sql: &str,
    ) -> ConnectResult<Arc<Plan>> {
        if let Some(p) = &self.plan {
            return Ok(p.clone());
        }
        let stmt = conn
            .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
            .await
            .map_err(|e| {
                ConnectError::other(format!(
                    "Failed to prepare the query of {}: {}",
                    self.label,
                    db_error(&e, cfg.query_masked)
                ))
            })?;
        use sqlx::Statement;
        let columns = stmt.columns();
        let relids: Vec<i64> = columns
            .iter()
            .filter_map(|c| c.relation_id().map(|o| o.0 as i64))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let meta = column_meta(conn, relids).await?;
        let mut builder = SchemaBuilder::struct_();
        if let Some(t) = &self.table {
            builder = builder.name(t.name.clone());
        }
        let mut fields = Vec::new();
        let mut kinds: HashMap<String, (usize, PgKind, bool)> = HashMap::new();
        let mut oids = Vec::new();
        for (i, c) in columns.iter().enumerate() {
            let oid = c.type_info().oid().map(|o| o.0).unwrap_or(0);
            oids.push(oid);
            let m = c
                .relation_id()
                .zip(c.relation_attribute_no())
                .and_then(|(r, a)| meta.get(&(r.0 as i64, a)));
            let Some(kind) = PgKind::from_oid(oid, m.map_or(-1, |m| m.typmod)) else {
                tracing::warn!(table = %self.label, column = c.name(), pg_type = %c.type_info(), "Column type is not supported; the column is skipped");
                continue;
            };
            let not_null = m.is_some_and(|m| m.not_null);
            kinds.insert(c.name().to_string(), (i, kind.clone(), not_null));
            builder = builder.field(c.name(), kind.schema(!not_null, &cfg.decoding()));
            fields.push((i, kind));
        }
        let mut ts_cols = Vec::new();
        if cfg.mode.uses_timestamp() {
            for name in &cfg.timestamp_columns {
                let (i, kind, not_null) = kinds.get(name).ok_or_else(|| {
                    ConnectError::config(format!(
                        "timestamp.column.name '{name}' is not a column of {}",
                        self.label
                    ))
                })?;
                if !matches!(kind, PgKind::Timestamp | PgKind::TimestampTz) {
                    return Err(ConnectError::config(format!(
                        "timestamp.column.name '{name}' of {} is not a timestamp column",
                        self.label
                    )));
                }
                if cfg.validate_non_null
                    && !not_null
                    && self.table.is_some()
                    && cfg.timestamp_columns.len() == 1
                {
                    return Err(ConnectError::config(format!(
                        "Cannot make incremental queries using timestamp column '{name}' on {} because this column is nullable (set validate.non.null=false to allow it)",
                        self.label
                    )));
                }
                ts_cols.push((*i, *kind == PgKind::Timestamp));
            }
        }
        let inc_col = match &self.inc_column {
            Some(name) => {
                let (i, kind, not_null) = kinds.get(name).ok_or_else(|| {
                    ConnectError::config(format!(
                        "incrementing.column.name '{name}' is not a column of {}",
                        self.label
                    ))
                })?;
                if !matches!(
                    kind,
                    PgKind::Int2 | PgKind::Int4 | PgKind::Int8 | PgKind::Oid | PgKind::Numeric(_)
                ) {
                    return Err(ConnectError::config(format!(
                        "incrementing.column.name '{name}' of {} is not an integer column",
                        self.label
                    )));
                }
                if cfg.validate_non_null && !not_null && self.table.is_some() {
                    return Err(ConnectError::config(format!(
                        "Cannot make incremental queries using incrementing column '{name}' on {} because this column is nullable (set validate.non.null=false to allow it)",
                        self.label
                    )));
                }
                Some((*i, kind.clone()))
            }
            None => None,
        };
        let plan = Arc::new(Plan {
            schema: builder.build_ref(),
            fields,
            ts_cols,
            inc_col,
            oids,
        });
        self.plan = Some(plan.clone());
        Ok(plan)
    }

    /// Starts this querier's next query on `conn` (handed back when the query ends).
    pub async fn start(
        &mut self,
        mut conn: PgConnection,
        cfg: &SourceConfig,
    ) -> Result<(), (PgConnection, ConnectError)> {
        let end = if cfg.mode.uses_timestamp() {
            match safe_upper_bound(&mut conn, cfg.delay_ms).await {
                Ok(e) => Some(e),
                Err(e) => return Err((conn, e)),
            }
        } else {
            None
        };
        self.pages = match self.slice_pages(&mut conn).await {
            Ok(p) => p,
            Err(e) => return Err((conn, e)),
        };
        let (sql, params) = self.sql(cfg, end);
        let plan = match self.plan(&mut conn, cfg, &sql).await {
            Ok(p) => p,
            Err(e) => return Err((conn, e)),
        };
        tracing::debug!(table = %self.label, sql = cfg.loggable(&sql), ?params, "Querying");
        let chunk = cfg.batch_max_rows.clamp(1, CHUNK_ROWS);
        let (tx, rx) = mpsc::channel(4);
        let mode = cfg.mode;
        let dec = cfg.decoding();
        let masked = cfg.query_masked;
        let label = self.label.clone();
        let handle = tokio::spawn(async move {
            let mut q = sqlx::query::<_>(AssertSqlSafe(sql));
            for p in params {
                q = q.bind(p);
            }
            let read = Reading {
                mode,
                dec,
                masked,
                chunk,
            };
            if let Err(e) = stream_rows(&mut conn, q, &plan, read, &tx).await {
                let _ = tx
                    .send(Msg::Failed(format!("Failed to read {label}: {e}")))
                    .await;
            }
            conn
        });
        self.running = Some(Running { rx, handle });
        Ok(())
    }

    /// Takes up to `max` records from the running query, waiting at most `wait` for the first.
    /// Returns the connection once the query has finished.
    ///
    /// Only the last record taken carries the source offset (the others an empty one, the
    /// JVM's null): the worker acknowledges a poll batch as a whole and commits each
    /// partition's last offset in it, so building a map per row would be wasted.
    pub async fn drain(
        &mut self,
        cfg: &SourceConfig,
        max: usize,
        wait: Duration,
        out: &mut Vec<SourceRecord>,
    ) -> ConnectResult<Option<PgConnection>> {
        self.last_emitted = None;
        let r = self.drain_rows(cfg, max, wait, out).await;
        self.stamp_last(cfg, out);
        r
    }

    /// Sets the offset of the last record emitted by this `drain` call, computed from the
    /// position it reached.
    fn stamp_last(&mut self, cfg: &SourceConfig, out: &mut [SourceRecord]) {
        let (Some((position, ts_done)), Some(last)) = (self.last_emitted.take(), out.last_mut())
        else {
            return;
        };
        last.source_offset = match &self.split {
            Some(SplitRole::Slice { plan, .. }) => {
                plan.slice_offset(position.inc.unwrap_or(-1), ts_done)
            }
            _ if cfg.mode == Mode::Bulk => OffsetMap::new(),
            _ => position.to_offset(),
        };
    }

    async fn drain_rows(
        &mut self,
        cfg: &SourceConfig,
        max: usize,
        wait: Duration,
        out: &mut Vec<SourceRecord>,
    ) -> ConnectResult<Option<PgConnection>> {
        let deadline = tokio::time::Instant::now() + wait;
        while out.len() < max {
            if let Some(row) = self.pending.pop_front() {
                self.emit(cfg, row, out)?;
                continue;
            }
            let Some(running) = self.running.as_mut() else {
                return Ok(None);
            };
            let msg = if out.is_empty() {
                match tokio::time::timeout_at(deadline, running.rx.recv()).await {
                    Ok(m) => m,
                    Err(_) => return Ok(None),
                }
            } else {
                match running.rx.try_recv() {
                    Ok(m) => Some(m),
                    Err(mpsc::error::TryRecvError::Empty) => return Ok(None),
                    Err(mpsc::error::TryRecvError::Disconnected) => None,
                }
            };
            match msg {
                Some(Msg::Rows(rows)) => self.pending.extend(rows),
                Some(Msg::Failed(e)) => {
                    self.plan = None;
                    return Err(ConnectError::other(e));
                }
                None => {
                    let Some(running) = self.running.take() else {
                        return Ok(None);
                    };
                    // The offset of this query's last row, before a split hands over.
                    self.stamp_last(cfg, out);
                    self.next_poll = Instant::now() + cfg.poll_interval;
                    match self.split.take() {
                        Some(SplitRole::Owner { upper, .. }) => {
                            self.position.inc = Some(self.position.inc.unwrap_or(-1).max(upper));
                        }
                        Some(SplitRole::Slice { .. }) => self.next_poll = Instant::now() + NEVER,
                        None => {}
                    }
                    let conn = running.handle.await.map_err(|e| {
                        ConnectError::other(format!("The query task of {} failed: {e}", self.label))
                    })?;
                    return Ok(Some(conn));
                }
            }
        }
        Ok(None)
    }

    fn emit(
        &mut self,
        cfg: &SourceConfig,
        row: Row_,
        out: &mut Vec<SourceRecord>,
    ) -> ConnectResult<()> {
        let Some(plan) = &self.plan else {
            return Err(ConnectError::other("internal: rows without a plan"));
        };
        match cfg.mode {
            Mode::Bulk => {}
            Mode::Incrementing => self.position.inc = row.inc,
            Mode::Timestamp => {
                if row.ts_done {
                    self.position.ts_micros = row.ts;
                }
            }
            Mode::TimestampIncrementing => {
                self.position.ts_micros = row.ts;
                self.position.inc = row.inc;
            }
        }
        let value = Struct::from_values(plan.schema.clone(), row.values)?;
        self.last_emitted = Some((self.position, row.ts_done));
        out.push(SourceRecord {
            source_partition: self.partition.clone(),
            // Set on the call's last record by `stamp_last`.
            source_offset: OffsetMap::new(),
            record: ConnectRecord::new(
                self.topic.clone(),
                Some(plan.schema.clone()),
                Value::Struct(value),
            ),
        });
        Ok(())
    }

    /// Aborts a running query.
    pub fn abort(&mut self) {
        if let Some(r) = self.running.take() {
            r.handle.abort();
        }
        self.pending.clear();
    }
}
