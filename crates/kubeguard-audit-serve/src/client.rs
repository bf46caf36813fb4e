//! A small HTTP(S) client (hyper-util over rustls) for alert delivery, and
//! for tests that talk to the server.

use axum::body::Bytes;
pub use axum::http::{Method, StatusCode, Uri};
use axum::http::{Request, header};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::sync::Arc;
use std::time::Duration;

/// An HTTP and HTTPS client with connection reuse.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request could not be built (a bad URL).
    #[error("bad request: {0}")]
    Request(String),
    /// Connecting, sending or reading failed.
    #[error("{0}")]
    Transport(String),
    /// No answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// The system's trusted roots (the platform store); roots that do not load are skipped.
#[must_use]
pub fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::debug!("a system root certificate did not load: {e}");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!("{added} system root certificates loaded, {ignored} ignored");
    roots
}

impl HttpClient {
    /// A client trusting `roots` for HTTPS.
    ///
    /// # Errors
    /// The TLS configuration could not be built.
    pub fn new(roots: RootCertStore) -> Result<Self, rustls::Error> {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpClient {
            inner: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// A client trusting only the CA certificates in `pem`.
    ///
    /// # Errors
    /// The PEM holds no usable certificate.
    pub fn trusting_pem(pem: &str) -> Result<Self, rustls::Error> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| rustls::Error::General(format!("CA PEM: {e}")))?;
            roots.add(cert)?;
        }
        if roots.is_empty() {
            return Err(rustls::Error::General(
                "no certificate in the CA PEM".to_owned(),
            ));
        }
        Self::new(roots)
    }

    /// Sends `method` to `uri` with a JSON `body` (none when empty); returns
    /// the status and the body.
    ///
    /// # Errors
    /// No answer (connection, TLS, timeout).
    pub async fn send(
        &self,
        method: Method,
        uri: &Uri,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<(StatusCode, Bytes), ClientError> {
        let mut request = Request::builder().method(method).uri(uri.clone());
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ClientError::Request(e.to_string()))?;
        let exchange = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|e| ClientError::Transport(error_chain(&e)))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| ClientError::Transport(e.to_string()))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ClientError::Timeout(timeout))?
    }
}

/// An error and its causes, `a: b: c`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
