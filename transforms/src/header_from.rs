//! `HeaderFrom`: copies or moves fields of the key or value into headers (added after any
//! existing headers, duplicates allowed).

use std::sync::Arc;

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, SchemaRef, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{invalid, non_empty_list, replace_null_key, Cfg};
use crate::util::requirements::{map_get, require_map, require_struct};
use crate::util::schema::{field_value, push_field, struct_like};
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `fields` key.
pub const FIELDS: &str = "fields";
/// The `headers` key.
pub const HEADERS: &str = "headers";
/// The `operation` key.
pub const OPERATION: &str = "operation";

/// Config keys of HeaderFrom.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(non_empty_list(ConfigKey::new(
            FIELDS,
            ConfigType::List,
            None,
            Importance::High,
            "Fields whose values become headers.",
        )))
        .define(non_empty_list(ConfigKey::new(
            HEADERS,
            ConfigType::List,
            None,
            Importance::High,
            "Header names, one per entry of fields, in the same order.",
        )))
        .define(
            ConfigKey::new(
                OPERATION,
                ConfigType::String,
                None,
                Importance::High,
                "move removes the fields from the data; copy leaves them in place.",
            )
            .validate_with(|_, v| match v {
                "move" | "copy" => Ok(()),
                _ => Err("String must be one of: move, copy".to_string()),
            }),
        )
        .define(replace_null_key())
}

/// Fields to headers (`org.apache.kafka.connect.transforms.HeaderFrom$Key|$Value`).
pub struct HeaderFrom {
    target: Target,
    fields: Vec<String>,
    headers: Vec<String>,
    is_move: bool,
    replace_null_with_default: bool,
    move_cache: SchemaCache<(SchemaRef, Arc<[usize]>)>,
}

impl HeaderFrom {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let fields = cfg.list(FIELDS)?;
        let headers = cfg.list(HEADERS)?;
        if fields.len() != headers.len() {
            return Err(invalid(
                HEADERS,
                &headers.join(","),
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        Ok(HeaderFrom {
            target,
            fields,
            headers,
            is_move: cfg.string(OPERATION)? == "move",
            replace_null_with_default: cfg.replace_null_with_default()?,
            move_cache: SchemaCache::new(),
        })
    }

    fn purpose(&self) -> &'static str {
        if self.is_move {
            "header move"
        } else {
            "header copy"
        }
    }
}

impl Transformation for HeaderFrom {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let value = self.target.take_value(&mut record);
        if self.target.schema(&record).is_none() {
            let mut entries = require_map(value, self.purpose())?;
            for (f, h) in self.fields.iter().zip(&self.headers) {
                let v = map_get(&entries, f).cloned().unwrap_or(Value::Null);
                record.headers.add(h.clone(), None, v);
            }
            if self.is_move {
                entries.retain(|(k, _)| {
                    !k.as_str()
                        .is_some_and(|k| self.fields.iter().any(|f| f == k))
                });
            }
            *self.target.parts_mut(&mut record).1 = Value::Map(entries);
            return Ok(Some(record));
        }
        let st = require_struct(value, self.purpose())?;
        for (f, h) in self.fields.iter().zip(&self.headers) {
            let field = st
                .schema()
                .field(f)
                .ok_or_else(|| ConnectError::data(format!("{f} is not a valid field name")))?;
            let v = field_value(&st, field, self.replace_null_with_default).clone();
            record.headers.add(h.clone(), Some(field.schema.clone()), v);
        }
        if !self.is_move {
            *self.target.parts_mut(&mut record).1 = Value::Struct(st);
            return Ok(Some(record));
        }
        let schema = st.schema().clone();
        let (updated, sources) = self.move_cache.get_or_try_insert(&schema, || {
            let mut s = struct_like(&schema);
            let mut sources = Vec::new();
            for f in &schema.fields {
                if !self.fields.contains(&f.name) {
                    push_field(&mut s, f.name.clone(), f.schema.clone());
                    sources.push(f.index);
                }
            }
            Ok((s.into_ref(), sources.into()))
        })?;
        let values = sources
            .iter()
            .map(|&i| field_value(&st, &schema.fields[i], self.replace_null_with_default).clone())
            .collect();
        let moved = Struct::from_values(updated.clone(), values)?;
        self.target
            .set(&mut record, Some(updated), Value::Struct(moved));
        Ok(Some(record))
    }
}
