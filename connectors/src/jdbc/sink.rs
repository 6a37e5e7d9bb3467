//! `JdbcSinkConnector`: writes records into PostgreSQL tables with binary COPY (see
//! `sink_copy.rs`) or multi-row statements, one transaction per `put` batch, retrying a failed
//! batch `max.retries` times. Records that do not fit the table go to the worker's errant
//! record reporter (see `sink_write.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::connector::{
    ErrantRecordReporter, SameConfigSink, SinkTask, SinkTaskContext,
};
use ferroconnect_runtime::data::{Schema, SchemaRef, SinkRecord, TopicPartition, Value};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Row};

use super::conn::SINK_APPLICATION_NAME;
use super::sink_config::{sink_config_def, InsertMode, PkMode, SinkConfig};
use super::sink_sql::{delete_sql, insert_sql, update_sql, Column, Param, ParamKind};
use super::table::quote_ident;
use super::VERSION;

#[path = "sink_write.rs"]
mod write;

#[path = "sink_copy.rs"]
mod copy;

use copy::{CopyPlan, CopyRun, TxStages};
use write::{is_config, is_data, Run};

/// Postgres' limit of bind parameters per statement.
const MAX_PARAMS: usize = 65_535;

/// `io.confluent.connect.jdbc.JdbcSinkConnector`, for
/// [`ferroconnect_runtime::connector::SameConfigSinkConnector`]: every task takes the
/// connector's config.
pub const JDBC_SINK: SameConfigSink = SameConfigSink {
    version: VERSION,
    config_def: sink_config_def,
    check: check_sink_config,
    create_task: create_sink_task,
};

fn check_sink_config(config: &ConfigMap) -> Result<(), String> {
    SinkConfig::parse(config).map(|_| ())
}

fn create_sink_task() -> Box<dyn SinkTask> {
    Box::new(JdbcSinkTask::default())
}

/// Which record parts a row is made of; records with the same shape share one statement.
#[derive(Clone)]
struct Shape {
    table: String,
    key_schema: Option<SchemaRef>,
    value_schema: Option<SchemaRef>,
}

fn same_schema(a: &Option<SchemaRef>, b: &Option<SchemaRef>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        (None, None) => true,
        _ => false,
    }
}

/// Where one column's value comes from.
#[derive(Clone)]
enum Source {
    Topic,
    Partition,
    Offset,
    /// The whole (primitive) key.
    Key,
    KeyField(usize),
    ValueField(usize),
}

/// A resolved shape: the table's columns and where each value comes from.
struct Layout {
    shape: Shape,
    table_sql: String,
    cols: Vec<Column>,
    sources: Vec<(Source, Arc<Schema>)>,
    pk: Vec<String>,
    /// Whether each of `cols` is part of the primary key.
    is_pk: Vec<bool>,
    /// The primary key columns (for deletes).
    pk_cols: Vec<Column>,
    /// Statements already built, by operation and row count.
    sql_cache: HashMap<(Op, usize), Arc<str>>,
    /// The COPY fast path of writes, if every column is covered.
    copy: Option<CopyPlan>,
}

/// At most this many statements are kept per layout (batches of varying sizes).
const SQL_CACHE_SIZE: usize = 16;

impl Layout {
    /// The statement writing `rows` rows of this layout with `op`, built once and reused.
    fn sql(&mut self, cfg: &SinkConfig, op: Op, rows: usize) -> Arc<str> {
        if let Some(sql) = self.sql_cache.get(&(op, rows)) {
            return sql.clone();
        }
        let sql: Arc<str> = match (op, cfg.insert_mode) {
            (Op::Delete, _) => delete_sql(&self.table_sql, &self.pk_cols, rows),
            (Op::Write, InsertMode::Update) => update_sql(&self.table_sql, &self.cols, &self.pk),
            (Op::Write, mode) => insert_sql(
                &self.table_sql,
                &self.cols,
                &self.pk,
                rows,
                mode == InsertMode::Upsert,
            ),
        }
        .into();
        if self.sql_cache.len() >= SQL_CACHE_SIZE {
            self.sql_cache.clear();
        }
        self.sql_cache.insert((op, rows), sql.clone());
        sql
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Write,
    Delete,
}

/// The JDBC sink task.
#[derive(Default)]
pub struct JdbcSinkTask {
    cfg: Option<SinkConfig>,
    conn: Option<PgConnection>,
    layouts: Vec<Layout>,
    context: Option<Arc<dyn SinkTaskContext>>,
    /// exactly.once: the next offset to write per partition, as stored in the database.
    written: HashMap<TopicPartition, i64>,
    /// Quoted table name per topic (`table.name.format` applied).
    table_names: HashMap<String, String>,
    /// The buffer of COPY runs, kept for reuse.
    copy_buf: Vec<u8>,
}

fn other(e: impl std::fmt::Display) -> ConnectError {
    ConnectError::other(e.to_string())
}

impl JdbcSinkTask {
    fn table_name(cfg: &SinkConfig, topic: &str) -> String {
        let name = cfg.table_format.replace("${topic}", topic);
        match name.split_once('.') {
            Some((s, t)) => format!("{}.{}", quote_ident(s), quote_ident(t)),
            None => quote_ident(&name),
        }
    }

    /// The table's columns and types; empty if it does not exist.
    async fn table_columns(
        conn: &mut PgConnection,
        table_sql: &str,
    ) -> ConnectResult<HashMap<String, String>> {
        let rows = sqlx::query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
        )
        .bind(table_sql.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| other(format!("Failed to read the columns of {table_sql}: {e}")))?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0).map_err(other)?,
                    r.try_get::<String, _>(1).map_err(other)?,
                ))
            })
            .collect()
    }

    /// Works out the columns of a record shape, creating or evolving the table if allowed.
    async fn layout(
        conn: &mut PgConnection,
        cfg: &SinkConfig,
        shape: Shape,
    ) -> ConnectResult<Layout> {
        let table = &shape.table;
        let mut wanted: Vec<(String, Source, Arc<Schema>)> = Vec::new();
        let opt_schema = |s: &Option<SchemaRef>, what: &str| {
            s.clone().ok_or_else(|| {
                ConnectError::data(format!(
                    "JDBC sink needs a {what} schema (table {table}); use a converter with schemas"
                ))
            })
        };
        let int64 = ferroconnect_runtime::data::schemas::int64();
        let mut pk: Vec<String> = Vec::new();
        match cfg.pk_mode {
            PkMode::None => {}
            PkMode::Kafka => {
                let names = if cfg.pk_fields.is_empty() {
                    vec![
                        "__connect_topic".to_string(),
                        "__connect_partition".into(),
                        "__connect_offset".into(),
                    ]
                } else {
                    cfg.pk_fields.clone()
                };
                wanted.push((
                    names[0].clone(),
                    Source::Topic,
                    ferroconnect_runtime::data::schemas::string(),
                ));
                wanted.push((
                    names[1].clone(),
                    Source::Partition,
                    ferroconnect_runtime::data::schemas::int32(),
                ));
                wanted.push((names[2].clone(), Source::Offset, int64.clone()));
                pk = names;
            }
            PkMode::RecordKey => {
                let ks = opt_schema(&shape.key_schema, "key")?;
                if ks.schema_type.is_primitive() {
                    let name = cfg
                        .pk_fields
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "__connect_key".into());
                    wanted.push((name.clone(), Source::Key, ks.clone()));
                    pk.push(name);
                } else {
                    for f in &ks.fields {
                        if cfg.pk_fields.is_empty() || cfg.pk_fields.contains(&f.name) {
                            wanted.push((
                                f.name.clone(),
                                Source::KeyField(f.index),
                                f.schema.clone(),
                            ));
                            pk.push(f.name.clone());
                        }
                    }
                }
            }
            PkMode::RecordValue => {
                let vs = opt_schema(&shape.value_schema, "value")?;
                for f in &vs.fields {
                    if cfg.pk_fields.is_empty() || cfg.pk_fields.contains(&f.name) {
                        wanted.push((
                            f.name.clone(),
                            Source::ValueField(f.index),
                            f.schema.clone(),
                        ));
                        pk.push(f.name.clone());
                    }
                }
            }
        }
        if let Some(missing) = cfg.pk_fields.iter().find(|f| {
            cfg.pk_mode != PkMode::Kafka && cfg.pk_mode != PkMode::None && !pk.contains(f)
        }) {
            return Err(ConnectError::config(format!(
                "pk.fields names '{missing}', which is not a field of the record's {}",
                if cfg.pk_mode == PkMode::RecordKey {
                    "key"
                } else {
                    "value"
                }
            )));
        }
        if let Some(vs) = &shape.value_schema {
            if vs.schema_type != ferroconnect_runtime::data::SchemaType::Struct {
                return Err(ConnectError::data(format!(
                    "JDBC sink needs struct values (table {table}), got {}",
                    vs.schema_type
                )));
            }
            for f in &vs.fields {
                let listed =
                    cfg.fields_whitelist.is_empty() || cfg.fields_whitelist.contains(&f.name);
                if listed && !pk.contains(&f.name) {
                    wanted.push((
                        f.name.clone(),
                        Source::ValueField(f.index),
                        f.schema.clone(),
                    ));
                }
            }
        }
        let mut existing = Self::table_columns(conn, table).await?;
        if existing.is_empty() {
            if !cfg.auto_create {
                return Err(ConnectError::other(format!(
                    "Table {table} is missing and auto.create is disabled"
                )));
            }
            let mut defs = Vec::new();
            for (name, _, schema) in &wanted {
                let ty = ParamKind::create_type(schema).ok_or_else(|| {
                    ConnectError::data(format!(
                        "Field '{name}' of type {} cannot be a column of {table}",
                        schema.schema_type
                    ))
                })?;
                let not_null = if schema.optional && !pk.contains(name) {
                    ""
                } else {
                    " NOT NULL"
                };
                defs.push(format!("{} {ty}{not_null}", quote_ident(name)));
            }
            if !pk.is_empty() {
                let keys: Vec<String> = pk.iter().map(|k| quote_ident(k)).collect();
                defs.push(format!("PRIMARY KEY ({})", keys.join(",")));
            }
            let sql = format!("CREATE TABLE IF NOT EXISTS {table} ({})", defs.join(", "));
            tracing::info!(%sql, "auto.create");
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await
                .map_err(|e| other(format!("Failed to create {table}: {e}")))?;
            existing = Self::table_columns(conn, table).await?;
        }
        let missing: Vec<&(String, Source, Arc<Schema>)> = wanted
            .iter()
            .filter(|(n, _, _)| !existing.contains_key(n))
            .collect();
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|(n, _, _)| n.as_str()).collect();
            if !cfg.auto_evolve {
                return Err(ConnectError::other(format!(
                    "Table {table} is missing columns ({}) and auto.evolve is disabled",
                    names.join(", ")
                )));
            }
            for (name, _, schema) in missing {
                let ty = ParamKind::create_type(schema).ok_or_else(|| {
                    ConnectError::data(format!(
                        "Field '{name}' of type {} cannot be a column of {table}",
                        schema.schema_type
                    ))
                })?;
                if !schema.optional && schema.default.is_none() {
                    return Err(ConnectError::other(format!(
                        "Cannot ALTER TABLE {table} to add missing field '{name}': it is not optional and has no default value"
                    )));
                }
                let sql = format!(
                    "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {} {ty}",
                    quote_ident(name)
                );
                tracing::info!(%sql, "auto.evolve");
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| other(format!("Failed to alter {table}: {e}")))?;
            }
            existing = Self::table_columns(conn, table).await?;
        }
        let mut cols = Vec::new();
        let mut sources = Vec::new();
        for (name, source, schema) in wanted {
            let kind = ParamKind::of(&schema).ok_or_else(|| {
                ConnectError::data(format!(
                    "Field '{name}' of type {} cannot be written to {table}",
                    schema.schema_type
                ))
            })?;
            let sql_type = existing
                .get(&name)
                .cloned()
                .unwrap_or_else(|| "text".into());
            cols.push(Column {
                name,
                kind,
                sql_type,
            });
            sources.push((source, schema));
        }
        let is_pk: Vec<bool> = cols.iter().map(|c| pk.contains(&c.name)).collect();
        let pk_cols = cols
            .iter()
            .zip(&is_pk)
            .filter(|(_, &k)| k)
            .map(|(c, _)| c.clone())
            .collect();
        Ok(Layout {
            copy: copy::plan(cfg, table, &cols, &pk),
            table_sql: table.clone(),
            shape,
            cols,
            sources,
            pk,
            is_pk,
            pk_cols,
            sql_cache: HashMap::new(),
        })
    }

    /// Writes a batch in one transaction, with COPY where possible if `fast`. With a
    /// `reporter`, records that do not fit the table are reported and left out instead of
    /// failing the batch (statements only).
    async fn write(
        &mut self,
        records: &[SinkRecord],
        reporter: Option<&dyn ErrantRecordReporter>,
        fast: bool,
    ) -> ConnectResult<()> {
        let Some(cfg) = self.cfg.clone() else {
            return Err(other("JdbcSinkTask was not started"));
        };
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => {
                // The old connection's staging tables are gone.
                self.layouts.clear();
                cfg.conn
                    .connect(SINK_APPLICATION_NAME, cfg.attempts, cfg.backoff)
                    .await?
            }
        };
        let fast = fast && reporter.is_none();
        let result = self
            .write_on(&mut conn, &cfg, records, reporter, fast)
            .await;
        if result.is_ok() || conn.ping().await.is_ok() {
            self.conn = Some(conn);
        }
        result
    }

    /// The layout index, operation and statement parameters of one record (none if `fast`
    /// and it goes to a COPY run), resolving (and creating or evolving) its table on first
    /// sight of its shape.
    async fn prepare(
        &mut self,
        conn: &mut PgConnection,
        cfg: &SinkConfig,
        rec: &SinkRecord,
        fast: bool,
    ) -> ConnectResult<(usize, Op, Option<Vec<Param>>)> {
        let r = &rec.record;
        let op = if r.value.is_null() {
            if !cfg.delete_enabled {
                return Err(ConnectError::data(format!(
                    "Record at {}-{} offset {} has a null value, but delete.enabled=false",
                    rec.original_topic, rec.original_partition, rec.kafka_offset
                )));
            }
            Op::Delete
        } else {
            Op::Write
        };
        if !self.table_names.contains_key(&r.topic) {
            let name = Self::table_name(cfg, &r.topic);
            self.table_names.insert(r.topic.clone(), name);
        }
        let table = self.table_names.get(&r.topic).map_or("", String::as_str);
        let value_schema = if op == Op::Delete {
            &None
        } else {
            &r.value_schema
        };
        let found = self.layouts.iter().position(|l| {
            l.shape.table == table
                && same_schema(&l.shape.key_schema, &r.key_schema)
                && (op == Op::Delete || same_schema(&l.shape.value_schema, value_schema))
        });
        let idx = match found {
            Some(i) => i,
            None => {
                let shape = Shape {
                    table: table.to_string(),
                    key_schema: r.key_schema.clone(),
                    value_schema: value_schema.clone(),
                };
                let layout = Self::layout(conn, cfg, shape).await?;
                self.layouts.push(layout);
                self.layouts.len() - 1
            }
        };
        if fast && op == Op::Write && self.layouts[idx].copy.is_some() {
            return Ok((idx, op, None));
        }
        let params = Self::params(&self.layouts[idx], rec, op == Op::Delete)?;
        Ok((idx, op, Some(params)))
    }

    async fn write_on(
        &mut self,
        conn: &mut PgConnection,
        cfg: &SinkConfig,
        records: &[SinkRecord],
        reporter: Option<&dyn ErrantRecordReporter>,
        fast: bool,
    ) -> ConnectResult<()> {
        let mut tx = conn.begin().await.map_err(other)?;
        let mut run: Option<Run> = None;
        let mut copy: Option<CopyRun> = None;
        let mut stages = TxStages::default();
        for (n, rec) in records.iter().enumerate() {
            let (idx, op, params) = match self.prepare(&mut tx, cfg, rec, fast).await {
                Ok(p) => p,
                Err(e) => match reporter {
                    // Does not convert to the table's columns: reported, not written.
                    Some(reporter) if is_data(&e) => {
                        reporter.report(rec, e).await?;
                        continue;
                    }
                    _ => return Err(e),
                },
            };
            // Runs are written in record order: a COPY run ends where a statement run starts.
            let Some(params) = params else {
                if let Some(r) = run.take() {
                    let layout = &mut self.layouts[r.layout];
                    Self::write_run(&mut tx, cfg, layout, r, records, reporter).await?;
                }
                if let Some(c) = copy.take_if(|c| c.layout != idx) {
                    let layout = &mut self.layouts[c.layout];
                    self.copy_buf = Self::write_copy(&mut tx, layout, c, &mut stages).await?;
                }
                let buf = &mut self.copy_buf;
                let c = copy.get_or_insert_with(|| CopyRun::new(idx, std::mem::take(buf)));
                c.push(&self.layouts[idx], rec)?;
                continue;
            };
            if let Some(c) = copy.take() {
                let layout = &mut self.layouts[c.layout];
                self.copy_buf = Self::write_copy(&mut tx, layout, c, &mut stages).await?;
            }
            match &mut run {
                Some(r) if r.layout == idx && r.op == op && r.rows.len() < cfg.batch_size => {
                    r.rows.push(params);
                    r.recs.push(n);
                }
                _ => {
                    if let Some(r) = run.take() {
                        let layout = &mut self.layouts[r.layout];
                        Self::write_run(&mut tx, cfg, layout, r, records, reporter).await?;
                    }
                    run = Some(Run {
                        layout: idx,
                        op,
                        rows: vec![params],
                        recs: vec![n],
                    });
                }
            }
        }
        if let Some(r) = run.take() {
            let layout = &mut self.layouts[r.layout];
            Self::write_run(&mut tx, cfg, layout, r, records, reporter).await?;
        }
        if let Some(c) = copy.take() {
            let layout = &mut self.layouts[c.layout];
            self.copy_buf = Self::write_copy(&mut tx, layout, c, &mut stages).await?;
        }
        let mut next: HashMap<TopicPartition, i64> = HashMap::new();
        if let Some((table, name)) = &cfg.exactly_once {
            // Per partition, without a key allocation per record (few partitions per batch).
            let mut seen: Vec<(&str, i32, i64)> = Vec::new();
            for rec in records {
                let (t, p) = (rec.original_topic.as_str(), rec.original_partition);
                match seen.iter_mut().find(|s| s.1 == p && s.0 == t) {
                    Some(s) => s.2 = s.2.max(rec.original_offset + 1),
                    None => seen.push((t, p, rec.original_offset + 1)),
                }
            }
            next.extend(
                seen.into_iter()
                    .map(|(t, p, o)| (TopicPartition::new(t.to_string(), p), o)),
            );
            for (tp, offset) in &next {
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO {table} (connector, topic, kafka_partition, next_offset) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (connector, topic, kafka_partition) \
                     DO UPDATE SET next_offset = EXCLUDED.next_offset"
                )))
                .bind(name.clone())
                .bind(tp.topic.clone())
                .bind(tp.partition)
                .bind(*offset)
                .execute(&mut *tx)
                .await
                .map_err(|e| other(format!("Failed to store offsets in {table}: {e}")))?;
            }
        }
        tx.commit().await.map_err(other)?;
        self.stages_committed(stages);
        self.written.extend(next);
        Ok(())
    }

    /// exactly.once: creates the offsets table if needed and loads the stored offsets of
    /// `partitions`, rewinding the consumer to them.
    async fn load_offsets(&mut self, partitions: &[TopicPartition]) -> ConnectResult<()> {
        let Some(cfg) = self.cfg.clone() else {
            return Ok(());
        };
        let Some((table, name)) = &cfg.exactly_once else {
            return Ok(());
        };
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE TABLE IF NOT EXISTS {table} (connector text NOT NULL, topic text NOT NULL, \
             kafka_partition int NOT NULL, next_offset bigint NOT NULL, \
             PRIMARY KEY (connector, topic, kafka_partition))"
        )))
        .execute(&mut *conn)
        .await
        .map_err(|e| other(format!("Failed to create the offsets table {table}: {e}")))?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT topic, kafka_partition, next_offset FROM {table} WHERE connector = $1"
        )))
        .bind(name.clone())
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| other(format!("Failed to read offsets from {table}: {e}")))?;
        let mut resets = HashMap::new();
        for r in rows {
            let tp = TopicPartition::new(
                r.try_get::<String, _>(0).map_err(other)?,
                r.try_get::<i32, _>(1).map_err(other)?,
            );
            let offset: i64 = r.try_get(2).map_err(other)?;
            if partitions.contains(&tp) {
                resets.insert(tp.clone(), offset);
                self.written.insert(tp, offset);
            }
        }
        if !resets.is_empty() {
            tracing::info!(?resets, "JDBC sink resumes from offsets stored in {table}");
            if let Some(ctx) = &self.context {
                ctx.reset_offsets(resets);
            }
        }
        Ok(())
    }
}

/// Field `i` of a struct value; null if the value is not a struct or lacks it.
fn struct_field(v: &Value, i: usize) -> &Value {
    const NULL: &Value = &Value::Null;
    v.as_struct()
        .and_then(|s| s.values().get(i))
        .unwrap_or(NULL)
}

#[async_trait]
impl SinkTask for JdbcSinkTask {
    async fn start(
        &mut self,
        config: ConfigMap,
        context: Arc<dyn SinkTaskContext>,
    ) -> ConnectResult<()> {
        let cfg = SinkConfig::parse(&config).map_err(ConnectError::config)?;
        self.conn = Some(
            cfg.conn
                .connect(SINK_APPLICATION_NAME, cfg.attempts, cfg.backoff)
                .await?,
        );
        self.cfg = Some(cfg);
        self.context = Some(context);
        Ok(())
    }

    async fn open(&mut self, partitions: &[TopicPartition]) -> ConnectResult<()> {
        self.load_offsets(partitions).await
    }

    async fn put(&mut self, mut records: Vec<SinkRecord>) -> ConnectResult<()> {
        if !self.written.is_empty() {
            // exactly.once: drop what an earlier transaction already wrote (redelivery after a
            // crash, or a rewind that has not taken effect yet).
            let written = &self.written;
            records.retain(|r| {
                written
                    .iter()
                    .find(|(tp, _)| {
                        tp.partition == r.original_partition && tp.topic == r.original_topic
                    })
                    .is_none_or(|(_, &next)| r.original_offset >= next)
            });
        }
        if records.is_empty() {
            return Ok(());
        }
        let (retries, backoff) = match &self.cfg {
            Some(c) => (c.max_retries, c.retry_backoff),
            None => (0, std::time::Duration::ZERO),
        };
        let reporter = self
            .context
            .as_ref()
            .and_then(|c| c.errant_record_reporter());
        // Whether the batch is being written record-isolating, after it failed on bad data.
        let mut isolate = false;
        // Whether COPY may be used: not once the batch failed on bad data.
        let mut fast = true;
        let mut attempt = 0;
        loop {
            let reporting = if isolate { reporter.as_deref() } else { None };
            match self.write(&records, reporting, fast).await {
                Ok(()) => return Ok(()),
                Err(e) if fast && reporter.is_none() && is_data(&e) => {
                    tracing::info!(error = %e, "JDBC sink COPY failed on bad data; writing the batch again with statements");
                    fast = false;
                    self.layouts.clear();
                }
                Err(e) if !isolate && reporter.is_some() && is_data(&e) => {
                    tracing::info!(
                        error = %e,
                        "JDBC sink batch holds records that do not fit; writing it again, \
                         reporting the records that fail"
                    );
                    isolate = true;
                    // Tables created or evolved by the rolled-back attempt are gone again.
                    self.layouts.clear();
                }
                Err(e) if attempt < retries && !is_data(&e) && !is_config(&e) => {
                    attempt += 1;
                    tracing::warn!(error = %e, attempt, retries, "JDBC sink write failed; retrying");
                    // The table may have changed: re-read its columns on the next attempt.
                    self.layouts.clear();
                    tokio::time::sleep(backoff).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        if let Some(c) = self.conn.take() {
            let _ = c.close().await;
        }
        Ok(())
    }
}
