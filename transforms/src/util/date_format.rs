//! Java `SimpleDateFormat` patterns over epoch milliseconds in UTC — the subset people write:
//! `y`, `M` (numeric, `MMM`, `MMMM`), `d`, `D`, `H`, `k`, `K`, `h`, `m`, `s`, `S`, `a`, `E`,
//! `Z`, `X`, `z` (UTC only), and quoted literals (`'T'`, `''`). Any other letter is rejected
//! when the pattern is compiled, so a pattern never silently means something else.
//!
//! Parsing follows `SimpleDateFormat`'s default lenient mode: out-of-range fields roll over
//! (month 13 is January of the next year), numeric fields that abut another numeric field take
//! exactly their pattern width, and text after the end of the pattern is ignored.

use ferroconnect_runtime::converter::java_fmt::{civil_from_days, days_from_civil, MILLIS_PER_DAY};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const WEEK_ORDER: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Letter {
    Year,
    Month,
    Day,
    DayOfYear,
    Hour0to23,
    Hour1to24,
    Hour0to11,
    Hour1to12,
    Minute,
    Second,
    Milli,
    AmPm,
    DayName,
    ZoneRfc822,
    ZoneIso,
    ZoneName,
}

impl Letter {
    fn of(c: char) -> Option<Letter> {
        Some(match c {
            'y' => Letter::Year,
            'M' => Letter::Month,
            'd' => Letter::Day,
            'D' => Letter::DayOfYear,
            'H' => Letter::Hour0to23,
            'k' => Letter::Hour1to24,
            'K' => Letter::Hour0to11,
            'h' => Letter::Hour1to12,
            'm' => Letter::Minute,
            's' => Letter::Second,
            'S' => Letter::Milli,
            'a' => Letter::AmPm,
            'E' => Letter::DayName,
            'Z' => Letter::ZoneRfc822,
            'X' => Letter::ZoneIso,
            'z' => Letter::ZoneName,
            _ => return None,
        })
    }

    fn is_numeric(self, count: usize) -> bool {
        match self {
            Letter::Month => count <= 2,
            Letter::AmPm
            | Letter::DayName
            | Letter::ZoneRfc822
            | Letter::ZoneIso
            | Letter::ZoneName => false,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Field(Letter, usize),
}

/// A compiled date pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    tokens: Vec<Token>,
}

impl DateFormat {
    /// Compiles a pattern; the error says which letter or quote is at fault.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if i + 1 < chars.len() && chars[i + 1] == '\'' {
                    lit.push('\'');
                    i += 2;
                    continue;
                }
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    if chars[i] == '\'' {
                        if i + 1 < chars.len() && chars[i + 1] == '\'' {
                            lit.push('\'');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i += 1;
                        break;
                    }
                    lit.push(chars[i]);
                    i += 1;
                }
                if !closed {
                    return Err("Unterminated quote".to_string());
                }
                continue;
            }
            if c.is_ascii_alphabetic() {
                let letter = Letter::of(c).ok_or_else(|| {
                    if "GwWFuL".contains(c) {
                        format!("Unsupported pattern character '{c}'")
                    } else {
                        format!("Illegal pattern character '{c}'")
                    }
                })?;
                let mut count = 1;
                while i + count < chars.len() && chars[i + count] == c {
                    count += 1;
                }
                if !lit.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut lit)));
                }
                tokens.push(Token::Field(letter, count));
                i += count;
                continue;
            }
            lit.push(c);
            i += 1;
        }
        if !lit.is_empty() {
            tokens.push(Token::Literal(lit));
        }
        Ok(DateFormat {
            pattern: pattern.to_string(),
            tokens,
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Formats epoch milliseconds (UTC).
    pub fn format(&self, epoch_ms: i64) -> String {
        let mut out = String::with_capacity(self.pattern.len() + 8);
        self.format_into(epoch_ms, &mut out);
        out
    }

    /// Appends the formatted epoch milliseconds (UTC) to `out`.
    pub fn format_into(&self, epoch_ms: i64, out: &mut String) {
        let days = epoch_ms.div_euclid(MILLIS_PER_DAY);
        let ms_of_day = epoch_ms.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let hour = ms_of_day / 3_600_000;
        for token in &self.tokens {
            match token {
                Token::Literal(s) => out.push_str(s),
                Token::Field(letter, count) => {
                    let count = *count;
                    match letter {
                        Letter::Year => {
                            if count == 2 {
                                pad(out, year.rem_euclid(100), 2)
                            } else {
                                pad(out, year, count)
                            }
                        }
                        Letter::Month => match count {
                            1 | 2 => pad(out, month as i64, count),
                            3 => out.push_str(&MONTHS[month as usize - 1][..3]),
                            _ => out.push_str(MONTHS[month as usize - 1]),
                        },
                        Letter::Day => pad(out, day as i64, count),
                        Letter::DayOfYear => {
                            pad(out, days - days_from_civil(year, 1, 1) + 1, count)
                        }
                        Letter::Hour0to23 => pad(out, hour, count),
                        Letter::Hour1to24 => pad(out, if hour == 0 { 24 } else { hour }, count),
                        Letter::Hour0to11 => pad(out, hour % 12, count),
                        Letter::Hour1to12 => {
                            pad(out, if hour % 12 == 0 { 12 } else { hour % 12 }, count)
                        }
                        Letter::Minute => pad(out, ms_of_day / 60_000 % 60, count),
                        Letter::Second => pad(out, ms_of_day / 1000 % 60, count),
                        Letter::Milli => pad(out, ms_of_day % 1000, count),
                        Letter::AmPm => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                        Letter::DayName => {
                            let name = DAYS[days.rem_euclid(7) as usize];
                            out.push_str(if count >= 4 { name } else { &name[..3] });
                        }
                        Letter::ZoneRfc822 => out.push_str("+0000"),
                        Letter::ZoneIso => out.push('Z'),
                        Letter::ZoneName => out.push_str(if count >= 4 {
                            "Coordinated Universal Time"
                        } else {
                            "UTC"
                        }),
                    }
                }
            }
        }
    }

    /// Parses text into epoch milliseconds (UTC unless the text carries a zone), or `None`
    /// when the text does not fit the pattern.
    pub fn parse(&self, text: &str) -> Option<i64> {
        let mut p = Fields::default();
        let b = text.as_bytes();
        let mut pos = 0usize;
        for (ti, token) in self.tokens.iter().enumerate() {
            match token {
                Token::Literal(s) => {
                    if !text[pos..].starts_with(s.as_str()) {
                        return None;
                    }
                    pos += s.len();
                }
                Token::Field(letter, count) => {
                    let (letter, count) = (*letter, *count);
                    if letter.is_numeric(count) {
                        let abutting = matches!(self.tokens.get(ti + 1),
                            Some(Token::Field(l, c)) if l.is_numeric(*c));
                        let (n, used) =
                            parse_number(&b[pos..], if abutting { Some(count) } else { None })?;
                        let two_digit_year = letter == Letter::Year && count <= 2 && used == 2;
                        pos += used;
                        p.set_numeric(letter, n, two_digit_year);
                    } else {
                        let used = match letter {
                            Letter::Month => {
                                let (idx, used) = match_name(&text[pos..], &MONTHS)?;
                                p.month = Some(idx as i64 + 1);
                                used
                            }
                            Letter::DayName => match_name(&text[pos..], &WEEK_ORDER)?.1,
                            Letter::AmPm => {
                                let (idx, used) = match_name(&text[pos..], &["AM", "PM"])?;
                                p.pm = Some(idx == 1);
                                used
                            }
                            _ => {
                                let (offset_ms, used) = parse_zone(&text[pos..])?;
                                p.offset_ms = offset_ms;
                                used
                            }
                        };
                        pos += used;
                    }
                }
            }
        }
        Some(p.epoch_ms())
    }
}

#[derive(Default)]
struct Fields {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    hour: i64,
    hour12: Option<i64>,
    pm: Option<bool>,
    minute: i64,
    second: i64,
    milli: i64,
    offset_ms: i64,
}

impl Fields {
    fn set_numeric(&mut self, letter: Letter, n: i64, two_digit_year: bool) {
        match letter {
            Letter::Year => {
                self.year = Some(if two_digit_year {
                    resolve_two_digit_year(n)
                } else {
                    n
                })
            }
            Letter::Month => self.month = Some(n),
            Letter::Day => self.day = Some(n),
            Letter::DayOfYear => self.day_of_year = Some(n),
            Letter::Hour0to23 => self.hour = n,
            Letter::Hour1to24 => self.hour = if n == 24 { 0 } else { n },
            Letter::Hour0to11 => self.hour12 = Some(n),
            Letter::Hour1to12 => self.hour12 = Some(if n == 12 { 0 } else { n }),
            Letter::Minute => self.minute = n,
            Letter::Second => self.second = n,
            Letter::Milli => self.milli = n,
            _ => {}
        }
    }

    fn epoch_ms(&self) -> i64 {
        let year = self.year.unwrap_or(1970);
        let days = match (self.day_of_year, self.day) {
            (Some(doy), None) => days_from_civil(year, 1, 1) + doy - 1,
            _ => {
                // Lenient: months and days roll over.
                let month0 = self.month.map_or(0, |m| m - 1);
                let y = year + month0.div_euclid(12);
                let m = month0.rem_euclid(12) as u32 + 1;
                days_from_civil(y, m, 1) + self.day.unwrap_or(1) - 1
            }
        };
        let hour = match (self.hour12, self.pm) {
            (Some(h), pm) => h + if pm == Some(true) { 12 } else { 0 },
            (None, Some(true)) if self.hour < 12 => self.hour + 12,
            _ => self.hour,
        };
        days * MILLIS_PER_DAY
            + hour * 3_600_000
            + self.minute * 60_000
            + self.second * 1000
            + self.milli
            - self.offset_ms
    }
}

/// A two-digit year lands within 80 years before and 20 years after now, as Java resolves it.
fn resolve_two_digit_year(yy: i64) -> i64 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let (now_year, _, _) = civil_from_days(now_ms.div_euclid(MILLIS_PER_DAY));
    let start = now_year - 80;
    let mut year = start - start.rem_euclid(100) + yy;
    if year < start {
        year += 100;
    }
    year
}

fn pad(out: &mut String, n: i64, width: usize) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for _ in (buf.len() - pos)..width {
        out.push('0');
    }
    for &b in &buf[pos..] {
        out.push(b as char);
    }
}

fn parse_number(b: &[u8], width: Option<usize>) -> Option<(i64, usize)> {
    let max = width.unwrap_or(usize::MAX).min(b.len());
    let mut n: i64 = 0;
    let mut used = 0;
    while used < max && b[used].is_ascii_digit() {
        n = n.checked_mul(10)?.checked_add((b[used] - b'0') as i64)?;
        used += 1;
    }
    if used == 0 {
        None
    } else {
        Some((n, used))
    }
}

/// Matches the longest of the names (full or 3-letter), case-insensitively.
fn match_name(text: &str, names: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, name) in names.iter().enumerate() {
        for candidate in [*name, name.get(..3).unwrap_or(name)] {
            let n = candidate.len();
            if text.len() >= n
                && text.is_char_boundary(n)
                && text[..n].eq_ignore_ascii_case(candidate)
                && best.is_none_or(|(_, used)| n > used)
            {
                best = Some((i, n));
            }
        }
    }
    best
}

/// `Z`, `UTC`, `GMT`, `UT`, optionally followed by an offset, or a bare `±HH[[:]MM]` offset.
fn parse_zone(text: &str) -> Option<(i64, usize)> {
    let upper = text.get(..3).map(str::to_ascii_uppercase);
    let mut used = 0;
    if upper.as_deref() == Some("UTC") || upper.as_deref() == Some("GMT") {
        used = 3;
    } else if text.get(..2).is_some_and(|s| s.eq_ignore_ascii_case("UT")) {
        used = 2;
    } else if text.starts_with('Z') {
        return Some((0, 1));
    }
    match parse_offset(&text[used..]) {
        Some((ms, n)) => Some((ms, used + n)),
        None if used > 0 => Some((0, used)),
        None => None,
    }
}

fn parse_offset(text: &str) -> Option<(i64, usize)> {
    let b = text.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = |from: usize, n: usize| -> Option<i64> {
        let s = b.get(from..from + n)?;
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0i64, |acc, d| acc * 10 + (d - b'0') as i64))
    };
    let hours = digits(1, 2)?;
    let (minutes, used) = if b.get(3) == Some(&b':') {
        (digits(4, 2)?, 6)
    } else if let Some(m) = digits(3, 2) {
        (m, 5)
    } else {
        (0, 3)
    };
    Some((sign * (hours * 3_600_000 + minutes * 60_000), used))
}
