//! `ExtractField`: replaces the key or value with one of its fields — a top-level name with
//! `field.syntax.version=V1`, a dotted nested path with `V2`.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{replace_null_key, Cfg};
use crate::util::field_path::{FieldPath, FieldSyntaxVersion, FIELD_SYNTAX_VERSION};
use crate::util::requirements::java_class;
use crate::util::schema::take_field_value;
use crate::util::Target;

/// The `field` key.
pub const FIELD: &str = "field";
const PURPOSE: &str = "field extraction";

/// Config keys of ExtractField.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            FIELD,
            ConfigType::String,
            None,
            Importance::Medium,
            "Field to extract; with field.syntax.version=V2 a dotted path into nested data.",
        ))
        .define(FieldSyntaxVersion::config_key())
        .define(replace_null_key())
}

/// Pulls one field out (`org.apache.kafka.connect.transforms.ExtractField$Key|$Value`).
#[derive(Debug)]
pub struct ExtractField {
    target: Target,
    path: FieldPath,
    replace_null_with_default: bool,
}

impl ExtractField {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let version = FieldSyntaxVersion::parse(&cfg.string(FIELD_SYNTAX_VERSION)?)?;
        Ok(ExtractField {
            target,
            path: FieldPath::parse(&cfg.string(FIELD)?, version, FIELD)?,
            replace_null_with_default: cfg.replace_null_with_default()?,
        })
    }

    fn extract_from_map(&self, value: Value) -> ConnectResult<Value> {
        let mut cur = match value {
            Value::Null => return Ok(Value::Null),
            Value::Map(entries) => entries,
            other => {
                return Err(ConnectError::data(format!(
                    "Only Map objects supported in absence of schema for [{PURPOSE}], found: {}",
                    java_class(None, &other)
                )))
            }
        };
        let last = self.path.steps().len().saturating_sub(1);
        for (i, step) in self.path.steps().iter().enumerate() {
            let found = cur
                .into_iter()
                .find(|(k, _)| k.as_str() == Some(step.as_str()))
                .map(|(_, v)| v);
            match found {
                None => return Ok(Value::Null),
                Some(v) if i == last => return Ok(v),
                Some(Value::Map(inner)) => cur = inner,
                Some(Value::Null) => return Ok(Value::Null),
                Some(other) => {
                    return Err(ConnectError::data(format!(
                    "Only Map objects supported in absence of schema for [{PURPOSE}], found: {}",
                    java_class(None, &other)
                )))
                }
            }
        }
        Ok(Value::Null)
    }
}

impl Transformation for ExtractField {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let value = self.target.take_value(&mut record);
        let Some(schema) = self.target.schema(&record).cloned() else {
            let extracted = self.extract_from_map(value)?;
            self.target.set(&mut record, None, extracted);
            return Ok(Some(record));
        };
        let field_schema = self
            .path
            .field_in(&schema)
            .map(|f| f.schema.clone())
            .ok_or_else(|| {
                ConnectError::other(format!("Unknown field: {}", self.path.original()))
            })?;
        let mut cur = match value {
            Value::Null => {
                self.target
                    .set(&mut record, Some(field_schema), Value::Null);
                return Ok(Some(record));
            }
            Value::Struct(s) => s,
            other => {
                return Err(ConnectError::data(format!(
                    "Only Struct objects supported for [{PURPOSE}], found: {}",
                    java_class(None, &other)
                )))
            }
        };
        let last = self.path.steps().len().saturating_sub(1);
        let mut extracted = Value::Null;
        for (i, step) in self.path.steps().iter().enumerate() {
            let st_schema = cur.schema().clone();
            let Some(field) = st_schema.field(step) else {
                break;
            };
            let mut values = cur.into_values();
            let v = take_field_value(&mut values, field, self.replace_null_with_default);
            match v {
                v if i == last => {
                    extracted = v;
                    break;
                }
                Value::Struct(s) => cur = s,
                _ => break,
            }
        }
        self.target.set(&mut record, Some(field_schema), extracted);
        Ok(Some(record))
    }
}
