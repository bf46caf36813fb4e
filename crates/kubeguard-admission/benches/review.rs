//! Time to answer one AdmissionReview with a realistic policy: a Pod and
//! a Deployment, each allowed and denied.

use kubeguard_admission::{Endpoint, Engine, Policy, StaticCluster};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

const POLICY: &str = r#"
failureMode: deny
podSecurity:
  defaults: {enforce: restricted, audit: restricted, warn: restricted}
rules:
  - minSeverity: high
    action: deny
  - minSeverity: low
    action: warn
images:
  allowedRegistries: [ghcr.io/acme, registry.k8s.io]
  forbidLatest: true
  action: deny
customRules:
  - name: team-label
    expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    message: every object needs a team label
    action: deny
    kinds: [Pod, Deployment]
cluster:
  namespaces:
    shop:
      labels: {pod-security.kubernetes.io/enforce: restricted}
"#;

fn pod_spec(secure: bool) -> Value {
    let sc = if secure {
        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
               "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 10001})
    } else {
        json!({"privileged": true})
    };
    json!({
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": true},
        "automountServiceAccountToken": false,
        "serviceAccountName": "api",
        "containers": [{
            "name": "api", "image": if secure { "ghcr.io/acme/api:1.4.2" } else { "nginx:latest" },
            "imagePullPolicy": "Always",
            "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                          "limits": {"cpu": "500m", "memory": "256Mi"}},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
            "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
            "securityContext": sc,
        }],
    })
}

fn review(kind: &str, secure: bool) -> Vec<u8> {
    let meta =
        json!({"name": "api", "namespace": "shop", "labels": {"app": "api", "team": "core"}});
    let object = if kind == "Pod" {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec(secure)})
    } else {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
            "replicas": 2, "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api", "team": "core"}},
                         "spec": pod_spec(secure)}}})
    };
    let (group, version, resource) = if kind == "Pod" {
        ("", "v1", "pods")
    } else {
        ("apps", "v1", "deployments")
    };
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource},
            "name": "api", "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": object, "dryRun": false,
        }
    }))
    .expect("a review serialises")
}

fn engine() -> (Engine, StaticCluster) {
    let policy = Policy::from_text("bench.yaml", POLICY, None).expect("the bench policy is valid");
    let cluster = policy.static_cluster();
    (
        Engine::new(policy).expect("the bench policy compiles"),
        cluster,
    )
}

#[divan::bench(args = [("Pod", true), ("Pod", false), ("Deployment", true), ("Deployment", false)])]
fn review_body(bencher: divan::Bencher, (kind, secure): (&str, bool)) {
    let (engine, cluster) = engine();
    let body = review(kind, secure);
    bencher.bench(|| {
        engine
            .review_body(divan::black_box(&body), Endpoint::Validate, &cluster)
            .expect("the bench review is valid")
    });
}

/// One policy kind at a time, on the denied Deployment: where the time goes.
#[divan::bench(args = ["pod-security", "rules", "images", "custom-rules", "none"])]
fn policy_kind(bencher: divan::Bencher, kind: &str) {
    let policy = match kind {
        "pod-security" => {
            "podSecurity: {defaults: {enforce: restricted, audit: restricted, warn: restricted}}\n"
        }
        "rules" => "rules: [{minSeverity: low, action: warn}]\n",
        "images" => {
            "images: {allowedRegistries: [ghcr.io/acme], forbidLatest: true, action: deny}\n"
        }
        "custom-rules" => {
            "customRules: [{name: team, expression: \"'team' in object.metadata.labels\", message: m, action: deny}]\n"
        }
        _ => "{}\n",
    };
    let policy = Policy::from_text("bench.yaml", policy, None).expect("valid");
    let cluster = policy.static_cluster();
    let engine = Engine::new(policy).expect("compiles");
    let body = review("Deployment", false);
    bencher.bench(|| {
        engine
            .review_body(divan::black_box(&body), Endpoint::Validate, &cluster)
            .expect("the bench review is valid")
    });
}
