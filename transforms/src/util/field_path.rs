//! Field paths (KIP-821): `field.syntax.version=V1` treats the whole string as one field name;
//! `V2` reads a dotted path whose segments may be backtick-quoted to hold dots
//! (`` foo.`bar.baz` `` → `foo`, `bar.baz`; a backslash escapes a backtick inside quotes).

use ferroconnect_runtime::config::{ConfigKey, ConfigType, Importance};
use ferroconnect_runtime::data::{Field, Schema, Struct, Value};
use ferroconnect_runtime::{ConnectError, ConnectResult};

use super::config::invalid;
use super::requirements::map_get;

/// The `field.syntax.version` key.
pub const FIELD_SYNTAX_VERSION: &str = "field.syntax.version";

/// How field names in a transform's config are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldSyntaxVersion {
    /// The whole string is one top-level field name.
    #[default]
    V1,
    /// Dotted paths with backtick quoting.
    V2,
}

impl FieldSyntaxVersion {
    /// Parses `V1` / `V2` (case-insensitive); the error names the key.
    pub fn parse(raw: &str) -> ConnectResult<Self> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "V1" => Ok(FieldSyntaxVersion::V1),
            "V2" => Ok(FieldSyntaxVersion::V2),
            _ => Err(invalid(
                FIELD_SYNTAX_VERSION,
                raw,
                "String must be one of (case insensitive): V1, V2",
            )),
        }
    }

    /// The key definition.
    pub fn config_key() -> ConfigKey {
        ConfigKey::new(
            FIELD_SYNTAX_VERSION,
            ConfigType::String,
            Some("V1"),
            Importance::High,
            "How field names are read: V1 takes each name as a single top-level field; V2 reads \
             dotted paths into nested structs and maps, with backticks around segments that \
             contain dots and a backslash before a literal backtick inside them.",
        )
        .one_of(&["V1", "V2"])
    }
}

/// A parsed field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    original: String,
    steps: Vec<String>,
}

impl FieldPath {
    /// Parses `path` with the given syntax; `key` names the config key in errors.
    pub fn parse(path: &str, version: FieldSyntaxVersion, key: &str) -> ConnectResult<Self> {
        let steps = match version {
            FieldSyntaxVersion::V1 => vec![path.to_string()],
            FieldSyntaxVersion::V2 => {
                parse_v2(path).map_err(|reason| invalid(key, path, reason))?
            }
        };
        Ok(FieldPath {
            original: path.to_string(),
            steps,
        })
    }

    /// The path as configured.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The segment names.
    pub fn steps(&self) -> &[String] {
        &self.steps
    }

    /// The field definition at the end of the path in a struct schema, or `None` when a segment
    /// is missing or crosses a non-struct.
    pub fn field_in<'a>(&self, schema: &'a Schema) -> Option<&'a Field> {
        let (last, init) = self.steps.split_last()?;
        let mut cur = schema;
        for step in init {
            cur = &cur.field(step)?.schema;
        }
        cur.field(last)
    }

    /// The value at the path in a struct whose schema holds the path; a null intermediate
    /// struct yields null.
    pub fn struct_value<'a>(
        &self,
        st: &'a Struct,
        replace_null_with_default: bool,
    ) -> ConnectResult<&'a Value> {
        static NULL: Value = Value::Null;
        let mut cur = st;
        let last = self.steps.len().saturating_sub(1);
        for (i, step) in self.steps.iter().enumerate() {
            let field = cur
                .schema()
                .field(step)
                .ok_or_else(|| ConnectError::other(format!("Unknown field: {}", self.original)))?;
            let v = super::schema::field_value(cur, field, replace_null_with_default);
            if i == last {
                return Ok(v);
            }
            match v {
                Value::Struct(s) => cur = s,
                Value::Null => return Ok(&NULL),
                _ => return Ok(&NULL),
            }
        }
        Ok(&NULL)
    }

    /// The value at the path in schemaless maps: a missing key yields `None`; a non-map on the
    /// way is an error.
    pub fn map_value<'a>(&self, entries: &'a [(Value, Value)]) -> ConnectResult<Option<&'a Value>> {
        let mut cur = entries;
        let last = self.steps.len().saturating_sub(1);
        for (i, step) in self.steps.iter().enumerate() {
            let Some(v) = map_get(cur, step) else {
                return Ok(None);
            };
            if i == last {
                return Ok(Some(v));
            }
            match v {
                Value::Map(inner) => cur = inner,
                Value::Null => return Ok(None),
                other => {
                    return Err(ConnectError::data(format!(
                        "Only Map objects supported in absence of schema for [field extraction], found: {}",
                        super::requirements::java_class(None, other)
                    )))
                }
            }
        }
        Ok(None)
    }
}

/// Splits a V2 path into segments.
pub fn parse_v2(path: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = path.chars().collect();
    let mut steps = Vec::new();
    if chars.is_empty() {
        return Ok(steps);
    }
    let mut i = 0;
    loop {
        let mut seg = String::new();
        if i < chars.len() && chars[i] == '`' {
            let open = i;
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                let c = chars[i];
                if c == '\\' && i + 1 < chars.len() && chars[i + 1] == '`' {
                    seg.push('`');
                    i += 2;
                    continue;
                }
                if c == '`' && (i + 1 == chars.len() || chars[i + 1] == '.') {
                    closed = true;
                    i += 1;
                    break;
                }
                seg.push(c);
                i += 1;
            }
            if !closed {
                return Err(format!(
                    "Incomplete backtick pair in path: [{path}], consider adding a backslash \
                     before backtick at position {open} to escape it"
                ));
            }
        } else {
            while i < chars.len() && chars[i] != '.' {
                seg.push(chars[i]);
                i += 1;
            }
        }
        steps.push(seg);
        if i >= chars.len() {
            break;
        }
        // chars[i] == '.': another segment follows (possibly empty).
        i += 1;
        if i == chars.len() {
            steps.push(String::new());
            break;
        }
    }
    Ok(steps)
}
