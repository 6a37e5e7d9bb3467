//! Low-level JSON output in Jackson's compact style: strings escaped as Jackson escapes them,
//! numbers as Java prints them, binary as padded standard Base64.

use base64::Engine as _;

use crate::converter::java_fmt;

/// Escape table for ASCII: 0 = copy, b'u' = `\u00XX`, otherwise the short escape letter.
const ESCAPES: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends a quoted JSON string. Non-ASCII text is copied as UTF-8; `"`, `\` and control
/// characters are escaped (`\n`, `\t`, ... or `\u00XX` with upper-case hex, as Jackson does).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut at = next_escape(bytes, 0);
    while at < bytes.len() {
        let b = bytes[at];
        out.extend_from_slice(&bytes[start..at]);
        match ESCAPES[b as usize] {
            b'u' => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
            esc => {
                out.push(b'\\');
                out.push(esc);
            }
        }
        start = at + 1;
        at = next_escape(bytes, start);
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The index of the first byte at or after `from` that needs escaping (a control character,
/// `"` or `\`), or `bytes.len()`. Scans eight bytes per step; bytes of multi-byte UTF-8
/// sequences never need escaping.
fn next_escape(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(word) = bytes.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
        let hits = escape_mask(u64::from_le_bytes(*word));
        if hits != 0 {
            // The lowest flagged byte is always exact (borrows only run towards higher bytes).
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 && ESCAPES[b as usize] != 0 {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// Flags (high bit of each byte) the bytes of `w` that are a control character, `"` or `\`.
#[inline]
fn escape_mask(w: u64) -> u64 {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    // "Some byte is below n" (n <= 0x80), as in the classic bit-twiddling hacks.
    let below = |x: u64, n: u8| x.wrapping_sub(LO * n as u64) & !x & HI;
    below(w, 0x20) | below(w ^ (LO * b'"' as u64), 1) | below(w ^ (LO * b'\\' as u64), 1)
}

/// Appends a quoted standard Base64 string (with padding, no line breaks).
pub fn write_base64(out: &mut Vec<u8>, data: &[u8]) {
    let engine = &base64::engine::general_purpose::STANDARD;
    let encoded_len = data.len().div_ceil(3) * 4;
    out.push(b'"');
    let start = out.len();
    out.resize(start + encoded_len, 0);
    // The buffer is sized exactly for the padded output, so encoding cannot fail.
    let written = engine.encode_slice(data, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

/// Appends a double as Jackson does: `Double.toString`, with NaN and infinities quoted.
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        java_fmt::write_f64(out, v);
    } else {
        out.push(b'"');
        java_fmt::write_f64(out, v);
        out.push(b'"');
    }
}

/// Appends a float as Jackson does: `Float.toString`, with NaN and infinities quoted.
pub fn write_f32(out: &mut Vec<u8>, v: f32) {
    if v.is_finite() {
        java_fmt::write_f32(out, v);
    } else {
        out.push(b'"');
        java_fmt::write_f32(out, v);
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_like_jackson() {
        assert_eq!(s(|o| write_str(o, "plain")), "\"plain\"");
        assert_eq!(
            s(|o| write_str(o, "a\"b\\c\nd\te\u{1}f/é")),
            "\"a\\\"b\\\\c\\nd\\te\\u0001f/é\""
        );
        assert_eq!(s(|o| write_str(o, "\u{1f}\u{7f}")), "\"\\u001F\u{7f}\"");
    }

    /// Escapes one character at a time, the plain way the word-at-a-time scan must match.
    fn escaped_slowly(text: &str) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn escapes_match_at_every_position_of_long_strings() {
        let specials = [
            '"', '\\', '\n', '\u{1}', '\u{1f}', ' ', '!', '#', '[', ']', 'é', '\u{7f}',
        ];
        for len in 0..24 {
            for &c in &specials {
                for at in 0..=len {
                    let mut text: String = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
                    text.insert(at.min(text.len()), c);
                    assert_eq!(
                        s(|o| write_str(o, &text)),
                        escaped_slowly(&text),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn base64_is_padded_standard() {
        assert_eq!(s(|o| write_base64(o, &[0x04, 0xd2])), "\"BNI=\"");
        assert_eq!(s(|o| write_base64(o, &[])), "\"\"");
        assert_eq!(s(|o| write_base64(o, &[0xfb, 0xff])), "\"+/8=\"");
    }

    #[test]
    fn non_finite_floats_are_quoted() {
        assert_eq!(s(|o| write_f64(o, f64::NAN)), "\"NaN\"");
        assert_eq!(s(|o| write_f32(o, f32::INFINITY)), "\"Infinity\"");
        assert_eq!(s(|o| write_f64(o, 2.5)), "2.5");
    }
}
