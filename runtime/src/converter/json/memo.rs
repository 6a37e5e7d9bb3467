//! Per-thread memos of the last few schemas each thread converted, so the per-record path
//! takes no lock: one maps a schema (by `Arc` identity) to the JSON this converter writes for
//! it, the other maps schema JSON text seen on input to its parsed schema.
//!
//! A slot holds a strong reference to its schema, so the pointer it is keyed by cannot be
//! reused by another schema while the slot lives.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::write::write_str;
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
    /// For a struct schema written by this converter: each field's key, escaped and ready to
    /// copy (`"name":`, with the separating comma before all but the first).
    keys: Option<FieldKeys>,
}

/// A struct schema's field keys as the JSON writer copies them: `"name":`, escaped, with the
/// separating comma before all but the first.
pub type FieldKeys = Arc<[Box<[u8]>]>;

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

/// Looks up what converter `owner` wrote for `schema` on this thread. On a hit, appends the
/// schema's JSON to `out` if `append_json`, and returns the struct field keys (`None` for
/// other schemas); `None` on a miss.
pub fn lookup_written(
    owner: u64,
    schema: &SchemaRef,
    out: &mut Vec<u8>,
    append_json: bool,
) -> Option<Option<FieldKeys>> {
    WRITTEN.with(|cell| {
        let slots = cell.borrow();
        let slot = slots
            .slots
            .iter()
            .find(|s| s.owner == owner && Arc::ptr_eq(&s.schema, schema))?;
        if append_json {
            out.extend_from_slice(slot.json.as_bytes());
        }
        Some(slot.keys.clone())
    })
}

/// Remembers the JSON converter `owner` wrote for `schema`; returns the struct field keys
/// it made for it (`None` for other schemas).
pub fn remember_written(owner: u64, schema: &SchemaRef, json: &[u8]) -> Option<FieldKeys> {
    let text = std::str::from_utf8(json).ok()?;
    let keys: Option<FieldKeys> = (!schema.fields.is_empty()).then(|| {
        schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut key = Vec::with_capacity(f.name.len() + 4);
                if i > 0 {
                    key.push(b',');
                }
                write_str(&mut key, &f.name);
                key.push(b':');
                key.into_boxed_slice()
            })
            .collect()
    });
    WRITTEN.with(|cell| {
        cell.borrow_mut().insert(Slot {
            owner,
            schema: schema.clone(),
            json: text.into(),
            keys: keys.clone(),
        })
    });
    keys
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
            keys: None,
        })
    });
}
