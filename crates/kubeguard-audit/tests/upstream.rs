//! The upstream Falco `k8s_audit_rules.yaml` loads unchanged, and its rules
//! fire (and stay quiet) on realistic audit events as they do in Falco.

#[path = "../../../tests/shared_data.rs"]
mod shared_data;

use kubeguard_audit::{Priority, RuleSet, load_rules, split_events};
use serde_json::{Value, json};

fn upstream() -> RuleSet {
    let path = shared_data::shared("corpus/falco-k8saudit/k8s_audit_rules.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    load_rules(&[(path.display().to_string(), text)]).unwrap_or_else(|e| panic!("{e:?}"))
}

/// A completed request by `user` with `verb` on `resource` in `ns`.
fn event(user: &str, verb: &str, resource: &str, ns: Option<&str>, name: &str) -> Value {
    let mut oref = json!({"resource": resource, "name": name, "apiVersion": "v1"});
    if let Some(ns) = ns {
        oref["namespace"] = json!(ns);
    }
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "0d3b6b7e-1c1f-4c61-9d3e-6f1f2b9e8a10", "stage": "ResponseComplete",
        "requestURI": format!("/api/v1/namespaces/{}/{resource}/{name}", ns.unwrap_or("-")),
        "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.7"], "userAgent": "kubectl/v1.31.0",
        "objectRef": oref, "responseStatus": {"metadata": {}, "code": 201},
        "requestReceivedTimestamp": "2026-12-05T04:00:00.000000Z",
        "stageTimestamp": "2026-12-05T04:00:00.012345Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
    })
}

fn pod_create(spec: Value) -> Value {
    let mut e = event("alice", "create", "pods", Some("default"), "web");
    e["requestObject"] =
        json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web"}, "spec": spec});
    e["responseObject"] = json!({"metadata": {"name": "web"}});
    e
}

fn fired(set: &RuleSet, e: Value) -> Vec<String> {
    let mut names = Vec::new();
    split_events(e, 262_144, None, &mut |ev| {
        set.evaluate(ev.unwrap().view(), Priority::Debug, &mut |a| {
            names.push(a.rule.name.clone())
        });
    });
    names
}

fn assert_fires(set: &RuleSet, e: Value, rule: &str) {
    let got = fired(set, e);
    assert!(
        got.iter().any(|r| r == rule),
        "{rule} did not fire; fired: {got:?}"
    );
}

fn assert_quiet(set: &RuleSet, e: Value, rule: &str) {
    let got = fired(set, e);
    assert!(
        !got.iter().any(|r| r == rule),
        "{rule} fired; fired: {got:?}"
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn upstream_rules_load() {
    let set = upstream();
    assert!(set.rules().len() >= 40, "{}", set.rules().len());
    assert!(set.rules().iter().all(|r| r.source == "k8s_audit"));
    // Disabled through always-true/never-true macros, not through `enabled`.
    assert!(set.rules().iter().any(|r| r.name == "All K8s Audit Events"));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn pod_rules() {
    let set = upstream();
    let container =
        |image: &str, sc: Value| json!({"name": "c", "image": image, "securityContext": sc});
    let privileged =
        pod_create(json!({"containers": [container("nginx:1.27", json!({"privileged": true}))]}));
    assert_fires(&set, privileged.clone(), "Create Privileged Pod");
    let plain = pod_create(json!({"containers": [container("nginx:1.27", json!({}))]}));
    assert_quiet(&set, plain.clone(), "Create Privileged Pod");
    // Trusted images are exempt by repository.
    let falco = pod_create(
        json!({"containers": [container("falcosecurity/falco:0.39", json!({"privileged": true}))]}),
    );
    assert_quiet(&set, falco, "Create Privileged Pod");
    // An init container counts.
    let init = pod_create(json!({"containers": [container("nginx", json!({}))],
        "initContainers": [container("busybox", json!({"privileged": true}))]}));
    assert_fires(&set, init, "Create Privileged Pod");

    let host_mount = pod_create(json!({"containers": [container("nginx", json!({}))],
        "volumes": [{"name": "root", "hostPath": {"path": "/etc"}}]}));
    assert_fires(&set, host_mount, "Create Sensitive Mount Pod");
    let other_mount = pod_create(json!({"containers": [container("nginx", json!({}))],
        "volumes": [{"name": "data", "hostPath": {"path": "/data"}}]}));
    assert_quiet(&set, other_mount, "Create Sensitive Mount Pod");

    for (key, rule) in [
        ("hostNetwork", "Create HostNetwork Pod"),
        ("hostPID", "Create HostPid Pod"),
        ("hostIPC", "Create HostIPC Pod"),
    ] {
        let mut spec = json!({"containers": [container("nginx", json!({}))]});
        spec[key] = json!(true);
        assert_fires(&set, pod_create(spec), rule);
        assert_quiet(&set, plain.clone(), rule);
    }
    let mut kube_ns = pod_create(json!({"containers": [container("evil/miner:1", json!({}))]}));
    kube_ns["objectRef"]["namespace"] = json!("kube-system");
    assert_fires(&set, kube_ns, "Pod Created in Kube Namespace");
    let mut kube_proxy = pod_create(
        json!({"containers": [container("registry.k8s.io/kube-apiserver:v1.31", json!({}))]}),
    );
    kube_proxy["objectRef"]["namespace"] = json!("kube-system");
    assert_quiet(&set, kube_proxy, "Pod Created in Kube Namespace");
    // Only completed requests count (kevt).
    let mut started = privileged;
    started["stage"] = json!("ResponseStarted");
    assert_quiet(&set, started, "Create Privileged Pod");
    // Create Disallowed Pod is neutralised by the always-true allowed_k8s_containers.
    assert_quiet(&set, plain, "Create Disallowed Pod");
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn exec_portforward_and_ephemeral() {
    let set = upstream();
    let mut exec = event("alice", "create", "pods", Some("shop"), "web-0");
    exec["objectRef"]["subresource"] = json!("exec");
    exec["stage"] = json!("ResponseStarted");
    exec["requestURI"] =
        json!("/api/v1/namespaces/shop/pods/web-0/exec?command=sh&container=web&stdin=true");
    let mut alerts = Vec::new();
    split_events(exec.clone(), 262_144, None, &mut |ev| {
        set.evaluate(ev.unwrap().view(), Priority::Debug, &mut |a| {
            alerts.push((a.rule.name.clone(), a.output, a.rule.priority))
        });
    });
    let (_, output, priority) = alerts
        .iter()
        .find(|a| a.0 == "Attach/Exec Pod")
        .expect("exec alert");
    assert_eq!(
        output,
        "Attach/Exec to pod (user=alice pod=web-0 resource=pods ns=shop action=exec command=sh)"
    );
    assert_eq!(*priority, Priority::Notice);
    exec["stage"] = json!("ResponseComplete");
    assert_quiet(&set, exec, "Attach/Exec Pod");

    let mut pf = event("alice", "create", "pods", Some("shop"), "web-0");
    pf["objectRef"]["subresource"] = json!("portforward");
    assert_fires(&set, pf, "port-forward");

    let mut eph = event("alice", "patch", "pods", Some("shop"), "web-0");
    eph["objectRef"]["subresource"] = json!("ephemeralcontainers");
    eph["requestObject"] =
        json!({"ephemeralContainers": [{"name": "debugger", "image": "busybox"}]});
    let mut outputs = Vec::new();
    split_events(eph, 262_144, None, &mut |ev| {
        set.evaluate(ev.unwrap().view(), Priority::Debug, &mut |a| {
            outputs.push(a.output)
        });
    });
    assert!(
        outputs
            .iter()
            .any(|o| o
                .ends_with("ephemeral_container_name=debugger ephemeral_container_image=busybox)")),
        "{outputs:?}"
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn rbac_rules() {
    let set = upstream();
    let mut crb = event("mallory", "create", "clusterrolebindings", None, "pwn");
    crb["requestObject"] = json!({"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}]});
    assert_fires(&set, crb.clone(), "Attach to cluster-admin Role");
    assert_fires(&set, crb.clone(), "K8s ClusterRoleBinding Created");
    crb["requestObject"]["roleRef"]["name"] = json!("view");
    assert_quiet(&set, crb, "Attach to cluster-admin Role");

    let role = |rules: Value| {
        let mut e = event("mallory", "create", "clusterroles", None, "wide");
        e["requestObject"] = json!({"rules": rules});
        e
    };
    let wildcard = role(json!([{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]));
    assert_fires(&set, wildcard, "ClusterRole With Wildcard Created");
    let read_only =
        role(json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]));
    assert_quiet(&set, read_only.clone(), "ClusterRole With Wildcard Created");
    assert_quiet(&set, read_only, "ClusterRole With Write Privileges Created");
    let writer =
        role(json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "patch"]}]));
    assert_fires(&set, writer, "ClusterRole With Write Privileges Created");
    let exec = role(json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]));
    assert_fires(&set, exec, "ClusterRole With Pod Exec Created");

    let mut sys = event("mallory", "patch", "clusterroles", None, "system:node");
    sys["requestObject"] = json!({});
    assert_fires(&set, sys.clone(), "System ClusterRole Modified/Deleted");
    sys["objectRef"]["name"] = json!("system:coredns");
    assert_quiet(&set, sys, "System ClusterRole Modified/Deleted");
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn identity_and_secret_rules() {
    let set = upstream();
    let mut anon = event("system:anonymous", "get", "secrets", Some("default"), "db");
    assert_fires(&set, anon.clone(), "Anonymous Request Allowed");
    anon["requestURI"] = json!("/healthz");
    assert_quiet(&set, anon, "Anonymous Request Allowed");

    assert_fires(
        &set,
        event("eve", "list", "pods", Some("default"), ""),
        "Disallowed K8s User",
    );
    assert_quiet(
        &set,
        event("minikube-user", "list", "pods", Some("default"), ""),
        "Disallowed K8s User",
    );
    assert_quiet(
        &set,
        event("system:kube-scheduler", "list", "pods", Some("default"), ""),
        "Disallowed K8s User",
    );
    // Neutralised by the always-true allowed_full_admin_users macro.
    assert_quiet(
        &set,
        event("kubernetes-admin", "list", "pods", Some("default"), ""),
        "Full K8s Administrative Access",
    );

    let mut get = event("eve", "get", "secrets", Some("prod"), "db");
    get["responseStatus"]["code"] = json!(200);
    assert_fires(&set, get.clone(), "K8s Secret Get Successfully");
    assert_quiet(&set, get.clone(), "K8s Secret Get Unsuccessfully Tried");
    get["responseStatus"]["code"] = json!(403);
    assert_fires(&set, get, "K8s Secret Get Unsuccessfully Tried");

    assert_fires(
        &set,
        event("eve", "create", "secrets", Some("prod"), "tok"),
        "K8s Secret Created",
    );
    assert_quiet(
        &set,
        event("eve", "create", "secrets", Some("kube-system"), "tok"),
        "K8s Secret Created",
    );
    // A missing namespace fails `ka.target.namespace!=kube-system` too.
    assert_quiet(
        &set,
        event("eve", "create", "secrets", None, "tok"),
        "K8s Secret Created",
    );
    assert_fires(
        &set,
        event("eve", "delete", "secrets", Some("prod"), "tok"),
        "K8s Secret Deleted",
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn activity_rules() {
    let set = upstream();
    for (verb, resource, ns, rule) in [
        (
            "create",
            "deployments",
            Some("shop"),
            "K8s Deployment Created",
        ),
        (
            "delete",
            "deployments",
            Some("shop"),
            "K8s Deployment Deleted",
        ),
        ("create", "services", Some("shop"), "K8s Service Created"),
        ("delete", "services", Some("shop"), "K8s Service Deleted"),
        (
            "create",
            "configmaps",
            Some("shop"),
            "K8s ConfigMap Created",
        ),
        (
            "delete",
            "configmaps",
            Some("shop"),
            "K8s ConfigMap Deleted",
        ),
        ("create", "namespaces", None, "K8s Namespace Created"),
        ("delete", "namespaces", None, "K8s Namespace Deleted"),
        (
            "create",
            "serviceaccounts",
            Some("shop"),
            "K8s Serviceaccount Created",
        ),
        (
            "delete",
            "serviceaccounts",
            Some("shop"),
            "K8s Serviceaccount Deleted",
        ),
        ("create", "roles", Some("shop"), "K8s Role Created"),
        ("delete", "roles", Some("shop"), "K8s Role Deleted"),
        ("create", "clusterroles", None, "K8s ClusterRole Created"),
        ("delete", "clusterroles", None, "K8s ClusterRole Deleted"),
        (
            "create",
            "rolebindings",
            Some("shop"),
            "K8s RoleBinding Created",
        ),
        (
            "delete",
            "rolebindings",
            Some("shop"),
            "K8s RoleBinding Deleted",
        ),
        (
            "delete",
            "clusterrolebindings",
            None,
            "K8s ClusterRoleBinding Deleted",
        ),
    ] {
        let e = event("alice", verb, resource, ns, "x");
        assert_fires(&set, e.clone(), rule);
        let mut failed = e;
        failed["responseStatus"]["code"] = json!(403);
        assert_quiet(&set, failed, rule);
    }
    assert_fires(
        &set,
        event("alice", "create", "namespaces", None, "crypto"),
        "Create Disallowed Namespace",
    );
    assert_quiet(
        &set,
        event("alice", "create", "namespaces", None, "default"),
        "Create Disallowed Namespace",
    );

    let mut sa = event(
        "alice",
        "create",
        "serviceaccounts",
        Some("kube-system"),
        "backdoor",
    );
    assert_fires(
        &set,
        sa.clone(),
        "Service Account Created in Kube Namespace",
    );
    sa["objectRef"]["name"] = json!("coredns");
    assert_quiet(&set, sa, "Service Account Created in Kube Namespace");

    let mut svc = event("alice", "create", "services", Some("shop"), "web");
    svc["requestObject"] =
        json!({"spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}});
    assert_fires(&set, svc, "Create NodePort Service");

    let mut cm = event("alice", "update", "configmaps", Some("shop"), "cfg");
    cm["requestObject"] = json!({"data": {"db.conf": "password=hunter2"}});
    assert_fires(
        &set,
        cm.clone(),
        "Create/Modify Configmap With Private Credentials",
    );
    cm["requestObject"] = json!({"data": {"db.conf": "host=db"}});
    assert_quiet(&set, cm, "Create/Modify Configmap With Private Credentials");

    let mut ing = event("alice", "create", "ingresses", Some("shop"), "web");
    ing["requestObject"] = json!({"spec": {"rules": []}});
    assert_fires(
        &set,
        ing.clone(),
        "Ingress Object without TLS Certificate Created",
    );
    ing["requestObject"]["spec"]["tls"] = json!([{"secretName": "web-tls"}]);
    assert_quiet(&set, ing, "Ingress Object without TLS Certificate Created");

    // Nodes: the allow-all macro neutralises both node rules.
    assert_quiet(
        &set,
        event("system:node:n1", "create", "nodes", None, "n1"),
        "Untrusted Node Successfully Joined the Cluster",
    );
    // The catch-all rule stays off through its never-true macro.
    assert_quiet(
        &set,
        event("alice", "get", "pods", Some("shop"), "web"),
        "All K8s Audit Events",
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn local_overrides_on_top_of_upstream() {
    let path = shared_data::shared("corpus/falco-k8saudit/k8s_audit_rules.yaml");
    let upstream = std::fs::read_to_string(&path).unwrap();
    // A later macro replaces the earlier one also for the rules loaded before it.
    let local = "- macro: consider_all_events\n  condition: (k8s_audit_always_true)\n\
                 - list: allowed_k8s_users\n  items: [eve]\n  append: true\n\
                 - rule: K8s Secret Get Successfully\n  enabled: false\n";
    let set = load_rules(&[
        ("up.yaml".into(), upstream),
        ("local.yaml".into(), local.into()),
    ])
    .unwrap();
    assert_fires(
        &set,
        event("alice", "get", "pods", Some("shop"), "web"),
        "All K8s Audit Events",
    );
    assert_quiet(
        &set,
        event("eve", "list", "pods", Some("default"), ""),
        "Disallowed K8s User",
    );
    assert!(
        !set.rules()
            .iter()
            .any(|r| r.name == "K8s Secret Get Successfully")
    );
}
