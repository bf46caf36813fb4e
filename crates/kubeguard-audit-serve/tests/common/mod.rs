//! Shared by the integration tests: audit events, `audit serve` on
//! loopback, an HTTPS client for it, and metric values read from `/metrics`.
#![allow(dead_code)] // each test file needs a different subset

use async_nats::jetstream::Context;
use axum::http::{Method, StatusCode, Uri};
use kubeguard_audit::{Priority, builtin};
use kubeguard_audit_serve::client::HttpClient;
use kubeguard_audit_serve::detect::Detector;
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::nats::{self, Streams};
use kubeguard_audit_serve::outputs::Outputs;
use kubeguard_audit_serve::run::{AuditServer, Backend, ServeError};
use kubeguard_webhook::server::Timeouts;
use kubeguard_webhook::tls::{ReloadingCert, SelfSigned};
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An audit event: `user` runs `kubectl exec` in pod `ns/name` (the
/// built-in rule audit-pod-exec fires on it) when `exec`, else reads it.
pub fn event(id: &str, user: &str, ns: &str, exec: bool) -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": id, "stage": "ResponseComplete",
        "requestURI": format!("/api/v1/namespaces/{ns}/pods/web/exec?command=sh&container=app"),
        "verb": if exec { "create" } else { "get" },
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.9"],
        "objectRef": {"resource": "pods", "namespace": ns, "name": "web",
                      "subresource": if exec { "exec" } else { "" }, "apiVersion": "v1"},
        "responseStatus": {"code": 101},
        "requestReceivedTimestamp": "2026-12-05T04:00:00.000000Z",
        "stageTimestamp": "2026-12-05T04:00:01.000001Z"
    })
}

/// An `EventList` of `items`.
pub fn event_list(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1",
        "metadata": {}, "items": items}),
    )
    .expect("json")
}

/// A writer into shared memory.
#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    /// The JSON lines written so far.
    pub fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }
}

/// A self-signed certificate for localhost, and a client trusting it.
pub fn tls_pair() -> (ReloadingCert, HttpClient) {
    let pair = SelfSigned::generate("localhost").expect("certificate");
    let client = HttpClient::trusting_pem(&pair.ca_pem).expect("client");
    (ReloadingCert::fixed(pair.certified_key()), client)
}

/// `audit serve` running on a tokio task.
pub struct Running {
    pub addr: SocketAddr,
    pub client: HttpClient,
    pub alerts: Shared,
    pub metrics: Arc<Metrics>,
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<Result<(), ServeError>>,
}

/// Alert targets added to the JSON lines, and their delivery tasks.
pub type Targets = Box<dyn FnOnce(Outputs, Arc<Metrics>) -> (Outputs, Vec<JoinHandle<()>>)>;

/// No target but the JSON lines.
pub fn lines_only() -> Targets {
    Box::new(|o, _| (o, Vec::new()))
}

/// Serves the built-in rules on 127.0.0.1 with a queue of `capacity` events
/// and the alert `targets`.
pub async fn serve(capacity: usize, targets: Targets) -> Running {
    let metrics = Arc::new(Metrics::new());
    let alerts = Shared::default();
    let (outputs, deliveries) = targets(
        Outputs::new(Some(Box::new(alerts.clone())), Arc::clone(&metrics)),
        Arc::clone(&metrics),
    );
    let detector = Detector::new(
        builtin::rules().expect("built-in rules"),
        Priority::Debug,
        outputs,
        Arc::clone(&metrics),
    );
    let backend = Backend::Detect {
        detector,
        workers: 2,
        queue_capacity: capacity,
        deliveries,
    };
    let Started {
        addr,
        client,
        stop,
        task,
    } = start(backend, Arc::clone(&metrics)).await;
    Running {
        addr,
        client,
        alerts,
        metrics,
        stop,
        task,
    }
}

/// A receiver running on a tokio task, whatever its backend.
pub struct Started {
    pub addr: SocketAddr,
    pub client: HttpClient,
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<Result<(), ServeError>>,
}

/// Runs an `AuditServer` with `backend` on 127.0.0.1, counting in `metrics`.
pub async fn start(backend: Backend, metrics: Arc<Metrics>) -> Started {
    let (cert, client) = tls_pair();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = AuditServer {
        listener,
        cert: Arc::new(cert),
        reload_every: Duration::from_secs(3600),
        timeouts: Timeouts {
            grace: Duration::from_secs(5),
            ..Timeouts::default()
        },
        metrics,
        backend,
        max_event_size: kubeguard_audit::DEFAULT_MAX_EVENT_SIZE,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Started {
        addr,
        client,
        stop,
        task,
    }
}

/// `https://localhost:PORT{path}`.
pub fn url(addr: SocketAddr, path: &str) -> Uri {
    format!("https://localhost:{}{path}", addr.port())
        .parse()
        .expect("uri")
}

/// POSTs `body` to `path`; the status and the body as JSON.
pub async fn post(
    client: &HttpClient,
    addr: SocketAddr,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let (status, body) = client
        .send(
            Method::POST,
            &url(addr, path),
            body,
            Duration::from_secs(10),
        )
        .await
        .expect("answer");
    (
        status,
        serde_json::from_slice(&body).expect("a JSON answer"),
    )
}

/// GETs `/metrics` as text.
pub async fn scrape(client: &HttpClient, addr: SocketAddr) -> String {
    let (status, body) = client
        .send(
            Method::GET,
            &url(addr, "/metrics"),
            Vec::new(),
            Duration::from_secs(10),
        )
        .await
        .expect("metrics");
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(body.to_vec()).expect("utf-8")
}

/// The value of the sample `name` (with its labels, as exposed), 0 when absent.
pub fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

/// Waits until `done` holds, for at most `limit`.
pub async fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A child process killed when dropped, with the directory it works in.
pub struct Daemon {
    pub child: std::process::Child,
    pub dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Debian package's server.
const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// `nats-server -js` on 127.0.0.1:`port`, storing in a temporary directory.
pub fn start_nats(port: u16) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = std::process::Command::new(NATS_SERVER)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nats-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Daemon { child, dir }
}

/// A JetStream server on loopback with the `streams` made: the server, its
/// URL, and a connection to it.
pub async fn jetstream(streams: &Streams) -> (Daemon, String, Context) {
    let port = free_port();
    let server = start_nats(port);
    let url = format!("nats://127.0.0.1:{port}");
    let js = nats::connect(&url).await.expect("connect");
    nats::ensure_streams(&js, streams).await.expect("streams");
    (server, url, js)
}
