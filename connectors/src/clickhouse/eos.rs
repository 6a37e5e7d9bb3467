//! Exactly-once state kept in ClickHouse itself (no KeeperMap).
//!
//! Before a round of blocks for a topic-partition is inserted, the task records the round's
//! offset range `[first, last]` in the state table. Every block of the round is inserted with
//! an `insert_deduplication_token` derived from that range, so the same rows sent twice are
//! stored once. After a crash (or a failed insert) the task reads the last range back: records
//! before `first` are already in ClickHouse and are skipped; the records of `[first, last]`
//! are re-formed into exactly the same blocks, with the same tokens, so whatever part of the
//! round had landed is deduplicated by the server; later records continue as usual.
//!
//! Requires ClickHouse 22.2+ (`insert_deduplication_token`) and, for non-replicated
//! MergeTree tables, the table setting `non_replicated_deduplication_window` > 0 (replicated
//! tables deduplicate by default). The task checks both at start.

use std::collections::HashMap;

use ferroconnect_runtime::data::TopicPartition;

use super::client::{quote_ident, quote_str, ChClient, ChError};

/// The state table of one connector.
pub struct EosState {
    /// `` `db`.`table` ``.
    pub table: String,
    /// The connector name (state key).
    pub connector: String,
    /// Version of the next state row (monotonic per task).
    next_version: i64,
}

/// A round's offset range.
pub type Range = (i64, i64);

impl EosState {
    /// Creates the state table if missing.
    pub async fn open(
        client: &ChClient,
        db: &str,
        table: &str,
        connector: &str,
    ) -> Result<EosState, ChError> {
        let qualified = format!("{}.{}", quote_ident(db), quote_ident(table));
        client
            .execute(&format!(
                "CREATE TABLE IF NOT EXISTS {qualified} (connector String, topic String, \
                 partition Int32, first_offset Int64, last_offset Int64, version Int64) \
                 ENGINE = ReplacingMergeTree(version) ORDER BY (connector, topic, partition)"
            ))
            .await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Ok(EosState {
            table: qualified,
            connector: connector.to_string(),
            next_version: now,
        })
    }

    /// The last recorded range of each of `partitions`.
    pub async fn load(
        &self,
        client: &ChClient,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, Range>, ChError> {
        let mut out = HashMap::new();
        if partitions.is_empty() {
            return Ok(out);
        }
        let text = client
            .query_text(&format!(
                "SELECT topic, partition, argMax(first_offset, version), \
                 argMax(last_offset, version) FROM {} WHERE connector = {} \
                 GROUP BY topic, partition",
                self.table,
                quote_str(&self.connector)
            ))
            .await?;
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                continue;
            }
            let (Ok(p), Ok(first), Ok(last)) = (f[1].parse(), f[2].parse(), f[3].parse()) else {
                continue;
            };
            let tp = TopicPartition::new(f[0], p);
            if partitions.contains(&tp) {
                out.insert(tp, (first, last));
            }
        }
        Ok(out)
    }

    /// Records the ranges of the rounds about to be inserted (one INSERT for all).
    pub async fn record(
        &mut self,
        client: &ChClient,
        ranges: &[(TopicPartition, Range)],
    ) -> Result<(), ChError> {
        if ranges.is_empty() {
            return Ok(());
        }
        let mut values = Vec::with_capacity(ranges.len());
        for (tp, (first, last)) in ranges {
            self.next_version += 1;
            values.push(format!(
                "({}, {}, {}, {first}, {last}, {})",
                quote_str(&self.connector),
                quote_str(&tp.topic),
                tp.partition,
                self.next_version
            ));
        }
        client
            .execute(&format!(
                "INSERT INTO {} (connector, topic, partition, first_offset, last_offset, version) VALUES {}",
                self.table,
                values.join(", ")
            ))
            .await
    }

    /// The deduplication token of block `index` of a round.
    pub fn token(&self, tp: &TopicPartition, range: Range, index: usize) -> String {
        format!(
            "{}:{}:{}:{}-{}:{index}",
            self.connector, tp.topic, tp.partition, range.0, range.1
        )
    }
}

/// Checks that inserts into a table are deduplicated by token; the error names the table and
/// the setting to add.
pub async fn check_dedup(client: &ChClient, db: &str, table: &str) -> Result<(), String> {
    let text = client
        .query_text(&format!(
            "SELECT engine, engine_full FROM system.tables WHERE database = {} AND name = {}",
            quote_str(db),
            quote_str(table)
        ))
        .await
        .map_err(|e| e.to_string())?;
    let line = text.lines().next().unwrap_or("");
    let (engine, full) = line.split_once('\t').unwrap_or((line, ""));
    if engine.starts_with("Replicated") {
        return Ok(());
    }
    if !engine.contains("MergeTree") {
        return Err(format!(
            "exactlyOnce=true needs a MergeTree-family table, but {db}.{table} has engine {engine:?}"
        ));
    }
    let window = full
        .split("non_replicated_deduplication_window")
        .nth(1)
        .and_then(|rest| {
            rest.trim_start_matches([' ', '='])
                .split(|c: char| !c.is_ascii_digit())
                .next()
        })
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    if window == 0 {
        return Err(format!(
            "exactlyOnce=true: {db}.{table} is a non-replicated {engine} without deduplication; \
             run ALTER TABLE {db}.{table} MODIFY SETTING non_replicated_deduplication_window = 1000 \
             (or use a Replicated engine)"
        ));
    }
    Ok(())
}
