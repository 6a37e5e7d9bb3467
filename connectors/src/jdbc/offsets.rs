//! Source offsets: Confluent's per-table position (`{"incrementing":N,"timestamp":ms,
//! "timestamp_nanos":ns}`) and the key-range split of an `incrementing` table's initial load.
//!
//! Split load: when `tasks.max` exceeds the number of tables in `incrementing` mode, the
//! connector plans, per table, a handover id `H` (the largest id at start) and bounds
//! `b1 < … < b(n-1)` spread evenly over the ids, and gives the table to `n` tasks. Slice 0,
//! the owner, keeps Confluent's partition and offsets: it reads `id ≤ b1` in order, then goes
//! on from `H` as a plain incrementing querier. Slice `k ≥ 1` reads `b(k) < id ≤ b(k+1)`
//! (`≤ H` for the last) once, under its own partition (Confluent's plus
//! `"initial.load.slice":"k/n"`), whose offsets carry the plan (`split.upper`, `split.b1`…)
//! and, on the slice's last row, `split.done`.
//!
//! In `timestamp+incrementing` mode the plan also holds a handover time `T` (the safe upper
//! bound when planned): the owner starts at `(T, -1)` and reads no range itself, while `n`
//! slices (`0/n` … the owner's task runs slice 0 beside it) read the rows with a timestamp
//! before `T` by id ranges (the last one open-ended).
//!
//! The plan in force is the one stored in any slice's offset (all slices of a load store the
//! same), so a restart with fresh config bounds keeps the ranges already under way; without
//! a stored plan, the config's plan applies only while the owner has no offset (a fresh
//! table): a table read before is never split again. Changing `tasks.max` mid-load starts
//! over from the owner's offset (rows may repeat, none is lost).

use ferroconnect_runtime::connector::OffsetReader;
use ferroconnect_runtime::data::OffsetMap;

use super::types::micros_to_millis;

/// Offset key of the incrementing column's last value.
pub const INCREMENTING_FIELD: &str = "incrementing";
/// Offset key of the timestamp in epoch milliseconds.
pub const TIMESTAMP_FIELD: &str = "timestamp";
/// Offset key of the timestamp's nanoseconds within its second.
pub const TIMESTAMP_NANOS_FIELD: &str = "timestamp_nanos";
/// Partition key naming a split load's slice (`"k/n"`).
pub const SLICE_KEY: &str = "initial.load.slice";
/// Slice offset key of the plan's handover id.
const UPPER_FIELD: &str = "split.upper";
/// Slice offset key of the plan's handover time (epoch microseconds), timestamp modes.
const TS_UPPER_FIELD: &str = "split.ts_upper";
/// Slice offset key set to 1 on a slice's last row.
const DONE_FIELD: &str = "split.done";

/// The position reached in a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// Last timestamp, microseconds since 1970.
    pub ts_micros: Option<i64>,
    /// Last incrementing value.
    pub inc: Option<i64>,
}

impl Position {
    /// Reads a Confluent offset map.
    pub fn from_offset(o: &OffsetMap) -> Position {
        let inc = o.get(INCREMENTING_FIELD).and_then(|v| v.as_i64());
        let ts_micros = o.get(TIMESTAMP_FIELD).and_then(|v| v.as_i64()).map(|ms| {
            match o.get(TIMESTAMP_NANOS_FIELD).and_then(|v| v.as_i64()) {
                Some(ns) => ms.div_euclid(1000) * 1_000_000 + ns / 1000,
                None => ms * 1000,
            }
        });
        Position { ts_micros, inc }
    }

    /// Writes a Confluent offset map (`incrementing`, `timestamp`, `timestamp_nanos`).
    pub fn to_offset(self) -> OffsetMap {
        let mut m = OffsetMap::new();
        if let Some(i) = self.inc {
            m.insert(INCREMENTING_FIELD.into(), i.into());
        }
        if let Some(t) = self.ts_micros {
            m.insert(TIMESTAMP_FIELD.into(), micros_to_millis(t).into());
            m.insert(
                TIMESTAMP_NANOS_FIELD.into(),
                (t.rem_euclid(1_000_000) * 1000).into(),
            );
        }
        m
    }
}

/// A split load's plan: the handover id and the bounds between slices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitPlan {
    /// Handover id `H`: the owner goes on after it; the last slice ends at it.
    pub upper: i64,
    /// `b1 … b(n-1)`, ascending.
    pub bounds: Vec<i64>,
    /// `timestamp+incrementing`: the handover time `T` (epoch microseconds).
    pub ts_upper: Option<i64>,
}

impl SplitPlan {
    /// `n` slices spread evenly over ids `min ..= max` (`None` if `n < 2` or too few ids).
    pub fn even(min: i64, max: i64, n: u32) -> Option<SplitPlan> {
        let span = (max as i128) - (min as i128) + 1;
        if n < 2 || span < n as i128 {
            return None;
        }
        let bounds = (1..n as i128)
            .map(|k| (min as i128 + span * k / n as i128 - 1) as i64)
            .collect();
        Some(SplitPlan {
            upper: max,
            bounds,
            ts_upper: None,
        })
    }

    /// Number of slices.
    pub fn count(&self) -> u32 {
        self.bounds.len() as u32 + 1
    }

    /// The ids `(lo, hi]` of slice `k` (`lo` is `None` for the first slice's open start; the
    /// last slice ends at `H`, or goes on with a handover time).
    pub fn range(&self, k: u32) -> (Option<i64>, i64) {
        let k = k as usize;
        let lo = k.checked_sub(1).and_then(|i| self.bounds.get(i)).copied();
        let last = if self.ts_upper.is_some() {
            i64::MAX
        } else {
            self.upper
        };
        let hi = self.bounds.get(k).copied().unwrap_or(last);
        (lo, hi)
    }

    /// The plan as task config JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"upper": self.upper, "bounds": self.bounds, "ts_upper": self.ts_upper})
    }

    /// A plan from task config JSON.
    pub fn from_json(v: &serde_json::Value) -> Option<SplitPlan> {
        let upper = v.get("upper")?.as_i64()?;
        let bounds = v
            .get("bounds")?
            .as_array()?
            .iter()
            .map(|b| b.as_i64())
            .collect::<Option<Vec<i64>>>()?;
        let ts_upper = v.get("ts_upper").and_then(|t| t.as_i64());
        Some(SplitPlan {
            upper,
            bounds,
            ts_upper,
        })
    }

    /// A slice's offset: its last id, the plan, and `split.done` on its last row.
    pub fn slice_offset(&self, last: i64, done: bool) -> OffsetMap {
        let mut m = OffsetMap::new();
        m.insert(INCREMENTING_FIELD.into(), last.into());
        m.insert(UPPER_FIELD.into(), self.upper.into());
        if let Some(t) = self.ts_upper {
            m.insert(TS_UPPER_FIELD.into(), t.into());
        }
        for (i, b) in self.bounds.iter().enumerate() {
            m.insert(format!("split.b{}", i + 1), (*b).into());
        }
        m.insert(DONE_FIELD.into(), i64::from(done).into());
        m
    }

    /// The plan stored in a slice's offset of a load over `n` slices.
    fn from_slice_offset(o: &OffsetMap, n: u32) -> Option<SplitPlan> {
        let upper = o.get(UPPER_FIELD)?.as_i64()?;
        let bounds = (1..n)
            .map(|i| o.get(&format!("split.b{i}")).and_then(|v| v.as_i64()))
            .collect::<Option<Vec<i64>>>()?;
        let ts_upper = o.get(TS_UPPER_FIELD).and_then(|v| v.as_i64());
        Some(SplitPlan {
            upper,
            bounds,
            ts_upper,
        })
    }
}

/// A slice's stored progress: its last id and whether it finished.
pub fn slice_progress(o: &OffsetMap) -> (Option<i64>, bool) {
    (
        o.get(INCREMENTING_FIELD).and_then(|v| v.as_i64()),
        o.get(DONE_FIELD).and_then(|v| v.as_i64()) == Some(1),
    )
}

/// The partition of slice `k` of `n` of the table whose Confluent partition is `base`.
pub fn slice_partition(base: &OffsetMap, k: u32, n: u32) -> OffsetMap {
    let mut p = base.clone();
    p.insert(SLICE_KEY.into(), format!("{k}/{n}").into());
    p
}

/// The plan in force for a table split `n` ways: the one stored by any slice, else the
/// config's while the owner (Confluent's partition `base`) has no offset.
pub fn effective_plan(
    offsets: &dyn OffsetReader,
    base: &OffsetMap,
    n: u32,
    config: Option<&SplitPlan>,
) -> Option<SplitPlan> {
    let stored = (0..n).find_map(|k| {
        offsets
            .offset(&slice_partition(base, k, n))
            .and_then(|o| SplitPlan::from_slice_offset(&o, n))
    });
    match stored {
        Some(p) => Some(p),
        None if offsets.offset(base).is_none() => config.filter(|p| p.count() == n).cloned(),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::HashMap;
    use std::sync::Mutex;

    #[test]
    fn offsets_round_trip_in_confluents_shape() {
        let p = Position {
            ts_micros: Some(1_700_000_000_123_456),
            inc: Some(42),
        };
        let o = p.to_offset();
        assert_eq!(
            serde_json::Value::Object(o.clone()).to_string(),
            r#"{"incrementing":42,"timestamp":1700000000123,"timestamp_nanos":123456000}"#
        );
        assert_eq!(Position::from_offset(&o), p);
    }

    #[test]
    fn plans_cover_every_id_once() {
        let p = SplitPlan::even(1, 1000, 3).unwrap();
        assert_eq!(p.bounds, vec![333, 666]);
        assert_eq!(p.range(0), (None, 333));
        assert_eq!(p.range(1), (Some(333), 666));
        assert_eq!(p.range(2), (Some(666), 1000));
        assert_eq!(SplitPlan::even(5, 6, 3), None);
        assert_eq!(SplitPlan::even(1, 10, 1), None);
        let wide = SplitPlan::even(i64::MIN, i64::MAX, 2).unwrap();
        assert_eq!(wide.bounds, vec![-1]);
        assert_eq!(SplitPlan::from_json(&p.to_json()), Some(p.clone()));
        // With a handover time every slice reads a range, the last one open-ended.
        let t = SplitPlan {
            ts_upper: Some(1_700_000_000_000_000),
            ..p
        };
        assert_eq!(t.range(2), (Some(666), i64::MAX));
        assert_eq!(SplitPlan::from_json(&t.to_json()), Some(t.clone()));
        let o = t.slice_offset(7, true);
        assert_eq!(slice_progress(&o), (Some(7), true));
        assert_eq!(SplitPlan::from_slice_offset(&o, 3), Some(t));
    }

    struct Offsets(Mutex<HashMap<String, OffsetMap>>);
    impl OffsetReader for Offsets {
        fn offset(&self, partition: &OffsetMap) -> Option<OffsetMap> {
            let key = serde_json::Value::Object(partition.clone()).to_string();
            self.0.lock().unwrap().get(&key).cloned()
        }
    }

    #[test]
    fn a_stored_plan_wins_and_a_read_table_is_not_split_again() {
        let mut base = OffsetMap::new();
        base.insert("table".into(), "db.public.t".into());
        let stored = SplitPlan::even(1, 90, 3).unwrap();
        let fresh = SplitPlan::even(1, 300, 3).unwrap();
        let offsets = Offsets(Mutex::new(HashMap::new()));
        // Fresh table: the config's plan.
        assert_eq!(
            effective_plan(&offsets, &base, 3, Some(&fresh)),
            Some(fresh.clone())
        );
        // A slice stored its plan: it wins over the config's.
        let key = |p: &OffsetMap| serde_json::Value::Object(p.clone()).to_string();
        let o = stored.slice_offset(40, false);
        assert_eq!(slice_progress(&o), (Some(40), false));
        offsets
            .0
            .lock()
            .unwrap()
            .insert(key(&slice_partition(&base, 2, 3)), o);
        assert_eq!(
            effective_plan(&offsets, &base, 3, Some(&fresh)),
            Some(stored.clone())
        );
        // The owner read the table before, without a split: no split.
        let offsets = Offsets(Mutex::new(HashMap::new()));
        offsets
            .0
            .lock()
            .unwrap()
            .insert(key(&base), Position::default().to_offset());
        assert_eq!(effective_plan(&offsets, &base, 3, Some(&fresh)), None);
    }
}
