//! The manifests of `deploy/audit/` (the audit webhook receiver) pass our
//! own checks with zero findings, meet Pod Security `restricted`, hold no
//! RBAC and no API token, and agree with each other: the API server's
//! webhook kubeconfig points at the Service's fixed ClusterIP, path
//! `/audit`, and at the name on the certificate.

use crate::support::{kubeguard_in_repo, repo};

fn read(file: &str) -> String {
    std::fs::read_to_string(repo().join("deploy/audit").join(file)).expect("read")
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let out = kubeguard_in_repo().args(args).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).expect("json report")
}

#[test]
fn scan_finds_nothing_in_the_audit_manifests() {
    // With the namespace, its default deny and its limits from deploy/.
    let report = run_json(&[
        "scan",
        "deploy/namespace.yaml",
        "deploy/networkpolicy.yaml",
        "deploy/limits.yaml",
        "deploy/cert-manager/",
        "deploy/audit/",
        "--no-config",
        "--profile",
        "best-practice",
        "--fail-on",
        "info",
        "--format",
        "json",
    ]);
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    assert_eq!(report["summary"]["suppressed"], 0, "no exception: {report}");
    // Every manifest read; the Grafana dashboard is not a Kubernetes object.
    assert!(
        report["summary"]["objects"].as_u64().unwrap() >= 15,
        "{report}"
    );
}

#[test]
fn the_receiver_meets_pss_restricted() {
    let report = run_json(&[
        "pss",
        "check",
        "--level",
        "restricted",
        "deploy/audit/",
        "--format",
        "json",
    ]);
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    let out = kubeguard_in_repo()
        .args(["pss", "check", "--level", "restricted", "deploy/audit/"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for deployment in ["kubeguard-audit", "kubeguard-audit-worker"] {
        assert!(
            text.contains(&format!("Deployment kubeguard/{deployment}: allowed")),
            "{text}"
        );
    }
}

#[test]
fn the_receiver_has_least_privilege() {
    for entry in std::fs::read_dir(repo().join("deploy/audit")).expect("deploy/audit") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        for kind in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] {
            assert!(
                !text.contains(&format!("kind: {kind}\n")),
                "{kind} in deploy/audit"
            );
        }
    }
    assert!(read("serviceaccount.yaml").contains("automountServiceAccountToken: false"));
    let deployment = read("deployment.yaml");
    assert!(deployment.contains("automountServiceAccountToken: false"));
    assert!(deployment.contains("serviceAccountName: kubeguard-audit"));
    assert!(deployment.contains("secretName: kubeguard-audit-tls"));
    assert!(read("certificate.yaml").contains("secretName: kubeguard-audit-tls"));
    for arg in [
        "- audit",
        "- serve",
        "--tls-cert=/etc/kubeguard/tls/tls.crt",
        "--listen=0.0.0.0:8443",
    ] {
        assert!(deployment.contains(arg), "{arg}");
    }
}

#[test]
fn the_webhook_kubeconfig_points_at_the_service() {
    let service = read("service.yaml");
    let ip = service
        .lines()
        .find_map(|l| l.trim().strip_prefix("clusterIP: "))
        .expect("a fixed clusterIP");
    let kubeconfig = read("audit-webhook-kubeconfig.yaml");
    assert!(
        kubeconfig.contains(&format!("server: https://{ip}:443/audit")),
        "{kubeconfig}"
    );
    assert!(kubeconfig.contains("tls-server-name: kubeguard-audit.kubeguard.svc"));
    assert!(read("certificate.yaml").contains("- kubeguard-audit.kubeguard.svc\n"));
    let policy = read("audit-policy.yaml");
    assert!(policy.contains("apiVersion: audit.k8s.io/v1\nkind: Policy\n"));
}

#[test]
fn the_workers_consume_from_nats_without_privileges() {
    let worker = read("worker-deployment.yaml");
    for arg in [
        "- audit",
        "- worker",
        "--nats=nats://",
        "--metrics-listen=0.0.0.0:9090",
        "automountServiceAccountToken: false",
    ] {
        assert!(worker.contains(arg), "{arg}");
    }
    assert!(read("deployment.yaml").contains("# - --publish=nats://"));
    let policy = read("worker-networkpolicy.yaml");
    assert!(policy.contains("app.kubernetes.io/name: kubeguard-audit-worker"));
    assert!(policy.contains("port: 4222"));
    assert!(read("worker-pdb.yaml").contains("minAvailable: 1"));
}
