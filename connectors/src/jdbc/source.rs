//! `JdbcSourceConnector`: finds the tables to copy (watching for new ones) and spreads them
//! over tasks; `JdbcSourceTask` polls its tables in turn, one query at a time on one
//! connection, `batch.max.rows` records per poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ferroconnect_runtime::config::{ConfigDef, ConfigMap, ConfigValue};
use ferroconnect_runtime::connector::{
    Connector, ConnectorContext, SourceConnector, SourceTask, SourceTaskContext,
};
use ferroconnect_runtime::data::{OffsetMap, SourceRecord};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::PgConnection;
use sqlx::Connection;

use super::config::{
    query_conflict, source_config_def, Mode, SourceConfig, QUERY_MASKED_CONFIG, TABLES_CONFIG,
};
use super::conn::SOURCE_APPLICATION_NAME;
use super::offsets::{Position, SplitPlan};
use super::querier::Querier;
use super::table::{
    autoincrement_column, filter_tables, list_tables, quote_ident, resolve_whitelist, TableId,
};
use super::VERSION;

/// Longest a poll waits for data before returning an empty batch.
const MAX_POLL_WAIT: Duration = Duration::from_millis(500);
/// Most records a poll reserves room for up front (`batch.max.rows` may be large).
const MAX_RESERVED_RECORDS: usize = 4096;

/// The JDBC source connector.
#[derive(Default)]
pub struct JdbcSourceConnector {
    config: ConfigMap,
    parsed: Option<SourceConfig>,
    /// Discovered tables (`None` when tasks take `table.whitelist` or `query` as given).
    tables: Arc<Mutex<Option<Vec<TableId>>>>,
    monitor: Option<tokio::task::JoinHandle<()>>,
    /// Incrementing mode: split-load plans by task config table entry (JSON text).
    plans: HashMap<String, SplitPlan>,
}

fn config_err(e: String) -> ConnectError {
    ConnectError::config(e)
}

/// Encodes tables for a task config: a JSON array of `[schema, name]`, or of plain names
/// (`table.whitelist` entries resolved by the task).
fn encode_tables(tables: &[serde_json::Value]) -> String {
    serde_json::Value::Array(tables.to_vec()).to_string()
}

#[async_trait]
impl Connector for JdbcSourceConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        source_config_def()
    }

    /// Per-key checks, plus Confluent's cross-key one: `query` and `query.masked` are not
    /// both set (the error is reported on both keys).
    fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        let mut values = source_config_def().validate(config);
        if let Some(e) = query_conflict(config) {
            for v in values
                .iter_mut()
                .filter(|v| v.name == "query" || v.name == QUERY_MASKED_CONFIG)
            {
                v.errors.push(e.clone());
            }
        }
        values
    }

    async fn start(
        &mut self,
        config: ConfigMap,
        context: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        let cfg = SourceConfig::parse(&config).map_err(config_err)?;
        if cfg.query.is_empty() && cfg.whitelist.is_empty() {
            // Discovery needs the database now; later changes are picked up in the background.
            let mut conn = cfg
                .conn
                .connect(SOURCE_APPLICATION_NAME, cfg.attempts, cfg.backoff)
                .await?;
            let found = filter_tables(list_tables(&mut conn, &cfg).await?, &cfg)?;
            let _ = conn.close().await;
            tracing::info!(tables = ?found.iter().map(TableId::qualified).collect::<Vec<_>>(), "JDBC source found tables");
            *self.tables.lock().unwrap_or_else(|p| p.into_inner()) = Some(found);
            self.monitor = Some(tokio::spawn(monitor_tables(
                cfg.clone(),
                self.tables.clone(),
                context,
            )));
        }
        self.plans = self.split_plans(&cfg, &config).await;
        self.config = config;
        self.parsed = Some(cfg);
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        let Some(cfg) = &self.parsed else {
            return Err(ConnectError::other("JdbcSourceConnector was not started"));
        };
        if !cfg.query.is_empty() {
            return Ok(vec![self.config.clone()]);
        }
        let entries: Vec<serde_json::Value> =
            match &*self.tables.lock().unwrap_or_else(|p| p.into_inner()) {
                Some(tables) => tables
                    .iter()
                    .map(|t| serde_json::json!([t.schema, t.name]))
                    .collect(),
                None => cfg.whitelist.iter().map(|w| w.clone().into()).collect(),
            };
        if entries.is_empty() {
            tracing::warn!("JDBC source found no tables to copy; no tasks are started");
            return Ok(Vec::new());
        }
        // More tasks than tables: bulk splits each table into page ranges, incrementing
        // splits a planned table's initial load into id ranges.
        let slices = (max_tasks / entries.len()).max(1);
        let entries: Vec<serde_json::Value> = entries
            .into_iter()
            .flat_map(|e| {
                let plan = self
                    .plans
                    .get(&e.to_string())
                    .filter(|p| p.count() as usize == slices && cfg.mode.uses_incrementing());
                let n = match (cfg.mode, plan) {
                    (Mode::Bulk, _) | (_, Some(_)) => slices,
                    _ => 1,
                };
                (0..n).map(move |i| match plan {
                    _ if n == 1 => e.clone(),
                    Some(p) => serde_json::json!({"table": e.clone(), "split": [i, n], "plan": p.to_json()}),
                    None => serde_json::json!({"table": e.clone(), "slice": [i, n]}),
                })
            })
            .collect();
        let n = max_tasks.clamp(1, entries.len());
        let mut groups: Vec<Vec<serde_json::Value>> = vec![Vec::new(); n];
        for (i, e) in entries.into_iter().enumerate() {
            groups[i % n].push(e);
        }
        Ok(groups
            .into_iter()
            .map(|g| {
                let mut c = self.config.clone();
                c.insert(TABLES_CONFIG.into(), encode_tables(&g));
                c
            })
            .collect())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        if let Some(m) = self.monitor.take() {
            m.abort();
        }
        Ok(())
    }
}

impl JdbcSourceConnector {
    /// Incrementing mode with more tasks than tables: a split plan per table over its
    /// current ids (see [`super::offsets`]). Tables that cannot be planned are not split.
    async fn split_plans(
        &self,
        cfg: &SourceConfig,
        config: &ConfigMap,
    ) -> HashMap<String, SplitPlan> {
        let mut plans = HashMap::new();
        let tasks_max = config
            .get("tasks.max")
            .and_then(|t| t.trim().parse::<usize>().ok())
            .unwrap_or(1);
        // timestamp.initial skips the old rows: there is no initial load to split.
        if !cfg.mode.uses_incrementing()
            || !cfg.query.is_empty()
            || (cfg.mode.uses_timestamp() && cfg.timestamp_initial.is_some())
        {
            return plans;
        }
        let entries: Vec<(serde_json::Value, Option<TableId>)> =
            match &*self.tables.lock().unwrap_or_else(|p| p.into_inner()) {
                Some(tables) => tables
                    .iter()
                    .map(|t| (serde_json::json!([t.schema, t.name]), Some(t.clone())))
                    .collect(),
                None => cfg
                    .whitelist
                    .iter()
                    .map(|w| (w.clone().into(), None))
                    .collect(),
            };
        let n = tasks_max / entries.len().max(1);
        if entries.is_empty() || n < 2 {
            return plans;
        }
        let planned = async {
            let mut conn = cfg
                .conn
                .connect(SOURCE_APPLICATION_NAME, 1, Duration::ZERO)
                .await?;
            for (entry, table) in entries {
                let table = match (table, entry.as_str()) {
                    (Some(t), _) => t,
                    (None, Some(name)) => {
                        resolve_whitelist(&mut conn, cfg, &[name.to_string()])
                            .await?
                            .remove(0)
                    }
                    (None, None) => continue,
                };
                let column = if cfg.incrementing_column.is_empty() {
                    match autoincrement_column(&mut conn, &table).await? {
                        Some(c) => c,
                        None => continue,
                    }
                } else {
                    cfg.incrementing_column.clone()
                };
                let col = quote_ident(&column);
                let sql = format!("SELECT min({col})::int8, max({col})::int8 FROM {}", table.quoted());
                let (min, max): (Option<i64>, Option<i64>) =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut conn)
                        .await
                        .map_err(|e| {
                            ConnectError::other(format!(
                                "Failed to read the id range of {}: {e}",
                                table.qualified()
                            ))
                        })?;
                // incrementing reads ids above -1 (as Confluent); timestamp+incrementing reads
                // every id, up to the handover time.
                let ts_upper = if cfg.mode.uses_timestamp() {
                    Some(super::time::safe_upper_bound(&mut conn, cfg.delay_ms).await?)
                } else {
                    None
                };
                let min = min.map(|m| if ts_upper.is_some() { m } else { m.max(0) });
                if let Some(plan) = min
                    .zip(max)
                    .and_then(|(lo, hi)| SplitPlan::even(lo, hi, n as u32))
                    .map(|p| SplitPlan { ts_upper, ..p })
                {
                    tracing::info!(table = %table.qualified(), upper = plan.upper, bounds = ?plan.bounds, "JDBC source splits the initial load over {n} tasks");
                    plans.insert(entry.to_string(), plan);
                }
            }
            let _ = conn.close().await;
            Ok::<_, ConnectError>(())
        }
        .await;
        if let Err(e) = planned {
            tracing::warn!(error = %e, "JDBC source could not plan split initial loads; tables are read by one task each");
        }
        plans
    }
}

/// Re-lists tables every `table.poll.interval.ms`; asks for new task configs on a change.
async fn monitor_tables(
    cfg: SourceConfig,
    tables: Arc<Mutex<Option<Vec<TableId>>>>,
    context: Arc<dyn ConnectorContext>,
) {
    loop {
        tokio::time::sleep(cfg.table_poll_interval).await;
        let found = async {
            let mut conn = cfg
                .conn
                .connect(SOURCE_APPLICATION_NAME, 1, Duration::ZERO)
                .await?;
            let found = filter_tables(list_tables(&mut conn, &cfg).await?, &cfg);
            let _ = conn.close().await;
            found
        }
        .await;
        match found {
            Ok(found) => {
                let changed = {
                    let mut guard = tables.lock().unwrap_or_else(|p| p.into_inner());
                    let changed = guard.as_ref() != Some(&found);
                    *guard = Some(found);
                    changed
                };
                if changed {
                    tracing::info!("JDBC source tables changed; reconfiguring tasks");
                    context.request_task_reconfiguration();
                }
            }
            Err(e) => tracing::warn!(error = %e, "JDBC source could not list tables"),
        }
    }
}

impl SourceConnector for JdbcSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(JdbcSourceTask::default())
    }

    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        for (partition, offset) in offsets {
            if !partition.contains_key("table") && !partition.contains_key("query") {
                return Err(ConnectError::other(
                    "Partition objects should contain the key 'table' or 'query'",
                ));
            }
            if let Some(o) = offset {
                for (k, v) in o {
                    if !v.is_i64() {
                        return Err(ConnectError::other(format!(
                            "The value for the '{k}' key in the offset is expected to be a Long value"
                        )));
                    }
                }
                let _ = Position::from_offset(o);
            }
        }
        Ok(true)
    }
}

/// The JDBC source task.
#[derive(Default)]
pub struct JdbcSourceTask {
    cfg: Option<Arc<SourceConfig>>,
    conn: Option<PgConnection>,
    queriers: Vec<Querier>,
    /// Index of the querier whose query is being read.
    current: Option<usize>,
    /// Consecutive failed polls.
    failures: u64,
}

impl JdbcSourceTask {
    /// A failed query: unless it is a config/data error or `query.retry.attempts` are used
    /// up, drop the connection, back off and let the next poll reconnect and query again
    /// from the last emitted row.
    async fn after_failure(&mut self, e: ConnectError) -> ConnectResult<Vec<SourceRecord>> {
        let Some(cfg) = self.cfg.clone() else {
            return Err(e);
        };
        let exhausted =
            cfg.query_retry_attempts >= 0 && self.failures >= cfg.query_retry_attempts as u64;
        if exhausted || matches!(e, ConnectError::Config(_) | ConnectError::Data(_)) {
            return Err(e);
        }
        self.failures += 1;
        tracing::warn!(error = %e, attempt = self.failures, "JDBC source query failed; reconnecting after connection.backoff.ms");
        if let Some(i) = self.current.take() {
            self.queriers[i].abort();
        }
        self.conn = None;
        tokio::time::sleep(cfg.backoff).await;
        Ok(Vec::new())
    }

    async fn poll_once(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let Some(cfg) = self.cfg.clone() else {
            return Err(ConnectError::other("JdbcSourceTask was not started"));
        };
        let mut out = Vec::with_capacity(cfg.batch_max_rows.min(MAX_RESERVED_RECORDS));
        let started = Instant::now();
        while started.elapsed() < MAX_POLL_WAIT {
            let idx = match self.current {
                Some(i) => i,
                None => {
                    let Some((i, due)) = self
                        .queriers
                        .iter()
                        .enumerate()
                        .map(|(i, q)| (i, q.next_poll))
                        .min_by_key(|(_, t)| *t)
                    else {
                        tokio::time::sleep(MAX_POLL_WAIT).await;
                        return Ok(out);
                    };
                    let now = Instant::now();
                    if due > now {
                        let left = MAX_POLL_WAIT.saturating_sub(started.elapsed());
                        tokio::time::sleep((due - now).min(left)).await;
                        if Instant::now() < due {
                            return Ok(out);
                        }
                    }
                    let conn = self.connection(&cfg).await?;
                    if let Err((conn, e)) = self.queriers[i].start(conn, &cfg).await {
                        self.conn = Some(conn);
                        return Err(e);
                    }
                    self.current = Some(i);
                    i
                }
            };
            let wait = MAX_POLL_WAIT.saturating_sub(started.elapsed());
            let q = &mut self.queriers[idx];
            if let Some(conn) = q.drain(&cfg, cfg.batch_max_rows, wait, &mut out).await? {
                self.conn = Some(conn);
                self.current = None;
            }
            if !out.is_empty() || self.current.is_some() {
                return Ok(out);
            }
        }
        Ok(out)
    }

    async fn connection(&mut self, cfg: &SourceConfig) -> ConnectResult<PgConnection> {
        match self.conn.take() {
            Some(c) => Ok(c),
            None => {
                cfg.conn
                    .connect(SOURCE_APPLICATION_NAME, cfg.attempts, cfg.backoff)
                    .await
            }
        }
    }
}

#[async_trait]
impl SourceTask for JdbcSourceTask {
    async fn start(&mut self, context: SourceTaskContext) -> ConnectResult<()> {
        let cfg = SourceConfig::parse(&context.config).map_err(config_err)?;
        let mut conn = cfg
            .conn
            .connect(SOURCE_APPLICATION_NAME, cfg.attempts, cfg.backoff)
            .await?;
        if !cfg.query.is_empty() {
            self.queriers
                .push(Querier::for_query(&mut conn, &cfg, context.offsets.as_ref()).await?);
        } else {
            let raw = context
                .config
                .get(TABLES_CONFIG)
                .cloned()
                .unwrap_or_default();
            let entries: Vec<serde_json::Value> = serde_json::from_str(&raw).map_err(|e| {
                ConnectError::config(format!("Invalid task config '{TABLES_CONFIG}': {e}"))
            })?;
            for e in entries {
                // An entry is a whitelist name, a [schema, name] pair, or either of those with
                // a bulk slice: {"table": entry, "slice": [index, count]}.
                // Or, incrementing, with a split load: {"table", "split": [k, n], "plan"}.
                let pair = |key: &str| {
                    let s = e.get(key)?;
                    Some((s.get(0)?.as_u64()? as u32, s.get(1)?.as_u64()? as u32))
                };
                let (entry, slice, split) = match &e {
                    serde_json::Value::Object(o) => (
                        o.get("table").cloned().unwrap_or_default(),
                        pair("slice"),
                        pair("split"),
                    ),
                    _ => (e.clone(), None, None),
                };
                let plan = e.get("plan").and_then(SplitPlan::from_json);
                let table = match entry {
                    serde_json::Value::String(n) => {
                        resolve_whitelist(&mut conn, &cfg, std::slice::from_ref(&n))
                            .await?
                            .remove(0)
                    }
                    serde_json::Value::Array(pair) if pair.len() == 2 => TableId {
                        schema: pair[0].as_str().unwrap_or_default().to_string(),
                        name: pair[1].as_str().unwrap_or_default().to_string(),
                    },
                    other => {
                        return Err(ConnectError::config(format!(
                            "Invalid table {other} in task config '{TABLES_CONFIG}'"
                        )))
                    }
                };
                let mut q =
                    Querier::for_table(&mut conn, &cfg, table.clone(), context.offsets.as_ref())
                        .await?;
                if let Some((i, n)) = slice {
                    q.set_slice(i, n);
                }
                match split {
                    // timestamp+incrementing: the owner's task also reads range 0.
                    Some((0, n)) if cfg.mode.uses_timestamp() => {
                        q.set_split((0, n), true, plan.as_ref(), context.offsets.as_ref());
                        let mut s =
                            Querier::for_table(&mut conn, &cfg, table, context.offsets.as_ref())
                                .await?;
                        s.set_split((0, n), false, plan.as_ref(), context.offsets.as_ref());
                        self.queriers.push(s);
                    }
                    Some((k, n)) => {
                        q.set_split((k, n), k == 0, plan.as_ref(), context.offsets.as_ref())
                    }
                    None => {}
                }
                self.queriers.push(q);
            }
        }
        tracing::info!(
            tables = ?self.queriers.iter().map(|q| q.label().to_string()).collect::<Vec<_>>(),
            mode = ?cfg.mode,
            "JDBC source task started"
        );
        self.conn = Some(conn);
        self.cfg = Some(Arc::new(cfg));
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        match self.poll_once().await {
            Ok(records) => {
                self.failures = 0;
                Ok(records)
            }
            Err(e) => self.after_failure(e).await,
        }
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        for q in &mut self.queriers {
            q.abort();
        }
        if let Some(c) = self.conn.take() {
            let _ = c.close().await;
        }
        Ok(())
    }
}
