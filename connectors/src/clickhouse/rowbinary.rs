//! Connect values → ClickHouse RowBinary, driven by the column's real type.
//!
//! Conversions follow what the official sink accepts: numbers widen or narrow with a range
//! check, strings parse into numbers, dates, UUIDs and IPs, structs/maps/arrays written into a
//! String column become JSON. Connect `Timestamp`/`Date` logical values carry their unit;
//! plain integers are taken as the column's own unit (seconds for DateTime, ticks for
//! DateTime64, days for Date), as in the official sink.

use ferroconnect_runtime::converter::JsonConverter;
use ferroconnect_runtime::data::{Decimal, LogicalType, Schema, Value};

use super::datetime::{parse_date, parse_date_time};
use super::types::ChType;

/// Why a value could not be written to a column.
pub type EncodeError = String;

/// Appends a LEB128 varint (RowBinary lengths).
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a length-prefixed byte string.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn logical(schema: Option<&Schema>) -> Option<LogicalType> {
    schema.and_then(|s| s.logical())
}

/// An integer view of a value (ints, bools, integral decimals, numeric strings).
fn as_i128(value: &Value) -> Result<i128, EncodeError> {
    Ok(match value {
        Value::Boolean(b) => *b as i128,
        Value::Int8(v) => *v as i128,
        Value::Int16(v) => *v as i128,
        Value::Int32(v) => *v as i128,
        Value::Int64(v) => *v as i128,
        Value::Float32(f) if f.fract() == 0.0 => *f as i128,
        Value::Float64(f) if f.fract() == 0.0 => *f as i128,
        Value::Decimal(d) => {
            let r = rescale(d, 0)?;
            if r * 10i128.pow(d.scale.max(0) as u32) != d.unscaled && d.scale > 0 {
                return Err(format!("{d} is not an integer"));
            }
            r
        }
        Value::String(s) => s
            .trim()
            .parse::<i128>()
            .map_err(|_| format!("cannot parse {s:?} as an integer"))?,
        v => return Err(format!("cannot write a {} as an integer", kind(v))),
    })
}

fn as_f64(value: &Value) -> Result<f64, EncodeError> {
    Ok(match value {
        Value::Float32(f) => *f as f64,
        Value::Float64(f) => *f,
        Value::Decimal(d) => d.to_f64(),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("cannot parse {s:?} as a number"))?,
        v => as_i128(v)? as f64,
    })
}

fn kind(v: &Value) -> &'static str {
    ferroconnect_runtime::data::value::value_class_name(v)
}

/// The unscaled value of `d` at `scale`, truncating extra digits.
fn rescale(d: &Decimal, scale: i32) -> Result<i128, EncodeError> {
    let diff = scale - d.scale;
    let overflow = || format!("decimal {d} does not fit scale {scale}");
    if diff >= 0 {
        10i128
            .checked_pow(diff as u32)
            .and_then(|m| d.unscaled.checked_mul(m))
            .ok_or_else(overflow)
    } else {
        Ok(d.unscaled / 10i128.checked_pow((-diff) as u32).ok_or_else(overflow)?)
    }
}

fn put_int(out: &mut Vec<u8>, v: i128, bits: u16, signed: bool) -> Result<(), EncodeError> {
    let fits = match (bits, signed) {
        (256, true) => true,
        (256, false) => v >= 0,
        (128, true) => true,
        (128, false) => v >= 0,
        (b, true) => v >= -(1i128 << (b - 1)) && v < (1i128 << (b - 1)),
        (b, false) => v >= 0 && v < (1i128 << b),
    };
    if !fits {
        let name = if signed { "Int" } else { "UInt" };
        return Err(format!("{v} is out of range for {name}{bits}"));
    }
    let bytes = v.to_le_bytes();
    match bits {
        256 => {
            out.extend_from_slice(&bytes);
            let fill = if v < 0 { 0xff } else { 0 };
            out.extend_from_slice(&[fill; 16]);
        }
        b => out.extend_from_slice(&bytes[..(b / 8) as usize]),
    }
    Ok(())
}

/// Seconds and nanoseconds of a date-time value (Connect Timestamp/Date, strings).
fn instant(value: &Value, schema: Option<&Schema>) -> Result<Option<(i64, u32)>, EncodeError> {
    Ok(match (value, logical(schema)) {
        (Value::Int64(ms), Some(LogicalType::Timestamp)) => Some((
            ms.div_euclid(1000),
            (ms.rem_euclid(1000) * 1_000_000) as u32,
        )),
        (Value::Int32(days), Some(LogicalType::Date)) => Some((*days as i64 * 86_400, 0)),
        (Value::String(s), _) => {
            let t = parse_date_time(s)
                .ok_or_else(|| format!("cannot parse {s:?} as a date-time (ISO-8601 expected)"))?;
            Some((t.secs, t.nanos))
        }
        _ => None,
    })
}

/// Writes a point in time as a Date, Date32, DateTime or DateTime64 column (through
/// Nullable/LowCardinality).
pub fn encode_instant(
    out: &mut Vec<u8>,
    ty: &ChType,
    t: super::datetime::Instant,
) -> Result<(), EncodeError> {
    match ty {
        ChType::Nullable(inner) => {
            out.push(0);
            encode_instant(out, inner, t)
        }
        ChType::LowCardinality(inner) => encode_instant(out, inner, t),
        ChType::Date => put_int(out, t.secs.div_euclid(86_400) as i128, 16, false),
        ChType::Date32 => put_int(out, t.secs.div_euclid(86_400) as i128, 32, true),
        ChType::DateTime => put_int(out, t.secs as i128, 32, false),
        ChType::DateTime64(p) => {
            out.extend_from_slice(&t.ticks(*p).to_le_bytes());
            Ok(())
        }
        other => Err(format!(
            "dateTimeFormats applies to Date and DateTime columns, not {other:?}"
        )),
    }
}

/// Writes `value` (of Connect schema `schema`, if known) as column type `ty`.
pub fn encode(
    out: &mut Vec<u8>,
    ty: &ChType,
    schema: Option<&Schema>,
    value: &Value,
    json: &JsonConverter,
) -> Result<(), EncodeError> {
    match ty {
        ChType::Nullable(inner) => {
            if value.is_null() {
                out.push(1);
                return Ok(());
            }
            out.push(0);
            return encode(out, inner, schema, value, json);
        }
        ChType::LowCardinality(inner) => return encode(out, inner, schema, value, json),
        _ => {}
    }
    if value.is_null() {
        return Err("null value for a non-Nullable column".into());
    }
    match ty {
        ChType::Int(bits) => put_int(out, as_i128(value)?, *bits, true)?,
        ChType::UInt(bits) => put_int(out, as_i128(value)?, *bits, false)?,
        ChType::Float32 => out.extend_from_slice(&(as_f64(value)? as f32).to_le_bytes()),
        ChType::Float64 => out.extend_from_slice(&as_f64(value)?.to_le_bytes()),
        ChType::Bool => {
            let b = match value {
                Value::String(s) => match s.trim() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(format!("cannot parse {s:?} as a Bool")),
                },
                v => as_i128(v)? != 0,
            };
            out.push(b as u8);
        }
        ChType::String => match value {
            Value::String(s) => put_bytes(out, s.as_bytes()),
            Value::Bytes(b) => put_bytes(out, b),
            Value::Array(_) | Value::Map(_) | Value::Struct(_) => {
                let mut text = Vec::new();
                json.write_connect_data(&mut text, None, value)
                    .map_err(|e| e.to_string())?;
                put_bytes(out, &text);
            }
            v => {
                let mut s = String::new();
                ferroconnect_runtime::converter::java_fmt::push_scalar(&mut s, v);
                put_bytes(out, s.as_bytes());
            }
        },
        ChType::FixedString(n) => {
            let b: &[u8] = match value {
                Value::String(s) => s.as_bytes(),
                Value::Bytes(b) => b,
                v => return Err(format!("cannot write a {} as FixedString", kind(v))),
            };
            if b.len() > *n {
                return Err(format!("{} bytes do not fit FixedString({n})", b.len()));
            }
            out.extend_from_slice(b);
            out.resize(out.len() + n - b.len(), 0);
        }
        ChType::Date | ChType::Date32 => {
            let days = match (value, logical(schema)) {
                (Value::String(s), _) if s.len() == 10 => parse_date(s)
                    .ok_or_else(|| format!("cannot parse {s:?} as a date (yyyy-MM-dd)"))?,
                (v, _) => match instant(v, schema)? {
                    Some((secs, _)) => secs.div_euclid(86_400),
                    None => as_i128(v)? as i64,
                },
            };
            if *ty == ChType::Date {
                put_int(out, days as i128, 16, false)?;
            } else {
                put_int(out, days as i128, 32, true)?;
            }
        }
        ChType::DateTime => {
            let secs = match instant(value, schema)? {
                Some((secs, _)) => secs as i128,
                None => as_i128(value)?,
            };
            put_int(out, secs, 32, false)?;
        }
        ChType::DateTime64(p) => {
            let ticks = match instant(value, schema)? {
                Some((secs, nanos)) => super::datetime::Instant { secs, nanos }.ticks(*p),
                None => as_i128(value)? as i64,
            };
            out.extend_from_slice(&ticks.to_le_bytes());
        }
        ChType::Decimal { precision, scale } => {
            let unscaled = match value {
                Value::Decimal(d) => rescale(d, *scale as i32)?,
                Value::String(s) => rescale(
                    &Decimal::parse(s.trim()).map_err(|e| e.to_string())?,
                    *scale as i32,
                )?,
                Value::Float32(_) | Value::Float64(_) => {
                    (as_f64(value)? * 10f64.powi(*scale as i32)).round() as i128
                }
                v => as_i128(v)?
                    .checked_mul(10i128.pow(*scale))
                    .ok_or_else(|| "decimal overflow".to_string())?,
            };
            if (unscaled.unsigned_abs()) >= 10u128.pow((*precision).min(38)) {
                return Err(format!(
                    "{unscaled} does not fit Decimal({precision}, {scale})"
                ));
            }
            let bits = match precision {
                0..=9 => 32,
                10..=18 => 64,
                19..=38 => 128,
                _ => 256,
            };
            put_int(out, unscaled, bits, true)?;
        }
        ChType::Uuid => {
            let raw: u128 = match value {
                Value::String(s) => {
                    let hex: String = s.trim().chars().filter(|c| *c != '-').collect();
                    if hex.len() != 32 {
                        return Err(format!("cannot parse {s:?} as a UUID"));
                    }
                    u128::from_str_radix(&hex, 16)
                        .map_err(|_| format!("cannot parse {s:?} as a UUID"))?
                }
                Value::Bytes(b) if b.len() == 16 => {
                    u128::from_be_bytes(b.as_slice().try_into().unwrap_or_default())
                }
                v => return Err(format!("cannot write a {} as a UUID", kind(v))),
            };
            out.extend_from_slice(&((raw >> 64) as u64).to_le_bytes());
            out.extend_from_slice(&(raw as u64).to_le_bytes());
        }
        ChType::Ipv4 => {
            let v: u32 = match value {
                Value::String(s) => s
                    .trim()
                    .parse::<std::net::Ipv4Addr>()
                    .map_err(|_| format!("cannot parse {s:?} as an IPv4 address"))?
                    .into(),
                v => u32::try_from(as_i128(v)?).map_err(|_| "IPv4 out of range".to_string())?,
            };
            out.extend_from_slice(&v.to_le_bytes());
        }
        ChType::Ipv6 => {
            let ip: std::net::IpAddr = match value {
                Value::String(s) => s
                    .trim()
                    .parse()
                    .map_err(|_| format!("cannot parse {s:?} as an IP address"))?,
                v => return Err(format!("cannot write a {} as IPv6", kind(v))),
            };
            let v6 = match ip {
                std::net::IpAddr::V4(a) => a.to_ipv6_mapped(),
                std::net::IpAddr::V6(a) => a,
            };
            out.extend_from_slice(&v6.octets());
        }
        ChType::Enum { bits, values } => {
            let v = match value {
                Value::String(s) => values
                    .iter()
                    .find(|(n, _)| n == s)
                    .map(|(_, v)| *v as i128)
                    .ok_or_else(|| format!("{s:?} is not a value of the Enum"))?,
                v => {
                    let n = as_i128(v)?;
                    if !values.iter().any(|(_, x)| *x as i128 == n) {
                        return Err(format!("{n} is not a value of the Enum"));
                    }
                    n
                }
            };
            put_int(out, v, *bits, true)?;
        }
        ChType::Array(inner) => {
            let Value::Array(items) = value else {
                return Err(format!("cannot write a {} as an Array", kind(value)));
            };
            let item_schema = schema.and_then(|s| s.value_schema.as_deref());
            put_varint(out, items.len() as u64);
            for item in items {
                encode(out, inner, item_schema, item, json)?;
            }
        }
        ChType::Map(k, v) => {
            let (ks, vs) = (
                schema.and_then(|s| s.key_schema.as_deref()),
                schema.and_then(|s| s.value_schema.as_deref()),
            );
            match value {
                Value::Map(entries) => {
                    put_varint(out, entries.len() as u64);
                    for (key, val) in entries {
                        encode(out, k, ks, key, json)?;
                        encode(out, v, vs, val, json)?;
                    }
                }
                Value::Struct(s) => {
                    let fields = &s.schema().fields;
                    put_varint(out, fields.len() as u64);
                    for f in fields {
                        encode(out, k, None, &Value::String(f.name.clone()), json)?;
                        encode(out, v, Some(&f.schema), s.get_index(f.index), json)?;
                    }
                }
                other => return Err(format!("cannot write a {} as a Map", kind(other))),
            }
        }
        ChType::Tuple(elems) => match value {
            Value::Struct(s) => {
                for (i, (name, t)) in elems.iter().enumerate() {
                    let field = match name {
                        Some(n) => s.schema().field(n),
                        None => s.schema().fields.get(i),
                    };
                    match field {
                        Some(f) => encode(out, t, Some(&f.schema), s.get_index(f.index), json)?,
                        None => encode(out, t, None, &Value::Null, json)?,
                    }
                }
            }
            Value::Array(items) if items.len() == elems.len() => {
                let item_schema = schema.and_then(|s| s.value_schema.as_deref());
                for ((_, t), item) in elems.iter().zip(items) {
                    encode(out, t, item_schema, item, json)?;
                }
            }
            other => return Err(format!("cannot write a {} as a Tuple", kind(other))),
        },
        ChType::Nullable(_) | ChType::LowCardinality(_) => unreachable!("unwrapped above"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroconnect_runtime::converter::JsonConverterConfig;
    use ferroconnect_runtime::data::schema::TIMESTAMP_NAME;
    use ferroconnect_runtime::data::{SchemaBuilder, SchemaType};

    fn enc(ty: &str, schema: Option<&Schema>, v: Value) -> Result<Vec<u8>, EncodeError> {
        let json = JsonConverter::new(JsonConverterConfig {
            schemas_enable: false,
            ..Default::default()
        });
        let mut out = Vec::new();
        encode(&mut out, &ChType::parse(ty).unwrap(), schema, &v, &json)?;
        Ok(out)
    }

    #[test]
    fn scalars_are_little_endian_with_range_checks() {
        assert_eq!(enc("UInt16", None, Value::Int32(258)).unwrap(), vec![2, 1]);
        assert_eq!(enc("Int8", None, Value::Int64(-1)).unwrap(), vec![0xff]);
        assert!(enc("UInt8", None, Value::Int32(256))
            .unwrap_err()
            .contains("UInt8"));
        assert!(enc("UInt32", None, Value::Int32(-1)).is_err());
        assert_eq!(
            enc("Int64", None, Value::String("7".into())).unwrap(),
            7i64.to_le_bytes()
        );
        assert_eq!(
            enc("String", None, Value::String("héllo".into())).unwrap(),
            [&[6u8][..], "héllo".as_bytes()].concat()
        );
        assert_eq!(enc("String", None, Value::Int32(42)).unwrap(), b"\x0242");
        assert_eq!(
            enc("FixedString(3)", None, Value::String("a".into())).unwrap(),
            b"a\0\0"
        );
        assert_eq!(enc("Bool", None, Value::Boolean(true)).unwrap(), vec![1]);
    }

    #[test]
    fn nullable_low_cardinality_and_nulls() {
        assert_eq!(enc("Nullable(Int32)", None, Value::Null).unwrap(), vec![1]);
        assert_eq!(
            enc(
                "LowCardinality(Nullable(String))",
                None,
                Value::String("x".into())
            )
            .unwrap(),
            vec![0, 1, b'x']
        );
        assert!(enc("Int32", None, Value::Null)
            .unwrap_err()
            .contains("non-Nullable"));
    }

    #[test]
    fn timestamps_dates_and_decimals() {
        let ts = SchemaBuilder::new(SchemaType::Int64)
            .name(TIMESTAMP_NAME)
            .build();
        assert_eq!(
            enc(
                "DateTime64(3, 'UTC')",
                Some(&ts),
                Value::Int64(1_714_557_600_123)
            )
            .unwrap(),
            1_714_557_600_123i64.to_le_bytes()
        );
        assert_eq!(
            enc("DateTime64(6)", Some(&ts), Value::Int64(1_500)).unwrap(),
            1_500_000i64.to_le_bytes()
        );
        assert_eq!(
            enc("DateTime", Some(&ts), Value::Int64(1_714_557_600_999)).unwrap(),
            1_714_557_600u32.to_le_bytes()
        );
        assert_eq!(
            enc(
                "DateTime",
                None,
                Value::String("2024-05-01 10:00:00".into())
            )
            .unwrap(),
            1_714_557_600u32.to_le_bytes()
        );
        assert_eq!(
            enc("Date", None, Value::String("1970-01-11".into())).unwrap(),
            10u16.to_le_bytes()
        );
        assert_eq!(
            enc(
                "Decimal(9, 2)",
                None,
                Value::Decimal(Decimal::new(12345, 3))
            )
            .unwrap(),
            1234i32.to_le_bytes()
        );
        assert_eq!(
            enc("Decimal(18, 2)", None, Value::String("-1.5".into())).unwrap(),
            (-150i64).to_le_bytes()
        );
        assert!(enc("Decimal(3, 2)", None, Value::Int32(10)).is_err());
    }

    #[test]
    fn uuid_enum_array_map() {
        let mut want = 0x0011223344556677u64.to_le_bytes().to_vec();
        want.extend_from_slice(&0x8899aabbccddeeffu64.to_le_bytes());
        assert_eq!(
            enc(
                "UUID",
                None,
                Value::String("00112233-4455-6677-8899-aabbccddeeff".into())
            )
            .unwrap(),
            want
        );
        assert_eq!(
            enc("Enum8('a' = 1, 'b' = 2)", None, Value::String("b".into())).unwrap(),
            vec![2]
        );
        assert!(enc("Enum8('a' = 1)", None, Value::String("z".into())).is_err());
        assert_eq!(
            enc(
                "Array(UInt8)",
                None,
                Value::Array(vec![Value::Int8(1), Value::Int8(2)])
            )
            .unwrap(),
            vec![2, 1, 2]
        );
        assert_eq!(
            enc(
                "Map(String, UInt8)",
                None,
                Value::Map(vec![(Value::String("k".into()), Value::Int8(3))])
            )
            .unwrap(),
            vec![1, 1, b'k', 3]
        );
    }
}
