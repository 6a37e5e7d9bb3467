//! Durable connector configs and target states for standalone mode.
//!
//! The JVM's standalone worker forgets connectors created over REST when it restarts; we keep
//! them in a JSON file beside the offsets file, `<offset.storage.file.filename>.connectors.json`
//! (same directory, so the same volume and permissions as the offsets; the suffix makes the
//! pairing obvious). The file looks like:
//!
//! ```json
//! {"version":1,"connectors":{"my-sink":{"config":{"connector.class":"FileStreamSink","name":"my-sink"},"target_state":"STARTED"}}}
//! ```
//!
//! Every change rewrites the file atomically: write a temp file in the same directory, fsync
//! it, rename it over the old one, fsync the directory. A missing file is an empty store; an
//! unreadable or corrupt one is an error naming the path.
//!
//! [`ConfigStore`] is the interface the herder uses, so distributed mode can provide a store
//! backed by the config topic.

use std::fs;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use indexmap::IndexMap;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::config::ConfigMap;
use crate::error::{ConnectError, ConnectResult};
use crate::herder::TargetState;

/// One persisted connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredConnector {
    /// The connector's config as submitted (with `name`).
    pub config: ConfigMap,
    /// What the user last asked for: STARTED, PAUSED or STOPPED.
    pub target_state: TargetState,
}

/// Durable connector configs and target states (`ConfigBackingStore`).
#[async_trait]
pub trait ConfigStore: Send + Sync {
    /// Every stored connector, by name, in creation order.
    async fn all(&self) -> ConnectResult<IndexMap<String, StoredConnector>>;
    /// Creates or replaces a connector's config and target state; durable when Ok.
    async fn put(&self, name: &str, config: &ConfigMap, target: TargetState) -> ConnectResult<()>;
    /// Changes a stored connector's target state; Err if the connector is unknown.
    async fn set_target_state(&self, name: &str, target: TargetState) -> ConnectResult<()>;
    /// Removes a connector; removing an unknown one is not an error.
    async fn remove(&self, name: &str) -> ConnectResult<()>;
}

const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct FileContents {
    version: u32,
    connectors: IndexMap<String, StoredConnector>,
}

/// A [`ConfigStore`] in a local JSON file (standalone mode).
pub struct FileConfigStore {
    path: PathBuf,
    state: Mutex<IndexMap<String, StoredConnector>>,
}

impl std::fmt::Debug for FileConfigStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConfigStore")
            .field("path", &self.path)
            .finish()
    }
}

impl FileConfigStore {
    /// The store's file for an offsets file: `<offsets file>.connectors.json`.
    pub fn path_beside(offset_file: &Path) -> PathBuf {
        let mut name = offset_file.as_os_str().to_os_string();
        name.push(".connectors.json");
        PathBuf::from(name)
    }

    /// Opens (and reads) the store at `path`; a missing file is an empty store.
    pub fn open(path: impl Into<PathBuf>) -> ConnectResult<Self> {
        let path = path.into();
        let state = read_file(&path)?;
        Ok(FileConfigStore {
            path,
            state: Mutex::new(state),
        })
    }

    /// Opens the store beside an offsets file, see [`FileConfigStore::path_beside`].
    pub fn beside(offset_file: &Path) -> ConnectResult<Self> {
        Self::open(Self::path_beside(offset_file))
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies `change` to a copy of the state, writes it, then keeps it.
    fn update(
        &self,
        change: impl FnOnce(&mut IndexMap<String, StoredConnector>) -> ConnectResult<()>,
    ) -> ConnectResult<()> {
        let mut state = self.state.lock();
        let mut next = state.clone();
        change(&mut next)?;
        write_atomically(&self.path, &next)?;
        *state = next;
        Ok(())
    }
}

fn read_file(path: &Path) -> ConnectResult<IndexMap<String, StoredConnector>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(IndexMap::new()),
        Err(e) => {
            return Err(ConnectError::other(format!(
                "Could not read the connector config file {}: {e}",
                path.display()
            )))
        }
    };
    let contents: FileContents = serde_json::from_slice(&bytes).map_err(|e| {
        ConnectError::other(format!(
            "The connector config file {} is corrupt ({e}); fix or remove it",
            path.display()
        ))
    })?;
    if contents.version != FORMAT_VERSION {
        return Err(ConnectError::other(format!(
            "The connector config file {} has format version {}, expected {FORMAT_VERSION}",
            path.display(),
            contents.version
        )));
    }
    Ok(contents.connectors)
}

fn write_atomically(path: &Path, state: &IndexMap<String, StoredConnector>) -> ConnectResult<()> {
    let body = serde_json::to_vec_pretty(&FileContents {
        version: FORMAT_VERSION,
        connectors: state.clone(),
    })
    .map_err(|e| {
        ConnectError::other(format!(
            "Could not serialize connector configs for {}: {e}",
            path.display()
        ))
    })?;
    super::atomic::write_file_atomically(path, &body, "connector config file")
}

#[async_trait]
impl ConfigStore for FileConfigStore {
    async fn all(&self) -> ConnectResult<IndexMap<String, StoredConnector>> {
        Ok(self.state.lock().clone())
    }

    async fn put(&self, name: &str, config: &ConfigMap, target: TargetState) -> ConnectResult<()> {
        self.update(|s| {
            s.insert(
                name.to_string(),
                StoredConnector {
                    config: config.clone(),
                    target_state: target,
                },
            );
            Ok(())
        })
    }

    async fn set_target_state(&self, name: &str, target: TargetState) -> ConnectResult<()> {
        self.update(|s| match s.get_mut(name) {
            Some(c) => {
                c.target_state = target;
                Ok(())
            }
            None => Err(ConnectError::other(format!(
                "Cannot set the target state of unknown connector {name}"
            ))),
        })
    }

    async fn remove(&self, name: &str) -> ConnectResult<()> {
        if !self.state.lock().contains_key(name) {
            return Ok(());
        }
        self.update(|s| {
            s.shift_remove(name);
            Ok(())
        })
    }
}

/// A [`ConfigStore`] in memory only (tests, or a worker that should forget on restart).
#[derive(Default)]
pub struct MemoryConfigStore {
    state: Mutex<IndexMap<String, StoredConnector>>,
}

impl MemoryConfigStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl ConfigStore for MemoryConfigStore {
    async fn all(&self) -> ConnectResult<IndexMap<String, StoredConnector>> {
        Ok(self.state.lock().clone())
    }

    async fn put(&self, name: &str, config: &ConfigMap, target: TargetState) -> ConnectResult<()> {
        self.state.lock().insert(
            name.to_string(),
            StoredConnector {
                config: config.clone(),
                target_state: target,
            },
        );
        Ok(())
    }

    async fn set_target_state(&self, name: &str, target: TargetState) -> ConnectResult<()> {
        match self.state.lock().get_mut(name) {
            Some(c) => {
                c.target_state = target;
                Ok(())
            }
            None => Err(ConnectError::other(format!(
                "Cannot set the target state of unknown connector {name}"
            ))),
        }
    }

    async fn remove(&self, name: &str) -> ConnectResult<()> {
        self.state.lock().shift_remove(name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> ConfigMap {
        let mut c = ConfigMap::new();
        c.insert("connector.class".into(), "FileStreamSink".into());
        c.insert("name".into(), name.into());
        c.insert("tasks.max".into(), "2".into());
        c
    }

    #[tokio::test]
    async fn round_trip_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = FileConfigStore::path_beside(&dir.path().join("offsets.dat"));
        assert_eq!(path, dir.path().join("offsets.dat.connectors.json"));
        let store = FileConfigStore::open(&path).unwrap();
        assert!(store.all().await.unwrap().is_empty());
        store
            .put("b", &config("b"), TargetState::Started)
            .await
            .unwrap();
        store
            .put("a", &config("a"), TargetState::Paused)
            .await
            .unwrap();
        store
            .set_target_state("b", TargetState::Stopped)
            .await
            .unwrap();
        store
            .put("c", &config("c"), TargetState::Started)
            .await
            .unwrap();
        store.remove("c").await.unwrap();
        store.remove("never-existed").await.unwrap();

        let reopened = FileConfigStore::open(&path).unwrap();
        let all = reopened.all().await.unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), vec!["b", "a"]);
        assert_eq!(all["b"].target_state, TargetState::Stopped);
        assert_eq!(all["a"].target_state, TargetState::Paused);
        assert_eq!(all["a"].config, config("a"));
        let raw = fs::read_to_string(&path).unwrap();
        assert!(raw.contains("\"STOPPED\""), "{raw}");
        assert!(!PathBuf::from(format!("{}.tmp", path.display())).exists());
    }

    #[tokio::test]
    async fn unknown_connector_target_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileConfigStore::open(dir.path().join("c.json")).unwrap();
        let err = store
            .set_target_state("ghost", TargetState::Paused)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("ghost"), "{err}");
    }

    #[test]
    fn corrupt_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets.connectors.json");
        fs::write(&path, b"{\"version\":1,\"connectors\":{\"a\":").unwrap();
        let err = FileConfigStore::open(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("corrupt"), "{err}");
    }

    #[test]
    fn missing_directory_is_created_on_first_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/offsets.connectors.json");
        let store = FileConfigStore::open(&path).unwrap();
        futures::executor::block_on(store.put("x", &config("x"), TargetState::Started)).unwrap();
        assert!(path.exists());
    }
}
