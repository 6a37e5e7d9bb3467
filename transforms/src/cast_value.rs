//! Value conversions of the `Cast` transform, with Java's semantics: narrowing casts wrap,
//! strings parse like `Integer.parseInt` / `Double.parseDouble`, booleans become 1/0 and
//! numbers become `longValue() != 0`, and everything can become a string (`toString()`,
//! Base64 for bytes, `Values.dateFormatFor` for dates).

use base64::Engine as _;
use ferroconnect_runtime::converter::java_fmt::{self, MILLIS_PER_DAY};
use ferroconnect_runtime::data::{
    schemas, Decimal, LogicalType, Schema, SchemaRef, SchemaType, Value,
};
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::requirements::java_class_display;

/// A type Cast can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastType {
    /// int8.
    Int8,
    /// int16.
    Int16,
    /// int32.
    Int32,
    /// int64.
    Int64,
    /// float32.
    Float32,
    /// float64.
    Float64,
    /// boolean.
    Boolean,
    /// string.
    String,
}

/// Kafka's list of output types, as printed in errors.
pub const SUPPORTED_OUTPUT: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";
/// Kafka's list of input types, as printed in errors.
pub const SUPPORTED_INPUT: &str =
    "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";

impl CastType {
    /// Every output type.
    pub const ALL: [CastType; 8] = [
        CastType::Int8,
        CastType::Int16,
        CastType::Int32,
        CastType::Int64,
        CastType::Float32,
        CastType::Float64,
        CastType::Boolean,
        CastType::String,
    ];

    /// Parses a type name (case-insensitive) into an output type, with Kafka's reasons.
    pub fn parse(name: &str) -> Result<CastType, String> {
        let upper = name.trim().to_ascii_uppercase();
        if let Some(ty) = CastType::ALL
            .into_iter()
            .find(|t| t.schema_type().java_name() == upper)
        {
            return Ok(ty);
        }
        match upper.as_str() {
            "BYTES" | "ARRAY" | "MAP" | "STRUCT" => Err(format!(
                "Cast transformation does not support casting to {upper}; supported types are {SUPPORTED_OUTPUT}"
            )),
            _ => Err(format!("Invalid type found in casting spec: {}", name.trim())),
        }
    }

    /// The physical schema type.
    pub fn schema_type(self) -> SchemaType {
        match self {
            CastType::Int8 => SchemaType::Int8,
            CastType::Int16 => SchemaType::Int16,
            CastType::Int32 => SchemaType::Int32,
            CastType::Int64 => SchemaType::Int64,
            CastType::Float32 => SchemaType::Float32,
            CastType::Float64 => SchemaType::Float64,
            CastType::Boolean => SchemaType::Boolean,
            CastType::String => SchemaType::String,
        }
    }

    /// The shared plain schema of this type.
    pub fn schema(self, optional: bool) -> SchemaRef {
        match (self, optional) {
            (CastType::Int8, false) => schemas::int8(),
            (CastType::Int16, false) => schemas::int16(),
            (CastType::Int32, false) => schemas::int32(),
            (CastType::Int64, false) => schemas::int64(),
            (CastType::Float32, false) => schemas::float32(),
            (CastType::Float64, false) => schemas::float64(),
            (CastType::Boolean, false) => schemas::boolean(),
            (CastType::String, false) => schemas::string(),
            (CastType::Int8, true) => schemas::optional_int8(),
            (CastType::Int16, true) => schemas::optional_int16(),
            (CastType::Int32, true) => schemas::optional_int32(),
            (CastType::Int64, true) => schemas::optional_int64(),
            (CastType::Float32, true) => schemas::optional_float32(),
            (CastType::Float64, true) => schemas::optional_float64(),
            (CastType::Boolean, true) => schemas::optional_boolean(),
            (CastType::String, true) => schemas::optional_string(),
        }
    }
}

/// A value seen through Java's classes.
enum Num {
    Long(i64),
    Double(f64),
    Big(Decimal),
}

fn out_of_range(value: &str) -> ConnectError {
    ConnectError::data(format!(
        "Value ({value}) was out of range for requested data type"
    ))
}

/// `Double.parseDouble`: surrounding blanks, `NaN`, `Infinity` and a `d`/`f` suffix allowed.
pub fn java_parse_f64(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let unsigned = t.trim_start_matches(['+', '-']);
    match unsigned {
        "NaN" => return Some(f64::NAN),
        "Infinity" => {
            return Some(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        _ => {}
    }
    let t = t.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(t);
    if t.is_empty()
        || t.bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    t.parse().ok()
}

fn decimal_of(schema: Option<&Schema>, value: &Value) -> ConnectResult<Option<Decimal>> {
    match (value, schema.and_then(Schema::logical)) {
        (Value::Decimal(d), _) => Ok(Some(*d)),
        (Value::Bytes(b), Some(LogicalType::Decimal { scale })) => {
            Ok(Some(Decimal::from_bytes(b, scale)?))
        }
        _ => Ok(None),
    }
}

fn truncate(d: Decimal) -> i128 {
    let mut v = d.unscaled;
    let mut scale = d.scale;
    while scale > 0 && v != 0 {
        v /= 10;
        scale -= 1;
    }
    v
}

/// The Java type Cast infers for a value: from the schema, else from the value itself.
fn input_type(schema: Option<&Schema>, value: &Value) -> ConnectResult<SchemaType> {
    let ty = match schema {
        Some(s) => s.schema_type,
        None => value.inferred_type().unwrap_or(SchemaType::String),
    };
    if matches!(ty, SchemaType::Array | SchemaType::Map | SchemaType::Struct) {
        return Err(ConnectError::data(format!(
            "Cast transformation does not support casting from {ty}; supported types are {SUPPORTED_INPUT}"
        )));
    }
    Ok(ty)
}

/// `castValueToType`: converts one value to the target type.
pub fn cast_value(schema: Option<&Schema>, value: Value, to: CastType) -> ConnectResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    input_type(schema, &value)?;
    let logical = schema.and_then(Schema::logical);
    if to == CastType::String {
        let text = match (&value, logical) {
            (Value::Int32(days), Some(LogicalType::Date)) => {
                java_fmt::format_java_date(*days as i64 * MILLIS_PER_DAY)
            }
            (Value::Int32(ms), Some(LogicalType::Time)) => java_fmt::format_java_date(*ms as i64),
            (Value::Int64(ms), Some(LogicalType::Timestamp)) => java_fmt::format_java_date(*ms),
            _ => match decimal_of(schema, &value)? {
                Some(d) => java_fmt::big_decimal_to_string(&d),
                None => match value {
                    Value::String(s) => return Ok(Value::String(s)),
                    Value::Boolean(b) => b.to_string(),
                    Value::Int8(v) => v.to_string(),
                    Value::Int16(v) => v.to_string(),
                    Value::Int32(v) => v.to_string(),
                    Value::Int64(v) => v.to_string(),
                    Value::Float32(v) => java_fmt::f32_to_string(v),
                    Value::Float64(v) => java_fmt::f64_to_string(v),
                    Value::Bytes(b) => base64::engine::general_purpose::STANDARD.encode(b),
                    other => {
                        return Err(ConnectError::data(format!(
                            "Unexpected type in Cast transformation: {}",
                            java_class_display(schema, &other)
                        )))
                    }
                },
            },
        };
        return Ok(Value::String(text));
    }
    let num = match decimal_of(schema, &value)? {
        Some(d) => Num::Big(d),
        None => match &value {
            Value::Int8(v) => Num::Long(*v as i64),
            Value::Int16(v) => Num::Long(*v as i64),
            Value::Int32(v) => Num::Long(*v as i64),
            Value::Int64(v) => Num::Long(*v),
            Value::Float32(v) => Num::Double(*v as f64),
            Value::Float64(v) => Num::Double(*v),
            Value::Boolean(b) => {
                if to == CastType::Boolean {
                    return Ok(Value::Boolean(*b));
                }
                Num::Long(i64::from(*b))
            }
            Value::String(s) => return cast_string(s, to),
            other => {
                return Err(ConnectError::data(format!(
                    "Unexpected type in Cast transformation: {}",
                    java_class_display(schema, other)
                )))
            }
        },
    };
    Ok(match (num, to) {
        (Num::Long(v), CastType::Int8) => Value::Int8(v as i8),
        (Num::Long(v), CastType::Int16) => Value::Int16(v as i16),
        (Num::Long(v), CastType::Int32) => Value::Int32(v as i32),
        (Num::Long(v), CastType::Int64) => Value::Int64(v),
        (Num::Long(v), CastType::Float32) => Value::Float32(v as f32),
        (Num::Long(v), CastType::Float64) => Value::Float64(v as f64),
        (Num::Long(v), _) => Value::Boolean(v != 0),
        (Num::Double(v), CastType::Int8) => Value::Int8(v as i32 as i8),
        (Num::Double(v), CastType::Int16) => Value::Int16(v as i32 as i16),
        (Num::Double(v), CastType::Int32) => Value::Int32(v as i32),
        (Num::Double(v), CastType::Int64) => Value::Int64(v as i64),
        (Num::Double(v), CastType::Float32) => Value::Float32(v as f32),
        (Num::Double(v), CastType::Float64) => Value::Float64(v),
        (Num::Double(v), _) => Value::Boolean(v as i64 != 0),
        (Num::Big(d), CastType::Int8) => Value::Int8(truncate(d) as i8),
        (Num::Big(d), CastType::Int16) => Value::Int16(truncate(d) as i16),
        (Num::Big(d), CastType::Int32) => Value::Int32(truncate(d) as i32),
        (Num::Big(d), CastType::Int64) => Value::Int64(truncate(d) as i64),
        (Num::Big(d), CastType::Float32) => Value::Float32(d.to_f64() as f32),
        (Num::Big(d), CastType::Float64) => Value::Float64(d.to_f64()),
        (Num::Big(d), _) => Value::Boolean(truncate(d) as i64 != 0),
    })
}

fn cast_string(s: &str, to: CastType) -> ConnectResult<Value> {
    let err = || out_of_range(s);
    Ok(match to {
        CastType::Int8 => Value::Int8(s.parse().map_err(|_| err())?),
        CastType::Int16 => Value::Int16(s.parse().map_err(|_| err())?),
        CastType::Int32 => Value::Int32(s.parse().map_err(|_| err())?),
        CastType::Int64 => Value::Int64(s.parse().map_err(|_| err())?),
        CastType::Float32 => Value::Float32(java_parse_f64(s).ok_or_else(err).map(|_| {
            let t = s.trim_matches(|c: char| c <= ' ');
            let t = t.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(t);
            t.parse::<f32>()
                .unwrap_or_else(|_| java_parse_f64(s).unwrap_or(0.0) as f32)
        })?),
        CastType::Float64 => Value::Float64(java_parse_f64(s).ok_or_else(err)?),
        CastType::Boolean => Value::Boolean(s.eq_ignore_ascii_case("true")),
        CastType::String => Value::String(s.to_string()),
    })
}
