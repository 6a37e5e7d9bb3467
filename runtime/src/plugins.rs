//! The plugin registry: every connector, converter, transform and predicate the worker knows,
//! resolvable by Java class name, simple name, or simple name without `Connector`.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::config::ConfigDef;
use crate::connector::{ConnectorType, SinkConnector, SourceConnector};
use crate::converter::ConverterPlugin;
use crate::transform::{PredicatePlugin, TransformPlugin};

/// Creates a connector instance.
#[derive(Clone)]
pub enum ConnectorFactory {
    /// A source connector constructor.
    Source(Arc<dyn Fn() -> Box<dyn SourceConnector> + Send + Sync>),
    /// A sink connector constructor.
    Sink(Arc<dyn Fn() -> Box<dyn SinkConnector> + Send + Sync>),
}

/// A registered connector plugin.
#[derive(Clone)]
pub struct ConnectorPlugin {
    /// Java class name, e.g. `org.apache.kafka.connect.file.FileStreamSourceConnector`.
    pub class: String,
    /// Version string.
    pub version: String,
    /// The connector's own config keys.
    pub config_def: ConfigDef,
    /// Constructor.
    pub factory: ConnectorFactory,
}

impl ConnectorPlugin {
    /// Source or sink.
    pub fn connector_type(&self) -> ConnectorType {
        match self.factory {
            ConnectorFactory::Source(_) => ConnectorType::Source,
            ConnectorFactory::Sink(_) => ConnectorType::Sink,
        }
    }
}

/// One entry of `GET /connector-plugins` (`PluginInfo`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginInfo {
    /// Class name.
    #[serde(rename = "class")]
    pub class_name: String,
    /// `source`, `sink`, `converter`, `header_converter`, `transformation` or `predicate`.
    #[serde(rename = "type")]
    pub plugin_type: String,
    /// Version.
    pub version: String,
}

/// All plugins, with name resolution.
#[derive(Clone, Default)]
pub struct PluginRegistry {
    connectors: Vec<ConnectorPlugin>,
    converters: Vec<ConverterPlugin>,
    transforms: Vec<TransformPlugin>,
    predicates: Vec<PredicatePlugin>,
    aliases: HashMap<String, (Kind, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Connector,
    Converter,
    Transform,
    Predicate,
}

/// The names a Java class resolves under: FQCN, simple name (after the last `.`, with a
/// `$Inner` kept), and for connectors the simple name minus a trailing `Connector`.
pub fn class_aliases(class: &str, strip_connector: bool) -> Vec<String> {
    let mut out = vec![class.to_string()];
    let simple = class.rsplit('.').next().unwrap_or(class).to_string();
    if simple != class {
        out.push(simple.clone());
    }
    if strip_connector {
        if let Some(pruned) = simple.strip_suffix("Connector") {
            if !pruned.is_empty() {
                out.push(pruned.to_string());
            }
        }
    }
    out
}

impl PluginRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn alias(&mut self, names: Vec<String>, kind: Kind, idx: usize) {
        for n in names {
            self.aliases.entry(n).or_insert((kind, idx));
        }
    }

    /// Registers a connector plugin, with extra aliases (our own short names).
    pub fn add_connector(&mut self, plugin: ConnectorPlugin, extra_aliases: &[&str]) {
        let idx = self.connectors.len();
        let mut names = class_aliases(&plugin.class, true);
        names.extend(extra_aliases.iter().map(|s| s.to_string()));
        self.connectors.push(plugin);
        self.alias(names, Kind::Connector, idx);
    }
    /// Registers a converter plugin.
    pub fn add_converter(&mut self, plugin: ConverterPlugin) {
        let idx = self.converters.len();
        let names = class_aliases(&plugin.class, false);
        self.converters.push(plugin);
        self.alias(names, Kind::Converter, idx);
    }
    /// Registers a transform plugin.
    pub fn add_transform(&mut self, plugin: TransformPlugin) {
        let idx = self.transforms.len();
        let names = class_aliases(&plugin.class, false);
        self.transforms.push(plugin);
        self.alias(names, Kind::Transform, idx);
    }
    /// Registers a predicate plugin.
    pub fn add_predicate(&mut self, plugin: PredicatePlugin) {
        let idx = self.predicates.len();
        let names = class_aliases(&plugin.class, false);
        self.predicates.push(plugin);
        self.alias(names, Kind::Predicate, idx);
    }

    fn lookup(&self, name: &str, kind: Kind) -> Option<usize> {
        match self.aliases.get(name.trim()) {
            Some((k, i)) if *k == kind => Some(*i),
            _ => None,
        }
    }

    /// Resolves a connector by any of its names.
    pub fn connector(&self, name: &str) -> Option<&ConnectorPlugin> {
        self.lookup(name, Kind::Connector)
            .map(|i| &self.connectors[i])
    }
    /// Resolves a converter (or header converter) by any of its names.
    pub fn converter(&self, name: &str) -> Option<&ConverterPlugin> {
        self.lookup(name, Kind::Converter)
            .map(|i| &self.converters[i])
    }
    /// Resolves a transform by any of its names.
    pub fn transform(&self, name: &str) -> Option<&TransformPlugin> {
        self.lookup(name, Kind::Transform)
            .map(|i| &self.transforms[i])
    }
    /// Resolves a predicate by any of its names.
    pub fn predicate(&self, name: &str) -> Option<&PredicatePlugin> {
        self.lookup(name, Kind::Predicate)
            .map(|i| &self.predicates[i])
    }
    /// All connector plugins.
    pub fn connectors(&self) -> &[ConnectorPlugin] {
        &self.connectors
    }
    /// All converter plugins.
    pub fn converters(&self) -> &[ConverterPlugin] {
        &self.converters
    }
    /// All transform plugins.
    pub fn transforms(&self) -> &[TransformPlugin] {
        &self.transforms
    }
    /// All predicate plugins.
    pub fn predicates(&self) -> &[PredicatePlugin] {
        &self.predicates
    }

    /// Connector class names closest to an unknown name, best first (for error messages).
    pub fn close_connector_matches(&self, name: &str) -> Vec<String> {
        let lower = name.to_ascii_lowercase();
        let mut scored: Vec<(usize, String)> = self
            .connectors
            .iter()
            .map(|p| {
                let best = class_aliases(&p.class, true)
                    .iter()
                    .map(|a| edit_distance(&lower, &a.to_ascii_lowercase()))
                    .min()
                    .unwrap_or(usize::MAX);
                (best, p.class.clone())
            })
            .collect();
        scored.sort();
        let limit = (name.len() / 2).max(3);
        scored
            .into_iter()
            .filter(|(d, _)| *d <= limit)
            .map(|(_, c)| c)
            .take(3)
            .collect()
    }

    /// `GET /connector-plugins`: connectors, and with `connectors_only=false` every other kind.
    pub fn plugin_infos(&self, connectors_only: bool) -> Vec<PluginInfo> {
        let mut out: Vec<PluginInfo> = self
            .connectors
            .iter()
            .map(|p| PluginInfo {
                class_name: p.class.clone(),
                plugin_type: p.connector_type().as_str().to_string(),
                version: p.version.clone(),
            })
            .collect();
        if !connectors_only {
            for c in &self.converters {
                if c.factory.is_some() {
                    out.push(PluginInfo {
                        class_name: c.class.clone(),
                        plugin_type: "converter".into(),
                        version: c.version.clone(),
                    });
                }
                if c.header_factory.is_some() {
                    out.push(PluginInfo {
                        class_name: c.class.clone(),
                        plugin_type: "header_converter".into(),
                        version: c.version.clone(),
                    });
                }
            }
            for t in &self.transforms {
                out.push(PluginInfo {
                    class_name: t.class.clone(),
                    plugin_type: "transformation".into(),
                    version: t.version.clone(),
                });
            }
            for p in &self.predicates {
                out.push(PluginInfo {
                    class_name: p.class.clone(),
                    plugin_type: "predicate".into(),
                    version: p.version.clone(),
                });
            }
        }
        out.sort_by(|a, b| {
            a.class_name
                .cmp(&b.class_name)
                .then(a.plugin_type.cmp(&b.plugin_type))
        });
        out
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}
