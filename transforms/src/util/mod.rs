//! Helpers shared by the transforms: record parts, type requirements, config reading, field
//! paths, Java date formats and Java regexes. The derived-schema cache is the runtime's
//! [`ferroconnect_runtime::data::SchemaCache`].

pub mod config;
pub mod date_format;
pub mod field_path;
pub mod java_regex;
pub mod requirements;
pub mod schema;

use ferroconnect_runtime::data::{ConnectRecord, SchemaRef, Value};
use ferroconnect_runtime::transform::RecordPart;

/// Which part of a record a `$Key` / `$Value` transform operates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The record key (`$Key`).
    Key,
    /// The record value (`$Value`).
    Value,
}

impl Target {
    /// Both variants, key first.
    pub const BOTH: [Target; 2] = [Target::Key, Target::Value];

    /// The Java nested-class suffix, `$Key` or `$Value`.
    pub fn suffix(self) -> &'static str {
        match self {
            Target::Key => "$Key",
            Target::Value => "$Value",
        }
    }

    /// The record part, as the runtime's struct edits name it.
    pub fn part(self) -> RecordPart {
        match self {
            Target::Key => RecordPart::Key,
            Target::Value => RecordPart::Value,
        }
    }

    /// The operating schema.
    pub fn schema(self, record: &ConnectRecord) -> Option<&SchemaRef> {
        match self {
            Target::Key => record.key_schema.as_ref(),
            Target::Value => record.value_schema.as_ref(),
        }
    }

    /// The operating value.
    pub fn value(self, record: &ConnectRecord) -> &Value {
        match self {
            Target::Key => &record.key,
            Target::Value => &record.value,
        }
    }

    /// Mutable access to the operating schema and value.
    pub fn parts_mut(self, record: &mut ConnectRecord) -> (&mut Option<SchemaRef>, &mut Value) {
        match self {
            Target::Key => (&mut record.key_schema, &mut record.key),
            Target::Value => (&mut record.value_schema, &mut record.value),
        }
    }

    /// Takes the operating value out of the record, leaving null in its place.
    pub fn take_value(self, record: &mut ConnectRecord) -> Value {
        std::mem::take(self.parts_mut(record).1)
    }

    /// Replaces the operating schema and value.
    pub fn set(self, record: &mut ConnectRecord, schema: Option<SchemaRef>, value: Value) {
        let (s, v) = self.parts_mut(record);
        *s = schema;
        *v = value;
    }
}
