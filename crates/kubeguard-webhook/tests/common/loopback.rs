//! The webhook served over TLS on loopback, and an HTTP/1.1 client for it.
//! Shared by the integration tests, the load benchmark and the soak example
//! (which include this file by path).
#![allow(dead_code)] // each user needs a different subset

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use kubeguard_admission::{ClusterView, Engine, Policy};
use kubeguard_webhook::run::{ClusterSource, Webhook};
use kubeguard_webhook::server::Timeouts;
use kubeguard_webhook::tls::{ReloadingCert, SelfSigned, TlsError};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A webhook server running on a tokio task.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Sending (or dropping) this begins a graceful shutdown.
    pub stop: oneshot::Sender<()>,
    /// The server; it returns once shut down.
    pub task: JoinHandle<Result<(), TlsError>>,
}

/// How to serve: everything of a [`Webhook`] but its listener.
pub struct Serve {
    pub engine: Engine,
    pub cluster: ClusterSource,
    pub cert: Arc<ReloadingCert>,
    pub reload_every: Duration,
    pub timeouts: Timeouts,
}

impl Serve {
    /// A fixed certificate, never reloaded, and the default timeouts.
    pub fn new(engine: Engine, cluster: ClusterSource, cert: ReloadingCert) -> Self {
        Self {
            engine,
            cluster,
            cert: Arc::new(cert),
            reload_every: Duration::from_secs(3600),
            timeouts: Timeouts::default(),
        }
    }

    /// The test policy (`tests/fixtures/policy.yaml`, its namespaces as the
    /// cluster) behind a self-signed certificate for `localhost`; and the
    /// CA bundle (PEM) that clients trust.
    pub fn test_policy_self_signed() -> (Self, String) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy.yaml");
        let policy = Policy::from_file(&path).expect("test policy is valid");
        let cluster: Arc<dyn ClusterView> = Arc::new(policy.static_cluster());
        let engine = Engine::new(policy).expect("test policy compiles");
        let pair = SelfSigned::generate("localhost").expect("certificate");
        let cert = ReloadingCert::fixed(pair.certified_key());
        let serve = Self::new(engine, ClusterSource::Static(cluster), cert);
        (serve, pair.ca_pem)
    }

    /// Binds 127.0.0.1 on a free port and starts serving.
    pub async fn start(self) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let webhook = Webhook {
            listener,
            engine: self.engine,
            cluster: self.cluster,
            cert: self.cert,
            reload_every: self.reload_every,
            timeouts: self.timeouts,
        };
        let task = tokio::spawn(webhook.run(async {
            let _ = stopped.await;
        }));
        Running { addr, stop, task }
    }
}

impl Running {
    /// Triggers shutdown and waits (at most 10 s) for the server to return;
    /// how long that took.
    pub async fn shut_down(self) -> Duration {
        let started = std::time::Instant::now();
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server runs");
        started.elapsed()
    }
}

/// A TLS client configuration trusting only `ca_pem`, offering `alpn`.
pub fn client_config_alpn(ca_pem: &str, alpn: &[u8]) -> Arc<rustls::ClientConfig> {
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

/// A TLS connection (HTTP/1.1 by ALPN, no Nagle delay) to `addr` as
/// `localhost`, trusting `ca_pem`.
pub async fn tls_connect(
    addr: SocketAddr,
    ca_pem: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let name = ServerName::try_from("localhost").expect("server name");
    tokio_rustls::TlsConnector::from(client_config_alpn(ca_pem, b"http/1.1"))
        .connect(name, tcp)
        .await
}

/// An HTTP/1.1 client connection over TLS.
pub type Http1 = SendRequest<Full<Bytes>>;

/// Opens an HTTP/1.1 connection over TLS (kept alive for several requests).
pub async fn http1(addr: SocketAddr, ca_pem: &str) -> std::io::Result<Http1> {
    let tls = tls_connect(addr, ca_pem).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(conn);
    Ok(sender)
}

/// Sends one request on an HTTP/1.1 connection; the status and the body.
pub async fn request(
    sender: &mut Http1,
    method: Method,
    path: &str,
    body: impl Into<Bytes>,
) -> Result<(StatusCode, Bytes), hyper::Error> {
    sender.ready().await?;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(body.into()))
        .expect("request");
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}
