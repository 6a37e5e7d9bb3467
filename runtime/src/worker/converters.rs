//! Building a task's key, value and header converters from the worker and connector configs.
//!
//! As in the JVM: a connector that names its own `key.converter` (etc.) configures it with its
//! own `key.converter.*` settings; otherwise the worker's converter and settings are used.

use std::sync::Arc;

use crate::config::{ConfigMap, WorkerConfig};
use crate::converter::{Converter, HeaderConverter};
use crate::error::{ConnectError, ConnectResult};
use crate::plugins::PluginRegistry;
use crate::transform::sub_config;

/// A task's converters and their class names.
#[derive(Clone)]
pub struct TaskConverters {
    /// Key converter.
    pub key: Arc<dyn Converter>,
    /// Value converter.
    pub value: Arc<dyn Converter>,
    /// Header converter.
    pub header: Arc<dyn HeaderConverter>,
    /// Class names (key, value, header) for error reports.
    pub classes: [String; 3],
}

/// The class and settings for `prefix` (`key.converter`, ...): the connector's if it names
/// one, else the worker's.
fn pick(
    prefix: &str,
    worker: &WorkerConfig,
    worker_class: &str,
    connector: &ConfigMap,
) -> (String, ConfigMap) {
    match connector
        .get(prefix)
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        Some(class) => (
            class.to_string(),
            sub_config(connector, &format!("{prefix}.")),
        ),
        None => (
            worker_class.to_string(),
            sub_config(&worker.props, &format!("{prefix}.")),
        ),
    }
}

fn not_found(key: &str, class: &str, what: &str) -> ConnectError {
    ConnectError::config(format!(
        "Invalid value {class} for configuration {key}: Class {class} could not be found ({what})."
    ))
}

/// Builds the converters a task of a connector with `connector_config` uses.
pub fn build(
    worker: &WorkerConfig,
    connector_config: &ConfigMap,
    registry: &PluginRegistry,
) -> ConnectResult<TaskConverters> {
    let (kc, ks) = pick(
        "key.converter",
        worker,
        &worker.key_converter,
        connector_config,
    );
    let (vc, vs) = pick(
        "value.converter",
        worker,
        &worker.value_converter,
        connector_config,
    );
    let (hc, hs) = pick(
        "header.converter",
        worker,
        &worker.header_converter,
        connector_config,
    );
    let data = |key: &str, class: &str, settings: &ConfigMap, is_key: bool| {
        let factory = registry
            .converter(class)
            .and_then(|p| p.factory.clone())
            .ok_or_else(|| not_found(key, class, "not a Converter"))?;
        factory(settings, is_key)
            .map_err(|e| e.context(format!("Failed to configure {key} {class}")))
    };
    let key = data("key.converter", &kc, &ks, true)?;
    let value = data("value.converter", &vc, &vs, false)?;
    let header_factory = registry
        .converter(&hc)
        .and_then(|p| p.header_factory.clone())
        .ok_or_else(|| not_found("header.converter", &hc, "not a HeaderConverter"))?;
    let header = header_factory(&hs)
        .map_err(|e| e.context(format!("Failed to configure header.converter {hc}")))?;
    let full = |c: &str| {
        registry
            .converter(c)
            .map(|p| p.class.clone())
            .unwrap_or_else(|| c.to_string())
    };
    Ok(TaskConverters {
        key,
        value,
        header,
        classes: [full(&kc), full(&vc), full(&hc)],
    })
}
