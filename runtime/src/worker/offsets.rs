//! Source offset tracking: offsets advance only over contiguously acknowledged records.
//!
//! Each `poll()` batch becomes one [`PendingBatch`] holding the last offset of every source
//! partition it touched and a shared [`BatchAck`] counter that the producer's delivery callback
//! decrements (one atomic operation per record, no lock). Batches complete in poll order: a
//! batch's offsets become committable only once it and every earlier batch are fully acked, so
//! a committed offset never skips an unacknowledged record.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::data::OffsetMap;

/// Delivery state of one poll batch, shared with the producer's delivery callback.
#[derive(Debug, Default)]
pub struct BatchAck {
    remaining: AtomicUsize,
    error: Mutex<Option<String>>,
}

impl BatchAck {
    /// A batch with nothing in flight yet.
    pub fn new() -> Arc<BatchAck> {
        Arc::new(BatchAck::default())
    }
    /// One more record is in flight.
    pub fn add(&self) {
        self.remaining.fetch_add(1, Ordering::Relaxed);
    }
    /// A record was delivered (or failed with `error`). Returns true if it was the last.
    pub fn done(&self, error: Option<String>) -> bool {
        if let Some(e) = error {
            let mut slot = self.error.lock();
            if slot.is_none() {
                *slot = Some(e);
            }
        }
        self.remaining.fetch_sub(1, Ordering::AcqRel) == 1
    }
    /// Records sent but not acknowledged yet.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::Relaxed)
    }
    /// True when every record of the batch was acknowledged.
    pub fn is_complete(&self) -> bool {
        self.remaining.load(Ordering::Acquire) == 0
    }
    /// The first delivery error, if any.
    pub fn take_error(&self) -> Option<String> {
        self.error.lock().take()
    }
}

/// The last offset per source partition of a group of records.
#[derive(Debug, Default)]
pub struct PartitionOffsets {
    entries: Vec<(Arc<OffsetMap>, OffsetMap)>,
}

impl PartitionOffsets {
    /// Records `offset` as the latest of `partition` (cheap when consecutive records share
    /// the partition `Arc`, as connectors usually do). An empty offset is the JVM's null
    /// offset: nothing to record (a connector may set the offset only on the last record of
    /// a batch, since a batch is acknowledged as a whole).
    pub fn update(&mut self, partition: Arc<OffsetMap>, offset: OffsetMap) {
        if offset.is_empty() {
            return;
        }
        if let Some(last) = self.entries.last_mut() {
            if Arc::ptr_eq(&last.0, &partition) {
                last.1 = offset;
                return;
            }
        }
        match self
            .entries
            .iter_mut()
            .find(|(p, _)| Arc::ptr_eq(p, &partition) || **p == *partition)
        {
            Some(e) => e.1 = offset,
            None => self.entries.push((partition, offset)),
        }
    }
    /// Merges newer offsets in.
    pub fn merge(&mut self, newer: PartitionOffsets) {
        for (p, o) in newer.entries {
            self.update(p, o);
        }
    }
    /// True if nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Takes the entries as store entries.
    pub fn take(&mut self) -> Vec<(OffsetMap, Option<OffsetMap>)> {
        std::mem::take(&mut self.entries)
            .into_iter()
            .map(|(p, o)| (Arc::unwrap_or_clone(p), Some(o)))
            .collect()
    }
}

/// One poll batch awaiting acknowledgement.
pub struct PendingBatch {
    /// Delivery state.
    pub ack: Arc<BatchAck>,
    /// The batch's last offsets.
    pub offsets: PartitionOffsets,
}

/// Tracks in-flight batches and the offsets that are safe to commit.
#[derive(Default)]
pub struct OffsetTracker {
    pending: VecDeque<PendingBatch>,
    committable: PartitionOffsets,
}

impl OffsetTracker {
    /// A tracker with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a fully sent batch.
    pub fn push(&mut self, batch: PendingBatch) {
        self.pending.push_back(batch);
    }
    /// Moves completed batches (in order) into the committable offsets. Returns the first
    /// delivery error met; that batch still counts as done (the caller decides whether the
    /// error is tolerated).
    pub fn collect(&mut self) -> Option<String> {
        let mut first_error = None;
        while self.pending.front().is_some_and(|b| b.ack.is_complete()) {
            if let Some(b) = self.pending.pop_front() {
                if let Some(e) = b.ack.take_error() {
                    first_error.get_or_insert(e);
                }
                self.committable.merge(b.offsets);
            }
        }
        first_error
    }
    /// Batches still waiting for acks.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
    /// Records of pending batches not acknowledged yet (the in-flight gauge, sampled once per
    /// poll loop instead of counted per record).
    pub fn in_flight_records(&self) -> usize {
        self.pending.iter().map(|b| b.ack.remaining()).sum()
    }
    /// Takes the committable offsets.
    pub fn take_committable(&mut self) -> Vec<(OffsetMap, Option<OffsetMap>)> {
        self.committable.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: serde_json::Value) -> OffsetMap {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn offsets_advance_only_over_contiguous_acks() {
        let p = Arc::new(m(json!({"f": "a"})));
        let mut t = OffsetTracker::new();
        let mut batches = Vec::new();
        for i in 1..=3 {
            let ack = BatchAck::new();
            ack.add();
            ack.add();
            let mut offsets = PartitionOffsets::default();
            offsets.update(p.clone(), m(json!({"position": i * 10 - 5})));
            offsets.update(p.clone(), m(json!({"position": i * 10})));
            batches.push(ack.clone());
            t.push(PendingBatch { ack, offsets });
        }
        // Batch 2 fully acked, batch 1 half: nothing committable.
        batches[1].done(None);
        batches[1].done(None);
        batches[0].done(None);
        assert_eq!(t.collect(), None);
        assert!(t.take_committable().is_empty());
        batches[0].done(None);
        t.collect();
        assert_eq!(
            t.take_committable(),
            vec![((*p).clone(), Some(m(json!({"position": 20}))))]
        );
        assert_eq!(t.pending(), 1);
        batches[2].done(Some("boom".into()));
        assert!(!batches[2].is_complete());
        batches[2].done(None);
        assert_eq!(t.collect().as_deref(), Some("boom"));
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn equal_partitions_in_distinct_arcs_merge() {
        let mut o = PartitionOffsets::default();
        o.update(Arc::new(m(json!({"t": 1}))), m(json!({"p": 1})));
        o.update(Arc::new(m(json!({"t": 2}))), m(json!({"p": 1})));
        o.update(Arc::new(m(json!({"t": 1}))), m(json!({"p": 2})));
        let all = o.take();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].1, Some(m(json!({"p": 2}))));
    }
}
