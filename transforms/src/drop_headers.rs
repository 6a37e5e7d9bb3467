//! `DropHeaders`: removes every header whose key is listed, keeping the others in order.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::ConnectRecord;
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::ConnectResult;

use crate::util::config::{non_empty_list, Cfg};

/// The `headers` key.
pub const HEADERS: &str = "headers";

/// Config keys of DropHeaders.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(non_empty_list(ConfigKey::new(
        HEADERS,
        ConfigType::List,
        None,
        Importance::High,
        "Header keys to remove; every header with one of these keys is dropped.",
    )))
}

/// Removes headers by key (`org.apache.kafka.connect.transforms.DropHeaders`).
#[derive(Debug)]
pub struct DropHeaders {
    headers: Vec<String>,
}

impl DropHeaders {
    /// Configures the transform from its own config.
    pub fn new(config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        Ok(DropHeaders {
            headers: cfg.list(HEADERS)?,
        })
    }
}

impl Transformation for DropHeaders {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        record.headers.0.retain(|h| !self.headers.contains(&h.key));
        Ok(Some(record))
    }
}
