//! FileStreamSource and FileStreamSink (`org.apache.kafka.connect.file.*`): lines of a file
//! into a topic, and records of topics into a file, with the JVM connectors' keys and offsets
//! (partition `{"filename": <file>}`, offset `{"position": <byte offset after the line>}`).

mod sink;
mod source;

use std::sync::Arc;

use ferroconnect_runtime::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use ferroconnect_runtime::plugins::{ConnectorFactory, ConnectorPlugin, PluginRegistry};

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};

/// Java class name of the file source.
pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
/// Java class name of the file sink.
pub const SINK_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
/// Version reported for both file connectors.
pub const VERSION: &str = "4.2.0";

/// Config key: the file to read or write (empty = stdin / stdout).
pub const FILE_CONFIG: &str = "file";
/// Config key: the source's destination topic.
pub const TOPIC_CONFIG: &str = "topic";
/// Config key: the source's maximum lines per poll.
pub const BATCH_SIZE_CONFIG: &str = "batch.size";
/// Default lines per poll, as the JVM connector.
pub const DEFAULT_BATCH_SIZE: i64 = 2000;

fn source_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            FILE_CONFIG,
            ConfigType::String,
            Some(""),
            Importance::High,
            "Source filename. If not specified, the standard input will be used",
        ))
        .define(
            ConfigKey::new(
                TOPIC_CONFIG,
                ConfigType::List,
                None,
                Importance::High,
                "The topic to publish data to",
            )
            .validate_with(|_k, v| {
                let topics = ferroconnect_runtime::config::parse_list(v);
                if topics.len() == 1 {
                    Ok(())
                } else {
                    Err("'topic' in FileStreamSourceConnector configuration requires definition of a single topic".into())
                }
            }),
        )
        .define(
            ConfigKey::new(
                BATCH_SIZE_CONFIG,
                ConfigType::Int,
                Some("2000"),
                Importance::Low,
                "The maximum number of records the source task can read from the file each time it is polled",
            )
            .at_least(1),
        )
}

fn sink_config_def() -> ConfigDef {
    ConfigDef::new().define(ConfigKey::new(
        FILE_CONFIG,
        ConfigType::String,
        Some(""),
        Importance::High,
        "Destination filename. If not specified, the standard output will be used",
    ))
}

/// Registers both file connectors (`FileStreamSource`, `FileStreamSink` and their full names).
pub fn register(registry: &mut PluginRegistry) {
    registry.add_connector(
        ConnectorPlugin {
            class: SOURCE_CLASS.to_string(),
            version: VERSION.to_string(),
            config_def: source_config_def(),
            factory: ConnectorFactory::Source(Arc::new(|| {
                Box::new(FileStreamSourceConnector::default())
            })),
        },
        &["file-source"],
    );
    registry.add_connector(
        ConnectorPlugin {
            class: SINK_CLASS.to_string(),
            version: VERSION.to_string(),
            config_def: sink_config_def(),
            factory: ConnectorFactory::Sink(Arc::new(|| {
                Box::new(FileStreamSinkConnector::default())
            })),
        },
        &["file-sink"],
    );
}
