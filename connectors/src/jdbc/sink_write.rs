//! Statement execution for the JDBC sink: runs of same-shape rows as multi-row statements,
//! Postgres errors classified (data errors are not retried), and the isolation of records
//! that do not fit the table.
//!
//! Isolation: when a batch failed with a data error and the worker offers an
//! [`ErrantRecordReporter`], the batch is written again in one transaction where every chunk
//! runs inside a savepoint. A chunk that fails with a data error is rolled back to its
//! savepoint and bisected until the failing rows are single records; each of those is
//! reported (logged and dead-lettered under `errors.tolerance=all`, or failing the task
//! otherwise) and the rest are written. The number of statements is about
//! `bad × log2(chunk)`, so a few bad records in a large batch stay cheap.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use ferroconnect_runtime::connector::ErrantRecordReporter;
use ferroconnect_runtime::data::{SinkRecord, Value};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::{PgArguments, PgConnection, PgDatabaseError};
use sqlx::{AssertSqlSafe, Connection};

use super::super::sink_config::{InsertMode, SinkConfig};
use super::super::sink_sql::{Param, ParamKind};
use super::{other, struct_field, JdbcSinkTask, Layout, Op, Source, MAX_PARAMS};

/// One run of same-layout, same-operation rows and the index (in the `put` batch) of the
/// record each row came from.
pub(super) struct Run {
    /// Index of the layout in the task's layouts.
    pub(super) layout: usize,
    /// Write or delete.
    pub(super) op: Op,
    /// The statement parameters of each row.
    pub(super) rows: Vec<Vec<Param>>,
    /// The batch index of each row's record.
    pub(super) recs: Vec<usize>,
}

/// True if `e` (or the error it wraps) is a data error: the record does not fit, and
/// retrying the same write cannot help.
pub(super) fn is_data(e: &ConnectError) -> bool {
    match e {
        ConnectError::Data(_) => true,
        ConnectError::Context { source, .. } => is_data(source),
        _ => false,
    }
}

/// True if `e` (or the error it wraps) is a configuration error.
pub(super) fn is_config(e: &ConnectError) -> bool {
    match e {
        ConnectError::Config(_) => true,
        ConnectError::Context { source, .. } => is_config(source),
        _ => false,
    }
}

/// A Postgres error as a [`ConnectError`] naming the SQLSTATE, column, constraint and detail
/// Postgres reported. Data exceptions (class 22), integrity violations (class 23: NOT NULL,
/// CHECK, unique, foreign key) and datatype mismatches (42804) become data errors; anything
/// else stays a plain (retried) failure.
pub(super) fn pg_error(e: sqlx::Error) -> ConnectError {
    let Some(pg) = e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
    else {
        return other(e);
    };
    let code = pg.code();
    let mut msg = format!("{} (SQLSTATE {code}", pg.message());
    if let Some(c) = pg.column() {
        msg.push_str(&format!(", column {c}"));
    }
    if let Some(c) = pg.constraint() {
        msg.push_str(&format!(", constraint {c}"));
    }
    msg.push(')');
    if let Some(d) = pg.detail() {
        msg.push_str(&format!(": {d}"));
    }
    if code.starts_with("22") || code.starts_with("23") || code == "42804" {
        ConnectError::data(msg)
    } else {
        other(msg)
    }
}

impl JdbcSinkTask {
    /// The statement parameters of a record (its key columns only if `only_pk`).
    pub(super) fn params(
        layout: &Layout,
        rec: &SinkRecord,
        only_pk: bool,
    ) -> ConnectResult<Vec<Param>> {
        let r = &rec.record;
        let mut out = Vec::with_capacity(layout.cols.len());
        let cols = layout.cols.iter().zip(&layout.sources).zip(&layout.is_pk);
        for ((col, (source, schema)), &is_pk) in cols {
            if only_pk && !is_pk {
                continue;
            }
            let owned;
            let v: &Value = match source {
                Source::Topic => {
                    owned = Value::String(rec.original_topic.clone());
                    &owned
                }
                Source::Partition => {
                    owned = Value::Int32(r.kafka_partition.unwrap_or(rec.original_partition));
                    &owned
                }
                Source::Offset => {
                    owned = Value::Int64(rec.kafka_offset);
                    &owned
                }
                Source::Key => &r.key,
                Source::KeyField(i) => struct_field(&r.key, *i),
                Source::ValueField(i) => struct_field(&r.value, *i),
            };
            out.push(Param::from_value(col.kind, schema, v).map_err(|e| {
                ConnectError::data(format!(
                    "Column '{}' of {}: {e}",
                    col.name, layout.table_sql
                ))
            })?);
        }
        Ok(out)
    }

    /// Runs `sql` with the parameters of `rows`, in order.
    async fn execute(
        conn: &mut PgConnection,
        sql: Arc<str>,
        rows: &[Vec<Param>],
    ) -> ConnectResult<()> {
        let mut args = PgArguments::default();
        for p in rows.iter().flatten() {
            p.add_to(&mut args).map_err(other)?;
        }
        sqlx::query_with(AssertSqlSafe(sql), args)
            .execute(&mut *conn)
            .await
            .map_err(pg_error)?;
        Ok(())
    }

    /// Writes one run of same-shape, same-operation records. With a `reporter`, rows that do
    /// not fit the table are isolated and reported instead of failing the batch.
    pub(super) async fn write_run(
        conn: &mut PgConnection,
        cfg: &SinkConfig,
        layout: &mut Layout,
        run: Run,
        records: &[SinkRecord],
        reporter: Option<&dyn ErrantRecordReporter>,
    ) -> ConnectResult<()> {
        let Run { op, rows, recs, .. } = run;
        let (rows, recs, per) = match (op, cfg.insert_mode) {
            (Op::Delete, _) => {
                let per = (MAX_PARAMS / layout.pk_cols.len().max(1)).clamp(1, cfg.batch_size);
                (rows, recs, per)
            }
            (Op::Write, InsertMode::Update) => (rows, recs, 1),
            (Op::Write, mode) => {
                let (rows, recs) = if mode == InsertMode::Upsert {
                    dedupe_last(layout, rows, recs)
                } else {
                    (rows, recs)
                };
                let per = (MAX_PARAMS / layout.cols.len().max(1)).clamp(1, cfg.batch_size);
                (rows, recs, per)
            }
        };
        let table = layout.table_sql.clone();
        let ctx = |e: ConnectError| e.context(format!("Failed to write to {table}"));
        for (chunk, chunk_recs) in rows.chunks(per).zip(recs.chunks(per)) {
            match reporter {
                None => {
                    let sql = layout.sql(cfg, op, chunk.len());
                    Self::execute(conn, sql, chunk).await.map_err(ctx)?;
                }
                Some(reporter) => {
                    Self::write_isolating(
                        conn,
                        cfg,
                        layout,
                        op,
                        (chunk, chunk_recs),
                        records,
                        reporter,
                    )
                    .await?
                }
            }
        }
        Ok(())
    }

    /// Writes `rows` inside savepoints, bisecting a part that fails with a data error until
    /// the failing records are found; each is reported to `reporter` and left out.
    async fn write_isolating(
        conn: &mut PgConnection,
        cfg: &SinkConfig,
        layout: &mut Layout,
        op: Op,
        (rows, recs): (&[Vec<Param>], &[usize]),
        records: &[SinkRecord],
        reporter: &dyn ErrantRecordReporter,
    ) -> ConnectResult<()> {
        let table = layout.table_sql.clone();
        let savepoint = |e: sqlx::Error| other(format!("Savepoint while writing to {table}: {e}"));
        let mut todo: Vec<Range<usize>> = Vec::with_capacity(8);
        todo.push(0..rows.len());
        while let Some(range) = todo.pop() {
            let sql = layout.sql(cfg, op, range.len());
            let mut sp = conn.begin().await.map_err(savepoint)?;
            match Self::execute(&mut sp, sql, &rows[range.clone()]).await {
                Ok(()) => sp.commit().await.map_err(savepoint)?,
                Err(e) if is_data(&e) => {
                    sp.rollback().await.map_err(savepoint)?;
                    if range.len() == 1 {
                        let rec = recs
                            .get(range.start)
                            .and_then(|&i| records.get(i))
                            .ok_or_else(|| other("JDBC sink lost track of a failed row"))?;
                        reporter
                            .report(rec, e.context(format!("Failed to write to {table}")))
                            .await?;
                    } else {
                        let mid = range.start + range.len() / 2;
                        todo.push(mid..range.end);
                        todo.push(range.start..mid);
                    }
                }
                Err(e) => return Err(e.context(format!("Failed to write to {table}"))),
            }
        }
        Ok(())
    }
}

/// A primary key parameter as a hashable, borrowed value (floats by bits, all NaNs equal,
/// -0 = 0; numerics by value, whatever their scale).
#[derive(PartialEq, Eq, Hash, Debug)]
enum KeyPart<'a> {
    /// A plain decimal numeric: negative, integer digits without leading zeros, fraction
    /// digits without trailing zeros (so `1.0`, `1.00` and `01` are one key, as in Postgres).
    Numeric(bool, &'a str, &'a str),
    Int(Option<i64>),
    Float(Option<u64>),
    Bool(Option<bool>),
    Text(Option<&'a str>),
    Bytes(Option<&'a [u8]>),
    Int4(Option<i32>),
}

impl<'a> KeyPart<'a> {
    fn of(p: &'a Param) -> KeyPart<'a> {
        match p {
            Param::Int(v) => KeyPart::Int(*v),
            Param::Float(v) => KeyPart::Float(v.map(|f| {
                if f.is_nan() {
                    f64::NAN.to_bits()
                } else {
                    (f + 0.0).to_bits()
                }
            })),
            Param::Bool(v) => KeyPart::Bool(*v),
            Param::Text(v) => KeyPart::Text(v.as_deref()),
            Param::Bytes(v) => KeyPart::Bytes(v.as_deref()),
            Param::Int4(v) => KeyPart::Int4(*v),
        }
    }

    /// The key part of a parameter of a `numeric` column: numeric text compares by value.
    fn of_numeric(p: &'a Param) -> KeyPart<'a> {
        match p {
            Param::Text(Some(t)) => numeric_key(t).unwrap_or(KeyPart::Text(Some(t))),
            _ => KeyPart::of(p),
        }
    }
}

/// The by-value key of a plain decimal text (`-12.340`), or `None` for other forms
/// (exponents, NaN), which are compared as text.
fn numeric_key(t: &str) -> Option<KeyPart<'_>> {
    let t = t.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let zero = int.is_empty() && frac.is_empty();
    Some(KeyPart::Numeric(neg && !zero, int, frac))
}

/// Keeps the last row of each primary key (one statement cannot upsert a key twice), with
/// the record index of each kept row.
fn dedupe_last(
    layout: &Layout,
    rows: Vec<Vec<Param>>,
    recs: Vec<usize>,
) -> (Vec<Vec<Param>>, Vec<usize>) {
    let pk_idx: Vec<usize> = layout
        .is_pk
        .iter()
        .enumerate()
        .filter(|(_, &k)| k)
        .map(|(i, _)| i)
        .collect();
    // Numeric columns (by parameter kind or column type) compare keys by value.
    let numeric: Vec<bool> = layout
        .cols
        .iter()
        .map(|c| {
            c.kind == ParamKind::Numeric
                || c.sql_type == "numeric"
                || c.sql_type.starts_with("numeric(")
        })
        .collect();
    let mut last: HashMap<Vec<KeyPart<'_>>, usize> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let key: Vec<KeyPart<'_>> = pk_idx
            .iter()
            .map(|&k| {
                if numeric[k] {
                    KeyPart::of_numeric(&r[k])
                } else {
                    KeyPart::of(&r[k])
                }
            })
            .collect();
        last.insert(key, i);
    }
    if last.len() == rows.len() {
        return (rows, recs);
    }
    let keep: HashSet<usize> = last.into_values().collect();
    rows.into_iter()
        .zip(recs)
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, r)| r)
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_keys_compare_by_value() {
        fn k(t: &str) -> KeyPart<'_> {
            numeric_key(t).unwrap()
        }
        assert_eq!(k("1.0"), k("1.00"));
        assert_eq!(k("1"), k("001.000"));
        assert_eq!(k("-0.0"), k("0"));
        assert_eq!(k(".5"), k("0.50"));
        assert_ne!(k("1.01"), k("1.1"));
        assert_ne!(k("-1"), k("1"));
        assert_ne!(k("10"), k("1"));
        assert!(numeric_key("1e3").is_none());
        assert!(numeric_key("NaN").is_none());
        let text = Param::Text(Some("2.50".into()));
        assert_eq!(KeyPart::of_numeric(&text), k("2.5"));
        let (z, nz) = (Param::Float(Some(0.0)), Param::Float(Some(-0.0)));
        assert_eq!(KeyPart::of(&z), KeyPart::of(&nz));
    }
}
