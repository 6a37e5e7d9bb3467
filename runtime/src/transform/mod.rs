//! Single-message transforms and predicates: the traits the worker runs, and the chain built
//! from a connector's `transforms` / `predicates` config.
//!
//! The SMTs themselves live in the `ferroconnect-transforms` crate and are registered in the
//! [`crate::plugins::PluginRegistry`].

mod fused;
pub mod struct_edit;

use std::sync::Arc;

use crate::config::{parse_list, ConfigDef, ConfigMap};
use crate::data::{ConnectRecord, SchemaRef};
use crate::error::{ConnectError, ConnectResult};
use crate::plugins::PluginRegistry;
use fused::{stage_context, FusedGroup, Step};
pub use struct_edit::{apply_cached, RecordMeta, RecordPart, StructEdit, ValuesEdit};

/// A single-message transform (`Transformation`).
pub trait Transformation: Send + Sync {
    /// Transforms a record; `None` drops it.
    fn apply(&self, record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>>;
    /// Transforms a record where it lies; `false` drops it. Same result as
    /// [`Transformation::apply`]; transforms that edit a record in place override it so a
    /// chain does not move every record in and out of each stage. After an error the record
    /// is unspecified (as after `apply`, which consumes it).
    fn apply_in_place(&self, record: &mut ConnectRecord) -> ConnectResult<bool> {
        match self.apply(std::mem::take(record))? {
            Some(r) => {
                *record = r;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The record part this transform works on when all it does to a struct there (under a
    /// schema) is a [`StructEdit`] derived from the struct's schema alone; `None`, the
    /// default, for every other transform. A chain runs consecutive struct edits of one part
    /// as one step per record.
    fn struct_edit_part(&self) -> Option<RecordPart> {
        None
    }

    /// The edit for structs of `schema`, the same one the transform applies record by
    /// record (so build it once per schema and share it). Asked only when
    /// [`Transformation::struct_edit_part`] is `Some`. An error means the transform fails
    /// such records; the chain then runs them stage by stage and reports that failure.
    fn struct_edit(&self, schema: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        Err(ConnectError::data(format!(
            "no struct edit for schema {:?}",
            schema.name
        )))
    }
}

/// A predicate gating a transform (`Predicate`).
pub trait Predicate: Send + Sync {
    /// Whether the record matches.
    fn test(&self, record: &ConnectRecord) -> bool;
}

/// Creates a configured transform from its own config (keys without the
/// `transforms.<alias>.` prefix).
pub type TransformFactory =
    Arc<dyn Fn(&ConfigMap) -> ConnectResult<Box<dyn Transformation>> + Send + Sync>;
/// Creates a configured predicate from its own config.
pub type PredicateFactory =
    Arc<dyn Fn(&ConfigMap) -> ConnectResult<Box<dyn Predicate>> + Send + Sync>;

/// A registered transform plugin.
#[derive(Clone)]
pub struct TransformPlugin {
    /// Java class name (e.g. `org.apache.kafka.connect.transforms.MaskField$Value`).
    pub class: String,
    /// Version string.
    pub version: String,
    /// Config keys.
    pub config_def: ConfigDef,
    /// Constructor.
    pub factory: TransformFactory,
}

/// A registered predicate plugin.
#[derive(Clone)]
pub struct PredicatePlugin {
    /// Java class name.
    pub class: String,
    /// Version string.
    pub version: String,
    /// Config keys.
    pub config_def: ConfigDef,
    /// Constructor.
    pub factory: PredicateFactory,
}

/// One stage of a chain: a transform and its optional predicate.
pub struct Stage {
    /// The alias from `transforms`.
    pub alias: String,
    transform: Box<dyn Transformation>,
    predicate: Option<Box<dyn Predicate>>,
    negate: bool,
}

impl Stage {
    /// Runs the stage (if its predicate lets it); `false` means it dropped the record. The
    /// error says which alias failed.
    fn run(&self, record: &mut ConnectRecord) -> ConnectResult<bool> {
        if let Some(p) = &self.predicate {
            if p.test(record) == self.negate {
                return Ok(true);
            }
        }
        self.transform
            .apply_in_place(record)
            .map_err(|e| e.context(stage_context(&self.alias)))
    }
}

/// The ordered transforms of a connector (`TransformationChain`).
#[derive(Default)]
pub struct TransformChain {
    stages: Vec<Stage>,
    /// The stages as run: single stages and fused struct edits.
    steps: Vec<Step>,
}

/// Collects `prefix<k>` entries of a config with the prefix stripped.
pub fn sub_config(config: &ConfigMap, prefix: &str) -> ConfigMap {
    config
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .collect()
}

impl TransformChain {
    /// An empty chain.
    pub fn empty() -> Self {
        TransformChain::default()
    }

    /// True when the chain has no stage.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Builds the chain from a connector config; errors name the offending key.
    pub fn from_config(config: &ConfigMap, registry: &PluginRegistry) -> ConnectResult<Self> {
        let aliases = parse_list(config.get("transforms").map(String::as_str).unwrap_or(""));
        let mut stages = Vec::with_capacity(aliases.len());
        for alias in aliases {
            let prefix = format!("transforms.{alias}.");
            let type_key = format!("{prefix}type");
            let class = config.get(&type_key).ok_or_else(|| {
                ConnectError::config(format!(
                    "Missing required configuration \"{type_key}\" which has no default value."
                ))
            })?;
            let plugin = registry.transform(class).ok_or_else(|| {
                ConnectError::config(format!(
                    "Invalid value {class} for configuration {type_key}: Class {class} could not be found."
                ))
            })?;
            let own = sub_config(config, &prefix);
            let transform =
                (plugin.factory)(&own).map_err(|e| e.context(format!("transforms.{alias}")))?;
            let (predicate, negate) = match own.get("predicate").filter(|p| !p.is_empty()) {
                None => (None, false),
                Some(p_alias) => {
                    let p_prefix = format!("predicates.{p_alias}.");
                    let p_type_key = format!("{p_prefix}type");
                    let p_class = config.get(&p_type_key).ok_or_else(|| {
                        ConnectError::config(format!(
                            "Invalid value {p_alias} for configuration {prefix}predicate: undefined predicate alias; {p_type_key} is missing"
                        ))
                    })?;
                    let p_plugin = registry.predicate(p_class).ok_or_else(|| {
                        ConnectError::config(format!(
                            "Invalid value {p_class} for configuration {p_type_key}: Class {p_class} could not be found."
                        ))
                    })?;
                    let p = (p_plugin.factory)(&sub_config(config, &p_prefix))
                        .map_err(|e| e.context(format!("predicates.{p_alias}")))?;
                    let negate = own
                        .get("negate")
                        .map(|v| v.trim().eq_ignore_ascii_case("true"))
                        .unwrap_or(false);
                    (Some(p), negate)
                }
            };
            stages.push(Stage {
                alias,
                transform,
                predicate,
                negate,
            });
        }
        let steps = FusedGroup::plan_steps(&stages);
        Ok(TransformChain { stages, steps })
    }

    /// The aliases of the stages that run as one step per record (consecutive struct edits
    /// of one record part without predicates), one list per fused group.
    pub fn fused_groups(&self) -> Vec<Vec<&str>> {
        self.steps
            .iter()
            .filter_map(|step| match step {
                Step::Fused(g) => Some(
                    self.stages[g.stages.clone()]
                        .iter()
                        .map(|s| s.alias.as_str())
                        .collect(),
                ),
                Step::One(_) => None,
            })
            .collect()
    }

    /// Runs the record through every stage; `Ok(None)` means a stage dropped it. The error
    /// says which alias failed.
    pub fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        for step in &self.steps {
            let kept = match step {
                Step::One(i) => self.stages[*i].run(&mut record)?,
                Step::Fused(group) => group.apply(&self.stages, &mut record)?,
            };
            if !kept {
                return Ok(None);
            }
        }
        Ok(Some(record))
    }
}
