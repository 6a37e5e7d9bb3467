//! The sink's fast path: `insert` and `upsert` runs written with binary `COPY … FROM STDIN`.
//!
//! Each record is encoded straight from its Connect values into one buffer in Postgres'
//! binary COPY format, per the type of the target column (no statement parameters, no
//! per-row allocation). `insert` runs are copied into the table; `upsert` runs are copied
//! into a session-local staging table (`LIKE` the target, emptied at commit) and merged with
//! `INSERT … SELECT … ON CONFLICT … DO UPDATE`, keeping the last record of each key. The COPY
//! runs in the batch's transaction, so `exactly.once` offsets stay exact.
//!
//! Layouts with a column whose value/type pair is not covered here use the statement path.
//! A value that does not encode, or a row Postgres rejects, fails the batch with a data
//! error; the task then writes it again with statements (isolating bad records when the
//! worker offers an errant record reporter).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use ferroconnect_runtime::data::{Decimal, LogicalType, Schema, SinkRecord, Value};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::PgConnection;
use sqlx::AssertSqlSafe;

use super::super::sink_config::{InsertMode, SinkConfig};
use super::super::sink_sql::{Column, ParamKind};
use super::super::table::quote_ident;
use super::super::time::DbZone;
use super::write::pg_error;
use super::{struct_field, JdbcSinkTask, Layout, Source};

/// The binary COPY signature, flags and header extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The COPY data of a run is padded to at least this many bytes (see [`finish_data`]).
const MIN_COPY_BYTES: usize = 72 * 1024;
/// Microseconds from 1970-01-01 to Postgres' epoch, 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds in a day.
const DAY_MICROS: i128 = 86_400_000_000;

/// Numbers the staging tables of a process (each layout gets its own).
static STAGE_ID: AtomicU64 = AtomicU64::new(0);

/// The binary wire type of a target column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wire {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Bool,
    /// text, varchar, char: UTF-8 bytes.
    Text,
    Bytea,
    Numeric,
    Date,
    Time,
    /// timestamptz: epoch microseconds.
    Timestamp,
    /// timestamp without time zone: the wall-clock time in `db.timezone` (the zone is set
    /// from the config by [`plan`]).
    LocalTimestamp(DbZone),
    Json,
    Jsonb,
    Uuid,
}

impl Wire {
    /// The wire type of a column of `sql_type` (`format_type` output); `None` if not covered.
    pub(super) fn of(sql_type: &str) -> Option<Wire> {
        let mut base = String::with_capacity(sql_type.len());
        let mut depth = 0u32;
        for c in sql_type.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ if depth == 0 => base.push(c),
                _ => {}
            }
        }
        Some(match base.as_str() {
            "smallint" => Wire::Int2,
            "integer" => Wire::Int4,
            "bigint" => Wire::Int8,
            "real" => Wire::Float4,
            "double precision" => Wire::Float8,
            "boolean" => Wire::Bool,
            "text" | "character varying" | "character" | "bpchar" => Wire::Text,
            "bytea" => Wire::Bytea,
            "numeric" => Wire::Numeric,
            "date" => Wire::Date,
            "time without time zone" => Wire::Time,
            "timestamp without time zone" => Wire::LocalTimestamp(DbZone::UTC),
            "timestamp with time zone" => Wire::Timestamp,
            "json" => Wire::Json,
            "jsonb" => Wire::Jsonb,
            "uuid" => Wire::Uuid,
            _ => return None,
        })
    }

    /// Whether values of `kind` are written to this wire type by the fast path (the others
    /// take the statement path, which casts in SQL).
    fn accepts(self, kind: ParamKind) -> bool {
        use ParamKind as K;
        use Wire as W;
        matches!(
            (kind, self),
            (
                K::Int,
                W::Int2 | W::Int4 | W::Int8 | W::Float4 | W::Float8 | W::Numeric
            ) | (K::Float, W::Float4 | W::Float8)
                | (K::Bool, W::Bool)
                | (K::Text, W::Text | W::Json | W::Jsonb | W::Uuid)
                | (K::Bytes, W::Bytea)
                | (K::Numeric, W::Numeric)
                | (K::Date, W::Date)
                | (K::TimeMillis, W::Time)
                | (K::TsMicros, W::Timestamp | W::LocalTimestamp(_))
        )
    }
}

/// The COPY statements of a layout.
pub(super) struct CopyPlan {
    wires: Vec<Wire>,
    /// `COPY <target or staging> (cols) FROM STDIN (FORMAT binary)`.
    copy_sql: String,
    upsert: Option<Staging>,
}

/// The staging table of an upsert layout.
struct Staging {
    /// The staging table's qualified name.
    copy_target: String,
    create_sql: String,
    truncate_sql: String,
    merge_sql: String,
    /// Whether the staging table exists on the task's connection (created by a committed
    /// transaction).
    ready: bool,
}

/// The COPY plan of a layout, or `None` when a column needs the statement path (or the
/// mode is `update`, or an upsert has no key).
pub(super) fn plan(
    cfg: &SinkConfig,
    table: &str,
    cols: &[Column],
    pk: &[String],
) -> Option<CopyPlan> {
    let upsert = match cfg.insert_mode {
        InsertMode::Insert => false,
        InsertMode::Upsert if !pk.is_empty() => true,
        _ => return None,
    };
    let mut wires = Vec::with_capacity(cols.len());
    for c in cols {
        match Wire::of(&c.sql_type).filter(|w| w.accepts(c.kind)) {
            Some(Wire::LocalTimestamp(_)) => wires.push(Wire::LocalTimestamp(cfg.zone)),
            Some(w) => wires.push(w),
            None => {
                tracing::info!(
                    "JDBC sink writes {table} with statements: column '{}' ({}) takes {:?} values, \
                     which COPY does not cover",
                    c.name,
                    c.sql_type,
                    c.kind
                );
                return None;
            }
        }
    }
    let names: Vec<String> = cols.iter().map(|c| quote_ident(&c.name)).collect();
    let names = names.join(",");
    let upsert = upsert.then(|| {
        let stage = format!(
            "pg_temp.\"__ferroconnect_stage_{}\"",
            STAGE_ID.fetch_add(1, Ordering::Relaxed)
        );
        let keys: Vec<String> = pk.iter().map(|k| quote_ident(k)).collect();
        let sets: Vec<String> = cols
            .iter()
            .filter(|c| !pk.contains(&c.name))
            .map(|c| format!("{0}=EXCLUDED.{0}", quote_ident(&c.name)))
            .collect();
        let action = if sets.is_empty() {
            "NOTHING".to_string()
        } else {
            format!("UPDATE SET {}", sets.join(","))
        };
        Staging {
            create_sql: format!(
                "CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) \
                 ON COMMIT DELETE ROWS"
            ),
            truncate_sql: format!("TRUNCATE {stage}"),
            merge_sql: format!(
                "INSERT INTO {table} ({names}) SELECT {names} FROM {stage} \
                 ON CONFLICT ({}) DO {action}",
                keys.join(",")
            ),
            copy_target: stage,
            ready: false,
        }
    });
    let target = upsert.as_ref().map_or(table, |s| s.copy_target.as_str());
    tracing::info!("JDBC sink writes {table} with binary COPY (into {target})");
    Some(CopyPlan {
        copy_sql: format!("COPY {target} ({names}) FROM STDIN (FORMAT binary)"),
        wires,
        upsert,
    })
}

/// Staging tables used by the current transaction (layout indexes).
#[derive(Default)]
pub(super) struct TxStages {
    /// Created by this transaction: ready once it commits.
    pub(super) created: Vec<usize>,
    /// Filled by this transaction: emptied before their next use in it.
    used: Vec<usize>,
}

/// One run of rows of a layout, encoded in binary COPY format.
pub(super) struct CopyRun {
    /// Index of the layout in the task's layouts.
    pub(super) layout: usize,
    buf: Vec<u8>,
    /// Where each row starts in `buf`.
    row_starts: Vec<usize>,
    /// Upserts: the encoded key columns of every row, back to back.
    keys: Vec<u8>,
    /// Upserts: where each row's key ends in `keys`.
    key_ends: Vec<usize>,
}

impl CopyRun {
    /// An empty run of `layout`, reusing `buf`'s allocation.
    pub(super) fn new(layout: usize, mut buf: Vec<u8>) -> CopyRun {
        buf.clear();
        buf.extend_from_slice(HEADER);
        CopyRun {
            layout,
            buf,
            row_starts: Vec::new(),
            keys: Vec::new(),
            key_ends: Vec::new(),
        }
    }

    /// Encodes `rec` as a row of `layout` (whose plan this run follows).
    pub(super) fn push(&mut self, layout: &Layout, rec: &SinkRecord) -> ConnectResult<()> {
        let Some(plan) = &layout.copy else {
            return Err(ConnectError::other(
                "JDBC sink: COPY run without a COPY plan",
            ));
        };
        let r = &rec.record;
        let start = self.buf.len();
        let buf = &mut self.buf;
        buf.extend_from_slice(&(plan.wires.len() as i16).to_be_bytes());
        let cols = layout.cols.iter().zip(&layout.sources).zip(&plan.wires);
        for (i, ((col, (source, schema)), &wire)) in cols.enumerate() {
            let field_start = buf.len();
            let done = match source {
                Source::Topic => put_str(buf, wire, &rec.original_topic),
                Source::Partition => put_value(
                    buf,
                    wire,
                    col.kind,
                    schema,
                    &Value::Int32(r.kafka_partition.unwrap_or(rec.original_partition)),
                ),
                Source::Offset => {
                    put_value(buf, wire, col.kind, schema, &Value::Int64(rec.kafka_offset))
                }
                Source::Key => put_value(buf, wire, col.kind, schema, &r.key),
                Source::KeyField(f) => {
                    put_value(buf, wire, col.kind, schema, struct_field(&r.key, *f))
                }
                Source::ValueField(f) => {
                    put_value(buf, wire, col.kind, schema, struct_field(&r.value, *f))
                }
            };
            if let Err(e) = done {
                buf.truncate(start);
                return Err(ConnectError::data(format!(
                    "Column '{}' of {}: {e}",
                    col.name, layout.table_sql
                )));
            }
            if plan.upsert.is_some() && layout.is_pk[i] {
                let key_start = self.keys.len();
                self.keys.extend_from_slice(&buf[field_start..]);
                if wire == Wire::Numeric {
                    normalise_numeric_key(&mut self.keys[key_start..]);
                }
            }
        }
        self.row_starts.push(start);
        self.key_ends.push(self.keys.len());
        Ok(())
    }

    /// Number of rows in the run.
    pub(super) fn len(&self) -> usize {
        self.row_starts.len()
    }

    /// Upserts: the run without rows whose key comes again later (one statement cannot
    /// upsert a key twice), or `None` if every key is distinct.
    fn deduped(&self) -> Option<Vec<u8>> {
        let key = |i: usize| {
            let from = if i == 0 { 0 } else { self.key_ends[i - 1] };
            &self.keys[from..self.key_ends[i]]
        };
        let mut last: HashMap<&[u8], usize> = HashMap::with_capacity(self.len());
        for i in 0..self.len() {
            last.insert(key(i), i);
        }
        if last.len() == self.len() {
            return None;
        }
        let mut out = Vec::with_capacity(self.buf.len());
        out.extend_from_slice(HEADER);
        for i in 0..self.len() {
            if last.get(key(i)) == Some(&i) {
                let end = self
                    .row_starts
                    .get(i + 1)
                    .copied()
                    .unwrap_or(self.buf.len());
                out.extend_from_slice(&self.buf[self.row_starts[i]..end]);
            }
        }
        Some(out)
    }
}

impl JdbcSinkTask {
    /// Writes a COPY run into its table (or through its staging table for upserts); returns
    /// the run's buffer for reuse.
    pub(super) async fn write_copy(
        conn: &mut PgConnection,
        layout: &mut Layout,
        mut run: CopyRun,
        stages: &mut TxStages,
    ) -> ConnectResult<Vec<u8>> {
        let table = layout.table_sql.clone();
        let ctx = |e: ConnectError| e.context(format!("Failed to write to {table}"));
        let Some(plan) = layout.copy.as_mut() else {
            return Err(ConnectError::other(
                "JDBC sink: COPY run without a COPY plan",
            ));
        };
        let deduped = match &plan.upsert {
            Some(_) => run.deduped(),
            None => None,
        };
        if let Some(stage) = &plan.upsert {
            let prep = if !stage.ready && !stages.created.contains(&run.layout) {
                stages.created.push(run.layout);
                Some(&stage.create_sql)
            } else if stages.used.contains(&run.layout) {
                Some(&stage.truncate_sql)
            } else {
                None
            };
            if let Some(sql) = prep {
                sqlx::raw_sql(AssertSqlSafe(sql.clone()))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| ctx(pg_error(e)))?;
            }
            if !stages.used.contains(&run.layout) {
                stages.used.push(run.layout);
            }
        }
        let data = match deduped {
            Some(mut d) => {
                finish_data(&mut d);
                d
            }
            None => {
                finish_data(&mut run.buf);
                std::mem::take(&mut run.buf)
            }
        };
        let mut copy = conn
            .copy_in_raw(&plan.copy_sql)
            .await
            .map_err(|e| ctx(pg_error(e)))?;
        copy.send(&data[..]).await.map_err(|e| ctx(pg_error(e)))?;
        copy.finish().await.map_err(|e| ctx(pg_error(e)))?;
        if let Some(stage) = &plan.upsert {
            sqlx::raw_sql(AssertSqlSafe(stage.merge_sql.clone()))
                .execute(&mut *conn)
                .await
                .map_err(|e| ctx(pg_error(e)))?;
        }
        let mut buf = if run.buf.capacity() >= data.capacity() {
            run.buf
        } else {
            data
        };
        buf.clear();
        Ok(buf)
    }

    /// Marks the staging tables created by a committed transaction as ready.
    pub(super) fn stages_committed(&mut self, stages: TxStages) {
        for i in stages.created {
            if let Some(s) = self
                .layouts
                .get_mut(i)
                .and_then(|l| l.copy.as_mut())
                .and_then(|p| p.upsert.as_mut())
            {
                s.ready = true;
            }
        }
    }
}

/// Ends COPY data: appends the trailer, so that the data goes out in one write followed only
/// by `CopyDone`, and pads small data to [`MIN_COPY_BYTES`] with header extension bytes
/// (which Postgres skips).
///
/// sqlx does not set `TCP_NODELAY`, so `CopyDone`, a small write after the data, waits for
/// the server to acknowledge the data. The server acknowledges at once when more than a
/// segment is outstanding, but delays the acknowledgement (about 40 ms on Linux) of a single
/// short segment; without the padding each COPY of a small run stalls that long (as did a
/// separate trailer write).
fn finish_data(buf: &mut Vec<u8>) {
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    if buf.len() < MIN_COPY_BYTES {
        let pad = MIN_COPY_BYTES - buf.len();
        // The extension follows its length, the header's last field.
        let ext = HEADER.len();
        buf.splice(ext..ext, std::iter::repeat_n(0u8, pad));
        buf[ext - 4..ext].copy_from_slice(&(pad as i32).to_be_bytes());
    }
}

/// Appends one field of `bytes`.
fn put_field(buf: &mut Vec<u8>, bytes: &[u8]) -> Result<(), String> {
    let len = i32::try_from(bytes.len()).map_err(|_| "value is too large".to_string())?;
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(bytes);
    Ok(())
}

/// Appends a string to a text-like column.
fn put_str(buf: &mut Vec<u8>, wire: Wire, s: &str) -> Result<(), String> {
    match wire {
        Wire::Jsonb => {
            let len = i32::try_from(s.len() + 1).map_err(|_| "value is too large".to_string())?;
            buf.extend_from_slice(&len.to_be_bytes());
            buf.push(1);
            buf.extend_from_slice(s.as_bytes());
            Ok(())
        }
        Wire::Uuid => {
            let u = parse_uuid(s).ok_or_else(|| format!("'{s}' is not a UUID"))?;
            put_field(buf, &u)
        }
        _ => put_field(buf, s.as_bytes()),
    }
}

/// Makes an encoded numeric field (length, then Postgres' binary numeric) compare as the
/// value does in a unique index: the display scale is zeroed, so `1.0` and `1.00` (same
/// digits, different scales) are one key. The digits themselves are already canonical
/// ([`put_numeric`] drops leading and trailing zero groups).
fn normalise_numeric_key(field: &mut [u8]) {
    // 4 bytes length, then ndigits, weight, sign, dscale (2 bytes each).
    if let Some(dscale) = field.get_mut(10..12) {
        dscale.fill(0);
    }
}

/// Appends one value of a column of `kind` (schema `schema`) as `wire`.
fn put_value(
    buf: &mut Vec<u8>,
    wire: Wire,
    kind: ParamKind,
    schema: &Schema,
    v: &Value,
) -> Result<(), String> {
    if v.is_null() {
        buf.extend_from_slice(&(-1i32).to_be_bytes());
        return Ok(());
    }
    let bad = || {
        format!(
            "value {v:?} does not match its schema type {}",
            schema.schema_type
        )
    };
    let range = |what: &str| format!("value {v:?} is out of range for type {what}");
    match kind {
        ParamKind::Int => {
            let i = v.as_i64().ok_or_else(bad)?;
            match wire {
                Wire::Int2 => {
                    let i = i16::try_from(i).map_err(|_| range("smallint"))?;
                    put_field(buf, &i.to_be_bytes())
                }
                Wire::Int4 => {
                    let i = i32::try_from(i).map_err(|_| range("integer"))?;
                    put_field(buf, &i.to_be_bytes())
                }
                Wire::Float4 => put_field(buf, &(i as f32).to_be_bytes()),
                Wire::Float8 => put_field(buf, &(i as f64).to_be_bytes()),
                Wire::Numeric => put_numeric(buf, Decimal::new(i as i128, 0)),
                _ => put_field(buf, &i.to_be_bytes()),
            }
        }
        ParamKind::Float => {
            let f = match v {
                Value::Float32(f) => *f as f64,
                Value::Float64(f) => *f,
                _ => return Err(bad()),
            };
            if wire == Wire::Float4 {
                let g = f as f32;
                // As Postgres' float8 → float4 cast: no overflow, no underflow to zero.
                if (g.is_infinite() && f.is_finite()) || (g == 0.0 && f != 0.0) {
                    return Err(range("real"));
                }
                put_field(buf, &g.to_be_bytes())
            } else {
                put_field(buf, &f.to_be_bytes())
            }
        }
        ParamKind::Bool => match v {
            Value::Boolean(b) => put_field(buf, &[u8::from(*b)]),
            _ => Err(bad()),
        },
        ParamKind::Text => put_str(buf, wire, v.as_str().ok_or_else(bad)?),
        ParamKind::Bytes => match v {
            Value::Bytes(b) => put_field(buf, b),
            _ => Err(bad()),
        },
        ParamKind::Numeric => {
            let d = match v {
                Value::Decimal(d) => *d,
                Value::Bytes(b) => {
                    let scale = match schema.logical() {
                        Some(LogicalType::Decimal { scale }) => scale,
                        _ => 0,
                    };
                    Decimal::from_bytes(b, scale).map_err(|e| e.to_string())?
                }
                _ => return Err(bad()),
            };
            put_numeric(buf, d)
        }
        ParamKind::Date => {
            let days = i32::try_from(v.as_i64().ok_or_else(bad)?)
                .ok()
                .and_then(|d| d.checked_sub(PG_EPOCH_DAYS))
                .ok_or_else(|| range("date"))?;
            put_field(buf, &days.to_be_bytes())
        }
        ParamKind::TimeMillis => {
            // As `TIME '00:00' + ms`: wraps around midnight.
            let ms = v.as_i64().ok_or_else(bad)? as i128;
            let micros = (ms * 1000).rem_euclid(DAY_MICROS) as i64;
            put_field(buf, &micros.to_be_bytes())
        }
        ParamKind::TsMicros => {
            let micros = v.as_i64().ok_or_else(bad)?.checked_mul(1000);
            let micros = match wire {
                Wire::LocalTimestamp(zone) => micros.map(|m| zone.utc_to_local(m)),
                _ => micros,
            };
            let micros = micros
                .and_then(|m| m.checked_sub(PG_EPOCH_MICROS))
                .ok_or_else(|| range("timestamp"))?;
            put_field(buf, &micros.to_be_bytes())
        }
    }
}

/// Appends a decimal in Postgres' binary numeric format: base-10000 digits aligned on the
/// decimal point, most significant first, with weight, sign and display scale.
fn put_numeric(buf: &mut Vec<u8>, d: Decimal) -> Result<(), String> {
    let (mut unscaled, mut scale) = (d.unscaled, d.scale);
    if scale < 0 {
        unscaled = 10i128
            .checked_pow(scale.unsigned_abs())
            .and_then(|p| unscaled.checked_mul(p))
            .ok_or_else(|| format!("decimal {d:?} is out of range"))?;
        scale = 0;
    }
    if scale > 1000 {
        return Err(format!("decimal {d:?} has a scale above 1000"));
    }
    let neg = unscaled < 0;
    let mut a = unscaled.unsigned_abs();
    // Group g (weight gmin + g) of the base-10000 digits; 39 decimal digits span ≤ 11 groups.
    let gmin = (-scale).div_euclid(4);
    let mut groups = [0i16; 12];
    let mut e = -scale;
    while a > 0 {
        let digit = (a % 10) as i16;
        a /= 10;
        let g = (e.div_euclid(4) - gmin) as usize;
        groups[g] += digit * [1, 10, 100, 1000][e.rem_euclid(4) as usize];
        e += 1;
    }
    let hi = groups.iter().rposition(|&g| g != 0);
    let lo = groups.iter().position(|&g| g != 0);
    let (ndigits, weight, digits) = match (lo, hi) {
        (Some(lo), Some(hi)) => (hi - lo + 1, gmin + hi as i32, &groups[lo..=hi]),
        _ => (0, 0, &groups[..0]),
    };
    let len = 8 + 2 * ndigits as i32;
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(&(ndigits as i16).to_be_bytes());
    buf.extend_from_slice(&(weight as i16).to_be_bytes());
    buf.extend_from_slice(&(if neg { 0x4000u16 } else { 0 }).to_be_bytes());
    buf.extend_from_slice(&(scale as u16).to_be_bytes());
    for g in digits.iter().rev() {
        buf.extend_from_slice(&g.to_be_bytes());
    }
    Ok(())
}

/// Parses a UUID as Postgres' `uuid` input does: 32 hex digits, an optional hyphen after any
/// group of four, optionally in braces.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    let b = match (b.first(), b.last()) {
        (Some(b'{'), Some(b'}')) if b.len() >= 2 => &b[1..b.len() - 1],
        _ => b,
    };
    let mut out = [0u8; 16];
    let mut n = 0usize;
    let mut i = 0usize;
    while n < 32 {
        let c = *b.get(i)?;
        let h = (c as char).to_digit(16)? as u8;
        out[n / 2] |= if n.is_multiple_of(2) { h << 4 } else { h };
        n += 1;
        i += 1;
        if n.is_multiple_of(4) && n < 32 && b.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    (i == b.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(unscaled: i128, scale: i32) -> Vec<u8> {
        let mut buf = Vec::new();
        put_numeric(&mut buf, Decimal::new(unscaled, scale)).expect("encodes");
        buf
    }

    fn words(v: &[i16]) -> Vec<u8> {
        v.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    #[test]
    fn numerics_use_base_10000_digits_aligned_on_the_point() {
        // 123.45: digits 123 | 4500, weight 0, scale 2.
        let mut want = 12i32.to_be_bytes().to_vec();
        want.extend(words(&[2, 0, 0, 2, 123, 4500]));
        assert_eq!(numeric(12345, 2), want);
        // -0.0001: one digit 1 at weight -1, negative, scale 4.
        let mut want = 10i32.to_be_bytes().to_vec();
        want.extend(words(&[1, -1, 0x4000, 4, 1]));
        assert_eq!(numeric(-1, 4), want);
        // 0 with scale 2: no digits.
        let mut want = 8i32.to_be_bytes().to_vec();
        want.extend(words(&[0, 0, 0, 2]));
        assert_eq!(numeric(0, 2), want);
        // 10000 × 10^4 (scale -4): one digit 1 at weight 2, trailing zero groups dropped.
        let mut want = 10i32.to_be_bytes().to_vec();
        want.extend(words(&[1, 2, 0, 0, 1]));
        assert_eq!(numeric(10000, -4), want);
        // i128::MAX has 39 digits.
        assert_eq!(numeric(i128::MAX, 0).len(), 4 + 8 + 2 * 10);
    }

    #[test]
    fn numeric_keys_of_one_value_at_different_scales_are_equal() {
        let key = |unscaled, scale| {
            let mut k = numeric(unscaled, scale);
            normalise_numeric_key(&mut k);
            k
        };
        assert_eq!(key(10, 1), key(100, 2));
        assert_eq!(key(1, 0), key(1000, 3));
        assert_eq!(key(0, 0), key(0, 5));
        assert_ne!(key(10, 1), key(11, 1));
        assert_ne!(key(-1, 0), key(1, 0));
    }

    #[test]
    fn local_timestamps_are_written_as_db_timezone_wall_clocks() {
        let zone = DbZone::parse("Europe/Moscow").unwrap();
        let schema = ferroconnect_runtime::data::LogicalType::Timestamp
            .builder()
            .build_ref();
        let ms = 946_684_800_000; // 2000-01-01 00:00 UTC = 03:00 in Moscow
        let mut buf = Vec::new();
        let v = Value::Int64(ms);
        put_value(
            &mut buf,
            Wire::LocalTimestamp(zone),
            ParamKind::TsMicros,
            &schema,
            &v,
        )
        .unwrap();
        let mut want = 8i32.to_be_bytes().to_vec();
        want.extend((3 * 3600 * 1_000_000i64).to_be_bytes());
        assert_eq!(buf, want);
        buf.clear();
        put_value(&mut buf, Wire::Timestamp, ParamKind::TsMicros, &schema, &v).unwrap();
        assert_eq!(&buf[4..], &0i64.to_be_bytes());
    }

    #[test]
    fn small_copy_data_is_padded_in_the_header_extension() {
        let mut buf = HEADER.to_vec();
        buf.extend_from_slice(&[0, 1, 0, 0, 0, 1, 7]);
        finish_data(&mut buf);
        assert_eq!(buf.len(), MIN_COPY_BYTES);
        assert_eq!(&buf[..11], b"PGCOPY\n\xff\r\n\0", "signature");
        assert_eq!(&buf[11..15], &[0; 4], "flags stay zero");
        let pad = MIN_COPY_BYTES - HEADER.len() - 9;
        assert_eq!(
            &buf[15..19],
            &(pad as i32).to_be_bytes(),
            "extension length"
        );
        assert!(buf[19..19 + pad].iter().all(|&b| b == 0));
        assert_eq!(
            &buf[19 + pad..],
            &[0, 1, 0, 0, 0, 1, 7, 0xff, 0xff],
            "row, trailer"
        );
        // Large data only gets the trailer.
        let mut big = HEADER.to_vec();
        big.resize(MIN_COPY_BYTES, 0);
        finish_data(&mut big);
        assert_eq!(big.len(), MIN_COPY_BYTES + 2);
        assert_eq!(&big[15..19], &[0; 4]);
    }

    #[test]
    fn uuids_parse_as_postgres_accepts_them() {
        let want = Some([
            0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef,
        ]);
        assert_eq!(parse_uuid("12345678-9abc-def0-0123-456789abcdef"), want);
        assert_eq!(parse_uuid("{12345678-9ABC-DEF0-0123-456789ABCDEF}"), want);
        assert_eq!(parse_uuid("123456789abcdef00123456789abcdef"), want);
        assert_eq!(parse_uuid("1234-5678-9abc-def0-0123-4567-89ab-cdef"), want);
        assert_eq!(parse_uuid("12345678-9abc-def0-0123-456789abcde"), None);
        assert_eq!(parse_uuid("-12345678-9abc-def0-0123-456789abcdef"), None);
        assert_eq!(parse_uuid("12345678-9abc-def0-0123-456789abcdef-"), None);
        assert_eq!(parse_uuid("12345678--9abc-def0-0123-456789abcdef"), None);
    }

    #[test]
    fn wires_come_from_format_type_names() {
        assert_eq!(Wire::of("character varying(255)"), Some(Wire::Text));
        assert_eq!(
            Wire::of("timestamp(3) without time zone"),
            Some(Wire::LocalTimestamp(DbZone::UTC))
        );
        assert_eq!(Wire::of("timestamp with time zone"), Some(Wire::Timestamp));
        assert_eq!(Wire::of("numeric(10,2)"), Some(Wire::Numeric));
        assert_eq!(Wire::of("time with time zone"), None);
        assert_eq!(Wire::of("integer[]"), None);
        assert!(!Wire::Int4.accepts(ParamKind::Text));
        assert!(Wire::Uuid.accepts(ParamKind::Text));
    }
}
