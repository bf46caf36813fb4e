//! `kubeguard cis` end to end on node roots built by the tests: every
//! format, the pipeline's --select/--ignore/config, kube-bench's JSON
//! shape, and bad input.

use crate::support::{json, kubeguard, shared, write};
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn file(root: &Path, path: &str, text: &str, mode: u32) {
    let p = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

fn process(root: &Path, pid: u32, argv: &[&str]) {
    let mut cmdline = argv.join("\0");
    cmdline.push('\0');
    file(root, &format!("/proc/{pid}/cmdline"), &cmdline, 0o444);
    file(root, &format!("/proc/{pid}/comm"), argv[0], 0o444);
}

/// A worker whose kubelet config file turns anonymous auth on and whose
/// kubeconfig is world-readable.
fn worker() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let uid = fs::metadata(r)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    file(
        r,
        "/etc/passwd",
        &format!("root:x:{uid}:{uid}::/root:/bin/sh\n"),
        0o644,
    );
    file(r, "/etc/group", &format!("root:x:{uid}:\n"), 0o644);
    file(r, "/etc/hostname", "worker-1\n", 0o644);
    file(r, "/etc/kubernetes/kubelet.conf", "kind: Config\n", 0o644);
    file(
        r,
        "/etc/systemd/system/kubelet.service",
        "[Service]\n",
        0o600,
    );
    file(
        r,
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nrotateCertificates: true\n",
        0o600,
    );
    process(
        r,
        10,
        &[
            "/usr/bin/kubelet",
            "--config",
            "/var/lib/kubelet/config.yaml",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
        ],
    );
    dir
}

fn cis(root: &Path) -> assert_cmd::Command {
    let mut cmd = kubeguard();
    cmd.args(["cis", "--no-config", "--root"]).arg(root);
    cmd
}

#[test]
fn text_lists_every_check_and_fails_on_failures() {
    let node = worker();
    let out = cis(node.path()).assert().code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("CIS Kubernetes Benchmark cis-1.12 on worker-1"),
        "{text}"
    );
    assert!(
        text.contains("[FAIL] 4.2.1 Kubelet does not accept anonymous requests"),
        "{text}"
    );
    assert!(
        text.contains("from:     /var/lib/kubelet/config.yaml:5"),
        "{text}"
    );
    assert!(text.contains("[FAIL] 4.1.5 "), "{text}");
    assert!(text.contains("[PASS] 4.2.3 "), "{text}");
    // The client CA named by the config file is not under the root.
    assert!(text.contains("[WARN] 4.1.7 "), "{text}");
    assert!(text.contains("found:    not checkable: kubelet --client-ca-file /etc/kubernetes/pki/ca.crt: not found under the root"), "{text}");
    // kube-proxy does not run here.
    assert!(text.contains("[INFO] 4.1.3 "), "{text}");
    assert!(text.contains("[WARN] 4.3.1 "), "{text}");
}

#[test]
fn json_has_checks_summary_and_findings() {
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "json", "--benchmark", "cis-1.10"])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    let checks = v["checks"].as_array().unwrap();
    let c = checks.iter().find(|c| c["id"] == "4.2.1").unwrap();
    for key in [
        "id",
        "text",
        "section",
        "status",
        "scored",
        "evidence",
        "expected",
        "actual",
        "remediation",
    ] {
        assert!(!c[key].is_null(), "{key} missing in {c}");
    }
    assert_eq!(c["status"], "FAIL");
    assert_eq!(c["section"], "4.2");
    assert_eq!(c["scored"], true);
    assert_eq!(c["evidence"], "/var/lib/kubelet/config.yaml:5");
    let summary = &v["cis"]["summary"];
    let total: u64 = ["pass", "fail", "warn", "info"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, checks.len());
    assert_eq!(v["cis"]["benchmark"], "cis-1.10");
    let fails = checks.iter().filter(|c| c["status"] == "FAIL").count();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), fails);
    let f = findings.iter().find(|f| f["rule"] == "cis-4-2-1").unwrap();
    assert_eq!(f["code"], "KG94201");
    assert_eq!(f["file"], "/var/lib/kubelet/config.yaml");
    assert_eq!(f["line"], 5);
    assert_eq!(f["object"]["kind"], "Node");
    assert_eq!(f["object"]["name"], "worker-1");
}

#[test]
fn select_ignore_and_config_work_on_cis_rules() {
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "json", "--select", "cis-4-2-1"])
        .assert()
        .code(1);
    let findings = json(&out.get_output().stdout)["findings"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(findings.len(), 1);
    let out = cis(node.path())
        .args([
            "--format",
            "json",
            "--select",
            "KG94201,cis-4-1-5",
            "--ignore",
            "cis-4-2-1",
        ])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["cis-4-1-5"]);
    // Configuration ignores by rule and node.
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "kubeguard.yaml",
        "ignores:\n- rule: cis-4-1-5\n  reason: kubeconfig readable by the monitoring agent group\n",
    );
    let out = kubeguard()
        .args([
            "cis",
            "--format",
            "json",
            "--select",
            "cis-4-1-5",
            "--config",
            &config,
            "--root",
        ])
        .arg(node.path())
        .assert()
        .code(0);
    assert_eq!(
        json(&out.get_output().stdout)["findings"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Severity overrides.
    let config = write(dir.path(), "sev.yaml", "severity:\n  cis-4-2-1: critical\n");
    let out = kubeguard()
        .args([
            "cis",
            "--format",
            "json",
            "--select",
            "cis-4-2-1",
            "--config",
            &config,
            "--root",
        ])
        .arg(node.path())
        .assert()
        .code(1);
    assert_eq!(
        json(&out.get_output().stdout)["findings"][0]["severity"],
        "critical"
    );
    // --fail-on above every failure's severity passes.
    cis(node.path())
        .args(["--select", "cis-4-2-1", "--fail-on", "critical"])
        .assert()
        .code(0);
}

#[test]
fn kube_bench_shape() {
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "kube-bench"])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    let control = &v["Controls"][0];
    assert_eq!(control["node_type"], "node");
    assert_eq!(control["version"], "cis-1.12");
    let group = &control["tests"][1];
    assert_eq!(group["section"], "4.2");
    let r = group["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["test_number"] == "4.2.1")
        .unwrap();
    assert_eq!(r["status"], "FAIL");
    assert_eq!(r["scored"], true);
    assert_eq!(r["actual_value"], "true");
    let results = |section: usize| {
        control["tests"][section]["results"]
            .as_array()
            .unwrap()
            .clone()
    };
    let find = |id: &str| {
        results(1)
            .into_iter()
            .find(|r| r["test_number"] == id)
            .unwrap()
    };
    // kube-bench's `manual` type: nothing decides it; a tested manual check is not.
    assert_eq!(find("4.2.4")["type"], "");
    assert_eq!(find("4.2.4")["scored"], false);
    let out = cis(node.path())
        .args(["--format", "kube-bench", "--benchmark", "cis-1.11"])
        .assert()
        .code(1);
    let v11 = json(&out.get_output().stdout);
    let r = v11["Controls"][0]["tests"][1]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["test_number"] == "4.2.15")
        .unwrap()
        .clone();
    assert_eq!(
        (r["type"].as_str(), r["status"].as_str()),
        (Some("manual"), Some("WARN"))
    );
    let totals = &v["Totals"];
    assert_eq!(totals["total_fail"], control["total_fail"]);
    assert!(totals["total_fail"].as_u64().unwrap() >= 2);
}

#[test]
fn other_formats() {
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "github", "--select", "cis-4-2-1"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.starts_with("::error file=/var/lib/kubelet/config.yaml,line=5"),
        "{text}"
    );
    let out = cis(node.path())
        .args(["--format", "junit"])
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("cis-4-2-1"));
    let out = cis(node.path())
        .args(["--format", "sarif"])
        .assert()
        .code(1);
    let sarif = json(&out.get_output().stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "KG94201" && r["properties"]["rule"] == "cis-4-2-1")
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn sarif_is_valid() {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(shared("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "sarif"])
        .assert()
        .code(1);
    let sarif = json(&out.get_output().stdout);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn bad_input() {
    let node = worker();
    file(
        node.path(),
        "/var/lib/kubelet/config.yaml",
        "authentication:\n  anonymous: [\n",
        0o600,
    );
    let out = cis(node.path()).args(["--format", "json"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("/var/lib/kubelet/config.yaml:"), "{err}");
    let v = json(&out.get_output().stdout);
    assert_eq!(v["errors"][0]["file"], "/var/lib/kubelet/config.yaml");
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "4.2.1")
        .unwrap()
        .clone();
    assert_eq!(c["status"], "WARN");
    cis(node.path())
        .args(["--benchmark", "cis-2.0"])
        .assert()
        .code(2);
    cis(node.path())
        .args(["--targets", "workers"])
        .assert()
        .code(2);
    kubeguard()
        .args(["cis", "--root", "/nonexistent/root"])
        .assert()
        .code(2);
}

#[test]
fn platform_and_targets() {
    let node = worker();
    let out = cis(node.path())
        .args([
            "--format",
            "json",
            "--platform",
            "gke",
            "--benchmark",
            "cis-1.12",
            "--targets",
            "master,node",
        ])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    let checks = v["checks"].as_array().unwrap();
    let api = checks.iter().find(|c| c["id"] == "1.2.6").unwrap();
    assert_eq!(api["status"], "INFO");
    assert!(api["actual"].as_str().unwrap().contains("Google GKE"));
    let kubelet = checks.iter().find(|c| c["id"] == "4.2.1").unwrap();
    assert_eq!(kubelet["status"], "FAIL");
}

#[test]
fn platform_selects_the_provider_benchmark() {
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "json", "--platform", "eks"])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    assert_eq!(v["cis"]["benchmark"], "eks-1.8.0");
    assert_eq!(
        v["cis"]["benchmark_reason"],
        "--platform eks: the Amazon EKS benchmark"
    );
    let checks = v["checks"].as_array().unwrap();
    let anonymous = checks.iter().find(|c| c["id"] == "3.2.1").unwrap();
    assert_eq!(anonymous["status"], "FAIL");
    assert_eq!(anonymous["section"], "3.2");
    assert_eq!(anonymous["evidence"], "/var/lib/kubelet/config.yaml:5");
    assert!(
        checks
            .iter()
            .all(|c| c["id"].as_str().unwrap().starts_with("3."))
    );
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"cis-eks-3-2-1"), "{rules:?}");
    assert!(rules.iter().all(|r| r.starts_with("cis-eks-")), "{rules:?}");
    // Provider rules go through the pipeline like every other rule.
    let out = cis(node.path())
        .args([
            "--benchmark",
            "eks-1.8.0",
            "--ignore",
            "cis-eks-3-2-1,KG963101",
        ])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("CIS Kubernetes Benchmark eks-1.8.0 on worker-1 (chosen with --benchmark)"),
        "{text}"
    );
    assert!(text.contains("3.2 Kubelet\n"), "{text}");
    // kube-bench's shape numbers the provider's targets as it does.
    let out = cis(node.path())
        .args([
            "--format",
            "kube-bench",
            "--platform",
            "aks",
            "--targets",
            "node,managedservices,etcd",
        ])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    assert_eq!(v["Controls"][0]["id"], "3");
    assert_eq!(
        v["Controls"][0]["text"],
        "Worker Node Security Configuration"
    );
    assert_eq!(v["Controls"][0]["version"], "aks-1.8");
    assert_eq!(v["Controls"][1]["id"], "5");
    assert_eq!(v["Controls"][1]["node_type"], "managedservices");
    assert_eq!(v["Controls"][1]["total_fail"], 0);
    // A target the benchmark does not have is named, not dropped silently.
    let out = cis(node.path())
        .args(["--platform", "gke", "--targets", "etcd,node"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("note: gke-1.9.0 has no etcd checks: Google GKE runs and configures it"),
        "{text}"
    );
    // --platform and a benchmark of another provider disagree.
    let out = cis(node.path())
        .args(["--platform", "eks", "--benchmark", "aks-1.8"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("--platform eks and --benchmark aks-1.8 disagree"),
        "{err}"
    );
    let out = kubeguard()
        .args(["rules", "cis-aks-3-1-3"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("KG983103"), "{text}");
}

#[test]
fn rules_know_cis_checks() {
    let out = kubeguard().args(["rules", "cis-4-2-1"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("KG94201"), "{text}");
}

/// Every output of `kubeguard cis` on the worker, so that any change to a
/// writer shows up in review. Update with
/// `INSTA_UPDATE=always cargo test -p kubeguard --test cli cis::snapshots`.
#[test]
fn snapshots() {
    let node = worker();
    for format in ["text", "json", "kube-bench", "github"] {
        let out = cis(node.path())
            .env("NO_COLOR", "1")
            .args(["--format", format])
            .output()
            .unwrap();
        let text = format!(
            "exit {}\n{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap()
        );
        insta::assert_snapshot!(format!("cis_{}", format.replace('-', "_")), text);
    }
}

#[test]
fn policyreport_reports_the_node_s_failed_checks() {
    let node = worker();
    let out = cis(node.path())
        .args(["--format", "policyreport"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("kind: \"ClusterPolicyReport\""), "{text}");
    assert!(text.contains("wgpolicyk8s.io/v1alpha2"), "{text}");
    assert!(text.contains("result: \"fail\""), "{text}");
    assert!(text.contains("worker-1"), "{text}");
}

#[test]
fn apiserver_authentication_config() {
    let node = worker();
    let r = node.path();
    file(
        r,
        "/etc/kubernetes/authn.yaml",
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /readyz\n",
        0o600,
    );
    process(
        r,
        20,
        &[
            "kube-apiserver",
            "--authentication-config=/etc/kubernetes/authn.yaml",
            "--authorization-mode=Node,RBAC",
        ],
    );
    let out = cis(r)
        .args(["--format", "json", "--targets", "master"])
        .assert()
        .code(1);
    let v = json(&out.get_output().stdout);
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "1.2.1")
        .unwrap()
        .clone();
    assert_eq!(c["status"], "PASS");
    assert_eq!(c["evidence"], "/etc/kubernetes/authn.yaml:6");
    // A file kube-apiserver cannot read: file:line:col, exit 2, the rest still reported.
    file(
        r,
        "/etc/kubernetes/authn.yaml",
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: yes please\n",
        0o600,
    );
    let out = cis(r).args(["--targets", "master"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains(
            "error: /etc/kubernetes/authn.yaml:4:3: anonymous.enabled must be true or false"
        ),
        "{text}{err}"
    );
    assert!(text.contains("[WARN] 1.2.1 "), "{text}");
    assert!(text.contains("[PASS] 1.2.6 "), "{text}");
}
