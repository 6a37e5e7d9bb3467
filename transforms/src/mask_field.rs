//! `MaskField`: replaces listed top-level fields with a type-appropriate "empty" value
//! (`false`, `0`, `""`, epoch 0, empty list/map) or with a configured replacement converted to
//! the field's type. Nulls stay null.

use std::sync::Arc;

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, Decimal, LogicalType, Schema, SchemaRef, Value};
use ferroconnect_runtime::transform::{
    apply_cached, RecordMeta, RecordPart, StructEdit, Transformation, ValuesEdit,
};
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{non_empty_list, non_empty_string, replace_null_key, Cfg};
use crate::util::requirements::{java_class_display, require_map, require_struct};
use crate::util::schema::take_field_value;
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `fields` key.
pub const FIELDS: &str = "fields";
/// The `replacement` key.
pub const REPLACEMENT: &str = "replacement";
const PURPOSE: &str = "mask fields";

/// Config keys of MaskField.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(non_empty_list(ConfigKey::new(
            FIELDS,
            ConfigType::List,
            None,
            Importance::High,
            "Top-level fields to mask.",
        )))
        .define(non_empty_string(ConfigKey::new(
            REPLACEMENT,
            ConfigType::String,
            Some(""),
            Importance::Low,
            "Text put in place of masked values, converted to the field's type (numbers and \
             strings only). Unset: each type's empty value (0, false, \"\", epoch, empty \
             list or map).",
        )))
        .define(replace_null_key())
}

/// A custom replacement, pre-parsed for each numeric type it may be converted to.
#[derive(Debug, Clone)]
struct Replacement {
    text: String,
    decimal: Option<Decimal>,
    long: Option<i64>,
    double: Option<f64>,
}

impl Replacement {
    fn new(text: String) -> Self {
        let decimal = Decimal::parse(&text).ok().filter(|_| {
            // BigDecimal takes no surrounding blanks.
            text.trim() == text
        });
        let long = decimal.map(truncate_to_long);
        let double = decimal.and_then(|_| text.parse::<f64>().ok());
        Replacement {
            text,
            decimal,
            long,
            double,
        }
    }

    fn number_error(&self) -> ConnectError {
        ConnectError::data(format!(
            "Unable to convert {} (class java.lang.String) to number",
            self.text
        ))
    }

    fn long(&self) -> ConnectResult<i64> {
        self.long.ok_or_else(|| self.number_error())
    }

    fn double(&self) -> ConnectResult<f64> {
        self.double.ok_or_else(|| self.number_error())
    }
}

/// `BigDecimal.longValue()`: the integer part, keeping the low 64 bits.
fn truncate_to_long(d: Decimal) -> i64 {
    let mut v = d.unscaled;
    let mut scale = d.scale;
    while scale > 0 && v != 0 {
        v /= 10;
        scale -= 1;
    }
    v as i64
}

/// Masks fields (`org.apache.kafka.connect.transforms.MaskField$Key|$Value`).
pub struct MaskField {
    target: Target,
    fields: Vec<String>,
    masker: Arc<Masker>,
    cache: SchemaCache<Arc<StructEdit>>,
}

/// What a masked value becomes (shared by the transform and its struct edits).
#[derive(Debug)]
struct Masker {
    replacement: Option<Replacement>,
    replace_null_with_default: bool,
}

/// The struct edit of one schema: which fields to mask.
struct MaskEdit {
    masker: Arc<Masker>,
    schema: SchemaRef,
    masked: Vec<bool>,
    any_default: bool,
}

impl MaskField {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(MaskField {
            target,
            fields: cfg.list(FIELDS)?,
            masker: Arc::new(Masker {
                replacement: cfg.opt_string(REPLACEMENT).map(Replacement::new),
                replace_null_with_default: cfg.replace_null_with_default()?,
            }),
            cache: SchemaCache::new(),
        })
    }

    fn apply_schemaless(&self, value: Value) -> ConnectResult<Value> {
        let mut entries = require_map(value, PURPOSE)?;
        for f in &self.fields {
            match entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(f.as_str()))
            {
                Some(slot) => {
                    let v = std::mem::take(&mut slot.1);
                    slot.1 = self.masker.masked(v, None)?;
                }
                None => entries.push((Value::String(f.clone()), Value::Null)),
            }
        }
        Ok(Value::Map(entries))
    }
}

impl Masker {
    fn masked(&self, value: Value, schema: Option<&Schema>) -> ConnectResult<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        // The common case first: a string under a schema without a (logical type) name.
        if matches!(value, Value::String(_)) && schema.is_none_or(|s| s.name.is_none()) {
            return Ok(Value::String(
                self.replacement
                    .as_ref()
                    .map_or_else(String::new, |r| r.text.clone()),
            ));
        }
        let logical = schema.and_then(Schema::logical);
        let is_date = matches!(
            logical,
            Some(LogicalType::Date | LogicalType::Time | LogicalType::Timestamp)
        );
        let is_decimal = matches!(value, Value::Decimal(_))
            || matches!(logical, Some(LogicalType::Decimal { .. }));
        match &self.replacement {
            None => Ok(match value {
                Value::Int32(_) if is_date => Value::Int32(0),
                Value::Int64(_) if is_date => Value::Int64(0),
                _ if is_decimal => Value::Decimal(Decimal::new(0, 0)),
                Value::Boolean(_) => Value::Boolean(false),
                Value::Int8(_) => Value::Int8(0),
                Value::Int16(_) => Value::Int16(0),
                Value::Int32(_) => Value::Int32(0),
                Value::Int64(_) => Value::Int64(0),
                Value::Float32(_) => Value::Float32(0.0),
                Value::Float64(_) => Value::Float64(0.0),
                Value::String(_) => Value::String(String::new()),
                Value::Array(_) => Value::Array(Vec::new()),
                Value::Map(_) => Value::Map(Vec::new()),
                other => {
                    return Err(ConnectError::data(format!(
                        "Cannot mask value of type: {}",
                        java_class_display(schema, &other)
                    )))
                }
            }),
            Some(r) => {
                if is_decimal {
                    return r
                        .decimal
                        .map(Value::Decimal)
                        .ok_or_else(|| r.number_error());
                }
                Ok(match value {
                    Value::Int8(_) if !is_date => Value::Int8(r.long()? as i8),
                    Value::Int16(_) if !is_date => Value::Int16(r.long()? as i16),
                    Value::Int32(_) if !is_date => Value::Int32(r.long()? as i32),
                    Value::Int64(_) if !is_date => Value::Int64(r.long()?),
                    Value::Float32(_) => Value::Float32(r.double()? as f32),
                    Value::Float64(_) => Value::Float64(r.double()?),
                    Value::String(_) => Value::String(r.text.clone()),
                    other => {
                        return Err(ConnectError::data(format!(
                            "Cannot mask value of type {} with custom replacement.",
                            java_class_display(schema, &other)
                        )))
                    }
                })
            }
        }
    }
}

impl ValuesEdit for MaskEdit {
    /// Masks the listed fields where they lie. A string under a plain string schema keeps
    /// its buffer and takes the replacement text (no allocation).
    fn edit(&self, values: &mut Vec<Value>, _meta: &RecordMeta<'_>) -> ConnectResult<()> {
        let m = &self.masker;
        let fill_defaults = m.replace_null_with_default && self.any_default;
        for (field, &mask) in self.schema.fields.iter().zip(self.masked.iter()) {
            let slot = &mut values[field.index];
            if mask {
                match slot {
                    Value::String(s) if field.schema.name.is_none() => {
                        s.clear();
                        if let Some(r) = &m.replacement {
                            s.push_str(&r.text);
                        }
                    }
                    _ => {
                        let v = take_field_value(values, field, m.replace_null_with_default);
                        values[field.index] = m.masked(v, Some(&field.schema))?;
                    }
                }
            } else if fill_defaults && slot.is_null() {
                if let Some(d) = &field.schema.default {
                    *slot = d.clone();
                }
            }
        }
        Ok(())
    }
}

impl Transformation for MaskField {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        Ok(self.apply_in_place(&mut record)?.then_some(record))
    }

    fn apply_in_place(&self, record: &mut ConnectRecord) -> ConnectResult<bool> {
        let (meta, schema, value) = self.target.part().split(record);
        if schema.is_none() {
            *value = self.apply_schemaless(std::mem::take(value))?;
            return Ok(true);
        }
        match value {
            Value::Struct(st) => {
                apply_cached(&self.cache, |s| self.build_edit(s), st, schema, &meta)?
            }
            other => {
                require_struct(std::mem::take(other), PURPOSE)?;
            }
        }
        Ok(true)
    }

    fn struct_edit_part(&self) -> Option<RecordPart> {
        Some(self.target.part())
    }

    fn struct_edit(&self, schema: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        self.cache
            .with(schema, || self.build_edit(schema), Arc::clone)
    }
}

impl MaskField {
    /// The struct edit for structs of `schema` (uncached).
    fn build_edit(&self, schema: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        let edit = MaskEdit {
            masker: self.masker.clone(),
            schema: schema.clone(),
            masked: schema
                .fields
                .iter()
                .map(|f| self.fields.contains(&f.name))
                .collect(),
            any_default: schema.fields.iter().any(|f| f.schema.default.is_some()),
        };
        Ok(Arc::new(StructEdit {
            output: None,
            values: Some(Box::new(edit)),
        }))
    }
}
