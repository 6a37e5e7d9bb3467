//! Config definitions (`ConfigDef`): typed keys with defaults, validators and documentation.
//! They drive `/validate`, `/connector-plugins/{p}/config` and typed reads of a config map.

use std::sync::Arc;

use serde::Serialize;

use super::ConfigMap;

/// Value type of a config key (`ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConfigType {
    /// true/false.
    Boolean,
    /// Any string.
    String,
    /// 32-bit integer.
    Int,
    /// 16-bit integer.
    Short,
    /// 64-bit integer.
    Long,
    /// Floating point.
    Double,
    /// Comma-separated list.
    List,
    /// A class (plugin) name.
    Class,
    /// A secret: shown as `[hidden]`.
    Password,
}

/// How important a key is (`ConfigDef.Importance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Importance {
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

/// Display width hint (`ConfigDef.Width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Width {
    /// None.
    None,
    /// Short.
    Short,
    /// Medium.
    Medium,
    /// Long.
    Long,
}

/// Checks one parsed value; returns the reason it is invalid.
pub type Validator = Arc<dyn Fn(&str, &str) -> Result<(), String> + Send + Sync>;

/// One config key's definition (`ConfigDef.ConfigKey`).
#[derive(Clone)]
pub struct ConfigKey {
    /// Key name.
    pub name: String,
    /// Value type.
    pub config_type: ConfigType,
    /// Default as a string; `None` means required.
    pub default: Option<String>,
    /// Importance.
    pub importance: Importance,
    /// Documentation.
    pub documentation: String,
    /// Group (e.g. `Common`).
    pub group: Option<String>,
    /// Order within the group (-1 if none).
    pub order_in_group: i32,
    /// Width hint.
    pub width: Width,
    /// Display name.
    pub display_name: String,
    /// Dependent keys.
    pub dependents: Vec<String>,
    /// Allowed values, listed in `recommended_values`.
    pub recommended: Vec<String>,
    /// Extra validation.
    pub validator: Option<Validator>,
}

impl std::fmt::Debug for ConfigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigKey")
            .field("name", &self.name)
            .field("type", &self.config_type)
            .field("default", &self.default)
            .finish()
    }
}

impl ConfigKey {
    /// A key with the given name, type, default (None = required), importance and doc.
    pub fn new(
        name: impl Into<String>,
        config_type: ConfigType,
        default: Option<&str>,
        importance: Importance,
        documentation: impl Into<String>,
    ) -> Self {
        let name = name.into();
        ConfigKey {
            display_name: name.clone(),
            name,
            config_type,
            default: default.map(str::to_string),
            importance,
            documentation: documentation.into(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            dependents: Vec::new(),
            recommended: Vec::new(),
            validator: None,
        }
    }
    /// Sets group, order and width.
    pub fn group(mut self, group: impl Into<String>, order: i32, width: Width) -> Self {
        self.group = Some(group.into());
        self.order_in_group = order;
        self.width = width;
        self
    }
    /// Sets the display name.
    pub fn display(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }
    /// Restricts values to one of these (case-insensitive), listed as recommended values.
    pub fn one_of(mut self, values: &[&str]) -> Self {
        let allowed: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        self.recommended = allowed.clone();
        let shown = format!("[{}]", allowed.join(", "));
        self.validator = Some(Arc::new(move |_k, v| {
            if allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
                Ok(())
            } else {
                Err(format!(
                    "String must be one of (case insensitive): {}",
                    shown.trim_matches(['[', ']'])
                ))
            }
        }));
        self
    }
    /// Requires a number ≥ min.
    pub fn at_least(mut self, min: i64) -> Self {
        self.validator = Some(Arc::new(move |_k, v| match v.trim().parse::<f64>() {
            Ok(n) if n >= min as f64 => Ok(()),
            _ => Err(format!("Value must be at least {min}")),
        }));
        self
    }
    /// Adds a custom validator.
    pub fn validate_with(
        mut self,
        f: impl Fn(&str, &str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.validator = Some(Arc::new(f));
        self
    }

    /// Parses and validates a raw value; the error is the JVM-style reason text.
    pub fn check(&self, raw: &str) -> Result<(), String> {
        let v = raw.trim();
        let type_ok = match self.config_type {
            ConfigType::Boolean => {
                v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")
            }
            ConfigType::Int => v.parse::<i32>().is_ok(),
            ConfigType::Short => v.parse::<i16>().is_ok(),
            ConfigType::Long => v.parse::<i64>().is_ok(),
            ConfigType::Double => v.parse::<f64>().is_ok(),
            _ => true,
        };
        if !type_ok {
            let expected = match self.config_type {
                ConfigType::Boolean => "Expected value to be either true or false",
                ConfigType::Int => "Not a number of type INT",
                ConfigType::Short => "Not a number of type SHORT",
                ConfigType::Long => "Not a number of type LONG",
                _ => "Not a number of type DOUBLE",
            };
            return Err(format!(
                "Invalid value {raw} for configuration {}: {expected}",
                self.name
            ));
        }
        if let Some(val) = &self.validator {
            val(&self.name, v).map_err(|reason| {
                format!(
                    "Invalid value {raw} for configuration {}: {reason}",
                    self.name
                )
            })?;
        }
        Ok(())
    }
}

/// The outcome of validating one key (`ConfigValue`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigValue {
    /// Key name.
    pub name: String,
    /// The value, as a string (`[hidden]` for passwords); null if unset without default.
    pub value: Option<String>,
    /// Recommended values.
    pub recommended_values: Vec<String>,
    /// Errors found.
    pub errors: Vec<String>,
    /// Whether the key is visible.
    pub visible: bool,
}

/// A set of config key definitions (`ConfigDef`).
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

impl ConfigDef {
    /// An empty definition.
    pub fn new() -> Self {
        ConfigDef { keys: Vec::new() }
    }
    /// Adds a key (replacing one of the same name).
    pub fn define(mut self, key: ConfigKey) -> Self {
        self.add(key);
        self
    }
    /// Adds a key in place (replacing one of the same name).
    pub fn add(&mut self, key: ConfigKey) {
        if let Some(existing) = self.keys.iter_mut().find(|k| k.name == key.name) {
            *existing = key;
        } else {
            self.keys.push(key);
        }
    }
    /// Merges another definition in; its keys win on duplicates.
    pub fn merge(mut self, other: &ConfigDef) -> Self {
        for k in &other.keys {
            self.add(k.clone());
        }
        self
    }
    /// The keys in definition order.
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }
    /// Looks up a key.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }
    /// Groups in first-seen order.
    pub fn groups(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for k in &self.keys {
            if let Some(g) = &k.group {
                if !out.contains(g) {
                    out.push(g.clone());
                }
            }
        }
        out
    }

    /// Validates a config map against every defined key (`ConfigDef.validate`).
    pub fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        self.keys
            .iter()
            .map(|k| {
                let raw = config.get(&k.name).cloned().or_else(|| k.default.clone());
                let mut errors = Vec::new();
                match &raw {
                    None => errors.push(format!(
                        "Missing required configuration \"{}\" which has no default value.",
                        k.name
                    )),
                    Some(v) => {
                        if config.contains_key(&k.name) || !v.is_empty() {
                            if let Err(e) = k.check(v) {
                                errors.push(e);
                            }
                        }
                    }
                }
                let shown = match (k.config_type, raw) {
                    (ConfigType::Password, Some(_)) => Some("[hidden]".to_string()),
                    (_, r) => r,
                };
                ConfigValue {
                    name: k.name.clone(),
                    value: shown,
                    recommended_values: k.recommended.clone(),
                    errors,
                    visible: true,
                }
            })
            .collect()
    }

    /// Validates and returns the first error as a single message, or Ok.
    pub fn check(&self, config: &ConfigMap) -> Result<(), String> {
        for v in self.validate(config) {
            if let Some(e) = v.errors.into_iter().next() {
                return Err(e);
            }
        }
        Ok(())
    }
}

/// Typed reads of a config map with defaults from a [`ConfigDef`]; errors name the key.
pub struct ConfigReader<'a> {
    def: &'a ConfigDef,
    map: &'a ConfigMap,
}

impl<'a> ConfigReader<'a> {
    /// Reads `map` using the defaults of `def`.
    pub fn new(def: &'a ConfigDef, map: &'a ConfigMap) -> Self {
        ConfigReader { def, map }
    }
    /// The raw string (value or default), or an error naming the missing key.
    pub fn string(&self, name: &str) -> Result<String, String> {
        match self.map.get(name) {
            Some(v) => Ok(v.clone()),
            None => self
                .def
                .key(name)
                .and_then(|k| k.default.clone())
                .ok_or_else(|| {
                    format!("Missing required configuration \"{name}\" which has no default value.")
                }),
        }
    }
    /// The value or default, if any.
    pub fn opt_string(&self, name: &str) -> Option<String> {
        self.map
            .get(name)
            .cloned()
            .or_else(|| self.def.key(name).and_then(|k| k.default.clone()))
    }
    /// An integer value.
    pub fn long(&self, name: &str) -> Result<i64, String> {
        let raw = self.string(name)?;
        raw.trim().parse().map_err(|_| {
            format!("Invalid value {raw} for configuration {name}: Not a number of type LONG")
        })
    }
    /// A boolean value.
    pub fn boolean(&self, name: &str) -> Result<bool, String> {
        let raw = self.string(name)?;
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!(
                "Invalid value {raw} for configuration {name}: Expected value to be either true or false"
            )),
        }
    }
    /// A comma-separated list, trimmed, empty items dropped.
    pub fn list(&self, name: &str) -> Result<Vec<String>, String> {
        Ok(parse_list(&self.string(name)?))
    }
}

/// Splits a Kafka LIST value: comma-separated, trimmed, empty entries dropped.
pub fn parse_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
