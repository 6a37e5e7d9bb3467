//! Blocks: the bytes of one INSERT (one table, one format and column list, optionally one
//! partition), built record by record, with the row boundaries and (when bad rows must be
//! isolated) the records themselves.

use std::sync::Arc;

use ferroconnect_runtime::converter::JsonConverter;
use ferroconnect_runtime::data::{SinkRecord, Struct, TopicPartition, Value};

use super::config::StringFormat;
use super::datetime::ColumnFormat;
use super::rowbinary::{encode, encode_instant};
use super::table::{Layout, Source, Table};

/// What groups records into one INSERT besides the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FormatKey {
    /// RowBinary with this layout id.
    Layout(usize),
    /// JSONEachRow of schemaless or bypassed records.
    Json,
    /// String values inserted as-is.
    Text(StringFormat),
}

/// The key of a buffered block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockKey {
    /// `` `db`.`table` ``.
    pub table: Arc<str>,
    /// Format and columns.
    pub format: FormatKey,
    /// The partition, unless partitions are batched together.
    pub partition: Option<TopicPartition>,
}

/// One pending INSERT.
pub struct Block {
    /// The INSERT statement (ends in `FORMAT …`).
    pub sql: Arc<str>,
    /// Encoded rows.
    pub body: Vec<u8>,
    /// End of each row in `body`.
    pub row_ends: Vec<usize>,
    /// The records of the rows (only kept when bad rows are dead-lettered).
    pub records: Vec<SinkRecord>,
    /// Partitions with rows in the block, each with the offset of its first row here.
    pub partitions: Vec<(TopicPartition, i64)>,
}

impl Block {
    /// An empty block for `sql`.
    pub fn new(sql: Arc<str>) -> Block {
        Block {
            sql,
            body: Vec::new(),
            row_ends: Vec::new(),
            records: Vec::new(),
            partitions: Vec::new(),
        }
    }

    /// Notes that a row of `tp` was added (keeps the record if asked to); returns its size.
    pub fn commit_row(
        &mut self,
        record: SinkRecord,
        keep: bool,
        tp: &TopicPartition,
        offset: i64,
    ) -> usize {
        let size = self.body.len() - self.row_ends.last().copied().unwrap_or(0);
        self.row_ends.push(self.body.len());
        if !self.partitions.iter().any(|(p, _)| p == tp) {
            self.partitions.push((tp.clone(), offset));
        }
        if keep {
            self.records.push(record);
        }
        size
    }
}

/// Debezium's extra columns for one change.
#[derive(Debug, Clone, Copy, Default)]
pub struct CdcExtras {
    /// `_version`: the change's LSN (or its timestamp).
    pub version: i64,
    /// `is_deleted`: 1 for deletes.
    pub deleted: bool,
}

/// The row a Debezium envelope carries: `after`, or `before` for deletes; None when there is
/// no row (a delete without `before`, a truncate).
pub fn unwrap_debezium(value: &Value) -> Option<(&Value, CdcExtras)> {
    let get = |v: &'_ Value, name: &str| -> Option<Value> {
        match v {
            Value::Struct(s) => s.get(name).ok().cloned(),
            Value::Map(_) => v.map_get(name).cloned(),
            _ => None,
        }
    };
    let field = |v: &'_ Value, name: &str| -> Option<usize> {
        match v {
            Value::Struct(s) => s.schema().field(name).map(|f| f.index),
            _ => None,
        }
    };
    let op = get(value, "op")?;
    let deleted = op.as_str() == Some("d");
    let which = if deleted { "before" } else { "after" };
    let row = match value {
        Value::Struct(s) => s.get_index(field(value, which)?),
        Value::Map(_) => value.map_get(which)?,
        _ => return None,
    };
    if row.is_null() {
        return None;
    }
    let version = get(value, "source")
        .and_then(|src| get(&src, "lsn").and_then(|l| l.as_i64()))
        .or_else(|| get(value, "ts_ms").and_then(|t| t.as_i64()))
        .unwrap_or(0);
    Some((row, CdcExtras { version, deleted }))
}

/// Appends one struct row in RowBinary per `layout`; on error the body is left unchanged.
pub fn encode_struct(
    block: &mut Block,
    table: &Table,
    layout: &Layout,
    row: &Struct,
    cdc: CdcExtras,
    date_formats: &[(String, ColumnFormat)],
    json: &JsonConverter,
) -> Result<(), String> {
    let start = block.body.len();
    let out = &mut block.body;
    let fields = &row.schema().fields;
    for (i, (ci, source)) in layout.columns.iter().enumerate() {
        let col = &table.columns[*ci];
        let Ok(ty) = &col.ty else {
            continue;
        };
        let owned;
        let (schema, value) = match source {
            Source::Field(i) => {
                let f = &fields[*i];
                let v = row.get_index(*i);
                let v = match (&f.schema.default, v.is_null()) {
                    (Some(d), true) => d,
                    _ => v,
                };
                (Some(f.schema.as_ref()), v)
            }
            Source::Version => {
                owned = Value::Int64(cdc.version);
                (None, &owned)
            }
            Source::IsDeleted => {
                owned = Value::Int8(cdc.deleted as i8);
                (None, &owned)
            }
        };
        if layout.with_defaults {
            if value.is_null() && !ty.is_nullable() {
                out.push(1);
                continue;
            }
            out.push(0);
        }
        let written = match (layout.formats[i], value) {
            (Some(f), Value::String(text)) => {
                let (name, format) = &date_formats[f];
                match format.parse(text) {
                    Some(t) => encode_instant(out, ty, t),
                    None => Err(format!(
                        "{text:?} does not match the dateTimeFormats pattern of column {name}"
                    )),
                }
            }
            _ => encode(out, ty, schema, value, json),
        };
        if let Err(e) = written {
            out.truncate(start);
            return Err(format!(
                "column {} ({}) of {}: {e}",
                col.name, col.type_name, table.qualified
            ));
        }
    }
    Ok(())
}

/// Appends one JSONEachRow line (schemaless maps, bypassed structs, Debezium extras added).
pub fn encode_json(
    block: &mut Block,
    row: &Value,
    schema: Option<&ferroconnect_runtime::data::SchemaRef>,
    cdc: Option<CdcExtras>,
    json: &JsonConverter,
) -> Result<(), String> {
    let start = block.body.len();
    let written = json.write_connect_data(&mut block.body, schema, row);
    // Debezium extras go into the written object itself (struct or map rows alike), without
    // copying the row.
    if let (Ok(true), Some(x)) = (&written, cdc) {
        if block.body.last() != Some(&b'}') {
            block.body.truncate(start);
            return Err("a Debezium row must be a struct or a map".into());
        }
        block.body.pop();
        if block.body.len() > start + 1 {
            block.body.push(b',');
        }
        block.body.extend_from_slice(
            format!(
                "\"_version\":{},\"is_deleted\":{}}}",
                x.version, x.deleted as u8
            )
            .as_bytes(),
        );
    }
    match written {
        Ok(true) => {
            block.body.push(b'\n');
            Ok(())
        }
        Ok(false) => Err("a null value has no row".into()),
        Err(e) => {
            block.body.truncate(start);
            Err(format!("cannot write the record as JSON: {e}"))
        }
    }
}

/// Appends a string value as one line of `format`.
pub fn encode_text(block: &mut Block, text: &str) {
    block
        .body
        .extend_from_slice(text.trim_end_matches(['\r', '\n']).as_bytes());
    block.body.push(b'\n');
}
