//! Connect data → JSON bytes (`JsonConverter.convertToJson`), written straight into a buffer.

use crate::converter::java_fmt::{write_big_decimal, write_i64};
use crate::data::schema::{DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use crate::data::value::value_class_name;
use crate::data::{Decimal, Schema, SchemaType, Struct, Value};
use crate::error::DataError;

use super::config::{DecimalFormat, JsonConverterConfig};
use super::write::{write_base64, write_f32, write_f64, write_str};

/// Writes one value under an optional schema.
pub fn write_value(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    value: &Value,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    let Some(schema) = schema else {
        return write_schemaless(out, value, cfg);
    };
    if value.is_null() {
        return write_null(out, schema, cfg);
    }
    if let Some(name) = schema.name.as_deref() {
        if let Some(done) = write_logical(out, name, schema, value, cfg) {
            return done;
        }
    }
    match (schema.schema_type, value) {
        (SchemaType::Int8, Value::Int8(v)) => write_i64(out, *v as i64),
        (SchemaType::Int16, Value::Int16(v)) => write_i64(out, *v as i64),
        (SchemaType::Int32, Value::Int32(v)) => write_i64(out, *v as i64),
        (SchemaType::Int64, Value::Int64(v)) => write_i64(out, *v),
        (SchemaType::Float32, Value::Float32(v)) => write_f32(out, *v),
        (SchemaType::Float64, Value::Float64(v)) => write_f64(out, *v),
        (SchemaType::Boolean, Value::Boolean(v)) => write_bool(out, *v),
        (SchemaType::String, Value::String(v)) => write_str(out, v),
        (SchemaType::Bytes, Value::Bytes(v)) => write_base64(out, v),
        (SchemaType::Bytes, other) => {
            return Err(DataError::new(format!(
                "Invalid type for bytes type: {}",
                value_class_name(other)
            )))
        }
        (SchemaType::Array, Value::Array(items)) => {
            let elem = schema.value_schema.as_deref();
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, elem, item, cfg)?;
            }
            out.push(b']');
        }
        (SchemaType::Map, Value::Map(entries)) => write_map(out, schema, entries, cfg)?,
        (SchemaType::Struct, Value::Struct(s)) => write_struct(out, schema, s, cfg)?,
        (t, other) => {
            return Err(DataError::new(format!(
                "Invalid type for {t}: {}",
                value_class_name(other)
            )))
        }
    }
    Ok(())
}

/// Writes one value under `schema`; a struct's field keys come from `keys` (ready-made, see
/// the converter's memo) when there is one per field.
#[inline]
pub fn write_value_keyed(
    out: &mut Vec<u8>,
    schema: &Schema,
    value: &Value,
    keys: &[Box<[u8]>],
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    match value {
        Value::Struct(s)
            if schema.schema_type == SchemaType::Struct
                && keys.len() == schema.fields.len()
                && !keys.is_empty() =>
        {
            check_struct_schema(schema, s)?;
            out.push(b'{');
            for ((field, v), key) in schema.fields.iter().zip(s.values()).zip(keys) {
                out.extend_from_slice(key);
                write_value(out, Some(&field.schema), v, cfg)?;
            }
            out.push(b'}');
            Ok(())
        }
        _ => write_value(out, Some(schema), value, cfg),
    }
}

/// Kafka's check that a struct is written under its own schema.
fn check_struct_schema(schema: &Schema, s: &Struct) -> Result<(), DataError> {
    let own = s.schema().as_ref();
    if !std::ptr::eq(own, schema) && !same_struct_schema(own, schema) {
        return Err(DataError::new("Mismatching schema."));
    }
    Ok(())
}

/// A null under a schema: the default (if replacing), JSON null if optional, else an error.
fn write_null(
    out: &mut Vec<u8>,
    schema: &Schema,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    if cfg.replace_null_with_default {
        if let Some(default) = schema.default.as_ref().filter(|d| !d.is_null()) {
            return write_value(out, Some(schema), default, cfg);
        }
    }
    if schema.optional {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    Err(DataError::new(
        "Conversion error: null value for field that is required and has no default value",
    ))
}

fn write_bool(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// The `scale` parameter of a Decimal schema.
pub fn decimal_scale(schema: &Schema) -> Result<i32, DataError> {
    schema
        .parameters
        .as_ref()
        .and_then(|p| p.get("scale"))
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| DataError::new("Invalid Decimal schema: scale parameter not found."))
}

/// Writes a logical-type value; `None` if the schema name is not a logical type.
fn write_logical(
    out: &mut Vec<u8>,
    name: &str,
    schema: &Schema,
    value: &Value,
    cfg: &JsonConverterConfig,
) -> Option<Result<(), DataError>> {
    let wrong = |logical: &str, expected: &str| {
        Err(DataError::new(format!(
            "Invalid type for {logical}, expected {expected} but was {}",
            value_class_name(value)
        )))
    };
    Some(match name {
        DECIMAL_NAME => write_decimal(out, schema, value, cfg),
        DATE_NAME => match value {
            Value::Int32(days) => {
                write_i64(out, *days as i64);
                Ok(())
            }
            _ => wrong("Date", "Date"),
        },
        TIME_NAME => match value {
            Value::Int32(ms) => {
                write_i64(out, *ms as i64);
                Ok(())
            }
            _ => wrong("Time", "Date"),
        },
        TIMESTAMP_NAME => match value {
            Value::Int64(ms) => {
                write_i64(out, *ms);
                Ok(())
            }
            _ => wrong("Timestamp", "Date"),
        },
        _ => return None,
    })
}

fn write_decimal(
    out: &mut Vec<u8>,
    schema: &Schema,
    value: &Value,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    let scale = decimal_scale(schema)?;
    match value {
        Value::Decimal(d) => {
            if d.scale != scale {
                return Err(DataError::new(
                    "BigDecimal has mismatching scale value for given Decimal schema",
                ));
            }
            match cfg.decimal_format {
                DecimalFormat::Numeric => write_big_decimal(out, d),
                DecimalFormat::Base64 => {
                    let (buf, start) = unscaled_bytes(d.unscaled);
                    write_base64(out, &buf[start..]);
                }
            }
            Ok(())
        }
        // The data model allows a Decimal schema to carry the wire bytes directly.
        Value::Bytes(bytes) => {
            match cfg.decimal_format {
                DecimalFormat::Base64 => write_base64(out, bytes),
                DecimalFormat::Numeric => {
                    write_big_decimal(out, &Decimal::from_bytes(bytes, scale)?)
                }
            }
            Ok(())
        }
        other => Err(DataError::new(format!(
            "Invalid type for Decimal, expected BigDecimal but was {}",
            value_class_name(other)
        ))),
    }
}

/// Minimal big-endian two's-complement bytes of an unscaled value (`BigInteger.toByteArray`),
/// on the stack: the bytes are `buf[start..]`.
fn unscaled_bytes(v: i128) -> ([u8; 16], usize) {
    let buf = v.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let next_sign = buf[start + 1] & 0x80;
        if (buf[start] == 0x00 && next_sign == 0) || (buf[start] == 0xff && next_sign != 0) {
            start += 1;
        } else {
            break;
        }
    }
    (buf, start)
}

fn write_map(
    out: &mut Vec<u8>,
    schema: &Schema,
    entries: &[(Value, Value)],
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    let key_schema = schema.key_schema.as_deref();
    let value_schema = schema.value_schema.as_deref();
    let object_mode = match key_schema {
        Some(ks) => ks.schema_type == SchemaType::String,
        None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
    };
    if object_mode {
        out.push(b'{');
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_object_key(out, key_schema, k, cfg)?;
            out.push(b':');
            write_value(out, value_schema, v, cfg)?;
        }
        out.push(b'}');
    } else {
        out.push(b'[');
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'[');
            write_value(out, key_schema, k, cfg)?;
            out.push(b',');
            write_value(out, value_schema, v, cfg)?;
            out.push(b']');
        }
        out.push(b']');
    }
    Ok(())
}

/// A string-schema map key as object member name (the key's JSON text, as `asText()`).
fn write_object_key(
    out: &mut Vec<u8>,
    key_schema: Option<&Schema>,
    key: &Value,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    match key {
        Value::String(s) => write_str(out, s),
        Value::Null => {
            let mut text = Vec::new();
            write_value(&mut text, key_schema, key, cfg)?;
            // A default string key is written quoted; use its text as the member name.
            match text.first() {
                Some(b'"') => out.extend_from_slice(&text),
                _ => write_str(out, &String::from_utf8_lossy(&text)),
            }
        }
        other => {
            return Err(DataError::new(format!(
                "Invalid type for STRING: {}",
                value_class_name(other)
            )))
        }
    }
    Ok(())
}

fn write_struct(
    out: &mut Vec<u8>,
    schema: &Schema,
    s: &Struct,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    check_struct_schema(schema, s)?;
    out.push(b'{');
    for (i, (field, v)) in schema.fields.iter().zip(s.values()).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, &field.name);
        out.push(b':');
        write_value(out, Some(&field.schema), v, cfg)?;
    }
    out.push(b'}');
    Ok(())
}

/// Struct schema equality, ignoring the outer default (a struct used as its own schema's
/// default necessarily points at the schema as it was before the default was set).
fn same_struct_schema(a: &Schema, b: &Schema) -> bool {
    a.schema_type == b.schema_type
        && a.optional == b.optional
        && a.name == b.name
        && a.version == b.version
        && a.doc == b.doc
        && a.parameters == b.parameters
        && a.fields == b.fields
        && (a.default == b.default || a.default.is_none() || b.default.is_none())
}

/// Writes a value without a schema: the JSON type follows the value's own type.
fn write_schemaless(
    out: &mut Vec<u8>,
    value: &Value,
    cfg: &JsonConverterConfig,
) -> Result<(), DataError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(v) => write_bool(out, *v),
        Value::Int8(v) => write_i64(out, *v as i64),
        Value::Int16(v) => write_i64(out, *v as i64),
        Value::Int32(v) => write_i64(out, *v as i64),
        Value::Int64(v) => write_i64(out, *v),
        Value::Float32(v) => write_f32(out, *v),
        Value::Float64(v) => write_f64(out, *v),
        Value::String(v) => write_str(out, v),
        Value::Bytes(v) => write_base64(out, v),
        Value::Decimal(_) => {
            return Err(DataError::new(
                "Java class class java.math.BigDecimal does not have corresponding schema type.",
            ))
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_schemaless(out, item, cfg)?;
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            let placeholder = Schema::new(SchemaType::Map);
            write_map(out, &placeholder, entries, cfg)?;
        }
        Value::Struct(_) => return Err(DataError::new("Mismatching schema.")),
    }
    Ok(())
}
