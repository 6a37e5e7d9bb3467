//! Java `.properties` syntax (`java.util.Properties.load`): `#`/`!` comments, `key=value`,
//! `key:value` and `key value` separators, backslash line continuations, escapes (`\t`, `\n`,
//! `\r`, `\f`, `\uXXXX`, `\<any>` = the character itself) and leading whitespace ignored.
//! Later keys replace earlier ones but keep the first position.

use super::ConfigMap;

/// Parses `.properties` text into a config map. Like Java's loader it never fails: a malformed
/// `\u` escape keeps the raw characters.
pub fn parse(text: &str) -> ConfigMap {
    let mut out = ConfigMap::new();
    for logical in logical_lines(text) {
        let (key, value) = split_key_value(&logical);
        out.insert(unescape(key), unescape(value));
    }
    out
}

/// Joins continued lines and drops blank and comment lines. Continuation lines lose their
/// leading whitespace, as in Java.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current: Option<String> = None;
    for raw in text.split(['\n']) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim_start_matches([' ', '\t', '\u{c}']);
        let mut line = match current.take() {
            Some(mut acc) => {
                acc.push_str(trimmed);
                acc
            }
            None => {
                if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
                    continue;
                }
                trimmed.to_string()
            }
        };
        if ends_with_continuation(&line) {
            line.pop();
            current = Some(line);
        } else {
            lines.push(line);
        }
    }
    if let Some(last) = current {
        lines.push(last);
    }
    lines
}

/// True if the line ends with an odd number of backslashes.
fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// Splits at the first unescaped `=`, `:` or whitespace; whitespace around the separator is
/// skipped (one `=`/`:` may follow whitespace).
fn split_key_value(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut key_end = bytes.len();
    let mut has_sep = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' => {
                key_end = i;
                has_sep = true;
                i += 1;
                break;
            }
            b' ' | b'\t' | b'\x0c' => {
                key_end = i;
                i += 1;
                break;
            }
            _ => i += 1,
        }
    }
    if key_end == bytes.len() {
        return (line, "");
    }
    let mut j = i.min(bytes.len());
    while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\x0c') {
        j += 1;
    }
    if !has_sep && j < bytes.len() && matches!(bytes[j], b'=' | b':') {
        j += 1;
        while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\x0c') {
            j += 1;
        }
    }
    (&line[..key_end], &line[j..])
}

/// Resolves backslash escapes.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                match (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                {
                    Some(code) => {
                        for _ in 0..4 {
                            chars.next();
                        }
                        push_code_unit(&mut out, code, &mut chars);
                    }
                    None => out.push('u'),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Appends a UTF-16 code unit, combining a surrogate pair written as two `\u` escapes.
fn push_code_unit(
    out: &mut String,
    code: u32,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) {
    if (0xD800..0xDC00).contains(&code) {
        let rest: String = chars.clone().take(6).collect();
        if let Some(low) = rest
            .strip_prefix("\\u")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .filter(|l| (0xDC00..0xE000).contains(l))
        {
            for _ in 0..6 {
                chars.next();
            }
            let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            out.push(char::from_u32(combined).unwrap_or('\u{FFFD}'));
            return;
        }
    }
    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_comments_and_whitespace() {
        let p = parse(
            "# comment\n! also comment\n\n   a=1\nb:2\nc 3\nd = 4 \ne\t:\t5\nf\ng=\nh == x\n",
        );
        assert_eq!(p["a"], "1");
        assert_eq!(p["b"], "2");
        assert_eq!(p["c"], "3");
        assert_eq!(p["d"], "4 ");
        assert_eq!(p["e"], "5");
        assert_eq!(p["f"], "");
        assert_eq!(p["g"], "");
        assert_eq!(p["h"], "= x");
        assert_eq!(p.len(), 8);
    }

    #[test]
    fn continuations_and_escapes() {
        let p = parse(
            "list=a,\\\n    b,\\\r\n    c\nesc=tab\\there\\nnl\\u0041\\\\\nkey\\ with\\=sep=v\nsurr=\\uD83D\\uDE00\n",
        );
        assert_eq!(p["list"], "a,b,c");
        assert_eq!(p["esc"], "tab\there\nnlA\\");
        assert_eq!(p["key with=sep"], "v");
        assert_eq!(p["surr"], "😀");
    }

    #[test]
    fn later_keys_win_and_even_backslashes_do_not_continue() {
        let p = parse("a=1\npath=c:\\\\\nb=2\na=3");
        assert_eq!(p["a"], "3");
        assert_eq!(p["path"], "c:\\");
        assert_eq!(p["b"], "2");
        assert_eq!(p.keys().next().map(String::as_str), Some("a"));
    }
}
