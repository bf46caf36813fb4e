//! End-to-end tests of `kubeguard webhook review`: allowed, denied by each
//! policy kind, warn, audit, mutate, AdmissionReview and plain-object input,
//! `--objects`, and exit code 2 for bad input and bad policies.

use crate::support::{kubeguard, write};
use base64::Engine as _;
use serde_json::{Value, json};

/// Runs a review; returns (exit code, response JSON or null, stderr).
fn review(args: &[&str]) -> (i32, Value, String) {
    let out = kubeguard()
        .arg("webhook")
        .arg("review")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
  labels: {team: core}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: web
    image: ghcr.io/acme/web:1.2
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
";

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: root
  namespace: prod
spec:
  containers:
  - name: web
    image: ghcr.io/acme/web:1.2
    securityContext: {privileged: true}
";

#[test]
fn allowed_and_denied_by_each_policy_kind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pod = write(d, "pod.yaml", POD);
    let bad = write(d, "bad.yaml", PRIVILEGED_POD);
    let latest = write(
        d,
        "latest.yaml",
        &POD.replace("ghcr.io/acme/web:1.2", "nginx:latest"),
    );
    let unlabelled = write(
        d,
        "unlabelled.yaml",
        &POD.replace("labels: {team: core}", "labels: {app: web}"),
    );
    let cases: &[(&str, &str, &str, i32, &str)] = &[
        (
            "pss",
            "podSecurity: {defaults: {enforce: restricted}}\n",
            &bad,
            1,
            "violates PodSecurity \"restricted:latest\"",
        ),
        (
            "pss",
            "podSecurity: {defaults: {enforce: restricted}}\n",
            &pod,
            0,
            "",
        ),
        (
            "rule",
            "rules: [{select: [privileged-container], action: deny}]\n",
            &bad,
            1,
            "rule privileged-container (KG001, critical)",
        ),
        (
            "rule",
            "rules: [{select: [privileged-container], action: deny}]\n",
            &pod,
            0,
            "",
        ),
        (
            "image",
            "images: {allowedRegistries: [ghcr.io/acme], forbidLatest: true, action: deny}\n",
            &latest,
            1,
            "image policy: container \"web\" image \"nginx:latest\"",
        ),
        (
            "image",
            "images: {allowedRegistries: [ghcr.io/acme], forbidLatest: true, action: deny}\n",
            &pod,
            0,
            "",
        ),
        (
            "cel",
            "customRules: [{name: team, expression: \"'team' in object.metadata.labels\", message: needs a team label, action: deny}]\n",
            &unlabelled,
            1,
            "custom rule team: needs a team label",
        ),
        (
            "cel",
            "customRules: [{name: team, expression: \"'team' in object.metadata.labels\", message: needs a team label, action: deny}]\n",
            &pod,
            0,
            "",
        ),
    ];
    for (what, policy, input, code, message) in cases {
        let policy = write(d, "policy.yaml", policy);
        let (got, v, err) = review(&["--config", &policy, input]);
        assert_eq!(got, *code, "{what} {input}: {v} {err}");
        let r = &v["response"];
        assert_eq!(r["allowed"], *code == 0, "{what}: {v}");
        assert_eq!(r["uid"], "kubeguard-review-1");
        if *code == 1 {
            assert_eq!(r["status"]["code"], 403);
            let msg = r["status"]["message"].as_str().unwrap_or_default();
            assert!(msg.contains(message), "{what}: {msg}");
        }
    }
}

#[test]
fn exec_guard_uses_pods_from_objects_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = write(d, "policy.yaml", "execGuard: {enabled: true}\n");
    let pods = write(d, "pods.yaml", &format!("{POD}---\n{PRIVILEGED_POD}"));
    let connect = |name: &str| {
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "c-1", "kind": {"group": "", "version": "v1", "kind": "PodExecOptions"},
            "resource": {"group": "", "version": "v1", "resource": "pods"}, "subResource": "exec",
            "name": name, "namespace": "prod", "operation": "CONNECT", "userInfo": {"username": "alice"},
            "object": {"apiVersion": "v1", "kind": "PodExecOptions", "command": ["sh"]}}})
        .to_string()
    };
    let root = write(d, "exec-root.json", &connect("root"));
    let web = write(d, "exec-web.json", &connect("web"));
    let (code, v, _) = review(&["--config", &policy, "--objects", &pods, &root]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["response"]["uid"], "c-1");
    assert!(
        v["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("exec guard: exec into pod prod/root")
    );
    let (code, v, _) = review(&["--config", &policy, "--objects", &pods, &web]);
    assert_eq!(code, 0, "{v}");
    // Without the pod, the guard cannot decide: a policy error, denied per failureMode deny.
    let (code, v, _) = review(&["--config", &policy, &root]);
    assert_eq!(code, 1, "{v}");
    assert!(
        v["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("policy error: exec guard")
    );
}

#[test]
fn namespace_labels_from_objects_files_and_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = write(d, "bad.yaml", PRIVILEGED_POD);
    let policy = write(d, "policy.yaml", "podSecurity: {}\n");
    let (code, _, _) = review(&["--config", &policy, &bad]);
    assert_eq!(code, 0, "no labels: privileged defaults");
    let ns = write(
        d,
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
    );
    let (code, v, _) = review(&["--config", &policy, "--objects", &ns, &bad]);
    assert_eq!(code, 1, "{v}");
    let policy = write(
        d,
        "policy.yaml",
        "podSecurity: {}\ncluster:\n  namespaces:\n    prod:\n      labels: {pod-security.kubernetes.io/enforce: baseline}\n",
    );
    let (code, _, _) = review(&["--config", &policy, &bad]);
    assert_eq!(code, 1);
}

#[test]
fn warn_audit_and_several_objects() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = write(
        d,
        "policy.yaml",
        "rules:\n  - {select: [privileged-container], action: warn}\n  - {select: [missing-memory-limit], action: audit}\n",
    );
    let bad = write(d, "bad.yaml", PRIVILEGED_POD);
    let (code, v, _) = review(&["--config", &policy, &bad]);
    assert_eq!(code, 0, "{v}");
    let r = &v["response"];
    assert!(
        r["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("rule privileged-container"),
        "{v}"
    );
    assert!(
        r["auditAnnotations"]["rule.missing-memory-limit"].is_string(),
        "{v}"
    );
    let both = write(d, "both.yaml", &format!("{POD}---\n{PRIVILEGED_POD}"));
    let policy = write(
        d,
        "policy.yaml",
        "rules: [{select: [privileged-container], action: deny}]\n",
    );
    let (code, v, _) = review(&["--config", &policy, &both]);
    assert_eq!(code, 1);
    let all = v.as_array().expect("an array of responses");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["response"]["allowed"], true);
    assert_eq!(all[1]["response"]["allowed"], false);
}

#[test]
fn mutate_prints_a_patch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = write(d, "policy.yaml", "mutation: {enabled: true}\n");
    let pod = write(
        d,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx:1}]\n",
    );
    let (code, v, _) = review(&["--config", &policy, "--endpoint", "mutate", &pod]);
    assert_eq!(code, 0, "{v}");
    let r = &v["response"];
    assert_eq!(r["patchType"], "JSONPatch");
    let patch = base64::engine::general_purpose::STANDARD
        .decode(r["patch"].as_str().unwrap())
        .unwrap();
    let patch: Value = serde_json::from_slice(&patch).unwrap();
    let paths: Vec<&str> = patch
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/spec/securityContext",
            "/spec/containers/0/securityContext"
        ]
    );
}

#[test]
fn admission_review_json_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "policy.yaml",
        "rules: [{select: [privileged-container], action: deny}]\n",
    );
    let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "abc-123", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "p", "namespace": "prod", "operation": "CREATE", "userInfo": {"username": "bob"},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "x:1", "securityContext": {"privileged": true}}]}}}});
    let out = kubeguard()
        .args(["webhook", "review", "--config", &policy, "-"])
        .write_stdin(body.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["response"]["uid"], "abc-123");
}

#[test]
fn stdin_as_both_the_objects_and_the_reviewed_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "policy.yaml", "podSecurity: {}\n");
    // The Namespace's enforce label holds the Pod in the same stream to baseline.
    let stream = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n---\n{PRIVILEGED_POD}"
    );
    let out = kubeguard()
        .args([
            "webhook",
            "review",
            "--config",
            &policy,
            "--objects",
            "-",
            "-",
        ])
        .write_stdin(stream.clone())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = v.as_array().expect("an array of responses");
    assert_eq!(all.len(), 2, "{v}");
    assert_eq!(all[0]["response"]["allowed"], true, "the Namespace: {v}");
    assert_eq!(all[1]["response"]["allowed"], false, "the Pod: {v}");
    let msg = all[1]["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("violates PodSecurity \"baseline:latest\""),
        "{msg}"
    );
    // Without the stream's Namespace as cluster state the Pod is admitted.
    let out = kubeguard()
        .args(["webhook", "review", "--config", &policy, "-"])
        .write_stdin(stream)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_reviews_and_bad_policies_exit_2_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = write(d, "policy.yaml", "{}\n");
    let pod = write(d, "pod.yaml", POD);
    let cases: Vec<(String, String, &str)> = vec![
        (
            policy.clone(),
            write(
                d,
                "wrong.json",
                r#"{"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {}}"#,
            ),
            "unsupported apiVersion \"admission.k8s.io/v1beta1\"",
        ),
        (
            policy.clone(),
            write(
                d,
                "noreq.json",
                r#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}"#,
            ),
            "has no request",
        ),
        (
            policy.clone(),
            write(
                d,
                "broken.json",
                "{\"apiVersion\": \"v1\",\n  \"kind\": [\n",
            ),
            "broken.json:",
        ),
        (
            policy.clone(),
            write(d, "empty.yaml", "# nothing\n"),
            "no Kubernetes object",
        ),
        (
            write(
                d,
                "typo.yaml",
                "failureMode: deny\nimages:\n  allowedRegistry: [x]\n  action: deny\n",
            ),
            pod.clone(),
            "typo.yaml:3:3: unknown key \"allowedRegistry\" in images (did you mean \"allowedRegistries\"?)",
        ),
        (
            write(
                d,
                "cel.yaml",
                "customRules:\n  - name: r\n    expression: \"object.metadata.name ==\"\n    message: m\n    action: deny\n",
            ),
            pod.clone(),
            "cel.yaml:3:17: custom rule \"r\": the expression does not parse",
        ),
        (
            d.join("missing.yaml").display().to_string(),
            pod.clone(),
            "missing.yaml: cannot read policy file",
        ),
    ];
    for (policy, input, expected) in cases {
        let (code, v, err) = review(&["--config", &policy, &input]);
        assert_eq!(code, 2, "{input}: {v} {err}");
        assert!(
            err.contains(expected),
            "{input}: {err:?} lacks {expected:?}"
        );
    }
    let objects = write(
        d,
        "objs.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: [\n",
    );
    let (code, _, err) = review(&["--config", &policy, "--objects", &objects, &pod]);
    assert_eq!(code, 2);
    assert!(err.contains("objs.yaml:"), "{err}");
}

#[test]
fn help_has_examples() {
    let out = kubeguard()
        .args(["webhook", "review", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for s in ["Examples:", "Exit codes:", "--objects", "--endpoint"] {
        assert!(help.contains(s), "{s}");
    }
}
