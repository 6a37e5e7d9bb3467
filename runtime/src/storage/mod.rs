//! Storage of source offsets and connector configs, behind interfaces so distributed mode can
//! back them with Kafka topics in the JVM's formats.

pub mod atomic;
pub mod file_configs;
pub mod file_offsets;

use crate::data::OffsetMap;
use crate::error::ConnectResult;

/// Durable source offsets, per connector and source partition (`OffsetBackingStore`).
pub trait OffsetStore: Send + Sync {
    /// The committed offset of one source partition.
    fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap>;
    /// Every committed partition/offset of a connector.
    fn all(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)>;
    /// Writes offsets (`None` removes the partition); durable when this returns Ok.
    fn put_batch(
        &self,
        connector: &str,
        entries: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> ConnectResult<()>;
}
