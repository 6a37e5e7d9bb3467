//! Converters between Connect data and Kafka bytes (`Converter`, `HeaderConverter`).

pub mod header;
pub mod java_fmt;
pub mod json;
pub mod number;
mod registry;
pub mod simple;
pub mod values;

use std::sync::Arc;

use crate::config::{ConfigDef, ConfigMap};
use crate::data::{SchemaRef, Value};
use crate::error::{ConnectResult, DataError};

pub use header::SimpleHeaderConverter;
pub use json::{DecimalFormat, JsonConverter, JsonConverterConfig};
pub use number::{BooleanConverter, NumberConverter, NumberKind};
pub use registry::register_builtin;
pub use simple::{ByteArrayConverter, StringConverter};

/// The Kafka Connect version the built-in converters report (`Versioned.version()`).
pub const KAFKA_COMPAT_VERSION: &str = "4.2.0";

/// Converts keys or values between Connect data and bytes.
#[allow(clippy::wrong_self_convention)] // Kafka's method names.
pub trait Converter: Send + Sync {
    /// Serializes a value; `Ok(None)` is a null (tombstone).
    fn from_connect_data(
        &self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError>;
    /// Serializes a value by appending its bytes to `out`, which the caller may reuse from
    /// record to record; `Ok(false)` is a null (tombstone) and appends nothing. The bytes are
    /// exactly those of [`Converter::from_connect_data`]; the default goes through it, and
    /// converters that can write straight into the buffer override it.
    fn from_connect_data_into(
        &self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, DataError> {
        match self.from_connect_data(topic, schema, value)? {
            Some(bytes) => {
                out.extend_from_slice(&bytes);
                Ok(true)
            }
            None => Ok(false),
        }
    }
    /// Deserializes bytes (`None` = null) into a schema and value.
    fn to_connect_data(
        &self,
        topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError>;
}

/// Converts header values between Connect data and bytes.
#[allow(clippy::wrong_self_convention)] // Kafka's method names.
pub trait HeaderConverter: Send + Sync {
    /// Serializes one header value.
    fn from_connect_header(
        &self,
        topic: &str,
        key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError>;
    /// Deserializes one header value.
    fn to_connect_header(
        &self,
        topic: &str,
        key: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError>;
}

/// Marks a [`Converter`] whose header form is the same conversion with the header key
/// ignored; every such type gets [`HeaderConverter`] through the blanket impl below.
pub trait HeaderViaConverter: Converter {}

impl<C: HeaderViaConverter> HeaderConverter for C {
    fn from_connect_header(
        &self,
        topic: &str,
        _key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        self.from_connect_data(topic, schema, value)
    }

    fn to_connect_header(
        &self,
        topic: &str,
        _key: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        self.to_connect_data(topic, data)
    }
}

/// Builds a converter from its settings (keys without the `key.converter.` prefix) and
/// whether it converts keys.
pub type ConverterFactory =
    Arc<dyn Fn(&ConfigMap, bool) -> ConnectResult<Arc<dyn Converter>> + Send + Sync>;
/// Builds a header converter from its settings.
pub type HeaderConverterFactory =
    Arc<dyn Fn(&ConfigMap) -> ConnectResult<Arc<dyn HeaderConverter>> + Send + Sync>;

/// A registered converter plugin.
#[derive(Clone)]
pub struct ConverterPlugin {
    /// Java class name.
    pub class: String,
    /// Version.
    pub version: String,
    /// Settings.
    pub config_def: ConfigDef,
    /// Constructor for key/value use; `None` if the class is only a header converter.
    pub factory: Option<ConverterFactory>,
    /// Constructor for header use; `None` if the class is not a header converter.
    pub header_factory: Option<HeaderConverterFactory>,
}
