//! A small pull reader over JSON text, plus a borrowed tree for the (cold) schema path.
//!
//! Numbers are handed out as their source text so callers can read exact decimals and big
//! integers without going through `f64`. Like Jackson as JsonConverter configures it, leading
//! zeros in numbers are accepted and anything after the first value is ignored.

use std::borrow::Cow;

use crate::error::DataError;

/// Deepest nesting accepted (Jackson's default limit).
const MAX_DEPTH: usize = 1000;

/// The message prefix JsonConverter uses for malformed input.
const SERIALIZATION_ERROR: &str =
    "Converting byte[] to Kafka Connect data failed due to serialization error: ";

/// Jackson's node type names, used in JsonConverter's error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` / `false`.
    Boolean,
    /// `null`.
    Null,
    /// No value at all (end of input).
    Missing,
}

impl NodeType {
    /// Jackson's `JsonNodeType` name.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Object => "OBJECT",
            NodeType::Array => "ARRAY",
            NodeType::String => "STRING",
            NodeType::Number => "NUMBER",
            NodeType::Boolean => "BOOLEAN",
            NodeType::Null => "NULL",
            NodeType::Missing => "MISSING",
        }
    }
}

/// A number's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number<'a> {
    /// The text, e.g. `-12.50e3`.
    pub text: &'a str,
    /// True when the text has no fraction and no exponent.
    pub integral: bool,
}

impl Number<'_> {
    /// The integer value when it fits 128 bits (integral text only).
    pub fn as_i128(&self) -> Option<i128> {
        if self.integral {
            self.text.parse().ok()
        } else {
            None
        }
    }
}

/// A pull reader positioned somewhere in a JSON text.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            depth: 0,
        }
    }

    /// A reader over the same text at byte offset `pos`.
    pub fn at(&self, pos: usize) -> Self {
        Reader {
            text: self.text,
            pos,
            depth: self.depth,
        }
    }

    /// Current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The source text between two offsets.
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        &self.text[start..end]
    }

    /// A malformed-input error at the current position.
    pub fn error(&self, what: &str) -> DataError {
        DataError::new(format!(
            "{SERIALIZATION_ERROR}{what} at byte offset {}",
            self.pos
        ))
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// Skips whitespace and returns the next byte without consuming it.
    pub fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        b.get(self.pos).copied()
    }

    /// The type of the next value, without consuming it.
    pub fn node_type(&mut self) -> NodeType {
        match self.peek() {
            Some(b'{') => NodeType::Object,
            Some(b'[') => NodeType::Array,
            Some(b'"') => NodeType::String,
            Some(b't' | b'f') => NodeType::Boolean,
            Some(b'n') => NodeType::Null,
            Some(_) => NodeType::Number,
            None => NodeType::Missing,
        }
    }

    fn expect_byte(&mut self, want: u8) -> Result<(), DataError> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", want as char)))
        }
    }

    fn expect_literal(&mut self, lit: &str) -> Result<(), DataError> {
        self.peek();
        if self.text[self.pos..].starts_with(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(self.error("unrecognized token"))
        }
    }

    /// Consumes `null`, returning true, if it is next.
    pub fn try_null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.text[self.pos..].starts_with("null") {
            self.pos += 4;
            true
        } else {
            false
        }
    }

    /// Reads `true` or `false`.
    pub fn read_bool(&mut self) -> Result<bool, DataError> {
        match self.peek() {
            Some(b't') => self.expect_literal("true").map(|_| true),
            Some(b'f') => self.expect_literal("false").map(|_| false),
            _ => Err(self.error("expected a boolean")),
        }
    }

    /// Reads a number's text.
    pub fn read_number(&mut self) -> Result<Number<'a>, DataError> {
        self.peek();
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        if i < b.len() && b[i] == b'-' {
            i += 1;
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == int_start {
            self.pos = i;
            return Err(self.error("unexpected character, expected a value"));
        }
        let mut integral = true;
        if i < b.len() && b[i] == b'.' {
            integral = false;
            i += 1;
            let frac_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == frac_start {
                self.pos = i;
                return Err(self.error("decimal point must be followed by a digit"));
            }
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            integral = false;
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let exp_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == exp_start {
                self.pos = i;
                return Err(self.error("exponent must have digits"));
            }
        }
        self.pos = i;
        Ok(Number {
            text: &self.text[start..i],
            integral,
        })
    }

    /// Reads a string, borrowing it when it has no escapes.
    pub fn read_str(&mut self) -> Result<Cow<'a, str>, DataError> {
        self.expect_byte(b'"')?;
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Cow::Borrowed(&self.text[start..i]));
                }
                b'\\' => break,
                c if c < 0x20 => {
                    self.pos = i;
                    return Err(self.error("illegal unquoted control character in string"));
                }
                _ => i += 1,
            }
        }
        let mut owned = String::with_capacity(i - start + 16);
        owned.push_str(&self.text[start..i]);
        self.pos = i;
        self.read_escaped_rest(owned).map(Cow::Owned)
    }

    fn read_escaped_rest(&mut self, mut out: String) -> Result<String, DataError> {
        let b = self.bytes();
        loop {
            let run_start = self.pos;
            while self.pos < b.len() && b[self.pos] != b'"' && b[self.pos] != b'\\' {
                if b[self.pos] < 0x20 {
                    return Err(self.error("illegal unquoted control character in string"));
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match b.get(self.pos) {
                None => return Err(self.error("unexpected end of input in string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(_) => {
                    self.pos += 1;
                    let esc = b.get(self.pos).copied();
                    self.pos += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let c = self.read_unicode_escape()?;
                            out.push(c);
                        }
                        _ => return Err(self.error("unrecognized character escape")),
                    }
                }
            }
        }
    }

    fn read_hex4(&mut self) -> Result<u32, DataError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("unexpected end of input in \\u escape"))?;
        let v = u32::from_str_radix(hex, 16)
            .map_err(|_| self.error("illegal character in \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn read_unicode_escape(&mut self) -> Result<char, DataError> {
        let first = self.read_hex4()?;
        if (0xd800..0xdc00).contains(&first) && self.text[self.pos..].starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.read_hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                let c = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{fffd}'))
    }

    /// Enters an object; then call [`Reader::next_key`] until it returns `None`.
    pub fn begin_object(&mut self) -> Result<(), DataError> {
        self.enter()?;
        self.expect_byte(b'{')
    }

    /// The next member name of the current object (consuming the `:`), or `None` at its end.
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<Cow<'a, str>>, DataError> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(None);
            }
            Some(b',') if !*first => self.pos += 1,
            _ if *first => {}
            _ => return Err(self.error("expected ',' or '}' in object")),
        }
        *first = false;
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a double-quoted field name"));
        }
        let key = self.read_str()?;
        self.expect_byte(b':')?;
        Ok(Some(key))
    }

    /// Enters an array; then call [`Reader::next_element`] until it returns false.
    pub fn begin_array(&mut self) -> Result<(), DataError> {
        self.enter()?;
        self.expect_byte(b'[')
    }

    /// True if another element follows (its value is next), false at the array's end.
    pub fn next_element(&mut self, first: &mut bool) -> Result<bool, DataError> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(false);
            }
            Some(b',') if !*first => self.pos += 1,
            _ if *first => {}
            _ => return Err(self.error("expected ',' or ']' in array")),
        }
        *first = false;
        Ok(true)
    }

    fn enter(&mut self) -> Result<(), DataError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("document nested too deeply"));
        }
        Ok(())
    }

    /// Skips one value of any type.
    pub fn skip_value(&mut self) -> Result<(), DataError> {
        match self.node_type() {
            NodeType::Object => {
                self.begin_object()?;
                let mut first = true;
                while self.next_key(&mut first)?.is_some() {
                    self.skip_value()?;
                }
                Ok(())
            }
            NodeType::Array => {
                self.begin_array()?;
                let mut first = true;
                while self.next_element(&mut first)? {
                    self.skip_value()?;
                }
                Ok(())
            }
            NodeType::String => self.read_str().map(|_| ()),
            NodeType::Boolean => self.read_bool().map(|_| ()),
            NodeType::Null => self.expect_literal("null"),
            NodeType::Number => self.read_number().map(|_| ()),
            NodeType::Missing => Err(self.error("unexpected end of input")),
        }
    }

    /// Reads one value as a tree.
    pub fn read_node(&mut self) -> Result<Node<'a>, DataError> {
        Ok(match self.node_type() {
            NodeType::Object => {
                self.begin_object()?;
                let mut members = Vec::new();
                let mut first = true;
                while let Some(key) = self.next_key(&mut first)? {
                    self.peek();
                    let start = self.pos;
                    let value = self.read_node()?;
                    members.push(Member { key, value, start });
                }
                Node::Object(members)
            }
            NodeType::Array => {
                self.begin_array()?;
                let mut items = Vec::new();
                let mut first = true;
                while self.next_element(&mut first)? {
                    items.push(self.read_node()?);
                }
                Node::Array(items)
            }
            NodeType::String => Node::String(self.read_str()?),
            NodeType::Boolean => Node::Bool(self.read_bool()?),
            NodeType::Null => {
                self.expect_literal("null")?;
                Node::Null
            }
            NodeType::Number => Node::Number(self.read_number()?),
            NodeType::Missing => return Err(self.error("unexpected end of input")),
        })
    }
}

/// One member of a parsed object, with the offset where its value starts in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// Member name.
    pub key: Cow<'a, str>,
    /// Member value.
    pub value: Node<'a>,
    /// Byte offset of the value in the source text.
    pub start: usize,
}

/// A parsed JSON value borrowing from its source.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as text.
    Number(Number<'a>),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object, members in source order.
    Object(Vec<Member<'a>>),
}

impl<'a> Node<'a> {
    /// The member of an object by name (the last one if repeated), as Jackson keeps it.
    pub fn member(&self, key: &str) -> Option<&Member<'a>> {
        match self {
            Node::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    /// The value of an object member by name.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.member(key).map(|m| &m.value)
    }

    /// The string inside a string node.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    /// Jackson's node type.
    pub fn node_type(&self) -> NodeType {
        match self {
            Node::Null => NodeType::Null,
            Node::Bool(_) => NodeType::Boolean,
            Node::Number(_) => NodeType::Number,
            Node::String(_) => NodeType::String,
            Node::Array(_) => NodeType::Array,
            Node::Object(_) => NodeType::Object,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tree_with_offsets() {
        let text = r#" {"a": [1, -2.5e3, "x\"\u00e9\ud83d\ude00"], "b": {"c": null, "d": true}} "#;
        let node = Reader::new(text).read_node().unwrap();
        let a = node.get("a").unwrap();
        assert_eq!(
            a,
            &Node::Array(vec![
                Node::Number(Number {
                    text: "1",
                    integral: true
                }),
                Node::Number(Number {
                    text: "-2.5e3",
                    integral: false
                }),
                Node::String(Cow::Owned("x\"é😀".into())),
            ])
        );
        let b = node.member("b").unwrap();
        assert_eq!(&text[b.start..b.start + 1], "{");
        assert_eq!(b.value.get("d"), Some(&Node::Bool(true)));
    }

    #[test]
    fn accepts_leading_zeros_and_rejects_garbage() {
        let n = Reader::new("0012").read_number().unwrap();
        assert_eq!(n.as_i128(), Some(12));
        for bad in [
            "{",
            "[1,",
            "{\"a\" 1}",
            "\"abc",
            "tru",
            "-",
            "1.",
            "{a:1}",
            "[1 2]",
        ] {
            let err = Reader::new(bad).read_node().unwrap_err();
            assert!(
                err.message().starts_with(SERIALIZATION_ERROR),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn skips_values_and_limits_depth() {
        let mut r = Reader::new(r#"[{"x":[1,{"y":"z"}]}, 2] tail"#);
        r.skip_value().unwrap();
        assert_eq!(r.peek(), Some(b't'));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(Reader::new(&deep).skip_value().is_err());
    }
}
