//! [`ChdbFront`]: a TEST DOUBLE OF CLICKHOUSE'S HTTP LAYER around the real ClickHouse 26.9
//! engine (PyPI `chdb-core`), for tests that need modern ClickHouse SQL, types and settings.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::clickhouse::{free_ports, kill_child, wait_ping, ClickHouseService};

/// **A TEST DOUBLE OF CLICKHOUSE'S HTTP LAYER, NOT A CLICKHOUSE SERVER.**
///
/// `tests/support/chdb_front.py`, run with the project venv's python on a free loopback port:
/// a small HTTP front over a persistent `chdb.session.Session` — the real ClickHouse 26.9
/// engine (PyPI `chdb-core`) as an in-process library. SQL, table engines, types, settings
/// (`insert_deduplication_token`, `async_insert`, ...) and error codes are the real engine's;
/// only the HTTP handling is a stand-in, written for what the `clickhouse` crate 0.15 sends
/// (validation on, RowBinary/JSONEachRow/CSV/TSV inserts, LZ4 `decompress=1` bodies,
/// `X-ClickHouse-Exception-Code` errors). Use [`super::ClickHouseServer`] for a real server
/// process. Killed (only this child) and its data dir removed on drop.
pub struct ChdbFront {
    child: Option<Child>,
    dir: PathBuf,
    http_port: u16,
}

/// The python that has `chdb` installed: `$CHDB_PYTHON`, else `<cache>/venv/bin/python`
/// (`scripts/setup-services.sh` installs chdb-core there).
pub fn chdb_python() -> PathBuf {
    if let Ok(p) = std::env::var("CHDB_PYTHON") {
        return PathBuf::from(p);
    }
    let p = super::cache_dir().join("venv/bin/python");
    if !p.exists() {
        panic!(
            "{} not found: run scripts/setup-services.sh (installs chdb-core) or set CHDB_PYTHON",
            p.display()
        );
    }
    p
}

/// The front's script: `$CHDB_FRONT_SCRIPT`, else `tests/support/chdb_front.py` in this
/// workspace.
pub fn chdb_front_script() -> PathBuf {
    std::env::var("CHDB_FRONT_SCRIPT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/support/chdb_front.py")
        })
}

impl ChdbFront {
    /// Starts the front on a free port with a fresh data dir and waits (deadline 60 s) until
    /// `/ping` answers. Panics with the front's output if it does not come up.
    pub fn start() -> ChdbFront {
        let dir = super::service_dir("chdb");
        std::fs::create_dir_all(dir.join("data")).expect("create the chdb data dir");
        let mut front = ChdbFront {
            child: None,
            dir,
            http_port: free_ports(1)[0],
        };
        front.spawn();
        front
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("front.log"))
            .expect("open front.log");
        let err = log.try_clone().expect("clone the log handle");
        let script = chdb_front_script();
        let child = Command::new(chdb_python())
            .arg(&script)
            .args(["--port", &self.http_port.to_string(), "--data"])
            .arg(self.dir.join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {}: {e}", script.display()));
        self.child = Some(child);
        let child = &mut self.child;
        let ready = wait_ping(self.http_port, Duration::from_secs(60), || {
            child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
        });
        if let Err(e) = ready {
            kill_child(&mut self.child);
            panic!(
                "chdb front did not start: {e}\n{}",
                std::fs::read_to_string(self.dir.join("front.log")).unwrap_or_default()
            );
        }
    }

    /// The temp dir holding the engine's data (`data/`) and the front's log (`front.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the front process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl ClickHouseService for ChdbFront {
    fn http_port(&self) -> u16 {
        self.http_port
    }

    fn stop(&mut self) {
        kill_child(&mut self.child);
    }

    fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for ChdbFront {
    fn drop(&mut self) {
        kill_child(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
