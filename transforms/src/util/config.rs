//! Reading a transform's own config against its [`ConfigDef`]: validation first (so errors
//! name the key exactly as `/validate` does), then typed reads.

use ferroconnect_runtime::config::{
    parse_list, ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance,
};
use ferroconnect_runtime::{ConnectError, ConnectResult};

/// The `replace.null.with.default` key.
pub const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

/// `ConfigException(name, value, reason)`: `Invalid value <v> for configuration <k>: <reason>`.
pub fn invalid(key: &str, value: &str, reason: impl std::fmt::Display) -> ConnectError {
    ConnectError::config(format!(
        "Invalid value {value} for configuration {key}: {reason}"
    ))
}

/// A LIST key that must hold at least one entry (`NonEmptyListValidator`).
pub fn non_empty_list(key: ConfigKey) -> ConfigKey {
    key.validate_with(|_, v| {
        if parse_list(v).is_empty() {
            Err("Empty list".to_string())
        } else {
            Ok(())
        }
    })
}

/// A STRING key that must not be empty when set (`NonEmptyString`).
pub fn non_empty_string(key: ConfigKey) -> ConfigKey {
    key.validate_with(|_, v| {
        if v.is_empty() {
            Err("String must be non-empty".to_string())
        } else {
            Ok(())
        }
    })
}

/// The `replace.null.with.default` key definition.
pub fn replace_null_key() -> ConfigKey {
    ConfigKey::new(
        REPLACE_NULL_WITH_DEFAULT,
        ConfigType::Boolean,
        Some("true"),
        Importance::Medium,
        "When a struct field is null, read its schema default instead (true), or keep the null (false).",
    )
}

/// A validated view of a transform's config.
pub struct Cfg<'a> {
    def: &'a ConfigDef,
    map: &'a ConfigMap,
}

impl<'a> Cfg<'a> {
    /// Validates `map` against `def`; the first error is a config error naming its key.
    pub fn parse(def: &'a ConfigDef, map: &'a ConfigMap) -> ConnectResult<Self> {
        def.check(map).map_err(ConnectError::config)?;
        Ok(Cfg { def, map })
    }

    /// True when the user set the key (keys whose Kafka default is null use this).
    pub fn is_set(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The raw value or default.
    pub fn string(&self, key: &str) -> ConnectResult<String> {
        match self.map.get(key) {
            Some(v) => Ok(v.clone()),
            None => self
                .def
                .key(key)
                .and_then(|k| k.default.clone())
                .ok_or_else(|| {
                    ConnectError::config(format!(
                        "Missing required configuration \"{key}\" which has no default value."
                    ))
                }),
        }
    }

    /// The value when the user set it; `None` stands for Kafka's null default.
    pub fn opt_string(&self, key: &str) -> Option<String> {
        self.map.get(key).cloned()
    }

    /// A LIST value: comma-separated, trimmed, empties dropped.
    pub fn list(&self, key: &str) -> ConnectResult<Vec<String>> {
        Ok(parse_list(&self.string(key)?))
    }

    /// A BOOLEAN value.
    pub fn boolean(&self, key: &str) -> ConnectResult<bool> {
        let raw = self.string(key)?;
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(invalid(
                key,
                &raw,
                "Expected value to be either true or false",
            )),
        }
    }

    /// An INT value the user may leave unset (null default).
    pub fn opt_int(&self, key: &str) -> ConnectResult<Option<i32>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(raw) if raw.trim().is_empty() => Ok(None),
            Some(raw) => raw
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid(key, raw, "Not a number of type INT")),
        }
    }

    /// `replace.null.with.default` (default true).
    pub fn replace_null_with_default(&self) -> ConnectResult<bool> {
        self.boolean(REPLACE_NULL_WITH_DEFAULT)
    }
}
