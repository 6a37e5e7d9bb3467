//! `ValueToKey`: replaces the key with a struct (or map) of some value fields.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, Schema, SchemaRef, SchemaType, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{non_empty_list, replace_null_key, Cfg};
use crate::util::requirements::{map_get, require_map_ref, require_struct_ref};
use crate::util::schema::{field_value, push_field};
use ferroconnect_runtime::data::SchemaCache;

/// The `fields` key.
pub const FIELDS: &str = "fields";
const PURPOSE: &str = "copying fields from value to key";

/// Config keys of ValueToKey.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(non_empty_list(ConfigKey::new(
            FIELDS,
            ConfigType::List,
            None,
            Importance::High,
            "Value fields copied, in this order, into the new key.",
        )))
        .define(replace_null_key())
}

/// Builds the key from value fields (`org.apache.kafka.connect.transforms.ValueToKey`).
pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
    cache: SchemaCache<(SchemaRef, std::sync::Arc<[usize]>)>,
}

impl ValueToKey {
    /// Configures the transform from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(ValueToKey {
            fields: cfg.list(FIELDS)?,
            replace_null_with_default: cfg.replace_null_with_default()?,
            cache: SchemaCache::new(),
        })
    }
}

impl Transformation for ValueToKey {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        match record.value_schema.clone() {
            None => {
                let entries = require_map_ref(&record.value, PURPOSE)?;
                let key: Vec<(Value, Value)> = self
                    .fields
                    .iter()
                    .map(|f| {
                        let v = map_get(entries, f).cloned().unwrap_or(Value::Null);
                        (Value::String(f.clone()), v)
                    })
                    .collect();
                record.key_schema = None;
                record.key = Value::Map(key);
            }
            Some(schema) => {
                let st = require_struct_ref(&record.value, PURPOSE)?;
                let (key_schema, indexes) = self.cache.get_or_try_insert(&schema, || {
                    let mut ks = Schema::new(SchemaType::Struct);
                    let mut idx = Vec::with_capacity(self.fields.len());
                    for f in &self.fields {
                        let field = schema.field(f).ok_or_else(|| {
                            ConnectError::data(format!("Field does not exist: {f}"))
                        })?;
                        push_field(&mut ks, f.clone(), field.schema.clone());
                        idx.push(field.index);
                    }
                    Ok((ks.into_ref(), idx.into()))
                })?;
                let values = indexes
                    .iter()
                    .map(|&i| {
                        field_value(st, &schema.fields[i], self.replace_null_with_default).clone()
                    })
                    .collect();
                let key = Struct::from_values(key_schema.clone(), values)?;
                record.key_schema = Some(key_schema);
                record.key = Value::Struct(key);
            }
        }
        Ok(Some(record))
    }
}
