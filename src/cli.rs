//! Command-line interface, shaped like `connect-standalone` / `connect-distributed`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A Kafka Connect-compatible connector worker.
#[derive(Debug, Parser)]
#[command(name = "ferroconnect", version = crate_version(), about, long_about = None)]
pub struct Cli {
    /// Logging options.
    #[command(flatten)]
    pub log: LogArgs,
    /// Mode to run in.
    #[command(subcommand)]
    pub command: Command,
}

/// Worker modes.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a single worker with offsets on local disk (like connect-standalone).
    Standalone {
        /// Worker config (Java .properties).
        worker_properties: PathBuf,
        /// Connector configs to start: .properties, or JSON ({"name","config"} or a flat map).
        connector_files: Vec<PathBuf>,
    },
    /// Run a worker of a Kafka-coordinated cluster (like connect-distributed; not supported yet).
    Distributed {
        /// Worker config (Java .properties).
        worker_properties: PathBuf,
    },
}

/// Log output format.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Logging options.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Root log level (TRACE, DEBUG, INFO, WARN, ERROR); `RUST_LOG` directives override it.
    #[arg(long, global = true, default_value = "INFO", env = "FERRO_LOG_LEVEL")]
    pub log_level: String,
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "FERRO_LOG_FORMAT")]
    pub log_format: LogFormat,
}

fn crate_version() -> &'static str {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (commit ",
        env!("FERRO_GIT_COMMIT"),
        ", Kafka Connect 4.2 compatible)"
    )
}
