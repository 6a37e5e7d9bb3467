//! Kafka Connect's built-in single-message transforms and predicates, with Apache Kafka's
//! config keys, defaults, error texts and edge cases, registered under their Java class names
//! (`org.apache.kafka.connect.transforms.MaskField$Value`, ...).
//!
//! Each transform derives output schemas once per input schema (see
//! [`ferroconnect_runtime::data::SchemaCache`]) and works on the record it owns, so the hot
//! path neither rebuilds schemas nor clones field values it does not have to. MaskField,
//! ReplaceField and InsertField describe what they do to a struct as a
//! [`ferroconnect_runtime::transform::StructEdit`], so a chain runs them back to back as one
//! step per record.

pub mod cast;
pub mod cast_value;
pub mod drop_headers;
pub mod extract_field;
pub mod filter;
pub mod flatten;
pub mod header_from;
pub mod hoist_field;
pub mod insert_field;
pub mod insert_header;
pub mod mask_field;
pub mod predicates;
pub mod regex_router;
pub mod replace_field;
pub mod set_schema_metadata;
pub mod timestamp_converter;
pub mod timestamp_router;
pub mod util;
pub mod value_to_key;

use std::sync::Arc;

use ferroconnect_runtime::config::{ConfigDef, ConfigMap};
use ferroconnect_runtime::plugins::PluginRegistry;
use ferroconnect_runtime::transform::{
    Predicate, PredicatePlugin, TransformPlugin, Transformation,
};
use ferroconnect_runtime::ConnectResult;

pub use util::Target;

/// The Kafka version the built-in transforms report.
pub const VERSION: &str = "4.2.0";
/// Package of the built-in transforms.
pub const TRANSFORMS_PACKAGE: &str = "org.apache.kafka.connect.transforms";
/// Package of the built-in predicates.
pub const PREDICATES_PACKAGE: &str = "org.apache.kafka.connect.transforms.predicates";

type KeyValueCtor = fn(Target, &ConfigMap) -> ConnectResult<Box<dyn Transformation>>;
type PlainCtor = fn(&ConfigMap) -> ConnectResult<Box<dyn Transformation>>;

fn boxed<T: Transformation + 'static>(
    r: ConnectResult<T>,
) -> ConnectResult<Box<dyn Transformation>> {
    r.map(|t| Box::new(t) as Box<dyn Transformation>)
}

fn add_key_value(
    registry: &mut PluginRegistry,
    name: &str,
    def: fn() -> ConfigDef,
    ctor: KeyValueCtor,
) {
    for target in Target::BOTH {
        registry.add_transform(TransformPlugin {
            class: format!("{TRANSFORMS_PACKAGE}.{name}{}", target.suffix()),
            version: VERSION.to_string(),
            config_def: def(),
            factory: Arc::new(move |config: &ConfigMap| ctor(target, config)),
        });
    }
}

fn add_plain(registry: &mut PluginRegistry, name: &str, def: fn() -> ConfigDef, ctor: PlainCtor) {
    registry.add_transform(TransformPlugin {
        class: format!("{TRANSFORMS_PACKAGE}.{name}"),
        version: VERSION.to_string(),
        config_def: def(),
        factory: Arc::new(ctor),
    });
}

fn add_predicate(
    registry: &mut PluginRegistry,
    name: &str,
    def: fn() -> ConfigDef,
    ctor: fn(&ConfigMap) -> ConnectResult<Box<dyn Predicate>>,
) {
    registry.add_predicate(PredicatePlugin {
        class: format!("{PREDICATES_PACKAGE}.{name}"),
        version: VERSION.to_string(),
        config_def: def(),
        factory: Arc::new(ctor),
    });
}

/// Registers every built-in transform (`$Key` and `$Value` variants where Kafka has them) and
/// predicate under its Java class name.
pub fn register_builtin(registry: &mut PluginRegistry) {
    add_key_value(registry, "Cast", cast::config_def, |t, c| {
        boxed(cast::Cast::new(t, c))
    });
    add_plain(registry, "DropHeaders", drop_headers::config_def, |c| {
        boxed(drop_headers::DropHeaders::new(c))
    });
    add_key_value(
        registry,
        "ExtractField",
        extract_field::config_def,
        |t, c| boxed(extract_field::ExtractField::new(t, c)),
    );
    add_plain(registry, "Filter", filter::config_def, |c| {
        boxed(filter::Filter::new(c))
    });
    add_key_value(registry, "Flatten", flatten::config_def, |t, c| {
        boxed(flatten::Flatten::new(t, c))
    });
    add_key_value(registry, "HeaderFrom", header_from::config_def, |t, c| {
        boxed(header_from::HeaderFrom::new(t, c))
    });
    add_key_value(registry, "HoistField", hoist_field::config_def, |t, c| {
        boxed(hoist_field::HoistField::new(t, c))
    });
    add_key_value(registry, "InsertField", insert_field::config_def, |t, c| {
        boxed(insert_field::InsertField::new(t, c))
    });
    add_plain(registry, "InsertHeader", insert_header::config_def, |c| {
        boxed(insert_header::InsertHeader::new(c))
    });
    add_key_value(registry, "MaskField", mask_field::config_def, |t, c| {
        boxed(mask_field::MaskField::new(t, c))
    });
    add_plain(registry, "RegexRouter", regex_router::config_def, |c| {
        boxed(regex_router::RegexRouter::new(c))
    });
    add_key_value(
        registry,
        "ReplaceField",
        replace_field::config_def,
        |t, c| boxed(replace_field::ReplaceField::new(t, c)),
    );
    add_key_value(
        registry,
        "SetSchemaMetadata",
        set_schema_metadata::config_def,
        |t, c| boxed(set_schema_metadata::SetSchemaMetadata::new(t, c)),
    );
    add_key_value(
        registry,
        "TimestampConverter",
        timestamp_converter::config_def,
        |t, c| boxed(timestamp_converter::TimestampConverter::new(t, c)),
    );
    add_plain(
        registry,
        "TimestampRouter",
        timestamp_router::config_def,
        |c| boxed(timestamp_router::TimestampRouter::new(c)),
    );
    add_plain(registry, "ValueToKey", value_to_key::config_def, |c| {
        boxed(value_to_key::ValueToKey::new(c))
    });

    add_predicate(
        registry,
        "TopicNameMatches",
        predicates::topic_name_matches_def,
        |c| predicates::TopicNameMatches::new(c).map(|p| Box::new(p) as Box<dyn Predicate>),
    );
    add_predicate(
        registry,
        "HasHeaderKey",
        predicates::has_header_key_def,
        |c| predicates::HasHeaderKey::new(c).map(|p| Box::new(p) as Box<dyn Predicate>),
    );
    add_predicate(
        registry,
        "RecordIsTombstone",
        predicates::record_is_tombstone_def,
        |_| Ok(Box::new(predicates::RecordIsTombstone) as Box<dyn Predicate>),
    );
}
