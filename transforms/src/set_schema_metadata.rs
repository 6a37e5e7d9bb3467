//! `SetSchemaMetadata`: sets the name and/or version of the key or value schema; struct
//! values are re-pointed at the renamed schema.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, SchemaRef, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{replace_null_key, Cfg};
use crate::util::requirements::schema_required;
use crate::util::schema::take_field_value;
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `schema.name` key.
pub const SCHEMA_NAME: &str = "schema.name";
/// The `schema.version` key.
pub const SCHEMA_VERSION: &str = "schema.version";

/// Config keys of SetSchemaMetadata.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            SCHEMA_NAME,
            ConfigType::String,
            Some(""),
            Importance::High,
            "Schema name to set; unset keeps the current name.",
        ))
        .define(ConfigKey::new(
            SCHEMA_VERSION,
            ConfigType::Int,
            Some(""),
            Importance::High,
            "Schema version to set; unset keeps the current version.",
        ))
        .define(replace_null_key())
}

/// Renames schemas (`org.apache.kafka.connect.transforms.SetSchemaMetadata$Key|$Value`).
pub struct SetSchemaMetadata {
    target: Target,
    name: Option<String>,
    version: Option<i32>,
    replace_null_with_default: bool,
    cache: SchemaCache<SchemaRef>,
}

impl SetSchemaMetadata {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let name = cfg.opt_string(SCHEMA_NAME).filter(|s| !s.is_empty());
        let version = cfg.opt_int(SCHEMA_VERSION)?;
        if name.is_none() && version.is_none() {
            return Err(ConnectError::config(
                "Neither schema name nor version configured",
            ));
        }
        Ok(SetSchemaMetadata {
            target,
            name,
            version,
            replace_null_with_default: cfg.replace_null_with_default()?,
            cache: SchemaCache::new(),
        })
    }
}

impl Transformation for SetSchemaMetadata {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let Some(schema) = self.target.schema(&record).cloned() else {
            if self.target.value(&record).is_null() {
                return Ok(Some(record));
            }
            return Err(schema_required("updating schema metadata"));
        };
        let updated = self.cache.get_or_try_insert(&schema, || {
            let mut s = (*schema).clone();
            if let Some(n) = &self.name {
                s.name = Some(n.clone());
            }
            if let Some(v) = self.version {
                s.version = Some(v);
            }
            Ok(s.into_ref())
        })?;
        let value = self.target.take_value(&mut record);
        let value = match value {
            Value::Struct(st) => {
                let mut values = st.into_values();
                if self.replace_null_with_default {
                    for f in &updated.fields {
                        let v = take_field_value(&mut values, f, true);
                        values[f.index] = v;
                    }
                }
                Value::Struct(Struct::from_values(updated.clone(), values)?)
            }
            other => other,
        };
        self.target.set(&mut record, Some(updated), value);
        Ok(Some(record))
    }
}
