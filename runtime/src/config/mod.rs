//! Configuration: config maps, definitions and validation, Java `.properties` files.

pub mod def;
pub mod framework;
pub mod properties;
pub mod providers;
pub mod topic_creation;
pub mod worker;

pub use def::{
    parse_list, ConfigDef, ConfigKey, ConfigReader, ConfigType, ConfigValue, Importance, Validator,
    Width,
};
pub use providers::ConfigProviders;
pub use worker::{AutoRestart, Listener, OverridePolicy, WorkerConfig};

/// A connector or task config: string keys to string values, in insertion order.
pub type ConfigMap = indexmap::IndexMap<String, String>;
