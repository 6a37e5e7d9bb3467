//! `InsertField`: adds the record's topic, partition, offset and timestamp, and/or a static
//! string, as fields of the key or value. A field name ending in `!` makes the field required
//! in the new schema; `?` or no suffix makes it optional.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{schemas, ConnectRecord, LogicalType, SchemaRef, Value};
use ferroconnect_runtime::transform::{
    apply_cached, RecordMeta, RecordPart, StructEdit, Transformation, ValuesEdit,
};
use ferroconnect_runtime::{ConnectError, ConnectResult};

use std::sync::Arc;

use crate::util::config::{invalid, replace_null_key, Cfg};
use crate::util::requirements::{map_put, require_map, require_struct};
use crate::util::schema::{push_field, struct_like, take_field_value};
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `topic.field` key.
pub const TOPIC_FIELD: &str = "topic.field";
/// The `partition.field` key.
pub const PARTITION_FIELD: &str = "partition.field";
/// The `offset.field` key.
pub const OFFSET_FIELD: &str = "offset.field";
/// The `timestamp.field` key.
pub const TIMESTAMP_FIELD: &str = "timestamp.field";
/// The `static.field` key.
pub const STATIC_FIELD: &str = "static.field";
/// The `static.value` key.
pub const STATIC_VALUE: &str = "static.value";
const PURPOSE: &str = "field insertion";

const SUFFIX_DOC: &str =
    " Suffix with ! to make it a required field, or ? to keep it optional (the default).";

/// Config keys of InsertField.
pub fn config_def() -> ConfigDef {
    let key = |name: &str, doc: &str| {
        ConfigKey::new(
            name,
            ConfigType::String,
            Some(""),
            Importance::Medium,
            format!("{doc}{SUFFIX_DOC}"),
        )
    };
    ConfigDef::new()
        .define(key(TOPIC_FIELD, "Field name for the record's topic."))
        .define(key(
            PARTITION_FIELD,
            "Field name for the record's Kafka partition.",
        ))
        .define(key(
            OFFSET_FIELD,
            "Field name for the record's Kafka offset (sink connectors only).",
        ))
        .define(key(
            TIMESTAMP_FIELD,
            "Field name for the record's timestamp.",
        ))
        .define(key(STATIC_FIELD, "Field name for the static value."))
        .define(ConfigKey::new(
            STATIC_VALUE,
            ConfigType::String,
            Some(""),
            Importance::Medium,
            "The static string inserted when static.field is set.",
        ))
        .define(replace_null_key())
}

/// One field to insert (`InsertionSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertionSpec {
    /// Field name.
    pub name: String,
    /// Whether the field is optional in the new schema.
    pub optional: bool,
}

impl InsertionSpec {
    /// Parses `name`, `name?` (optional) or `name!` (required); empty means not configured.
    pub fn parse(spec: &str) -> Option<Self> {
        if spec.is_empty() {
            return None;
        }
        Some(if let Some(n) = spec.strip_suffix('?') {
            InsertionSpec {
                name: n.to_string(),
                optional: true,
            }
        } else if let Some(n) = spec.strip_suffix('!') {
            InsertionSpec {
                name: n.to_string(),
                optional: false,
            }
        } else {
            InsertionSpec {
                name: spec.to_string(),
                optional: true,
            }
        })
    }
}

/// The values edit of one input schema: append the configured fields.
struct InsertEdit {
    /// The input schema, when nulls take their field's default.
    fill_defaults_of: Option<SchemaRef>,
    /// How many values are appended.
    added: usize,
    topic: bool,
    partition: bool,
    offset: bool,
    timestamp: bool,
    static_value: Option<String>,
}

impl ValuesEdit for InsertEdit {
    fn edit(&self, values: &mut Vec<Value>, meta: &RecordMeta<'_>) -> ConnectResult<()> {
        let offset = if self.offset {
            Some(sink_offset(meta.kafka_offset)?)
        } else {
            None
        };
        if let Some(old) = &self.fill_defaults_of {
            for f in &old.fields {
                let v = take_field_value(values, f, true);
                values[f.index] = v;
            }
        }
        values.reserve(self.added);
        if self.topic {
            values.push(Value::String(meta.topic.to_string()));
        }
        if self.partition {
            values.push(meta.kafka_partition.map_or(Value::Null, Value::Int32));
        }
        if let Some(o) = offset {
            values.push(Value::Int64(o));
        }
        if self.timestamp {
            values.push(meta.timestamp.map_or(Value::Null, Value::Int64));
        }
        if let Some(v) = &self.static_value {
            values.push(Value::String(v.clone()));
        }
        Ok(())
    }
}

/// Inserts record metadata (`org.apache.kafka.connect.transforms.InsertField$Key|$Value`).
pub struct InsertField {
    target: Target,
    topic: Option<InsertionSpec>,
    partition: Option<InsertionSpec>,
    offset: Option<InsertionSpec>,
    timestamp: Option<InsertionSpec>,
    static_field: Option<InsertionSpec>,
    static_value: String,
    replace_null_with_default: bool,
    cache: SchemaCache<Arc<StructEdit>>,
}

/// The Kafka offset of a record, known only for sink records; source records fail as they
/// do in Kafka.
fn sink_offset(kafka_offset: Option<i64>) -> ConnectResult<i64> {
    kafka_offset.ok_or_else(|| {
        ConnectError::data(format!(
            "Only SinkRecord supported for [{PURPOSE}], found: org.apache.kafka.connect.source.SourceRecord"
        ))
    })
}

impl InsertField {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let spec = |k: &str| -> ConnectResult<Option<InsertionSpec>> {
            Ok(InsertionSpec::parse(&cfg.string(k)?))
        };
        let t = InsertField {
            target,
            topic: spec(TOPIC_FIELD)?,
            partition: spec(PARTITION_FIELD)?,
            offset: spec(OFFSET_FIELD)?,
            timestamp: spec(TIMESTAMP_FIELD)?,
            static_field: spec(STATIC_FIELD)?,
            static_value: cfg.opt_string(STATIC_VALUE).unwrap_or_default(),
            replace_null_with_default: cfg.replace_null_with_default()?,
            cache: SchemaCache::new(),
        };
        if t.topic.is_none()
            && t.partition.is_none()
            && t.offset.is_none()
            && t.timestamp.is_none()
            && t.static_field.is_none()
        {
            return Err(ConnectError::config("No field insertion configured"));
        }
        if let Some(f) = &t.static_field {
            if cfg.opt_string(STATIC_VALUE).is_none() {
                return Err(invalid(
                    STATIC_VALUE,
                    "null",
                    format!("No value specified for static field: {}", f.name),
                ));
            }
        }
        Ok(t)
    }

    fn build_schema(
        &self,
        schema: &ferroconnect_runtime::data::Schema,
    ) -> ConnectResult<SchemaRef> {
        let mut s = struct_like(schema);
        for f in &schema.fields {
            push_field(&mut s, f.name.clone(), f.schema.clone());
        }
        let pick =
            |opt: bool, o: fn() -> SchemaRef, r: fn() -> SchemaRef| if opt { o() } else { r() };
        let mut add = |spec: &Option<InsertionSpec>, fs: SchemaRef| -> ConnectResult<()> {
            if let Some(spec) = spec {
                if s.field(&spec.name).is_some() {
                    return Err(ConnectError::data(format!(
                        "Cannot create field because of field name duplication {}",
                        spec.name
                    )));
                }
                push_field(&mut s, spec.name.clone(), fs);
            }
            Ok(())
        };
        if let Some(t) = &self.topic {
            add(
                &self.topic,
                pick(t.optional, schemas::optional_string, schemas::string),
            )?;
        }
        if let Some(t) = &self.partition {
            add(
                &self.partition,
                pick(t.optional, schemas::optional_int32, schemas::int32),
            )?;
        }
        if let Some(t) = &self.offset {
            add(
                &self.offset,
                pick(t.optional, schemas::optional_int64, schemas::int64),
            )?;
        }
        if let Some(t) = &self.timestamp {
            let b = LogicalType::Timestamp.builder();
            let b = if t.optional { b.optional() } else { b };
            add(&self.timestamp, b.build_ref())?;
        }
        if let Some(t) = &self.static_field {
            add(
                &self.static_field,
                pick(t.optional, schemas::optional_string, schemas::string),
            )?;
        }
        Ok(s.into_ref())
    }
}

impl Transformation for InsertField {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        Ok(self.apply_in_place(&mut record)?.then_some(record))
    }

    fn apply_in_place(&self, record: &mut ConnectRecord) -> ConnectResult<bool> {
        if self.target.value(record).is_null() {
            return Ok(true);
        }
        let (meta, schema, value) = self.target.part().split(record);
        if schema.is_none() {
            let mut entries = require_map(std::mem::take(value), PURPOSE)?;
            if let Some(f) = &self.topic {
                map_put(&mut entries, &f.name, Value::String(meta.topic.to_string()));
            }
            if let (Some(f), Some(p)) = (&self.partition, meta.kafka_partition) {
                map_put(&mut entries, &f.name, Value::Int32(p));
            }
            if let Some(f) = &self.offset {
                map_put(
                    &mut entries,
                    &f.name,
                    Value::Int64(sink_offset(meta.kafka_offset)?),
                );
            }
            if let (Some(f), Some(ts)) = (&self.timestamp, meta.timestamp) {
                map_put(&mut entries, &f.name, Value::Int64(ts));
            }
            if let Some(f) = &self.static_field {
                map_put(
                    &mut entries,
                    &f.name,
                    Value::String(self.static_value.clone()),
                );
            }
            *value = Value::Map(entries);
            return Ok(true);
        }
        let Value::Struct(st) = value else {
            return require_struct(std::mem::take(value), PURPOSE).map(|_| true);
        };
        apply_cached(&self.cache, |s| self.build_edit(s), st, schema, &meta)?;
        Ok(true)
    }

    fn struct_edit_part(&self) -> Option<RecordPart> {
        Some(self.target.part())
    }

    fn struct_edit(&self, input: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        self.cache
            .with(input, || self.build_edit(input), Arc::clone)
    }
}

impl InsertField {
    /// The struct edit for structs of `input` (uncached).
    fn build_edit(&self, input: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        let output = self.build_schema(input)?;
        let fill = self.replace_null_with_default
            && input.fields.iter().any(|f| f.schema.default.is_some());
        let edit = InsertEdit {
            fill_defaults_of: fill.then(|| input.clone()),
            added: output.fields.len().saturating_sub(input.fields.len()),
            topic: self.topic.is_some(),
            partition: self.partition.is_some(),
            offset: self.offset.is_some(),
            timestamp: self.timestamp.is_some(),
            static_value: self
                .static_field
                .as_ref()
                .map(|_| self.static_value.clone()),
        };
        Ok(Arc::new(StructEdit {
            output: Some(output),
            values: Some(Box::new(edit)),
        }))
    }
}
