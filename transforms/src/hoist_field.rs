//! `HoistField`: wraps the whole key or value in a single-field struct (with a schema) or a
//! single-entry map (without).

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, Schema, SchemaType, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::Cfg;
use crate::util::schema::push_field;
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `field` key.
pub const FIELD: &str = "field";

/// Capacity of a hoisted struct's value vector (one field, plus room for appended ones).
const HOIST_CAPACITY: usize = 4;

/// Config keys of HoistField.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(ConfigKey::new(
        FIELD,
        ConfigType::String,
        None,
        Importance::Medium,
        "Name of the single field of the struct or map the data is wrapped in.",
    ))
}

/// Wraps data in a struct or map (`org.apache.kafka.connect.transforms.HoistField$Key|$Value`).
pub struct HoistField {
    target: Target,
    field: String,
    cache: SchemaCache<ferroconnect_runtime::data::SchemaRef>,
}

impl HoistField {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(HoistField {
            target,
            field: cfg.string(FIELD)?,
            cache: SchemaCache::new(),
        })
    }
}

impl Transformation for HoistField {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        Ok(self.apply_in_place(&mut record)?.then_some(record))
    }

    fn apply_in_place(&self, record: &mut ConnectRecord) -> ConnectResult<bool> {
        // The record's own schema `Arc` is moved out and replaced, never cloned.
        let (schema_slot, value_slot) = self.target.parts_mut(record);
        let value = std::mem::take(value_slot);
        match schema_slot.take() {
            None => {
                *value_slot = Value::Map(vec![(Value::String(self.field.clone()), value)]);
            }
            Some(schema) => {
                if value.is_null() && !schema.optional && schema.default.is_none() {
                    return Err(ConnectError::data(format!(
                        "Invalid value: null used for required field: \"{}\", schema type: {}",
                        self.field, schema.schema_type
                    )));
                }
                let build = || {
                    let mut s = Schema::new(SchemaType::Struct);
                    push_field(&mut s, self.field.clone(), schema.clone());
                    Ok(s.into_ref())
                };
                let updated = self.cache.with(&schema, build, |s| s.clone())?;
                // Room for a few more fields: InsertField and the like append to this
                // vector later in a chain, and then need not reallocate it.
                let mut values = Vec::with_capacity(HOIST_CAPACITY);
                values.push(value);
                *value_slot = Value::Struct(Struct::from_values(updated.clone(), values)?);
                *schema_slot = Some(updated);
            }
        }
        Ok(true)
    }
}
