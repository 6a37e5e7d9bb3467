//! Connector config validation with the JVM's `ConfigInfos` shape
//! (`AbstractHerder.validateConnectorConfig`): framework keys (with per-alias transform and
//! predicate groups), the connector's own keys (which win on duplicate names), sink topic
//! rules, transform/predicate plugin checks and `*.override.*` client keys.

use std::collections::HashSet;

use crate::config::framework::{self, *};
use crate::config::{
    parse_list, providers, topic_creation, ConfigDef, ConfigKey, ConfigMap, ConfigType,
    ConfigValue, Importance, Width, WorkerConfig,
};
use crate::connector::ConnectorType;
use crate::herder::{ConfigInfo, ConfigInfos, ConfigKeyInfo, HerderError, HerderResult};
use crate::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};
use crate::transform::sub_config;

/// Client-override prefixes and the client each configures.
pub const OVERRIDE_PREFIXES: [&str; 3] = [
    "producer.override.",
    "consumer.override.",
    "admin.override.",
];

/// The `ConfigDef` type name (`BOOLEAN`, `STRING`, ...).
pub fn type_name(t: ConfigType) -> &'static str {
    match t {
        ConfigType::Boolean => "BOOLEAN",
        ConfigType::String => "STRING",
        ConfigType::Int => "INT",
        ConfigType::Short => "SHORT",
        ConfigType::Long => "LONG",
        ConfigType::Double => "DOUBLE",
        ConfigType::List => "LIST",
        ConfigType::Class => "CLASS",
        ConfigType::Password => "PASSWORD",
    }
}

fn importance_name(i: Importance) -> &'static str {
    match i {
        Importance::High => "HIGH",
        Importance::Medium => "MEDIUM",
        Importance::Low => "LOW",
    }
}

fn width_name(w: Width) -> &'static str {
    match w {
        Width::None => "NONE",
        Width::Short => "SHORT",
        Width::Medium => "MEDIUM",
        Width::Long => "LONG",
    }
}

/// Canonical string form of a value of a type (`ConfigDef.convertToString` after parsing):
/// lists re-joined with `,`, integers and booleans normalised; anything unparsable as is.
fn canonical(t: ConfigType, raw: &str) -> String {
    let v = raw.trim();
    match t {
        ConfigType::List => parse_list(raw).join(","),
        ConfigType::Int | ConfigType::Short | ConfigType::Long => v
            .parse::<i64>()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| raw.to_string()),
        ConfigType::Boolean if v.eq_ignore_ascii_case("true") => "true".into(),
        ConfigType::Boolean if v.eq_ignore_ascii_case("false") => "false".into(),
        ConfigType::Class | ConfigType::String => v.to_string(),
        _ => raw.to_string(),
    }
}

/// `ConfigKeyInfo` for a key (`/connector-plugins/{p}/config`, `definition` in `ConfigInfos`).
pub fn key_info(key: &ConfigKey) -> ConfigKeyInfo {
    let nullable = framework::is_nullable(&key.name);
    ConfigKeyInfo {
        name: key.name.clone(),
        config_type: type_name(key.config_type).to_string(),
        required: key.default.is_none() && !nullable,
        default_value: key.default.as_ref().map(|d| canonical(key.config_type, d)),
        importance: importance_name(key.importance).to_string(),
        documentation: key.documentation.clone(),
        group: key.group.clone(),
        order_in_group: key.order_in_group,
        order: key.order_in_group,
        width: width_name(key.width).to_string(),
        display_name: key.display_name.clone(),
        dependents: key.dependents.clone(),
    }
}

/// Validates one key like `ConfigDef.validate`, knowing the framework's null-default keys.
pub fn validate_key(key: &ConfigKey, config: &ConfigMap) -> ConfigValue {
    let given = config.get(&key.name);
    let raw = given.cloned().or_else(|| key.default.clone());
    let mut errors = Vec::new();
    match &raw {
        None if framework::is_nullable(&key.name) => {}
        None => errors.push(format!(
            "Missing required configuration \"{}\" which has no default value.",
            key.name
        )),
        Some(v) => {
            if given.is_some() || !v.is_empty() {
                if let Err(e) = key.check(v) {
                    errors.push(e);
                }
            }
        }
    }
    let value = match raw {
        Some(_) if key.config_type == ConfigType::Password => Some("[hidden]".to_string()),
        Some(v) => Some(canonical(key.config_type, &v)),
        None => None,
    };
    ConfigValue {
        name: key.name.clone(),
        value,
        recommended_values: key.recommended.clone(),
        errors,
        visible: true,
    }
}

/// The message for an unknown `connector.class`, naming it and listing close matches.
pub fn unknown_connector_message(registry: &PluginRegistry, class: &str) -> String {
    let mut msg = format!(
        "Failed to find any class that implements Connector and which name matches {class}"
    );
    let close = registry.close_connector_matches(class);
    if !close.is_empty() {
        msg.push_str(&format!(". Did you mean: {}?", close.join(", ")));
    }
    let all: Vec<&str> = registry
        .connectors()
        .iter()
        .map(|p| p.class.as_str())
        .collect();
    msg.push_str(&format!(
        "{} available connectors are: {}",
        if close.is_empty() { "," } else { "" },
        all.join(", ")
    ));
    msg
}

/// Java's `Map.toString` of a config (`{k=v, k2=v2}`), for the "no connector type" message.
fn java_map(config: &ConfigMap) -> String {
    let parts: Vec<String> = config.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Resolves `connector.class` (400 if missing or unknown).
pub fn resolve_connector<'a>(
    registry: &'a PluginRegistry,
    config: &ConfigMap,
) -> HerderResult<&'a ConnectorPlugin> {
    let class = config
        .get(CONNECTOR_CLASS_CONFIG)
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            HerderError::BadRequest(format!(
                "Connector config {} contains no connector type",
                java_map(config)
            ))
        })?;
    registry
        .connector(class)
        .ok_or_else(|| HerderError::BadRequest(unknown_connector_message(registry, class)))
}

/// Runs a fresh (unstarted) instance's `validate` (per-key and cross-key checks).
pub fn plugin_validate(plugin: &ConnectorPlugin, config: &ConfigMap) -> Vec<ConfigValue> {
    match &plugin.factory {
        ConnectorFactory::Source(f) => f().validate(config),
        ConnectorFactory::Sink(f) => f().validate(config),
    }
}

/// The framework + plugin definitions of a connector plugin (plugin wins on duplicates), as
/// `/connector-plugins/{p}/config` lists them.
pub fn connector_plugin_def(plugin: &ConnectorPlugin) -> ConfigDef {
    framework::connector_def(plugin.connector_type()).merge(&plugin.config_def)
}

/// One result entry being assembled.
struct Entry {
    key: Option<ConfigKey>,
    value: ConfigValue,
}

struct Results {
    entries: Vec<Entry>,
}

impl Results {
    fn find(&mut self, name: &str) -> Option<&mut ConfigValue> {
        self.entries
            .iter_mut()
            .find(|e| e.value.name == name)
            .map(|e| &mut e.value)
    }
    /// Adds an error to a key's value (creating a definition-less value if needed).
    fn error(&mut self, name: &str, config: &ConfigMap, msg: String) {
        if let Some(v) = self.find(name) {
            if !v.errors.contains(&msg) {
                v.errors.push(msg);
            }
            return;
        }
        self.entries.push(Entry {
            key: None,
            value: ConfigValue {
                name: name.to_string(),
                value: config.get(name).cloned(),
                recommended_values: Vec::new(),
                errors: vec![msg],
                visible: true,
            },
        });
    }
    fn has_errors_with_prefix(&self, prefix: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.value.name.starts_with(prefix) && !e.value.errors.is_empty())
    }
}

/// Validates a connector config (`PUT /connector-plugins/{p}/config/validate`, and on every
/// create/update). Err only when the connector class is missing or unknown (400); every other
/// problem is reported in the returned [`ConfigInfos`].
pub fn validate(
    registry: &PluginRegistry,
    worker_config: &WorkerConfig,
    config: &ConfigMap,
) -> HerderResult<ConfigInfos> {
    // Validate what the connector will run with (references resolved, as the JVM does), but
    // show the reference text, never a resolved value.
    let raw = config;
    let mut reference_errors = Vec::new();
    let resolved: ConfigMap = raw
        .iter()
        .map(|(k, v)| {
            let value = if providers::has_reference(v) {
                worker_config
                    .providers
                    .resolve_value(k, v)
                    .unwrap_or_else(|e| {
                        reference_errors.push((k.clone(), e.to_string()));
                        v.clone()
                    })
            } else {
                v.clone()
            };
            (k.clone(), value)
        })
        .collect();
    let config = &resolved;
    let plugin = resolve_connector(registry, config)?;
    let connector_type = plugin.connector_type();
    let mut framework_def =
        framework::enrich(framework::connector_def(connector_type), config, registry);
    // KIP-158 groups, checked when the worker creates topics and the connector uses them.
    if connector_type == ConnectorType::Source
        && worker_config.topic_creation_enable
        && topic_creation::uses_topic_creation(config)
    {
        framework_def = topic_creation::enrich(framework_def, config);
    }

    let mut results = Results {
        entries: framework_def
            .keys()
            .iter()
            .map(|k| Entry {
                value: validate_key(k, config),
                key: Some(k.clone()),
            })
            .collect(),
    };

    check_converters(registry, config, &mut results);
    check_transforms(registry, config, &mut results);
    if connector_type == ConnectorType::Sink {
        check_sink_topics(config, &mut results);
    }

    // The connector's own keys; they replace framework keys of the same name in place.
    let plugin_values = plugin_validate(plugin, config);
    let plugin_def = &plugin.config_def;
    for value in plugin_values {
        let key = plugin_def.key(&value.name).cloned();
        match results
            .entries
            .iter_mut()
            .find(|e| e.value.name == value.name)
        {
            Some(existing) => {
                existing.key = key.or_else(|| existing.key.take());
                existing.value = value;
            }
            None => results.entries.push(Entry { key, value }),
        }
    }

    check_overrides(worker_config, config, &mut results);
    show_references(raw, reference_errors, &mut results);

    let mut groups = framework_def.groups();
    for g in plugin_def.groups() {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let configs: Vec<ConfigInfo> = results
        .entries
        .into_iter()
        .map(|e| ConfigInfo {
            definition: e.key.as_ref().map(key_info),
            value: Some(e.value),
        })
        .collect();
    let error_count = configs
        .iter()
        .filter_map(|c| c.value.as_ref())
        .map(|v| v.errors.len())
        .sum();
    Ok(ConfigInfos {
        name: config
            .get(CONNECTOR_CLASS_CONFIG)
            .cloned()
            .unwrap_or_default(),
        error_count,
        groups,
        configs,
    })
}

/// Puts reference text back in place of resolved values and adds reference failures as errors
/// of their keys.
fn show_references(raw: &ConfigMap, errors: Vec<(String, String)>, results: &mut Results) {
    for entry in results.entries.iter_mut() {
        let name = &entry.value.name;
        if let Some(r) = raw.get(name).filter(|v| providers::has_reference(v)) {
            if entry.value.value.as_deref() != Some("[hidden]") {
                entry.value.value = Some(r.clone());
            }
        }
    }
    for (key, error) in errors {
        match results.entries.iter_mut().find(|e| e.value.name == key) {
            Some(e) => e.value.errors.push(error),
            None => results.entries.push(Entry {
                key: None,
                value: ConfigValue {
                    name: key.clone(),
                    value: raw.get(&key).cloned(),
                    recommended_values: Vec::new(),
                    errors: vec![error],
                    visible: true,
                },
            }),
        }
    }
}

/// The 400 message for an invalid config on create/update.
pub fn invalid_config_message(infos: &ConfigInfos) -> String {
    let mut msg = format!(
        "Connector configuration is invalid and contains the following {} error(s):",
        infos.error_count
    );
    for line in infos.error_lines() {
        msg.push('\n');
        msg.push_str(&line);
    }
    msg.push_str(
        "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
    msg
}

fn check_converters(registry: &PluginRegistry, config: &ConfigMap, results: &mut Results) {
    for (key, header) in [
        (KEY_CONVERTER_CONFIG, false),
        (VALUE_CONVERTER_CONFIG, false),
        (HEADER_CONVERTER_CONFIG, true),
    ] {
        let Some(class) = config.get(key).map(|c| c.trim()).filter(|c| !c.is_empty()) else {
            continue;
        };
        let ok = registry.converter(class).is_some_and(|p| {
            if header {
                p.header_factory.is_some()
            } else {
                p.factory.is_some()
            }
        });
        if !ok {
            results.error(
                key,
                config,
                format!("Invalid value {class} for configuration {key}: Class {class} could not be found."),
            );
        }
    }
}

/// Which key of an alias group a plugin's error message is about (else the `type` key).
fn key_for_plugin_error(msg: &str, def: &ConfigDef, prefix: &str) -> String {
    def.keys()
        .iter()
        .map(|k| k.name.as_str())
        .filter(|k| {
            msg.contains(&format!("configuration {k}"))
                || msg.contains(&format!("\"{k}\""))
                || msg.contains(&format!("'{k}'"))
        })
        .max_by_key(|k| k.len())
        .map(|k| format!("{prefix}{k}"))
        .unwrap_or_else(|| format!("{prefix}type"))
}

fn check_transforms(registry: &PluginRegistry, config: &ConfigMap, results: &mut Results) {
    let predicates: Vec<String> =
        parse_list(config.get(PREDICATES_CONFIG).map_or("", |s| s.as_str()));
    let mut seen = HashSet::new();
    for alias in parse_list(config.get(TRANSFORMS_CONFIG).map_or("", |s| s.as_str())) {
        if !seen.insert(alias.clone()) {
            continue;
        }
        let prefix = format!("{TRANSFORMS_CONFIG}.{alias}.");
        let type_key = format!("{prefix}type");
        if let Some(class) = config.get(&type_key) {
            match registry.transform(class) {
                None => results.error(
                    &type_key,
                    config,
                    format!("Invalid value {class} for configuration {type_key}: Class {class} could not be found."),
                ),
                Some(plugin) if !results.has_errors_with_prefix(&prefix) => {
                    if let Err(e) = (plugin.factory)(&sub_config(config, &prefix)) {
                        let msg = e.to_string();
                        let key = key_for_plugin_error(&msg, &plugin.config_def, &prefix);
                        results.error(&key, config, msg);
                    }
                }
                Some(_) => {}
            }
        }
        let predicate_key = format!("{prefix}predicate");
        let predicate = config
            .get(&predicate_key)
            .map(|p| p.trim())
            .filter(|p| !p.is_empty());
        match predicate {
            Some(p) if !predicates.iter().any(|d| d == p) => results.error(
                &predicate_key,
                config,
                format!("Invalid value {p} for configuration {predicate_key}: undefined predicate alias; add it to 'predicates' and set predicates.{p}.type"),
            ),
            None if config.contains_key(&format!("{prefix}negate")) => {
                let negate_key = format!("{prefix}negate");
                results.error(
                    &negate_key,
                    config,
                    format!("Config '{negate_key}' was provided but there is no config '{predicate_key}' defining a predicate to be negated."),
                )
            }
            _ => {}
        }
    }
    let mut seen = HashSet::new();
    for alias in predicates {
        if !seen.insert(alias.clone()) {
            continue;
        }
        let prefix = format!("{PREDICATES_CONFIG}.{alias}.");
        let type_key = format!("{prefix}type");
        let Some(class) = config.get(&type_key) else {
            continue;
        };
        match registry.predicate(class) {
            None => results.error(
                &type_key,
                config,
                format!("Invalid value {class} for configuration {type_key}: Class {class} could not be found."),
            ),
            Some(plugin) if !results.has_errors_with_prefix(&prefix) => {
                if let Err(e) = (plugin.factory)(&sub_config(config, &prefix)) {
                    let msg = e.to_string();
                    let key = key_for_plugin_error(&msg, &plugin.config_def, &prefix);
                    results.error(&key, config, msg);
                }
            }
            Some(_) => {}
        }
    }
}

/// `SinkConnectorConfig.validate`: exactly one of topics / topics.regex, and the DLQ topic is
/// not one of the consumed topics.
fn check_sink_topics(config: &ConfigMap, results: &mut Results) {
    let topics = config.get(TOPICS_CONFIG).map_or("", |s| s.as_str());
    let regex = config.get(TOPICS_REGEX_CONFIG).map_or("", |s| s.as_str());
    let has_topics = !topics.trim().is_empty();
    let has_regex = !regex.trim().is_empty();
    if has_topics && has_regex {
        let msg = format!(
            "{TOPICS_CONFIG} and {TOPICS_REGEX_CONFIG} are mutually exclusive options, but both are set."
        );
        results.error(TOPICS_CONFIG, config, msg.clone());
        results.error(TOPICS_REGEX_CONFIG, config, msg);
    }
    if !has_topics && !has_regex {
        let msg = format!("Must configure one of {TOPICS_CONFIG} or {TOPICS_REGEX_CONFIG}");
        results.error(TOPICS_CONFIG, config, msg.clone());
        results.error(TOPICS_REGEX_CONFIG, config, msg);
    }
    let dlq = config.get(DLQ_TOPIC_NAME_CONFIG).map_or("", |s| s.trim());
    if dlq.is_empty() {
        return;
    }
    let list = parse_list(topics);
    if list.iter().any(|t| t == dlq) {
        results.error(
            DLQ_TOPIC_NAME_CONFIG,
            config,
            format!(
                "The DLQ topic '{dlq}' may not be included in the list of topics ('{TOPICS_CONFIG}=[{}]') consumed by the connector",
                list.join(", ")
            ),
        );
    }
    if has_regex {
        if let Ok(re) = regex::Regex::new(&format!("^(?:{regex})$")) {
            if re.is_match(dlq) {
                results.error(
                    DLQ_TOPIC_NAME_CONFIG,
                    config,
                    format!(
                        "The DLQ topic '{dlq}' may not be included in the regex matching the topics ('{TOPICS_REGEX_CONFIG}={regex}') consumed by the connector"
                    ),
                );
            }
        }
    }
}

/// `producer.override.*` / `consumer.override.*` / `admin.override.*` keys: each appears in
/// the result (without definition) with an error when the worker's policy forbids it.
/// Values and keys neither librdkafka nor the Java client knows are errors too (from
/// [`crate::clients::validate_overrides`]).
fn check_overrides(worker_config: &WorkerConfig, config: &ConfigMap, results: &mut Results) {
    let client_problems = crate::clients::validate_overrides(worker_config, config);
    for (name, value) in config {
        let Some(client_key) = OVERRIDE_PREFIXES.iter().find_map(|p| name.strip_prefix(p)) else {
            continue;
        };
        // The policy check and the client-config check both come from the client mapping.
        let errors: Vec<String> = client_problems
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, m)| m.clone())
            .collect();
        let hidden = client_key.contains("password") || client_key == "sasl.jaas.config";
        results.entries.push(Entry {
            key: None,
            value: ConfigValue {
                name: name.clone(),
                value: Some(if hidden {
                    "[hidden]".to_string()
                } else {
                    value.clone()
                }),
                recommended_values: Vec::new(),
                errors,
                visible: true,
            },
        });
    }
}

#[cfg(test)]
#[path = "validation_tests.rs"]
mod tests;
