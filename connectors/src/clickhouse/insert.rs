//! Sending blocks: retries with backoff for transient errors, and — when bad rows are to be
//! dead-lettered — isolating the rows a server rejects by splitting the block.

use std::time::Duration;

use bytes::Bytes;

use super::client::{ChClient, ChError, Features};

/// Server codes that mean the table, the columns, the settings or the connection are
/// wrong, not the rows (no such column/identifier, unknown setting, table or database, auth).
const NOT_ROW_ERRORS: &[u32] = &[16, 47, 60, 81, 115, 192, 193, 194, 195, 497, 516];

/// One block to send.
pub struct InsertJob {
    /// The INSERT statement.
    pub sql: std::sync::Arc<str>,
    /// The encoded rows.
    pub body: Bytes,
    /// End of each row in `body`.
    pub row_ends: Vec<usize>,
    /// Deduplication token (exactly-once).
    pub token: Option<String>,
    /// Settings of this insert (text formats: skip unknown fields, parse dates leniently).
    pub settings: Vec<(&'static str, String)>,
    /// Split the block to find rejected rows instead of failing it.
    pub isolate: bool,
}

/// Settings for inserts in text formats: fields without a column are skipped, and (on
/// servers that have it) date-times are read in any common form.
pub fn text_settings(sql: &str, features: Features) -> Vec<(&'static str, String)> {
    if sql.ends_with("RowBinary") || sql.ends_with("RowBinaryWithDefaults") {
        return Vec::new();
    }
    let mut s = vec![("input_format_skip_unknown_fields", "1".to_string())];
    if features.modern_settings {
        s.push(("date_time_input_format", "best_effort".to_string()));
    }
    s
}

/// The outcome of a sent block: rows the server rejected (index, error), if isolating.
pub type Rejected = Vec<(usize, ChError)>;

/// Sends `block` with up to `retries` retries of transient errors.
pub async fn send(client: &ChClient, block: InsertJob, retries: u32) -> Result<Rejected, ChError> {
    let mut rejected = Vec::new();
    let rows = block.row_ends.len();
    // Work list of row ranges, in order; a range that fails with a row error is split.
    let mut todo = vec![(0usize, rows)];
    while let Some((a, b)) = todo.pop() {
        let start = if a == 0 { 0 } else { block.row_ends[a - 1] };
        let end = if b == 0 { 0 } else { block.row_ends[b - 1] };
        let whole = a == 0 && b == rows;
        let token = block.token.as_ref().map(|t| {
            if whole {
                t.clone()
            } else {
                format!("{t}:{a}-{b}")
            }
        });
        match send_with_retries(
            client,
            &block.sql,
            block.body.slice(start..end),
            token,
            &block.settings,
            retries,
        )
        .await
        {
            Ok(()) => {}
            Err(e)
                if block.isolate
                    && !e.retriable
                    && !e.code.is_some_and(|c| NOT_ROW_ERRORS.contains(&c)) =>
            {
                if b - a == 1 {
                    rejected.push((a, e));
                } else {
                    let mid = a + (b - a) / 2;
                    todo.push((mid, b));
                    todo.push((a, mid));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(rejected)
}

async fn send_with_retries(
    client: &ChClient,
    sql: &str,
    body: Bytes,
    token: Option<String>,
    extra: &[(&'static str, String)],
    retries: u32,
) -> Result<(), ChError> {
    let mut settings: Vec<(&str, String)> = extra.to_vec();
    if let Some(t) = token {
        settings.push(("insert_deduplication_token", t));
    }
    let mut attempt = 0;
    loop {
        match client.insert(sql, body.clone(), &settings).await {
            Ok(()) => return Ok(()),
            Err(e) if e.retriable && attempt < retries => {
                attempt += 1;
                let delay = Duration::from_millis(250u64 << attempt.min(5));
                tracing::warn!(error = %e, attempt, "ClickHouse insert failed; retrying in {delay:?}");
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}
