//! `Filter`: drops every record it sees; gate it with a predicate to drop some.

use ferroconnect_runtime::config::{ConfigDef, ConfigMap};
use ferroconnect_runtime::data::ConnectRecord;
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::ConnectResult;

/// Drops records (`org.apache.kafka.connect.transforms.Filter`).
#[derive(Debug, Default)]
pub struct Filter;

/// Filter has no config keys.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
}

impl Filter {
    /// Configures the transform (there is nothing to configure).
    pub fn new(_config: &ConfigMap) -> ConnectResult<Self> {
        Ok(Filter)
    }
}

impl Transformation for Filter {
    fn apply(&self, _record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        Ok(None)
    }
}
