//! Standalone mode: one process runs every connector; configs and target states persist in a
//! local file beside the offsets file, status lives in memory.
//!
//! Wiring (what `ferroconnect standalone` does):
//!
//! ```ignore
//! let configs = Arc::new(FileConfigStore::beside(&offset_file)?);
//! let herder = StandaloneHerder::create(worker_config, registry, offset_store, configs);
//! herder.start().await?;          // restores persisted connectors; /health turns 200
//! // ... serve REST over `herder` (it implements `Herder`) ...
//! herder.stop().await;            // on SIGTERM / SIGINT
//! ```

mod api;
mod healing;
pub mod herder;
mod offsets;
pub mod status;
pub mod validation;

pub use api::{build_commit, set_build_commit, SERVER_VERSION};
pub use herder::StandaloneHerder;
pub use offsets::{parse_sink_offsets, parse_source_offsets, success_message};
pub use status::{HerderLink, StatusStore};

#[cfg(test)]
mod herder_tests;
#[cfg(test)]
mod test_plugins;
