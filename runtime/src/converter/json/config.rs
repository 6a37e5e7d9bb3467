//! `JsonConverterConfig`: the settings of [`super::JsonConverter`] and their `ConfigDef`.

use crate::config::{ConfigDef, ConfigKey, ConfigMap, ConfigReader, ConfigType, Importance, Width};
use crate::error::{ConnectError, ConnectResult};

/// `schemas.enable`.
pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
/// `schemas.cache.size`.
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
/// `decimal.format`.
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
/// `replace.null.with.default`.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

/// How Decimal values are written (`decimal.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 of the unscaled big-endian two's-complement bytes (the default).
    #[default]
    Base64,
    /// A JSON number.
    Numeric,
}

/// Parsed JsonConverter settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonConverterConfig {
    /// Wrap data in a `{"schema":…,"payload":…}` envelope and expect one when reading.
    pub schemas_enable: bool,
    /// Maximum number of parsed schemas kept for reuse.
    pub schemas_cache_size: usize,
    /// Decimal wire format when writing.
    pub decimal_format: DecimalFormat,
    /// Write (and read) a schema's default in place of a null value.
    pub replace_null_with_default: bool,
}

impl Default for JsonConverterConfig {
    fn default() -> Self {
        JsonConverterConfig {
            schemas_enable: true,
            schemas_cache_size: 1000,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
        }
    }
}

impl JsonConverterConfig {
    /// The settings JsonConverter accepts, with their defaults.
    pub fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new(
                    SCHEMAS_ENABLE_CONFIG,
                    ConfigType::Boolean,
                    Some("true"),
                    Importance::High,
                    "Whether records carry their schema: when true, each message is an envelope \
                     object with a \"schema\" and a \"payload\" field.",
                )
                .group("Schemas", 0, Width::Medium)
                .display("Enable Schemas"),
            )
            .define(
                ConfigKey::new(
                    SCHEMAS_CACHE_SIZE_CONFIG,
                    ConfigType::Int,
                    Some("1000"),
                    Importance::High,
                    "How many distinct schemas the converter keeps parsed for reuse.",
                )
                .group("Schemas", 1, Width::Medium)
                .display("Schema Cache Size"),
            )
            .define(
                ConfigKey::new(
                    DECIMAL_FORMAT_CONFIG,
                    ConfigType::String,
                    Some("BASE64"),
                    Importance::Low,
                    "How Decimal values are written: BASE64 (the unscaled bytes, Base64-encoded) \
                     or NUMERIC (a JSON number). Either form is accepted when reading.",
                )
                .one_of(&["BASE64", "NUMERIC"])
                .group("Serialization", 0, Width::Medium)
                .display("Decimal Format"),
            )
            .define(
                ConfigKey::new(
                    REPLACE_NULL_WITH_DEFAULT_CONFIG,
                    ConfigType::Boolean,
                    Some("true"),
                    Importance::Low,
                    "Whether a null value is replaced by its schema's default value, when the \
                     schema has one.",
                )
                .group("Serialization", 1, Width::Medium)
                .display("Replace null with default"),
            )
    }

    /// Parses settings (keys without the `value.converter.` prefix); errors name the key.
    pub fn from_settings(settings: &ConfigMap) -> ConnectResult<Self> {
        let def = Self::config_def();
        def.check(settings).map_err(ConnectError::config)?;
        let reader = ConfigReader::new(&def, settings);
        let cache = reader
            .long(SCHEMAS_CACHE_SIZE_CONFIG)
            .map_err(ConnectError::config)?;
        let decimal = reader
            .string(DECIMAL_FORMAT_CONFIG)
            .map_err(ConnectError::config)?;
        Ok(JsonConverterConfig {
            schemas_enable: reader
                .boolean(SCHEMAS_ENABLE_CONFIG)
                .map_err(ConnectError::config)?,
            schemas_cache_size: cache.max(0) as usize,
            decimal_format: if decimal.trim().eq_ignore_ascii_case("NUMERIC") {
                DecimalFormat::Numeric
            } else {
                DecimalFormat::Base64
            },
            replace_null_with_default: reader
                .boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG)
                .map_err(ConnectError::config)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults() {
        let c = JsonConverterConfig::from_settings(&ConfigMap::new()).unwrap();
        assert_eq!(c, JsonConverterConfig::default());
    }

    #[test]
    fn parses_every_key_case_insensitively() {
        let c = JsonConverterConfig::from_settings(&map(&[
            ("schemas.enable", "FALSE"),
            ("decimal.format", "numeric"),
            ("replace.null.with.default", "false"),
            ("schemas.cache.size", "5"),
        ]))
        .unwrap();
        assert!(!c.schemas_enable);
        assert_eq!(c.decimal_format, DecimalFormat::Numeric);
        assert!(!c.replace_null_with_default);
        assert_eq!(c.schemas_cache_size, 5);
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = JsonConverterConfig::from_settings(&map(&[("decimal.format", "HEX")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "Invalid value HEX for configuration decimal.format: String must be one of (case insensitive): BASE64, NUMERIC"
        );
        let e = JsonConverterConfig::from_settings(&map(&[("schemas.enable", "yes")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("schemas.enable"), "{e}");
    }
}
