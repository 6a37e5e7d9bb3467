//! The Connect data model: schemas, values, structs and records.

pub mod record;
pub mod schema;
pub mod schema_cache;
pub mod value;

pub use record::{
    ConnectRecord, Header, Headers, OffsetMap, SinkRecord, SourceRecord, TimestampType,
    TopicPartition,
};
pub use schema::{schemas, Field, LogicalType, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use schema_cache::SchemaCache;
pub use value::{validate_value, Decimal, Struct, Value};
