//! PostgreSQL column types → Connect schemas and values.
//!
//! Rows are read in Postgres' binary wire format and decoded here straight into Connect
//! values (no intermediate Rust types): integers and floats are big-endian, `numeric` is
//! base-10000 digits, dates count days and timestamps microseconds from 2000-01-01.
//! `timestamp` (without time zone) values are wall-clock times in `db.timezone`; timestamp
//! columns of both kinds are represented per `timestamp.granularity`.

use ferroconnect_runtime::data::{schemas, Decimal, LogicalType, SchemaBuilder, SchemaRef, Value};

use super::time::{DbZone, Granularity};

/// Days between 1970-01-01 and 2000-01-01 (Postgres' epoch).
const PG_EPOCH_DAYS: i64 = 10_957;
/// Microseconds between 1970-01-01 and 2000-01-01.
pub const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400 * 1_000_000;

/// How `numeric` columns map to Connect types (`numeric.mapping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericMapping {
    /// Always Decimal.
    None,
    /// Integers by precision when the scale is 0; otherwise Decimal.
    PrecisionOnly,
    /// Integers by precision when the scale is 0, float64 when it is positive (precision < 19).
    BestFit,
    /// As best_fit, but float64 for any positive scale.
    BestFitEagerDouble,
}

impl NumericMapping {
    /// Parses a `numeric.mapping` value (case-insensitive; empty = none).
    pub fn parse(raw: &str) -> Option<NumericMapping> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "" | "none" => NumericMapping::None,
            "precision_only" => NumericMapping::PrecisionOnly,
            "best_fit" => NumericMapping::BestFit,
            "best_fit_eager_double" => NumericMapping::BestFitEagerDouble,
            _ => return None,
        })
    }
}

/// How columns become Connect values: `numeric.mapping`, `db.timezone` and
/// `timestamp.granularity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoding {
    /// `numeric.mapping`.
    pub mapping: NumericMapping,
    /// `db.timezone`: the zone of `timestamp` (without time zone) values.
    pub zone: DbZone,
    /// `timestamp.granularity`.
    pub granularity: Granularity,
}

impl Decoding {
    /// Decoding with a numeric mapping, UTC and Connect `Timestamp`s.
    pub fn with_mapping(mapping: NumericMapping) -> Decoding {
        Decoding {
            mapping,
            zone: DbZone::UTC,
            granularity: Granularity::ConnectLogical,
        }
    }
}

/// A column's Postgres type, reduced to what the decoder needs.
#[derive(Debug, Clone, PartialEq)]
pub enum PgKind {
    /// int2.
    Int2,
    /// int4.
    Int4,
    /// int8.
    Int8,
    /// oid (unsigned 32-bit) → int64.
    Oid,
    /// float4.
    Float4,
    /// float8.
    Float8,
    /// bool.
    Bool,
    /// text, varchar, bpchar, name, "char", citext-like text types.
    Text,
    /// bytea.
    Bytea,
    /// date → Connect Date.
    Date,
    /// time → Connect Time.
    Time,
    /// timestamp → Connect Timestamp (a wall-clock time in `db.timezone`).
    Timestamp,
    /// timestamptz → Connect Timestamp.
    TimestampTz,
    /// numeric with its declared precision and scale (`None` = unconstrained).
    Numeric(Option<(i32, i32)>),
    /// uuid → string.
    Uuid,
    /// json → string.
    Json,
    /// jsonb → string.
    Jsonb,
    /// One-dimensional array of an element kind.
    Array(Box<PgKind>),
}

impl PgKind {
    /// The kind of a type oid; `typmod` is the column's `atttypmod` (-1 when unknown).
    pub fn from_oid(oid: u32, typmod: i32) -> Option<PgKind> {
        let numeric = || {
            (typmod >= 4).then(|| {
                let t = typmod - 4;
                ((t >> 16) & 0xffff, t & 0xffff)
            })
        };
        Some(match oid {
            21 => PgKind::Int2,
            23 => PgKind::Int4,
            20 => PgKind::Int8,
            26 => PgKind::Oid,
            700 => PgKind::Float4,
            701 => PgKind::Float8,
            16 => PgKind::Bool,
            25 | 1043 | 1042 | 19 | 18 => PgKind::Text,
            17 => PgKind::Bytea,
            1082 => PgKind::Date,
            1083 => PgKind::Time,
            1114 => PgKind::Timestamp,
            1184 => PgKind::TimestampTz,
            1700 => PgKind::Numeric(numeric()),
            2950 => PgKind::Uuid,
            114 => PgKind::Json,
            3802 => PgKind::Jsonb,
            1005 => PgKind::Array(Box::new(PgKind::Int2)),
            1007 => PgKind::Array(Box::new(PgKind::Int4)),
            1016 => PgKind::Array(Box::new(PgKind::Int8)),
            1021 => PgKind::Array(Box::new(PgKind::Float4)),
            1022 => PgKind::Array(Box::new(PgKind::Float8)),
            1000 => PgKind::Array(Box::new(PgKind::Bool)),
            1009 | 1015 | 1014 => PgKind::Array(Box::new(PgKind::Text)),
            1001 => PgKind::Array(Box::new(PgKind::Bytea)),
            1182 => PgKind::Array(Box::new(PgKind::Date)),
            1115 => PgKind::Array(Box::new(PgKind::Timestamp)),
            1185 => PgKind::Array(Box::new(PgKind::TimestampTz)),
            1231 => PgKind::Array(Box::new(PgKind::Numeric(numeric()))),
            2951 => PgKind::Array(Box::new(PgKind::Uuid)),
            _ => return None,
        })
    }

    /// The Connect schema of a column of this kind.
    pub fn schema(&self, optional: bool, dec: &Decoding) -> SchemaRef {
        let mapping = dec.mapping;
        let prim = |req: fn() -> SchemaRef, opt: fn() -> SchemaRef| {
            if optional {
                opt()
            } else {
                req()
            }
        };
        let logical = |lt: LogicalType| lt.builder().set_optional(optional).build_ref();
        match self {
            PgKind::Int2 => prim(schemas::int16, schemas::optional_int16),
            PgKind::Int4 => prim(schemas::int32, schemas::optional_int32),
            PgKind::Int8 | PgKind::Oid => prim(schemas::int64, schemas::optional_int64),
            PgKind::Float4 => prim(schemas::float32, schemas::optional_float32),
            PgKind::Float8 => prim(schemas::float64, schemas::optional_float64),
            PgKind::Bool => prim(schemas::boolean, schemas::optional_boolean),
            PgKind::Text | PgKind::Uuid | PgKind::Json | PgKind::Jsonb => {
                prim(schemas::string, schemas::optional_string)
            }
            PgKind::Bytea => prim(schemas::bytes, schemas::optional_bytes),
            PgKind::Date => logical(LogicalType::Date),
            PgKind::Time => logical(LogicalType::Time),
            PgKind::Timestamp | PgKind::TimestampTz => dec.granularity.schema(optional),
            PgKind::Numeric(ps) => match numeric_target(*ps, mapping) {
                NumericTarget::Int(bits) => match bits {
                    8 => prim(schemas::int8, schemas::optional_int8),
                    16 => prim(schemas::int16, schemas::optional_int16),
                    32 => prim(schemas::int32, schemas::optional_int32),
                    _ => prim(schemas::int64, schemas::optional_int64),
                },
                NumericTarget::Double => prim(schemas::float64, schemas::optional_float64),
                NumericTarget::Decimal(scale) => logical(LogicalType::Decimal { scale }),
            },
            PgKind::Array(elem) => SchemaBuilder::array(elem.schema(true, dec))
                .set_optional(optional)
                .build_ref(),
        }
    }
}

/// Where a numeric value goes under a numeric mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericTarget {
    /// A signed integer of this many bits.
    Int(u8),
    /// float64.
    Double,
    /// Decimal at this scale.
    Decimal(i32),
}

/// Confluent's numeric mapping rules, by declared precision and scale.
pub fn numeric_target(ps: Option<(i32, i32)>, mapping: NumericMapping) -> NumericTarget {
    let int_by_precision = |p: i32| {
        NumericTarget::Int(if p > 9 {
            64
        } else if p > 4 {
            32
        } else if p > 2 {
            16
        } else {
            8
        })
    };
    let Some((precision, scale)) = ps else {
        // Unconstrained numeric: no precision to fit integers by.
        return match mapping {
            NumericMapping::BestFit | NumericMapping::BestFitEagerDouble => NumericTarget::Double,
            _ => NumericTarget::Decimal(0),
        };
    };
    match mapping {
        NumericMapping::PrecisionOnly if scale == 0 && precision < 19 => {
            int_by_precision(precision)
        }
        NumericMapping::BestFit if precision < 19 && scale < 1 => int_by_precision(precision),
        NumericMapping::BestFit if precision < 19 && scale > 0 => NumericTarget::Double,
        NumericMapping::BestFitEagerDouble if scale > 0 => NumericTarget::Double,
        NumericMapping::BestFitEagerDouble if precision < 19 => int_by_precision(precision),
        _ => NumericTarget::Decimal(scale),
    }
}

/// A decoding failure; the caller adds the column name.
pub type DecodeResult<T> = Result<T, String>;

fn be<const N: usize>(b: &[u8]) -> DecodeResult<[u8; N]> {
    b.try_into()
        .map_err(|_| format!("expected {N} bytes, got {}", b.len()))
}

/// Decodes one non-null binary value of a kind into a Connect value.
pub fn decode(kind: &PgKind, b: &[u8], dec: &Decoding) -> DecodeResult<Value> {
    let mapping = dec.mapping;
    Ok(match kind {
        PgKind::Int2 => Value::Int16(i16::from_be_bytes(be(b)?)),
        PgKind::Int4 => Value::Int32(i32::from_be_bytes(be(b)?)),
        PgKind::Int8 => Value::Int64(i64::from_be_bytes(be(b)?)),
        PgKind::Oid => Value::Int64(u32::from_be_bytes(be(b)?) as i64),
        PgKind::Float4 => Value::Float32(f32::from_be_bytes(be(b)?)),
        PgKind::Float8 => Value::Float64(f64::from_be_bytes(be(b)?)),
        PgKind::Bool => Value::Boolean(be::<1>(b)?[0] != 0),
        PgKind::Text | PgKind::Json => Value::String(utf8(b)?),
        PgKind::Jsonb => match b.split_first() {
            Some((1, rest)) => Value::String(utf8(rest)?),
            _ => return Err("unsupported jsonb version".into()),
        },
        PgKind::Bytea => Value::Bytes(b.to_vec()),
        PgKind::Uuid => Value::String(uuid_string(&be::<16>(b)?)),
        PgKind::Date => {
            let days = i32::from_be_bytes(be(b)?) as i64 + PG_EPOCH_DAYS;
            Value::Int32(i32::try_from(days).map_err(|_| "date out of range".to_string())?)
        }
        PgKind::Time => Value::Int32((i64::from_be_bytes(be(b)?) / 1000) as i32),
        PgKind::Timestamp => dec
            .granularity
            .value(dec.zone.local_to_utc(timestamp_micros(b)?), dec.zone)?,
        PgKind::TimestampTz => dec.granularity.value(timestamp_micros(b)?, dec.zone)?,
        PgKind::Numeric(ps) => {
            let (unscaled, exp10) = numeric_parts(b)?;
            match numeric_target(*ps, mapping) {
                NumericTarget::Decimal(scale) => {
                    Value::Decimal(Decimal::new(rescale(unscaled, exp10, scale)?, scale))
                }
                NumericTarget::Double => Value::Float64(unscaled as f64 * 10f64.powi(exp10)),
                NumericTarget::Int(bits) => {
                    let v = rescale(unscaled, exp10, 0)?;
                    let err = || format!("numeric {v} does not fit int{bits}");
                    match bits {
                        8 => Value::Int8(i8::try_from(v).map_err(|_| err())?),
                        16 => Value::Int16(i16::try_from(v).map_err(|_| err())?),
                        32 => Value::Int32(i32::try_from(v).map_err(|_| err())?),
                        _ => Value::Int64(i64::try_from(v).map_err(|_| err())?),
                    }
                }
            }
        }
        PgKind::Array(elem) => Value::Array(decode_array(elem, b, dec)?),
    })
}

/// Microseconds since 1970 of a binary timestamp/timestamptz value.
pub fn timestamp_micros(b: &[u8]) -> DecodeResult<i64> {
    Ok(i64::from_be_bytes(be(b)?).saturating_add(PG_EPOCH_MICROS))
}

/// Epoch milliseconds (floor) of epoch microseconds.
pub fn micros_to_millis(micros: i64) -> i64 {
    micros.div_euclid(1000)
}

fn utf8(b: &[u8]) -> DecodeResult<String> {
    String::from_utf8(b.to_vec()).map_err(|e| format!("invalid UTF-8: {e}"))
}

fn uuid_string(b: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 0xf) as usize] as char);
    }
    s
}

/// A binary numeric as `unscaled × 10^exp10`.
fn numeric_parts(b: &[u8]) -> DecodeResult<(i128, i32)> {
    if b.len() < 8 {
        return Err("truncated numeric".into());
    }
    let ndigits = u16::from_be_bytes([b[0], b[1]]) as usize;
    let weight = i16::from_be_bytes([b[2], b[3]]) as i32;
    let sign = u16::from_be_bytes([b[4], b[5]]);
    if sign != 0 && sign != 0x4000 {
        return Err("NaN or infinite numeric has no Connect representation".into());
    }
    if b.len() < 8 + 2 * ndigits {
        return Err("truncated numeric".into());
    }
    let mut unscaled: i128 = 0;
    for i in 0..ndigits {
        let d = u16::from_be_bytes([b[8 + 2 * i], b[9 + 2 * i]]) as i128;
        unscaled = unscaled
            .checked_mul(10_000)
            .and_then(|v| v.checked_add(d))
            .ok_or("numeric exceeds 38 digits")?;
    }
    if sign == 0x4000 {
        unscaled = -unscaled;
    }
    Ok((unscaled, 4 * (weight - ndigits as i32 + 1)))
}

/// `unscaled × 10^exp10` as an unscaled value at `scale`; errors if digits would be lost.
fn rescale(mut unscaled: i128, exp10: i32, scale: i32) -> DecodeResult<i128> {
    let mut shift = exp10 + scale;
    while shift > 0 {
        unscaled = unscaled
            .checked_mul(10)
            .ok_or("numeric exceeds 38 digits")?;
        shift -= 1;
    }
    while shift < 0 {
        if unscaled % 10 != 0 {
            return Err(format!(
                "numeric value has more fractional digits than the column's scale {scale}"
            ));
        }
        unscaled /= 10;
        shift += 1;
    }
    Ok(unscaled)
}

fn decode_array(elem: &PgKind, b: &[u8], dec: &Decoding) -> DecodeResult<Vec<Value>> {
    let int = |at: usize| -> DecodeResult<i32> {
        b.get(at..at + 4)
            .map(|s| i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
            .ok_or_else(|| "truncated array".to_string())
    };
    let ndim = int(0)?;
    if ndim == 0 {
        return Ok(Vec::new());
    }
    if ndim != 1 {
        return Err(format!(
            "{ndim}-dimensional arrays are not supported (only one dimension)"
        ));
    }
    let len = int(12)?.max(0) as usize;
    let mut at = 20;
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let n = int(at)?;
        at += 4;
        if n < 0 {
            out.push(Value::Null);
            continue;
        }
        let n = n as usize;
        let item = b.get(at..at + n).ok_or("truncated array")?;
        out.push(decode(elem, item, dec)?);
        at += n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: &[u16], weight: i16, neg: bool, dscale: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend((ndigits.len() as u16).to_be_bytes());
        b.extend(weight.to_be_bytes());
        b.extend((if neg { 0x4000u16 } else { 0 }).to_be_bytes());
        b.extend(dscale.to_be_bytes());
        for d in ndigits {
            b.extend(d.to_be_bytes());
        }
        b
    }

    #[test]
    fn numeric_decodes_at_the_declared_scale() {
        // 12345.678 = [1, 2345, 6780] weight 1
        let b = numeric(&[1, 2345, 6780], 1, true, 3);
        let v = decode(
            &PgKind::Numeric(Some((10, 4))),
            &b,
            &Decoding::with_mapping(NumericMapping::None),
        )
        .unwrap();
        assert_eq!(v, Value::Decimal(Decimal::new(-123456780, 4)));
        let v = decode(
            &PgKind::Numeric(Some((10, 3))),
            &b,
            &Decoding::with_mapping(NumericMapping::BestFit),
        )
        .unwrap();
        assert_eq!(v, Value::Float64(-12345.678));
        let err = decode(
            &PgKind::Numeric(Some((10, 2))),
            &b,
            &Decoding::with_mapping(NumericMapping::None),
        )
        .unwrap_err();
        assert!(err.contains("scale 2"), "{err}");
        // 1200 = [1200] weight 0; as int by precision 4 → int16
        let b = numeric(&[1200], 0, false, 0);
        let v = decode(
            &PgKind::Numeric(Some((4, 0))),
            &b,
            &Decoding::with_mapping(NumericMapping::BestFit),
        )
        .unwrap();
        assert_eq!(v, Value::Int16(1200));
    }

    #[test]
    fn typmod_gives_precision_and_scale() {
        let typmod = ((10 << 16) | 2) + 4;
        assert_eq!(
            PgKind::from_oid(1700, typmod),
            Some(PgKind::Numeric(Some((10, 2))))
        );
        assert_eq!(PgKind::from_oid(1700, -1), Some(PgKind::Numeric(None)));
    }

    #[test]
    fn timestamps_dates_and_uuids() {
        let micros: i64 = 1_500_000; // 2000-01-01 00:00:01.5
        let v = decode(
            &PgKind::Timestamp,
            &micros.to_be_bytes(),
            &Decoding::with_mapping(NumericMapping::None),
        )
        .unwrap();
        assert_eq!(v, Value::Int64(946_684_801_500));
        let v = decode(
            &PgKind::Date,
            &1i32.to_be_bytes(),
            &Decoding::with_mapping(NumericMapping::None),
        )
        .unwrap();
        assert_eq!(v, Value::Int32(10_958));
        let u: [u8; 16] = [
            0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef,
        ];
        let v = decode(
            &PgKind::Uuid,
            &u,
            &Decoding::with_mapping(NumericMapping::None),
        )
        .unwrap();
        assert_eq!(
            v,
            Value::String("12345678-9abc-def0-0123-456789abcdef".into())
        );
    }

    #[test]
    fn timestamps_follow_the_zone_and_granularity() {
        let dec = Decoding {
            mapping: NumericMapping::None,
            zone: DbZone::parse("Europe/Moscow").unwrap(),
            granularity: Granularity::NanosLong,
        };
        // 2000-01-01 03:00 on a Moscow wall clock (UTC+3 then) is 2000-01-01 00:00 UTC.
        let wall: i64 = 3 * 3600 * 1_000_000;
        let v = decode(&PgKind::Timestamp, &wall.to_be_bytes(), &dec).unwrap();
        assert_eq!(v, Value::Int64(946_684_800_000_000_000));
        // A timestamptz is an instant: the zone does not move it.
        let v = decode(&PgKind::TimestampTz, &wall.to_be_bytes(), &dec).unwrap();
        assert_eq!(v, Value::Int64((946_684_800 + 3 * 3600) * 1_000_000_000));
        let s = PgKind::Timestamp.schema(false, &dec);
        assert_eq!(s.schema_type, ferroconnect_runtime::data::SchemaType::Int64);
        assert!(s.logical().is_none());
    }
}
