//! REST security, configured from worker properties: HTTP basic auth against a credentials
//! file, CORS, and an HTTPS listener (rustls, PEM files).
//!
//! | worker property | meaning |
//! |---|---|
//! | `rest.basic.auth.credentials.file` | `user: password` lines (the file the JVM's `PropertyFileLoginModule` reads); set = basic auth on every request |
//! | `rest.basic.auth.realm` | realm in `WWW-Authenticate` (default `KafkaConnect`) |
//! | `access.control.allow.origin` | CORS allowed origins (`*` or a comma list); empty = no CORS headers |
//! | `access.control.allow.methods` | CORS allowed methods (default `GET,POST,HEAD`) |
//! | `listeners.https.ssl.certificate.location` | PEM certificate chain of an `https://` listener |
//! | `listeners.https.ssl.key.location` | PEM private key (PKCS#8, PKCS#1 or SEC1) |
//! | `listeners.https.ssl.keystore.type=PEM` + `listeners.https.ssl.keystore.location` | one PEM file with key and chain (Kafka's PEM keystore) |
//!
//! Each `listeners.https.ssl.*` key falls back to the plain `ssl.*` key, as on the JVM worker.
//! JKS and PKCS12 keystores are rejected with an error that says how to convert them. Requests
//! without valid credentials get 401 with `{"error_code":401,"message":...}` and a
//! `WWW-Authenticate: Basic realm="..."` header; CORS preflights are answered before
//! authentication so browsers can ask.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::Engine;
use ferroconnect_runtime::config::{parse_list, properties, ConfigMap};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// `rest.basic.auth.credentials.file`.
pub const CREDENTIALS_FILE: &str = "rest.basic.auth.credentials.file";
/// `rest.basic.auth.realm`.
pub const REALM: &str = "rest.basic.auth.realm";
/// The default realm (the JAAS login context name the JVM's extension uses).
pub const DEFAULT_REALM: &str = "KafkaConnect";
/// `rest.extension.classes`.
pub const REST_EXTENSION_CLASSES: &str = "rest.extension.classes";
/// `access.control.allow.origin`.
pub const ALLOW_ORIGIN: &str = "access.control.allow.origin";
/// `access.control.allow.methods`.
pub const ALLOW_METHODS: &str = "access.control.allow.methods";
/// The JVM system property naming the JAAS file (read from `KAFKA_OPTS`).
pub const JAAS_CONFIG_PROPERTY: &str = "java.security.auth.login.config";

/// The credentials file of the JVM set-up: `KAFKA_OPTS` holding
/// `-Djava.security.auth.login.config=<jaas file>`, whose `PropertyFileLoginModule` entry has
/// `file="<credentials>"`. `Ok(None)` when `kafka_opts` names no JAAS file.
pub fn jaas_credentials_file(kafka_opts: &str) -> Result<Option<PathBuf>, SecurityError> {
    let flag = format!("-D{JAAS_CONFIG_PROPERTY}=");
    let Some(jaas) = kafka_opts
        .split_whitespace()
        .find_map(|a| a.strip_prefix(flag.as_str()))
        .map(|p| p.trim_matches('"'))
    else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(jaas).map_err(|e| {
        SecurityError(format!(
            "cannot read the JAAS file {jaas} (-D{JAAS_CONFIG_PROPERTY} in KAFKA_OPTS): {e}"
        ))
    })?;
    let file = text
        .split(|c: char| c.is_whitespace() || c == ';')
        .find_map(|token| {
            let value = token.strip_prefix("file=")?;
            Some(value.trim_matches('"').to_string())
        })
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            SecurityError(format!(
                "the JAAS file {jaas} has no file=\"...\" option for PropertyFileLoginModule"
            ))
        })?;
    Ok(Some(PathBuf::from(file)))
}

/// The message of a 401 answer (the JVM basic-auth filter's text).
pub const UNAUTHORIZED_MESSAGE: &str = "User cannot access the resource.";

/// A REST security setting that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecurityError(pub String);

/// Basic-auth users and the realm.
#[derive(Clone)]
pub struct BasicAuth {
    realm: String,
    users: Arc<HashMap<String, String>>,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("realm", &self.realm)
            .field("users", &self.users.len())
            .finish()
    }
}

impl BasicAuth {
    /// Reads `user: password` (or `user=password`) lines from a properties file.
    pub fn from_file(path: &Path, realm: &str) -> Result<Self, SecurityError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SecurityError(format!(
                "Invalid value {} for configuration {CREDENTIALS_FILE}: cannot read it: {e}",
                path.display()
            ))
        })?;
        let users: HashMap<String, String> = properties::parse(&text).into_iter().collect();
        if users.is_empty() {
            return Err(SecurityError(format!(
                "Invalid value {} for configuration {CREDENTIALS_FILE}: no users in the file",
                path.display()
            )));
        }
        Ok(BasicAuth {
            realm: realm.to_string(),
            users: Arc::new(users),
        })
    }

    /// Whether an `Authorization` header value carries valid credentials.
    pub fn accepts(&self, authorization: Option<&str>) -> bool {
        let Some(encoded) = authorization.and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        }) else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, password)) = decoded.split_once(':') else {
            return false;
        };
        self.users
            .get(user)
            .is_some_and(|expected| constant_time_eq(expected.as_bytes(), password.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The REST listener's security settings.
#[derive(Clone, Default)]
pub struct RestSecurity {
    /// Basic auth, when a credentials file is configured.
    pub basic_auth: Option<BasicAuth>,
    /// CORS, when `access.control.allow.origin` is set.
    pub cors: Option<CorsLayer>,
    /// TLS, for an `https://` listener.
    pub tls: Option<Arc<ServerConfig>>,
}

impl std::fmt::Debug for RestSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestSecurity")
            .field("basic_auth", &self.basic_auth)
            .field("cors", &self.cors.is_some())
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// A listener-specific SSL key with the JVM's fallback to the plain `ssl.*` key.
fn ssl_key<'a>(props: &'a ConfigMap, name: &str) -> Option<(String, &'a str)> {
    let prefixed = format!("listeners.https.{name}");
    if let Some(v) = props
        .get(&prefixed)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        return Some((prefixed, v));
    }
    props
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| (name.to_string(), v))
}

fn load_certs(key: &str, path: &str) -> Result<Vec<CertificateDer<'static>>, SecurityError> {
    let bad = |why: String| {
        SecurityError(format!(
            "Invalid value {path} for configuration {key}: {why}"
        ))
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(format!("cannot read PEM certificates: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("cannot read PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in the file".into()));
    }
    Ok(certs)
}

fn load_key(key: &str, path: &str) -> Result<PrivateKeyDer<'static>, SecurityError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        SecurityError(format!(
            "Invalid value {path} for configuration {key}: cannot read a PEM private key: {e}"
        ))
    })
}

/// The TLS server config of an `https://` listener, from PEM files.
pub fn tls_config(props: &ConfigMap) -> Result<Arc<ServerConfig>, SecurityError> {
    let cert = ssl_key(props, "ssl.certificate.location");
    let key = ssl_key(props, "ssl.key.location");
    let store = ssl_key(props, "ssl.keystore.location");
    let store_type = ssl_key(props, "ssl.keystore.type");
    let (certs, private_key) = match (cert, key, store) {
        (Some((ck, cp)), Some((kk, kp)), _) => (load_certs(&ck, cp)?, load_key(&kk, kp)?),
        (None, None, Some((sk, sp))) => {
            let (tk, ty) = store_type.unwrap_or(("ssl.keystore.type".into(), "JKS"));
            if !ty.eq_ignore_ascii_case("PEM") {
                return Err(SecurityError(format!(
                    "Invalid value {ty} for configuration {tk}: {ty} keystores are not supported; \
                     convert {sp} to PEM (e.g. `openssl pkcs12 -in store.p12 -nodes -out store.pem`, \
                     after `keytool -importkeystore -deststoretype PKCS12` for JKS) and set \
                     {tk}=PEM, or set listeners.https.ssl.certificate.location and \
                     listeners.https.ssl.key.location"
                )));
            }
            (load_certs(&sk, sp)?, load_key(&sk, sp)?)
        }
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err(SecurityError(
                "An https listener needs both listeners.https.ssl.certificate.location and \
                 listeners.https.ssl.key.location"
                    .into(),
            ))
        }
        (None, None, None) => {
            return Err(SecurityError(
                "An https listener needs listeners.https.ssl.certificate.location and \
                 listeners.https.ssl.key.location (PEM files)"
                    .into(),
            ))
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SecurityError(format!("TLS setup failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, private_key)
        .map_err(|e| {
            SecurityError(format!(
                "The https listener's certificate and private key do not match or are invalid: {e}"
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn cors_layer(props: &ConfigMap) -> Result<Option<CorsLayer>, SecurityError> {
    let origins = parse_list(props.get(ALLOW_ORIGIN).map_or("", |v| v.as_str()));
    if origins.is_empty() {
        return Ok(None);
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o).map_err(|_| {
                    SecurityError(format!(
                        "Invalid value {o} for configuration {ALLOW_ORIGIN}: not a valid origin"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    let methods_raw = props
        .get(ALLOW_METHODS)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .unwrap_or("GET,POST,HEAD");
    let methods = parse_list(methods_raw)
        .iter()
        .map(|m| {
            Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
                SecurityError(format!(
                    "Invalid value {m} for configuration {ALLOW_METHODS}: not an HTTP method"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods(methods)
            .allow_headers([
                header::HeaderName::from_static("x-requested-with"),
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::ORIGIN,
                header::AUTHORIZATION,
            ]),
    ))
}

impl RestSecurity {
    /// Reads the settings from worker properties; `https` says whether the listener is an
    /// `https://` one (then TLS files are required).
    pub fn from_worker_props(props: &ConfigMap, https: bool) -> Result<Self, SecurityError> {
        let realm = props
            .get(REALM)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_REALM);
        let credentials = props
            .get(CREDENTIALS_FILE)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        let wants_basic = props
            .get(REST_EXTENSION_CLASSES)
            .is_some_and(|v| v.contains("BasicAuthSecurityRestExtension"));
        let basic_auth = match credentials {
            Some(path) => Some(BasicAuth::from_file(&PathBuf::from(path), realm)?),
            None if wants_basic => {
                let opts = std::env::var("KAFKA_OPTS").unwrap_or_default();
                match jaas_credentials_file(&opts)? {
                    Some(path) => Some(BasicAuth::from_file(&path, realm)?),
                    None => {
                        return Err(SecurityError(format!(
                            "{REST_EXTENSION_CLASSES} names BasicAuthSecurityRestExtension: set \
                             {CREDENTIALS_FILE} to the credentials file (user: password lines) \
                             that the JAAS PropertyFileLoginModule would read, or point \
                             -D{JAAS_CONFIG_PROPERTY} in KAFKA_OPTS at the JAAS file"
                        )))
                    }
                }
            }
            None => None,
        };
        Ok(RestSecurity {
            basic_auth,
            cors: cors_layer(props)?,
            tls: if https {
                Some(tls_config(props)?)
            } else {
                None
            },
        })
    }

    /// `router` with basic auth and CORS applied (CORS outermost, so preflights need no
    /// credentials).
    pub fn apply(&self, router: Router) -> Router {
        let mut router = router;
        if let Some(auth) = &self.basic_auth {
            router = router.layer(axum::middleware::from_fn_with_state(
                Arc::new(auth.clone()),
                require_basic_auth,
            ));
        }
        if let Some(cors) = &self.cors {
            router = router.layer(cors.clone());
        }
        router
    }
}

async fn require_basic_auth(
    State(auth): State<Arc<BasicAuth>>,
    req: Request,
    next: Next,
) -> Response {
    let header_value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth.accepts(header_value) {
        return next.run(req).await;
    }
    let challenge = HeaderValue::from_str(&format!("Basic realm=\"{}\"", auth.realm))
        .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
        Json(serde_json::json!({"error_code": 401, "message": UNAUTHORIZED_MESSAGE})),
    )
        .into_response()
}

/// TLS connections accepted in the background (handshakes run concurrently, so one slow
/// client cannot hold the others up).
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl TlsListener {
    /// Wraps a bound TCP listener.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    r = tcp.accept() => r,
                    _ = tx.closed() => return,
                };
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "REST listener accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { rx, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Runs `router` with `security` applied on `listener` (TLS when `security.tls` is set) until
/// `shutdown` completes.
pub async fn serve_secure(
    listener: TcpListener,
    router: Router,
    security: &RestSecurity,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = security.apply(router);
    match &security.tls {
        Some(tls) => {
            let listener = TlsListener::new(listener, tls.clone())?;
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => crate::serve(listener, router, shutdown).await,
    }
}
