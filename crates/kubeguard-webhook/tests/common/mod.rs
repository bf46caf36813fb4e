//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use kubeguard_admission::{ClusterView, Engine, Policy};
use kubeguard_webhook::{AppState, Readiness, router};
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

/// A file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A recorded AdmissionReview body.
pub fn review(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("reviews/{name}"))).expect("review fixture")
}

/// The test policy's engine and its static cluster.
pub fn engine() -> (Engine, Arc<dyn ClusterView>) {
    engine_from("policy.yaml")
}

/// The engine of the policy fixture `name`, and its static cluster.
pub fn engine_from(name: &str) -> (Engine, Arc<dyn ClusterView>) {
    let policy = Policy::from_file(&fixture(name)).expect("test policy is valid");
    let cluster: Arc<dyn ClusterView> = Arc::new(policy.static_cluster());
    (Engine::new(policy).expect("test policy compiles"), cluster)
}

/// State over the test policy, ready.
pub fn state() -> AppState {
    let (engine, cluster) = engine();
    AppState::new(Arc::new(engine), cluster, Arc::new(Readiness::ready()))
}

/// The router over the test policy.
pub fn app() -> Router {
    router(state())
}

/// Sends one request through the router; returns the status and the body.
pub async fn send(
    app: &Router,
    method: Method,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("router is infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, bytes)
}

/// The body as JSON.
pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// A TLS client configuration trusting only `ca_pem`, offering HTTP/1.1.
pub fn client_config(ca_pem: &str) -> Arc<rustls::ClientConfig> {
    client_config_alpn(ca_pem, b"http/1.1")
}

/// A TLS client configuration trusting only `ca_pem`, offering `alpn`.
pub fn client_config_alpn(ca_pem: &str, alpn: &[u8]) -> Arc<rustls::ClientConfig> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("CA PEM")).expect("CA certificate");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    Arc::new(config)
}

/// A TLS connection to `addr` as `localhost`, trusting `ca_pem`.
pub async fn tls_connect(
    addr: std::net::SocketAddr,
    ca_pem: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("server name");
    tokio_rustls::TlsConnector::from(client_config(ca_pem))
        .connect(name, tcp)
        .await
}

/// An HTTP/1.1 client connection over TLS.
pub type Http1 = hyper::client::conn::http1::SendRequest<http_body_util::Full<axum::body::Bytes>>;

/// Opens an HTTP/1.1 connection over TLS (kept alive for several requests).
pub async fn http1(addr: std::net::SocketAddr, ca_pem: &str) -> std::io::Result<Http1> {
    let tls = tls_connect(addr, ca_pem).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(conn);
    Ok(sender)
}

/// Sends one request on an HTTP/1.1 connection.
pub async fn request(
    sender: &mut Http1,
    method: Method,
    path: &str,
    body: Vec<u8>,
) -> Result<(StatusCode, Vec<u8>), hyper::Error> {
    sender.ready().await?;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
        .expect("request");
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes().to_vec();
    Ok((status, body))
}
