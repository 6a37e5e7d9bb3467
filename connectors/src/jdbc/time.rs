//! Time zones and timestamp representations of the JDBC connectors: `db.timezone` (the zone
//! in which `timestamp without time zone` columns hold their wall-clock times) and the
//! source's `timestamp.granularity` (how timestamp columns appear in records), and the
//! database clock the timestamp modes bound their queries by.

use chrono::{DateTime, Duration, LocalResult, Offset, TimeZone};
use chrono_tz::Tz;
use ferroconnect_runtime::data::{schemas, LogicalType, SchemaRef, Value};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::PgConnection;

/// Microseconds in a second.
const SECOND_MICROS: i64 = 1_000_000;

/// The zone of `timestamp without time zone` columns (`db.timezone`, IANA names such as
/// `Europe/Moscow`). UTC and its aliases take a fast path that converts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DbZone(Option<Tz>);

impl DbZone {
    /// UTC (the default).
    pub const UTC: DbZone = DbZone(None);

    /// Parses a `db.timezone` value: an IANA zone name (case-sensitive, as Java's `ZoneId`),
    /// or empty/`Z` for UTC. `None` for an unknown zone.
    pub fn parse(raw: &str) -> Option<DbZone> {
        let raw = raw.trim();
        if matches!(
            raw,
            "" | "Z" | "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "UCT" | "Etc/UCT"
        ) {
            return Some(DbZone::UTC);
        }
        raw.parse::<Tz>().ok().map(|tz| DbZone(Some(tz)))
    }

    /// The zone's name as Postgres' `TimeZone` setting takes it.
    pub fn name(self) -> &'static str {
        match self.0 {
            None => "UTC",
            Some(tz) => tz.name(),
        }
    }

    /// Epoch microseconds of a wall-clock time in this zone, given as microseconds since
    /// 1970-01-01 00:00 of that wall clock (a binary `timestamp` value). As Postgres' cast
    /// to `timestamptz`: an ambiguous time (clocks turned back) is the later instant, a
    /// skipped one (clocks turned forward) takes the offset in force before the change.
    pub fn local_to_utc(self, wall_micros: i64) -> i64 {
        let Some(tz) = self.0 else {
            return wall_micros;
        };
        let Some(naive) = DateTime::from_timestamp(wall_micros.div_euclid(SECOND_MICROS), 0)
            .map(|d| d.naive_utc())
        else {
            return wall_micros;
        };
        let offset = match tz.offset_from_local_datetime(&naive) {
            LocalResult::Single(o) => o.fix().local_minus_utc(),
            LocalResult::Ambiguous(a, b) => {
                a.fix().local_minus_utc().min(b.fix().local_minus_utc())
            }
            LocalResult::None => naive
                .checked_sub_signed(Duration::days(1))
                .map(|before| tz.offset_from_utc_datetime(&before).fix().local_minus_utc())
                .unwrap_or(0),
        };
        wall_micros.saturating_sub(offset as i64 * SECOND_MICROS)
    }

    /// The wall-clock time in this zone (microseconds since 1970-01-01 00:00 of that wall
    /// clock) of an instant in epoch microseconds.
    pub fn utc_to_local(self, utc_micros: i64) -> i64 {
        let Some(tz) = self.0 else {
            return utc_micros;
        };
        let Some(at) = DateTime::from_timestamp(utc_micros.div_euclid(SECOND_MICROS), 0) else {
            return utc_micros;
        };
        let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
        utc_micros.saturating_add(offset.local_minus_utc() as i64 * SECOND_MICROS)
    }
}

/// How the source represents timestamp columns (`timestamp.granularity`, Confluent's values).
/// Offsets always hold epoch milliseconds plus nanoseconds, whatever the granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    /// Connect `Timestamp` (epoch milliseconds; sub-millisecond digits are dropped).
    #[default]
    ConnectLogical,
    /// int64 epoch microseconds.
    MicrosLong,
    /// Epoch microseconds as a decimal string.
    MicrosString,
    /// `yyyy-MM-ddTHH:mm:ss.SSSSSS` in `db.timezone`.
    MicrosIsoDatetimeString,
    /// int64 epoch nanoseconds.
    NanosLong,
    /// Epoch nanoseconds as a decimal string.
    NanosString,
    /// `yyyy-MM-ddTHH:mm:ss.SSSSSSSSS` in `db.timezone`.
    NanosIsoDatetimeString,
}

/// The accepted `timestamp.granularity` values.
pub const GRANULARITY_VALUES: &str = "connect_logical, micros_long, micros_string, \
     micros_iso_datetime_string, nanos_long, nanos_string, nanos_iso_datetime_string";

impl Granularity {
    /// Parses a `timestamp.granularity` value (case-insensitive).
    pub fn parse(raw: &str) -> Option<Granularity> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "connect_logical" => Granularity::ConnectLogical,
            "micros_long" => Granularity::MicrosLong,
            "micros_string" => Granularity::MicrosString,
            "micros_iso_datetime_string" => Granularity::MicrosIsoDatetimeString,
            "nanos_long" => Granularity::NanosLong,
            "nanos_string" => Granularity::NanosString,
            "nanos_iso_datetime_string" => Granularity::NanosIsoDatetimeString,
            _ => return None,
        })
    }

    /// The Connect schema of a timestamp column.
    pub fn schema(self, optional: bool) -> SchemaRef {
        let prim = |req: fn() -> SchemaRef, opt: fn() -> SchemaRef| {
            if optional {
                opt()
            } else {
                req()
            }
        };
        match self {
            Granularity::ConnectLogical => LogicalType::Timestamp
                .builder()
                .set_optional(optional)
                .build_ref(),
            Granularity::MicrosLong | Granularity::NanosLong => {
                prim(schemas::int64, schemas::optional_int64)
            }
            _ => prim(schemas::string, schemas::optional_string),
        }
    }

    /// The value of a timestamp at `utc_micros` (epoch microseconds); ISO strings show the
    /// wall-clock time in `zone`.
    pub fn value(self, utc_micros: i64, zone: DbZone) -> Result<Value, String> {
        let nanos = || {
            utc_micros.checked_mul(1000).ok_or_else(|| {
                format!("timestamp {utc_micros} µs does not fit epoch nanoseconds in int64")
            })
        };
        Ok(match self {
            Granularity::ConnectLogical => Value::Int64(utc_micros.div_euclid(1000)),
            Granularity::MicrosLong => Value::Int64(utc_micros),
            Granularity::MicrosString => Value::String(utc_micros.to_string()),
            Granularity::NanosLong => Value::Int64(nanos()?),
            Granularity::NanosString => Value::String((utc_micros as i128 * 1000).to_string()),
            Granularity::MicrosIsoDatetimeString => Value::String(iso(utc_micros, zone, 6)?),
            Granularity::NanosIsoDatetimeString => Value::String(iso(utc_micros, zone, 9)?),
        })
    }
}

/// `yyyy-MM-ddTHH:mm:ss` and `digits` fractional digits, in `zone`'s wall clock.
fn iso(utc_micros: i64, zone: DbZone, digits: usize) -> Result<String, String> {
    let local = zone.utc_to_local(utc_micros);
    let at = DateTime::from_timestamp(
        local.div_euclid(SECOND_MICROS),
        (local.rem_euclid(SECOND_MICROS) * 1000) as u32,
    )
    .ok_or_else(|| format!("timestamp {utc_micros} µs is out of range"))?;
    let frac = format!("{:09}", at.timestamp_subsec_nanos());
    Ok(format!(
        "{}.{}",
        at.naive_utc().format("%Y-%m-%dT%H:%M:%S"),
        &frac[..digits]
    ))
}

/// The database's current time in microseconds since 1970.
pub async fn db_now_micros(conn: &mut PgConnection) -> ConnectResult<i64> {
    sqlx::query_scalar("SELECT (EXTRACT(EPOCH FROM now()) * 1000000)::int8")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| ConnectError::other(format!("Failed to read the database time: {e}")))
}

/// The newest timestamp that is safe to read up to (exclusive): the database's now() minus
/// the delay, and before the start of the oldest transaction still running elsewhere.
pub async fn safe_upper_bound(conn: &mut PgConnection, delay_ms: i64) -> ConnectResult<i64> {
    sqlx::query_scalar(
        "SELECT (EXTRACT(EPOCH FROM LEAST(now() - $1::int8 * INTERVAL '1 millisecond', \
           COALESCE((SELECT min(xact_start) FROM pg_catalog.pg_stat_activity \
                     WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() \
                       AND backend_type = 'client backend' \
                       AND application_name IS DISTINCT FROM $2), now()))) * 1000000)::int8",
    )
    .bind(delay_ms)
    .bind(super::conn::SOURCE_APPLICATION_NAME)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        ConnectError::other(format!(
            "Failed to compute the safe upper timestamp bound: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-15 12:00:00.123456 UTC.
    const T: i64 = 1_705_320_000_123_456;

    #[test]
    fn zones_convert_wall_clocks_both_ways() {
        let msk = DbZone::parse("Europe/Moscow").unwrap();
        assert_eq!(msk.name(), "Europe/Moscow");
        let three_hours = 3 * 3600 * SECOND_MICROS;
        assert_eq!(msk.utc_to_local(T), T + three_hours);
        assert_eq!(msk.local_to_utc(T + three_hours), T);
        assert_eq!(DbZone::parse("UTC"), Some(DbZone::UTC));
        assert_eq!(DbZone::UTC.local_to_utc(T), T);
        assert_eq!(DbZone::parse("Mars/Olympus"), None);
        // New York, 2018-11-04 01:30 happens twice: the later (EST, UTC-5) instant is taken.
        let ny = DbZone::parse("America/New_York").unwrap();
        let wall = 1_541_295_000 * SECOND_MICROS; // 2018-11-04 01:30 as a wall clock
        assert_eq!(ny.local_to_utc(wall), wall + 5 * 3600 * SECOND_MICROS);
        // 2018-03-11 02:30 does not exist: read with the offset before the change (EST).
        let wall = 1_520_735_400 * SECOND_MICROS; // 2018-03-11 02:30 as a wall clock
        assert_eq!(ny.local_to_utc(wall), wall + 5 * 3600 * SECOND_MICROS);
    }

    #[test]
    fn granularities_follow_confluents_representations() {
        let msk = DbZone::parse("Europe/Moscow").unwrap();
        let v = |g: Granularity, z| g.value(T, z).unwrap();
        assert_eq!(
            v(Granularity::ConnectLogical, msk),
            Value::Int64(1_705_320_000_123)
        );
        assert_eq!(v(Granularity::MicrosLong, msk), Value::Int64(T));
        assert_eq!(v(Granularity::NanosLong, msk), Value::Int64(T * 1000));
        assert_eq!(
            v(Granularity::NanosString, msk),
            Value::String("1705320000123456000".into())
        );
        assert_eq!(
            v(Granularity::MicrosString, msk),
            Value::String("1705320000123456".into())
        );
        assert_eq!(
            v(Granularity::NanosIsoDatetimeString, DbZone::UTC),
            Value::String("2024-01-15T12:00:00.123456000".into())
        );
        assert_eq!(
            v(Granularity::MicrosIsoDatetimeString, msk),
            Value::String("2024-01-15T15:00:00.123456".into())
        );
        assert_eq!(
            Granularity::parse("NANOS_LONG"),
            Some(Granularity::NanosLong)
        );
        assert_eq!(Granularity::parse("nanos"), None);
        assert!(Granularity::NanosLong.value(i64::MAX / 10, msk).is_err());
        assert_eq!(
            Granularity::NanosString.schema(true).schema_type,
            ferroconnect_runtime::data::SchemaType::String
        );
    }
}
