//! Connect's `Values` string syntax: `convertToString` renders any value as text, and
//! `parseString` infers a schema and value back from text (`1` → int8, `1.5` → float32,
//! `[1,300]` → array of int16, `{"a":true}` → map, ISO-8601 dates/times → logical types,
//! anything else → string). Used by `SimpleHeaderConverter` and `InsertHeader`.

use std::sync::Arc;

use base64::Engine as _;

use crate::converter::java_fmt::{self, MILLIS_PER_DAY};
use crate::data::schema::{DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use crate::data::{schemas, Decimal, LogicalType, Schema, SchemaRef, SchemaType, Value};

/// `Values.convertToString(schema, value)`: `None` for null, otherwise the text form.
pub fn convert_to_string(schema: Option<&Schema>, value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let mut out = String::new();
    append(&mut out, schema, value, false);
    Some(out)
}

fn append(out: &mut String, schema: Option<&Schema>, value: &Value, embedded: bool) {
    if let Some(text) = logical_text(schema, value) {
        out.push_str(&text);
        return;
    }
    match value {
        Value::String(s) => {
            if embedded {
                out.push('"');
                for c in s.chars() {
                    if c == '\\' || c == '"' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            } else {
                out.push_str(s);
            }
        }
        Value::Bytes(b) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(b);
            if embedded {
                out.push('"');
                out.push_str(&encoded);
                out.push('"');
            } else {
                out.push_str(&encoded);
            }
        }
        Value::Array(items) => {
            let elem = schema.and_then(|s| s.value_schema.as_deref());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, elem, item, true);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let ks = schema.and_then(|s| s.key_schema.as_deref());
            let vs = schema.and_then(|s| s.value_schema.as_deref());
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, ks, k, true);
                out.push(':');
                append(out, vs, v, true);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, field) in s.schema().fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, None, &Value::String(field.name.clone()), true);
                out.push(':');
                let mut v = s.get_index(i);
                if v.is_null() {
                    if let Some(d) = &field.schema.default {
                        v = d;
                    }
                }
                append(out, Some(&field.schema), v, true);
            }
            out.push('}');
        }
        scalar => java_fmt::push_scalar(out, scalar),
    }
}

/// Text of a logical-type value under its schema (dates as ISO-8601 in UTC, Decimal bytes as
/// the number), or `None` if the schema is not a logical type.
fn logical_text(schema: Option<&Schema>, value: &Value) -> Option<String> {
    let schema = schema?;
    let ms = match (schema.name.as_deref()?, value) {
        (DATE_NAME, Value::Int32(days)) => *days as i64 * MILLIS_PER_DAY,
        (TIME_NAME, Value::Int32(ms)) => *ms as i64,
        (TIMESTAMP_NAME, Value::Int64(ms)) => *ms,
        (DECIMAL_NAME, Value::Bytes(b)) => {
            let scale = match LogicalType::of(schema) {
                Some(LogicalType::Decimal { scale }) => scale,
                _ => 0,
            };
            let d = Decimal::from_bytes(b, scale).ok()?;
            return Some(java_fmt::big_decimal_to_string(&d));
        }
        _ => return None,
    };
    Some(java_fmt::format_java_date(ms))
}

/// An inferred schema and value.
pub type SchemaAndValue = (Option<SchemaRef>, Value);

/// `Values.parseString(text)`: infers a schema and value. Empty text is an empty string; text
/// that is not a literal, number, temporal, array or map is returned as a string unchanged.
pub fn parse_string(text: &str) -> SchemaAndValue {
    if text.is_empty() {
        return (Some(schemas::string()), Value::String(String::new()));
    }
    let trimmed = text.trim();
    match trimmed {
        "null" => return (None, Value::Null),
        "true" => return (Some(schemas::boolean()), Value::Boolean(true)),
        "false" => return (Some(schemas::boolean()), Value::Boolean(false)),
        "" => return (Some(schemas::string()), Value::String(text.to_string())),
        _ => {}
    }
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let mut p = Parser { text, pos: 0 };
        if let Ok(Some(parsed)) = p.parse_embedded() {
            p.skip_ws();
            if p.pos == text.len() {
                return parsed;
            }
        }
    }
    if let Some(parsed) = parse_scalar(trimmed) {
        return parsed;
    }
    (Some(schemas::string()), Value::String(text.to_string()))
}

/// A temporal or numeric literal, as the whole of `token`.
fn parse_scalar(token: &str) -> Option<SchemaAndValue> {
    let first = token.chars().next()?;
    if first.is_ascii_digit() {
        if let Some(t) = parse_temporal(token) {
            return Some(t);
        }
    }
    if first.is_ascii_digit() || first == '+' || first == '-' {
        return parse_number(token);
    }
    None
}

fn logical_schema(logical: LogicalType) -> SchemaRef {
    logical.builder().build_ref()
}

/// An ISO-8601 time (`HH:mm:ss.SSS'Z'`), timestamp or date, judged by length as Connect does.
fn parse_temporal(token: &str) -> Option<SchemaAndValue> {
    let token = token.replace("\\:", ":");
    match token.len() {
        13 => java_fmt::parse_time(&token)
            .map(|ms| (Some(logical_schema(LogicalType::Time)), Value::Int32(ms))),
        24 => java_fmt::parse_timestamp(&token).map(|ms| {
            (
                Some(logical_schema(LogicalType::Timestamp)),
                Value::Int64(ms),
            )
        }),
        10 => java_fmt::parse_date(&token).and_then(|days| {
            i32::try_from(days)
                .ok()
                .map(|d| (Some(logical_schema(LogicalType::Date)), Value::Int32(d)))
        }),
        _ => None,
    }
}

/// A number the way `new BigDecimal(token)` reads it: the narrowest integer type that holds it
/// exactly, else float32/float64 when it has a non-zero scale, else a Decimal.
fn parse_number(token: &str) -> Option<SchemaAndValue> {
    let (negative, rest) = match token.as_bytes().first()? {
        b'-' => (true, &token[1..]),
        b'+' => (false, &token[1..]),
        _ => (false, token),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return None;
    }
    let digits: String = int_part.chars().chain(frac_part.chars()).collect();
    let java_scale = frac_part.len() as i64 - exp;
    if let Some(v) = exact_integer(&digits, java_scale, negative) {
        if let Ok(v) = i8::try_from(v) {
            return Some((Some(schemas::int8()), Value::Int8(v)));
        }
        if let Ok(v) = i16::try_from(v) {
            return Some((Some(schemas::int16()), Value::Int16(v)));
        }
        if let Ok(v) = i32::try_from(v) {
            return Some((Some(schemas::int32()), Value::Int32(v)));
        }
        if let Ok(v) = i64::try_from(v) {
            return Some((Some(schemas::int64()), Value::Int64(v)));
        }
    }
    if java_scale != 0 {
        if let Ok(f) = token.parse::<f32>() {
            if f.is_finite() {
                return Some((Some(schemas::float32()), Value::Float32(f)));
            }
        }
        if let Ok(f) = token.parse::<f64>() {
            if f.is_finite() {
                return Some((Some(schemas::float64()), Value::Float64(f)));
            }
        }
    }
    let mut unscaled: i128 = 0;
    for b in digits.bytes() {
        unscaled = unscaled.checked_mul(10)?.checked_add((b - b'0') as i128)?;
    }
    if negative {
        unscaled = -unscaled;
    }
    let scale = i32::try_from(java_scale).ok()?;
    let schema = LogicalType::Decimal { scale }.builder().build_ref();
    Some((Some(schema), Value::Decimal(Decimal::new(unscaled, scale))))
}

/// The integer value of `digits × 10^-scale` if it has no fractional part and fits 128 bits.
fn exact_integer(digits: &str, scale: i64, negative: bool) -> Option<i128> {
    let significant = if scale > 0 {
        let cut = digits.len().saturating_sub(scale as usize);
        if !digits[cut..].bytes().all(|b| b == b'0') {
            return None;
        }
        &digits[..cut]
    } else {
        digits
    };
    let mut v: i128 = 0;
    for b in significant.bytes() {
        v = v.checked_mul(10)?.checked_add((b - b'0') as i128)?;
    }
    if scale < 0 && v != 0 {
        v = v.checked_mul(10i128.checked_pow(u32::try_from(-scale).ok()?)?)?;
    }
    Some(if negative { -v } else { v })
}

/// Why an embedded value could not be parsed (the whole text then becomes a string).
#[derive(Debug)]
struct NotParsable;

/// Parser for embedded values inside `[...]` and `{...}`.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

const DELIMITERS: &[u8] = b":,{}[]\"";

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        let b = self.text.as_bytes();
        while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// One embedded value; `Ok(None)` is a `null` literal.
    fn parse_embedded(&mut self) -> Result<Option<SchemaAndValue>, NotParsable> {
        match self.peek() {
            None => Err(NotParsable),
            Some(b'"') => self.parse_quoted().map(Some),
            Some(b'[') => self.parse_array().map(Some),
            Some(b'{') => self.parse_map().map(Some),
            Some(_) => self.parse_token(),
        }
    }

    /// A quoted string; its content is kept as written (escapes included), and a quoted
    /// temporal literal becomes that temporal type.
    fn parse_quoted(&mut self) -> Result<SchemaAndValue, NotParsable> {
        self.pos += 1;
        let b = self.text.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        while self.pos < b.len() {
            match b[self.pos] {
                b'\\' => escaped = !escaped,
                b'"' if !escaped => {
                    let content = &self.text[start..self.pos];
                    self.pos += 1;
                    if let Some(t) = parse_temporal(content) {
                        return Ok(t);
                    }
                    return Ok((Some(schemas::string()), Value::String(content.to_string())));
                }
                _ => escaped = false,
            }
            self.pos += 1;
        }
        Err(NotParsable)
    }

    /// An unquoted literal: null, a boolean, a temporal or a number.
    fn parse_token(&mut self) -> Result<Option<SchemaAndValue>, NotParsable> {
        let rest = &self.text[self.pos..];
        // Times and timestamps contain ':' (a delimiter), so try them at full length first.
        for len in [24, 13] {
            if let Some(candidate) = rest.get(..len) {
                let next = rest.as_bytes().get(len).copied();
                let ends = next.is_none_or(|c| c.is_ascii_whitespace() || DELIMITERS.contains(&c));
                if ends {
                    if let Some(t) = parse_temporal(candidate) {
                        self.pos += len;
                        return Ok(Some(t));
                    }
                }
            }
        }
        let b = self.text.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        while self.pos < b.len() {
            let c = b[self.pos];
            if c == b'\\' {
                escaped = !escaped;
            } else if DELIMITERS.contains(&c) && !escaped {
                break;
            } else {
                escaped = false;
            }
            self.pos += 1;
        }
        let token = self.text[start..self.pos].trim();
        match token {
            "null" => Ok(None),
            "true" => Ok(Some((Some(schemas::boolean()), Value::Boolean(true)))),
            "false" => Ok(Some((Some(schemas::boolean()), Value::Boolean(false)))),
            _ => parse_scalar(token).map(Some).ok_or(NotParsable),
        }
    }

    fn parse_array(&mut self) -> Result<SchemaAndValue, NotParsable> {
        self.pos += 1;
        let mut items = Vec::new();
        let mut common = Common::default();
        if self.eat(b']') {
            return Ok((Some(array_schema(None)), Value::Array(items)));
        }
        loop {
            let element = self.parse_embedded()?;
            common.add(element.as_ref());
            items.push(element.map(|(_, v)| v).unwrap_or(Value::Null));
            if self.eat(b']') {
                break;
            }
            if !self.eat(b',') {
                return Err(NotParsable);
            }
        }
        let elem = common.schema();
        if let Some(s) = &elem {
            for item in &mut items {
                widen(item, s.schema_type);
            }
        }
        Ok((Some(array_schema(elem)), Value::Array(items)))
    }

    fn parse_map(&mut self) -> Result<SchemaAndValue, NotParsable> {
        self.pos += 1;
        let mut entries = Vec::new();
        let (mut keys, mut values) = (Common::default(), Common::default());
        if !self.eat(b'}') {
            loop {
                let (ks, k) = self.parse_embedded()?.ok_or(NotParsable)?;
                if !self.eat(b':') {
                    return Err(NotParsable);
                }
                let value = self.parse_embedded()?;
                keys.add(Some(&(ks, Value::Null)));
                values.add(value.as_ref());
                entries.push((k, value.map(|(_, v)| v).unwrap_or(Value::Null)));
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(NotParsable);
                }
            }
        }
        let (ks, vs) = (keys.schema(), values.schema());
        for (k, v) in &mut entries {
            if let Some(s) = &ks {
                widen(k, s.schema_type);
            }
            if let Some(s) = &vs {
                widen(v, s.schema_type);
            }
        }
        let mut schema = Schema::new(SchemaType::Map);
        schema.key_schema = ks;
        schema.value_schema = vs;
        Ok((Some(Arc::new(schema)), Value::Map(entries)))
    }
}

fn array_schema(elem: Option<SchemaRef>) -> SchemaRef {
    let mut schema = Schema::new(SchemaType::Array);
    schema.value_schema = elem;
    Arc::new(schema)
}

/// The common schema of several inferred values (`commonSchemaFor`): numbers widen to the
/// wider type, other mismatches leave no common schema. Nulls make it optional.
#[derive(Default)]
struct Common {
    schema: Option<SchemaRef>,
    conflict: bool,
    saw_null: bool,
}

fn numeric_rank(t: SchemaType) -> Option<u8> {
    Some(match t {
        SchemaType::Int8 => 0,
        SchemaType::Int16 => 1,
        SchemaType::Int32 => 2,
        SchemaType::Int64 => 3,
        SchemaType::Float32 => 4,
        SchemaType::Float64 => 5,
        _ => return None,
    })
}

impl Common {
    fn add(&mut self, element: Option<&SchemaAndValue>) {
        let Some(new) = element.and_then(|(s, _)| s.clone()) else {
            self.saw_null = true;
            return;
        };
        if self.conflict {
            return;
        }
        self.schema = match self.schema.take() {
            None => Some(new),
            Some(prev) if prev.schema_type == new.schema_type => {
                if prev.optional == new.optional || *prev == *new {
                    Some(new)
                } else {
                    self.conflict = true;
                    None
                }
            }
            Some(prev) => match (
                numeric_rank(prev.schema_type),
                numeric_rank(new.schema_type),
            ) {
                (Some(a), Some(b)) => Some(if a >= b { prev } else { new }),
                _ => {
                    self.conflict = true;
                    None
                }
            },
        };
    }

    fn schema(&self) -> Option<SchemaRef> {
        let s = self.schema.as_ref()?;
        if self.conflict {
            return None;
        }
        if self.saw_null && !s.optional {
            let mut opt = (**s).clone();
            opt.optional = true;
            return Some(Arc::new(opt));
        }
        Some(s.clone())
    }
}

/// Converts a numeric value to a wider numeric type in place.
fn widen(v: &mut Value, to: SchemaType) {
    let as_f64 = match v {
        Value::Int8(x) => *x as f64,
        Value::Int16(x) => *x as f64,
        Value::Int32(x) => *x as f64,
        Value::Int64(x) => *x as f64,
        Value::Float32(x) => *x as f64,
        _ => return,
    };
    let as_i64 = v.as_i64();
    *v = match (to, as_i64) {
        (SchemaType::Int16, Some(i)) => Value::Int16(i as i16),
        (SchemaType::Int32, Some(i)) => Value::Int32(i as i32),
        (SchemaType::Int64, Some(i)) => Value::Int64(i),
        (SchemaType::Float32, _) => Value::Float32(as_f64 as f32),
        (SchemaType::Float64, _) => match v {
            Value::Float32(x) => Value::Float64(*x as f64),
            _ => Value::Float64(as_f64),
        },
        _ => return,
    };
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
