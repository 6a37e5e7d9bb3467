//! ClickHouse column types, parsed from the type names `DESCRIBE TABLE` reports
//! (`Nullable(DateTime64(3, 'UTC'))`, `LowCardinality(String)`, `Map(String, UInt64)`, …).

use std::fmt;

/// A ClickHouse column type the sink can write in RowBinary.
#[derive(Debug, Clone, PartialEq)]
pub enum ChType {
    /// Int8 … Int256 (bits).
    Int(u16),
    /// UInt8 … UInt256 (bits).
    UInt(u16),
    /// Float32.
    Float32,
    /// Float64.
    Float64,
    /// Bool (one byte).
    Bool,
    /// String.
    String,
    /// FixedString(N).
    FixedString(usize),
    /// Date: days since the epoch as UInt16.
    Date,
    /// Date32: days since the epoch as Int32.
    Date32,
    /// `DateTime` or `DateTime(tz)`: seconds since the epoch as UInt32.
    DateTime,
    /// DateTime64(precision[, tz]): ticks of 10^-precision s as Int64.
    DateTime64(u32),
    /// Decimal(P, S) and Decimal32/64/128/256(S).
    Decimal {
        /// Total digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// UUID.
    Uuid,
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
    /// Enum8/Enum16 with their (name, value) pairs.
    Enum {
        /// 8 or 16.
        bits: u16,
        /// Names and values.
        values: Vec<(String, i16)>,
    },
    /// Nullable(T).
    Nullable(Box<ChType>),
    /// LowCardinality(T) (written as T in RowBinary).
    LowCardinality(Box<ChType>),
    /// Array(T).
    Array(Box<ChType>),
    /// Map(K, V).
    Map(Box<ChType>, Box<ChType>),
    /// Tuple(T1, T2, …), elements optionally named.
    Tuple(Vec<(Option<String>, ChType)>),
}

/// A type name the sink cannot write.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsupportedType(pub String);

impl fmt::Display for UnsupportedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsupported ClickHouse type {}", self.0)
    }
}

impl ChType {
    /// Parses a type name as ClickHouse prints it.
    pub fn parse(name: &str) -> Result<ChType, UnsupportedType> {
        let name = name.trim();
        let bad = || UnsupportedType(name.to_string());
        let (head, args) = match name.find('(') {
            Some(i) if name.ends_with(')') => {
                (name[..i].trim(), Some(&name[i + 1..name.len() - 1]))
            }
            Some(_) => return Err(bad()),
            None => (name, None),
        };
        let one = |args: Option<&str>| -> Result<ChType, UnsupportedType> {
            ChType::parse(args.ok_or_else(bad)?)
        };
        let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        Ok(match head {
            "Int8" => ChType::Int(8),
            "Int16" => ChType::Int(16),
            "Int32" => ChType::Int(32),
            "Int64" => ChType::Int(64),
            "Int128" => ChType::Int(128),
            "Int256" => ChType::Int(256),
            "UInt8" => ChType::UInt(8),
            "UInt16" => ChType::UInt(16),
            "UInt32" => ChType::UInt(32),
            "UInt64" => ChType::UInt(64),
            "UInt128" => ChType::UInt(128),
            "UInt256" => ChType::UInt(256),
            "Float32" => ChType::Float32,
            "Float64" => ChType::Float64,
            "Bool" | "Boolean" => ChType::Bool,
            "String" => ChType::String,
            "FixedString" => ChType::FixedString(num(args.ok_or_else(bad)?)? as usize),
            "Date" => ChType::Date,
            "Date32" => ChType::Date32,
            "DateTime" => ChType::DateTime,
            "DateTime64" => {
                let a = split_args(args.ok_or_else(bad)?);
                ChType::DateTime64(num(a.first().ok_or_else(bad)?)?)
            }
            "Decimal" => {
                let a = split_args(args.ok_or_else(bad)?);
                let precision = num(a.first().ok_or_else(bad)?)?;
                let scale = a.get(1).map(|s| num(s)).transpose()?.unwrap_or(0);
                ChType::Decimal { precision, scale }
            }
            "Decimal32" | "Decimal64" | "Decimal128" | "Decimal256" => ChType::Decimal {
                precision: match head {
                    "Decimal32" => 9,
                    "Decimal64" => 18,
                    "Decimal128" => 38,
                    _ => 76,
                },
                scale: num(args.ok_or_else(bad)?)?,
            },
            "UUID" => ChType::Uuid,
            "IPv4" => ChType::Ipv4,
            "IPv6" => ChType::Ipv6,
            "Enum8" | "Enum16" => ChType::Enum {
                bits: if head == "Enum8" { 8 } else { 16 },
                values: parse_enum(args.ok_or_else(bad)?).ok_or_else(bad)?,
            },
            "Nullable" => ChType::Nullable(Box::new(one(args)?)),
            "LowCardinality" => ChType::LowCardinality(Box::new(one(args)?)),
            "Array" => ChType::Array(Box::new(one(args)?)),
            "Map" => {
                let a = split_args(args.ok_or_else(bad)?);
                if a.len() != 2 {
                    return Err(bad());
                }
                ChType::Map(
                    Box::new(ChType::parse(a[0])?),
                    Box::new(ChType::parse(a[1])?),
                )
            }
            "Tuple" => {
                let mut elems = Vec::new();
                for a in split_args(args.ok_or_else(bad)?) {
                    // A named element is `name Type`; a type never contains a space before
                    // its first parenthesis except in that form.
                    let a = a.trim();
                    let named = a
                        .split_once(' ')
                        .filter(|(n, _)| !n.contains('(') && !n.ends_with(','));
                    match named {
                        Some((n, t)) if ChType::parse(n).is_err() => {
                            elems.push((Some(n.trim_matches('`').to_string()), ChType::parse(t)?))
                        }
                        _ => elems.push((None, ChType::parse(a)?)),
                    }
                }
                ChType::Tuple(elems)
            }
            _ => return Err(bad()),
        })
    }

    /// The type without Nullable/LowCardinality wrappers.
    pub fn base(&self) -> &ChType {
        match self {
            ChType::Nullable(t) | ChType::LowCardinality(t) => t.base(),
            t => t,
        }
    }

    /// True for Nullable(T) and LowCardinality(Nullable(T)).
    pub fn is_nullable(&self) -> bool {
        match self {
            ChType::Nullable(_) => true,
            ChType::LowCardinality(t) => t.is_nullable(),
            _ => false,
        }
    }
}

/// Splits a type's argument list at top-level commas (outside parentheses and quotes).
pub fn split_args(args: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
    let bytes = args.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b',' if !quoted && depth == 0 => {
                out.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let last = args[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// Parses `'a' = 1, 'b' = 2`.
fn parse_enum(args: &str) -> Option<Vec<(String, i16)>> {
    split_args(args)
        .into_iter()
        .map(|pair| {
            let (name, value) = pair.rsplit_once('=')?;
            let name = name.trim().strip_prefix('\'')?.strip_suffix('\'')?;
            Some((name.replace("\\'", "'"), value.trim().parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_types_describe_prints() {
        assert_eq!(ChType::parse("UInt64").unwrap(), ChType::UInt(64));
        assert_eq!(
            ChType::parse("LowCardinality(String)").unwrap(),
            ChType::LowCardinality(Box::new(ChType::String))
        );
        assert_eq!(
            ChType::parse("Nullable(DateTime64(3, 'UTC'))").unwrap(),
            ChType::Nullable(Box::new(ChType::DateTime64(3)))
        );
        assert_eq!(
            ChType::parse("DateTime('Europe/Moscow')").unwrap(),
            ChType::DateTime
        );
        assert_eq!(
            ChType::parse("Decimal(18, 4)").unwrap(),
            ChType::Decimal {
                precision: 18,
                scale: 4
            }
        );
        assert_eq!(
            ChType::parse("Decimal64(2)").unwrap(),
            ChType::Decimal {
                precision: 18,
                scale: 2
            }
        );
        assert_eq!(
            ChType::parse("Map(String, Array(Nullable(Int32)))").unwrap(),
            ChType::Map(
                Box::new(ChType::String),
                Box::new(ChType::Array(Box::new(ChType::Nullable(Box::new(
                    ChType::Int(32)
                )))))
            )
        );
        assert_eq!(
            ChType::parse("Enum8('a' = 1, 'b,c' = -2)").unwrap(),
            ChType::Enum {
                bits: 8,
                values: vec![("a".into(), 1), ("b,c".into(), -2)]
            }
        );
        assert_eq!(
            ChType::parse("Tuple(a String, b UInt8)").unwrap(),
            ChType::Tuple(vec![
                (Some("a".into()), ChType::String),
                (Some("b".into()), ChType::UInt(8))
            ])
        );
        assert_eq!(
            ChType::parse("Tuple(String, UInt8)").unwrap(),
            ChType::Tuple(vec![(None, ChType::String), (None, ChType::UInt(8))])
        );
        assert!(ChType::parse("AggregateFunction(sum, UInt64)").is_err());
        assert!(ChType::parse("Nullable(Int32").is_err());
    }
}
