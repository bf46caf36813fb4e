//! `--cluster`, `--snapshot` and `snapshot save` against a fake API server
//! on loopback serving a recorded cluster, reached through kube-rs with a
//! generated kubeconfig.

use crate::support::{json, kubeguard};
use kubeguard_cluster::fake::{FakeApiServer, Recorded};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn recorded() -> Recorded {
    let path = crate::support::repo().join("crates/kubeguard-cluster/tests/fixtures/cluster.json");
    let text = std::fs::read_to_string(path).expect("fixture");
    Recorded::from_lists(&serde_json::from_str(&text).expect("json"))
}

struct Fake {
    server: FakeApiServer,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Fake {
    fn new(recorded: Recorded) -> Self {
        let server = FakeApiServer::start(recorded);
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = server.write_kubeconfig(dir.path(), "fake");
        Fake {
            server,
            dir,
            kubeconfig,
        }
    }

    /// `kubeguard ARGS --cluster --kubeconfig K`, run in an empty directory.
    fn live(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = kubeguard();
        cmd.current_dir(self.dir.path())
            .args(args)
            .arg("--cluster")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["--chunk-size", "2"]);
        cmd.output().expect("run")
    }

    /// `kubeguard ARGS --snapshot FILE`.
    fn saved(&self, snapshot: &Path, args: &[&str]) -> std::process::Output {
        let mut cmd = kubeguard();
        cmd.current_dir(self.dir.path())
            .args(args)
            .arg("--snapshot")
            .arg(snapshot);
        cmd.output().expect("run")
    }

    fn save(&self, extra: &[&str]) -> (PathBuf, std::process::Output) {
        let file = self.dir.path().join("cluster.yaml.gz");
        let out = kubeguard()
            .current_dir(self.dir.path())
            .args(["snapshot", "save"])
            .arg(&file)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(extra)
            .output()
            .expect("run");
        (file, out)
    }
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exit code")
}

fn findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .collect()
}

#[test]
fn scan_reports_cluster_locations_and_the_live_yaml() {
    let fake = Fake::new(recorded());
    let out = fake.live(&["scan", "--format", "json", "--no-config"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out.stdout);
    assert_eq!(report["errors"], serde_json::json!([]));
    let privileged = findings(&report)
        .into_iter()
        .find(|f| f["rule"] == "privileged-container")
        .expect("privileged-container");
    assert_eq!(privileged["file"], "cluster://fake/shop/Deployment/web");
    assert_eq!(
        privileged["path"],
        "spec.template.spec.containers[0].securityContext.privileged"
    );
    assert!(privileged["line"].as_u64().unwrap() > 1);
    // Pods and the ReplicaSet are reported on their Deployment.
    assert!(
        !findings(&report)
            .iter()
            .any(|f| f["file"].as_str().unwrap().contains("web-5d4f")),
        "{report:#}"
    );
    // The control-plane static pod is checked as kubeadm's manifest would be.
    assert!(
        findings(&report)
            .iter()
            .any(|f| f["file"] == "cluster://fake/kube-system/Pod/kube-apiserver-node1"),
        "{report:#}"
    );
    let text = fake.live(&["scan", "--no-config", "--color", "never"]);
    let text = String::from_utf8(text.stdout).unwrap();
    let line = privileged["line"].as_u64().unwrap();
    assert!(
        text.contains(&format!(
            "cluster://fake/shop/Deployment/web:{line}:{}: critical [privileged-container]",
            privileged["column"]
        )),
        "{text}"
    );
    // The live YAML around the field, numbered, the field marked.
    let block: Vec<&str> = text
        .split("\n\n")
        .find(|b| b.contains("[privileged-container]"))
        .expect("privileged block")
        .lines()
        .collect();
    let numbered = |n: u64| {
        block
            .iter()
            .find(|l| l.trim_start().starts_with(&format!("{n} |")))
            .unwrap_or_else(|| panic!("line {n} not shown: {block:#?}"))
    };
    assert!(
        numbered(line - 1).ends_with("securityContext:"),
        "{block:#?}"
    );
    assert!(numbered(line).ends_with("privileged: true"), "{block:#?}");
    numbered(line + 1);
    let marked = block.iter().position(|l| l.contains('^')).unwrap();
    assert!(
        block[marked - 1].ends_with("privileged: true"),
        "{block:#?}"
    );
    // Secrets were never asked for.
    assert!(!fake.server.requests().iter().any(|r| r.contains("secrets")));
}

#[test]
fn a_forbidden_kind_fails_the_run_and_everything_else_is_reported() {
    let mut recorded = recorded();
    recorded.forbid("/apis/networking.k8s.io/v1/networkpolicies");
    let fake = Fake::new(recorded);
    let out = fake.live(&["scan", "--format", "json", "--no-config"]);
    assert_eq!(code(&out), 2);
    let report = json(&out.stdout);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["file"], "cluster://fake/NetworkPolicy");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot list networkpolicies.networking.k8s.io: forbidden (403)")
    );
    assert!(
        findings(&report)
            .iter()
            .any(|f| f["rule"] == "privileged-container")
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: cluster://fake/NetworkPolicy:1:1: cannot list"),
        "{stderr}"
    );
}

#[test]
fn a_missing_crd_is_skipped_quietly_and_a_slow_list_is_retried() {
    let mut recorded = recorded();
    recorded.slow("/api/v1/services", Duration::from_secs(3), 1);
    let fake = Fake::new(recorded);
    let out = fake.live(&[
        "scan",
        "--format",
        "json",
        "--no-config",
        "--request-timeout",
        "300ms",
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out.stdout);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert!(
        findings(&report)
            .iter()
            .any(|f| f["rule"] == "service-external-ips"),
        "{report:#}"
    );
    let requests = fake.server.requests();
    assert!(requests.iter().any(|r| r.contains("adminnetworkpolicies")));
}

#[test]
fn secrets_are_read_with_their_keys_only() {
    let fake = Fake::new(recorded());
    for format in ["json", "text"] {
        let out = fake.live(&[
            "scan",
            "--format",
            format,
            "--no-config",
            "--include-secrets",
        ]);
        assert_eq!(code(&out), 1);
        for stream in [&out.stdout, &out.stderr] {
            let s = String::from_utf8_lossy(stream);
            assert!(!s.contains("c3VwZXItc2VjcmV0"), "{s}");
        }
    }
    assert!(
        fake.server
            .requests()
            .iter()
            .any(|r| r.starts_with("/api/v1/secrets?"))
    );
}

#[test]
fn namespace_limits_what_is_read() {
    let fake = Fake::new(recorded());
    let out = fake.live(&[
        "scan",
        "--format",
        "json",
        "--no-config",
        "--namespace",
        "kube-system",
    ]);
    let report = json(&out.stdout);
    assert!(
        !findings(&report)
            .iter()
            .any(|f| f["file"].as_str().unwrap().contains("/shop/")),
        "{report:#}"
    );
    assert!(!findings(&report).is_empty());
}

#[test]
fn rbac_and_netpol_questions_are_answered_for_the_cluster() {
    let fake = Fake::new(recorded());
    let out = fake.live(&[
        "rbac",
        "can-i",
        "--as",
        "system:serviceaccount:shop:web",
        "delete",
        "nodes",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = fake.live(&["rbac", "can-i", "--as", "jane", "get", "pods"]);
    assert_eq!(code(&out), 1);
    let out = fake.live(&[
        "netpol",
        "explain",
        "--from",
        "shop/client",
        "--to",
        "shop/web:8080/TCP",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let out = fake.live(&[
        "netpol",
        "explain",
        "--from",
        "shop/client",
        "--to",
        "shop/web:9090",
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn cluster_flags_need_a_cluster_and_replace_paths() {
    let fake = Fake::new(recorded());
    let out = kubeguard()
        .current_dir(fake.dir.path())
        .args(["scan", ".", "--context", "x"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("need --cluster"));
    let out = kubeguard()
        .current_dir(fake.dir.path())
        .args(["scan", "deploy/", "--cluster"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let out = fake.live(&["scan", "--context", "prod"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no context \"prod\""));
}

/// Every command, live and from a snapshot of the same cluster: the same
/// output and exit status, errors included.
#[test]
fn a_snapshot_gives_exactly_what_the_live_cluster_gave() {
    let mut recorded = recorded();
    recorded.forbid("/apis/apps/v1/daemonsets");
    let fake = Fake::new(recorded);
    let (snapshot, out) = fake.save(&["--chunk-size", "2"]);
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cluster://fake/DaemonSet:1:1"));
    let commands: &[&[&str]] = &[
        &["scan", "--format", "json", "--no-config"],
        &[
            "scan",
            "--format",
            "json",
            "--no-config",
            "--pss",
            "restricted",
        ],
        &["pss", "check", "--format", "json", "--no-config"],
        &["pss", "namespaces", "--format", "json"],
        &["pss", "plan", "--format", "json"],
        &["rbac", "risks", "--format", "json", "--no-config"],
        &["rbac", "unused", "--format", "json", "--no-config"],
        &[
            "rbac", "who-can", "get", "secrets", "-n", "shop", "--format", "json",
        ],
        &[
            "rbac",
            "can-i",
            "--as",
            "system:serviceaccount:shop:web",
            "get",
            "secrets",
            "--format",
            "json",
        ],
        &["netpol", "matrix", "--format", "json"],
        &[
            "netpol",
            "explain",
            "--from",
            "shop/client",
            "--to",
            "shop/web:8080",
            "--format",
            "json",
        ],
        &["netpol", "coverage", "--format", "json", "--no-config"],
    ];
    for args in commands {
        let live = fake.live(args);
        let saved = fake.saved(&snapshot, args);
        assert_eq!(
            code(&live),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&live.stderr)
        );
        assert_eq!(code(&saved), code(&live), "{args:?}");
        assert!(!live.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&saved.stdout),
            String::from_utf8_lossy(&live.stdout),
            "{args:?}"
        );
        assert_eq!(
            String::from_utf8_lossy(&saved.stderr),
            String::from_utf8_lossy(&live.stderr),
            "{args:?}"
        );
    }
    // The snapshot's first document says what it holds.
    let mut text = String::new();
    std::io::Read::read_to_string(&mut gunzip(&snapshot), &mut text).unwrap();
    assert!(
        text.starts_with("apiVersion: kubeguard.io/v1alpha1\n"),
        "{text}"
    );
    assert!(text.contains("\ncontext: fake\n"));
    assert!(text.contains("\nserverVersion: v1.31.2\n"));
    assert!(text.contains("location: cluster://fake/DaemonSet\n"));
}

/// The snapshot decompressed by the system's gzip, as a user would read it.
fn gunzip(path: &Path) -> std::io::Cursor<Vec<u8>> {
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .expect("gzip");
    assert!(out.status.success());
    std::io::Cursor::new(out.stdout)
}
