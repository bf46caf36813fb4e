//! Namespace CREATE and UPDATE under Pod Security, as the admission plugin
//! judges them: labels that do not parse are refused with 422 Invalid (on
//! UPDATE only when they changed), and tightening the enforce level warns
//! about the existing pods it would reject, grouped by failed checks.

mod common;

use common::*;
use kubeguard_admission::{Endpoint, StaticCluster};
use serde_json::{Value, json};

const POLICY: &str = "podSecurity:\n  exemptions: {namespaces: [legacy], runtimeClasses: [kata]}\n";

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": labels}})
}

fn enforce(level: &str) -> Value {
    json!({"pod-security.kubernetes.io/enforce": level})
}

/// Reviews an UPDATE of `old` to `new` in `cluster`.
fn update(old: &Value, new: &Value, cluster: &StaticCluster) -> Value {
    let e = engine(POLICY);
    review(
        &e,
        &request("UPDATE", Some(new), Some(old), "alice"),
        Endpoint::Validate,
        cluster,
    )
    .0
}

#[test]
fn invalid_labels_on_create_are_refused_as_invalid() {
    let e = engine(POLICY);
    let c = StaticCluster::default();
    let bad = namespace(
        "shop",
        json!({"pod-security.kubernetes.io/enforce": "strict",
               "pod-security.kubernetes.io/warn-version": "1.25"}),
    );
    let (resp, _) = review(&e, &create(&bad, "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(resp["status"]["code"], 422);
    assert_eq!(resp["status"]["reason"], "Invalid");
    assert_eq!(
        resp["status"]["message"],
        "[metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": \
         must be one of privileged, baseline, restricted, \
         metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.25\": \
         must be \"latest\" or \"v1.x\"]"
    );
    let good = namespace("shop", enforce("restricted"));
    let (resp, _) = review(&e, &create(&good, "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], true, "{resp}");
    let (resp, _) = review(
        &e,
        &create(&namespace("shop", json!({})), "alice"),
        Endpoint::Validate,
        &c,
    );
    assert_eq!(resp["allowed"], true, "no labels: {resp}");
}

#[test]
fn invalid_labels_on_update_are_refused_only_when_they_changed() {
    let c = StaticCluster::default();
    let bad = namespace("shop", enforce("strict"));
    let resp = update(&namespace("shop", enforce("baseline")), &bad, &c);
    assert_eq!(resp["status"]["code"], 422, "{resp}");
    // Already invalid the same way: another label changes, allowed.
    let mut relabelled = bad.clone();
    relabelled["metadata"]["labels"]["team"] = json!("web");
    let resp = update(&bad, &relabelled, &c);
    assert_eq!(resp["allowed"], true, "{resp}");
    // Invalid in another way: refused.
    let worse = namespace("shop", enforce("stricter"));
    let resp = update(&bad, &worse, &c);
    assert_eq!(resp["status"]["code"], 422, "{resp}");
}

fn cluster_with_pods() -> StaticCluster {
    let mut c = StaticCluster::default();
    let privileged = json!({"privileged": true});
    for name in ["web-b", "web-a", "web-c"] {
        assert!(c.add_object(&pod(name, "shop", "nginx:1", privileged.clone())));
    }
    assert!(c.add_object(&pod("db", "shop", "postgres:16", json!({}))));
    assert!(c.add_object(&restricted_pod("ok", "shop")));
    let mut kata = pod("sandboxed", "shop", "nginx:1", privileged.clone());
    kata["spec"]["runtimeClassName"] = json!("kata");
    assert!(c.add_object(&kata));
    assert!(c.add_object(&pod("elsewhere", "other", "nginx:1", privileged)));
    c
}

#[test]
fn tightening_enforce_warns_about_existing_pods_grouped_by_failed_checks() {
    let c = cluster_with_pods();
    let resp = update(
        &namespace("shop", enforce("privileged")),
        &namespace("shop", enforce("baseline")),
        &c,
    );
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(
        warnings(&resp),
        [
            "existing pods in namespace \"shop\" violate the new PodSecurity enforce level \"baseline:latest\"",
            "web-a (and 2 other pods): privileged",
        ]
    );
    let resp = update(
        &namespace("shop", enforce("baseline")),
        &namespace("shop", enforce("restricted")),
        &c,
    );
    assert_eq!(
        warnings(&resp),
        [
            "existing pods in namespace \"shop\" violate the new PodSecurity enforce level \"restricted:latest\"",
            "db: runAsNonRoot != true, allowPrivilegeEscalation != false, seccompProfile, unrestricted capabilities",
            "web-a (and 2 other pods): privileged, runAsNonRoot != true, allowPrivilegeEscalation != false, seccompProfile, unrestricted capabilities",
        ]
    );
}

#[test]
fn relaxing_keeping_or_exempt_namespaces_check_no_pods() {
    let c = cluster_with_pods();
    let quiet = [
        // unchanged enforce, other labels change
        (
            enforce("baseline"),
            json!({"pod-security.kubernetes.io/enforce": "baseline", "team": "web"}),
        ),
        // relaxed at the same version
        (enforce("restricted"), enforce("baseline")),
        // to privileged
        (enforce("baseline"), enforce("privileged")),
    ];
    for (old, new) in quiet {
        let resp = update(&namespace("shop", old), &namespace("shop", new.clone()), &c);
        assert_eq!(resp["allowed"], true, "{resp}");
        assert!(resp.get("warnings").is_none(), "{new}: {resp}");
    }
    // A version change at the same level is checked.
    let resp = update(
        &namespace(
            "shop",
            json!({"pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "v1.0"}),
        ),
        &namespace("shop", enforce("baseline")),
        &c,
    );
    assert_eq!(warnings(&resp).len(), 2, "{resp}");
    // Exempt namespace: not checked.
    let resp = update(
        &namespace("legacy", enforce("privileged")),
        &namespace("legacy", enforce("restricted")),
        &c,
    );
    assert!(resp.get("warnings").is_none(), "{resp}");
}

#[test]
fn pods_in_a_namespace_with_invalid_labels_carry_the_parse_error() {
    let e = engine(POLICY);
    let mut c = StaticCluster::default();
    c.add_namespace(
        "shop",
        [(
            "pod-security.kubernetes.io/audit".to_owned(),
            "loud".to_owned(),
        )]
        .into_iter()
        .collect(),
    );
    let p = restricted_pod("ok", "shop");
    let (resp, _) = review(&e, &create(&p, "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(
        resp["auditAnnotations"]["podsecurity-error"],
        "Failed to parse policy: metadata.labels[pod-security.kubernetes.io/audit]: \
         Invalid value: \"loud\": must be one of privileged, baseline, restricted"
    );
}

#[test]
fn pod_security_watches_pods_for_namespace_updates() {
    let w = engine(POLICY).watches();
    assert!(w.namespaces && w.pods);
    let w = engine("execGuard: {enabled: false}\n").watches();
    assert!(!w.namespaces && !w.pods);
}
