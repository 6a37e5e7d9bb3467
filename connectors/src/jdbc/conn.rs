//! JDBC URLs and connections: `jdbc:postgresql://host:port/db?user=..&password=..` parsed into
//! sqlx connect options, and connecting with `connection.attempts` / `connection.backoff.ms`.

use std::time::Duration;

use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

/// `application_name` of the source's connections (lets the gap-free bound skip the source's
/// own sessions).
pub const SOURCE_APPLICATION_NAME: &str = "ferroconnect-jdbc-source";
/// `application_name` of the sink's connections.
pub const SINK_APPLICATION_NAME: &str = "ferroconnect-jdbc-sink";

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Database name.
    pub database: String,
    /// User, if any.
    pub user: Option<String>,
    /// Password, if any.
    pub password: Option<String>,
    /// The session's `TimeZone` (`db.timezone`; UTC unless set by the connector's config), so
    /// that Postgres converts between `timestamp` and `timestamptz` in that zone.
    pub time_zone: String,
    /// Whether sqlx may log statements (off for a masked query: its slow-statement warnings
    /// would show the SQL).
    pub log_statements: bool,
}

/// Parses a PostgreSQL JDBC URL; `connection.user`/`connection.password` override the URL's.
/// Driver parameters other than `user` and `password` are ignored with a log line.
pub fn parse_url(
    url: &str,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<ConnInfo, String> {
    let rest = url
        .strip_prefix("jdbc:postgresql:")
        .ok_or_else(|| {
            format!("connection.url '{url}' is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)")
        })?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (target, query) = match rest.split_once('?') {
        Some((t, q)) => (t, q),
        None => (rest, ""),
    };
    let (hostport, database) = match target.split_once('/') {
        Some((h, d)) => (h, d),
        None => ("", target),
    };
    // Only the first host of a failover list is used.
    let hostport = hostport.split(',').next().unwrap_or("");
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("connection.url '{url}' has an invalid port '{p}'"))?,
        ),
        _ => (hostport, 5432),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut info = ConnInfo {
        host: if host.is_empty() { "localhost" } else { host }.to_string(),
        port,
        database: percent_decode(database),
        user: None,
        password: None,
        time_zone: "UTC".to_string(),
        log_statements: true,
    };
    if info.database.is_empty() {
        return Err(format!("connection.url '{url}' names no database"));
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "user" => info.user = Some(percent_decode(v)),
            "password" => info.password = Some(percent_decode(v)),
            other => tracing::info!(
                parameter = other,
                "JDBC URL parameter '{other}' is not used by the PostgreSQL connection and is ignored"
            ),
        }
    }
    if let Some(u) = user.filter(|u| !u.is_empty()) {
        info.user = Some(u.to_string());
    }
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        info.password = Some(p.to_string());
    }
    Ok(info)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ConnInfo {
    /// sqlx options: the connectors' application name (sqlx starts sessions in UTC; see
    /// [`ConnInfo::connect`] for `time_zone`).
    pub fn options(&self, application_name: &str) -> PgConnectOptions {
        let mut o = PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .database(&self.database)
            .application_name(application_name);
        if !self.log_statements {
            o = o.disable_statement_logging();
        }
        if let Some(u) = &self.user {
            o = o.username(u);
        }
        if let Some(p) = &self.password {
            o = o.password(p);
        }
        o
    }

    /// Sets the session's `TimeZone` to `time_zone` unless it is UTC (sqlx's own startup
    /// parameter, which wins over `options`).
    async fn set_time_zone(&self, conn: &mut PgConnection) -> ConnectResult<()> {
        if self.time_zone == "UTC" {
            return Ok(());
        }
        sqlx::query("SELECT set_config('TimeZone', $1, false)")
            .bind(&self.time_zone)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                ConnectError::config(format!(
                    "PostgreSQL at {} does not accept db.timezone '{}': {e}",
                    self.describe(),
                    self.time_zone
                ))
            })?;
        Ok(())
    }

    /// `host:port/db`, for messages (never the password).
    pub fn describe(&self) -> String {
        format!("{}:{}/{}", self.host, self.port, self.database)
    }

    /// Connects, retrying up to `attempts` times `backoff` apart (authentication and
    /// missing-database errors fail at once), and sets the session's `TimeZone`.
    pub async fn connect(
        &self,
        application_name: &str,
        attempts: u32,
        backoff: Duration,
    ) -> ConnectResult<PgConnection> {
        let attempts = attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            match PgConnection::connect_with(&self.options(application_name)).await {
                Ok(mut c) => {
                    self.set_time_zone(&mut c).await?;
                    return Ok(c);
                }
                Err(e) => {
                    last = e.to_string();
                    let fatal = e
                        .as_database_error()
                        .and_then(|d| d.code())
                        .is_some_and(|c| c.starts_with("28") || c == "3D000");
                    tracing::warn!(
                        target = %self.describe(),
                        attempt,
                        attempts,
                        error = %last,
                        "Unable to connect to the database"
                    );
                    if fatal {
                        break;
                    }
                    if attempt < attempts {
                        tokio::time::sleep(backoff).await;
                    }
                }
            }
        }
        Err(ConnectError::other(format!(
            "Failed to connect to PostgreSQL at {} as user '{}': {last}",
            self.describe(),
            self.user.as_deref().unwrap_or("")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_url_and_ignores_driver_params() {
        let i = parse_url(
            "jdbc:postgresql://postgres:5432/customers?user=postgres-user&password=postgres-pw&useSSL=false",
            None,
            None,
        )
        .unwrap();
        assert_eq!(i.host, "postgres");
        assert_eq!(i.port, 5432);
        assert_eq!(i.database, "customers");
        assert_eq!(i.user.as_deref(), Some("postgres-user"));
        assert_eq!(i.password.as_deref(), Some("postgres-pw"));
    }

    #[test]
    fn explicit_credentials_override_and_defaults_apply() {
        let i = parse_url("jdbc:postgresql://db/x%20y?user=a", Some("b"), Some("p%")).unwrap();
        assert_eq!((i.port, i.database.as_str()), (5432, "x y"));
        assert_eq!(i.user.as_deref(), Some("b"));
        assert_eq!(i.password.as_deref(), Some("p%"));
        let err = parse_url("jdbc:mysql://h/db", None, None).unwrap_err();
        assert!(err.contains("connection.url"), "{err}");
        let err = parse_url("jdbc:postgresql://h:x/db", None, None).unwrap_err();
        assert!(err.contains("invalid port"), "{err}");
    }
}
