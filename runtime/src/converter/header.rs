//! `org.apache.kafka.connect.storage.SimpleHeaderConverter`, the default header converter:
//! header values as text in Connect's `Values` syntax, with the schema inferred on read.

use crate::converter::values::{convert_to_string, parse_string};
use crate::converter::HeaderConverter;
use crate::data::{schemas, SchemaRef, Value};
use crate::error::DataError;

/// Java class name of the simple header converter.
pub const SIMPLE_HEADER_CONVERTER_CLASS: &str =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// Writes header values with `Values.convertToString` as UTF-8 and reads them back with
/// `Values.parseString`; bytes that are not UTF-8 come back as `bytes`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimpleHeaderConverter;

impl HeaderConverter for SimpleHeaderConverter {
    fn from_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        Ok(convert_to_string(schema.map(|s| s.as_ref()), value).map(String::into_bytes))
    }

    fn to_connect_header(
        &self,
        _topic: &str,
        _key: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        let Some(bytes) = data else {
            return Ok((None, Value::Null));
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(parse_string(text)),
            Err(_) => Ok((Some(schemas::bytes()), Value::Bytes(bytes.to_vec()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{LogicalType, SchemaType};

    fn round_trip(schema: Option<&SchemaRef>, value: &Value) -> (Option<SchemaRef>, Value, String) {
        let c = SimpleHeaderConverter;
        let bytes = c
            .from_connect_header("t", "h", schema, value)
            .unwrap()
            .unwrap();
        let (s, v) = c.to_connect_header("t", "h", Some(&bytes)).unwrap();
        (s, v, String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn writes_values_syntax_and_infers_on_read() {
        let (s, v, text) = round_trip(Some(&schemas::string()), &"inserted-value".into());
        assert_eq!(text, "inserted-value");
        assert_eq!(s.unwrap().schema_type, SchemaType::String);
        assert_eq!(v, Value::String("inserted-value".into()));

        let (s, v, text) = round_trip(Some(&schemas::int32()), &Value::Int32(1));
        assert_eq!(text, "1");
        assert_eq!(s.unwrap().schema_type, SchemaType::Int8);
        assert_eq!(v, Value::Int8(1));

        let ts = LogicalType::Timestamp.builder().build_ref();
        let (s, v, text) = round_trip(Some(&ts), &Value::Int64(1_705_312_800_123));
        assert_eq!(text, "2024-01-15T10:00:00.123Z");
        assert_eq!(s.unwrap().logical(), Some(LogicalType::Timestamp));
        assert_eq!(v, Value::Int64(1_705_312_800_123));

        let list = Value::Array(vec!["a".into(), "b".into()]);
        let (s, v, text) = round_trip(None, &list);
        assert_eq!(text, r#"["a","b"]"#);
        assert_eq!(s.unwrap().schema_type, SchemaType::Array);
        assert_eq!(v, list);
    }

    #[test]
    fn nulls_empty_and_binary() {
        let c = SimpleHeaderConverter;
        assert_eq!(
            c.from_connect_header("t", "h", None, &Value::Null).unwrap(),
            None
        );
        assert_eq!(
            c.to_connect_header("t", "h", None).unwrap(),
            (None, Value::Null)
        );
        let (s, v) = c.to_connect_header("t", "h", Some(b"")).unwrap();
        assert_eq!(s.unwrap().schema_type, SchemaType::String);
        assert_eq!(v, Value::String(String::new()));
        let (s, v) = c.to_connect_header("t", "h", Some(&[0xff, 0xfe])).unwrap();
        assert_eq!(s.unwrap().schema_type, SchemaType::Bytes);
        assert_eq!(v, Value::Bytes(vec![0xff, 0xfe]));
    }
}
