//! `Cast`: casts the whole key/value, or listed top-level fields, to another primitive type.
//! The spec is `field:type,...` or a single `type` for the whole value.

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::data::{ConnectRecord, Schema, SchemaRef, Struct, Value};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::cast_value::{cast_value, CastType};
use crate::util::config::{invalid, replace_null_key, Cfg};
use crate::util::requirements::{map_get, map_put, require_map, require_struct};
use crate::util::schema::{push_field, struct_like, take_field_value};
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `spec` key.
pub const SPEC: &str = "spec";
const PURPOSE: &str = "cast types";

/// What to cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastSpec {
    /// The whole key or value.
    Whole(CastType),
    /// Top-level fields, in spec order.
    Fields(Vec<(String, CastType)>),
}

/// Parses a spec list, giving Kafka's reason on error.
pub fn parse_spec(list: &[String]) -> Result<CastSpec, String> {
    if list.is_empty() {
        return Err("Must specify at least one field to cast.".to_string());
    }
    let mut whole = None;
    let mut fields = Vec::with_capacity(list.len());
    for mapping in list {
        let mut parts: Vec<&str> = mapping.split(':').collect();
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        match parts.as_slice() {
            [ty] => whole = Some(CastType::parse(ty)?),
            [field, ty] => fields.push((field.trim().to_string(), CastType::parse(ty)?)),
            _ => return Err(format!("Invalid cast mapping: {mapping}")),
        }
    }
    match whole {
        Some(_) if list.len() > 1 => Err(
            "Cast transformations that specify a type to cast the entire value to may ony specify a single cast in their spec"
                .to_string(),
        ),
        Some(ty) => Ok(CastSpec::Whole(ty)),
        None => Ok(CastSpec::Fields(fields)),
    }
}

/// Config keys of Cast.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                SPEC,
                ConfigType::List,
                None,
                Importance::High,
                "Casts as field:type pairs, or a single type to cast the whole key or value. \
                 Types: int8, int16, int32, int64, float32, float64, boolean, string.",
            )
            .validate_with(|_, v| {
                parse_spec(&ferroconnect_runtime::config::parse_list(v)).map(|_| ())
            }),
        )
        .define(replace_null_key())
}

/// Casts types (`org.apache.kafka.connect.transforms.Cast$Key|$Value`).
pub struct Cast {
    target: Target,
    spec: CastSpec,
    replace_null_with_default: bool,
    cache: SchemaCache<SchemaRef>,
}

impl Cast {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let raw = config.get(SPEC).cloned().unwrap_or_default();
        let cfg = Cfg::parse(&def, config)?;
        let spec = parse_spec(&cfg.list(SPEC)?).map_err(|e| invalid(SPEC, &raw, e))?;
        Ok(Cast {
            target,
            spec,
            replace_null_with_default: cfg.replace_null_with_default()?,
            cache: SchemaCache::new(),
        })
    }

    fn field_cast(&self, name: &str) -> Option<CastType> {
        match &self.spec {
            CastSpec::Fields(f) => f.iter().find(|(n, _)| n == name).map(|(_, t)| *t),
            CastSpec::Whole(_) => None,
        }
    }

    fn build_schema(&self, schema: &Schema) -> ConnectResult<SchemaRef> {
        let cast_schema = |ty: CastType, src: &Schema| -> ConnectResult<SchemaRef> {
            match &src.default {
                None => Ok(ty.schema(src.optional)),
                Some(d) => {
                    let mut s = (*ty.schema(src.optional)).clone();
                    s.default = Some(cast_value(Some(src), d.clone(), ty)?);
                    Ok(s.into_ref())
                }
            }
        };
        match &self.spec {
            CastSpec::Whole(ty) => {
                let mut s = (*cast_schema(*ty, schema)?).clone();
                if schema.logical().is_none() {
                    s.name = schema.name.clone();
                    s.version = schema.version;
                    s.doc = schema.doc.clone();
                    s.parameters = schema.parameters.clone();
                }
                Ok(s.into_ref())
            }
            CastSpec::Fields(_) => {
                let mut s = struct_like(schema);
                s.optional = schema.optional;
                for f in &schema.fields {
                    let fs = match self.field_cast(&f.name) {
                        Some(ty) => cast_schema(ty, &f.schema)?,
                        None => f.schema.clone(),
                    };
                    push_field(&mut s, f.name.clone(), fs);
                }
                Ok(s.into_ref())
            }
        }
    }
}

impl Transformation for Cast {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        if self.target.value(&record).is_null() {
            return Ok(Some(record));
        }
        let value = self.target.take_value(&mut record);
        let Some(schema) = self.target.schema(&record).cloned() else {
            let out = match &self.spec {
                CastSpec::Whole(ty) => cast_value(None, value, *ty)?,
                CastSpec::Fields(fields) => {
                    let mut entries = require_map(value, PURPOSE)?;
                    for (name, ty) in fields {
                        let current = map_get(&entries, name).cloned().unwrap_or(Value::Null);
                        map_put(&mut entries, name, cast_value(None, current, *ty)?);
                    }
                    Value::Map(entries)
                }
            };
            self.target.set(&mut record, None, out);
            return Ok(Some(record));
        };
        let updated = self
            .cache
            .get_or_try_insert(&schema, || self.build_schema(&schema))?;
        let out = match &self.spec {
            CastSpec::Whole(ty) => cast_value(Some(&schema), value, *ty)?,
            CastSpec::Fields(_) => {
                let st = require_struct(value, PURPOSE)?;
                let st_schema = st.schema().clone();
                let mut values = st.into_values();
                for f in &st_schema.fields {
                    let v = take_field_value(&mut values, f, self.replace_null_with_default);
                    values[f.index] = match self.field_cast(&f.name) {
                        Some(ty) => cast_value(Some(&f.schema), v, ty)?,
                        None => v,
                    };
                }
                Value::Struct(
                    Struct::from_values(updated.clone(), values).map_err(ConnectError::from)?,
                )
            }
        };
        self.target.set(&mut record, Some(updated), out);
        Ok(Some(record))
    }
}
