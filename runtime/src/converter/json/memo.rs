//! Per-thread memos of the last few schemas each thread converted, so the per-record path
//! takes no lock: one maps a schema (by `Arc` identity) to the JSON this converter writes for
//! it, the other maps schema JSON text seen on input to its parsed schema.
//!
//! A slot holds a strong reference to its schema, so the pointer it is keyed by cannot be
//! reused by another schema while the slot lives.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::data::SchemaRef;

/// Slots per thread and direction.
const SLOTS: usize = 8;

/// A fresh id for a converter instance (memos never mix converters with different settings).
pub fn next_owner_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct Slot {
    owner: u64,
    schema: SchemaRef,
    json: Arc<str>,
}

#[derive(Default)]
struct Slots {
    slots: Vec<Slot>,
    next: usize,
}

impl Slots {
    fn insert(&mut self, slot: Slot) {
        if self.slots.len() < SLOTS {
            self.slots.push(slot);
        } else {
            self.slots[self.next] = slot;
            self.next = (self.next + 1) % SLOTS;
        }
    }
}

thread_local! {
    static WRITTEN: RefCell<Slots> = RefCell::new(Slots::default());
    static READ: RefCell<Slots> = RefCell::new(Slots::default());
}

/// Appends the memoized JSON of `schema` for converter `owner`; false if not memoized.
pub fn append_written(owner: u64, schema: &SchemaRef, out: &mut Vec<u8>) -> bool {
    WRITTEN.with(|cell| {
        let slots = cell.borrow();
        match slots
            .slots
            .iter()
            .find(|s| s.owner == owner && Arc::ptr_eq(&s.schema, schema))
        {
            Some(slot) => {
                out.extend_from_slice(slot.json.as_bytes());
                true
            }
            None => false,
        }
    })
}

/// Remembers the JSON converter `owner` wrote for `schema`.
pub fn remember_written(owner: u64, schema: &SchemaRef, json: &[u8]) {
    let Ok(text) = std::str::from_utf8(json) else {
        return;
    };
    WRITTEN.with(|cell| {
        cell.borrow_mut().insert(Slot {
            owner,
            schema: schema.clone(),
            json: text.into(),
        })
    });
}

/// The schema whose JSON text `text` starts with, and that text's length, if memoized.
/// A JSON object is complete at its closing brace, so a prefix match is the whole value.
pub fn match_read(owner: u64, text: &str) -> Option<(SchemaRef, usize)> {
    READ.with(|cell| {
        let slots = cell.borrow();
        slots
            .slots
            .iter()
            .find(|s| s.owner == owner && text.starts_with(&*s.json))
            .map(|s| (s.schema.clone(), s.json.len()))
    })
}

/// Remembers that converter `owner` parsed `json` into `schema`.
pub fn remember_read(owner: u64, json: &str, schema: &SchemaRef) {
    if !json.starts_with('{') {
        return;
    }
    READ.with(|cell| {
        cell.borrow_mut().insert(Slot {
            owner,
            schema: schema.clone(),
            json: json.into(),
        })
    });
}
