//! Connect values: what a record's key, value and headers hold.
//!
//! Logical types keep their physical encoding (Date is an `Int32` of days, Timestamp an `Int64`
//! of epoch milliseconds, Time an `Int32` of milliseconds since midnight), and the schema name
//! says which logical type it is. Decimal has its own variant because its in-memory form (a
//! number) differs from its wire form (bytes); a Decimal schema accepts both `Value::Decimal`
//! and `Value::Bytes` holding the unscaled big-endian two's-complement value.

use std::fmt;

use super::schema::{Field, SchemaRef, SchemaType};
use crate::error::DataError;

/// An exact decimal number: `unscaled × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The unscaled integer value.
    pub unscaled: i128,
    /// Digits after the decimal point.
    pub scale: i32,
}

impl Decimal {
    /// Creates a decimal.
    pub fn new(unscaled: i128, scale: i32) -> Self {
        Decimal { unscaled, scale }
    }

    /// The unscaled value as minimal big-endian two's-complement bytes (Java's
    /// `BigInteger.toByteArray()`), the wire form of Connect's Decimal.
    pub fn to_bytes(&self) -> Vec<u8> {
        let all = self.unscaled.to_be_bytes();
        let mut start = 0;
        while start < all.len() - 1 {
            let b = all[start];
            let next_sign = all[start + 1] & 0x80;
            if (b == 0x00 && next_sign == 0) || (b == 0xff && next_sign != 0) {
                start += 1;
            } else {
                break;
            }
        }
        all[start..].to_vec()
    }

    /// Reads big-endian two's-complement bytes at the given scale.
    pub fn from_bytes(bytes: &[u8], scale: i32) -> Result<Self, DataError> {
        if bytes.is_empty() {
            return Err(DataError::new("Decimal value has no bytes"));
        }
        if bytes.len() > 16 {
            return Err(DataError::new(format!(
                "Decimal value of {} bytes exceeds the supported 38 digits",
                bytes.len()
            )));
        }
        let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0x00 };
        let mut buf = [fill; 16];
        buf[16 - bytes.len()..].copy_from_slice(bytes);
        Ok(Decimal {
            unscaled: i128::from_be_bytes(buf),
            scale,
        })
    }

    /// Parses a plain decimal string such as `-12.340` or `1e3` at its natural scale.
    pub fn parse(text: &str) -> Result<Self, DataError> {
        let t = text.trim();
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = t[i + 1..]
                    .parse()
                    .map_err(|_| DataError::new(format!("Invalid decimal '{text}'")))?;
                (&t[..i], e)
            }
            None => (t, 0),
        };
        let (neg, digits) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int_part, frac_part) = match digits.find('.') {
            Some(i) => (&digits[..i], &digits[i + 1..]),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty()
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DataError::new(format!("Invalid decimal '{text}'")));
        }
        let mut unscaled: i128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            unscaled = unscaled
                .checked_mul(10)
                .and_then(|v| v.checked_add((b - b'0') as i128))
                .ok_or_else(|| DataError::new(format!("Decimal '{text}' exceeds 38 digits")))?;
        }
        if neg {
            unscaled = -unscaled;
        }
        let mut scale = frac_part.len() as i32 - exp;
        while scale < 0 {
            unscaled = unscaled
                .checked_mul(10)
                .ok_or_else(|| DataError::new(format!("Decimal '{text}' exceeds 38 digits")))?;
            scale += 1;
        }
        Ok(Decimal { unscaled, scale })
    }

    /// The value as an `f64` (lossy).
    pub fn to_f64(&self) -> f64 {
        self.unscaled as f64 / 10f64.powi(self.scale)
    }
}

impl fmt::Display for Decimal {
    /// Plain notation, like Java's `BigDecimal.toPlainString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale <= 0 {
            write!(f, "{}", self.unscaled)?;
            for _ in 0..(-self.scale) {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let neg = self.unscaled < 0;
        let digits = self.unscaled.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let (int_part, frac_part) = if digits.len() > scale {
            (
                digits[..digits.len() - scale].to_string(),
                digits[digits.len() - scale..].to_string(),
            )
        } else {
            (
                "0".to_string(),
                format!("{}{}", "0".repeat(scale - digits.len()), digits),
            )
        };
        if neg {
            f.write_str("-")?;
        }
        write!(f, "{int_part}.{frac_part}")
    }
}

/// A Connect value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value.
    #[default]
    Null,
    /// Boolean.
    Boolean(bool),
    /// int8.
    Int8(i8),
    /// int16.
    Int16(i16),
    /// int32 (also Date and Time logical values).
    Int32(i32),
    /// int64 (also Timestamp logical values).
    Int64(i64),
    /// float32.
    Float32(f32),
    /// float64.
    Float64(f64),
    /// UTF-8 string.
    String(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// Decimal logical value.
    Decimal(Decimal),
    /// Array elements.
    Array(Vec<Value>),
    /// Map entries in insertion order.
    Map(Vec<(Value, Value)>),
    /// Struct with its schema.
    Struct(Struct),
}

impl Value {
    /// True for `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The schema type a schemaless value would be inferred as (`None` for null).
    pub fn inferred_type(&self) -> Option<SchemaType> {
        Some(match self {
            Value::Null => return None,
            Value::Boolean(_) => SchemaType::Boolean,
            Value::Int8(_) => SchemaType::Int8,
            Value::Int16(_) => SchemaType::Int16,
            Value::Int32(_) => SchemaType::Int32,
            Value::Int64(_) => SchemaType::Int64,
            Value::Float32(_) => SchemaType::Float32,
            Value::Float64(_) => SchemaType::Float64,
            Value::String(_) => SchemaType::String,
            Value::Bytes(_) | Value::Decimal(_) => SchemaType::Bytes,
            Value::Array(_) => SchemaType::Array,
            Value::Map(_) => SchemaType::Map,
            Value::Struct(_) => SchemaType::Struct,
        })
    }

    /// The string inside a `Value::String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The struct inside a `Value::Struct`.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer variant widened to i64.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int8(v) => Some(v as i64),
            Value::Int16(v) => Some(v as i64),
            Value::Int32(v) => Some(v as i64),
            Value::Int64(v) => Some(v),
            _ => None,
        }
    }

    /// Looks up a string key in a `Value::Map` (schemaless records).
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int32(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int64(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float64(v)
    }
}
impl From<Struct> for Value {
    fn from(v: Struct) -> Self {
        Value::Struct(v)
    }
}

/// A struct value: a shared schema plus one value per field, in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: SchemaRef,
    values: Vec<Value>,
}

impl Struct {
    /// An all-null struct of the given struct schema.
    pub fn new(schema: SchemaRef) -> Self {
        let n = schema.fields.len();
        Struct {
            schema,
            values: vec![Value::Null; n],
        }
    }

    /// Builds a struct from values given in field order (no validation; the caller vouches).
    pub fn from_values(schema: SchemaRef, values: Vec<Value>) -> Result<Self, DataError> {
        if values.len() != schema.fields.len() {
            return Err(DataError::new(format!(
                "Struct has {} fields but {} values were given",
                schema.fields.len(),
                values.len()
            )));
        }
        Ok(Struct { schema, values })
    }

    /// The struct's schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Values in field order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Consumes the struct into its values.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The schema and the values to change in place, borrowed together.
    pub fn schema_and_values_mut(&mut self) -> (&SchemaRef, &mut [Value]) {
        (&self.schema, &mut self.values)
    }

    /// Gives the struct a new schema, letting `reshape` rearrange, add or drop values in
    /// place first (no new struct, no new vector unless it must grow). Fails, leaving the
    /// struct with its old schema and whatever `reshape` left, if the count of values then
    /// differs from the new schema's fields.
    pub fn reshape(
        &mut self,
        schema: SchemaRef,
        reshape: impl FnOnce(&mut Vec<Value>),
    ) -> Result<(), DataError> {
        reshape(&mut self.values);
        if self.values.len() != schema.fields.len() {
            return Err(DataError::new(format!(
                "Struct has {} fields but {} values were given",
                schema.fields.len(),
                self.values.len()
            )));
        }
        self.schema = schema;
        Ok(())
    }

    /// Lets `edit` rework the values in place under the struct's own schema. Fails if the
    /// count of values then differs from the schema's fields.
    pub fn edit_values<R>(
        &mut self,
        edit: impl FnOnce(&mut Vec<Value>) -> R,
    ) -> Result<R, DataError> {
        let r = edit(&mut self.values);
        if self.values.len() != self.schema.fields.len() {
            return Err(DataError::new(format!(
                "Struct has {} fields but {} values were given",
                self.schema.fields.len(),
                self.values.len()
            )));
        }
        Ok(r)
    }

    /// The field definition by name.
    pub fn field(&self, name: &str) -> Result<&Field, DataError> {
        self.schema
            .field(name)
            .ok_or_else(|| DataError::new(format!("{name} is not a valid field name")))
    }

    /// The value of a field, without applying its default (`getWithoutDefault`).
    pub fn get_without_default(&self, name: &str) -> Result<&Value, DataError> {
        let f = self.field(name)?;
        Ok(&self.values[f.index])
    }

    /// The value of a field; null falls back to the field's default (`get`).
    pub fn get(&self, name: &str) -> Result<&Value, DataError> {
        let f = self.field(name)?;
        let v = &self.values[f.index];
        if v.is_null() {
            if let Some(d) = &f.schema.default {
                return Ok(d);
            }
        }
        Ok(v)
    }

    /// The value at a field index.
    pub fn get_index(&self, index: usize) -> &Value {
        &self.values[index]
    }

    /// Sets a field by name, checking the value against the field schema.
    pub fn put(&mut self, name: &str, value: Value) -> Result<&mut Self, DataError> {
        let f = self.field(name)?;
        validate_value(&f.schema, &value).map_err(|e| {
            DataError::new(format!(
                "Invalid value for field \"{name}\": {}",
                e.message()
            ))
        })?;
        let idx = f.index;
        self.values[idx] = value;
        Ok(self)
    }

    /// Sets a field by index without validation (hot paths that built the value to fit).
    pub fn put_index(&mut self, index: usize, value: Value) {
        self.values[index] = value;
    }

    /// Checks every field value against its schema (`Struct.validate()`).
    pub fn validate(&self) -> Result<(), DataError> {
        for f in &self.schema.fields {
            validate_value(&f.schema, &self.values[f.index]).map_err(|e| {
                DataError::new(format!(
                    "Invalid value for field \"{}\": {}",
                    f.name,
                    e.message()
                ))
            })?;
        }
        Ok(())
    }
}

/// Checks that a value fits a schema (`ConnectSchema.validateValue`).
pub fn validate_value(schema: &crate::data::Schema, value: &Value) -> Result<(), DataError> {
    use crate::data::LogicalType;
    if value.is_null() {
        if schema.optional || schema.default.is_some() {
            return Ok(());
        }
        return Err(DataError::new(format!(
            "Invalid value: null used for required field: \"null\", schema type: {}",
            schema.schema_type
        )));
    }
    let ok = match (schema.schema_type, value) {
        (SchemaType::Int8, Value::Int8(_))
        | (SchemaType::Int16, Value::Int16(_))
        | (SchemaType::Int32, Value::Int32(_))
        | (SchemaType::Int64, Value::Int64(_))
        | (SchemaType::Float32, Value::Float32(_))
        | (SchemaType::Float64, Value::Float64(_))
        | (SchemaType::Boolean, Value::Boolean(_))
        | (SchemaType::String, Value::String(_)) => true,
        (SchemaType::Bytes, Value::Bytes(_)) => true,
        (SchemaType::Bytes, Value::Decimal(_)) => {
            matches!(LogicalType::of(schema), Some(LogicalType::Decimal { .. }))
        }
        (SchemaType::Array, Value::Array(items)) => {
            if let Some(vs) = &schema.value_schema {
                for item in items {
                    validate_value(vs, item)?;
                }
            }
            true
        }
        (SchemaType::Map, Value::Map(entries)) => {
            for (k, v) in entries {
                if let Some(ks) = &schema.key_schema {
                    validate_value(ks, k)?;
                }
                if let Some(vs) = &schema.value_schema {
                    validate_value(vs, v)?;
                }
            }
            true
        }
        (SchemaType::Struct, Value::Struct(s)) => {
            if s.schema().as_ref() != schema {
                return Err(DataError::new("Struct schemas do not match."));
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(DataError::new(format!(
            "Invalid Java object for schema with type {}: {}",
            schema.schema_type,
            value_class_name(value)
        )))
    }
}

/// The Java class name Kafka would report for a value, for error messages.
pub fn value_class_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "class java.lang.Boolean",
        Value::Int8(_) => "class java.lang.Byte",
        Value::Int16(_) => "class java.lang.Short",
        Value::Int32(_) => "class java.lang.Integer",
        Value::Int64(_) => "class java.lang.Long",
        Value::Float32(_) => "class java.lang.Float",
        Value::Float64(_) => "class java.lang.Double",
        Value::String(_) => "class java.lang.String",
        Value::Bytes(_) => "class [B",
        Value::Decimal(_) => "class java.math.BigDecimal",
        Value::Array(_) => "class java.util.ArrayList",
        Value::Map(_) => "class java.util.HashMap",
        Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_bytes_match_java_biginteger() {
        assert_eq!(Decimal::new(1234, 2).to_bytes(), vec![0x04, 0xd2]);
        assert_eq!(Decimal::new(156, 2).to_bytes(), vec![0x00, 0x9c]);
        assert_eq!(Decimal::new(-1, 0).to_bytes(), vec![0xff]);
        assert_eq!(Decimal::new(0, 0).to_bytes(), vec![0x00]);
        assert_eq!(
            Decimal::from_bytes(&[0x00, 0x9c], 2).unwrap(),
            Decimal::new(156, 2)
        );
        assert_eq!(
            Decimal::from_bytes(&[0xff, 0x00], 0).unwrap(),
            Decimal::new(-256, 0)
        );
    }

    #[test]
    fn decimal_parse_and_display_round_trip() {
        for s in ["12.34", "-0.05", "100", "0.000", "-123456789.123456789"] {
            assert_eq!(Decimal::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Decimal::parse("1e2").unwrap(), Decimal::new(100, 0));
        assert!(Decimal::parse("1.2.3").is_err());
    }

    #[test]
    fn reshape_swaps_the_schema_only_when_the_values_fit_it() {
        use crate::data::{schemas, SchemaBuilder};
        let one = SchemaBuilder::struct_()
            .field("a", schemas::int32())
            .build_ref();
        let two = SchemaBuilder::struct_()
            .field("a", schemas::int32())
            .field("b", schemas::string())
            .build_ref();
        let mut st = Struct::from_values(one.clone(), vec![Value::Int32(1)]).unwrap();
        st.reshape(two.clone(), |v| v.push(Value::from("x")))
            .unwrap();
        assert!(std::sync::Arc::ptr_eq(st.schema(), &two));
        assert_eq!(st.values(), &[Value::Int32(1), Value::from("x")]);
        let err = st.reshape(one, |_| ()).unwrap_err();
        assert!(
            err.to_string().contains("Struct has 1 fields but 2 values"),
            "{err}"
        );
        assert!(std::sync::Arc::ptr_eq(st.schema(), &two));
    }
}
