//! The reflector-backed cluster view against a fake API server on
//! loopback: a recorded list, then watch events pushed one at a time.

mod common;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::fixture;
use kubeguard_admission::Watches;
use kubeguard_webhook::cluster::ClusterWatch;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// One kind's list and its watch stream, fed by the test.
struct Resource {
    list: String,
    events: Mutex<Option<mpsc::UnboundedReceiver<Bytes>>>,
    /// Lists are answered once this is true.
    open: watch::Receiver<bool>,
}

impl Resource {
    fn new(
        list_fixture: &str,
        open: watch::Receiver<bool>,
    ) -> (Arc<Self>, mpsc::UnboundedSender<Bytes>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let list = std::fs::read_to_string(fixture(list_fixture)).expect("fixture");
        let resource = Arc::new(Self {
            list,
            events: Mutex::new(Some(rx)),
            open,
        });
        (resource, tx)
    }
}

async fn list_or_watch(
    State(resource): State<Arc<Resource>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let json = [("content-type", "application/json")];
    if !query
        .split('&')
        .any(|p| p == "watch=true" || p == "watch=1")
    {
        let mut open = resource.open.clone();
        let _ = open.wait_for(|open| *open).await;
        return (json, resource.list.clone()).into_response();
    }
    let events = resource.events.lock().expect("lock").take();
    let body = match events {
        // The first watch gets the test's events, one JSON document per line.
        Some(rx) => Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
        })),
        // A re-watch stays open without events.
        None => Body::from_stream(futures_util::stream::pending::<Result<Bytes, Infallible>>()),
    };
    (json, body).into_response()
}

struct FakeApiServer {
    url: String,
    namespace_events: mpsc::UnboundedSender<Bytes>,
    _pod_events: mpsc::UnboundedSender<Bytes>,
    open: watch::Sender<bool>,
}

impl FakeApiServer {
    /// A server that answers lists at once.
    async fn start() -> Self {
        let api = Self::start_closed().await;
        api.open();
        api
    }

    /// A server that holds list requests until [`FakeApiServer::open`].
    async fn start_closed() -> Self {
        let (open, opened) = watch::channel(false);
        let (namespaces, namespace_events) =
            Resource::new("apiserver/namespace-list.json", opened.clone());
        let (pods, pod_events) = Resource::new("apiserver/pod-list.json", opened);
        let app = Router::new()
            .route(
                "/api/v1/namespaces",
                get(list_or_watch).with_state(namespaces),
            )
            .route("/api/v1/pods", get(list_or_watch).with_state(pods));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url: format!("http://{addr}"),
            namespace_events,
            _pod_events: pod_events,
            open,
        }
    }

    fn open(&self) {
        self.open.send_replace(true);
    }

    fn client(&self) -> kube::Client {
        let config = kube::Config::new(self.url.parse().expect("url"));
        kube::Client::try_from(config).expect("client")
    }

    fn send(&self, event_fixture: &str) {
        let mut line = std::fs::read_to_string(fixture(event_fixture)).expect("fixture");
        line = line.trim_end().to_string();
        line.push('\n');
        self.namespace_events
            .send(Bytes::from(line))
            .expect("watch is open");
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Waits (bounded) until `check` holds.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn namespace_labels_follow_list_and_watch_events() {
    let api = FakeApiServer::start().await;
    let watch = ClusterWatch::start(
        api.client(),
        Watches {
            namespaces: true,
            pods: true,
        },
    );
    tokio::time::timeout(Duration::from_secs(10), watch.synced())
        .await
        .expect("reflectors sync from the list");
    let view = watch.view();

    assert_eq!(
        view.namespace_labels("shop"),
        Some(labels(&[
            ("kubernetes.io/metadata.name", "shop"),
            ("pod-security.kubernetes.io/enforce", "baseline"),
            ("pod-security.kubernetes.io/warn", "restricted"),
        ]))
    );
    assert!(view.namespace_labels("default").is_some());
    assert_eq!(view.namespace_labels("payments"), None);

    api.send("apiserver/watch-added.json");
    eventually("payments to appear", || {
        view.namespace_labels("payments").is_some()
    })
    .await;
    assert_eq!(
        view.namespace_labels("payments"),
        Some(labels(&[
            ("kubernetes.io/metadata.name", "payments"),
            ("pod-security.kubernetes.io/enforce", "restricted"),
        ]))
    );

    api.send("apiserver/watch-modified.json");
    eventually("shop's labels to change", || {
        view.namespace_labels("shop").is_some_and(|l| {
            l.get("pod-security.kubernetes.io/enforce")
                .map(String::as_str)
                == Some("restricted")
        })
    })
    .await;
    assert_eq!(
        view.namespace_labels("shop"),
        Some(labels(&[
            ("kubernetes.io/metadata.name", "shop"),
            ("pod-security.kubernetes.io/enforce", "restricted"),
        ]))
    );

    // A bookmark changes nothing, and the stream goes on after it.
    api.send("apiserver/watch-bookmark.json");
    api.send("apiserver/watch-deleted.json");
    eventually("payments to disappear", || {
        view.namespace_labels("payments").is_none()
    })
    .await;
    assert!(view.namespace_labels("shop").is_some());
    assert!(view.namespace_labels("default").is_some());
}

#[tokio::test]
async fn pods_are_cached_trimmed() {
    let api = FakeApiServer::start().await;
    let watch = ClusterWatch::start(
        api.client(),
        Watches {
            namespaces: false,
            pods: true,
        },
    );
    tokio::time::timeout(Duration::from_secs(10), watch.synced())
        .await
        .expect("reflector syncs");
    let view = watch.view();
    let pod = view.pod("shop", "debug").expect("pod cached");
    assert_eq!(pod["spec"]["hostPID"], true);
    assert_eq!(
        pod["spec"]["containers"][0]["securityContext"]["privileged"],
        true
    );
    assert!(pod["metadata"].get("managedFields").is_none(), "{pod}");
    assert!(pod.get("status").is_none(), "{pod}");
    assert_eq!(view.pod("shop", "other"), None);
    assert_eq!(view.pod("default", "debug"), None);
    let names = |ns: &str| -> Vec<String> {
        view.pods_in(ns)
            .expect("pods are watched")
            .iter()
            .map(|p| {
                p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(names("shop"), ["debug"]);
    assert!(names("default").is_empty());
    // Namespaces are not watched: unknown.
    assert_eq!(view.namespace_labels("shop"), None);
}

/// The whole server against the fake API server: not ready until the
/// caches sync, then reviews use the namespace labels it served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_is_ready_once_synced_and_reviews_with_live_labels() {
    use axum::http::{Method, StatusCode};
    use kubeguard_webhook::run::ClusterSource;
    use kubeguard_webhook::tls::{ReloadingCert, SelfSigned};

    let api = FakeApiServer::start_closed().await;
    let (engine, _) = common::engine();
    let pair = SelfSigned::generate("localhost").expect("certificate");
    let cert = ReloadingCert::fixed(pair.certified_key());
    let server = common::loopback::Serve::new(engine, ClusterSource::Live(api.client()), cert)
        .start()
        .await;
    let addr = server.addr;
    let mut conn = common::loopback::http1(addr, &pair.ca_pem)
        .await
        .expect("connect");
    let (status, _) = common::loopback::request(&mut conn, Method::GET, "/readyz", Vec::new())
        .await
        .expect("readyz");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    api.open();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = common::loopback::request(&mut conn, Method::GET, "/readyz", Vec::new())
            .await
            .expect("readyz");
        if status == StatusCode::OK {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // "shop" is baseline-enforced in the served list; after a MODIFIED
    // event it is restricted-enforced, and reviews follow.
    async fn enforce_message(conn: &mut common::loopback::Http1) -> String {
        let (status, body) = common::loopback::request(
            conn,
            Method::POST,
            "/validate",
            common::review("pod-denied.json"),
        )
        .await
        .expect("review");
        assert_eq!(status, StatusCode::OK);
        let answer = common::json(&body);
        assert_eq!(answer["response"]["allowed"], false, "{answer}");
        answer["response"]["status"]["message"]
            .as_str()
            .expect("message")
            .to_string()
    }
    let message = enforce_message(&mut conn).await;
    assert!(
        message.contains("PodSecurity \"baseline:latest\""),
        "{message}"
    );

    api.send("apiserver/watch-modified.json");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = enforce_message(&mut conn).await;
        if message.contains("PodSecurity \"restricted:latest\"") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "labels never changed: {message}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The exec guard finds the privileged, hostPID pod in the pod cache.
    let (status, body) = common::loopback::request(
        &mut conn,
        Method::POST,
        "/validate",
        common::review("exec-debug.json"),
    )
    .await
    .expect("review");
    assert_eq!(status, StatusCode::OK);
    let answer = common::json(&body);
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    let message = answer["response"]["status"]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("exec guard"), "{message}");

    server.shut_down().await;
}
