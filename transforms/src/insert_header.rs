//! `InsertHeader`: appends a header whose schema and value are inferred from a literal with
//! Connect's `Values` syntax (`1` → int8, `true` → boolean, `[1,2]` → array, else string).

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::converter::values::parse_string;
use ferroconnect_runtime::data::{ConnectRecord, SchemaRef, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::ConnectResult;

use crate::util::config::Cfg;

/// The `header` key.
pub const HEADER: &str = "header";
/// The `value.literal` key.
pub const VALUE_LITERAL: &str = "value.literal";

/// Config keys of InsertHeader.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            HEADER,
            ConfigType::String,
            None,
            Importance::High,
            "Key of the header to add.",
        ))
        .define(ConfigKey::new(
            VALUE_LITERAL,
            ConfigType::String,
            None,
            Importance::High,
            "Header value, written in Connect's Values syntax; its schema is inferred from it.",
        ))
}

/// Adds a fixed header (`org.apache.kafka.connect.transforms.InsertHeader`).
#[derive(Debug)]
pub struct InsertHeader {
    header: String,
    schema: Option<SchemaRef>,
    value: Value,
}

impl InsertHeader {
    /// Configures the transform from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let header = cfg.string(HEADER)?;
        let (schema, value) = parse_string(&cfg.string(VALUE_LITERAL)?);
        Ok(InsertHeader {
            header,
            schema,
            value,
        })
    }
}

impl Transformation for InsertHeader {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        record
            .headers
            .add(self.header.clone(), self.schema.clone(), self.value.clone());
        Ok(Some(record))
    }
}
