//! REST security over real HTTP(S): basic auth from a credentials file (401 JSON body and
//! challenge), an HTTPS listener from PEM files (self-signed certificate made by the test),
//! CORS preflights, and the settings that must be refused.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use ferroconnect_rest_api::security::{RestSecurity, UNAUTHORIZED_MESSAGE};
use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::logging::TracingLoggers;
use serde_json::Value;
use support::MemHerder;

fn props(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Serves the API with `security` on 127.0.0.1:0; the sender stops it when dropped.
async fn serve(security: RestSecurity) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let herder = MemHerder::new();
    let (loggers, _layer) = TracingLoggers::detached("INFO").unwrap();
    let router = ferroconnect_rest_api::router(herder, loggers);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        ferroconnect_rest_api::security::serve_secure(listener, router, &security, async {
            let _ = rx.await;
        })
        .await
    });
    (addr, tx)
}

fn credentials(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("credentials.properties");
    std::fs::write(&path, "# users\nalice: s3cret\nbob=pw:with:colons\n").unwrap();
    path.to_str().unwrap().to_string()
}

async fn status_and_body(resp: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let code = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (code, headers, body)
}

#[tokio::test]
async fn basic_auth_rejects_missing_and_wrong_credentials_and_accepts_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = credentials(&dir);
    let security = RestSecurity::from_worker_props(
        &props(&[
            ("rest.basic.auth.credentials.file", &file),
            ("rest.basic.auth.realm", "ConnectRealm"),
        ]),
        false,
    )
    .unwrap();
    let (addr, _stop) = serve(security).await;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/connectors");

    let (code, headers, body) = status_and_body(client.get(&url).send().await.unwrap()).await;
    assert_eq!(code, 401);
    assert_eq!(body["error_code"], 401, "{body}");
    assert_eq!(body["message"], UNAUTHORIZED_MESSAGE, "{body}");
    assert_eq!(headers["www-authenticate"], "Basic realm=\"ConnectRealm\"");

    let wrong = client.get(&url).basic_auth("alice", Some("nope"));
    let (code, _, body) = status_and_body(wrong.send().await.unwrap()).await;
    assert_eq!((code, body["error_code"].clone()), (401, Value::from(401)));
    let unknown = client.get(&url).basic_auth("mallory", Some("s3cret"));
    assert_eq!(unknown.send().await.unwrap().status().as_u16(), 401);

    let ok = client.get(&url).basic_auth("alice", Some("s3cret"));
    let (code, _, body) = status_and_body(ok.send().await.unwrap()).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body, serde_json::json!([]));
    let bob = client
        .get(format!("http://{addr}/"))
        .basic_auth("bob", Some("pw:with:colons"));
    assert_eq!(bob.send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn https_listener_serves_tls_with_pem_files_and_still_checks_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_path = dir.path().join("rest.crt.pem");
    let key_path = dir.path().join("rest.key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    let file = credentials(&dir);
    let security = RestSecurity::from_worker_props(
        &props(&[
            ("listeners", "https://localhost:0"),
            (
                "listeners.https.ssl.certificate.location",
                cert_path.to_str().unwrap(),
            ),
            (
                "listeners.https.ssl.key.location",
                key_path.to_str().unwrap(),
            ),
            ("rest.basic.auth.credentials.file", &file),
        ]),
        true,
    )
    .unwrap();
    let (addr, _stop) = serve(security).await;
    let url = format!("https://localhost:{}/", addr.port());
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .resolve("localhost", addr)
        .build()
        .unwrap();

    let (code, _, body) = status_and_body(trusting.get(&url).send().await.unwrap()).await;
    assert_eq!(code, 401, "{body}");
    assert_eq!(body["error_code"], 401);
    let ok = trusting.get(&url).basic_auth("alice", Some("s3cret"));
    let (code, _, body) = status_and_body(ok.send().await.unwrap()).await;
    assert_eq!(code, 200, "{body}");
    assert!(body["version"].is_string(), "{body}");

    // A client that does not trust the certificate, and plain HTTP, get nowhere.
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .unwrap();
    assert!(untrusting.get(&url).send().await.is_err());
    let plain = reqwest::Client::new()
        .get(format!("http://{addr}/"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP must not be served: {plain:?}");
}

#[tokio::test]
async fn cors_preflight_is_answered_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let file = credentials(&dir);
    let security = RestSecurity::from_worker_props(
        &props(&[
            ("access.control.allow.origin", "https://ui.example.com"),
            ("access.control.allow.methods", "GET,POST,PUT,DELETE"),
            ("rest.basic.auth.credentials.file", &file),
        ]),
        false,
    )
    .unwrap();
    let (addr, _stop) = serve(security).await;
    let client = reqwest::Client::new();
    let resp = client
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{addr}/connectors"),
        )
        .header("Origin", "https://ui.example.com")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let h = resp.headers();
    assert_eq!(
        h["access-control-allow-origin"], "https://ui.example.com",
        "{h:?}"
    );
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }

    // A simple request from the allowed origin carries the header; others do not.
    let resp = client
        .get(format!("http://{addr}/"))
        .basic_auth("alice", Some("s3cret"))
        .header("Origin", "https://ui.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://ui.example.com"
    );
    let resp = client
        .get(format!("http://{addr}/"))
        .basic_auth("alice", Some("s3cret"))
        .header("Origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn the_jvm_jaas_file_in_kafka_opts_names_the_credentials_file() {
    let dir = tempfile::tempdir().unwrap();
    let jaas = dir.path().join("connect_jaas.conf");
    std::fs::write(
        &jaas,
        "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\"/opt/kafka/config/connect.password\";\n};\n",
    )
    .unwrap();
    let opts = format!(
        "-Xmx512m -Djava.security.auth.login.config={} -Dfoo=bar",
        jaas.display()
    );
    let file = ferroconnect_rest_api::security::jaas_credentials_file(&opts).unwrap();
    assert_eq!(
        file,
        Some(std::path::PathBuf::from(
            "/opt/kafka/config/connect.password"
        ))
    );
    assert_eq!(
        ferroconnect_rest_api::security::jaas_credentials_file("-Xmx1g").unwrap(),
        None
    );
    let e = ferroconnect_rest_api::security::jaas_credentials_file(
        "-Djava.security.auth.login.config=/nonexistent/jaas.conf",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("/nonexistent/jaas.conf"), "{e}");
}

#[test]
fn unusable_settings_are_refused_naming_the_key() {
    let err = |pairs: &[(&str, &str)], https: bool| {
        RestSecurity::from_worker_props(&props(pairs), https)
            .unwrap_err()
            .to_string()
    };
    let e = err(
        &[(
            "listeners.https.ssl.keystore.location",
            "/etc/kafka/rest.jks",
        )],
        true,
    );
    assert!(
        e.contains("ssl.keystore.type") && e.contains("JKS") && e.contains("PEM"),
        "{e}"
    );
    let e = err(
        &[
            ("ssl.keystore.location", "/etc/kafka/rest.p12"),
            ("ssl.keystore.type", "PKCS12"),
        ],
        true,
    );
    assert!(e.contains("PKCS12 keystores are not supported"), "{e}");
    let e = err(&[], true);
    assert!(
        e.contains("listeners.https.ssl.certificate.location"),
        "{e}"
    );
    let e = err(
        &[("rest.basic.auth.credentials.file", "/nonexistent/creds")],
        false,
    );
    assert!(
        e.contains("rest.basic.auth.credentials.file") && e.contains("/nonexistent/creds"),
        "{e}"
    );
    let e = err(
        &[(
            "rest.extension.classes",
            "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
        )],
        false,
    );
    assert!(e.contains("rest.basic.auth.credentials.file"), "{e}");
    let e = err(
        &[
            ("access.control.allow.methods", "GET,NOT A METHOD"),
            ("access.control.allow.origin", "*"),
        ],
        false,
    );
    assert!(e.contains("access.control.allow.methods"), "{e}");
    // Nothing configured: nothing applied.
    let s = RestSecurity::from_worker_props(&props(&[]), false).unwrap();
    assert!(s.basic_auth.is_none() && s.cors.is_none() && s.tls.is_none());
    let _ = Arc::new(s);
}
