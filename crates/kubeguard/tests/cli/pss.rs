//! End-to-end tests of `kubeguard pss`: check (text and JSON, exit codes),
//! namespaces (labels and modes), the admission configuration, and plan.

use crate::support::{json, kubeguard, write};
use serde_json::Value;

/// A Pod that meets the restricted level.
const HARDENED_POD: &str =
    include_str!("../../../kubeguard-pss/tests/fixtures/restricted-pod.yaml");

const PRIVILEGED_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      runtimeClassName: kata
      containers:
      - name: app
        image: app
        securityContext:
          privileged: true
";

const NAMESPACE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.30
    pod-security.kubernetes.io/warn: restricted
";

#[test]
fn check_text_names_each_failed_check_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.yaml",
        &format!("{HARDENED_POD}---\n{PRIVILEGED_DEPLOYMENT}"),
    );
    let out = kubeguard()
        .args(["pss", "check", "--level", "baseline", &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Pod shop/ok: allowed by baseline:latest"),
        "{text}"
    );
    assert!(
        text.contains("Deployment shop/web: denied by baseline:latest"),
        "{text}"
    );
    assert!(text.contains("privileged (privileged): container \"app\" must not set securityContext.privileged=true"), "{text}");
    assert!(
        text.contains("at spec.template.spec.containers[0].securityContext.privileged"),
        "{text}"
    );
    assert!(
        text.contains("2 objects: 1 allowed, 1 denied at baseline:latest"),
        "{text}"
    );
}

#[test]
fn check_json_gives_a_verdict_per_object() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.yaml",
        &format!("{HARDENED_POD}---\n{PRIVILEGED_DEPLOYMENT}"),
    );
    let out = kubeguard()
        .args(["pss", "check", "--version", "v1.21", "-f", "json", &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out.stdout);
    assert_eq!(v["level"], "restricted");
    assert_eq!(v["version"], "v1.21");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["allowed"], true);
    assert_eq!(results[0]["object"]["kind"], "Pod");
    let denied = &results[1];
    assert_eq!(denied["allowed"], false);
    assert_eq!(denied["line"], 17);
    let checks: Vec<&str> = denied["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["check"].as_str().unwrap())
        .collect();
    // v1.21 predates capabilities_restricted: the baseline capabilities check runs.
    assert_eq!(
        checks,
        [
            "privileged",
            "runAsNonRoot",
            "allowPrivilegeEscalation",
            "seccompProfile_restricted"
        ]
    );
    assert_eq!(
        denied["violations"][0]["path"],
        "spec.template.spec.containers[0].securityContext.privileged"
    );
}

#[test]
fn allowed_input_exits_0_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.yaml", HARDENED_POD);
    kubeguard().args(["pss", "check", &ok]).assert().code(0);
    kubeguard()
        .args(["pss", "check", "--version", "1.30", &ok])
        .assert()
        .code(2);
    kubeguard()
        .args(["pss", "check", "--level", "strict", &ok])
        .assert()
        .code(2);
    let bad = write(
        dir.path(),
        "bad.yaml",
        &HARDENED_POD.replace("runAsNonRoot: true", "runAsNonRoot: \"yes\""),
    );
    let out = kubeguard().args(["pss", "check", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "bad.yaml:8:19: Pod shop/ok: spec.securityContext.runAsNonRoot: expected a boolean"
        ),
        "{text}"
    );
}

#[test]
fn namespaces_apply_enforce_to_pods_and_warn_to_workloads() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.yaml",
        &format!(
            "{NAMESPACE}---\n{HARDENED_POD}---\n{PRIVILEGED_DEPLOYMENT}---\n{}",
            HARDENED_POD.replace("name: ok", "name: priv").replace(
                "capabilities: {drop: [ALL]}",
                "capabilities: {drop: [ALL]}\n      privileged: true"
            )
        ),
    );
    let out = kubeguard()
        .args(["pss", "namespaces", "-f", "json", &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out.stdout);
    let ns = &v["namespaces"][0];
    assert_eq!(ns["name"], "shop");
    assert_eq!(ns["enforce"], "baseline:v1.30");
    assert_eq!(ns["warn"], "restricted:latest");
    let objects = ns["objects"].as_array().unwrap();
    let by_name = |n: &str| objects.iter().find(|o| o["object"]["name"] == n).unwrap();
    assert_eq!(by_name("ok")["denied"], false);
    assert_eq!(by_name("ok")["warned"], false);
    let web = by_name("web");
    assert_eq!(web["denied"], false, "workloads are not rejected");
    assert_eq!(web["pods_would_be_denied"], true);
    assert_eq!(web["warned"], true);
    let priv_pod = by_name("priv");
    assert_eq!(priv_pod["denied"], true);
    assert_eq!(
        priv_pod["warn"],
        Value::Null,
        "no warning for a rejected pod"
    );
}

#[test]
fn invalid_labels_fail_closed_for_enforce() {
    let dir = tempfile::tempdir().unwrap();
    let ns = NAMESPACE
        .replace("enforce: baseline", "enforce: Baseline")
        .replace("enforce-version: v1.30", "enforce-version: v1.30.1");
    let f = write(dir.path(), "a.yaml", &format!("{ns}---\n{HARDENED_POD}"));
    let out = kubeguard()
        .args(["pss", "namespaces", &f])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("namespace shop: enforce=restricted:latest"),
        "{text}"
    );
    assert!(
        text.contains("invalid label pod-security.kubernetes.io/enforce=\"Baseline\""),
        "{text}"
    );
    assert!(
        text.contains("invalid label pod-security.kubernetes.io/enforce-version=\"v1.30.1\""),
        "{text}"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the hardened pod passes restricted"
    );
}

#[test]
fn admission_config_defaults_and_exemptions() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.yaml", PRIVILEGED_DEPLOYMENT);
    let inner = write(
        dir.path(),
        "pss.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults:
  enforce: baseline
  warn: restricted
exemptions:
  runtimeClasses: [kata]
",
    );
    let out = kubeguard()
        .args(["pss", "namespaces", "--admission-config", &inner, &f])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("namespace shop: enforce=baseline:latest audit=privileged:latest warn=restricted:latest (no Namespace object"), "{text}");
    assert!(
        text.contains("exempt (runtimeClassName \"kata\")"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0));

    let wrapper = write(
        dir.path(),
        "admission.yaml",
        "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  path: pss.yaml
",
    );
    kubeguard()
        .args(["pss", "check", "--admission-config", &wrapper, &f])
        .assert()
        .code(0);
    let no_exempt = f.replace("a.yaml", "b.yaml");
    std::fs::write(
        &no_exempt,
        PRIVILEGED_DEPLOYMENT.replace("runtimeClassName: kata", "runtimeClassName: runc"),
    )
    .unwrap();
    // The config's enforce default (baseline) is the level when --level is not given.
    let out = kubeguard()
        .args(["pss", "check", "--admission-config", &wrapper, &no_exempt])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("denied by baseline:latest")
    );

    let bad = write(
        dir.path(),
        "bad.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1alpha1
kind: PodSecurityConfiguration
",
    );
    let out = kubeguard()
        .args(["pss", "check", "--admission-config", &bad, &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("bad.yaml:1:1: apiVersion: unsupported apiVersion")
    );
    let dup = write(
        dir.path(),
        "dup.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1beta1
kind: PodSecurityConfiguration
defaults: {enforce: restricted, enforce-version: v1.x}
",
    );
    kubeguard()
        .args(["pss", "check", "--admission-config", &dup, &f])
        .assert()
        .code(2);
}

#[test]
fn plan_reports_strictest_level_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.yaml",
        &format!("{NAMESPACE}---\n{HARDENED_POD}---\n{PRIVILEGED_DEPLOYMENT}"),
    );
    let out = kubeguard()
        .args(["pss", "plan", "-f", "json", &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out.stdout);
    let ns = &v["namespaces"][0];
    assert_eq!(ns["current_enforce"], "baseline:v1.30");
    assert_eq!(ns["satisfies"], "privileged:v1.37");
    assert_eq!(ns["next"]["policy"], "baseline:v1.37");
    assert_eq!(ns["next"]["breaking"][0]["object"]["name"], "web");
    assert_eq!(
        ns["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    assert_eq!(ns["labels"]["pod-security.kubernetes.io/warn"], "baseline");

    let ok = write(dir.path(), "ok.yaml", HARDENED_POD);
    let out = kubeguard().args(["pss", "plan", &ok]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("satisfies: restricted:v1.37"), "{text}");
    assert!(
        text.contains("pod-security.kubernetes.io/enforce=restricted"),
        "{text}"
    );
}
