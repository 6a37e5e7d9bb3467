//! `Flatten`: flattens nested structs (with a schema) or nested maps (without) into one level,
//! joining names with a delimiter. Arrays are kept as they are; maps inside schema'd records
//! are rejected.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, Schema, SchemaRef, SchemaType, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::Cfg;
use crate::util::requirements::{java_class_display, require_map, require_struct};
use crate::util::schema::{push_field, struct_like};
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `delimiter` key.
pub const DELIMITER: &str = "delimiter";
const PURPOSE: &str = "flattening";

/// Config keys of Flatten.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(ConfigKey::new(
        DELIMITER,
        ConfigType::String,
        Some("."),
        Importance::Medium,
        "Text put between a parent's name and a child's name in flattened field names.",
    ))
}

/// Flattens nested data (`org.apache.kafka.connect.transforms.Flatten$Key|$Value`).
pub struct Flatten {
    target: Target,
    delimiter: String,
    cache: SchemaCache<SchemaRef>,
}

impl Flatten {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(Flatten {
            target,
            delimiter: cfg.string(DELIMITER)?,
            cache: SchemaCache::new(),
        })
    }

    fn name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            let mut s = String::with_capacity(prefix.len() + self.delimiter.len() + name.len());
            s.push_str(prefix);
            s.push_str(&self.delimiter);
            s.push_str(name);
            s
        }
    }

    fn flatten_map(
        &self,
        entries: Vec<(Value, Value)>,
        prefix: &str,
        out: &mut Vec<(Value, Value)>,
    ) -> ConnectResult<()> {
        for (k, v) in entries {
            let key = match k {
                Value::String(s) => s,
                other => {
                    return Err(ConnectError::data(format!(
                        "Flatten transformation requires string map keys, found: {}",
                        java_class_display(None, &other)
                    )))
                }
            };
            let name = if prefix.is_empty() {
                key
            } else {
                self.name(prefix, &key)
            };
            match v {
                Value::Map(inner) => self.flatten_map(inner, &name, out)?,
                Value::Struct(_) => {
                    return Err(ConnectError::data(format!(
                        "Flatten transformation does not support {} for record without schemas (for field {name}).",
                        java_class_display(None, &v)
                    )))
                }
                other => out.push((Value::String(name), other)),
            }
        }
        Ok(())
    }

    fn build_schema(
        &self,
        schema: &Schema,
        prefix: &str,
        out: &mut Schema,
        optional: bool,
        parent_default: Option<&Struct>,
    ) -> ConnectResult<()> {
        for field in &schema.fields {
            let name = self.name(prefix, &field.name);
            let field_optional = optional || field.schema.optional;
            let default = match &field.schema.default {
                Some(d) => Some(d.clone()),
                None => {
                    parent_default.map(|p| crate::util::schema::field_value(p, field, true).clone())
                }
            }
            .filter(|d| !d.is_null());
            match field.schema.schema_type {
                SchemaType::Struct => {
                    let nested_default = match &default {
                        Some(Value::Struct(s)) => Some(s),
                        _ => None,
                    };
                    self.build_schema(&field.schema, &name, out, field_optional, nested_default)?;
                }
                SchemaType::Map => {
                    return Err(ConnectError::data(format!(
                        "Flatten transformation does not support MAP for record with schemas (for field {name})."
                    )))
                }
                _ => {
                    let mut s = (*field.schema).clone();
                    s.optional = field_optional;
                    s.default = default;
                    push_field(out, name, s.into_ref());
                }
            }
        }
        Ok(())
    }

    fn flatten_struct(st: Struct, out: &mut Vec<Value>) {
        let schema = st.schema().clone();
        for (field, v) in schema.fields.iter().zip(st.into_values()) {
            let v = match v {
                Value::Null => field.schema.default.clone().unwrap_or(Value::Null),
                v => v,
            };
            match (field.schema.schema_type, v) {
                (SchemaType::Struct, Value::Struct(inner)) => Self::flatten_struct(inner, out),
                (SchemaType::Struct, _) => push_nulls(&field.schema, out),
                (_, v) => out.push(v),
            }
        }
    }
}

fn push_nulls(schema: &Schema, out: &mut Vec<Value>) {
    for f in &schema.fields {
        if f.schema.schema_type == SchemaType::Struct {
            push_nulls(&f.schema, out);
        } else {
            out.push(Value::Null);
        }
    }
}

impl Transformation for Flatten {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let Some(schema) = self.target.schema(&record).cloned() else {
            if self.target.value(&record).is_null() {
                return Ok(Some(record));
            }
            let entries = require_map(self.target.take_value(&mut record), PURPOSE)?;
            let mut out = Vec::with_capacity(entries.len());
            self.flatten_map(entries, "", &mut out)?;
            self.target.set(&mut record, None, Value::Map(out));
            return Ok(Some(record));
        };
        let updated = self.cache.get_or_try_insert(&schema, || {
            let mut s = struct_like(&schema);
            s.optional = schema.optional;
            let default = match &schema.default {
                Some(Value::Struct(d)) => Some(d),
                _ => None,
            };
            self.build_schema(&schema, "", &mut s, schema.optional, default)?;
            Ok(s.into_ref())
        })?;
        let value = self.target.take_value(&mut record);
        if value.is_null() {
            self.target.set(&mut record, Some(updated), Value::Null);
            return Ok(Some(record));
        }
        let st = require_struct(value, PURPOSE)?;
        let mut out = Vec::with_capacity(updated.fields.len());
        Self::flatten_struct(st, &mut out);
        let st = Struct::from_values(updated.clone(), out)?;
        self.target
            .set(&mut record, Some(updated), Value::Struct(st));
        Ok(Some(record))
    }
}
