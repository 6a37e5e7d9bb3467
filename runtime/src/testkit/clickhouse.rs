//! A real clickhouse-server 18.16 (Debian's package) for tests, and the API shared with the
//! chdb front ([`super::ChdbFront`]): [`ClickHouseService`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::http;

/// What both ClickHouse test services offer: their HTTP endpoint, blocking SQL over HTTP, and
/// taking the service down and up again on the same port and data.
pub trait ClickHouseService {
    /// The loopback HTTP port (ClickHouse's HTTP interface).
    fn http_port(&self) -> u16;

    /// `http://127.0.0.1:PORT`, for `clickhouse::Client::with_url`.
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port())
    }

    /// Runs one SQL statement over HTTP (POST body): the response body (TabSeparated unless
    /// the SQL says `FORMAT`), or `HTTP <status>: <ClickHouse's error text>`.
    fn query(&self, sql: &str) -> Result<String, String> {
        self.query_with(sql, &[])
    }

    /// Like [`ClickHouseService::query`], with URL parameters (settings such as
    /// `insert_deduplication_token`, or `database`, `default_format`). With a `query`
    /// parameter (e.g. `INSERT INTO t FORMAT CSV`), `sql` is sent as the body (the data);
    /// otherwise short SQL goes in the `query` parameter, so a server that refuses a setting
    /// before reading the body cannot reset the connection over an unread body.
    fn query_with(&self, sql: &str, params: &[(&str, &str)]) -> Result<String, String> {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        let body = if params.iter().any(|(k, _)| *k == "query") || sql.len() > 8192 {
            sql.as_bytes()
        } else {
            all.push(("query", sql));
            &[]
        };
        let resp = http::post(self.http_port(), &path_and_query(&all), body)?;
        let body = String::from_utf8_lossy(&resp.body).into_owned();
        if resp.status == 200 {
            Ok(body)
        } else {
            Err(format!("HTTP {}: {}", resp.status, body.trim_end()))
        }
    }

    /// The server's `version()`, e.g. `18.16.1` or `26.9.2.1`; panics if it does not answer.
    fn version(&self) -> String {
        self.query("SELECT version()")
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|e| panic!("SELECT version() failed: {e}"))
    }

    /// Takes the service down (the process is killed with SIGKILL and reaped); its port refuses
    /// connections until [`ClickHouseService::restart`]. Idempotent.
    fn stop(&mut self);

    /// Starts the service again on the same port and data (stopping it first if it runs) and
    /// waits until `/ping` answers.
    fn restart(&mut self);
}

/// `/?k=v&...` with percent-encoded parameters.
pub(crate) fn path_and_query(params: &[(&str, &str)]) -> String {
    let mut out = String::from("/");
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        percent_encode(k, &mut out);
        out.push('=');
        percent_encode(v, &mut out);
    }
    out
}

fn percent_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Polls `GET /ping` until it answers `Ok.` or the deadline passes; on failure the error names
/// what was waited for. `alive` reports whether the process still runs.
pub(crate) fn wait_ping(
    port: u16,
    limit: Duration,
    mut alive: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(r) = http::get(port, "/ping") {
            if r.status == 200 && r.body.starts_with(b"Ok.") {
                return Ok(());
            }
        }
        if !alive() {
            return Err(format!(
                "the process exited before /ping answered on {port}"
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!("/ping on {port} did not answer within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Kills a child with SIGKILL and reaps it.
pub(crate) fn kill_child(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// Picks `n` distinct free loopback ports.
pub(crate) fn free_ports(n: usize) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::with_capacity(n);
    while ports.len() < n {
        let p = super::free_port();
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    ports
}

/// The clickhouse-server binary: `$CLICKHOUSE_SERVER_BIN`, else Debian's
/// `/usr/sbin/clickhouse-server` (or `/usr/bin/clickhouse-server`), as
/// `scripts/setup-services.sh` installs it.
pub fn clickhouse_server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("CLICKHOUSE_SERVER_BIN") {
        return PathBuf::from(p);
    }
    ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "clickhouse-server not found: run scripts/setup-services.sh \
                 (Debian clickhouse-server) or set CLICKHOUSE_SERVER_BIN"
            )
        })
}

/// A real clickhouse-server process (Debian's 18.16) owned by a test: its own config, data,
/// log and tmp directories in a temp dir, HTTP/TCP/interserver ports free loopback ports,
/// listening on 127.0.0.1 only. Killed (only this child) and its directory removed on drop.
///
/// 18.16 is from 2018: the `clickhouse` crate needs `.with_validation(false)` against it, and
/// it lacks DateTime64, Bool, Map, `async_insert`, `insert_deduplication_token` and server-side
/// `{name:Type}` parameters (use [`super::ChdbFront`] for those).
pub struct ClickHouseServer {
    child: Option<Child>,
    dir: PathBuf,
    http_port: u16,
    tcp_port: u16,
    interserver_port: u16,
    https_port: Option<u16>,
}

impl ClickHouseServer {
    /// The config the server copies and rewrites: `$CLICKHOUSE_CONFIG_DIR` (holding
    /// `config.xml` and `users.xml`), else `/etc/clickhouse-server`.
    fn config_source() -> PathBuf {
        std::env::var("CLICKHOUSE_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from("/etc/clickhouse-server"))
    }

    /// Starts a server on free ports with a fresh data dir and waits (deadline 60 s) until
    /// `/ping` answers. Panics with the server's error log if it does not come up.
    pub fn start() -> ClickHouseServer {
        Self::start_inner(None)
    }

    /// Like [`ClickHouseServer::start`], plus an HTTPS port ([`ClickHouseServer::https_port`])
    /// serving a certificate for `127.0.0.1`/`localhost` signed by a CA generated for this
    /// server with the `openssl` CLI ([`ClickHouseServer::ca_file`]).
    pub fn start_with_https() -> ClickHouseServer {
        Self::start_inner(Some(ClientCerts::NotAsked))
    }

    /// Like [`ClickHouseServer::start_with_https`], with an HTTPS port that requires a client
    /// certificate (`verificationMode` strict) signed by a second CA generated for this
    /// server; [`ClickHouseServer::client_cert_file`] and
    /// [`ClickHouseServer::client_key_file`] hold one it accepts.
    pub fn start_with_mutual_tls() -> ClickHouseServer {
        Self::start_inner(Some(ClientCerts::Required))
    }

    /// `https`: whether to serve HTTPS too, and whether it requires client certificates.
    fn start_inner(https: Option<ClientCerts>) -> ClickHouseServer {
        let binary = clickhouse_server_binary();
        let src = Self::config_source();
        let dir = super::service_dir("clickhouse");
        let ports = free_ports(if https.is_some() { 4 } else { 3 });
        let xml = std::fs::read_to_string(src.join("config.xml"))
            .unwrap_or_else(|e| panic!("cannot read {}/config.xml: {e}", src.display()));
        let mut config = rewrite_config(&xml, &dir, ports[0], ports[1], ports[2]);
        if let Some(client_certs) = https {
            make_certificates(&dir, client_certs);
            config = add_https(&config, &dir, ports[3], client_certs);
        }
        std::fs::write(dir.join("config.xml"), config).expect("write config.xml");
        std::fs::copy(src.join("users.xml"), dir.join("users.xml"))
            .unwrap_or_else(|e| panic!("cannot copy {}/users.xml: {e}", src.display()));
        let mut server = ClickHouseServer {
            child: None,
            dir,
            http_port: ports[0],
            tcp_port: ports[1],
            interserver_port: ports[2],
            https_port: https.map(|_| ports[3]),
        };
        server.spawn(&binary);
        server
    }

    fn spawn(&mut self, binary: &Path) {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("stdout.log"))
            .expect("open stdout.log");
        let err = out.try_clone().expect("clone the log handle");
        let child = Command::new(binary)
            .arg(format!(
                "--config-file={}",
                self.dir.join("config.xml").display()
            ))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {}: {e}", binary.display()));
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
                "clickhouse-server did not start: {e}\n{}\n{}",
                std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default(),
                std::fs::read_to_string(self.dir.join("log/server.err.log")).unwrap_or_default()
            );
        }
    }

    /// The HTTPS port, for a server started with [`ClickHouseServer::start_with_https`].
    pub fn https_port(&self) -> Option<u16> {
        self.https_port
    }

    /// The PEM file of the CA that signed the HTTPS certificate (in the server's temp dir).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The PEM client certificate a [`ClickHouseServer::start_with_mutual_tls`] server
    /// accepts (in the server's temp dir).
    pub fn client_cert_file(&self) -> PathBuf {
        self.dir.join("client.crt")
    }

    /// The PEM (PKCS#8) private key of [`ClickHouseServer::client_cert_file`].
    pub fn client_key_file(&self) -> PathBuf {
        self.dir.join("client.key")
    }

    /// The native-protocol TCP port.
    pub fn tcp_port(&self) -> u16 {
        self.tcp_port
    }

    /// The interserver HTTP port.
    pub fn interserver_port(&self) -> u16 {
        self.interserver_port
    }

    /// The temp dir holding config, data (`data/`) and logs (`log/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the server process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl ClickHouseService for ClickHouseServer {
    fn http_port(&self) -> u16 {
        self.http_port
    }

    fn stop(&mut self) {
        kill_child(&mut self.child);
    }

    fn restart(&mut self) {
        self.stop();
        self.spawn(&clickhouse_server_binary());
    }
}

impl Drop for ClickHouseServer {
    fn drop(&mut self) {
        kill_child(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Rewrites Debian's config.xml for a private server: comments dropped, ports and every
/// data/log/tmp/user_files/format_schema path moved into `dir`, listening on 127.0.0.1 only.
fn rewrite_config(xml: &str, dir: &Path, http: u16, tcp: u16, interserver: u16) -> String {
    let mut s = strip_comments(xml);
    let d = dir.display();
    let settings = [
        ("http_port", http.to_string()),
        ("tcp_port", tcp.to_string()),
        ("interserver_http_port", interserver.to_string()),
        ("path", format!("{d}/data/")),
        ("tmp_path", format!("{d}/tmp/")),
        ("user_files_path", format!("{d}/user_files/")),
        ("format_schema_path", format!("{d}/format_schemas/")),
        ("users_config", format!("{d}/users.xml")),
        ("log", format!("{d}/log/server.log")),
        ("errorlog", format!("{d}/log/server.err.log")),
        ("mark_cache_size", "268435456".to_string()),
    ];
    for tag in ["listen_host", "https_port", "tcp_port_secure"] {
        while let Some((start, end)) = find_element(&s, tag) {
            s.replace_range(start..end, "");
        }
    }
    let mut extra = String::from("    <listen_host>127.0.0.1</listen_host>\n");
    for (tag, value) in settings {
        let element = format!("<{tag}>{value}</{tag}>");
        match find_element(&s, tag) {
            Some((start, end)) => s.replace_range(start..end, &element),
            None if tag == "log" || tag == "errorlog" => {
                let logger = format!("<logger><{tag}>{value}</{tag}></logger>");
                extra.push_str(&format!("    {logger}\n"));
            }
            None => extra.push_str(&format!("    {element}\n")),
        }
    }
    match s.rfind("</yandex>").or_else(|| s.rfind("</clickhouse>")) {
        Some(pos) => s.insert_str(pos, &extra),
        None => panic!("config.xml has no </yandex> or </clickhouse> root end"),
    }
    s
}

/// Runs the `openssl` CLI in `dir` with whitespace-separated `args`; panics with its output
/// on failure.
fn openssl(dir: &Path, args: &str) {
    let out = Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (needed for the HTTPS test server): {e}"));
    assert!(
        out.status.success(),
        "openssl {args} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether an HTTPS test server requires client certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientCerts {
    /// `verificationMode` none.
    NotAsked,
    /// `verificationMode` strict, trusting `client-ca.crt`.
    Required,
}

/// Generates in `dir` a CA (`ca.crt`, `ca.key`) and a server certificate it signs
/// (`server.crt`, `server.key`) for `127.0.0.1` and `localhost` — not itself a CA, as TLS
/// clients such as rustls require of a server certificate. With [`ClientCerts::Required`],
/// also a client CA (`client-ca.crt`, `client-ca.key`) and a client certificate it signs
/// (`client.crt`, `client.key`).
fn make_certificates(dir: &Path, client_certs: ClientCerts) {
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("write server.ext");
    openssl(
        dir,
        "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ferroconnect-test-CA \
         -keyout ca.key -out ca.crt",
    );
    openssl(
        dir,
        "req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr",
    );
    openssl(
        dir,
        "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
         -extfile server.ext -out server.crt",
    );
    if client_certs == ClientCerts::Required {
        std::fs::write(
            dir.join("client.ext"),
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        )
        .expect("write client.ext");
        openssl(
            dir,
            "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ferroconnect-test-client-CA \
             -keyout client-ca.key -out client-ca.crt",
        );
        openssl(
            dir,
            "req -newkey rsa:2048 -nodes -subj /CN=ferroconnect-sink -keyout client.key \
             -out client.csr",
        );
        openssl(
            dir,
            "x509 -req -in client.csr -CA client-ca.crt -CAkey client-ca.key -CAcreateserial \
             -days 2 -extfile client.ext -out client.crt",
        );
    }
}

/// Adds an `https_port` to a rewritten config and points its `openSSL.server` at the
/// certificate and key in `dir` (no dhParamsFile: the server then uses its built-in groups).
/// With [`ClientCerts::Required`], a client must present a certificate issued by
/// `client-ca.crt` (others are rejected, not asked about on the console).
fn add_https(config: &str, dir: &Path, port: u16, client_certs: ClientCerts) -> String {
    let mut s = config.to_string();
    let d = dir.display();
    let verification = match client_certs {
        ClientCerts::NotAsked => "<verificationMode>none</verificationMode>".to_string(),
        ClientCerts::Required => format!(
            "<verificationMode>strict</verificationMode><caConfig>{d}/client-ca.crt</caConfig>\
             <invalidCertificateHandler><name>RejectCertificateHandler</name>\
             </invalidCertificateHandler>"
        ),
    };
    let server = format!(
        "<openSSL><server><certificateFile>{d}/server.crt</certificateFile>\
         <privateKeyFile>{d}/server.key</privateKeyFile>\
         {verification}<loadDefaultCAFile>false</loadDefaultCAFile>\
         <cacheSessions>true</cacheSessions><disableProtocols>sslv2,sslv3</disableProtocols>\
         <preferServerCiphers>true</preferServerCiphers></server></openSSL>"
    );
    while let Some((start, end)) = find_element(&s, "openSSL") {
        s.replace_range(start..end, "");
    }
    let extra = format!("    <https_port>{port}</https_port>\n    {server}\n");
    match s.rfind("</yandex>").or_else(|| s.rfind("</clickhouse>")) {
        Some(pos) => s.insert_str(pos, &extra),
        None => panic!("config.xml has no </yandex> or </clickhouse> root end"),
    }
    s
}

/// The byte range of the first `<tag>...</tag>` element (simple text content).
fn find_element(s: &str, tag: &str) -> Option<(usize, usize)> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = s.find(&open)?;
    let end = s[start..].find(&close)? + start + close.len();
    Some((start, end))
}

fn strip_comments(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_rewrite_moves_ports_and_paths_and_ignores_comments() {
        let xml = "<?xml version=\"1.0\"?>\n<yandex>\n<logger><log>/var/log/a.log</log></logger>\n\
                   <http_port>8123</http_port>\n<!-- <tcp_port>1</tcp_port> -->\n\
                   <tcp_port>9000</tcp_port>\n<!--\n<listen_host>::1</listen_host>\n-->\n\
                   <listen_host>::</listen_host>\n<path>/var/lib/clickhouse/</path>\n\
                   <distributed_ddl><path>/ddl</path></distributed_ddl>\n</yandex>\n";
        let out = rewrite_config(xml, Path::new("/t/x"), 1, 2, 3);
        assert!(out.contains("<http_port>1</http_port>"), "{out}");
        assert!(out.contains("<tcp_port>2</tcp_port>"), "{out}");
        assert!(out.contains("<interserver_http_port>3</interserver_http_port>"));
        assert!(out.contains("<log>/t/x/log/server.log</log>"));
        assert!(out.contains("<path>/t/x/data/</path>"));
        assert!(out.contains("<path>/ddl</path>"), "nested path kept: {out}");
        assert!(out.contains("<logger><errorlog>/t/x/log/server.err.log</errorlog></logger>"));
        assert_eq!(out.matches("<listen_host>").count(), 1, "{out}");
        assert!(out.contains("<listen_host>127.0.0.1</listen_host>"));
        assert!(!out.contains("/var/"), "{out}");
        assert!(out.trim_end().ends_with("</yandex>"));
    }

    #[test]
    fn url_parameters_are_percent_encoded() {
        assert_eq!(
            path_and_query(&[("query", "INSERT INTO t FORMAT CSV"), ("a_b", "x&y")]),
            "/?query=INSERT%20INTO%20t%20FORMAT%20CSV&a_b=x%26y"
        );
        assert_eq!(path_and_query(&[]), "/");
    }
}
