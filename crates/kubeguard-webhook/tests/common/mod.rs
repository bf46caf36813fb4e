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

pub mod loopback;

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
