//! `StringConverter` and `ByteArrayConverter`: the pass-through converters.

use crate::config::{ConfigDef, ConfigKey, ConfigMap, ConfigReader, ConfigType, Importance, Width};
use crate::converter::java_fmt::{self, MILLIS_PER_DAY};
use crate::converter::{Converter, HeaderViaConverter};
use crate::data::schema::{DATE_NAME, TIMESTAMP_NAME, TIME_NAME};
use crate::data::value::value_class_name;
use crate::data::{schemas, Schema, SchemaRef, SchemaType, Value};
use crate::error::{ConnectError, ConnectResult, DataError};

/// Java class name of the string converter.
pub const STRING_CONVERTER_CLASS: &str = "org.apache.kafka.connect.storage.StringConverter";
/// Java class name of the byte-array converter.
pub const BYTE_ARRAY_CONVERTER_CLASS: &str =
    "org.apache.kafka.connect.converters.ByteArrayConverter";
/// `converter.encoding`.
pub const ENCODING_CONFIG: &str = "converter.encoding";

/// `org.apache.kafka.connect.storage.StringConverter`: writes `value.toString()` as UTF-8 and
/// reads any bytes as an optional string.
#[derive(Debug, Clone, Default)]
pub struct StringConverter;

impl StringConverter {
    /// The settings StringConverter accepts.
    pub fn config_def() -> ConfigDef {
        ConfigDef::new().define(
            ConfigKey::new(
                ENCODING_CONFIG,
                ConfigType::String,
                Some("UTF-8"),
                Importance::High,
                "The character set used to encode and decode strings (only UTF-8 is supported).",
            )
            .group("Converter", 0, Width::Medium)
            .display("Encoding"),
        )
    }

    /// A converter configured from settings; any encoding other than UTF-8 is rejected.
    pub fn from_settings(settings: &ConfigMap) -> ConnectResult<Self> {
        let def = Self::config_def();
        let encoding = ConfigReader::new(&def, settings)
            .string(ENCODING_CONFIG)
            .map_err(ConnectError::config)?;
        let normalized = encoding.trim().to_ascii_uppercase().replace('_', "-");
        if normalized != "UTF-8" && normalized != "UTF8" {
            return Err(ConnectError::config(format!(
                "Invalid value {encoding} for configuration {ENCODING_CONFIG}: only UTF-8 is supported"
            )));
        }
        Ok(StringConverter)
    }

    fn serialize(schema: Option<&SchemaRef>, value: &Value) -> Option<Vec<u8>> {
        match value {
            Value::Null => None,
            Value::String(s) => Some(s.as_bytes().to_vec()),
            // Raw bytes pass through unchanged (the JVM would print an array identity).
            Value::Bytes(b) => Some(b.clone()),
            other => Some(java_to_string(schema.map(|s| s.as_ref()), other).into_bytes()),
        }
    }

    fn deserialize(data: Option<&[u8]>) -> (Option<SchemaRef>, Value) {
        let value = match data {
            None => Value::Null,
            Some(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        };
        (Some(schemas::optional_string()), value)
    }
}

impl Converter for StringConverter {
    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        Ok(Self::serialize(schema, value))
    }

    fn from_connect_data_into(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, DataError> {
        match value {
            Value::Null => return Ok(false),
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            Value::Bytes(b) => out.extend_from_slice(b),
            other => {
                out.extend_from_slice(java_to_string(schema.map(|s| s.as_ref()), other).as_bytes())
            }
        }
        Ok(true)
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        Ok(Self::deserialize(data))
    }
}

impl HeaderViaConverter for StringConverter {}

/// Java's `toString()` of a Connect value: numbers as Java prints them, lists as `[a, b]`,
/// maps as `{k=v}`, structs as `Struct{name=value,...}` (null fields left out), and logical
/// dates as `java.util.Date` prints them in UTC.
pub fn java_to_string(schema: Option<&Schema>, value: &Value) -> String {
    let mut out = String::new();
    append_java(&mut out, schema, value);
    out
}

/// [`java_to_string`] appended to `out`, with no allocation of its own for scalars.
pub fn append_java(out: &mut String, schema: Option<&Schema>, value: &Value) {
    if let Some(ms) = logical_millis(schema, value) {
        out.push_str(&java_date_to_string(ms));
        return;
    }
    match value {
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        Value::Array(items) => {
            let elem = schema.and_then(|s| s.value_schema.as_deref());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                append_java(out, elem, item);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let ks = schema.and_then(|s| s.key_schema.as_deref());
            let vs = schema.and_then(|s| s.value_schema.as_deref());
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                append_java(out, ks, k);
                out.push('=');
                append_java(out, vs, v);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push_str("Struct{");
            let mut first = true;
            for (field, v) in s.schema().fields.iter().zip(s.values()) {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&field.name);
                out.push('=');
                match v {
                    Value::Bytes(b) => {
                        let parts: Vec<String> = b.iter().map(|x| (*x as i8).to_string()).collect();
                        out.push('[');
                        out.push_str(&parts.join(", "));
                        out.push(']');
                    }
                    _ => append_java(out, Some(&field.schema), v),
                }
            }
            out.push('}');
        }
        scalar => java_fmt::push_scalar(out, scalar),
    }
}

fn logical_millis(schema: Option<&Schema>, value: &Value) -> Option<i64> {
    match (schema?.name.as_deref()?, value) {
        (DATE_NAME, Value::Int32(days)) => Some(*days as i64 * MILLIS_PER_DAY),
        (TIME_NAME, Value::Int32(ms)) => Some(*ms as i64),
        (TIMESTAMP_NAME, Value::Int64(ms)) => Some(*ms),
        _ => None,
    }
}

/// `java.util.Date.toString()` in UTC: `Mon Jan 15 10:00:00 UTC 2024`.
pub fn java_date_to_string(epoch_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch_ms.div_euclid(MILLIS_PER_DAY);
    let (y, m, d) = java_fmt::civil_from_days(days);
    let secs = epoch_ms.rem_euclid(MILLIS_PER_DAY) / 1000;
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        y
    )
}

/// `org.apache.kafka.connect.converters.ByteArrayConverter`: raw bytes in and out.
#[derive(Debug, Clone, Default)]
pub struct ByteArrayConverter;

impl ByteArrayConverter {
    fn serialize(schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>, DataError> {
        if let Some(s) = schema.filter(|s| s.schema_type != SchemaType::Bytes) {
            return Err(DataError::new(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                s.schema_type
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(DataError::new(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                value_class_name(other)
            ))),
        }
    }

    fn deserialize(data: Option<&[u8]>) -> (Option<SchemaRef>, Value) {
        let value = data.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        (Some(schemas::optional_bytes()), value)
    }
}

impl Converter for ByteArrayConverter {
    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        Self::serialize(schema, value)
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        Ok(Self::deserialize(data))
    }
}

impl HeaderViaConverter for ByteArrayConverter {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converter::HeaderConverter;
    use crate::data::{Decimal, LogicalType, SchemaBuilder, Struct};

    fn settings(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn string_converter_writes_to_string_forms() {
        let c = StringConverter::from_settings(&ConfigMap::new()).unwrap();
        // Both forms (fresh vector, appended to a reused buffer) write the same bytes.
        let mut reused = b"stale".to_vec();
        let mut ser = |s: Option<&SchemaRef>, v: Value| {
            let fresh = c.from_connect_data("t", s, &v).unwrap().unwrap();
            reused.clear();
            assert!(c.from_connect_data_into("t", s, &v, &mut reused).unwrap());
            assert_eq!(reused, fresh);
            String::from_utf8(fresh).unwrap()
        };
        assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
        let mut out = Vec::new();
        assert!(!c
            .from_connect_data_into("t", None, &Value::Null, &mut out)
            .unwrap());
        assert!(out.is_empty());
        assert_eq!(ser(None, "héllo".into()), "héllo");
        assert_eq!(ser(None, Value::Int32(42)), "42");
        assert_eq!(ser(None, Value::Float64(1e10)), "1.0E10");
        assert_eq!(ser(None, Value::Decimal(Decimal::new(1982, 0))), "1982");
        assert_eq!(
            ser(None, Value::Array(vec!["a".into(), Value::Null])),
            "[a, null]"
        );
        assert_eq!(
            ser(None, Value::Map(vec![("k".into(), Value::Int8(1))])),
            "{k=1}"
        );
        let schema = SchemaBuilder::struct_()
            .field("id", schemas::int32())
            .field("name", schemas::optional_string())
            .field("b", schemas::bytes())
            .build_ref();
        let s = Struct::from_values(
            schema.clone(),
            vec![Value::Int32(1), Value::Null, Value::Bytes(vec![1, 255])],
        )
        .unwrap();
        assert_eq!(
            ser(Some(&schema), Value::Struct(s)),
            "Struct{id=1,b=[1, -1]}"
        );
        let ts = LogicalType::Timestamp.builder().build_ref();
        assert_eq!(
            ser(Some(&ts), Value::Int64(1_705_312_800_000)),
            "Mon Jan 15 10:00:00 UTC 2024"
        );
    }

    #[test]
    fn string_converter_reads_optional_strings() {
        let c = StringConverter;
        let (s, v) = c.to_connect_data("t", Some("x".as_bytes())).unwrap();
        assert_eq!(s.as_deref(), Some(schemas::optional_string().as_ref()));
        assert_eq!(v, Value::String("x".into()));
        assert_eq!(c.to_connect_data("t", None).unwrap().1, Value::Null);
        let h: &dyn HeaderConverter = &c;
        assert_eq!(
            h.from_connect_header("t", "k", None, &Value::Int8(3))
                .unwrap()
                .unwrap(),
            b"3"
        );
    }

    #[test]
    fn string_converter_encoding_must_be_utf8() {
        for ok in ["UTF-8", "utf8", "utf-8"] {
            assert!(StringConverter::from_settings(&settings(&[(ENCODING_CONFIG, ok)])).is_ok());
        }
        let e = StringConverter::from_settings(&settings(&[(ENCODING_CONFIG, "ISO-8859-1")]))
            .unwrap_err();
        assert!(matches!(e, ConnectError::Config(_)));
        assert_eq!(
            e.to_string(),
            "Invalid value ISO-8859-1 for configuration converter.encoding: only UTF-8 is supported"
        );
    }

    #[test]
    fn byte_array_converter() {
        let c = ByteArrayConverter;
        assert_eq!(
            c.from_connect_data("t", Some(&schemas::bytes()), &Value::Bytes(vec![1, 2]))
                .unwrap(),
            Some(vec![1, 2])
        );
        assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
        assert_eq!(
            c.from_connect_data("t", Some(&schemas::int32()), &Value::Int32(1))
                .unwrap_err()
                .message(),
            "Invalid schema type for ByteArrayConverter: INT32"
        );
        assert_eq!(
            c.from_connect_data("t", None, &"s".into())
                .unwrap_err()
                .message(),
            "ByteArrayConverter is not compatible with objects of type class java.lang.String"
        );
        let (s, v) = c.to_connect_data("t", Some(&[9])).unwrap();
        assert_eq!(s.as_deref(), Some(schemas::optional_bytes().as_ref()));
        assert_eq!(v, Value::Bytes(vec![9]));
        assert_eq!(c.to_connect_data("t", None).unwrap().1, Value::Null);
    }

    #[test]
    fn java_dates() {
        assert_eq!(java_date_to_string(0), "Thu Jan 01 00:00:00 UTC 1970");
    }
}
