//! Number and date text exactly as the JVM writes it: `Long.toString`, `Double.toString`,
//! `Float.toString` (JDK 19+ shortest-digit rules), `BigDecimal.toString`, and the ISO-8601
//! patterns Connect's `Values` uses for Date, Time and Timestamp.
//!
//! Everything appends to a `Vec<u8>` so converters can write straight into their output.

use std::io::Write as _;

use crate::data::{Decimal, Value};

/// Milliseconds in one day.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// Appends a signed integer in decimal.
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A float's significant digits and the decimal exponent of the first one: the value is
/// `d1.d2d3… × 10^exp`.
struct Digits {
    buf: [u8; 40],
    len: usize,
    exp: i32,
}

impl Digits {
    fn digits(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Reads any plain or scientific rendering (`123.45`, `0.001`, `1.5e-7`, `1e16`,
    /// `4.9e-324`), ignoring the sign.
    fn parse(text: &[u8]) -> Digits {
        let mut d = Digits {
            buf: [0; 40],
            len: 0,
            exp: 0,
        };
        let mut int_digits: i32 = 0;
        let mut seen_point = false;
        let mut leading_zeros: i32 = 0;
        let mut exp10: i32 = 0;
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'0'..=b'9' => {
                    if !seen_point {
                        int_digits += 1;
                    }
                    if d.len == 0 && text[i] == b'0' {
                        leading_zeros += 1;
                    } else if d.len < d.buf.len() {
                        d.buf[d.len] = text[i];
                        d.len += 1;
                    }
                }
                b'.' => seen_point = true,
                b'e' | b'E' => {
                    exp10 = std::str::from_utf8(&text[i + 1..])
                        .ok()
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(0);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        while d.len > 1 && d.buf[d.len - 1] == b'0' {
            d.len -= 1;
        }
        d.exp = int_digits - 1 - leading_zeros + exp10;
        d
    }
}

/// The correctly rounded two-significant-digit rendering of a value, if it round-trips.
fn two_digits(args: std::fmt::Arguments<'_>, round_trips: impl Fn(&str) -> bool) -> Option<Digits> {
    let mut buf = [0u8; 64];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    cursor.write_fmt(args).ok()?;
    let n = cursor.position() as usize;
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    round_trips(text).then(|| Digits::parse(text.as_bytes()))
}

/// Java 19+ prints the shortest digits that round-trip, except that when a single digit
/// suffices it prints the closest decimal of one or two digits. The two can only differ
/// where precision is coarse, i.e. for subnormals (5e-324 prints as 4.9E-324).
fn java_digits_f64(a: f64) -> Digits {
    let d = Digits::parse(ryu::Buffer::new().format_finite(a).as_bytes());
    if d.len == 1 && a < f64::MIN_POSITIVE {
        if let Some(two) = two_digits(format_args!("{a:.1e}"), |t| t.parse::<f64>() == Ok(a)) {
            return two;
        }
    }
    d
}

fn java_digits_f32(a: f32) -> Digits {
    let d = Digits::parse(ryu::Buffer::new().format_finite(a).as_bytes());
    if d.len == 1 && a < f32::MIN_POSITIVE {
        if let Some(two) = two_digits(format_args!("{a:.1e}"), |t| t.parse::<f32>() == Ok(a)) {
            return two;
        }
    }
    d
}

/// Lays out digits the way `Double.toString` / `Float.toString` do: plain notation for
/// 10^-3 ≤ |v| < 10^7, otherwise computerized scientific notation (`1.0E10`, `1.0E-4`).
fn write_java_layout(out: &mut Vec<u8>, negative: bool, d: &Digits) {
    if negative {
        out.push(b'-');
    }
    let digits = d.digits();
    let exp = d.exp;
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            for i in 0..int_len {
                out.push(*digits.get(i).unwrap_or(&b'0'));
            }
            out.push(b'.');
            if digits.len() > int_len {
                out.extend_from_slice(&digits[int_len..]);
            } else {
                out.push(b'0');
            }
        } else {
            out.extend_from_slice(b"0.");
            for _ in 0..(-exp - 1) {
                out.push(b'0');
            }
            out.extend_from_slice(digits);
        }
    } else {
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        write_i64(out, exp as i64);
    }
}

/// Appends `Double.toString(v)`: `1.0`, `1.5`, `0.001`, `1.0E-4`, `1.0E10`, `NaN`, `Infinity`.
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if !write_special(out, v) {
        write_java_layout(out, v < 0.0, &java_digits_f64(v.abs()));
    }
}

/// Appends `Float.toString(v)` (same layout rules as doubles, float precision digits).
pub fn write_f32(out: &mut Vec<u8>, v: f32) {
    // Widening keeps NaN, the infinities and the sign of zero.
    if !write_special(out, f64::from(v)) {
        write_java_layout(out, v < 0.0, &java_digits_f32(v.abs()));
    }
}

/// Appends the forms Java prints without digits (`NaN`, `Infinity`, `-Infinity`, `0.0`,
/// `-0.0`); false (nothing written) for any other value.
fn write_special(out: &mut Vec<u8>, v: f64) -> bool {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
    } else {
        return false;
    }
    true
}

/// Appends a null, boolean or number as Java's `toString()` prints it (`null`, `true`, `42`,
/// `1.0E10`, ...); strings, bytes, arrays, maps and structs are left to the caller and write
/// nothing here.
pub fn push_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => out.push_str(&v.to_string()),
        Value::Int16(v) => out.push_str(&v.to_string()),
        Value::Int32(v) => out.push_str(&v.to_string()),
        Value::Int64(v) => out.push_str(&v.to_string()),
        Value::Float32(v) => out.push_str(&f32_to_string(*v)),
        Value::Float64(v) => out.push_str(&f64_to_string(*v)),
        Value::Decimal(d) => out.push_str(&big_decimal_to_string(d)),
        Value::String(_) | Value::Bytes(_) | Value::Array(_) | Value::Map(_) | Value::Struct(_) => {
        }
    }
}

/// `Double.toString(v)` as a string.
pub fn f64_to_string(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_f64(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// `Float.toString(v)` as a string.
pub fn f32_to_string(v: f32) -> String {
    let mut out = Vec::with_capacity(16);
    write_f32(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `BigDecimal.toString()`: plain when the scale is non-negative and the adjusted
/// exponent is at least -6, otherwise scientific with an explicit exponent sign (`1E+3`,
/// `1.5E-7`).
pub fn write_big_decimal(out: &mut Vec<u8>, d: &Decimal) {
    let mut digits_buf = [0u8; 40];
    let mut pos = digits_buf.len();
    let mut n = d.unscaled.unsigned_abs();
    loop {
        pos -= 1;
        digits_buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = &digits_buf[pos..];
    let len = digits.len() as i64;
    let scale = d.scale as i64;
    let adjusted = -scale + (len - 1);
    if d.unscaled < 0 {
        out.push(b'-');
    }
    if scale >= 0 && adjusted >= -6 {
        if scale == 0 {
            out.extend_from_slice(digits);
        } else if len > scale {
            let split = (len - scale) as usize;
            out.extend_from_slice(&digits[..split]);
            out.push(b'.');
            out.extend_from_slice(&digits[split..]);
        } else {
            out.extend_from_slice(b"0.");
            for _ in 0..(scale - len) {
                out.push(b'0');
            }
            out.extend_from_slice(digits);
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'E');
        if adjusted > 0 {
            out.push(b'+');
        }
        write_i64(out, adjusted);
    }
}

/// `BigDecimal.toString()` as a string.
pub fn big_decimal_to_string(d: &Decimal) -> String {
    let mut out = Vec::with_capacity(24);
    write_big_decimal(&mut out, d);
    String::from_utf8(out).unwrap_or_default()
}

/// Days since 1970-01-01 to a (year, month, day) civil date (proleptic Gregorian).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A (year, month, day) civil date to days since 1970-01-01.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch milliseconds as `yyyy-MM-dd` (UTC).
pub fn format_date(epoch_ms: i64) -> String {
    let (y, m, d) = civil_from_days(epoch_ms.div_euclid(MILLIS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Formats epoch milliseconds as `HH:mm:ss.SSS'Z'` (UTC time of day).
pub fn format_time(epoch_ms: i64) -> String {
    let ms = epoch_ms.rem_euclid(MILLIS_PER_DAY);
    format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Formats epoch milliseconds as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (UTC).
pub fn format_timestamp(epoch_ms: i64) -> String {
    format!("{}T{}", format_date(epoch_ms), format_time(epoch_ms))
}

/// `Values.dateFormatFor(date).format(date)`: a time if under one day, a date if a whole
/// number of days, otherwise a timestamp (formatted in UTC).
pub fn format_java_date(epoch_ms: i64) -> String {
    if epoch_ms < MILLIS_PER_DAY {
        format_time(epoch_ms)
    } else if epoch_ms % MILLIS_PER_DAY == 0 {
        format_date(epoch_ms)
    } else {
        format_timestamp(epoch_ms)
    }
}

fn parse_digits(s: &str) -> Option<u32> {
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
    let y = parse_digits(&s[0..4])? as i64;
    let m = parse_digits(&s[5..7])?;
    let d = parse_digits(&s[8..10])?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `HH:mm:ss.SSS'Z'` into milliseconds since midnight.
pub fn parse_time(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 13 || b[2] != b':' || b[5] != b':' || b[8] != b'.' || b[12] != b'Z' {
        return None;
    }
    let h = parse_digits(&s[0..2])?;
    let m = parse_digits(&s[3..5])?;
    let sec = parse_digits(&s[6..8])?;
    let ms = parse_digits(&s[9..12])?;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some((((h * 60 + m) * 60 + sec) * 1000 + ms) as i32)
}

/// Parses `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` into epoch milliseconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    if s.len() != 24 || s.as_bytes()[10] != b'T' {
        return None;
    }
    let days = parse_date(s.get(..10)?)?;
    let ms = parse_time(s.get(11..)?)?;
    Some(days * MILLIS_PER_DAY + ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.001, "0.001"),
            (1.0e-4, "1.0E-4"),
            (1.0e10, "1.0E10"),
            (1.0e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (123_456.789, "123456.789"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1.234e-5, "1.234E-5"),
            (-1.5e300, "-1.5E300"),
            (5e-324, "4.9E-324"),
            (f64::MAX, "1.7976931348623157E308"),
            (9.223372036854776e18, "9.223372036854776E18"),
            (100.0, "100.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (123_456.0, "123456.0"),
            (12_345_678.9, "1.23456789E7"),
            (0.00012, "1.2E-4"),
            (1.0e-5, "1.0E-5"),
            (1.0e16, "1.0E16"),
            (1.0e-300, "1.0E-300"),
            (2.0e-310, "2.0E-310"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(f64_to_string(*v), *want, "for {v:e}");
        }
    }

    #[test]
    fn floats_print_like_java() {
        let cases: &[(f32, &str)] = &[
            (1.1, "1.1"),
            (32.0, "32.0"),
            (-42.125, "-42.125"),
            (1.0e10, "1.0E10"),
            (3.4028235e38, "3.4028235E38"),
            (1.0e-4, "1.0E-4"),
            (0.3, "0.3"),
            (1.0e-45, "1.4E-45"),
            (16_777_216.0, "1.6777216E7"),
        ];
        for (v, want) in cases {
            assert_eq!(f32_to_string(*v), *want, "for {v:e}");
        }
    }

    /// Layout-independent check against Rust's own shortest `{:e}` digits.
    #[test]
    fn shortest_digits_agree_with_std_for_random_doubles() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let v = f64::from_bits(state);
            if !v.is_finite() || v == 0.0 || v.abs() < f64::MIN_POSITIVE {
                continue;
            }
            let a = v.abs();
            let ours = java_digits_f64(a);
            let std_text = format!("{a:e}");
            let theirs = Digits::parse(std_text.as_bytes());
            // Same length (both shortest); on an exact tie Java (and ryu) pick the even digit
            // where std rounds half up.
            assert_eq!(ours.len, theirs.len, "{std_text}");
            if ours.digits() != theirs.digits() {
                assert_eq!(ours.digits()[ours.len - 1] % 2, 0, "{std_text}");
            }
            let printed = f64_to_string(v);
            assert_eq!(printed.parse::<f64>().unwrap(), v, "{printed}");
        }
    }

    #[test]
    fn big_decimals_print_like_java() {
        let cases: &[(i128, i32, &str)] = &[
            (1234, 2, "12.34"),
            (156, 2, "1.56"),
            (-5, 2, "-0.05"),
            (0, 0, "0"),
            (0, 3, "0.000"),
            (1, 7, "1E-7"),
            (123, 8, "0.00000123"),
            (123, 9, "1.23E-7"),
            (1, -3, "1E+3"),
            (123, -2, "1.23E+4"),
            (1982, 0, "1982"),
        ];
        for (u, s, want) in cases {
            assert_eq!(big_decimal_to_string(&Decimal::new(*u, *s)), *want);
        }
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_date(19737 * MILLIS_PER_DAY), "2024-01-15");
        assert_eq!(parse_date("2024-01-15"), Some(19737));
        assert_eq!(parse_date("1969-12-31"), Some(-1));
        assert_eq!(format_time(3_600_000), "01:00:00.000Z");
        assert_eq!(parse_time("01:00:00.000Z"), Some(3_600_000));
        assert_eq!(
            format_timestamp(1_705_312_800_123),
            "2024-01-15T10:00:00.123Z"
        );
        assert_eq!(
            parse_timestamp("2024-01-15T10:00:00.123Z"),
            Some(1_705_312_800_123)
        );
        assert_eq!(format_java_date(1234), "00:00:01.234Z");
        assert_eq!(format_java_date(MILLIS_PER_DAY), "1970-01-02");
        assert_eq!(format_java_date(86_401_234), "1970-01-02T00:00:01.234Z");
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_time("24:00:00.000Z"), None);
    }
}
