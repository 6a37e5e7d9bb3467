//! The Connect data model: schemas, values, structs and records.

pub mod record;
pub mod schema;
pub mod value;

pub use record::{
    ConnectRecord, Header, Headers, OffsetMap, SinkRecord, SourceRecord, TimestampType,
    TopicPartition,
};
pub use schema::{schemas, Field, LogicalType, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use value::{validate_value, Decimal, Struct, Value};
