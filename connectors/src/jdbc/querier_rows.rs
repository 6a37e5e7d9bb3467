//! Reading a running query's rows: the plan that turns a result row into a record's values,
//! the streaming loop that decodes rows in chunks for the querier, and database error texts.

use ferroconnect_runtime::data::{SchemaRef, Value};
use futures::TryStreamExt;
use sqlx::postgres::{PgArguments, PgConnection, PgRow};
use sqlx::{Column, Row, ValueRef};
use tokio::sync::mpsc;

use super::super::config::Mode;
use super::super::types::{decode, timestamp_micros, Decoding, NumericMapping, PgKind};

/// How a result set becomes records: the struct schema and where each field comes from.
#[derive(Debug)]
pub(super) struct Plan {
    pub(super) schema: SchemaRef,
    /// (result column index, kind) per struct field.
    pub(super) fields: Vec<(usize, PgKind)>,
    /// Result column indexes of the timestamp columns, in COALESCE order, and whether each is
    /// a `timestamp` without time zone (a wall-clock time in `db.timezone`).
    pub(super) ts_cols: Vec<(usize, bool)>,
    /// Result column index of the incrementing column.
    pub(super) inc_col: Option<(usize, PgKind)>,
    /// Type oids of all result columns, to notice a changed table.
    pub(super) oids: Vec<u32>,
}

/// A decoded row.
pub(super) struct Row_ {
    pub(super) values: Vec<Value>,
    pub(super) ts: Option<i64>,
    pub(super) inc: Option<i64>,
    /// Timestamp mode: no later row of this query shares the timestamp.
    pub(super) ts_done: bool,
}

pub(super) enum Msg {
    Rows(Vec<Row_>),
    Failed(String),
}

/// A database error's text for a message; only its SQLSTATE when the query is masked (the
/// text may quote the query or row values).
pub(super) fn db_error(e: &sqlx::Error, masked: bool) -> String {
    if !masked {
        return e.to_string();
    }
    let state = e
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.to_string())
        .unwrap_or_else(|| "null".into());
    format!("{} [SQLState={state}]", super::super::config::REDACTED)
}

/// How a running query reads its rows.
#[derive(Clone, Copy)]
pub(super) struct Reading {
    pub(super) mode: Mode,
    pub(super) dec: Decoding,
    /// The query is masked: database errors keep only their SQLSTATE.
    pub(super) masked: bool,
    /// Rows per channel message.
    pub(super) chunk: usize,
}

pub(super) async fn stream_rows<'q>(
    conn: &mut PgConnection,
    q: sqlx::query::Query<'q, sqlx::Postgres, PgArguments>,
    plan: &Plan,
    read: Reading,
    tx: &mpsc::Sender<Msg>,
) -> Result<(), String> {
    let Reading {
        mode,
        dec,
        masked,
        chunk,
    } = read;
    let mut stream = q.fetch(conn);
    let mut batch: Vec<Row_> = Vec::with_capacity(chunk);
    let mut checked = false;
    while let Some(row) = stream.try_next().await.map_err(|e| db_error(&e, masked))? {
        // Every row of a result has the same columns: check them once.
        if !checked {
            check_columns(&row, plan)?;
            checked = true;
        }
        let r = decode_row(&row, plan, &dec)?;
        if mode == Mode::Timestamp {
            // The previous row's timestamp group is complete once a later timestamp appears.
            if let Some(prev) = batch.last_mut() {
                prev.ts_done = prev.ts != r.ts;
            }
        }
        if batch.len() >= chunk {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(chunk));
            if tx.send(Msg::Rows(full)).await.is_err() {
                return Ok(());
            }
        }
        batch.push(r);
    }
    if let Some(last) = batch.last_mut() {
        last.ts_done = true;
    }
    if !batch.is_empty() {
        let _ = tx.send(Msg::Rows(batch)).await;
    }
    Ok(())
}

/// Fails if a result's columns are not those the query was planned with.
fn check_columns(row: &PgRow, plan: &Plan) -> Result<(), String> {
    if row.columns().len() != plan.oids.len()
        || row
            .columns()
            .iter()
            .zip(&plan.oids)
            .any(|(c, oid)| c.type_info().oid().map(|o| o.0) != Some(*oid))
    {
        return Err("the result columns changed since the query was prepared".into());
    }
    Ok(())
}

/// Decodes a row whose columns [`check_columns`] accepted.
fn decode_row(row: &PgRow, plan: &Plan, dec: &Decoding) -> Result<Row_, String> {
    let raw = |i: usize| -> Result<Option<&[u8]>, String> {
        let v = row.try_get_raw(i).map_err(|e| e.to_string())?;
        if v.is_null() {
            Ok(None)
        } else {
            v.as_bytes().map(Some).map_err(|e| e.to_string())
        }
    };
    let mut values = Vec::with_capacity(plan.fields.len());
    for (i, kind) in &plan.fields {
        values.push(match raw(*i)? {
            None => Value::Null,
            Some(b) => decode(kind, b, dec)
                .map_err(|e| format!("column '{}': {e}", row.columns()[*i].name()))?,
        });
    }
    let mut ts = None;
    for &(i, wall_clock) in &plan.ts_cols {
        if let Some(b) = raw(i)? {
            let micros = timestamp_micros(b)?;
            ts = Some(if wall_clock {
                dec.zone.local_to_utc(micros)
            } else {
                micros
            });
            break;
        }
    }
    let inc = match &plan.inc_col {
        Some((i, kind)) => match raw(*i)? {
            None => None,
            Some(b) => decode(
                kind,
                b,
                &Decoding::with_mapping(NumericMapping::PrecisionOnly),
            )?
            .as_i64()
            .or_else(|| {
                match decode(kind, b, &Decoding::with_mapping(NumericMapping::None)) {
                    Ok(Value::Decimal(d)) if d.scale == 0 => i64::try_from(d.unscaled).ok(),
                    _ => None,
                }
            }),
        },
        None => None,
    };
    Ok(Row_ {
        values,
        ts,
        inc,
        ts_done: false,
    })
}
