//! A fake API server for tests and benchmarks: it answers `GET /version`
//! and list requests for recorded objects on 127.0.0.1, paging with
//! `limit` and `continue` as the API server does; a kind can be made to
//! answer 403, to be slow for its first requests, or to let its continue
//! tokens expire (410 Gone). Unrecorded kinds
//! answer 404, as a kind whose CRD is not installed does. It runs on a
//! thread of its own, so synchronous tests can use it.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake server serves.
#[derive(Debug, Default, Clone)]
pub struct Recorded {
    /// Items by collection (`/api/v1/pods`, `/apis/apps/v1/deployments`).
    lists: BTreeMap<String, Vec<Value>>,
    /// Collections that answer 403.
    forbidden: Vec<String>,
    /// Collections whose first `n` requests wait before answering.
    slow: HashMap<String, (Duration, usize)>,
    /// Collections whose first `n` requests with a continue token answer
    /// 410 Gone.
    expiring: HashMap<String, usize>,
}

impl Recorded {
    /// Recorded list responses: a JSON object from collection path to the
    /// list the API server answered (`{"kind": "PodList", "items": [...]}`).
    ///
    /// # Panics
    /// When `lists` is not such an object (a broken test fixture).
    #[must_use]
    pub fn from_lists(lists: &Value) -> Self {
        let mut out = Recorded::default();
        for (path, list) in lists.as_object().expect("an object of lists") {
            let items = list["items"].as_array().cloned().unwrap_or_default();
            out.lists.insert(path.clone(), items);
        }
        out
    }

    /// Adds an object to the collection `path`.
    pub fn add(&mut self, path: &str, item: Value) {
        self.lists.entry(path.to_owned()).or_default().push(item);
    }

    /// Makes the collection `path` answer 403 Forbidden.
    pub fn forbid(&mut self, path: &str) {
        self.forbidden.push(path.to_owned());
    }

    /// Makes the first `times` requests for `path` wait `delay`.
    pub fn slow(&mut self, path: &str, delay: Duration, times: usize) {
        self.slow.insert(path.to_owned(), (delay, times));
    }

    /// Makes the first `times` requests for `path` that carry a continue
    /// token answer 410 Gone, as when the token outlived the server's
    /// compaction window.
    pub fn expire_continue(&mut self, path: &str, times: usize) {
        self.expiring.insert(path.to_owned(), times);
    }
}

/// One recorded object, serialized once: its namespace and its JSON.
#[derive(Debug)]
struct Item {
    namespace: Option<String>,
    json: String,
}

#[derive(Debug, Default)]
struct Shared {
    lists: BTreeMap<String, Vec<Item>>,
    forbidden: Vec<String>,
    slow: HashMap<String, (Duration, usize)>,
    expiring: HashMap<String, usize>,
    log: Vec<String>,
}

/// A running fake API server; it stops when dropped.
#[derive(Debug)]
pub struct FakeApiServer {
    url: String,
    shared: Arc<Mutex<Shared>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn status(code: StatusCode, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16()});
    (
        code,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The collection and namespace of a list path: `/api/v1/namespaces/shop/pods`
/// is (`/api/v1/pods`, `shop`).
fn collection(path: &str) -> Option<(String, Option<String>)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let prefix = match segments.first() {
        Some(&"api") => 2,
        Some(&"apis") => 3,
        _ => return None,
    };
    let base = segments.get(..prefix)?.join("/");
    match &segments[prefix..] {
        [plural] => Some((format!("/{base}/{plural}"), None)),
        ["namespaces", ns, plural] => Some((format!("/{base}/{plural}"), Some((*ns).to_owned()))),
        _ => None,
    }
}

fn query_param<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

async fn answer(
    State(shared): State<Arc<Mutex<Shared>>>,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let path = uri.path().to_owned();
    let query = query.unwrap_or_default();
    if path == "/version" {
        return axum::Json(json!({"major": "1", "minor": "31", "gitVersion": "v1.31.2",
            "gitCommit": "", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.23", "compiler": "gc", "platform": "linux/amd64"}))
        .into_response();
    }
    let Some((key, namespace)) = collection(&path) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    let delay = {
        let mut shared = shared.lock().expect("lock");
        shared.log.push(format!("{path}?{query}"));
        match shared.slow.get_mut(&key) {
            Some((delay, times)) if *times > 0 => {
                *times -= 1;
                Some(*delay)
            }
            _ => None,
        }
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut shared = shared.lock().expect("lock");
    if query_param(&query, "continue").is_some()
        && let Some(times) = shared.expiring.get_mut(&key).filter(|t| **t > 0)
    {
        *times -= 1;
        return status(
            StatusCode::GONE,
            "Expired",
            "the continue token is too old: start the list again without it",
        );
    }
    if shared.forbidden.contains(&key) {
        let plural = key.rsplit('/').next().unwrap_or_default();
        return status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "{plural} is forbidden: User \"system:serviceaccount:kubeguard:scanner\" cannot list resource \"{plural}\" at the cluster scope"
            ),
        );
    }
    let Some(items) = shared.lists.get(&key) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    let selected: Vec<&str> = items
        .iter()
        .filter(|item| namespace.is_none() || item.namespace == namespace)
        .map(|item| item.json.as_str())
        .collect();
    let start: usize = query_param(&query, "continue")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let limit: usize = query_param(&query, "limit")
        .and_then(|l| l.parse().ok())
        .filter(|&l| l > 0)
        .unwrap_or(usize::MAX);
    let end = start.saturating_add(limit).min(selected.len());
    let page = &selected[start.min(end)..end];
    let mut metadata = json!({"resourceVersion": "1000"});
    if end < selected.len() {
        metadata["continue"] = json!(end.to_string());
        metadata["remainingItemCount"] = json!(selected.len() - end);
    }
    let body = format!(
        "{{\"kind\":\"List\",\"apiVersion\":\"v1\",\"metadata\":{metadata},\"items\":[{}]}}",
        page.join(",")
    );
    ([("content-type", "application/json")], body).into_response()
}

impl FakeApiServer {
    /// Starts serving `recorded` on a free loopback port.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    #[must_use]
    pub fn start(recorded: Recorded) -> Self {
        let lists = recorded
            .lists
            .into_iter()
            .map(|(path, items)| {
                let items = items
                    .iter()
                    .map(|item| Item {
                        namespace: item
                            .pointer("/metadata/namespace")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        json: item.to_string(),
                    })
                    .collect();
                (path, items)
            })
            .collect();
        let shared = Arc::new(Mutex::new(Shared {
            lists,
            forbidden: recorded.forbidden,
            slow: recorded.slow,
            expiring: recorded.expiring,
            log: Vec::new(),
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("non-blocking");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        FakeApiServer {
            url,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The server's URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The list requests answered so far, as `PATH?QUERY`.
    ///
    /// # Panics
    /// When a request handler panicked.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().expect("lock").log.clone()
    }

    /// Writes a kubeconfig whose context `context` talks to this server,
    /// and returns its path.
    ///
    /// # Panics
    /// When the file cannot be written.
    #[must_use]
    pub fn write_kubeconfig(&self, dir: &Path, context: &str) -> PathBuf {
        let path = dir.join(format!("{context}.kubeconfig"));
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {context}\nclusters:\n- name: fake\n  cluster:\n    server: {url}\ncontexts:\n- name: {context}\n  context:\n    cluster: fake\n    user: scanner\nusers:\n- name: scanner\n  user:\n    token: fake-token\n",
            url = self.url
        );
        std::fs::write(&path, text).expect("write kubeconfig");
        path
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::collection;

    #[test]
    fn list_paths() {
        assert_eq!(
            collection("/api/v1/pods"),
            Some(("/api/v1/pods".into(), None))
        );
        assert_eq!(
            collection("/api/v1/namespaces/shop/pods"),
            Some(("/api/v1/pods".into(), Some("shop".into())))
        );
        assert_eq!(
            collection("/api/v1/namespaces"),
            Some(("/api/v1/namespaces".into(), None))
        );
        assert_eq!(
            collection("/apis/apps/v1/namespaces/a/deployments"),
            Some(("/apis/apps/v1/deployments".into(), Some("a".into())))
        );
        assert_eq!(collection("/apis/apps/v1"), None);
    }
}
