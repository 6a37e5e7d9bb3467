//! Date and date-time text the sink accepts for Date/DateTime/DateTime64 columns: ISO-8601
//! and ClickHouse's own form (`2024-05-01`, `2024-05-01 10:00:00`,
//! `2024-05-01T10:00:00.123456Z`, `2024-05-01T13:00:00+03:00`), read as UTC unless an offset
//! is given.

pub use ferroconnect_runtime::converter::java_fmt::parse_date;
use ferroconnect_transforms::util::date_format::DateFormat;

/// A column's date-time pattern from `dateTimeFormats` (Java's `yyyy-MM-dd HH:mm:ss`, …). A
/// trailing run of `S` after a `.` is read as a decimal fraction of any precision (up to
/// nanoseconds), as `DateTimeFormatter` does; the rest follows `SimpleDateFormat`.
#[derive(Debug)]
pub struct ColumnFormat {
    base: DateFormat,
    /// Digits of the trailing fraction (0: none).
    fraction: usize,
}

impl ColumnFormat {
    /// Compiles a pattern; the error says what cannot be read.
    pub fn new(pattern: &str) -> Result<ColumnFormat, String> {
        let trimmed = pattern.trim_end_matches('S');
        let fraction = pattern.len() - trimmed.len();
        let (base, fraction) = match trimmed.strip_suffix('.') {
            Some(b) if fraction > 0 => (b, fraction),
            _ => (pattern, 0),
        };
        Ok(ColumnFormat {
            base: DateFormat::new(base)?,
            fraction,
        })
    }

    /// Parses text written in the pattern.
    pub fn parse(&self, text: &str) -> Option<Instant> {
        let text = text.trim();
        let (head, nanos) = if self.fraction > 0 {
            let (head, frac) = text.rsplit_once('.')?;
            if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (head, digits(frac)? * 10u32.pow(9 - frac.len() as u32))
        } else {
            (text, 0)
        };
        let ms = self.base.parse(head)?;
        let nanos = nanos + (ms.rem_euclid(1000) as u32) * 1_000_000;
        Some(Instant {
            secs: ms.div_euclid(1000),
            nanos,
        })
    }
}

/// Parses `dateTimeFormats`: `column=pattern` entries separated by `;`.
pub fn parse_formats(raw: &str) -> Result<Vec<(String, ColumnFormat)>, String> {
    raw.split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (col, pattern) = e.split_once('=').ok_or_else(|| {
                format!("Invalid value {raw} for configuration dateTimeFormats: expected column=pattern entries separated by ';', got {e:?}")
            })?;
            let f = ColumnFormat::new(pattern.trim()).map_err(|err| {
                format!("Invalid value {raw} for configuration dateTimeFormats: pattern {pattern:?} of column {col}: {err}")
            })?;
            Ok((col.trim().to_string(), f))
        })
        .collect()
}

/// A point in time: seconds since the epoch and nanoseconds within the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub secs: i64,
    /// Nanoseconds, 0..1e9.
    pub nanos: u32,
}

impl Instant {
    /// Ticks of 10^-precision seconds.
    pub fn ticks(&self, precision: u32) -> i64 {
        let scale = 10i64.pow(precision.min(9));
        self.secs * scale + (self.nanos as i64) / (1_000_000_000 / scale)
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a date, or a date and time with optional fraction and offset.
pub fn parse_date_time(s: &str) -> Option<Instant> {
    let s = s.trim();
    let days = parse_date(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(Instant {
            secs: days * 86_400,
            nanos: 0,
        });
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let b = rest.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, sec) = (
        digits(&rest[..2])?,
        digits(&rest[3..5])?,
        digits(&rest[6..8])?,
    );
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut rest = &rest[8..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let kept = &frac[..n.min(9)];
        nanos = digits(kept)? * 10u32.pow(9 - kept.len() as u32);
        rest = &frac[n..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = rest[1..].replace(':', "");
            if o.len() != 4 {
                return None;
            }
            sign * (digits(&o[..2])? as i64 * 3600 + digits(&o[2..])? as i64 * 60)
        }
    };
    Some(Instant {
        secs: days * 86_400 + (h * 3600 + m * 60 + sec) as i64 - offset,
        nanos,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_patterns_with_any_fraction() {
        let f = ColumnFormat::new("yyyy-MM-dd HH:mm:ss.SSSSSSSSS").unwrap();
        let t = f.parse("2024-05-01 10:00:00.123456789").unwrap();
        assert_eq!((t.secs, t.nanos), (1_714_557_600, 123_456_789));
        let f = ColumnFormat::new("dd/MM/yyyy HH:mm").unwrap();
        assert_eq!(f.parse("01/05/2024 10:00").unwrap().secs, 1_714_557_600);
        assert!(f.parse("2024-05-01").is_none());
        let all = parse_formats("a=yyyy-MM-dd HH:mm:ss; b=dd.MM.yyyy").unwrap();
        assert_eq!(all.len(), 2);
        assert!(parse_formats("a").unwrap_err().contains("dateTimeFormats"));
        assert!(parse_formats("a=yyyy-MM-dd qq")
            .unwrap_err()
            .contains("column a"));
    }

    #[test]
    fn reads_iso_and_clickhouse_forms() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        let t = parse_date_time("2024-05-01 10:00:00").unwrap();
        assert_eq!(t.secs, 1_714_557_600);
        let t = parse_date_time("2024-05-01T13:00:00.123456+03:00").unwrap();
        assert_eq!(t.secs, 1_714_557_600);
        assert_eq!(t.ticks(3), 1_714_557_600_123);
        assert_eq!(t.ticks(6), 1_714_557_600_123_456);
        assert_eq!(parse_date_time("2024-05-01").unwrap().secs, 1_714_521_600);
        assert_eq!(
            parse_date_time("2024-05-01T10:00:00Z").unwrap().secs,
            1_714_557_600
        );
        assert!(parse_date_time("2024-05-01 10:00").is_none());
        assert!(parse_date_time("yesterday").is_none());
    }
}
