//! `org.apache.kafka.connect.json.JsonConverter`: Connect data as JSON, optionally wrapped in a
//! `{"schema":…,"payload":…}` envelope, byte-for-byte as the JVM worker writes it.
//!
//! Serialization writes straight into a byte buffer; deserialization reads straight from the
//! text. Parsed schemas are cached by their JSON text so records carrying the same schema share
//! one `Arc<Schema>`.

pub mod config;
mod de;
mod memo;
pub mod parse;
mod schema_json;
mod ser;
#[cfg(test)]
mod tests;
pub mod write;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::ConfigMap;
use crate::converter::{Converter, HeaderViaConverter};
use crate::data::{Schema, SchemaRef, Value};
use crate::error::{ConnectResult, DataError};

pub use config::{DecimalFormat, JsonConverterConfig};
pub use schema_json::SchemaCache;

use parse::{NodeType, Reader};

/// Java class name of the JSON converter.
pub const JSON_CONVERTER_CLASS: &str = "org.apache.kafka.connect.json.JsonConverter";

/// The error for input that is not a schema/payload envelope while `schemas.enable=true`.
pub const ENVELOPE_ERROR: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

/// Largest buffer size remembered as the starting capacity for the next record.
const MAX_SIZE_HINT: usize = 64 * 1024;

/// The JSON converter (also usable as a header converter).
#[derive(Debug)]
pub struct JsonConverter {
    config: JsonConverterConfig,
    cache: SchemaCache,
    size_hint: AtomicUsize,
    /// Identifies this instance in the per-thread schema memos.
    owner: u64,
}

impl JsonConverter {
    /// A converter with the given settings.
    pub fn new(config: JsonConverterConfig) -> Self {
        JsonConverter {
            cache: SchemaCache::new(config.schemas_cache_size),
            config,
            size_hint: AtomicUsize::new(128),
            owner: memo::next_owner_id(),
        }
    }

    /// A converter configured from settings (keys without the `value.converter.` prefix).
    pub fn from_settings(settings: &ConfigMap) -> ConnectResult<Self> {
        Ok(Self::new(JsonConverterConfig::from_settings(settings)?))
    }

    /// The settings in force.
    pub fn config(&self) -> &JsonConverterConfig {
        &self.config
    }

    /// Number of parsed schemas currently cached.
    pub fn cached_schemas(&self) -> usize {
        self.cache.len()
    }

    /// Appends the JSON for `value` to `out`. Returns `Ok(false)` and writes nothing for a
    /// tombstone (no schema and a null value).
    pub fn write_connect_data(
        &self,
        out: &mut Vec<u8>,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<bool, DataError> {
        if schema.is_none() && value.is_null() {
            return Ok(false);
        }
        let enveloped = self.config.schemas_enable;
        if enveloped {
            out.extend_from_slice(b"{\"schema\":");
        }
        let keys = match schema {
            Some(schema) => self.write_schema(out, schema, enveloped)?,
            None => {
                if enveloped {
                    out.extend_from_slice(b"null");
                }
                None
            }
        };
        if enveloped {
            out.extend_from_slice(b",\"payload\":");
        }
        match (schema, &keys) {
            (Some(schema), Some(keys)) => {
                ser::write_value_keyed(out, schema, value, keys, &self.config)?
            }
            _ => ser::write_value(out, schema.map(|s| s.as_ref()), value, &self.config)?,
        }
        if enveloped {
            out.push(b'}');
        }
        Ok(true)
    }

    /// Appends `schema`'s JSON if `enveloped`, reusing what this thread last wrote for the
    /// same `Arc`; returns its struct field keys when memoized.
    fn write_schema(
        &self,
        out: &mut Vec<u8>,
        schema: &SchemaRef,
        enveloped: bool,
    ) -> Result<Option<memo::FieldKeys>, DataError> {
        if self.config.schemas_cache_size == 0 {
            if enveloped {
                schema_json::write_schema(out, schema, &self.config)?;
            }
            return Ok(None);
        }
        if let Some(keys) = memo::lookup_written(self.owner, schema, out, enveloped) {
            return Ok(keys);
        }
        let start = out.len();
        schema_json::write_schema(out, schema, &self.config)?;
        let keys = memo::remember_written(self.owner, schema, &out[start..]);
        if !enveloped {
            out.truncate(start);
        }
        Ok(keys)
    }

    /// Serializes to a fresh buffer (`fromConnectData`); `None` for a tombstone.
    pub fn serialize(
        &self,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        let hint = self.size_hint.load(Ordering::Relaxed);
        let mut out = Vec::with_capacity(hint);
        if !self.write_connect_data(&mut out, schema, value)? {
            return Ok(None);
        }
        if out.len() > hint && out.len() <= MAX_SIZE_HINT {
            self.size_hint.store(out.len(), Ordering::Relaxed);
        }
        Ok(Some(out))
    }

    /// Deserializes bytes (`toConnectData`): null or empty input is a null value without schema.
    pub fn deserialize(
        &self,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        let Some(bytes) = data.filter(|b| !b.is_empty()) else {
            return Ok((None, Value::Null));
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            DataError::new(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error: Invalid UTF-8 at byte offset {}",
                e.valid_up_to()
            ))
        })?;
        if !self.config.schemas_enable {
            let value = de::read_schemaless(&mut Reader::new(text))?;
            return Ok((None, value));
        }
        match self.read_envelope(text) {
            Ok(v) => Ok(v),
            // Report problems in the order the JVM finds them: syntax, then envelope shape.
            Err(e) => Err(envelope_problem(text).unwrap_or(e)),
        }
    }

    fn read_envelope(&self, text: &str) -> Result<(Option<SchemaRef>, Value), DataError> {
        let mut r = Reader::new(text);
        if r.node_type() != NodeType::Object {
            return Err(DataError::new(ENVELOPE_ERROR));
        }
        r.begin_object()?;
        let mut first = true;
        let mut schema: Option<Option<SchemaRef>> = None;
        let mut payload_start = None;
        let mut payload = None;
        let mut extra = false;
        while let Some(key) = r.next_key(&mut first)? {
            r.peek();
            let start = r.pos();
            match key.as_ref() {
                "schema" => {
                    if let Some((known, len)) = memo::match_read(self.owner, &text[start..])
                        .filter(|_| self.config.schemas_cache_size > 0)
                    {
                        r = r.at(start + len);
                        schema = Some(Some(known));
                    } else {
                        r.skip_value()?;
                        let parsed = self.schema_at(text, start, r.pos())?;
                        if let Some(p) = parsed
                            .as_ref()
                            .filter(|_| self.config.schemas_cache_size > 0)
                        {
                            memo::remember_read(self.owner, &text[start..r.pos()], p);
                        }
                        schema = Some(parsed);
                    }
                    // A repeated "schema" after the payload: read the payload again later.
                    payload = None;
                }
                "payload" => {
                    payload_start = Some(start);
                    payload = None;
                    match &schema {
                        Some(s) => {
                            payload = Some(de::read_value(&mut r, s.as_ref(), &self.config)?)
                        }
                        None => r.skip_value()?,
                    }
                }
                _ => {
                    extra = true;
                    r.skip_value()?;
                }
            }
        }
        let (Some(schema), Some(payload_start), false) = (schema, payload_start, extra) else {
            return Err(DataError::new(ENVELOPE_ERROR));
        };
        let value = match payload {
            Some(v) => v,
            None => de::read_value(&mut r.at(payload_start), schema.as_ref(), &self.config)?,
        };
        Ok((schema, value))
    }

    /// The schema whose JSON spans `text[start..end]`, from the cache when seen before.
    fn schema_at(
        &self,
        text: &str,
        start: usize,
        end: usize,
    ) -> Result<Option<SchemaRef>, DataError> {
        let schema_text = &text[start..end];
        if schema_text == "null" {
            return Ok(None);
        }
        self.cache.get_or_parse(schema_text, || {
            let node = Reader::new(text).at(start).read_node()?;
            schema_json::parse_schema(&node, text, &self.config)
        })
    }

    /// The JSON form of a schema (`asJsonSchema`), as compact text.
    pub fn schema_to_json(&self, schema: &Schema) -> Result<String, DataError> {
        let mut out = Vec::with_capacity(128);
        schema_json::write_schema(&mut out, schema, &self.config)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Parses a schema from its JSON form (`asConnectSchema`); `None` for `null`.
    pub fn schema_from_json(&self, text: &str) -> Result<Option<SchemaRef>, DataError> {
        let mut r = Reader::new(text);
        r.peek();
        let start = r.pos();
        r.skip_value()?;
        self.schema_at(text, start, r.pos())
    }
}

/// The error the JVM would report first for this text, if it is malformed or not an envelope.
fn envelope_problem(text: &str) -> Option<DataError> {
    let mut r = Reader::new(text);
    if r.node_type() == NodeType::Missing {
        return Some(DataError::new(ENVELOPE_ERROR));
    }
    if let Err(e) = r.skip_value() {
        return Some(e);
    }
    let mut r = Reader::new(text);
    if r.node_type() != NodeType::Object || r.begin_object().is_err() {
        return Some(DataError::new(ENVELOPE_ERROR));
    }
    let (mut schema, mut payload, mut first) = (false, false, true);
    while let Ok(Some(key)) = r.next_key(&mut first) {
        match key.as_ref() {
            "schema" => schema = true,
            "payload" => payload = true,
            _ => return Some(DataError::new(ENVELOPE_ERROR)),
        }
        if r.skip_value().is_err() {
            break;
        }
    }
    (!(schema && payload)).then(|| DataError::new(ENVELOPE_ERROR))
}

impl Converter for JsonConverter {
    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        self.serialize(schema, value)
    }

    fn from_connect_data_into(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, DataError> {
        self.write_connect_data(out, schema, value)
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        self.deserialize(data)
    }
}

impl HeaderViaConverter for JsonConverter {}
