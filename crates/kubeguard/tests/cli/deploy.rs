//! The manifests in `deploy/` pass our own checks: `kubeguard scan` finds
//! nothing (the node agents of `deploy/cis/` only through exceptions
//! annotated with their reasons), `kubeguard pss check --level restricted`
//! admits the webhook and denies the CIS agents only for what they need,
//! the images are pinned by digest, and the policy in the ConfigMap is a
//! valid policy.

use crate::support::{kubeguard_in_repo, repo};
use std::path::PathBuf;

fn deploy_dir() -> PathBuf {
    repo().join("deploy")
}

/// Runs kubeguard from the repository root, asserts exit code 0 and
/// returns its stdout.
fn succeeds(args: &[&str]) -> String {
    let out = kubeguard_in_repo().args(args).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn scan_finds_nothing_in_deploy() {
    let stdout = succeeds(&[
        "scan",
        "deploy/",
        "--no-config",
        "--fail-on",
        "info",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json report");
    assert_eq!(report["findings"], serde_json::json!([]), "{stdout}");
    assert_eq!(report["errors"], serde_json::json!([]), "{stdout}");
    // Every manifest was read, including deploy/cert-manager/.
    let objects = report["summary"]["objects"].as_u64().expect("object count");
    assert!(objects >= 16, "only {objects} objects scanned: {stdout}");
}

/// The webhook's manifests: `deploy/` without the node agents of `deploy/cis/`.
fn webhook_manifests() -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir(deploy_dir())
        .expect("deploy/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "cis")
        .map(|name| format!("deploy/{name}"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn deploy_meets_pss_restricted() {
    let mut args = vec!["pss", "check", "--level", "restricted"];
    let paths = webhook_manifests();
    args.extend(paths.iter().map(String::as_str));
    let stdout = succeeds(&args);
    assert!(
        stdout.contains("Deployment kubeguard/kubeguard-webhook: allowed"),
        "{stdout}"
    );
    assert!(stdout.contains("0 denied"), "{stdout}");
}

#[test]
fn deployment_is_replicated_and_pinned() {
    let text = std::fs::read_to_string(deploy_dir().join("deployment.yaml")).expect("read");
    assert!(text.contains("replicas: 2"));
    assert!(text.contains("podAntiAffinity:"));
    let image = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: "))
        .expect("image line");
    let (_, digest) = image.split_once("@sha256:").expect("pinned by digest");
    assert_eq!(digest.len(), 64, "{image}");
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{image}");
}

#[test]
fn webhook_configurations_are_safe() {
    let text = std::fs::read_to_string(deploy_dir().join("webhook.yaml")).expect("read");
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        assert!(text.contains(&format!("kind: {kind}")), "{kind} missing");
    }
    assert_eq!(text.matches("sideEffects: None").count(), 2);
    assert_eq!(text.matches("admissionReviewVersions: [\"v1\"]").count(), 2);
    assert_eq!(text.matches("timeoutSeconds: ").count(), 2);
    assert_eq!(
        text.matches("values: [\"kube-system\", \"kubeguard\"]")
            .count(),
        2,
        "both webhooks exclude kube-system and their own namespace"
    );
}

/// The policy embedded in the ConfigMap loads as the server would load it.
#[test]
fn configmap_policy_is_valid() {
    let text = std::fs::read_to_string(deploy_dir().join("configmap.yaml")).expect("read");
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_end().ends_with("policy.yaml: |"));
    lines.next().expect("policy.yaml block");
    let body: Vec<&str> = lines
        .take_while(|l| l.is_empty() || l.starts_with("    "))
        .collect();
    let policy: String = body
        .iter()
        .map(|l| format!("{}\n", l.get(4..).unwrap_or("")))
        .collect();
    assert!(policy.contains("kind: AdmissionPolicy"), "{policy}");
    let parsed =
        kubeguard_admission::Policy::from_text("configmap.yaml#policy.yaml", &policy, None);
    let policy = parsed.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        policy.exempt.namespaces.iter().any(|n| n == "kube-system"),
        "kube-system is exempt"
    );
}

/// The `kubeguard.io/ignore` rules of each object in `deploy/cis/`, each
/// with its `kubeguard.io/reason.<rule>` annotation.
fn cis_exceptions(text: &str) -> Vec<String> {
    let mut rules = Vec::new();
    for line in text.lines() {
        if let Some(list) = line.trim().strip_prefix("kubeguard.io/ignore: ") {
            for rule in list.trim_matches('"').split(',') {
                assert!(
                    text.contains(&format!("kubeguard.io/reason.{rule}: \"")),
                    "exception {rule} has no reason annotation"
                );
                rules.push(rule.to_owned());
            }
        }
    }
    rules
}

#[test]
fn cis_agents_pass_scan_with_annotated_exceptions_only() {
    let stdout = succeeds(&[
        "scan",
        "deploy/cis/",
        "--no-config",
        // Every exception is exercised, the best-practice ones included.
        "--profile",
        "best-practice",
        "--fail-on",
        "info",
        "--format",
        "json",
        "--report-unused-ignores",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json report");
    assert_eq!(report["findings"], serde_json::json!([]), "{stdout}");
    assert_eq!(
        report["warnings"],
        serde_json::json!([]),
        "no unused exception: {stdout}"
    );
    let mut exceptions = Vec::new();
    for file in ["daemonset.yaml", "job.yaml", "namespace.yaml"] {
        let text = std::fs::read_to_string(deploy_dir().join("cis").join(file)).expect("read");
        exceptions.extend(cis_exceptions(&text));
    }
    exceptions.sort();
    exceptions.dedup();
    assert_eq!(
        exceptions,
        [
            "hostpath-volume",
            "missing-liveness-probe",
            "missing-readiness-probe",
            "namespace-pss-privileged",
            "runs-as-root"
        ]
    );
    // Without the annotations, exactly those rules fire.
    let out = kubeguard_in_repo()
        .args([
            "scan",
            "deploy/cis/",
            "--no-config",
            "--format",
            "json",
            "--fail-on",
            "info",
        ])
        .args(["--select", &exceptions.join(",")])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(report["summary"]["suppressed"].as_u64().unwrap() >= exceptions.len() as u64);
}

#[test]
fn cis_agents_need_only_read_only_host_paths_and_root() {
    // Baseline denies them for hostPath alone; restricted adds running as root.
    let out = kubeguard_in_repo()
        .args([
            "pss",
            "check",
            "--level",
            "baseline",
            "deploy/cis/",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{report}");
    for f in findings {
        assert!(
            f["message"].as_str().unwrap().contains("(hostPathVolumes)"),
            "{f}"
        );
    }
    let out = kubeguard_in_repo()
        .args(["pss", "check", "--level", "restricted", "deploy/cis/"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let reasons: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split(" (").nth(1)?.split(')').next())
        .collect();
    assert_eq!(
        reasons.into_iter().collect::<Vec<_>>(),
        ["restrictedVolumes", "runAsNonRoot", "runAsUser"],
        "{text}"
    );
    for file in ["daemonset.yaml", "job.yaml"] {
        let text = std::fs::read_to_string(deploy_dir().join("cis").join(file)).expect("read");
        assert!(!text.contains("hostPID: true") && !text.contains("privileged: true"));
        assert_eq!(
            text.matches("mountPath:").count(),
            text.matches("readOnly: true").count(),
            "{file}: every mount is read-only"
        );
        assert!(text.contains("drop: [\"ALL\"]") && text.contains("readOnlyRootFilesystem: true"));
        assert!(text.contains("automountServiceAccountToken: false"));
    }
}
/// The scanner's ClusterRole grants get, list and watch on exactly the
/// kinds `--cluster` reads (Secrets left out: they are opt-in), and the
/// reports role nothing but PolicyReports.
#[test]
fn scanner_role_is_exactly_what_the_scan_reads() {
    use kubeguard_core::Node;
    use std::collections::BTreeSet;
    let text =
        std::fs::read_to_string(deploy_dir().join("scanner/clusterrole.yaml")).expect("read");
    let (docs, error) = kubeguard_load::parse_documents(&text);
    assert!(error.is_none());
    let strings = |node: Option<&Node>| -> Vec<String> {
        node.map(Node::items)
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()
    };
    let mut granted = BTreeSet::new();
    let mut roles = 0;
    for doc in docs.into_iter().flatten() {
        if doc.get("kind").and_then(Node::as_str) != Some("ClusterRole") {
            continue;
        }
        roles += 1;
        let name = doc.get_path(&["metadata", "name"]).and_then(Node::as_str);
        for rule in doc.get("rules").map(Node::items).into_iter().flatten() {
            let verbs = strings(rule.get("verbs"));
            if name == Some("kubeguard-scanner-reports") {
                assert_eq!(
                    strings(rule.get("resources")),
                    ["policyreports", "clusterpolicyreports"]
                );
                continue;
            }
            assert_eq!(verbs, ["get", "list", "watch"]);
            for group in strings(rule.get("apiGroups")) {
                for resource in strings(rule.get("resources")) {
                    granted.insert((group.clone(), resource));
                }
            }
        }
    }
    assert_eq!(roles, 2);
    let read: BTreeSet<(String, String)> = kubeguard_cluster::kinds::KINDS
        .iter()
        .filter(|k| !k.opt_in)
        .map(|k| (k.group.to_owned(), k.plural.to_owned()))
        .collect();
    assert_eq!(granted, read);
}

#[test]
fn scanner_may_read_but_not_secrets_or_writes() {
    let role = "deploy/scanner/clusterrole.yaml";
    let sa = "system:serviceaccount:kubeguard:kubeguard-scanner";
    for (verb, resource, allowed) in [
        ("list", "pods", true),
        (
            "watch",
            "clusterrolebindings.rbac.authorization.k8s.io",
            true,
        ),
        ("list", "networkpolicies.crd.projectcalico.org", true),
        ("get", "secrets", false),
        ("list", "secrets", false),
        ("create", "pods", false),
        ("delete", "networkpolicies.networking.k8s.io", false),
        ("create", "policyreports.wgpolicyk8s.io", true),
        ("delete", "policyreports.wgpolicyk8s.io", false),
    ] {
        let out = kubeguard_in_repo()
            .args([
                "rbac", "can-i", "--as", sa, "-n", "shop", verb, resource, role,
            ])
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(if allowed { 0 } else { 1 }),
            "{verb} {resource}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn scanner_cronjob_scans_the_cluster_into_policy_reports() {
    let text = std::fs::read_to_string(deploy_dir().join("scanner/cronjob.yaml")).expect("read");
    for arg in [
        "- scan",
        "- --cluster",
        "- --format=policyreport",
        "- --fail-on=none",
    ] {
        assert!(text.contains(arg), "{arg}");
    }
    assert!(text.contains("serviceAccountName: kubeguard-scanner"));
    let stdout = succeeds(&["pss", "check", "--level", "restricted", "deploy/scanner/"]);
    assert!(
        stdout.contains("CronJob kubeguard/kubeguard-scanner: allowed"),
        "{stdout}"
    );
}
