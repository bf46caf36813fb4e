//! AdmissionReview in, AdmissionReview out: the wire format, and each
//! policy kind (table tests) through `Engine::review_body`.

mod common;

use common::*;
use kubeguard_admission::{Decision, Endpoint, StaticCluster};
use serde_json::{Value, json};

const PSS: &str = r"
podSecurity:
  defaults: {enforce: baseline, audit: restricted, warn: restricted}
cluster:
  namespaces:
    locked:
      labels: {pod-security.kubernetes.io/enforce: restricted}
    open:
      labels: {pod-security.kubernetes.io/enforce: privileged, pod-security.kubernetes.io/warn: privileged, pod-security.kubernetes.io/audit: privileged}
";

#[test]
fn bad_reviews_are_refused_with_a_clear_message() {
    let e = engine("{}");
    let c = StaticCluster::default();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{not json".to_vec(), "not valid JSON"),
        (b"[]".to_vec(), "must be a JSON object"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#
                .to_vec(),
            "unsupported apiVersion",
        ),
        (
            br#"{"kind":"AdmissionReview"}"#.to_vec(),
            "missing apiVersion",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#.to_vec(),
            "unexpected kind",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(),
            "no request",
        ),
        (
            wrap(json!({"kind": {"group": "", "version": "v1", "kind": "Pod"}})),
            "invalid AdmissionReview request",
        ),
        (
            wrap(
                json!({"uid": "", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "userInfo": {}, "object": {}}),
            ),
            "uid is empty",
        ),
        (
            wrap(
                json!({"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "userInfo": {}}),
            ),
            "request.object is missing",
        ),
    ];
    for (body, expected) in cases {
        let err = e
            .review_body(&body, Endpoint::Validate, &c)
            .expect_err("must be refused");
        assert!(
            err.message.contains(expected),
            "{:?}: {:?} lacks {expected:?}",
            String::from_utf8_lossy(&body),
            err.message
        );
    }
}

#[test]
fn an_allowed_review_echoes_the_uid_and_reports_kind_and_operation() {
    let e = engine("{}");
    let (resp, r) = review(
        &e,
        &create(&pod("a", "default", "nginx", json!({})), "alice"),
        Endpoint::Validate,
        &StaticCluster::default(),
    );
    assert_eq!(resp["uid"], "uid-1234");
    assert_eq!(resp["allowed"], true);
    assert!(resp.get("patch").is_none());
    assert_eq!((r.kind.as_str(), r.operation.as_str()), ("Pod", "CREATE"));
    assert_eq!(r.decision, Decision::Allowed);
    assert_eq!(r.decision.to_string(), "allowed");
    assert_eq!(r.policy_errors, 0);
}

#[test]
fn pod_security_enforce_audit_and_warn() {
    let (e, cluster) = engine_and_cluster(PSS);
    let privileged = pod("p", "locked", "nginx", json!({"privileged": true}));
    let nonroot_missing = pod("q", "default", "nginx", json!({}));
    // (object, namespace, allowed, has warning, has audit)
    let cases = [
        (privileged.clone(), false, false, true),
        (restricted_pod("r", "locked"), true, false, false),
        // default namespace (no labels): baseline enforce passes, restricted warn and audit fire
        (nonroot_missing.clone(), true, true, true),
        (
            pod("p", "default", "nginx", json!({"privileged": true})),
            false,
            false,
            true,
        ),
        (
            pod("p", "open", "nginx", json!({"privileged": true})),
            true,
            false,
            false,
        ),
        // workloads are never denied by Pod Security, only warned and audited
        (deployment("d", "locked", &privileged), true, true, true),
    ];
    for (obj, allowed, warned, audited) in cases {
        let (resp, r) = review(&e, &create(&obj, "alice"), Endpoint::Validate, &cluster);
        let label = format!("{} in {}", obj["kind"], obj["metadata"]["namespace"]);
        assert_eq!(resp["allowed"], allowed, "{label}: {resp}");
        assert_eq!(!warnings(&resp).is_empty(), warned, "{label}: {resp}");
        assert_eq!(
            resp["auditAnnotations"]
                .get("podsecurity-audit-violations")
                .is_some(),
            audited,
            "{label}: {resp}"
        );
        assert_eq!(r.decision == Decision::Allowed, allowed);
        if !allowed {
            assert_eq!(resp["status"]["code"], 403);
            assert_eq!(resp["status"]["reason"], "Forbidden");
            let msg = resp["status"]["message"].as_str().unwrap_or_default();
            assert!(msg.contains("violates PodSecurity \""), "{msg}");
            assert!(msg.contains("privileged"), "{msg}");
        }
    }
}

#[test]
fn pod_security_exemptions_and_enforce_policy_annotation() {
    let (e, cluster) = engine_and_cluster(
        r"
podSecurity:
  defaults: {enforce: restricted}
  exemptions: {usernames: [ci-bot], namespaces: [legacy], runtimeClasses: [kata]}
",
    );
    let bad = pod("p", "default", "nginx", json!({"privileged": true}));
    let (resp, _) = review(&e, &create(&bad, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], false);
    assert_eq!(
        resp["auditAnnotations"]["podsecurity-enforce-policy"],
        "restricted:latest"
    );
    let (resp, _) = review(&e, &create(&bad, "ci-bot"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], true);
    assert_eq!(resp["auditAnnotations"]["podsecurity-exempt"], "user");
    let legacy = pod("p", "legacy", "nginx", json!({"privileged": true}));
    let (resp, _) = review(&e, &create(&legacy, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["auditAnnotations"]["podsecurity-exempt"], "namespace");
    let mut kata = bad.clone();
    kata["spec"]["runtimeClassName"] = json!("kata");
    let (resp, _) = review(&e, &create(&kata, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(
        resp["auditAnnotations"]["podsecurity-exempt"],
        "runtimeClass"
    );
}

#[test]
fn pod_updates_that_do_not_touch_the_spec_are_not_evaluated() {
    let (e, cluster) = engine_and_cluster("podSecurity:\n  defaults: {enforce: restricted}\n");
    let old = pod("p", "default", "nginx", json!({"privileged": true}));
    let mut relabelled = old.clone();
    relabelled["metadata"]["labels"]["x"] = json!("y");
    let body = request("UPDATE", Some(&relabelled), Some(&old), "alice");
    let (resp, _) = review(&e, &body, Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], true, "{resp}");
    let mut changed = old.clone();
    changed["spec"]["containers"][0]["image"] = json!("nginx:2");
    let body = request("UPDATE", Some(&changed), Some(&old), "alice");
    let (resp, _) = review(&e, &body, Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], false, "{resp}");
}

#[test]
fn scan_rules_by_name_and_by_severity_with_each_action() {
    let privileged = pod("p", "default", "nginx:1.25", json!({"privileged": true}));
    // (policy, allowed, warning contains, audit key)
    let cases = [
        (
            "rules: [{select: [privileged-container], action: deny}]",
            false,
            None,
            None,
        ),
        (
            "rules: [{select: [KG001], action: warn}]",
            true,
            Some("privileged-container"),
            None,
        ),
        (
            "rules: [{minSeverity: critical, action: audit}]",
            true,
            None,
            Some("rule.privileged-container"),
        ),
        (
            "rules: [{select: [missing-cpu-limit], action: deny}]",
            false,
            None,
            None,
        ),
        (
            "rules: [{select: [host-pid], action: deny}]",
            true,
            None,
            None,
        ),
    ];
    for (policy, allowed, warned, audit) in cases {
        let e = engine(policy);
        let resp = validate(&e, &privileged);
        assert_eq!(resp["allowed"], allowed, "{policy}: {resp}");
        if let Some(w) = warned {
            assert!(
                warnings(&resp).iter().any(|x| x.contains(w)),
                "{policy}: {resp}"
            );
        }
        if let Some(key) = audit {
            assert!(
                resp["auditAnnotations"][key].is_string(),
                "{policy}: {resp}"
            );
        }
        if !allowed {
            let msg = resp["status"]["message"].as_str().unwrap_or_default();
            assert!(
                msg.starts_with("rule ") || msg.contains("violations: rule "),
                "{msg}"
            );
        }
    }
}

#[test]
fn the_first_selection_that_picks_a_rule_decides_its_action() {
    let e = engine(
        "rules:\n  - {select: [privileged-container], action: warn}\n  - {minSeverity: info, action: deny}\n",
    );
    let mut p = restricted_pod("p", "default");
    p["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    p["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let resp = validate(&e, &p);
    assert_eq!(resp["allowed"], false);
    let msg = resp["status"]["message"].as_str().unwrap_or_default();
    assert!(!msg.contains("rule privileged-container"), "{msg}");
    assert!(
        warnings(&resp)
            .iter()
            .any(|w| w.contains("privileged-container"))
    );
}

#[test]
fn image_policy_table() {
    let policy = r"
images:
  allowedRegistries: [ghcr.io/acme, nginx]
  requireDigest: false
  forbidLatest: true
  action: deny
";
    let e = engine(policy);
    let cases = [
        ("ghcr.io/acme/api:1.2", true),
        ("nginx:1.25", true),
        ("docker.io/library/nginx:1.25", true),
        ("nginx", false),
        ("nginx:latest", false),
        ("ghcr.io/acmecorp/api:1.2", false),
        ("redis:7", false),
    ];
    for (image, allowed) in cases {
        let resp = validate(&e, &pod("p", "default", image, json!({})));
        assert_eq!(resp["allowed"], allowed, "{image}: {resp}");
        if !allowed {
            let msg = resp["status"]["message"].as_str().unwrap_or_default();
            assert!(msg.contains("image policy") && msg.contains(image), "{msg}");
        }
    }
    let e = engine("images: {requireDigest: true, action: warn}");
    let d = deployment("d", "default", &pod("p", "default", "nginx:1", json!({})));
    let resp = validate(&e, &d);
    assert_eq!(resp["allowed"], true);
    assert!(
        warnings(&resp).iter().any(|w| w.contains("digest")),
        "{resp}"
    );
    let e = engine("images: {forbidLatest: true, action: audit}");
    let resp = validate(&e, &pod("p", "default", "nginx", json!({})));
    assert!(
        resp["auditAnnotations"]["image-policy"].is_string(),
        "{resp}"
    );
}

#[test]
fn exec_guard_table() {
    let e = engine("execGuard: {enabled: true}\nfailureMode: deny\n");
    let mut cluster = StaticCluster::default();
    cluster.add_object(&pod("plain", "prod", "nginx", json!({})));
    cluster.add_object(&pod("root", "prod", "nginx", json!({"privileged": true})));
    let mut host = pod("host", "prod", "nginx", json!({}));
    host["spec"]["hostNetwork"] = json!(true);
    cluster.add_object(&host);
    let cases = [
        ("plain", "exec", true, 0),
        ("root", "exec", false, 0),
        ("root", "attach", false, 0),
        ("root", "portforward", true, 0),
        ("host", "exec", false, 0),
        ("ghost", "exec", false, 1),
    ];
    for (name, sub, allowed, errors) in cases {
        let (resp, r) = review(
            &e,
            &connect("prod", name, sub),
            Endpoint::Validate,
            &cluster,
        );
        assert_eq!(resp["allowed"], allowed, "{name} {sub}: {resp}");
        assert_eq!(r.policy_errors, errors, "{name} {sub}");
        assert_eq!(r.operation, "CONNECT");
        if !allowed && errors == 0 {
            let msg = resp["status"]["message"].as_str().unwrap_or_default();
            assert!(msg.starts_with("exec guard:"), "{msg}");
        }
    }
    let off = engine("{}");
    let (resp, _) = review(
        &off,
        &connect("prod", "root", "exec"),
        Endpoint::Validate,
        &cluster,
    );
    assert_eq!(resp["allowed"], true);
}

#[test]
fn failure_mode_allow_admits_with_a_warning_and_an_annotation() {
    let e = engine("execGuard: {}\nfailureMode: allow\n");
    let (resp, r) = review(
        &e,
        &connect("prod", "ghost", "exec"),
        Endpoint::Validate,
        &StaticCluster::default(),
    );
    assert_eq!(resp["allowed"], true);
    assert_eq!(r.policy_errors, 1);
    assert!(
        resp["auditAnnotations"]["policy-error"]
            .as_str()
            .is_some_and(|s| s.contains("ghost"))
    );
    assert!(warnings(&resp)[0].starts_with("policy error"));
}

#[test]
fn every_violation_is_listed_with_its_source() {
    let e = engine(
        r#"
podSecurity: {defaults: {enforce: baseline}}
rules: [{select: [privileged-container], action: deny}]
images: {forbidLatest: true, action: deny}
customRules:
  - name: needs-team
    expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    message: objects need a team label
    action: deny
"#,
    );
    let resp = validate(
        &e,
        &pod("p", "default", "nginx", json!({"privileged": true})),
    );
    assert_eq!(resp["allowed"], false);
    let msg = resp["status"]["message"].as_str().unwrap_or_default();
    for source in [
        "violates PodSecurity",
        "rule privileged-container",
        "image policy",
        "custom rule needs-team",
    ] {
        assert!(msg.contains(source), "{source} missing from {msg}");
    }
    assert!(msg.starts_with("4 violations: "), "{msg}");
}

#[test]
fn exempt_namespaces_and_users_skip_every_policy() {
    let e = engine(
        "exempt: {namespaces: [kube-system], users: ['system:serviceaccount:kube-system:replicaset-controller']}\nrules: [{minSeverity: info, action: deny}]\n",
    );
    let bad = pod("p", "kube-system", "nginx", json!({"privileged": true}));
    let resp = validate(&e, &bad);
    assert_eq!(resp["allowed"], true);
    assert_eq!(resp["auditAnnotations"]["exempt"], "namespace");
    let bad = pod("p", "prod", "nginx", json!({"privileged": true}));
    let (resp, _) = review(
        &e,
        &create(
            &bad,
            "system:serviceaccount:kube-system:replicaset-controller",
        ),
        Endpoint::Validate,
        &StaticCluster::default(),
    );
    assert_eq!(resp["auditAnnotations"]["exempt"], "user");
    assert_eq!(validate(&e, &bad)["allowed"], false);
}

#[test]
fn deletes_and_status_updates_are_not_judged_as_new_objects() {
    let e = engine(
        "rules: [{minSeverity: info, action: deny}]\npodSecurity: {defaults: {enforce: restricted}}\n",
    );
    let bad = pod("p", "prod", "nginx", json!({"privileged": true}));
    let (resp, r) = review(
        &e,
        &request("DELETE", None, Some(&bad), "alice"),
        Endpoint::Validate,
        &StaticCluster::default(),
    );
    assert_eq!(resp["allowed"], true);
    assert_eq!(r.operation, "DELETE");
    let mut body: Value =
        serde_json::from_slice(&request("UPDATE", Some(&bad), Some(&bad), "kubelet")).unwrap();
    body["request"]["subResource"] = json!("status");
    let (resp, _) = review(
        &e,
        &serde_json::to_vec(&body).unwrap(),
        Endpoint::Validate,
        &StaticCluster::default(),
    );
    assert_eq!(resp["allowed"], true);
}

#[test]
fn mutate_endpoint_patches_and_validate_does_not() {
    let e = engine("mutation: {enabled: true}\nrules: [{minSeverity: info, action: deny}]\n");
    let p = pod("p", "prod", "nginx", json!(null));
    let (resp, r) = review(
        &e,
        &create(&p, "alice"),
        Endpoint::Mutate,
        &StaticCluster::default(),
    );
    assert_eq!(resp["allowed"], true, "mutation never denies");
    assert_eq!(r.decision, Decision::Allowed);
    let patch = patch_of(&resp).expect("a patch");
    let mut out = p.clone();
    let patch: json_patch::Patch = serde_json::from_value(patch).unwrap();
    json_patch::patch(&mut out, &patch).expect("applies");
    assert_eq!(
        out["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    let (resp, _) = review(
        &e,
        &create(&restricted_pod("r", "prod"), "alice"),
        Endpoint::Mutate,
        &StaticCluster::default(),
    );
    assert!(resp.get("patch").is_none(), "nothing to fill: {resp}");
    let off = engine("{}");
    let (resp, _) = review(
        &off,
        &create(&p, "alice"),
        Endpoint::Mutate,
        &StaticCluster::default(),
    );
    assert!(resp.get("patch").is_none(), "mutation is off by default");
}

#[test]
fn secret_values_never_reach_the_response() {
    let e = engine(
        r#"
rules: [{minSeverity: info, action: deny}]
customRules:
  - name: bad-math
    expression: "object.data.password + 1 == 2"
    message: never
    action: deny
  - name: bad-math-env
    expression: "object.spec.containers[0].env[0].value * 2 == 2"
    message: never
    action: deny
"#,
    );
    let secret = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "s", "namespace": "prod"},
        "data": {"password": "c3VwZXJzZWNyZXQtdmFsdWUtMQ=="},
        "stringData": {"token": "supersecret-value-2"}});
    let mut p = pod("p", "prod", "nginx", json!({}));
    p["spec"]["containers"][0]["env"] =
        json!([{"name": "DB_PASSWORD", "value": "supersecret-value-3"}]);
    for obj in [secret, p] {
        let (_, r) = review(
            &e,
            &create(&obj, "alice"),
            Endpoint::Validate,
            &StaticCluster::default(),
        );
        let text = String::from_utf8_lossy(&r.body);
        assert!(r.policy_errors >= 1, "{text}");
        for s in [
            "c3VwZXJzZWNyZXQtdmFsdWUtMQ==",
            "supersecret-value-2",
            "supersecret-value-3",
        ] {
            assert!(!text.contains(s), "secret leaked: {text}");
        }
    }
}
