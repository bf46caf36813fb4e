//! Helpers shared by the integration tests: policies from text, review
//! bodies, and reading responses.
#![allow(dead_code)]

use base64::Engine as _;
use kubeguard_admission::{ClusterView, Endpoint, Engine, Policy, Reviewed, StaticCluster};
use serde_json::{Value, json};

/// An engine for policy text (panics with the error: test input).
pub fn engine(yaml: &str) -> Engine {
    let policy = Policy::from_text("policy.yaml", yaml, None)
        .unwrap_or_else(|e| panic!("test policy is invalid: {e}"));
    Engine::new(policy).unwrap_or_else(|e| panic!("test policy does not compile: {e}"))
}

/// The engine and its static cluster.
pub fn engine_and_cluster(yaml: &str) -> (Engine, StaticCluster) {
    let policy = Policy::from_text("policy.yaml", yaml, None)
        .unwrap_or_else(|e| panic!("test policy is invalid: {e}"));
    let cluster = policy.static_cluster();
    (
        Engine::new(policy).unwrap_or_else(|e| panic!("test policy does not compile: {e}")),
        cluster,
    )
}

/// The resource and group of a kind, for the request's `resource`.
fn resource_of(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "Pod" => ("", "pods"),
        "Deployment" => ("apps", "deployments"),
        "StatefulSet" => ("apps", "statefulsets"),
        "DaemonSet" => ("apps", "daemonsets"),
        "CronJob" => ("batch", "cronjobs"),
        "Job" => ("batch", "jobs"),
        "Secret" => ("", "secrets"),
        "ConfigMap" => ("", "configmaps"),
        "Namespace" => ("", "namespaces"),
        _ => ("", "others"),
    }
}

/// A CREATE review of `object` by `user`.
pub fn create(object: &Value, user: &str) -> Vec<u8> {
    request("CREATE", Some(object), None, user)
}

/// A review of `operation` with the given objects.
pub fn request(
    operation: &str,
    object: Option<&Value>,
    old: Option<&Value>,
    user: &str,
) -> Vec<u8> {
    let o = object.or(old).cloned().unwrap_or(Value::Null);
    let kind = o["kind"].as_str().unwrap_or("Pod").to_owned();
    let (group, resource) = resource_of(&kind);
    let version = o["apiVersion"]
        .as_str()
        .map(|v| v.rsplit('/').next().unwrap_or(v))
        .unwrap_or("v1");
    let mut req = json!({
        "uid": "uid-1234",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "name": o["metadata"]["name"],
        "namespace": o["metadata"]["namespace"],
        "operation": operation,
        "userInfo": {"username": user, "groups": ["system:authenticated"]},
    });
    if let Some(obj) = object {
        req["object"] = obj.clone();
    }
    if let Some(old) = old {
        req["oldObject"] = old.clone();
    }
    wrap(req)
}

/// A CONNECT review of `pods/<sub>` on the pod `namespace/name`.
pub fn connect(namespace: &str, name: &str, sub: &str) -> Vec<u8> {
    wrap(json!({
        "uid": "uid-connect",
        "kind": {"group": "", "version": "v1", "kind": "PodExecOptions"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "subResource": sub,
        "name": name, "namespace": namespace, "operation": "CONNECT",
        "userInfo": {"username": "alice"},
        "object": {"apiVersion": "v1", "kind": "PodExecOptions", "command": ["sh"], "stdin": true},
    }))
}

/// Wraps a request in an AdmissionReview.
pub fn wrap(request: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request,
    }))
    .expect("serialises")
}

/// Reviews `body` and returns the response object and the outcome.
pub fn review(
    engine: &Engine,
    body: &[u8],
    endpoint: Endpoint,
    cluster: &dyn ClusterView,
) -> (Value, Reviewed) {
    let reviewed = engine
        .review_body(body, endpoint, cluster)
        .unwrap_or_else(|e| panic!("review refused: {e}"));
    let v: Value = serde_json::from_slice(&reviewed.body).expect("the response is JSON");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    (v["response"].clone(), reviewed)
}

/// Validates `object` (CREATE by alice) against `engine` with no cluster state.
pub fn validate(engine: &Engine, object: &Value) -> Value {
    review(
        engine,
        &create(object, "alice"),
        Endpoint::Validate,
        &StaticCluster::default(),
    )
    .0
}

/// The response's warnings.
pub fn warnings(response: &Value) -> Vec<String> {
    response["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The decoded JSONPatch of a response, if any.
pub fn patch_of(response: &Value) -> Option<Value> {
    let text = response["patch"].as_str()?;
    assert_eq!(response["patchType"], "JSONPatch");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("patch is base64");
    Some(serde_json::from_slice(&bytes).expect("patch is JSON"))
}

/// A pod with one container.
pub fn pod(name: &str, namespace: &str, image: &str, container_sc: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": image, "securityContext": container_sc}]},
    })
}

/// A pod that passes the restricted level.
pub fn restricted_pod(name: &str, namespace: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "image": "ghcr.io/acme/app:1.0",
                "securityContext": {"allowPrivilegeEscalation": false,
                    "capabilities": {"drop": ["ALL"]}}}],
        },
    })
}

/// A Deployment around a pod's spec.
pub fn deployment(name: &str, namespace: &str, pod: &Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name},
                "annotations": pod["metadata"]["annotations"].as_object().cloned().unwrap_or_default()},
                "spec": pod["spec"]}},
    })
}
