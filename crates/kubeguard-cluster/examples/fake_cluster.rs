//! A generated cluster served by the fake API server, for benchmarks:
//!
//! ```sh
//! cargo run --release -p kubeguard-cluster --features fake-server --example fake_cluster -- \
//!     DIR [PODS SERVICE_ACCOUNTS BINDINGS NETWORK_POLICIES]
//! ```
//!
//! writes `DIR/bench.kubeconfig` (context `bench`) and serves until its
//! standard input closes. The defaults are 10,000 pods, 2,000 service
//! accounts, 50,000 RBAC bindings (a tenth of them ClusterRoleBindings) and
//! 1,000 NetworkPolicies in 100 namespaces.

use kubeguard_cluster::fake::{FakeApiServer, Recorded};
use serde_json::{Value, json};
use std::io::Read;

const NAMESPACES: usize = 100;

fn meta(name: &str, namespace: Option<&str>, labels: Value) -> Value {
    let mut m = json!({"name": name, "uid": format!("{}-{name}", namespace.unwrap_or("c")),
        "resourceVersion": "1", "creationTimestamp": "2026-01-01T00:00:00Z", "labels": labels});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

fn pod(i: usize) -> Value {
    let ns = format!("ns-{}", i % NAMESPACES);
    let app = format!("app-{}", i % 50);
    let hardened = !i.is_multiple_of(3);
    let security = if hardened {
        json!({"runAsNonRoot": true, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
               "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}})
    } else {
        json!({"privileged": i.is_multiple_of(7), "capabilities": {"add": ["NET_ADMIN"]}})
    };
    json!({
        "metadata": meta(&format!("pod-{i}"), Some(&ns), json!({"app": app, "tier": "backend"})),
        "spec": {
            "serviceAccountName": format!("sa-{}", i % 20),
            "hostNetwork": i.is_multiple_of(97),
            "containers": [{
                "name": "main",
                "image": format!("registry.example.com/{app}:1.{}", i % 10),
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "MODE", "value": "production"}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "securityContext": security,
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            }],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
        "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256)},
    })
}

fn generate(pods: usize, accounts: usize, bindings: usize, policies: usize) -> Recorded {
    let mut r = Recorded::default();
    for n in 0..NAMESPACES {
        let ns = format!("ns-{n}");
        r.add(
            "/api/v1/namespaces",
            json!({"metadata": meta(&ns, None, json!({"kubernetes.io/metadata.name": ns,
                "pod-security.kubernetes.io/enforce": if n % 2 == 0 { "baseline" } else { "restricted" }}))}),
        );
        r.add(
            "/apis/rbac.authorization.k8s.io/v1/roles",
            json!({"metadata": meta("reader", Some(&ns), json!({})),
                   "rules": [{"apiGroups": [""], "resources": ["pods", "configmaps", "secrets"], "verbs": ["get", "list", "watch"]}]}),
        );
    }
    for i in 0..pods {
        r.add("/api/v1/pods", pod(i));
    }
    for i in 0..accounts {
        let ns = format!("ns-{}", i % NAMESPACES);
        r.add(
            "/api/v1/serviceaccounts",
            json!({"metadata": meta(&format!("sa-{}", i / NAMESPACES), Some(&ns), json!({}))}),
        );
    }
    for i in 0..200 {
        let verbs = if i % 10 == 0 {
            json!(["*"])
        } else {
            json!(["get", "list"])
        };
        r.add(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            json!({"metadata": meta(&format!("role-{i}"), None, json!({})),
                   "rules": [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments", if i % 5 == 0 { "secrets" } else { "services" }], "verbs": verbs}]}),
        );
    }
    let cluster_bindings = bindings / 10;
    for i in 0..bindings {
        let subject_ns = format!("ns-{}", i % NAMESPACES);
        let subject = json!([{"kind": "ServiceAccount", "name": format!("sa-{}", i % 20), "namespace": subject_ns},
                             {"kind": "User", "name": format!("user-{}", i % 500)}]);
        if i < cluster_bindings {
            r.add(
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                json!({"metadata": meta(&format!("crb-{i}"), None, json!({})),
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("role-{}", i % 200)},
                       "subjects": subject}),
            );
        } else {
            let (kind, name) = if i % 2 == 0 {
                ("Role", "reader".to_owned())
            } else {
                ("ClusterRole", format!("role-{}", i % 200))
            };
            r.add(
                "/apis/rbac.authorization.k8s.io/v1/rolebindings",
                json!({"metadata": meta(&format!("rb-{i}"), Some(&format!("ns-{}", (i / 7) % NAMESPACES)), json!({})),
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name},
                       "subjects": subject}),
            );
        }
    }
    for i in 0..policies {
        let ns = format!("ns-{}", i % NAMESPACES);
        let spec = if i < NAMESPACES {
            json!({"podSelector": {}, "policyTypes": ["Ingress"]})
        } else {
            json!({"podSelector": {"matchLabels": {"app": format!("app-{}", i % 50)}},
                   "policyTypes": ["Ingress", "Egress"],
                   "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": format!("app-{}", (i + 1) % 50)}}},
                                         {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": format!("ns-{}", (i + 3) % NAMESPACES)}}}],
                                "ports": [{"port": 8080, "protocol": "TCP"}]}],
                   "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}]}]})
        };
        r.add(
            "/apis/networking.k8s.io/v1/networkpolicies",
            json!({"metadata": meta(&format!("np-{i}"), Some(&ns), json!({})), "spec": spec}),
        );
    }
    r
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: fake_cluster DIR [PODS SERVICE_ACCOUNTS BINDINGS NETWORK_POLICIES]");
        std::process::exit(2);
    };
    let number = |i: usize, default: usize| {
        args.get(i)
            .map_or(default, |s| s.parse().expect("a number"))
    };
    let recorded = generate(
        number(1, 10_000),
        number(2, 2_000),
        number(3, 50_000),
        number(4, 1_000),
    );
    let server = FakeApiServer::start(recorded);
    let kubeconfig = server.write_kubeconfig(std::path::Path::new(dir), "bench");
    println!("{}", kubeconfig.display());
    // Serve until standard input closes.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
