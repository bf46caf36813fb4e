//! The built-in rules fire on the attack each one names, and stay quiet on
//! the ordinary traffic next to it.

use kubeguard_audit::{Priority, RuleSet, builtin, split_events};
use serde_json::{Value, json};

fn event(user: &str, verb: &str, resource: &str, ns: Option<&str>, name: &str) -> Value {
    let mut oref = json!({"resource": resource, "name": name});
    if let Some(ns) = ns {
        oref["namespace"] = json!(ns);
    }
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "6c1a", "stage": "ResponseComplete",
        "requestURI": format!("/api/v1/{resource}/{name}"), "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": ["10.1.2.3"],
        "userAgent": "kubectl/v1.31.0", "objectRef": oref, "responseStatus": {"code": 200},
        "stageTimestamp": "2026-12-05T04:00:00.5Z",
        "annotations": {"authorization.k8s.io/decision": "allow"}
    })
}

fn with(mut e: Value, pointer: &str, v: Value) -> Value {
    *e.pointer_mut(pointer).unwrap() = v;
    e
}

fn fired(set: &RuleSet, e: Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    split_events(e, 262_144, None, &mut |ev| {
        set.evaluate(ev.unwrap().view(), Priority::Debug, &mut |a| {
            out.push((a.rule.name.clone(), a.output))
        });
    });
    out
}

fn only(set: &RuleSet, e: Value, rule: &str) -> String {
    let got = fired(set, e);
    assert_eq!(
        got.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        [rule]
    );
    got[0].1.clone()
}

fn quiet(set: &RuleSet, e: Value) {
    assert_eq!(fired(set, e), []);
}

fn pod(spec: Value) -> Value {
    let mut e = event("alice", "create", "pods", Some("shop"), "web");
    e["requestObject"] = json!({"kind": "Pod", "spec": spec});
    e["responseObject"] = json!({"metadata": {"name": "web"}});
    e
}

#[test]
fn exec_attach_and_debug() {
    let set = builtin::rules().unwrap();
    let mut exec = event("alice", "create", "pods", Some("shop"), "web-0");
    exec["objectRef"]["subresource"] = json!("exec");
    exec["requestURI"] = json!(
        "/api/v1/namespaces/shop/pods/web-0/exec?command=cat&command=%2Fetc%2Fshadow&container=app"
    );
    exec["stage"] = json!("ResponseStarted");
    let out = only(&set, exec.clone(), "audit-pod-exec");
    assert_eq!(
        out,
        "Command run in a pod (user=alice verb=create pod=shop/web-0 action=exec command=cat container=app sourceips=(10.1.2.3))"
    );
    quiet(
        &set,
        with(exec.clone(), "/objectRef/subresource", json!("log")),
    );
    quiet(&set, with(exec, "/stage", json!("RequestReceived")));
}

#[test]
fn secrets_and_tokens() {
    let set = builtin::rules().unwrap();
    only(
        &set,
        event("eve", "list", "secrets", Some("prod"), ""),
        "audit-secret-read",
    );
    quiet(
        &set,
        event(
            "system:serviceaccount:kube-system:replicaset-controller",
            "list",
            "secrets",
            Some("prod"),
            "",
        ),
    );
    quiet(
        &set,
        with(
            event("eve", "list", "secrets", Some("prod"), ""),
            "/responseStatus/code",
            json!(403),
        ),
    );
    quiet(&set, event("eve", "list", "configmaps", Some("prod"), ""));
    let mut token = event("eve", "create", "serviceaccounts", Some("prod"), "deployer");
    token["objectRef"]["subresource"] = json!("token");
    only(&set, token.clone(), "audit-serviceaccount-token-request");
    quiet(
        &set,
        with(token, "/user/username", json!("system:node:worker-1")),
    );
}

#[test]
fn rbac_escalation() {
    let set = builtin::rules().unwrap();
    let mut crb = event("eve", "create", "clusterrolebindings", None, "pwn");
    crb["requestObject"] = json!({"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "eve"}]});
    only(&set, crb.clone(), "audit-cluster-admin-binding");
    quiet(
        &set,
        with(crb, "/requestObject/roleRef/name", json!("view")),
    );
    let mut role = event("eve", "patch", "roles", Some("shop"), "all");
    role["requestObject"] =
        json!({"rules": [{"apiGroups": ["*"], "resources": ["pods"], "verbs": ["*"]}]});
    only(&set, role.clone(), "audit-wildcard-role");
    quiet(
        &set,
        with(role, "/requestObject/rules/0/verbs/0", json!("get")),
    );
}

#[test]
fn dangerous_pods() {
    let set = builtin::rules().unwrap();
    let c = |sc: Value| json!([{"name": "c", "image": "alpine:3.20", "securityContext": sc}]);
    only(
        &set,
        pod(json!({"containers": c(json!({"privileged": true}))})),
        "audit-privileged-pod",
    );
    only(
        &set,
        pod(
            json!({"containers": c(json!({})), "ephemeralContainers": c(json!({"privileged": true}))}),
        ),
        "audit-privileged-pod",
    );
    quiet(
        &set,
        pod(json!({"containers": c(json!({"privileged": false}))})),
    );
    only(
        &set,
        pod(json!({"containers": c(json!({})), "hostPID": true})),
        "audit-host-namespace-pod",
    );
    quiet(
        &set,
        pod(json!({"containers": c(json!({})), "hostPID": false})),
    );
    let trusted = json!([{"name": "proxy", "image": "registry.k8s.io/kube-proxy:v1.31.0", "securityContext": {"privileged": true}}]);
    quiet(
        &set,
        pod(json!({"containers": trusted, "hostNetwork": true})),
    );
    let vol = |p: &str| json!([{"name": "h", "hostPath": {"path": p}}]);
    only(
        &set,
        pod(json!({"containers": c(json!({})), "volumes": vol("/")})),
        "audit-sensitive-hostpath-pod",
    );
    only(
        &set,
        pod(json!({"containers": c(json!({})), "volumes": vol("/var/lib/kubelet/pki")})),
        "audit-sensitive-hostpath-pod",
    );
    quiet(
        &set,
        pod(json!({"containers": c(json!({})), "volumes": vol("/data/cache")})),
    );
    quiet(
        &set,
        pod(json!({"containers": c(json!({})), "volumes": vol("/etcd-backup")})),
    );
}

#[test]
fn anonymous_access() {
    let set = builtin::rules().unwrap();
    only(
        &set,
        event(
            "system:anonymous",
            "get",
            "configmaps",
            Some("kube-public"),
            "cluster-info",
        ),
        "audit-anonymous-access",
    );
    let mut group = event("someone", "list", "nodes", None, "");
    group["user"]["groups"] = json!(["system:unauthenticated"]);
    only(&set, group, "audit-anonymous-access");
    let health = with(
        event("system:anonymous", "get", "", None, ""),
        "/requestURI",
        json!("/readyz?verbose"),
    );
    quiet(&set, health);
    let denied = with(
        event("system:anonymous", "get", "secrets", None, ""),
        "/annotations/authorization.k8s.io~1decision",
        json!("forbid"),
    );
    quiet(&set, with(denied, "/responseStatus/code", json!(403)));
}

#[test]
fn defence_evasion() {
    let set = builtin::rules().unwrap();
    only(
        &set,
        event(
            "eve",
            "delete",
            "validatingwebhookconfigurations",
            None,
            "kubeguard",
        ),
        "audit-admission-webhook-change",
    );
    quiet(
        &set,
        event(
            "system:serviceaccount:cert-manager:cainjector",
            "patch",
            "validatingwebhookconfigurations",
            None,
            "x",
        ),
    );
    quiet(
        &set,
        event(
            "eve",
            "get",
            "validatingwebhookconfigurations",
            None,
            "kubeguard",
        ),
    );

    let mut ns = event("eve", "patch", "namespaces", None, "prod");
    ns["requestObject"] =
        json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": null}}});
    let out = only(&set, ns.clone(), "audit-pod-security-label-lifted");
    assert!(out.ends_with("enforce=null)"), "{out}");
    only(
        &set,
        with(
            ns.clone(),
            "/requestObject/metadata/labels/pod-security.kubernetes.io~1enforce",
            json!("privileged"),
        ),
        "audit-pod-security-label-lifted",
    );
    quiet(
        &set,
        with(
            ns,
            "/requestObject/metadata/labels/pod-security.kubernetes.io~1enforce",
            json!("restricted"),
        ),
    );

    only(
        &set,
        event(
            "eve",
            "update",
            "configmaps",
            Some("kube-system"),
            "audit-policy",
        ),
        "audit-policy-tampering",
    );
    only(
        &set,
        event(
            "eve",
            "delete",
            "pods",
            Some("kube-system"),
            "kube-apiserver-cp-1",
        ),
        "audit-policy-tampering",
    );
    quiet(
        &set,
        event(
            "system:node:cp-1",
            "delete",
            "pods",
            Some("kube-system"),
            "kube-apiserver-cp-1",
        ),
    );
    quiet(
        &set,
        event("eve", "update", "configmaps", Some("shop"), "audit-policy"),
    );
}
