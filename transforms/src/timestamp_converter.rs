//! `TimestampConverter`: converts a timestamp (the whole key/value, or one top-level field)
//! between Connect's Timestamp/Date/Time logical types, Unix epoch numbers and formatted
//! strings (`SimpleDateFormat` patterns, UTC).

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigMap, ConfigType, Importance};
use ferroconnect_runtime::converter::java_fmt::MILLIS_PER_DAY;
use ferroconnect_runtime::data::{
    schemas, ConnectRecord, LogicalType, Schema, SchemaRef, SchemaType, Struct, Value,
};
use ferroconnect_runtime::transform::Transformation;
use ferroconnect_runtime::{ConnectError, ConnectResult};

use crate::util::config::{replace_null_key, Cfg};
use crate::util::date_format::DateFormat;
use crate::util::requirements::{java_class_display, map_put, require_map, require_struct};
use crate::util::schema::{push_field, struct_like, take_field_value};
use crate::util::Target;
use ferroconnect_runtime::data::SchemaCache;

/// The `field` key.
pub const FIELD: &str = "field";
/// The `target.type` key.
pub const TARGET_TYPE: &str = "target.type";
/// The `format` key.
pub const FORMAT: &str = "format";
/// The `unix.precision` key.
pub const UNIX_PRECISION: &str = "unix.precision";
const PURPOSE: &str = "converting timestamp formats";

/// Config keys of TimestampConverter.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            FIELD,
            ConfigType::String,
            Some(""),
            Importance::High,
            "Top-level field holding the timestamp; empty converts the whole key or value.",
        ))
        .define(
            ConfigKey::new(
                TARGET_TYPE,
                ConfigType::String,
                None,
                Importance::High,
                "Type to convert to: string, unix, Date, Time or Timestamp.",
            )
            .validate_with(|_, v| match v {
                "string" | "unix" | "Date" | "Time" | "Timestamp" => Ok(()),
                _ => Err("String must be one of: string, unix, Date, Time, Timestamp".to_string()),
            }),
        )
        .define(ConfigKey::new(
            FORMAT,
            ConfigType::String,
            Some(""),
            Importance::Medium,
            "SimpleDateFormat pattern (UTC) for reading string input and writing string \
             output; required when target.type is string or the input is a string.",
        ))
        .define(
            ConfigKey::new(
                UNIX_PRECISION,
                ConfigType::String,
                Some("milliseconds"),
                Importance::Low,
                "Unit of Unix timestamps read or written: seconds, milliseconds, microseconds or nanoseconds.",
            )
            .validate_with(|_, v| match v {
                "seconds" | "milliseconds" | "microseconds" | "nanoseconds" => Ok(()),
                _ => Err("String must be one of: nanoseconds, microseconds, milliseconds, seconds".to_string()),
            }),
        )
        .define(replace_null_key())
}

/// A timestamp representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A formatted string.
    String,
    /// Unix epoch number at `unix.precision`.
    Unix,
    /// Date logical type (days).
    Date,
    /// Time logical type (milliseconds of day).
    Time,
    /// Timestamp logical type (epoch milliseconds).
    Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

/// Converts timestamps (`org.apache.kafka.connect.transforms.TimestampConverter$Key|$Value`).
pub struct TimestampConverter {
    target: Target,
    field: String,
    to: Kind,
    format: Option<DateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
    out_schema: SchemaRef,
    out_schema_optional: SchemaRef,
    cache: SchemaCache<SchemaRef>,
}

fn kind_of_schema(schema: &Schema) -> ConnectResult<Kind> {
    Ok(match (schema.logical(), schema.schema_type) {
        (Some(LogicalType::Timestamp), _) => Kind::Timestamp,
        (Some(LogicalType::Date), _) => Kind::Date,
        (Some(LogicalType::Time), _) => Kind::Time,
        (_, SchemaType::String) => Kind::String,
        (_, SchemaType::Int64) => Kind::Unix,
        _ => {
            return Err(ConnectError::other(format!(
                "Schema {} does not correspond to a known timestamp type format",
                schema
                    .name
                    .as_deref()
                    .unwrap_or(schema.schema_type.java_name())
            )))
        }
    })
}

impl TimestampConverter {
    /// Configures the transform from its own config.
    pub fn new(target: Target, config: &ConfigMap) -> ConnectResult<Self> {
        let def = config_def();
        let cfg = Cfg::parse(&def, config)?;
        let to = match cfg.string(TARGET_TYPE)?.as_str() {
            "string" => Kind::String,
            "unix" => Kind::Unix,
            "Date" => Kind::Date,
            "Time" => Kind::Time,
            _ => Kind::Timestamp,
        };
        let pattern = cfg.string(FORMAT)?;
        if to == Kind::String && pattern.trim().is_empty() {
            return Err(ConnectError::config(
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        let format = if pattern.trim().is_empty() {
            None
        } else {
            Some(DateFormat::new(&pattern).map_err(|e| {
                ConnectError::config(format!(
                    "Invalid value {pattern} for configuration {FORMAT}: TimestampConverter requires a \
                     SimpleDateFormat-compatible pattern for string timestamps: {pattern} ({e})"
                ))
            })?)
        };
        let precision = match cfg.string(UNIX_PRECISION)?.as_str() {
            "seconds" => Precision::Seconds,
            "microseconds" => Precision::Micros,
            "nanoseconds" => Precision::Nanos,
            _ => Precision::Millis,
        };
        let out = |optional: bool| -> SchemaRef {
            let logical = |l: LogicalType| {
                let b = l.builder();
                if optional { b.optional() } else { b }.build_ref()
            };
            match (to, optional) {
                (Kind::String, false) => schemas::string(),
                (Kind::String, true) => schemas::optional_string(),
                (Kind::Unix, false) => schemas::int64(),
                (Kind::Unix, true) => schemas::optional_int64(),
                (Kind::Date, _) => logical(LogicalType::Date),
                (Kind::Time, _) => logical(LogicalType::Time),
                (Kind::Timestamp, _) => logical(LogicalType::Timestamp),
            }
        };
        Ok(TimestampConverter {
            target,
            field: cfg.string(FIELD)?,
            to,
            format,
            precision,
            replace_null_with_default: cfg.replace_null_with_default()?,
            out_schema: out(false),
            out_schema_optional: out(true),
            cache: SchemaCache::new(),
        })
    }

    fn out_schema(&self, optional: bool) -> SchemaRef {
        if optional {
            self.out_schema_optional.clone()
        } else {
            self.out_schema.clone()
        }
    }

    fn to_raw(&self, kind: Kind, value: &Value) -> ConnectResult<i64> {
        let found = || java_class_display(None, value);
        match (kind, value) {
            (Kind::String, Value::String(s)) => {
                let format = self.format.as_ref().ok_or_else(|| {
                    ConnectError::other(
                        "TimestampConverter requires format option to be specified when using string timestamps",
                    )
                })?;
                format.parse(s).ok_or_else(|| {
                    ConnectError::data(format!(
                        "Could not parse timestamp: value ({s}) does not match pattern ({})",
                        format.pattern()
                    ))
                })
            }
            (Kind::String, _) => Err(ConnectError::data(format!(
                "Expected string timestamp to be a String, but found {}",
                found()
            ))),
            (Kind::Unix, Value::Int64(v)) => Ok(match self.precision {
                Precision::Seconds => v.saturating_mul(1000),
                Precision::Millis => *v,
                Precision::Micros => v / 1000,
                Precision::Nanos => v / 1_000_000,
            }),
            (Kind::Unix, _) => Err(ConnectError::data(format!(
                "Expected Unix timestamp to be a Long, but found {}",
                found()
            ))),
            (Kind::Date, Value::Int32(days)) => Ok(*days as i64 * MILLIS_PER_DAY),
            (Kind::Time, Value::Int32(ms)) => Ok(*ms as i64),
            (Kind::Timestamp, Value::Int64(ms)) => Ok(*ms),
            _ => Err(ConnectError::data(format!(
                "Expected {:?} to be a java.util.Date, but found {}",
                kind,
                found()
            ))),
        }
    }

    fn raw_to_target(&self, ms: i64) -> ConnectResult<Value> {
        Ok(match self.to {
            Kind::String => Value::String(
                self.format
                    .as_ref()
                    .map(|f| f.format(ms))
                    .unwrap_or_default(),
            ),
            Kind::Unix => Value::Int64(match self.precision {
                Precision::Seconds => ms / 1000,
                Precision::Millis => ms,
                Precision::Micros => ms.saturating_mul(1000),
                Precision::Nanos => ms.saturating_mul(1_000_000),
            }),
            Kind::Date => {
                Value::Int32(i32::try_from(ms.div_euclid(MILLIS_PER_DAY)).map_err(|_| {
                    ConnectError::data(format!("Timestamp {ms} is out of range for the Date type"))
                })?)
            }
            Kind::Time => Value::Int32(ms.rem_euclid(MILLIS_PER_DAY) as i32),
            Kind::Timestamp => Value::Int64(ms),
        })
    }

    /// `convertTimestamp`: null stays null; a known input kind or one inferred from the value.
    fn convert(&self, value: &Value, kind: Option<Kind>) -> ConnectResult<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let kind = match kind {
            Some(k) => k,
            None => match value {
                Value::Int64(_) => Kind::Unix,
                Value::String(_) => Kind::String,
                other => {
                    return Err(ConnectError::data(format!(
                        "TimestampConverter does not support {} objects as timestamps",
                        java_class_display(None, other)
                    )))
                }
            },
        };
        if kind == self.to && !matches!(kind, Kind::String | Kind::Unix) {
            return Ok(value.clone());
        }
        self.raw_to_target(self.to_raw(kind, value)?)
    }

    fn build_schema(&self, schema: &Schema) -> SchemaRef {
        let mut s = struct_like(schema);
        s.optional = schema.optional;
        for f in &schema.fields {
            if f.name == self.field {
                push_field(&mut s, f.name.clone(), self.out_schema(f.schema.optional));
            } else {
                push_field(&mut s, f.name.clone(), f.schema.clone());
            }
        }
        s.into_ref()
    }
}

impl Transformation for TimestampConverter {
    fn apply(&self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let value = self.target.take_value(&mut record);
        let Some(schema) = self.target.schema(&record).cloned() else {
            let out = if value.is_null() || self.field.is_empty() {
                self.convert(&value, None)?
            } else {
                let mut entries = require_map(value, PURPOSE)?;
                let current = crate::util::requirements::map_get(&entries, &self.field)
                    .cloned()
                    .unwrap_or(Value::Null);
                let converted = self.convert(&current, None)?;
                map_put(&mut entries, &self.field, converted);
                Value::Map(entries)
            };
            self.target.set(&mut record, None, out);
            return Ok(Some(record));
        };
        if self.field.is_empty() {
            let converted = self.convert(&value, Some(kind_of_schema(&schema)?))?;
            self.target.set(
                &mut record,
                Some(self.out_schema(schema.optional)),
                converted,
            );
            return Ok(Some(record));
        }
        let updated = self
            .cache
            .get_or_try_insert(&schema, || Ok(self.build_schema(&schema)))?;
        if value.is_null() {
            self.target.set(&mut record, Some(updated), Value::Null);
            return Ok(Some(record));
        }
        let st = require_struct(value, PURPOSE)?;
        let st_schema = st.schema().clone();
        let mut values = st.into_values();
        for f in &st_schema.fields {
            let v = take_field_value(&mut values, f, self.replace_null_with_default);
            values[f.index] = if f.name == self.field {
                self.convert(&v, Some(kind_of_schema(&f.schema)?))?
            } else {
                v
            };
        }
        let out = Struct::from_values(updated.clone(), values)?;
        self.target
            .set(&mut record, Some(updated), Value::Struct(out));
        Ok(Some(record))
    }
}
