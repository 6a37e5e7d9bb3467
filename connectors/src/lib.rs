//! Ferroconnect's connectors, one module (and cargo feature) per family.

#[cfg(feature = "clickhouse")]
pub mod clickhouse;
#[cfg(feature = "file")]
pub mod file;
#[cfg(feature = "jdbc")]
pub mod jdbc;

use ferroconnect_runtime::plugins::PluginRegistry;

/// Registers every connector compiled in.
pub fn register_builtin(registry: &mut PluginRegistry) {
    #[cfg(feature = "file")]
    file::register(registry);
    #[cfg(feature = "jdbc")]
    jdbc::register(registry);
    #[cfg(feature = "clickhouse")]
    clickhouse::register(registry);
    let _ = registry;
}
