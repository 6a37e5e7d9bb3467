//! Configuration: config maps, definitions and validation, Java `.properties` files.

pub mod def;

pub use def::{
    parse_list, ConfigDef, ConfigKey, ConfigReader, ConfigType, ConfigValue, Importance, Validator,
    Width,
};

/// A connector or task config: string keys to string values, in insertion order.
pub type ConfigMap = indexmap::IndexMap<String, String>;
