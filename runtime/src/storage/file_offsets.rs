//! Source offsets in a local file (standalone mode, `offset.storage.file.filename`).
//!
//! Entries keep the JVM worker's key/value bytes: the key is the compact JSON
//! `["<connector>",{<source partition>}]` and the value the compact JSON offset map
//! (`{"position":30}`), exactly what the offsets topic holds (reference §5.2). The JVM writes a
//! Java-serialized `HashMap<byte[],byte[]>`; we write the same pairs as a JSON document:
//!
//! ```json
//! {"version":1,"offsets":[["[\"file-source\",{\"filename\":\"a.txt\"}]","{\"position\":30}"]]}
//! ```
//!
//! Each `put_batch` rewrites the file atomically (temp file in the same directory, fsync,
//! rename over the old file, fsync the directory), so a crash leaves either the old or the new
//! offsets. A missing file is an empty store; an unreadable or corrupt file is an error naming
//! the path.

use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::OffsetStore;
use crate::data::OffsetMap;
use crate::error::{ConnectError, ConnectResult};

const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct FileContents {
    version: u32,
    offsets: Vec<(String, String)>,
}

/// The offsets-topic key of a source partition: `["<connector>",{partition}]` (compact JSON,
/// the partition's key order kept).
pub fn offset_key(connector: &str, partition: &OffsetMap) -> String {
    let key = serde_json::Value::Array(vec![
        serde_json::Value::String(connector.to_string()),
        serde_json::Value::Object(partition.clone()),
    ]);
    key.to_string()
}

/// Parses an offsets-topic key into its connector name and partition.
pub fn parse_offset_key(key: &str) -> Option<(String, OffsetMap)> {
    let v: serde_json::Value = serde_json::from_str(key).ok()?;
    let arr = v.as_array()?;
    match arr.as_slice() {
        [serde_json::Value::String(c), serde_json::Value::Object(p)] => {
            Some((c.clone(), p.clone()))
        }
        _ => None,
    }
}

/// An [`OffsetStore`] backed by one local file.
pub struct FileOffsetStore {
    path: PathBuf,
    /// key bytes (as UTF-8 JSON) → value bytes, in first-write order.
    data: Mutex<IndexMap<String, String>>,
}

impl std::fmt::Debug for FileOffsetStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileOffsetStore")
            .field("path", &self.path)
            .finish()
    }
}

impl FileOffsetStore {
    /// Opens (loads) the store at `path`; a missing file is an empty store.
    pub fn open(path: &Path) -> ConnectResult<FileOffsetStore> {
        let data = match fs::read(path) {
            Ok(bytes) => {
                let contents: FileContents = serde_json::from_slice(&bytes).map_err(|e| {
                    ConnectError::other(format!("Corrupt offsets file {}: {e}", path.display()))
                })?;
                if contents.version != FORMAT_VERSION {
                    return Err(ConnectError::other(format!(
                        "Offsets file {} has unsupported format version {}",
                        path.display(),
                        contents.version
                    )));
                }
                contents.offsets.into_iter().collect()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => IndexMap::new(),
            Err(e) => {
                return Err(ConnectError::other(format!(
                    "Cannot read offsets file {}: {e}",
                    path.display()
                )))
            }
        };
        Ok(FileOffsetStore {
            path: path.to_path_buf(),
            data: Mutex::new(data),
        })
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_file(&self, data: &IndexMap<String, String>) -> ConnectResult<()> {
        let contents = FileContents {
            version: FORMAT_VERSION,
            offsets: data.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let bytes = serde_json::to_vec(&contents)
            .map_err(|e| ConnectError::other(format!("Cannot encode offsets: {e}")))?;
        super::atomic::write_file_atomically(&self.path, &bytes, "offsets file")
    }
}

impl OffsetStore for FileOffsetStore {
    fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap> {
        let key = offset_key(connector, partition);
        let data = self.data.lock();
        data.get(&key)
            .and_then(|v| serde_json::from_str::<OffsetMap>(v).ok())
    }

    fn all(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)> {
        let data = self.data.lock();
        data.iter()
            .filter_map(|(k, v)| {
                let (c, p) = parse_offset_key(k)?;
                if c != connector {
                    return None;
                }
                let o = serde_json::from_str::<OffsetMap>(v).ok()?;
                Some((p, o))
            })
            .collect()
    }

    fn put_batch(
        &self,
        connector: &str,
        entries: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> ConnectResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut data = self.data.lock();
        let mut next = data.clone();
        for (partition, offset) in entries {
            let key = offset_key(connector, &partition);
            match offset {
                Some(o) => {
                    next.insert(key, serde_json::Value::Object(o).to_string());
                }
                None => {
                    next.shift_remove(&key);
                }
            }
        }
        self.write_file(&next)?;
        *data = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: serde_json::Value) -> OffsetMap {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn keys_use_the_jvm_byte_format() {
        let p = map(json!({"filename": "test.txt", "a": 1}));
        assert_eq!(
            offset_key("file-source", &p),
            r#"["file-source",{"filename":"test.txt","a":1}]"#
        );
        assert_eq!(
            parse_offset_key(r#"["c",{"x":"y"}]"#),
            Some(("c".to_string(), map(json!({"x": "y"}))))
        );
        assert_eq!(parse_offset_key("[1]"), None);
    }

    #[test]
    fn put_persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets.json");
        let s = FileOffsetStore::open(&path).unwrap();
        assert!(s.all("c").is_empty());
        let p1 = map(json!({"filename": "a"}));
        let p2 = map(json!({"filename": "b"}));
        s.put_batch(
            "c",
            vec![
                (p1.clone(), Some(map(json!({"position": 30})))),
                (p2.clone(), Some(map(json!({"position": 5})))),
            ],
        )
        .unwrap();
        s.put_batch(
            "other",
            vec![(p1.clone(), Some(map(json!({"position": 1}))))],
        )
        .unwrap();
        s.put_batch("c", vec![(p2.clone(), None)]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(r#"["[\"c\",{\"filename\":\"a\"}]","{\"position\":30}"]"#),
            "{text}"
        );
        let s2 = FileOffsetStore::open(&path).unwrap();
        assert_eq!(s2.get("c", &p1), Some(map(json!({"position": 30}))));
        assert_eq!(s2.get("c", &p2), None);
        assert_eq!(
            s2.all("c"),
            vec![(p1.clone(), map(json!({"position": 30})))]
        );
        assert_eq!(s2.get("other", &p1), Some(map(json!({"position": 1}))));
        assert!(!dir.path().join("offsets.json.tmp").exists());
    }

    #[test]
    fn corrupt_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.offsets");
        std::fs::write(&path, b"\xac\xed\x00\x05 java serialized").unwrap();
        let err = FileOffsetStore::open(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }

    #[test]
    fn failed_write_keeps_memory_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-dir/offsets");
        let s = FileOffsetStore::open(&path).unwrap();
        // The parent "directory" becomes a regular file, so the write cannot succeed.
        std::fs::write(dir.path().join("not-a-dir"), b"x").unwrap();
        let p = map(json!({"f": "a"}));
        assert!(s
            .put_batch("c", vec![(p.clone(), Some(map(json!({"position": 1}))))])
            .is_err());
        assert_eq!(s.get("c", &p), None);
    }
}
