//! Unit-test vectors of Kafka's SMT test suites (reference §2.4 / §2.5), run against the
//! Rust transforms, plus config-error, predicate and chain tests.

mod common;

mod cache;
mod cast;
mod chain;
mod extract_field;
mod field_path;
mod flatten;
mod formats;
mod fused_chain;
mod headers;
mod hoist_value_to_key;
mod insert_field;
mod mask_field;
mod replace_field;
mod routers;
mod set_schema_metadata;
mod timestamp_converter;
