//! The derived-schema cache: transforms derive an output schema from each input schema once
//! and reuse it for every record that carries the same schema (Kafka keeps an LRU of 16).
//!
//! Lookups compare `Arc` pointers first (records of one stream share their schema `Arc`), then
//! fall back to schema equality, so converters that rebuild equal schemas still hit.

use ferroconnect_runtime::data::SchemaRef;
use ferroconnect_runtime::ConnectResult;
use parking_lot::Mutex;
use std::sync::Arc;

/// How many input schemas a cache remembers (Kafka's `SynchronizedCache(new LRUCache(16))`).
pub const CACHE_SIZE: usize = 16;

/// A small most-recently-used cache from input schema to a derived value.
pub struct SchemaCache<T: Clone> {
    entries: Mutex<Vec<(SchemaRef, T)>>,
}

impl<T: Clone> Default for SchemaCache<T> {
    fn default() -> Self {
        SchemaCache {
            entries: Mutex::new(Vec::with_capacity(CACHE_SIZE)),
        }
    }
}

impl<T: Clone> SchemaCache<T> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value derived from `key`, building and remembering it on a miss.
    pub fn get_or_try_insert(
        &self,
        key: &SchemaRef,
        build: impl FnOnce() -> ConnectResult<T>,
    ) -> ConnectResult<T> {
        let mut entries = self.entries.lock();
        let hit = entries
            .iter()
            .position(|(k, _)| Arc::ptr_eq(k, key))
            .or_else(|| entries.iter().position(|(k, _)| **k == **key));
        if let Some(i) = hit {
            if i != 0 {
                entries[..=i].rotate_right(1);
            }
            return Ok(entries[0].1.clone());
        }
        let derived = build()?;
        if entries.len() == CACHE_SIZE {
            entries.pop();
        }
        entries.insert(0, (key.clone(), derived.clone()));
        Ok(derived)
    }

    /// Number of cached schemas.
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
