//! The fixed-width converters in `org.apache.kafka.connect.converters`: Short, Integer, Long,
//! Float, Double (big-endian, as Kafka's serializers write them) and Boolean (one byte).

use crate::converter::{Converter, HeaderViaConverter};
use crate::data::value::value_class_name;
use crate::data::{schemas, SchemaRef, SchemaType, Value};
use crate::error::DataError;

/// Which number a [`NumberConverter`] handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// `ShortConverter`: int16, 2 bytes.
    Short,
    /// `IntegerConverter`: int32, 4 bytes.
    Integer,
    /// `LongConverter`: int64, 8 bytes.
    Long,
    /// `FloatConverter`: float32, 4 bytes.
    Float,
    /// `DoubleConverter`: float64, 8 bytes.
    Double,
}

impl NumberKind {
    /// Every kind.
    pub const ALL: [NumberKind; 5] = [
        NumberKind::Short,
        NumberKind::Integer,
        NumberKind::Long,
        NumberKind::Float,
        NumberKind::Double,
    ];

    /// The converter's Java class name.
    pub fn class_name(self) -> &'static str {
        match self {
            NumberKind::Short => "org.apache.kafka.connect.converters.ShortConverter",
            NumberKind::Integer => "org.apache.kafka.connect.converters.IntegerConverter",
            NumberKind::Long => "org.apache.kafka.connect.converters.LongConverter",
            NumberKind::Float => "org.apache.kafka.connect.converters.FloatConverter",
            NumberKind::Double => "org.apache.kafka.connect.converters.DoubleConverter",
        }
    }

    /// The name used in error messages (`short`, `integer`, ...).
    pub fn type_name(self) -> &'static str {
        match self {
            NumberKind::Short => "short",
            NumberKind::Integer => "integer",
            NumberKind::Long => "long",
            NumberKind::Float => "float",
            NumberKind::Double => "double",
        }
    }

    fn java_class(self) -> &'static str {
        match self {
            NumberKind::Short => "class java.lang.Short",
            NumberKind::Integer => "class java.lang.Integer",
            NumberKind::Long => "class java.lang.Long",
            NumberKind::Float => "class java.lang.Float",
            NumberKind::Double => "class java.lang.Double",
        }
    }

    fn width(self) -> usize {
        match self {
            NumberKind::Short => 2,
            NumberKind::Integer | NumberKind::Float => 4,
            NumberKind::Long | NumberKind::Double => 8,
        }
    }

    /// The Kafka deserializer's size error.
    fn size_error(self) -> String {
        let deserializer = match self {
            NumberKind::Short => "ShortDeserializer",
            NumberKind::Integer => "IntegerDeserializer",
            NumberKind::Long => "LongDeserializer",
            NumberKind::Float | NumberKind::Double => "Deserializer",
        };
        format!(
            "Size of data received by {deserializer} is not {}",
            self.width()
        )
    }

    /// The optional schema of the values read.
    pub fn schema(self) -> SchemaRef {
        match self {
            NumberKind::Short => schemas::optional_int16(),
            NumberKind::Integer => schemas::optional_int32(),
            NumberKind::Long => schemas::optional_int64(),
            NumberKind::Float => schemas::optional_float32(),
            NumberKind::Double => schemas::optional_float64(),
        }
    }
}

/// One of the numeric converters (`ShortConverter`, `IntegerConverter`, ...).
#[derive(Debug, Clone, Copy)]
pub struct NumberConverter {
    kind: NumberKind,
}

impl NumberConverter {
    /// A converter for the given number kind.
    pub fn new(kind: NumberKind) -> Self {
        NumberConverter { kind }
    }

    /// The number kind.
    pub fn kind(&self) -> NumberKind {
        self.kind
    }

    fn serialize(&self, value: &Value) -> Result<Option<Vec<u8>>, DataError> {
        let bytes = match (self.kind, value) {
            (_, Value::Null) => return Ok(None),
            (NumberKind::Short, Value::Int16(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Integer, Value::Int32(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Long, Value::Int64(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Float, Value::Float32(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Double, Value::Float64(v)) => v.to_be_bytes().to_vec(),
            (kind, other) => {
                let class = value_class_name(other);
                return Err(DataError::new(format!(
                    "Failed to serialize to {} (was {class}): {class} cannot be cast to {}",
                    kind.type_name(),
                    kind.java_class()
                )));
            }
        };
        Ok(Some(bytes))
    }

    fn deserialize(&self, data: Option<&[u8]>) -> Result<(Option<SchemaRef>, Value), DataError> {
        let schema = Some(self.kind.schema());
        let Some(bytes) = data else {
            return Ok((schema, Value::Null));
        };
        let wrong_size = || {
            DataError::new(format!(
                "Failed to deserialize {}: {}",
                self.kind.type_name(),
                self.kind.size_error()
            ))
        };
        let value = match self.kind {
            NumberKind::Short => Value::Int16(i16::from_be_bytes(
                bytes.try_into().map_err(|_| wrong_size())?,
            )),
            NumberKind::Integer => Value::Int32(i32::from_be_bytes(
                bytes.try_into().map_err(|_| wrong_size())?,
            )),
            NumberKind::Long => Value::Int64(i64::from_be_bytes(
                bytes.try_into().map_err(|_| wrong_size())?,
            )),
            NumberKind::Float => Value::Float32(f32::from_be_bytes(
                bytes.try_into().map_err(|_| wrong_size())?,
            )),
            NumberKind::Double => Value::Float64(f64::from_be_bytes(
                bytes.try_into().map_err(|_| wrong_size())?,
            )),
        };
        Ok((schema, value))
    }
}

impl Converter for NumberConverter {
    fn from_connect_data(
        &self,
        _topic: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, DataError> {
        self.serialize(value)
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<SchemaRef>, Value), DataError> {
        self.deserialize(data)
    }
}

impl HeaderViaConverter for NumberConverter {}

/// Java class name of the boolean converter.
pub const BOOLEAN_CONVERTER_CLASS: &str = "org.apache.kafka.connect.converters.BooleanConverter";

/// `org.apache.kafka.connect.converters.BooleanConverter`: one byte, 1 for true, 0 for false.
#[derive(Debug, Clone, Copy, Default)]
pub struct BooleanConverter;

impl BooleanConverter {
    fn serialize(schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>, DataError> {
        if let Some(s) = schema.filter(|s| s.schema_type != SchemaType::Boolean) {
            return Err(DataError::new(format!(
                "Invalid schema type for BooleanConverter: {}",
                s.schema_type
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Boolean(b) => Ok(Some(vec![u8::from(*b)])),
            other => Err(DataError::new(format!(
                "BooleanConverter is not compatible with objects of type {}",
                value_class_name(other)
            ))),
        }
    }

    fn deserialize(data: Option<&[u8]>) -> Result<(Option<SchemaRef>, Value), DataError> {
        let schema = Some(schemas::optional_boolean());
        let value = match data {
            None => Value::Null,
            Some([0]) => Value::Boolean(false),
            Some([1]) => Value::Boolean(true),
            Some([b]) => {
                return Err(DataError::new(format!(
                    "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: {}",
                    *b as i8
                )))
            }
            Some(_) => {
                return Err(DataError::new(
                    "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1",
                ))
            }
        };
        Ok((schema, value))
    }
}

impl Converter for BooleanConverter {
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
        Self::deserialize(data)
    }
}

impl HeaderViaConverter for BooleanConverter {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_big_endian_and_round_trip() {
        let cases = [
            (NumberKind::Short, Value::Int16(-2), vec![0xff, 0xfe]),
            (NumberKind::Integer, Value::Int32(258), vec![0, 0, 1, 2]),
            (
                NumberKind::Long,
                Value::Int64(1),
                vec![0, 0, 0, 0, 0, 0, 0, 1],
            ),
            (
                NumberKind::Float,
                Value::Float32(1.0),
                vec![0x3f, 0x80, 0, 0],
            ),
            (
                NumberKind::Double,
                Value::Float64(-2.0),
                vec![0xc0, 0, 0, 0, 0, 0, 0, 0],
            ),
        ];
        for (kind, value, bytes) in cases {
            let c = NumberConverter::new(kind);
            assert_eq!(
                c.from_connect_data("t", None, &value).unwrap(),
                Some(bytes.clone())
            );
            let (s, v) = c.to_connect_data("t", Some(&bytes)).unwrap();
            assert_eq!(s, Some(kind.schema()));
            assert!(s.unwrap().optional);
            assert_eq!(v, value);
            assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
            assert_eq!(c.to_connect_data("t", None).unwrap().1, Value::Null);
        }
    }

    #[test]
    fn number_errors() {
        let c = NumberConverter::new(NumberKind::Short);
        assert_eq!(
            c.from_connect_data("t", None, &Value::Int32(1)).unwrap_err().message(),
            "Failed to serialize to short (was class java.lang.Integer): class java.lang.Integer cannot be cast to class java.lang.Short"
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[1, 2, 3]))
                .unwrap_err()
                .message(),
            "Failed to deserialize short: Size of data received by ShortDeserializer is not 2"
        );
        let d = NumberConverter::new(NumberKind::Double);
        assert_eq!(
            d.to_connect_data("t", Some(&[1])).unwrap_err().message(),
            "Failed to deserialize double: Size of data received by Deserializer is not 8"
        );
    }

    #[test]
    fn booleans() {
        let c = BooleanConverter;
        assert_eq!(
            c.from_connect_data("t", Some(&schemas::boolean()), &Value::Boolean(true))
                .unwrap(),
            Some(vec![1])
        );
        assert_eq!(
            c.from_connect_data("t", None, &Value::Boolean(false))
                .unwrap(),
            Some(vec![0])
        );
        assert_eq!(
            c.from_connect_data("t", Some(&schemas::int8()), &Value::Int8(1))
                .unwrap_err()
                .message(),
            "Invalid schema type for BooleanConverter: INT8"
        );
        assert_eq!(
            c.from_connect_data("t", None, &Value::Int8(1))
                .unwrap_err()
                .message(),
            "BooleanConverter is not compatible with objects of type class java.lang.Byte"
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[1])).unwrap(),
            (Some(schemas::optional_boolean()), Value::Boolean(true))
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[2])).unwrap_err().message(),
            "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: 2"
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[0, 0])).unwrap_err().message(),
            "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1"
        );
    }
}
