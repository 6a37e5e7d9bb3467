//! Struct edits: transforms whose whole effect on a struct key or value is a plan derived from
//! the struct's schema (MaskField, ReplaceField, InsertField) describe that plan as a
//! [`StructEdit`]. A transform runs its own edit record by record; a chain runs consecutive
//! edits of the same record part as one step ([`super::fused`]): one schema look-up and one
//! schema swap per record instead of one per transform.

use std::sync::Arc;

use crate::data::{ConnectRecord, SchemaCache, SchemaRef, Struct, Value};
use crate::error::ConnectResult;

/// The record part a `$Key` / `$Value` transform works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordPart {
    /// The record key.
    Key,
    /// The record value.
    Value,
}

impl RecordPart {
    /// The part's value.
    pub fn value(self, record: &ConnectRecord) -> &Value {
        match self {
            RecordPart::Key => &record.key,
            RecordPart::Value => &record.value,
        }
    }

    /// Splits a record into what an edit reads (topic, partition, offset, timestamp) and the
    /// part's schema slot and value, which it changes.
    pub fn split(
        self,
        record: &mut ConnectRecord,
    ) -> (RecordMeta<'_>, &mut Option<SchemaRef>, &mut Value) {
        let ConnectRecord {
            topic,
            kafka_partition,
            kafka_offset,
            timestamp,
            key_schema,
            key,
            value_schema,
            value,
            ..
        } = record;
        let meta = RecordMeta {
            topic,
            kafka_partition: *kafka_partition,
            kafka_offset: *kafka_offset,
            timestamp: *timestamp,
        };
        match self {
            RecordPart::Key => (meta, key_schema, key),
            RecordPart::Value => (meta, value_schema, value),
        }
    }
}

/// The record fields a struct edit may read.
#[derive(Debug, Clone, Copy)]
pub struct RecordMeta<'a> {
    /// The record's topic.
    pub topic: &'a str,
    /// The record's Kafka partition, if set.
    pub kafka_partition: Option<i32>,
    /// The Kafka offset (sink records only).
    pub kafka_offset: Option<i64>,
    /// The record's timestamp in epoch milliseconds.
    pub timestamp: Option<i64>,
}

/// Rewrites the values of one struct in place.
pub trait ValuesEdit: Send + Sync {
    /// Turns `values`, laid out as the edit's input schema says, into the layout of its
    /// output schema. After an error the values are unspecified (the record fails).
    fn edit(&self, values: &mut Vec<Value>, meta: &RecordMeta<'_>) -> ConnectResult<()>;
}

/// What a transform does to every struct of one input schema.
pub struct StructEdit {
    /// The output schema, which the struct and the record's schema slot take; `None` keeps
    /// both as they are (an edit of values only).
    pub output: Option<SchemaRef>,
    /// The edit of the values; `None` when only the schema changes (renames).
    pub values: Option<Box<dyn ValuesEdit>>,
}

impl StructEdit {
    /// Runs the edit on a struct; returns the schema the record's slot takes, if it changes.
    fn edit_struct(
        &self,
        st: &mut Struct,
        meta: &RecordMeta<'_>,
    ) -> ConnectResult<Option<SchemaRef>> {
        let target = match (&self.output, &self.values) {
            (Some(output), _) => output.clone(),
            (None, None) => return Ok(None),
            // Values only: the struct keeps its schema (no reference-count change).
            (None, Some(edit)) => {
                st.edit_values(|values| edit.edit(values, meta))??;
                return Ok(None);
            }
        };
        match &self.values {
            Some(edit) => run_reshaped(st, target, |values| edit.edit(values, meta))?,
            None => st.reshape(target, |_| ())?,
        }
        Ok(self.output.clone())
    }
}

/// A transform's per-record path: looks its edit up in `cache` (building it with `build` on
/// a miss) and runs it. When the slot holds the struct's own schema `Arc`, as a rule, the
/// look-up is keyed by the slot and the struct is edited inside it: no reference is taken
/// on the edit per record.
pub fn apply_cached(
    cache: &SchemaCache<Arc<StructEdit>>,
    build: impl FnOnce(&SchemaRef) -> ConnectResult<Arc<StructEdit>>,
    st: &mut Struct,
    slot: &mut Option<SchemaRef>,
    meta: &RecordMeta<'_>,
) -> ConnectResult<()> {
    let output = match slot.as_ref() {
        Some(key) if Arc::ptr_eq(key, st.schema()) => {
            cache.with(key, || build(key), |edit| edit.edit_struct(st, meta))??
        }
        _ => {
            let key = st.schema();
            let edit = cache.with(key, || build(key), Arc::clone)?;
            edit.edit_struct(st, meta)?
        }
    };
    if let Some(o) = output {
        *slot = Some(o);
    }
    Ok(())
}

/// Lets `edit` rework a struct's values, then gives it `schema`. An edit error comes first;
/// otherwise a count of values that does not fit `schema` fails.
pub(crate) fn run_reshaped(
    st: &mut Struct,
    schema: SchemaRef,
    edit: impl FnOnce(&mut Vec<Value>) -> ConnectResult<()>,
) -> ConnectResult<()> {
    let mut result = Ok(());
    let fitted = st.reshape(schema, |values| result = edit(values));
    result?;
    fitted?;
    Ok(())
}
