//! One pipeline for every command: stdin read once, the same input flags,
//! rule names resolved against one catalog, the configuration honoured by
//! every engine, and one JSON contract.

use crate::support::{json, kubeguard, kubeguard_in_repo, repo, write};
use serde_json::Value;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        securityContext:
          privileged: true
";

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The keys every command that reports problems prints.
fn assert_contract(report: &Value) {
    for key in [
        "tool", "version", "findings", "errors", "warnings", "summary",
    ] {
        assert!(report.get(key).is_some(), "no {key:?} in {report}");
    }
    assert_eq!(report["tool"], "kubeguard");
    for f in report["findings"].as_array().unwrap() {
        for key in [
            "rule", "code", "severity", "message", "file", "line", "column", "path", "object",
        ] {
            assert!(f.get(key).is_some(), "finding without {key:?}: {f}");
        }
    }
    assert_eq!(
        report["summary"]["findings"].as_u64().unwrap() as usize,
        report["findings"].as_array().unwrap().len()
    );
}

#[test]
fn stdin_is_read_once_and_scanned_with_pod_security() {
    let out = kubeguard()
        .args([
            "scan",
            "-",
            "--pss",
            "restricted",
            "--no-config",
            "--format",
            "json",
        ])
        .write_stdin(DEPLOYMENT)
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let rules = rules_of(&report);
    assert!(
        rules.iter().any(|r| r == "privileged-container"),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|r| r == "pod-security-standard"),
        "{rules:?}"
    );
    assert_eq!(report["summary"]["objects"], 1);
    assert_eq!(report["findings"][0]["file"], "<stdin>");
}

#[test]
fn pod_security_is_disabled_and_suppressed_like_any_rule() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "app.yaml", DEPLOYMENT);
    let config = write(dir.path(), "kg.yaml", "disable: [pod-security-standard]\n");
    let out = kubeguard()
        .args([
            "scan",
            &manifest,
            "--pss",
            "restricted",
            "--config",
            &config,
        ])
        .args(["--format", "json"])
        .assert()
        .code(1);
    let rules = rules_of(&json(&out.get_output().stdout));
    assert!(
        !rules.iter().any(|r| r == "pod-security-standard"),
        "{rules:?}"
    );

    let config = write(
        dir.path(),
        "ignore.yaml",
        "severity: {pod-security-standard: low}\nignores:\n- rule: pod-security-standard\n  name: other\n  reason: not this one\n",
    );
    let out = kubeguard()
        .args([
            "scan",
            &manifest,
            "--pss",
            "restricted",
            "--config",
            &config,
        ])
        .args(["--select", "pod-security-standard", "--format", "json"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert!(
        rules_of(&report)
            .iter()
            .all(|r| r == "pod-security-standard")
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "low")
    );

    let annotated = DEPLOYMENT.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations: {kubeguard.io/ignore: pod-security-standard}\n",
    );
    let manifest = write(dir.path(), "annotated.yaml", &annotated);
    let out = kubeguard()
        .args(["pss", "check", &manifest, "--no-config", "--format", "json"])
        .assert()
        .code(0);
    let report = json(&out.get_output().stdout);
    assert_contract(&report);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert!(report["summary"]["suppressed"].as_u64().unwrap() > 0);
}

#[test]
fn rbac_codes_are_known_to_scan_and_config() {
    let out = kubeguard_in_repo()
        .args(["rules", "--format", "json"])
        .assert()
        .success();
    let rules = json(&out.get_output().stdout);
    let risk = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] != "workload" && r["name"].as_str().unwrap().starts_with("rbac-"))
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    kubeguard_in_repo()
        .args([
            "scan",
            "examples/hardened-app",
            "--no-config",
            "--select",
            &risk,
        ])
        .assert()
        .code(0);
}

#[test]
fn rbac_risks_honour_the_configuration() {
    let all = kubeguard_in_repo()
        .args([
            "rbac",
            "risks",
            "examples/rbac",
            "--no-config",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    let report = json(&all.get_output().stdout);
    assert_contract(&report);
    let first = report["findings"][0]["rule"].as_str().unwrap().to_owned();
    assert_eq!(
        report["risks"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len()
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "kg.yaml", &format!("disable: [{first}]\n"));
    let out = kubeguard_in_repo()
        .args(["rbac", "risks", "examples/rbac", "--config", &config])
        .args(["--format", "json", "--fail-on", "none"])
        .assert()
        .code(0);
    let report = json(&out.get_output().stdout);
    assert!(!rules_of(&report).contains(&first));
    assert_eq!(
        report["risks"].as_array().unwrap().len(),
        report["findings"].as_array().unwrap().len()
    );
    let out = kubeguard_in_repo()
        .args([
            "rbac",
            "unused",
            "examples/rbac",
            "--no-config",
            "--format",
            "json",
        ])
        .assert();
    assert_contract(&json(&out.get_output().stdout));
}

#[test]
fn every_problem_report_speaks_every_format() {
    let commands: [&[&str]; 5] = [
        &["scan", "examples/insecure-app"],
        &["pss", "check", "examples/insecure-app"],
        &["rbac", "risks", "examples/rbac"],
        &["rbac", "unused", "examples/rbac"],
        &["netpol", "coverage", "examples/insecure-app"],
    ];
    for command in commands {
        for format in ["text", "json", "sarif", "junit", "github"] {
            let out = kubeguard_in_repo()
                .args(command)
                .args(["--no-config", "--fail-on", "none", "--format", format])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{command:?} {format}");
            assert!(!out.stdout.is_empty(), "{command:?} {format}");
            if format == "json" {
                assert_contract(&json(&out.stdout));
            }
        }
    }
}

#[test]
fn kubectl_lists_without_item_kinds_are_read() {
    // As `kubectl get pods -o yaml` prints it: items carry no kind.
    let dir = tempfile::tempdir().unwrap();
    let pods = write(
        dir.path(),
        "pods.yaml",
        "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a, namespace: shop, labels: {app: a}}\n  spec: {containers: [{name: c, image: nginx}]}\n- metadata: {name: b, namespace: shop, labels: {app: b}}\n  spec: {containers: [{name: c, image: nginx}]}\nmetadata: {resourceVersion: \"7\"}\n",
    );
    let out = kubeguard()
        .args(["netpol", "matrix", &pods, "--format", "json"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("shop/a") && text.contains("shop/b"), "{text}");
    let out = kubeguard()
        .args(["pss", "check", &pods, "--no-config", "--format", "json"])
        .assert()
        .code(1);
    assert_eq!(
        json(&out.get_output().stdout)["results"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
#[cfg_attr(
    not(has_helm_renderer),
    ignore = "needs the Helm renderer: run scripts/install-tools.sh"
)]
fn every_command_reads_charts_with_the_same_input_flags() {
    let helper = repo().join("scripts/helm-template");
    let helper = helper.display().to_string();
    let commands: [&[&str]; 4] = [
        &["pss", "check", "examples/helm/webapp", "--no-config"],
        &["rbac", "risks", "examples/helm/webapp", "--no-config"],
        &["rbac", "who-can", "get", "pods", "examples/helm/webapp"],
        &["netpol", "coverage", "examples/helm/webapp"],
    ];
    for command in commands {
        let out = kubeguard_in_repo()
            .args(command)
            .args(["--helm-bin", &helper, "--set", "replicaCount=2"])
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(2),
            "{command:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_missing_path_is_an_error_for_every_command() {
    for command in [
        &["scan"][..],
        &["pss", "check"],
        &["rbac", "risks"],
        &["netpol", "coverage"],
    ] {
        let out = kubeguard()
            .args(command)
            .arg("no/such/dir")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("no/such/dir"), "{command:?}: {all}");
        assert!(
            all.contains("no such file or directory"),
            "{command:?}: {all}"
        );
    }
}

#[test]
fn annotations_hold_through_a_streamed_scan() {
    // More inputs than the scan checks at once, so that annotations are
    // settled chunk by chunk: an annotation still applies to the findings
    // made at the end (namespace rules, Pod Security) about its object,
    // and unused ones are reported in input order.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a-ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  annotations:\n    kubeguard.io/ignore: \"namespace-without-default-deny, host-pid\"\n",
    );
    for i in 0..70 {
        write(
            dir.path(),
            &format!("b{i:02}.yaml"),
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-{i}\n  namespace: shop\n  annotations:\n    kubeguard.io/ignore: \"host-ipc, pod-security-standard\"\nspec:\n  hostPID: true\n  containers:\n  - name: web\n    image: nginx:1.25\n"
            ),
        );
    }
    write(
        dir.path(),
        "c-other.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n  namespace: other\n  annotations:\n    kubeguard.io/ignore: \"namespace-without-limit-range,host-network\"\nspec:\n  containers:\n  - name: api\n    image: nginx:1.25\n",
    );
    let out = kubeguard()
        .args(["scan", &dir.path().display().to_string()])
        .args([
            "--pss",
            "restricted",
            "--report-unused-ignores",
            "--no-config",
            "--profile",
            "best-practice",
        ])
        .args(["--format", "json"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert_contract(&report);
    let about = |rule: &str, file: &str| {
        report["findings"].as_array().unwrap().iter().any(|f| {
            f["rule"] == rule && f["file"].as_str().unwrap().ends_with(&format!("/{file}"))
        })
    };
    assert!(!about("namespace-without-default-deny", "a-ns.yaml"));
    assert!(about("namespace-without-limit-range", "a-ns.yaml"));
    assert!(!about("namespace-without-limit-range", "c-other.yaml"));
    assert!(about("namespace-without-default-deny", "c-other.yaml"));
    assert!(about("pod-security-standard", "c-other.yaml"));
    assert!(about("host-pid", "b00.yaml") && about("host-pid", "b69.yaml"));
    for i in 0..70 {
        assert!(!about("pod-security-standard", &format!("b{i:02}.yaml")));
    }
    let warnings: Vec<(String, String)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let file = w["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_owned();
            let message = w["message"].as_str().unwrap();
            let rule = message.split(' ').nth(2).unwrap().to_owned();
            (name, rule)
        })
        .collect();
    let mut expected = vec![("a-ns.yaml".to_owned(), "host-pid".to_owned())];
    expected.extend((0..70).map(|i| (format!("b{i:02}.yaml"), "host-ipc".to_owned())));
    expected.push(("c-other.yaml".to_owned(), "host-network".to_owned()));
    assert_eq!(warnings, expected);
}

#[test]
fn an_empty_directory_is_never_a_silent_pass() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().to_str().unwrap();
    for command in [
        &["scan"][..],
        &["pss", "check"],
        &["rbac", "risks"],
        &["netpol", "coverage"],
        &["netpol", "matrix"],
    ] {
        let out = kubeguard().args(command).arg(empty).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("warning: no *.yaml, *.yml or *.json files"),
            "{command:?}: {err}"
        );
    }
}
