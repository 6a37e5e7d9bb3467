//! HTTPS to ClickHouse with the TLS options the official sink takes in
//! `jdbcConnectionProperties` (its JDBC URL's parameters): `sslrootcert`, a PEM file of CA
//! certificates trusted instead of the public roots the `clickhouse` crate trusts by
//! default, `sslmode=none`, which accepts any server certificate, and `sslcert` + `sslkey`,
//! a PEM client certificate chain and its private key presented to a server that asks for
//! one (mutual TLS).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Keep-alive probes and idle-connection lifetime, as the `clickhouse` crate's own client
/// (ClickHouse closes idle HTTP connections after 3 s).
const TCP_KEEPALIVE: Duration = Duration::from_secs(60);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(2);

/// `Invalid value <path> for <property> (jdbcConnectionProperties): <why>`.
fn invalid(property: &str, path: &Path, why: impl std::fmt::Display) -> String {
    format!(
        "Invalid value {} for {property} (jdbcConnectionProperties): {why}",
        path.display()
    )
}

/// The certificates of the PEM file `path` given as `property`; the error names both.
fn read_certificates(property: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bad = |why: String| invalid(property, path, why);
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(bad("it holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// The private key of the PEM file `path` given as `sslkey` (PKCS#8, PKCS#1 or SEC1).
fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let pem =
        std::fs::read(path).map_err(|e| invalid("sslkey", path, format!("cannot read it: {e}")))?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => invalid(
            "sslkey",
            path,
            "it holds no PEM private key (PKCS#8, PKCS#1 or SEC1)",
        ),
        e => invalid("sslkey", path, format!("not a PEM private key file: {e}")),
    })
}

/// Which server certificates a [`client`] accepts.
#[derive(Debug, Clone, Copy)]
pub enum Trust<'a> {
    /// Those issued by the public roots (Mozilla's, as the `clickhouse` crate's default
    /// client trusts).
    PublicRoots,
    /// Those issued by the CA certificates of this PEM file (`sslrootcert`).
    CaFile(&'a Path),
    /// Any (`sslmode=none`).
    Any,
}

/// The client certificate a [`client`] presents: PEM files of the chain (`sslcert`, leaf
/// first) and of its private key (`sslkey`).
#[derive(Debug, Clone, Copy)]
pub struct ClientCert<'a> {
    /// `sslcert`.
    pub cert: &'a Path,
    /// `sslkey`.
    pub key: &'a Path,
}

/// The rustls config: server certificates checked as `trust` says, and `identity`
/// presented when the server asks for a client certificate. Errors name the property and
/// file at fault.
fn tls_config(
    trust: Trust<'_>,
    identity: Option<ClientCert<'_>>,
) -> Result<rustls::ClientConfig, String> {
    use hyper_rustls::ConfigBuilderExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up for ClickHouse failed: {e}"))?;
    let builder = match trust {
        Trust::PublicRoots => builder.with_webpki_roots(),
        Trust::CaFile(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certificates("sslrootcert", path)? {
                roots
                    .add(cert)
                    .map_err(|e| invalid("sslrootcert", path, e))?;
            }
            builder.with_root_certificates(roots)
        }
        Trust::Any => {
            tracing::warn!("sslmode=none: the ClickHouse server's certificate is not verified");
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        }
    };
    let Some(id) = identity else {
        return Ok(builder.with_no_client_auth());
    };
    let chain = read_certificates("sslcert", id.cert)?;
    let key = read_private_key(id.key)?;
    builder.with_client_auth_cert(chain, key).map_err(|e| {
        invalid(
            "sslkey",
            id.key,
            format!(
                "not usable with the certificate of sslcert {}: {e}",
                id.cert.display()
            ),
        )
    })
}

/// A `clickhouse` client for HTTP(S) whose TLS accepts the server certificates `trust` says
/// and presents `identity` (if any) as its client certificate.
pub fn client(
    trust: Trust<'_>,
    identity: Option<ClientCert<'_>>,
) -> Result<clickhouse::Client, String> {
    let tls = tls_config(trust, identity)?;
    let mut http = HttpConnector::new();
    http.set_keepalive(Some(TCP_KEEPALIVE));
    http.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(clickhouse::Client::with_http_client(
        HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector),
    ))
}

/// `sslmode=none`: accepts any certificate (handshake signatures are still checked).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_ca_file_is_an_error_naming_the_key() {
        let err = read_certificates("sslrootcert", Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            err.contains("sslrootcert") && err.contains("/nonexistent/ca.pem"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let err = read_certificates("sslrootcert", &empty).unwrap_err();
        assert!(err.contains("no PEM certificate"), "{err}");
    }

    /// A self-signed certificate and its key as PEM files `<name>.crt`, `<name>.key` in `dir`.
    fn certified(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let rcgen::CertifiedKey { cert, key_pair } =
            rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        let (crt, key) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&crt, cert.pem()).unwrap();
        std::fs::write(&key, key_pair.serialize_pem()).unwrap();
        (crt, key)
    }

    #[test]
    fn a_client_certificate_is_presented_with_any_trust() {
        let dir = tempfile::tempdir().unwrap();
        let (crt, key) = certified(dir.path(), "client");
        let id = ClientCert {
            cert: &crt,
            key: &key,
        };
        for trust in [Trust::PublicRoots, Trust::CaFile(&crt), Trust::Any] {
            let tls = tls_config(trust, Some(id)).unwrap();
            assert!(tls.client_auth_cert_resolver.has_certs(), "{trust:?}");
            let tls = tls_config(trust, None).unwrap();
            assert!(!tls.client_auth_cert_resolver.has_certs(), "{trust:?}");
        }
        client(Trust::PublicRoots, Some(id)).unwrap();
    }

    #[test]
    fn bad_client_certificate_or_key_files_are_errors_naming_the_property_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let (crt, key) = certified(dir.path(), "client");
        let (_, other_key) = certified(dir.path(), "other");
        let missing = Path::new("/nonexistent/client.pem");
        let fails = |cert: &Path, key: &Path| {
            tls_config(Trust::PublicRoots, Some(ClientCert { cert, key })).unwrap_err()
        };
        let err = fails(missing, &key);
        assert!(
            err.starts_with("Invalid value /nonexistent/client.pem for sslcert (jdbcConnectionProperties): cannot read it"),
            "{err}"
        );
        let err = fails(&crt, missing);
        assert!(
            err.starts_with("Invalid value /nonexistent/client.pem for sslkey (jdbcConnectionProperties): cannot read it"),
            "{err}"
        );
        // A key file given as sslcert, a certificate given as sslkey.
        let err = fails(&key, &key);
        assert!(
            err.contains("for sslcert") && err.contains("no PEM certificate"),
            "{err}"
        );
        let err = fails(&crt, &crt);
        assert!(
            err.contains(&format!("{} for sslkey", crt.display()))
                && err.contains("no PEM private key"),
            "{err}"
        );
        // A key that does not belong to the certificate.
        let err = fails(&crt, &other_key);
        assert!(
            err.contains(&format!("{} for sslkey", other_key.display()))
                && err.contains(&crt.display().to_string()),
            "{err}"
        );
    }
}
