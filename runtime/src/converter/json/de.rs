//! JSON text → Connect data (`JsonConverter.convertToConnect`), reading straight from the text
//! without building a tree.

use base64::Engine as _;

use crate::data::{Decimal, LogicalType, SchemaRef, SchemaType, Struct, Value};
use crate::error::DataError;

use super::config::JsonConverterConfig;
use super::parse::{NodeType, Number, Reader};
use super::ser::decimal_scale;

/// Reads one value under an optional schema.
pub fn read_value(
    r: &mut Reader<'_>,
    schema: Option<&SchemaRef>,
    cfg: &JsonConverterConfig,
) -> Result<Value, DataError> {
    let Some(schema) = schema else {
        return read_schemaless(r);
    };
    let node = r.node_type();
    if matches!(node, NodeType::Null | NodeType::Missing) {
        if node == NodeType::Null {
            r.try_null();
        }
        return null_value(schema, cfg);
    }
    if let Some(logical) = schema.logical() {
        return read_logical(r, schema, logical, node);
    }
    match schema.schema_type {
        SchemaType::Boolean => match node {
            NodeType::Boolean => Ok(Value::Boolean(r.read_bool()?)),
            other => Err(mismatch(schema, "a boolean", other)),
        },
        SchemaType::Int8 => Ok(Value::Int8(read_integer(r, schema, node)? as i8)),
        SchemaType::Int16 => Ok(Value::Int16(read_integer(r, schema, node)? as i16)),
        SchemaType::Int32 => Ok(Value::Int32(read_integer(r, schema, node)? as i32)),
        SchemaType::Int64 => Ok(Value::Int64(read_integer(r, schema, node)? as i64)),
        SchemaType::Float32 => Ok(Value::Float32(read_float(r, schema, node)?)),
        SchemaType::Float64 => Ok(Value::Float64(read_float(r, schema, node)?)),
        SchemaType::String => match node {
            NodeType::String => Ok(Value::String(r.read_str()?.into_owned())),
            other => Err(mismatch(schema, "a string", other)),
        },
        SchemaType::Bytes => match node {
            NodeType::String => Ok(Value::Bytes(decode_base64(&r.read_str()?)?)),
            _ => Err(DataError::new("Invalid bytes field")),
        },
        SchemaType::Array => {
            if node != NodeType::Array {
                return Err(mismatch(schema, "an array", node));
            }
            let elem = schema.value_schema.as_ref();
            let mut items = Vec::new();
            r.begin_array()?;
            let mut first = true;
            while r.next_element(&mut first)? {
                items.push(read_value(r, elem, cfg)?);
            }
            Ok(Value::Array(items))
        }
        SchemaType::Map => read_map(r, schema, node, cfg),
        SchemaType::Struct => read_struct(r, schema, node, cfg),
    }
}

/// The value for a JSON null (or absent field) under a schema.
pub fn null_value(schema: &SchemaRef, cfg: &JsonConverterConfig) -> Result<Value, DataError> {
    if cfg.replace_null_with_default {
        if let Some(default) = schema.default.as_ref().filter(|d| !d.is_null()) {
            return Ok(default.clone());
        }
    }
    if schema.optional {
        return Ok(Value::Null);
    }
    Err(DataError::new(format!(
        "Invalid null value for required {} field",
        schema.schema_type
    )))
}

fn mismatch(schema: &SchemaRef, expected: &str, found: NodeType) -> DataError {
    DataError::new(format!(
        "Invalid value for {} field: expected {expected} but found {}",
        schema.schema_type,
        found.name()
    ))
}

/// An integer the way Jackson's `intValue()`/`longValue()` read any number: integral text
/// exactly (wrapping when narrowed), fractions truncated toward zero.
fn read_integer(r: &mut Reader<'_>, schema: &SchemaRef, node: NodeType) -> Result<i128, DataError> {
    if node != NodeType::Number {
        return Err(mismatch(schema, "a number", node));
    }
    let n = r.read_number()?;
    integer_of(r, &n)
}

fn integer_of(r: &Reader<'_>, n: &Number<'_>) -> Result<i128, DataError> {
    if let Some(v) = n.as_i128() {
        return Ok(v);
    }
    let f: f64 = n
        .text
        .parse()
        .map_err(|_| r.error("numeric value out of range"))?;
    Ok(f.trunc() as i128)
}

/// A float from a number, or from the quoted `NaN`/`Infinity`/`-Infinity` Jackson writes.
fn read_float<F: std::str::FromStr>(
    r: &mut Reader<'_>,
    schema: &SchemaRef,
    node: NodeType,
) -> Result<F, DataError> {
    match node {
        NodeType::Number => {
            let n = r.read_number()?;
            parse_float(r, n.text)
        }
        NodeType::String => {
            let s = r.read_str()?;
            match s.as_ref() {
                "NaN" | "Infinity" | "-Infinity" => parse_float(r, &s),
                _ => Err(mismatch(schema, "a number", NodeType::String)),
            }
        }
        other => Err(mismatch(schema, "a number", other)),
    }
}

fn parse_float<F: std::str::FromStr>(r: &Reader<'_>, text: &str) -> Result<F, DataError> {
    let t = match text {
        "Infinity" => "inf",
        "-Infinity" => "-inf",
        other => other,
    };
    t.parse()
        .map_err(|_| r.error("malformed floating-point number"))
}

fn decode_base64(s: &str) -> Result<Vec<u8>, DataError> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| DataError::new("Invalid bytes field"))
}

fn read_logical(
    r: &mut Reader<'_>,
    schema: &SchemaRef,
    logical: LogicalType,
    node: NodeType,
) -> Result<Value, DataError> {
    match logical {
        LogicalType::Decimal { .. } => read_decimal(r, schema, node),
        LogicalType::Date | LogicalType::Time => {
            let name = if logical == LogicalType::Date {
                "Date"
            } else {
                "Time"
            };
            let wrong = || {
                DataError::new(format!(
                    "Invalid type for {name}, underlying representation should be integer but was {}",
                    node.name()
                ))
            };
            if node != NodeType::Number {
                return Err(wrong());
            }
            let n = r.read_number()?;
            let v = n.as_i128().ok_or_else(&wrong)?;
            i32::try_from(v).map(Value::Int32).map_err(|_| wrong())
        }
        LogicalType::Timestamp => {
            let wrong = || {
                DataError::new(format!(
                    "Invalid type for Timestamp, underlying representation should be integral but was {}",
                    node.name()
                ))
            };
            if node != NodeType::Number {
                return Err(wrong());
            }
            let n = r.read_number()?;
            let v = n.as_i128().ok_or_else(wrong)?;
            Ok(Value::Int64(v as i64))
        }
    }
}

/// A Decimal from a JSON number (exact, from its text) or a Base64 string of the unscaled bytes.
fn read_decimal(
    r: &mut Reader<'_>,
    schema: &SchemaRef,
    node: NodeType,
) -> Result<Value, DataError> {
    match node {
        NodeType::Number => {
            let n = r.read_number()?;
            let d = Decimal::parse(n.text)?;
            Ok(Value::Decimal(rescale_up(d, decimal_scale(schema).ok())))
        }
        NodeType::String => {
            let s = r.read_str()?;
            let invalid = |_| DataError::new("Invalid bytes for Decimal field");
            let scale = decimal_scale(schema)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|_| DataError::new("Invalid bytes for Decimal field"))?;
            Decimal::from_bytes(&bytes, scale)
                .map(Value::Decimal)
                .map_err(invalid)
        }
        other => Err(DataError::new(format!(
            "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
            other.name()
        ))),
    }
}

/// Brings a parsed decimal to the schema's scale when that only appends zeros, so `12.3` read
/// under scale 2 equals `12.30`; otherwise keeps the number's own scale, as the JVM does.
fn rescale_up(d: Decimal, target: Option<i32>) -> Decimal {
    let Some(target) = target else { return d };
    if target <= d.scale {
        return d;
    }
    let factor = 10i128.checked_pow((target - d.scale) as u32);
    match factor.and_then(|f| d.unscaled.checked_mul(f)) {
        Some(unscaled) => Decimal::new(unscaled, target),
        None => d,
    }
}

fn read_map(
    r: &mut Reader<'_>,
    schema: &SchemaRef,
    node: NodeType,
    cfg: &JsonConverterConfig,
) -> Result<Value, DataError> {
    let key_schema = schema.key_schema.as_ref();
    let value_schema = schema.value_schema.as_ref();
    let string_keys = key_schema.is_none_or(|k| k.schema_type == SchemaType::String);
    let mut entries = Vec::new();
    if string_keys {
        if node != NodeType::Object {
            return Err(DataError::new(format!(
                "Maps with string fields should be encoded as JSON objects, but found {}",
                node.name()
            )));
        }
        r.begin_object()?;
        let mut first = true;
        while let Some(key) = r.next_key(&mut first)? {
            let v = read_value(r, value_schema, cfg)?;
            entries.push((Value::String(key.into_owned()), v));
        }
        return Ok(Value::Map(entries));
    }
    if node != NodeType::Array {
        return Err(DataError::new(format!(
            "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
            node.name()
        )));
    }
    r.begin_array()?;
    let mut first = true;
    while r.next_element(&mut first)? {
        let entry_type = r.node_type();
        if entry_type != NodeType::Array {
            return Err(DataError::new(format!(
                "Found invalid map entry instead of array tuple: {}",
                entry_type.name()
            )));
        }
        // Find where each element starts, then convert the pair once its size is known.
        let mut starts = Vec::with_capacity(2);
        r.begin_array()?;
        let mut first_elem = true;
        while r.next_element(&mut first_elem)? {
            r.peek();
            starts.push(r.pos());
            r.skip_value()?;
        }
        if starts.len() != 2 {
            return Err(DataError::new(format!(
                "Found invalid map entry, expected length 2 but found :{}",
                starts.len()
            )));
        }
        let k = read_value(&mut r.at(starts[0]), key_schema, cfg)?;
        let v = read_value(&mut r.at(starts[1]), value_schema, cfg)?;
        entries.push((k, v));
    }
    Ok(Value::Map(entries))
}

fn read_struct(
    r: &mut Reader<'_>,
    schema: &SchemaRef,
    node: NodeType,
    cfg: &JsonConverterConfig,
) -> Result<Value, DataError> {
    if node != NodeType::Object {
        return Err(DataError::new(format!(
            "Structs should be encoded as JSON objects, but found {}",
            node.name()
        )));
    }
    let fields = &schema.fields;
    let mut values = vec![Value::Null; fields.len()];
    let mut seen = Seen::new(fields.len());
    r.begin_object()?;
    let mut first = true;
    let mut hint = 0;
    while let Some(key) = r.next_key(&mut first)? {
        // Members usually come in schema order: try the next field first.
        let idx = if fields.get(hint).is_some_and(|f| f.name == key) {
            Some(hint)
        } else {
            fields.iter().position(|f| f.name == key)
        };
        match idx {
            Some(i) => {
                values[i] = read_value(r, Some(&fields[i].schema), cfg)?;
                seen.set(i);
                hint = i + 1;
            }
            None => r.skip_value()?,
        }
    }
    for (i, field) in fields.iter().enumerate() {
        if !seen.get(i) {
            values[i] = null_value(&field.schema, cfg)?;
        }
    }
    Ok(Value::Struct(Struct::from_values(schema.clone(), values)?))
}

/// Which struct fields were present in the JSON object.
enum Seen {
    Small(u128),
    Large(Vec<bool>),
}

impl Seen {
    fn new(n: usize) -> Self {
        if n <= 128 {
            Seen::Small(0)
        } else {
            Seen::Large(vec![false; n])
        }
    }
    fn set(&mut self, i: usize) {
        match self {
            Seen::Small(bits) => *bits |= 1 << i,
            Seen::Large(v) => v[i] = true,
        }
    }
    fn get(&self, i: usize) -> bool {
        match self {
            Seen::Small(bits) => bits & (1 << i) != 0,
            Seen::Large(v) => v[i],
        }
    }
}

/// Infers a value without a schema: integers → int64, other numbers → float64, objects →
/// string-keyed maps, arrays → arrays.
pub fn read_schemaless(r: &mut Reader<'_>) -> Result<Value, DataError> {
    Ok(match r.node_type() {
        NodeType::Missing => Value::Null,
        NodeType::Null => {
            r.try_null();
            Value::Null
        }
        NodeType::Boolean => Value::Boolean(r.read_bool()?),
        NodeType::Number => {
            let n = r.read_number()?;
            match n.as_i128() {
                Some(v) => Value::Int64(v as i64),
                None if n.integral => Value::Int64(integer_of(r, &n)? as i64),
                None => Value::Float64(parse_float::<f64>(r, n.text)?),
            }
        }
        NodeType::String => Value::String(r.read_str()?.into_owned()),
        NodeType::Array => {
            let mut items = Vec::new();
            r.begin_array()?;
            let mut first = true;
            while r.next_element(&mut first)? {
                items.push(read_schemaless(r)?);
            }
            Value::Array(items)
        }
        NodeType::Object => {
            let mut entries = Vec::new();
            r.begin_object()?;
            let mut first = true;
            while let Some(key) = r.next_key(&mut first)? {
                let v = read_schemaless(r)?;
                entries.push((Value::String(key.into_owned()), v));
            }
            Value::Map(entries)
        }
    })
}
