//! FileStreamSource: reads lines of a file (or stdin) and emits one string record per line.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ferroconnect_runtime::config::{ConfigMap, ConfigReader};
use ferroconnect_runtime::connector::{
    Connector, ConnectorContext, SourceConnector, SourceTask, SourceTaskContext,
};
use ferroconnect_runtime::data::{
    schemas, ConnectRecord, OffsetMap, SchemaRef, SourceRecord, Value,
};
use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

use super::{source_config_def, BATCH_SIZE_CONFIG, FILE_CONFIG, TOPIC_CONFIG, VERSION};

/// Offset key holding the byte position after the last emitted line.
pub const POSITION_FIELD: &str = "position";
/// Partition key holding the file name.
pub const FILENAME_FIELD: &str = "filename";

/// How long a poll waits for new data before returning an empty batch.
const IDLE_WAIT: Duration = Duration::from_millis(100);
/// Bytes read from the file per read call.
const READ_CHUNK: usize = 1 << 20;

/// Most records a poll reserves room for up front (larger batches grow as they fill).
const MAX_BATCH_RESERVE: usize = 1 << 16;

/// Position of the first `\n` or `\r`, scanning eight bytes at a time (lines are mostly
/// longer than a word, and neither byte is common inside them).
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    const NL: u64 = u64::from_ne_bytes([b'\n'; 8]);
    const CR: u64 = u64::from_ne_bytes([b'\r'; 8]);
    // Non-zero iff some byte of `x` is zero (exact test; no false positives).
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_ne_bytes(word);
        if has_zero(w ^ NL) | has_zero(w ^ CR) != 0 {
            return chunk
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map(|i| base + i);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|i| base + i)
}

/// A line as a string: valid UTF-8 is copied as is (the common case, checked quickly), anything
/// else with U+FFFD replacement characters as Java's decoder does.
fn line_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The file source connector: one task reading one file.
#[derive(Default)]
pub struct FileStreamSourceConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for FileStreamSourceConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ferroconnect_runtime::config::ConfigDef {
        source_config_def()
    }

    async fn start(
        &mut self,
        config: ConfigMap,
        _context: Arc<dyn ConnectorContext>,
    ) -> ConnectResult<()> {
        source_config_def()
            .check(&config)
            .map_err(ConnectError::config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        let def = source_config_def();
        let reader = ConfigReader::new(&def, &self.config);
        let mut task = ConfigMap::new();
        task.insert(
            FILE_CONFIG.into(),
            reader.string(FILE_CONFIG).map_err(ConnectError::config)?,
        );
        task.insert(
            TOPIC_CONFIG.into(),
            reader
                .string(TOPIC_CONFIG)
                .map_err(ConnectError::config)?
                .trim()
                .to_string(),
        );
        task.insert(
            BATCH_SIZE_CONFIG.into(),
            reader
                .string(BATCH_SIZE_CONFIG)
                .map_err(ConnectError::config)?,
        );
        Ok(vec![task])
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(FileStreamSourceTask::default())
    }

    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        for (partition, offset) in offsets {
            let Some(offset) = offset else { continue };
            if !partition.contains_key(FILENAME_FIELD) {
                return Err(ConnectError::other(format!(
                    "Partition objects should contain the key '{FILENAME_FIELD}'"
                )));
            }
            let Some(position) = offset.get(POSITION_FIELD) else {
                return Err(ConnectError::other(format!(
                    "Offset objects should either be null or contain the key '{POSITION_FIELD}'"
                )));
            };
            match position.as_i64() {
                Some(p) if p >= 0 => {}
                Some(_) => {
                    return Err(ConnectError::other(format!(
                        "The value for the '{POSITION_FIELD}' key in the offset should be a non-negative value"
                    )))
                }
                None => {
                    return Err(ConnectError::other(format!(
                        "The value for the '{POSITION_FIELD}' key in the offset is expected to be a Long value"
                    )))
                }
            }
        }
        Ok(true)
    }
}

/// The file source task.
#[derive(Default)]
pub struct FileStreamSourceTask {
    filename: String,
    topic: String,
    batch_size: usize,
    partition: Arc<OffsetMap>,
    schema: Option<SchemaRef>,
    reader: Option<Box<dyn AsyncRead + Send + Unpin>>,
    /// Unconsumed bytes; `buf[0]` sits at file position `buf_pos`.
    buf: Vec<u8>,
    buf_start: usize,
    buf_pos: u64,
    start_position: u64,
    /// A line ended with `\r` at the end of the buffer: skip a following `\n`.
    pending_cr: bool,
}

impl FileStreamSourceTask {
    async fn open(&mut self) -> ConnectResult<bool> {
        if self.filename.is_empty() {
            self.reader = Some(Box::new(tokio::io::stdin()));
            return Ok(true);
        }
        match tokio::fs::File::open(&self.filename).await {
            Ok(mut f) => {
                if self.start_position > 0 {
                    f.seek(std::io::SeekFrom::Start(self.start_position))
                        .await
                        .map_err(|e| {
                            ConnectError::other(format!(
                                "Error seeking to position {} in file {}: {e}",
                                self.start_position, self.filename
                            ))
                        })?;
                }
                self.buf_pos = self.start_position;
                self.reader = Some(Box::new(f));
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(file = %self.filename, "Couldn't find file for FileStreamSourceTask, waiting for it to be created");
                Ok(false)
            }
            Err(e) => Err(ConnectError::other(format!(
                "Error opening file {}: {e}",
                self.filename
            ))),
        }
    }

    /// Takes complete lines out of the buffer into records, up to the batch size.
    fn drain_lines(&mut self, out: &mut Vec<SourceRecord>) {
        let schema = self.schema.clone().unwrap_or_else(schemas::string);
        while out.len() < self.batch_size {
            let rest = &self.buf[self.buf_start..];
            if self.pending_cr && !rest.is_empty() {
                self.pending_cr = false;
                if rest[0] == b'\n' {
                    self.buf_start += 1;
                    self.buf_pos += 1;
                    continue;
                }
            }
            let Some(end) = find_line_end(rest) else {
                break;
            };
            let line = line_string(&rest[..end]);
            let mut consumed = end + 1;
            if rest[end] == b'\r' {
                match rest.get(end + 1) {
                    Some(b'\n') => consumed += 1,
                    Some(_) => {}
                    None => self.pending_cr = true,
                }
            }
            self.buf_start += consumed;
            self.buf_pos += consumed as u64;
            // Only the batch's last record carries the offset (see `finish_batch`).
            out.push(SourceRecord {
                source_partition: self.partition.clone(),
                source_offset: OffsetMap::new(),
                record: ConnectRecord::new(
                    self.topic.clone(),
                    Some(schema.clone()),
                    Value::String(line),
                ),
            });
        }
    }

    /// Sets the offset (the position after the batch's last line) on the batch's last record:
    /// the worker commits per acknowledged batch, so the others need none.
    fn finish_batch(&self, out: &mut [SourceRecord]) {
        if let Some(last) = out.last_mut() {
            if !self.filename.is_empty() {
                last.source_offset
                    .insert(POSITION_FIELD.into(), serde_json::Value::from(self.buf_pos));
            }
        }
    }

    /// Reads complete lines, up to the batch size.
    async fn read_lines(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let mut out = Vec::with_capacity(self.batch_size.min(MAX_BATCH_RESERVE));
        loop {
            self.drain_lines(&mut out);
            if out.len() >= self.batch_size {
                return Ok(out);
            }
            // Compact the buffer, then read more.
            if self.buf_start > 0 {
                self.buf.drain(..self.buf_start);
                self.buf_start = 0;
            }
            // Read into spare capacity: no zeroing of the chunk before each read.
            self.buf.reserve(READ_CHUNK);
            let Some(reader) = self.reader.as_mut() else {
                return Ok(out);
            };
            let n = reader.read_buf(&mut self.buf).await.map_err(|e| {
                ConnectError::other(format!("Error reading file {}: {e}", self.filename))
            })?;
            if n == 0 {
                if out.is_empty() {
                    tokio::time::sleep(IDLE_WAIT).await;
                }
                return Ok(out);
            }
        }
    }
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    async fn start(&mut self, context: SourceTaskContext) -> ConnectResult<()> {
        let def = source_config_def();
        let reader = ConfigReader::new(&def, &context.config);
        self.filename = reader.string(FILE_CONFIG).map_err(ConnectError::config)?;
        self.topic = reader
            .string(TOPIC_CONFIG)
            .map_err(ConnectError::config)?
            .trim()
            .to_string();
        let batch = reader
            .long(BATCH_SIZE_CONFIG)
            .map_err(ConnectError::config)?;
        if batch < 1 {
            return Err(ConnectError::config(format!(
                "Invalid value {batch} for configuration {BATCH_SIZE_CONFIG}: Value must be at least 1"
            )));
        }
        self.batch_size = batch as usize;
        self.schema = Some(schemas::string());
        let mut partition = OffsetMap::new();
        if !self.filename.is_empty() {
            partition.insert(
                FILENAME_FIELD.into(),
                serde_json::Value::from(self.filename.clone()),
            );
            if let Some(offset) = context.offsets.offset(&partition) {
                match offset.get(POSITION_FIELD).and_then(|p| p.as_u64()) {
                    Some(p) => self.start_position = p,
                    None => {
                        return Err(ConnectError::other(format!(
                            "Unexpected offset {} for file {}: expected a non-negative '{POSITION_FIELD}'",
                            serde_json::Value::Object(offset.clone()),
                            self.filename
                        )))
                    }
                }
            }
        }
        self.partition = Arc::new(partition);
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        if self.reader.is_none() && !self.open().await? {
            tokio::time::sleep(Duration::from_secs(1)).await;
            return Ok(Vec::new());
        }
        let mut out = self.read_lines().await?;
        self.finish_batch(&mut out);
        Ok(out)
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        self.reader = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroconnect_runtime::connector::OffsetReader;

    struct Offsets(Option<OffsetMap>);
    impl OffsetReader for Offsets {
        fn offset(&self, _partition: &OffsetMap) -> Option<OffsetMap> {
            self.0.clone()
        }
    }

    async fn task_for(
        path: &std::path::Path,
        batch: &str,
        offset: Option<u64>,
    ) -> FileStreamSourceTask {
        let mut config = ConfigMap::new();
        config.insert("file".into(), path.display().to_string());
        config.insert("topic".into(), "t".into());
        config.insert("batch.size".into(), batch.into());
        let offset = offset.map(|p| {
            let mut m = OffsetMap::new();
            m.insert("position".into(), p.into());
            m
        });
        let mut task = FileStreamSourceTask::default();
        task.start(SourceTaskContext {
            offsets: Arc::new(Offsets(offset)),
            config,
        })
        .await
        .unwrap();
        task
    }

    /// Each line, with the position only the batch's last record carries (0 for the others).
    fn lines(records: &[SourceRecord]) -> Vec<(String, u64)> {
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let pos = r.source_offset.get("position").and_then(|p| p.as_u64());
                assert_eq!(
                    pos.is_some(),
                    i + 1 == records.len(),
                    "offset on record {i}"
                );
                (
                    r.record.value.as_str().unwrap().to_string(),
                    pos.unwrap_or(0),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn emits_complete_lines_with_positions_and_holds_back_partial_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "a\nbb\r\nccc\rpartial").unwrap();
        let mut task = task_for(&path, "100", None).await;
        let got = task.poll().await.unwrap();
        assert_eq!(
            lines(&got),
            vec![("a".into(), 0), ("bb".into(), 0), ("ccc".into(), 10)]
        );
        assert_eq!(
            got[0].source_partition["filename"],
            path.display().to_string()
        );
        assert!(task.poll().await.unwrap().is_empty());
        std::fs::write(&path, "a\nbb\r\nccc\rpartial-done\n").unwrap();
        assert_eq!(
            lines(&task.poll().await.unwrap()),
            vec![("partial-done".into(), 23)]
        );
    }

    #[tokio::test]
    async fn resumes_from_the_committed_position_and_respects_batch_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "one\ntwo\nthree\nfour\n").unwrap();
        let mut task = task_for(&path, "2", Some(4)).await;
        assert_eq!(
            lines(&task.poll().await.unwrap()),
            vec![("two".into(), 0), ("three".into(), 14)]
        );
        assert_eq!(
            lines(&task.poll().await.unwrap()),
            vec![("four".into(), 19)]
        );
    }

    #[tokio::test]
    async fn missing_file_yields_empty_batches_until_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.txt");
        let mut task = task_for(&path, "10", None).await;
        assert!(task.poll().await.unwrap().is_empty());
        std::fs::write(&path, "x\n").unwrap();
        assert_eq!(lines(&task.poll().await.unwrap()), vec![("x".into(), 2)]);
    }

    #[test]
    fn line_end_scan_finds_the_first_break_at_any_offset() {
        for len in 0..40 {
            for brk in [b'\n', b'\r'] {
                let mut bytes = vec![b'x'; len];
                assert_eq!(find_line_end(&bytes), None, "len {len}");
                bytes.push(brk);
                bytes.extend_from_slice(b"\nmore\r");
                assert_eq!(find_line_end(&bytes), Some(len), "len {len}");
            }
        }
        // Bytes next to the break values (0x0b, 0x0c, 0x8a) are not breaks.
        assert_eq!(
            find_line_end(&[0x0b, 0x0c, 0x8a, 0x8d, 0x09, b'\r']),
            Some(5)
        );
    }

    #[test]
    fn invalid_utf8_lines_get_replacement_characters() {
        assert_eq!(line_string(b"caf\xc3\xa9"), "café");
        assert_eq!(line_string(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn alter_offsets_checks_shapes() {
        let c = FileStreamSourceConnector::default();
        let mut p = OffsetMap::new();
        p.insert("filename".into(), "f".into());
        let mut o = OffsetMap::new();
        o.insert("position".into(), (-1).into());
        let err = c
            .alter_offsets(&ConfigMap::new(), &[(p.clone(), Some(o))])
            .unwrap_err();
        assert!(err.to_string().contains("non-negative"), "{err}");
        let mut o = OffsetMap::new();
        o.insert("position".into(), 30.into());
        assert!(c
            .alter_offsets(&ConfigMap::new(), &[(p.clone(), Some(o)), (p, None)])
            .unwrap());
        let err = c
            .alter_offsets(
                &ConfigMap::new(),
                &[(OffsetMap::new(), Some(OffsetMap::new()))],
            )
            .unwrap_err();
        assert!(err.to_string().contains("'filename'"), "{err}");
    }

    #[test]
    fn single_topic_required() {
        let mut config = ConfigMap::new();
        config.insert("topic".into(), "a,b".into());
        let err = source_config_def().check(&config).unwrap_err();
        assert!(
            err.contains("requires definition of a single topic"),
            "{err}"
        );
    }
}
