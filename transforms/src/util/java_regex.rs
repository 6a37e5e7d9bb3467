//! Java regular expressions and `Matcher` replacement strings, translated to the `regex`
//! crate. Most Java syntax is the same; what differs is rewritten (`\Q…\E`, `\uXXXX`,
//! `\p{Alpha}`-style POSIX classes, `\h`, `\R`), and what the `regex` crate cannot express
//! (look-around, back-references, atomic groups, possessive quantifiers, `\G`, `\Z`) is
//! rejected with a config error naming the key rather than silently matching differently.

use ferroconnect_runtime::ConnectResult;
use regex::{Captures, Regex};

use super::config::invalid;

/// A compiled Java pattern, anchored for whole-string matches (`Matcher.matches()`).
#[derive(Debug, Clone)]
pub struct JavaRegex {
    full: Regex,
}

impl JavaRegex {
    /// Translates and compiles `pattern`; errors are `Invalid value <p> for configuration
    /// <key>: Invalid regex: <why>`.
    pub fn compile(pattern: &str, key: &str) -> ConnectResult<Self> {
        let translated = translate(pattern)
            .map_err(|why| invalid(key, pattern, format!("Invalid regex: {why}")))?;
        let full = Regex::new(&format!(r"\A(?:{translated})\z"))
            .map_err(|e| invalid(key, pattern, format!("Invalid regex: {e}")))?;
        Ok(JavaRegex { full })
    }

    /// True when the whole text matches (`matcher(text).matches()`).
    pub fn matches(&self, text: &str) -> bool {
        self.full.is_match(text)
    }

    /// The captures of a whole-text match.
    pub fn full_captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.full.captures(text)
    }

    /// Number of capture groups, not counting the whole match.
    pub fn group_count(&self) -> usize {
        self.full.captures_len() - 1
    }

    /// Whether a named group exists.
    pub fn has_group(&self, name: &str) -> bool {
        self.full.capture_names().flatten().any(|n| n == name)
    }
}

/// A Java replacement string (`$1`, `${name}`, `\$`) as a `regex` crate template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaReplacement {
    template: String,
}

impl JavaReplacement {
    /// Translates `replacement` for `regex`; group references are checked against the
    /// pattern's groups as Java would at the first match.
    pub fn compile(replacement: &str, regex: &JavaRegex, key: &str) -> ConnectResult<Self> {
        let err = |why: String| invalid(key, replacement, why);
        let chars: Vec<char> = replacement.chars().collect();
        let mut t = String::with_capacity(replacement.len() + 8);
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    let c = *chars
                        .get(i + 1)
                        .ok_or_else(|| err("character to be escaped is missing".into()))?;
                    if c == '$' {
                        t.push_str("$$");
                    } else {
                        t.push(c);
                    }
                    i += 2;
                }
                '$' => {
                    i += 1;
                    match chars.get(i) {
                        None => {
                            return Err(err(
                                "Illegal group reference: group index is missing".into()
                            ))
                        }
                        Some('{') => {
                            let end =
                                chars[i..].iter().position(|&c| c == '}').ok_or_else(|| {
                                    err("named capturing group is missing trailing '}'".into())
                                })?;
                            let name: String = chars[i + 1..i + end].iter().collect();
                            if name.is_empty() || !regex.has_group(&name) {
                                return Err(err(format!("No group with name {{{name}}}")));
                            }
                            t.push_str(&format!("${{{name}}}"));
                            i += end + 1;
                        }
                        Some(c) if c.is_ascii_digit() => {
                            let mut group = c.to_digit(10).unwrap_or(0) as usize;
                            i += 1;
                            while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                                let next = group * 10 + d as usize;
                                if next > regex.group_count() {
                                    break;
                                }
                                group = next;
                                i += 1;
                            }
                            if group > regex.group_count() {
                                return Err(err(format!("No group {group}")));
                            }
                            t.push_str(&format!("${{{group}}}"));
                        }
                        Some(_) => return Err(err("Illegal group reference".into())),
                    }
                }
                c => {
                    t.push(c);
                    i += 1;
                }
            }
        }
        Ok(JavaReplacement { template: t })
    }

    /// Expands the replacement for a match.
    pub fn expand(&self, caps: &Captures<'_>, out: &mut String) {
        caps.expand(&self.template, out);
    }
}

fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => r"\x00-\x7F",
        "Alpha" => "a-zA-Z",
        "Digit" => "0-9",
        "Alnum" => "a-zA-Z0-9",
        "Punct" => r"!-/:-@\[-`{-~",
        "Graph" => r"!-~",
        "Print" => r" -~",
        "Blank" => r" \t",
        "Cntrl" => r"\x00-\x1F\x7F",
        "XDigit" => "0-9a-fA-F",
        "Space" => r" \t\n\x0B\f\r",
        _ => return None,
    })
}

/// Rewrites a Java pattern into `regex` syntax, or says why it cannot be.
pub fn translate(pattern: &str) -> Result<String, String> {
    let c: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut class_depth = 0usize;
    let mut i = 0;
    // Whether the previous token was a quantifier (for possessive `*+`, `++`, `?+`, `}+`).
    let mut after_quantifier = false;
    while i < c.len() {
        let ch = c[i];
        let was_quantifier = after_quantifier;
        after_quantifier = false;
        match ch {
            '\\' => {
                let n = *c
                    .get(i + 1)
                    .ok_or("Unexpected internal error near index 1")?;
                i += 2;
                match n {
                    '1'..='9' => return Err(format!("back-references (\\{n}) are not supported")),
                    'k' => return Err("named back-references (\\k<name>) are not supported".into()),
                    'G' => return Err("\\G is not supported".into()),
                    'Z' => return Err("\\Z is not supported; use \\z or $".into()),
                    '0' => return Err("octal escapes (\\0) are not supported".into()),
                    'Q' => {
                        let rest: String = c[i..].iter().collect();
                        let (quoted, used) = match rest.find("\\E") {
                            Some(end) => (rest[..end].to_string(), end + 2),
                            None => (rest.clone(), rest.len()),
                        };
                        out.push_str(&regex::escape(&quoted));
                        i += quoted.chars().count() + (used - quoted.len());
                    }
                    'E' => {}
                    'u' => {
                        let hex: String = c
                            .get(i..i + 4)
                            .ok_or("Illegal Unicode escape sequence")?
                            .iter()
                            .collect();
                        if !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            return Err("Illegal Unicode escape sequence".into());
                        }
                        out.push_str(&format!("\\x{{{hex}}}"));
                        i += 4;
                    }
                    'h' | 'H' => {
                        let set =
                            r" \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}";
                        match (n, class_depth > 0) {
                            ('h', true) => out.push_str(set),
                            ('h', false) => out.push_str(&format!("[{set}]")),
                            (_, false) => out.push_str(&format!("[^{set}]")),
                            _ => return Err("\\H inside a character class is not supported".into()),
                        }
                    }
                    'R' if class_depth == 0 => {
                        out.push_str(r"(?:\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])")
                    }
                    'p' | 'P' if c.get(i) == Some(&'{') => {
                        let end = c[i..]
                            .iter()
                            .position(|&x| x == '}')
                            .ok_or("Unclosed character family")?;
                        let name: String = c[i + 1..i + end].iter().collect();
                        let name = name.strip_prefix("Is").unwrap_or(&name).to_string();
                        i += end + 1;
                        match posix_class(&name) {
                            Some(set) => {
                                let neg = if n == 'P' { "^" } else { "" };
                                if class_depth > 0 {
                                    if neg.is_empty() {
                                        out.push_str(set);
                                    } else {
                                        out.push_str(&format!("[^{set}]"));
                                    }
                                } else {
                                    out.push_str(&format!("[{neg}{set}]"));
                                }
                            }
                            None => out.push_str(&format!("\\{n}{{{name}}}")),
                        }
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                // A leading `]` (after an optional `^`) is literal in Java.
                if c.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if c.get(i + 1) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '(' if class_depth == 0 && c.get(i + 1) == Some(&'?') => {
                let next = c.get(i + 2).copied();
                let after = c.get(i + 3).copied();
                match (next, after) {
                    (Some('='), _) | (Some('!'), _) => {
                        return Err("look-ahead groups are not supported".into())
                    }
                    (Some('<'), Some('=')) | (Some('<'), Some('!')) => {
                        return Err("look-behind groups are not supported".into())
                    }
                    (Some('>'), _) => return Err("atomic groups are not supported".into()),
                    _ => out.push('('),
                }
            }
            '+' if class_depth == 0 && was_quantifier => {
                return Err("possessive quantifiers are not supported".into())
            }
            '*' | '+' | '?' | '}' if class_depth == 0 => {
                out.push(ch);
                // `(?` is a group prefix, not a quantifier.
                after_quantifier = !(ch == '?' && i > 0 && c[i - 1] == '(');
            }
            _ => out.push(ch),
        }
        i += 1;
    }
    Ok(out)
}
