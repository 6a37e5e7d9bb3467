//! Connect schemas ↔ their JSON form (`asJsonSchema` / `asConnectSchema`), and the cache of
//! parsed schemas keyed by their JSON text.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::converter::java_fmt::write_i64;
use crate::data::{Field, Schema, SchemaRef, SchemaType};
use crate::error::DataError;

use super::config::JsonConverterConfig;
use super::de::read_value;
use super::parse::{Node, Reader};
use super::ser::write_value;
use super::write::write_str;

/// Writes a schema's JSON: `type`, then `items` | `keys`,`values` | `fields`, `optional`,
/// `name`, `version`, `doc`, `parameters`, `default` — the order Jackson emits.
pub fn write_schema(
    out: &mut Vec<u8>,
    schema: &Schema,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    write_schema_members(out, schema, cfg)?;
    out.push(b'}');
    Ok(())
}

/// Writes a schema object without its closing brace, so struct fields can append `"field"`.
fn write_schema_members(
    out: &mut Vec<u8>,
    schema: &Schema,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(schema.schema_type.json_name().as_bytes());
    out.push(b'"');
    match schema.schema_type {
        SchemaType::Array => {
            out.extend_from_slice(b",\"items\":");
            write_optional_schema(out, schema.value_schema.as_deref(), cfg)?;
        }
        SchemaType::Map => {
            out.extend_from_slice(b",\"keys\":");
            write_optional_schema(out, schema.key_schema.as_deref(), cfg)?;
            out.extend_from_slice(b",\"values\":");
            write_optional_schema(out, schema.value_schema.as_deref(), cfg)?;
        }
        SchemaType::Struct => {
            out.extend_from_slice(b",\"fields\":[");
            for (i, field) in schema.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_schema_members(out, &field.schema, cfg)?;
                out.extend_from_slice(b",\"field\":");
                write_str(out, &field.name);
                out.push(b'}');
            }
            out.push(b']');
        }
        _ => {}
    }
    out.extend_from_slice(if schema.optional {
        b",\"optional\":true"
    } else {
        b",\"optional\":false"
    });
    if let Some(name) = &schema.name {
        out.extend_from_slice(b",\"name\":");
        write_str(out, name);
    }
    if let Some(version) = schema.version {
        out.extend_from_slice(b",\"version\":");
        write_i64(out, version as i64);
    }
    if let Some(doc) = &schema.doc {
        out.extend_from_slice(b",\"doc\":");
        write_str(out, doc);
    }
    if let Some(params) = &schema.parameters {
        out.extend_from_slice(b",\"parameters\":{");
        for (i, (k, v)) in params.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, k);
            out.push(b':');
            write_str(out, v);
        }
        out.push(b'}');
    }
    if let Some(default) = schema.default.as_ref().filter(|d| !d.is_null()) {
        out.extend_from_slice(b",\"default\":");
        write_value(out, Some(schema), default, cfg)?;
    }
    Ok(())
}

fn write_optional_schema(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    match schema {
        Some(s) => write_schema(out, s, cfg),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// Builds a Connect schema from its JSON form; `None` for JSON `null`. `text` is the source the
/// node was read from (defaults are converted straight from it).
pub fn parse_schema(
    node: &Node<'_>,
    text: &str,
    cfg: &JsonConverterConfig,
) -> Result<Option<SchemaRef>, DataError> {
    if matches!(node, Node::Null) {
        return Ok(None);
    }
    let type_name = node
        .get("type")
        .and_then(Node::as_str)
        .ok_or_else(|| DataError::new("Schema must contain 'type' field"))?;
    let schema_type = SchemaType::from_json_name(type_name)
        .ok_or_else(|| DataError::new(format!("Unknown schema type: {type_name}")))?;
    let mut schema = Schema::new(schema_type);
    match schema_type {
        SchemaType::Array => {
            let items = node
                .get("items")
                .filter(|n| !matches!(n, Node::Null))
                .ok_or_else(|| DataError::new("Array schema did not specify the element type"))?;
            schema.value_schema = parse_schema(items, text, cfg)?;
        }
        SchemaType::Map => {
            let keys = node
                .get("keys")
                .ok_or_else(|| DataError::new("Map schema did not specify the key type"))?;
            let values = node
                .get("values")
                .ok_or_else(|| DataError::new("Map schema did not specify the value type"))?;
            schema.key_schema = parse_schema(keys, text, cfg)?;
            schema.value_schema = parse_schema(values, text, cfg)?;
        }
        SchemaType::Struct => {
            let Some(Node::Array(fields)) = node.get("fields") else {
                return Err(DataError::new(
                    "Struct schema's \"fields\" argument is not an array.",
                ));
            };
            for (index, field) in fields.iter().enumerate() {
                let name = field.get("field").and_then(Node::as_str).ok_or_else(|| {
                    DataError::new("Struct schema's field name not specified properly")
                })?;
                let field_schema = parse_schema(field, text, cfg)?.ok_or_else(|| {
                    DataError::new("Struct schema's field name not specified properly")
                })?;
                schema.fields.push(Field {
                    name: name.to_string(),
                    index,
                    schema: field_schema,
                });
            }
        }
        _ => {}
    }
    schema.optional = matches!(node.get("optional"), Some(Node::Bool(true)));
    schema.name = node.get("name").and_then(Node::as_str).map(str::to_string);
    if let Some(Node::Number(n)) = node.get("version") {
        if let Some(v) = n.as_i128() {
            schema.version = Some(v as i32);
        }
    }
    schema.doc = node.get("doc").and_then(Node::as_str).map(str::to_string);
    if let Some(Node::Object(members)) = node.get("parameters") {
        let mut params = BTreeMap::new();
        for m in members {
            let v = m
                .value
                .as_str()
                .ok_or_else(|| DataError::new("Schema parameters must have string values."))?;
            params.insert(m.key.to_string(), v.to_string());
        }
        schema.parameters = Some(params);
    }
    if let Some(member) = node.member("default") {
        let partial = Arc::new(schema.clone());
        let default = read_value(&mut Reader::new(text).at(member.start), Some(&partial), cfg)?;
        if !default.is_null() {
            schema.default = Some(default);
        }
    }
    Ok(Some(Arc::new(schema)))
}

/// Parsed schemas keyed by their JSON text, so records carrying the same schema share one
/// `Arc<Schema>` and skip re-parsing. Bounded by `schemas.cache.size`.
#[derive(Debug)]
pub struct SchemaCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    last: Option<(Arc<str>, SchemaRef)>,
    map: HashMap<Arc<str>, SchemaRef>,
}

impl SchemaCache {
    /// A cache holding at most `capacity` schemas (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        SchemaCache {
            capacity,
            inner: Mutex::new(CacheInner::default()),
        }
    }

    /// Number of cached schemas.
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The schema for `text`, parsing it with `parse` on a miss.
    pub fn get_or_parse(
        &self,
        text: &str,
        parse: impl FnOnce() -> Result<Option<SchemaRef>, DataError>,
    ) -> Result<Option<SchemaRef>, DataError> {
        if self.capacity == 0 {
            return parse();
        }
        {
            let mut inner = self.inner.lock();
            if let Some((last_text, schema)) = &inner.last {
                if **last_text == *text {
                    return Ok(Some(schema.clone()));
                }
            }
            if let Some((key, schema)) = inner.map.get_key_value(text) {
                let hit = (key.clone(), schema.clone());
                inner.last = Some(hit.clone());
                return Ok(Some(hit.1));
            }
        }
        let parsed = parse()?;
        if let Some(schema) = &parsed {
            let mut inner = self.inner.lock();
            if inner.map.len() >= self.capacity {
                if let Some(evict) = inner.map.keys().next().cloned() {
                    inner.map.remove(&evict);
                }
            }
            let key: Arc<str> = text.into();
            inner.map.insert(key.clone(), schema.clone());
            inner.last = Some((key, schema.clone()));
        }
        Ok(parsed)
    }
}
