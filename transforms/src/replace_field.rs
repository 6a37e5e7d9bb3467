//! `ReplaceField`: keeps, drops and renames top-level fields. `exclude` wins over `include`;
//! both name original fields; renames apply after filtering. The pre-4.0 names `whitelist` /
//! `blacklist` are still read as `include` / `exclude` when the new keys are unset.

use std::sync::Arc;

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, SchemaRef, Value};
use ferroconnect_runtime::transform::{
    apply_cached, RecordMeta, RecordPart, StructEdit, Transformation, ValuesEdit,
};
use ferroconnect_runtime::ConnectResult;

use crate::util::config::{invalid, replace_null_key, Cfg};
use crate::util::requirements::{require_map, require_struct};
use crate::util::schema::{push_field, struct_like, take_field_value};
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `exclude` key.
pub const EXCLUDE: &str = "exclude";
/// The `include` key.
pub const INCLUDE: &str = "include";
/// The `renames` key.
pub const RENAMES: &str = "renames";
/// Deprecated name of `include` (removed from Kafka 4.0, still read here).
pub const WHITELIST: &str = "whitelist";
/// Deprecated name of `exclude` (removed from Kafka 4.0, still read here).
pub const BLACKLIST: &str = "blacklist";
const PURPOSE: &str = "field replacement";

/// Config keys of ReplaceField.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            EXCLUDE,
            ConfigType::List,
            Some(""),
            Importance::Medium,
            "Fields to drop; these win over include.",
        ))
        .define(ConfigKey::new(
            INCLUDE,
            ConfigType::List,
            Some(""),
            Importance::Medium,
            "Fields to keep; empty keeps every field not excluded.",
        ))
        .define(
            ConfigKey::new(
                RENAMES,
                ConfigType::List,
                Some(""),
                Importance::Medium,
                "Renames as old:new pairs, applied after include/exclude.",
            )
            .validate_with(|_, v| {
                parse_renames(&ferroconnect_runtime::config::parse_list(v)).map(|_| ())
            }),
        )
        .define(replace_null_key())
}

/// Splits like Java's `String.split(":")`: trailing empty parts are dropped.
fn java_split_colon(s: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(':').collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts == [""] {
        parts.clear();
    }
    parts
}

fn parse_renames(list: &[String]) -> Result<Vec<(String, String)>, String> {
    list.iter()
        .map(|m| match java_split_colon(m).as_slice() {
            [from, to] => Ok((from.to_string(), to.to_string())),
            _ => Err(format!("Invalid rename mapping: {m}")),
        })
        .collect()
}

/// The values edit of one input schema: which input values are kept, in order, and whether
/// nulls take their field's default. Renames alone need none.
struct KeepEdit {
    /// The input schema.
    input: SchemaRef,
    /// For each output field, the index of its input field (ascending).
    sources: Vec<usize>,
    /// Whether a null takes its field's default (`replace.null.with.default` and a default).
    fill_defaults: bool,
}

impl ValuesEdit for KeepEdit {
    /// Compacts the kept values to the front of the same vector (sources ascend).
    fn edit(&self, values: &mut Vec<Value>, _meta: &RecordMeta<'_>) -> ConnectResult<()> {
        for (slot, &i) in self.sources.iter().enumerate() {
            let v = take_field_value(values, &self.input.fields[i], self.fill_defaults);
            values[slot] = v;
        }
        values.truncate(self.sources.len());
        Ok(())
    }
}

/// Filters and renames fields (`org.apache.kafka.connect.transforms.ReplaceField$Key|$Value`).
pub struct ReplaceField {
    target: Target,
    exclude: Vec<String>,
    include: Vec<String>,
    renames: Vec<(String, String)>,
    replace_null_with_default: bool,
    cache: SchemaCache<Arc<StructEdit>>,
}

impl ReplaceField {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let legacy = |new: &str, old: &str| -> ConnectResult<Vec<String>> {
            match (cfg.is_set(new), config.get(old)) {
                (false, Some(v)) => Ok(ferroconnect_runtime::config::parse_list(v)),
                _ => cfg.list(new),
            }
        };
        let renames_raw = cfg.list(RENAMES)?;
        let renames =
            parse_renames(&renames_raw).map_err(|e| invalid(RENAMES, &renames_raw.join(","), e))?;
        Ok(ReplaceField {
            target,
            exclude: legacy(EXCLUDE, BLACKLIST)?,
            include: legacy(INCLUDE, WHITELIST)?,
            renames,
            replace_null_with_default: cfg.replace_null_with_default()?,
            cache: SchemaCache::new(),
        })
    }

    fn keep(&self, name: &str) -> bool {
        !self.exclude.iter().any(|f| f == name)
            && (self.include.is_empty() || self.include.iter().any(|f| f == name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames
            .iter()
            .find(|(from, _)| from == name)
            .map_or(name, |(_, to)| to.as_str())
    }
}

impl Transformation for ReplaceField {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        Ok(self.apply_in_place(&mut record)?.then_some(record))
    }

    fn apply_in_place(&self, record: &mut ConnectRecord) -> ConnectResult<bool> {
        if self.target.value(record).is_null() {
            return Ok(true);
        }
        let (meta, schema, value) = self.target.part().split(record);
        if schema.is_none() {
            let entries = require_map(std::mem::take(value), PURPOSE)?;
            let out: Vec<(Value, Value)> = entries
                .into_iter()
                .filter_map(|(k, v)| {
                    let name = k.as_str()?;
                    if !self.keep(name) {
                        return None;
                    }
                    let renamed = self.renamed(name);
                    if renamed == name {
                        Some((k, v))
                    } else {
                        Some((Value::String(renamed.to_string()), v))
                    }
                })
                .collect();
            *value = Value::Map(out);
            return Ok(true);
        }
        let Value::Struct(st) = value else {
            return require_struct(std::mem::take(value), PURPOSE).map(|_| true);
        };
        apply_cached(&self.cache, |s| self.build_edit(s), st, schema, &meta)?;
        Ok(true)
    }

    fn struct_edit_part(&self) -> Option<RecordPart> {
        Some(self.target.part())
    }

    fn struct_edit(&self, input: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        self.cache
            .with(input, || self.build_edit(input), Arc::clone)
    }
}

impl ReplaceField {
    /// The struct edit for structs of `input` (uncached).
    fn build_edit(&self, input: &SchemaRef) -> ConnectResult<Arc<StructEdit>> {
        let mut s = struct_like(input);
        let mut sources = Vec::new();
        for f in &input.fields {
            if self.keep(&f.name) {
                push_field(&mut s, self.renamed(&f.name), f.schema.clone());
                sources.push(f.index);
            }
        }
        let fill_defaults = self.replace_null_with_default
            && input.fields.iter().any(|f| f.schema.default.is_some());
        // Renames only (the usual case): the values stay where they are.
        let values: Option<Box<dyn ValuesEdit>> =
            (sources.len() != input.fields.len() || fill_defaults).then(|| {
                Box::new(KeepEdit {
                    input: input.clone(),
                    sources,
                    fill_defaults,
                }) as Box<dyn ValuesEdit>
            });
        Ok(Arc::new(StructEdit {
            output: Some(s.into_ref()),
            values,
        }))
    }
}
