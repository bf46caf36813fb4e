//! A generated audit log shaped like a real API server's: mostly
//! controllers and nodes getting, listing and watching, some users creating
//! workloads and RBAC, a few exec, secret and privileged-pod events. Shared
//! by the `scan` bench and the `audit_stream` example (which writes it to a
//! file for measuring `kubeguard audit scan`).

use std::fmt::Write as _;

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

const SYSTEM_USERS: &[&str] = &[
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:node:worker-1",
    "system:node:worker-2",
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:serviceaccount:kube-system:endpointslice-controller",
    "system:apiserver",
];
const USERS: &[&str] = &["alice", "bob", "ci-deployer", "kubernetes-admin", "eve"];
const RESOURCES: &[&str] = &[
    "pods",
    "configmaps",
    "secrets",
    "services",
    "endpoints",
    "leases",
    "nodes",
    "deployments",
    "events",
];
const NAMESPACES: &[&str] = &["default", "kube-system", "shop", "payments", "monitoring"];

/// One audit event as JSON text.
fn event(rng: &mut Lcg, i: usize) -> String {
    let roll = rng.next(100);
    let ns = NAMESPACES[rng.next(NAMESPACES.len())];
    let (user, verb, resource, sub, body) = if roll < 75 {
        let verb = ["get", "list", "watch", "update"][rng.next(4)];
        (
            SYSTEM_USERS[rng.next(SYSTEM_USERS.len())],
            verb,
            RESOURCES[rng.next(RESOURCES.len())],
            "",
            String::new(),
        )
    } else if roll < 88 {
        let verb = ["get", "list", "create", "delete", "patch"][rng.next(5)];
        (
            USERS[rng.next(USERS.len())],
            verb,
            RESOURCES[rng.next(RESOURCES.len())],
            "",
            String::new(),
        )
    } else if roll < 93 {
        let privileged = rng.next(4) == 0;
        let body = format!(
            r#","requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"web-{i}","namespace":"{ns}","labels":{{"app":"web"}}}},"spec":{{"hostNetwork":{},"containers":[{{"name":"web","image":"registry.example.com/shop/web:1.{i}","ports":[{{"containerPort":8080}}],"securityContext":{{"privileged":{privileged},"runAsUser":1000}},"resources":{{"limits":{{"cpu":"500m","memory":"256Mi"}}}}}},{{"name":"sidecar","image":"envoyproxy/envoy:v1.31","securityContext":{{"readOnlyRootFilesystem":true}}}}],"volumes":[{{"name":"data","emptyDir":{{}}}},{{"name":"host","hostPath":{{"path":"{}"}}}}]}}}},"responseObject":{{"metadata":{{"name":"web-{i}"}}}}"#,
            rng.next(10) == 0,
            ["/var/log", "/etc", "/data"][rng.next(3)]
        );
        (USERS[rng.next(USERS.len())], "create", "pods", "", body)
    } else if roll < 96 {
        (
            USERS[rng.next(USERS.len())],
            "create",
            "pods",
            "exec",
            String::new(),
        )
    } else {
        let body = r#","requestObject":{"kind":"ClusterRoleBinding","roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"ServiceAccount","name":"default","namespace":"shop"}]}"#.to_owned();
        (
            USERS[rng.next(USERS.len())],
            "create",
            "clusterrolebindings",
            "",
            body,
        )
    };
    let stage = if sub == "exec" {
        "ResponseStarted"
    } else {
        "ResponseComplete"
    };
    let sub_field = if sub.is_empty() {
        String::new()
    } else {
        format!(r#","subresource":"{sub}""#)
    };
    let code = if rng.next(20) == 0 { 403 } else { 200 };
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"5f3c{i:08x}-8d1a-4c3e-9b7a-2e1f0c9d8b7a","stage":"{stage}","requestURI":"/api/v1/namespaces/{ns}/{resource}?limit=500","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.0.{}.{}"],"userAgent":"kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/abcdef","objectRef":{{"resource":"{resource}","namespace":"{ns}","name":"obj-{i}","apiVersion":"v1"{sub_field}}},"responseStatus":{{"metadata":{{}},"code":{code}}}{body},"requestReceivedTimestamp":"2026-12-05T04:00:00.000000Z","stageTimestamp":"2026-12-05T04:00:00.001234Z","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:kube-controller-manager\""}}}}"#,
        rng.next(256),
        rng.next(256),
    )
}

/// `events` audit events as JSON lines.
#[allow(dead_code, reason = "the example writes the stream in chunks")]
pub fn stream(events: usize) -> String {
    stream_from(0, events)
}

/// `events` audit events as JSON lines, numbered from `first`.
pub fn stream_from(first: usize, events: usize) -> String {
    let mut rng = Lcg(7 + first as u64);
    let mut text = String::new();
    for i in first..first + events {
        let _ = writeln!(text, "{}", event(&mut rng, i));
    }
    text
}
