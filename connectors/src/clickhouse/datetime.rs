//! Date and date-time text the sink accepts for Date/DateTime/DateTime64 columns: ISO-8601
//! and ClickHouse's own form (`2024-05-01`, `2024-05-01 10:00:00`,
//! `2024-05-01T10:00:00.123456Z`, `2024-05-01T13:00:00+03:00`), read as UTC unless an offset
//! is given.

use ferroconnect_runtime::converter::java_fmt::days_from_civil;

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

/// Parses `yyyy-MM-dd` into days since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d))
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
