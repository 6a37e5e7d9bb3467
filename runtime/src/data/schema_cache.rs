//! The derived-schema cache: transforms derive an output schema (or a plan) from each input
//! schema once and reuse it for every record that carries the same schema (Kafka keeps an
//! LRU of 16).
//!
//! Lookups compare `Arc` pointers first (records of one stream share their schema `Arc`), then
//! fall back to schema equality, so converters that rebuild equal schemas still hit.
//!
//! The shared LRU sits behind a mutex. In front of it each cache keeps, per thread, a few
//! recent hits ([`SchemaCache::with`]): a record whose schema this thread saw before is served
//! without a lock, without touching a reference count and without scanning other caches'
//! entries, which matters when several transforms run per record.

use std::cell::RefCell;
use std::sync::Arc;

use crate::data::SchemaRef;
use crate::error::ConnectResult;
use parking_lot::Mutex;
use thread_local::ThreadLocal;

/// How many input schemas a cache remembers (Kafka's `SynchronizedCache(new LRUCache(16))`).
pub const CACHE_SIZE: usize = 16;

/// How many recent hits each cache keeps per thread (a stream usually has one schema; a few
/// cover key/value pairs and schema changes).
const THREAD_SLOTS: usize = 4;

/// A thread's recent hits of one cache: input schema (held, so its address is not reused)
/// and the derived value, oldest first.
type HotSlots<T> = RefCell<Vec<(SchemaRef, T)>>;

/// A small most-recently-used cache from input schema to a derived value.
pub struct SchemaCache<T: Clone + Send> {
    entries: Mutex<Vec<(SchemaRef, T)>>,
    /// Each thread's recent hits.
    hot: ThreadLocal<HotSlots<T>>,
}

impl<T: Clone + Send> Default for SchemaCache<T> {
    fn default() -> Self {
        SchemaCache {
            entries: Mutex::new(Vec::with_capacity(CACHE_SIZE)),
            hot: ThreadLocal::new(),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> SchemaCache<T> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the value derived from `key`, building and remembering it on a miss.
    /// `f` runs while this thread's recent hits are borrowed; it may look up other caches.
    pub fn with<R>(
        &self,
        key: &SchemaRef,
        build: impl FnOnce() -> ConnectResult<T>,
        mut f: impl FnMut(&T) -> R,
    ) -> ConnectResult<R> {
        let hot = self
            .hot
            .get_or(|| RefCell::new(Vec::with_capacity(THREAD_SLOTS)));
        if let Ok(slots) = hot.try_borrow() {
            if let Some((_, v)) = slots.iter().rev().find(|(k, _)| Arc::ptr_eq(k, key)) {
                return Ok(f(v));
            }
        }
        let value = self.get_or_try_insert(key, build)?;
        // Busy (a lookup of this cache from inside its own `f`): just skip remembering.
        if let Ok(mut slots) = hot.try_borrow_mut() {
            if slots.len() == THREAD_SLOTS {
                slots.remove(0);
            }
            slots.push((key.clone(), value.clone()));
        }
        Ok(f(&value))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{schemas, SchemaBuilder};

    fn schema(field: &str) -> SchemaRef {
        SchemaBuilder::struct_()
            .field(field, schemas::int32())
            .build_ref()
    }

    #[test]
    fn with_builds_once_per_schema_and_tells_caches_apart() {
        let a: SchemaCache<String> = SchemaCache::new();
        let b: SchemaCache<String> = SchemaCache::new();
        let (x, y) = (schema("x"), schema("y"));
        let builds = std::cell::Cell::new(0);
        let build = |s: &str| {
            builds.set(builds.get() + 1);
            Ok(s.to_string())
        };
        for _ in 0..3 {
            assert_eq!(a.with(&x, || build("ax"), |v| v.clone()).unwrap(), "ax");
            assert_eq!(b.with(&x, || build("bx"), |v| v.clone()).unwrap(), "bx");
            assert_eq!(a.with(&y, || build("ay"), |v| v.clone()).unwrap(), "ay");
        }
        assert_eq!(builds.get(), 3);
        // An equal schema in another `Arc` hits the shared LRU (no rebuild).
        assert_eq!(
            a.with(&schema("x"), || build("again"), |v| v.clone())
                .unwrap(),
            "ax"
        );
        assert_eq!(builds.get(), 3);
        // Other threads find the shared entries too.
        std::thread::scope(|s| {
            s.spawn(|| {
                assert_eq!(
                    a.with(&x, || Ok("other".into()), |v| v.clone()).unwrap(),
                    "ax"
                );
            });
        });
    }

    #[test]
    fn a_lookup_inside_another_lookup_still_answers() {
        let outer: SchemaCache<u32> = SchemaCache::new();
        let inner: SchemaCache<u32> = SchemaCache::new();
        let x = schema("x");
        for _ in 0..2 {
            let got = outer
                .with(
                    &x,
                    || Ok(1),
                    |o| *o + inner.with(&x, || Ok(10), |i| *i).unwrap(),
                )
                .unwrap();
            assert_eq!(got, 11);
        }
    }

    #[test]
    fn build_errors_are_returned_and_not_cached() {
        let c: SchemaCache<u32> = SchemaCache::new();
        let x = schema("x");
        let err = c
            .with(&x, || Err(crate::error::ConnectError::data("nope")), |v| *v)
            .unwrap_err();
        assert!(err.to_string().contains("nope"));
        assert_eq!(c.with(&x, || Ok(5), |v| *v).unwrap(), 5);
    }
}
