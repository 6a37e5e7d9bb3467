//! Connect schemas: the type system shared by converters, transforms and connectors.
//!
//! Schemas are immutable and shared through [`SchemaRef`] (`Arc<Schema>`), so a record never
//! clones its schema: connectors build a schema once and hand out clones of the `Arc`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::value::Value;

/// A shared, immutable schema.
pub type SchemaRef = Arc<Schema>;

/// The physical type of a schema, with the names Kafka Connect uses (`Schema.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    /// 8-bit signed integer.
    Int8,
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 32-bit IEEE 754 float.
    Float32,
    /// 64-bit IEEE 754 float.
    Float64,
    /// Boolean.
    Boolean,
    /// UTF-8 string.
    String,
    /// Raw bytes.
    Bytes,
    /// Ordered list of values sharing one value schema.
    Array,
    /// Key/value map with a key schema and a value schema.
    Map,
    /// Named fields, each with its own schema.
    Struct,
}

impl SchemaType {
    /// Kafka's enum name (`INT32`, `STRUCT`, ...), as used in error messages and Cast configs.
    pub fn java_name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "INT8",
            SchemaType::Int16 => "INT16",
            SchemaType::Int32 => "INT32",
            SchemaType::Int64 => "INT64",
            SchemaType::Float32 => "FLOAT32",
            SchemaType::Float64 => "FLOAT64",
            SchemaType::Boolean => "BOOLEAN",
            SchemaType::String => "STRING",
            SchemaType::Bytes => "BYTES",
            SchemaType::Array => "ARRAY",
            SchemaType::Map => "MAP",
            SchemaType::Struct => "STRUCT",
        }
    }

    /// The type name JsonConverter writes in schema JSON (`int32`, `float`, `double`, ...).
    pub fn json_name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "int8",
            SchemaType::Int16 => "int16",
            SchemaType::Int32 => "int32",
            SchemaType::Int64 => "int64",
            SchemaType::Float32 => "float",
            SchemaType::Float64 => "double",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "string",
            SchemaType::Bytes => "bytes",
            SchemaType::Array => "array",
            SchemaType::Map => "map",
            SchemaType::Struct => "struct",
        }
    }

    /// Parses a JsonConverter type name (`int32`, `float`, ...).
    pub fn from_json_name(name: &str) -> Option<SchemaType> {
        Some(match name {
            "int8" => SchemaType::Int8,
            "int16" => SchemaType::Int16,
            "int32" => SchemaType::Int32,
            "int64" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "boolean" => SchemaType::Boolean,
            "string" => SchemaType::String,
            "bytes" => SchemaType::Bytes,
            "array" => SchemaType::Array,
            "map" => SchemaType::Map,
            "struct" => SchemaType::Struct,
            _ => return None,
        })
    }

    /// True for every type except array, map and struct.
    pub fn is_primitive(self) -> bool {
        !matches!(
            self,
            SchemaType::Array | SchemaType::Map | SchemaType::Struct
        )
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.java_name())
    }
}

/// One field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Position of the field in its struct.
    pub index: usize,
    /// Schema of the field's value.
    pub schema: SchemaRef,
}

/// A Connect schema (`org.apache.kafka.connect.data.Schema`).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Physical type.
    pub schema_type: SchemaType,
    /// Whether null is a valid value.
    pub optional: bool,
    /// Default value, used when a value is null.
    pub default: Option<Value>,
    /// Schema name (logical type names such as `org.apache.kafka.connect.data.Decimal` live here).
    pub name: Option<String>,
    /// Schema version.
    pub version: Option<i32>,
    /// Documentation.
    pub doc: Option<String>,
    /// Free-form parameters (e.g. `scale` for Decimal). Sorted, as Jackson writes a map.
    pub parameters: Option<BTreeMap<String, String>>,
    /// Struct fields, in declaration order (empty for other types).
    pub fields: Vec<Field>,
    /// Map key schema.
    pub key_schema: Option<SchemaRef>,
    /// Map value schema or array element schema.
    pub value_schema: Option<SchemaRef>,
}

impl Schema {
    /// A bare schema of the given type: required, unnamed, no default.
    pub fn new(schema_type: SchemaType) -> Schema {
        Schema {
            schema_type,
            optional: false,
            default: None,
            name: None,
            version: None,
            doc: None,
            parameters: None,
            fields: Vec::new(),
            key_schema: None,
            value_schema: None,
        }
    }

    /// Looks up a struct field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Wraps this schema in an `Arc`.
    pub fn into_ref(self) -> SchemaRef {
        Arc::new(self)
    }

    /// The logical type this schema carries, if any.
    pub fn logical(&self) -> Option<LogicalType> {
        LogicalType::of(self)
    }
}

/// Builds schemas fluently, like Kafka's `SchemaBuilder`.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
}

impl SchemaBuilder {
    /// Starts a schema of the given type.
    pub fn new(schema_type: SchemaType) -> Self {
        SchemaBuilder {
            schema: Schema::new(schema_type),
        }
    }
    /// Starts a struct schema.
    pub fn struct_() -> Self {
        Self::new(SchemaType::Struct)
    }
    /// Starts an array schema.
    pub fn array(items: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Array);
        b.schema.value_schema = Some(items);
        b
    }
    /// Starts a map schema.
    pub fn map(keys: SchemaRef, values: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Map);
        b.schema.key_schema = Some(keys);
        b.schema.value_schema = Some(values);
        b
    }
    /// Starts from an existing schema (for transforms that derive a schema).
    pub fn from_schema(schema: &Schema) -> Self {
        SchemaBuilder {
            schema: schema.clone(),
        }
    }
    /// Marks the schema optional.
    pub fn optional(mut self) -> Self {
        self.schema.optional = true;
        self
    }
    /// Sets optional explicitly.
    pub fn set_optional(mut self, optional: bool) -> Self {
        self.schema.optional = optional;
        self
    }
    /// Sets the schema name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.schema.name = Some(name.into());
        self
    }
    /// Sets the version.
    pub fn version(mut self, version: i32) -> Self {
        self.schema.version = Some(version);
        self
    }
    /// Sets the documentation.
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.schema.doc = Some(doc.into());
        self
    }
    /// Sets the default value.
    pub fn default_value(mut self, value: Value) -> Self {
        self.schema.default = Some(value);
        self
    }
    /// Adds one parameter.
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.schema
            .parameters
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }
    /// Appends a struct field.
    pub fn field(mut self, name: impl Into<String>, schema: SchemaRef) -> Self {
        let index = self.schema.fields.len();
        self.schema.fields.push(Field {
            name: name.into(),
            index,
            schema,
        });
        self
    }
    /// Finishes the schema.
    pub fn build(self) -> Schema {
        self.schema
    }
    /// Finishes the schema as a shared reference.
    pub fn build_ref(self) -> SchemaRef {
        Arc::new(self.schema)
    }
}

/// Logical types Kafka Connect defines on top of physical types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicalType {
    /// `org.apache.kafka.connect.data.Decimal`: bytes holding a big-endian two's-complement
    /// unscaled value; parameter `scale`.
    Decimal {
        /// Digits after the decimal point.
        scale: i32,
    },
    /// `org.apache.kafka.connect.data.Date`: int32 days since the epoch.
    Date,
    /// `org.apache.kafka.connect.data.Time`: int32 milliseconds since midnight.
    Time,
    /// `org.apache.kafka.connect.data.Timestamp`: int64 milliseconds since the epoch.
    Timestamp,
}

/// Schema name of the Decimal logical type.
pub const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";
/// Schema name of the Date logical type.
pub const DATE_NAME: &str = "org.apache.kafka.connect.data.Date";
/// Schema name of the Time logical type.
pub const TIME_NAME: &str = "org.apache.kafka.connect.data.Time";
/// Schema name of the Timestamp logical type.
pub const TIMESTAMP_NAME: &str = "org.apache.kafka.connect.data.Timestamp";

impl LogicalType {
    /// The logical type of a schema, judged by its name and physical type.
    pub fn of(schema: &Schema) -> Option<LogicalType> {
        let name = schema.name.as_deref()?;
        match (name, schema.schema_type) {
            (DECIMAL_NAME, SchemaType::Bytes) => {
                let scale = schema
                    .parameters
                    .as_ref()
                    .and_then(|p| p.get("scale"))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                Some(LogicalType::Decimal { scale })
            }
            (DATE_NAME, SchemaType::Int32) => Some(LogicalType::Date),
            (TIME_NAME, SchemaType::Int32) => Some(LogicalType::Time),
            (TIMESTAMP_NAME, SchemaType::Int64) => Some(LogicalType::Timestamp),
            _ => None,
        }
    }

    /// A schema builder for this logical type (version 1, as Kafka's builders set it).
    pub fn builder(self) -> SchemaBuilder {
        match self {
            LogicalType::Decimal { scale } => SchemaBuilder::new(SchemaType::Bytes)
                .name(DECIMAL_NAME)
                .version(1)
                .parameter("scale", scale.to_string()),
            LogicalType::Date => SchemaBuilder::new(SchemaType::Int32)
                .name(DATE_NAME)
                .version(1),
            LogicalType::Time => SchemaBuilder::new(SchemaType::Int32)
                .name(TIME_NAME)
                .version(1),
            LogicalType::Timestamp => SchemaBuilder::new(SchemaType::Int64)
                .name(TIMESTAMP_NAME)
                .version(1),
        }
    }
}

/// Shared instances of the common primitive schemas (`Schema.INT32_SCHEMA`, ...).
pub mod schemas {
    use super::{Schema, SchemaRef, SchemaType};
    use std::sync::{Arc, OnceLock};

    macro_rules! shared {
        ($fn_name:ident, $ty:expr, $opt:expr, $doc:expr) => {
            #[doc = $doc]
            pub fn $fn_name() -> SchemaRef {
                static CELL: OnceLock<SchemaRef> = OnceLock::new();
                CELL.get_or_init(|| {
                    let mut s = Schema::new($ty);
                    s.optional = $opt;
                    Arc::new(s)
                })
                .clone()
            }
        };
    }

    shared!(int8, SchemaType::Int8, false, "Required int8.");
    shared!(int16, SchemaType::Int16, false, "Required int16.");
    shared!(int32, SchemaType::Int32, false, "Required int32.");
    shared!(int64, SchemaType::Int64, false, "Required int64.");
    shared!(float32, SchemaType::Float32, false, "Required float32.");
    shared!(float64, SchemaType::Float64, false, "Required float64.");
    shared!(boolean, SchemaType::Boolean, false, "Required boolean.");
    shared!(string, SchemaType::String, false, "Required string.");
    shared!(bytes, SchemaType::Bytes, false, "Required bytes.");
    shared!(optional_int8, SchemaType::Int8, true, "Optional int8.");
    shared!(optional_int16, SchemaType::Int16, true, "Optional int16.");
    shared!(optional_int32, SchemaType::Int32, true, "Optional int32.");
    shared!(optional_int64, SchemaType::Int64, true, "Optional int64.");
    shared!(
        optional_float32,
        SchemaType::Float32,
        true,
        "Optional float32."
    );
    shared!(
        optional_float64,
        SchemaType::Float64,
        true,
        "Optional float64."
    );
    shared!(
        optional_boolean,
        SchemaType::Boolean,
        true,
        "Optional boolean."
    );
    shared!(
        optional_string,
        SchemaType::String,
        true,
        "Optional string."
    );
    shared!(optional_bytes, SchemaType::Bytes, true, "Optional bytes.");
}
