//! The sink's ClickHouse HTTP client: the `clickhouse` crate for queries and formatted
//! inserts, the server's version and features, error classification and retries.

use std::time::Duration;

use bytes::Bytes;
use clickhouse::Client;

use super::config::ClickHouseConfig;

/// A failed ClickHouse call.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ChError {
    /// The server's exception code (`Code: N.`), if it sent one.
    pub code: Option<u32>,
    /// Whether retrying may succeed (network, timeouts, overload, "too many parts").
    pub retriable: bool,
    /// What happened, with the server's message.
    pub message: String,
}

/// Server exception codes worth retrying: timeouts, network, overload, read-only replicas,
/// too many parts, Keeper trouble, unknown insert status.
const RETRIABLE_CODES: &[u32] = &[
    3, 159, 164, 202, 203, 209, 210, 225, 236, 241, 242, 252, 279, 285, 319, 425, 999, 1000,
];

/// Parts of TLS failures that retrying cannot fix (rustls' messages): the server's
/// certificate is not trusted or not valid for the host, or the port does not speak TLS.
const TLS_SETUP_ERRORS: &[&str] = &[
    "invalid peer certificate",
    "received corrupt message of type InvalidContentType",
];

/// TLS alerts (rustls' `received fatal alert: <name>`) by which a server asks for a client
/// certificate it did not get, or refuses the one it got: retrying cannot fix them either.
const CLIENT_CERT_ALERTS: &[&str] = &[
    "CertificateRequired",
    "BadCertificate",
    "UnsupportedCertificate",
    "CertificateRevoked",
    "CertificateExpired",
    "CertificateUnknown",
    "UnknownCA",
];

impl ChError {
    fn from_crate(what: &str, e: clickhouse::error::Error) -> ChError {
        use clickhouse::error::Error as E;
        // The causes too: a TLS failure is only named deep in the chain.
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            let part = c.to_string();
            if !text.contains(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
            cause = c.source();
        }
        let code = text
            .split("Code: ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok());
        if text.contains(TLS_SETUP_ERRORS[1]) {
            text.push_str(" (the port does not speak TLS: ssl=true needs ClickHouse's https_port)");
        }
        let client_cert_refused = text
            .split("received fatal alert: ")
            .skip(1)
            .any(|rest| CLIENT_CERT_ALERTS.iter().any(|a| rest.starts_with(a)));
        if client_cert_refused {
            text.push_str(
                " (the server wants a client certificate it trusts: set sslcert and sslkey \
                 in jdbcConnectionProperties)",
            );
        }
        let retriable = match &e {
            // An untrusted certificate, a plain-HTTP port behind ssl=true, or a missing or
            // refused client certificate, stays so.
            E::Network(_) => {
                !client_cert_refused && !TLS_SETUP_ERRORS.iter().any(|t| text.contains(t))
            }
            E::TimedOut => true,
            E::BadResponse(_) => code.is_none_or(|c| RETRIABLE_CODES.contains(&c)),
            _ => false,
        };
        ChError {
            code,
            retriable,
            message: format!("{what}: {}", text.trim()),
        }
    }
}

/// Which optional server features the sink may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `(major, minor)` of `SELECT version()`.
    pub version: (u32, u32),
    /// `FORMAT RowBinaryWithDefaults` (23.5+): per-field DEFAULT markers.
    pub row_binary_with_defaults: bool,
    /// The `insert_deduplication_token` setting (22.2+), needed for exactlyOnce.
    pub dedup_token: bool,
    /// `date_time_input_format=best_effort` and `input_format_skip_unknown_fields` by name
    /// (19.x+).
    pub modern_settings: bool,
}

impl Features {
    /// Features of a server reporting `version` (`18.16.1`, `26.9.2.1`, …).
    pub fn of(version: &str) -> Features {
        let mut parts = version
            .trim()
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        Features {
            version: v,
            row_binary_with_defaults: v >= (23, 5),
            dedup_token: v >= (22, 2),
            modern_settings: v >= (19, 14),
        }
    }
}

/// A connection to one ClickHouse server (cheap to clone; HTTP keep-alive pooled).
#[derive(Clone)]
pub struct ChClient {
    client: Client,
    timeout: Duration,
    settings: Vec<(String, String)>,
}

impl ChClient {
    /// A client for the configured server and database (no request is made yet). Fails
    /// only when `sslrootcert`, `sslcert` or `sslkey` names a file that cannot be read as
    /// PEM certificates or a private key (the error names the property and file).
    pub fn new(cfg: &ClickHouseConfig) -> Result<ChClient, String> {
        let scheme = if cfg.ssl { "https" } else { "http" };
        use super::tls::{client, ClientCert, Trust};
        let identity = cfg
            .ssl_client_cert
            .as_ref()
            .map(|(cert, key)| ClientCert { cert, key });
        let base = match (cfg.ssl, cfg.ssl_verify, &cfg.ssl_root_cert, identity) {
            (false, ..) => Client::default(),
            (true, false, _, id) => client(Trust::Any, id)?,
            (true, true, Some(ca), id) => client(Trust::CaFile(ca), id)?,
            (true, true, None, Some(id)) => client(Trust::PublicRoots, Some(id))?,
            // The `clickhouse` crate's own HTTPS client trusts the public roots.
            (true, true, None, None) => Client::default(),
        };
        let client = base
            .with_url(format!("{scheme}://{}:{}", cfg.hostname, cfg.port))
            .with_user(cfg.username.clone())
            .with_password(cfg.password.clone())
            .with_database(cfg.database.clone())
            .with_compression(clickhouse::Compression::None)
            .with_validation(false);
        Ok(ChClient {
            client,
            timeout: cfg.timeout,
            settings: cfg.settings.clone(),
        })
    }

    /// Runs a query and returns its TabSeparated output.
    pub async fn query_text(&self, sql: &str) -> Result<String, ChError> {
        let mut q = self.client.query(sql);
        for (k, v) in &self.settings {
            q = q.with_setting(k.clone(), v.clone());
        }
        let fut = async {
            let mut cursor = q
                .fetch_bytes("TabSeparated")
                .map_err(|e| ChError::from_crate(sql, e))?;
            cursor
                .collect()
                .await
                .map_err(|e| ChError::from_crate(sql, e))
        };
        let bytes = tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| ChError {
                code: None,
                retriable: true,
                message: format!("{sql}: no answer within {:?}", self.timeout),
            })??;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Runs a statement without a result (DDL).
    pub async fn execute(&self, sql: &str) -> Result<(), ChError> {
        self.query_text(sql).await.map(|_| ())
    }

    /// The server version string (`SELECT version()`).
    pub async fn version(&self) -> Result<String, ChError> {
        Ok(self
            .query_text("SELECT version()")
            .await?
            .trim()
            .to_string())
    }

    /// Sends one INSERT (`sql` ends in `FORMAT <fmt>`) with `body` as its data and extra
    /// per-insert settings.
    pub async fn insert(
        &self,
        sql: &str,
        body: Bytes,
        settings: &[(&str, String)],
    ) -> Result<(), ChError> {
        let mut insert = self
            .client
            .insert_formatted_with(sql.to_string())
            .with_timeouts(Some(self.timeout), Some(self.timeout));
        for (k, v) in &self.settings {
            insert = insert.with_setting(k.clone(), v.clone());
        }
        for (k, v) in settings {
            insert = insert.with_setting(k.to_string(), v.clone());
        }
        insert
            .send(body)
            .await
            .map_err(|e| ChError::from_crate(sql, e))?;
        insert.end().await.map_err(|e| ChError::from_crate(sql, e))
    }
}

/// Quotes an identifier with backticks (`db`.`table` names).
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}

/// Quotes a string literal.
pub fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_follow_the_version() {
        let old = Features::of("18.16.1");
        assert_eq!(old.version, (18, 16));
        assert!(!old.row_binary_with_defaults && !old.dedup_token && !old.modern_settings);
        let new = Features::of("26.9.2.1");
        assert!(new.row_binary_with_defaults && new.dedup_token && new.modern_settings);
    }

    #[test]
    fn errors_keep_the_server_code_and_retry_only_transient_ones() {
        let e = ChError::from_crate(
            "INSERT",
            clickhouse::error::Error::BadResponse(
                "Code: 252. DB::Exception: Too many parts (300)".into(),
            ),
        );
        assert_eq!(e.code, Some(252));
        assert!(e.retriable);
        let e = ChError::from_crate(
            "INSERT",
            clickhouse::error::Error::BadResponse(
                "Code: 60. DB::Exception: Table default.nope doesn't exist".into(),
            ),
        );
        assert_eq!(e.code, Some(60));
        assert!(!e.retriable);
        assert!(e.message.contains("nope"));
    }

    #[test]
    fn a_missing_or_refused_client_certificate_is_not_retried() {
        let network = |text: &str| {
            ChError::from_crate(
                "SELECT version()",
                clickhouse::error::Error::Network(Box::new(std::io::Error::other(
                    text.to_string(),
                ))),
            )
        };
        let e = network("connection error: received fatal alert: CertificateRequired");
        assert!(!e.retriable);
        assert!(
            e.message.contains("CertificateRequired") && e.message.contains("sslcert"),
            "{}",
            e.message
        );
        assert!(!network("received fatal alert: UnknownCA").retriable);
        let e = network("connection reset by peer");
        assert!(
            e.retriable && !e.message.contains("sslcert"),
            "{}",
            e.message
        );
    }
}
