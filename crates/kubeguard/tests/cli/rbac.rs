//! End-to-end tests of `kubeguard rbac`: can-i, who-can, risks and unused
//! over `examples/rbac/cluster.yaml`, with exit codes and formats.

use crate::support::{json, kubeguard_in_repo};

const EXAMPLE: &str = "examples/rbac/cluster.yaml";

fn kubeguard(args: &[&str]) -> (i32, String, String) {
    let out = kubeguard_in_repo()
        .env("NO_COLOR", "1")
        .arg("rbac")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn can_i_exit_codes_follow_kubectl() {
    let (code, out, _) = kubeguard(&[
        "can-i",
        "--as",
        "jane",
        "create",
        "deployments",
        "-n",
        "infra",
        EXAMPLE,
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("yes\n"), "{out}");
    assert!(out.contains("RoleBinding infra/deployer (examples/rbac/cluster.yaml:46:1) binds User jane to Role deploy rule 0"), "{out}");
    // RoleBinding scope: not in another namespace.
    let (code, out, _) = kubeguard(&[
        "can-i",
        "--as",
        "jane",
        "create",
        "deployments",
        "-n",
        "web",
        EXAMPLE,
    ]);
    assert_eq!((code, out.as_str()), (1, "no\n"));
    // A ServiceAccount user, subresource and group-qualified resource.
    let (code, _, _) = kubeguard(&[
        "can-i",
        "--as",
        "system:serviceaccount:infra:deployer",
        "update",
        "deployments.apps/scale",
        "-n",
        "infra",
        EXAMPLE,
    ]);
    assert_eq!(code, 0);
    let (code, _, _) = kubeguard(&[
        "can-i",
        "--as",
        "system:serviceaccount:infra:deployer",
        "update",
        "deployments/status",
        "-n",
        "infra",
        EXAMPLE,
    ]);
    assert_eq!(code, 1);
    // system:masters bypasses RBAC.
    let (code, out, _) = kubeguard(&[
        "can-i",
        "--as",
        "x",
        "--as-group",
        "system:masters",
        "delete",
        "nodes",
        EXAMPLE,
    ]);
    assert_eq!(code, 0, "{out}");
}

/// As `kubectl auth can-i`: `-n` stays on a check of a cluster-scoped
/// resource, with kubectl's warning, so a RoleBinding granting `bind` on a
/// ClusterRole in that namespace answers yes.
#[test]
fn can_i_keeps_the_namespace_for_cluster_scoped_resources() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rbac.yaml");
    std::fs::write(
        &file,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: binder, namespace: dev}\nrules:\n- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [view]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: binder, namespace: dev}\nsubjects: [{kind: User, name: jane}]\nroleRef: {kind: Role, name: binder, apiGroup: rbac.authorization.k8s.io}\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let ask = |ns: &str| {
        kubeguard(&[
            "can-i",
            "--as",
            "jane",
            "bind",
            "clusterroles.rbac.authorization.k8s.io",
            "view",
            "-n",
            ns,
            file,
        ])
    };
    let (code, out, err) = ask("dev");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("yes\n"), "{out}");
    assert!(
        err.contains("Warning: resource 'clusterroles' is not namespace scoped"),
        "{err}"
    );
    let (code, _, _) = ask("prod");
    assert_eq!(code, 1);
}

#[test]
fn can_i_json_names_binding_role_and_rule() {
    let args = [
        "can-i",
        "--as",
        "jane",
        "--as-group",
        "web-devs",
        "get",
        "secrets",
        "app-tls",
        "-n",
        "web",
        EXAMPLE,
        "--format",
        "json",
    ];
    let (code, out, _) = kubeguard(&args);
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["allowed"], true);
    let g = &v["grants"][0];
    assert_eq!(g["binding"]["name"], "read-pods");
    assert_eq!(g["role"]["name"], "pod-reader");
    assert_eq!(g["rule"]["index"], 1);
    assert_eq!(g["rule"]["line"], 69);
    assert_eq!(g["subject"]["name"], "web-devs");
    // resourceNames: another secret is denied.
    let (code, out, _) = kubeguard(&[
        "can-i",
        "--as",
        "jane",
        "--as-group",
        "web-devs",
        "get",
        "secrets",
        "other",
        "-n",
        "web",
        EXAMPLE,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        json(&out),
        serde_json::json!({"allowed": false, "grants": []})
    );
}

#[test]
fn who_can_lists_subjects() {
    let (code, out, _) = kubeguard(&[
        "who-can", "get", "pods", "-n", "web", EXAMPLE, "--format", "json",
    ]);
    assert_eq!(code, 0);
    let v = json(&out);
    let subjects: Vec<String> = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s["kind"].as_str().unwrap(),
                s["namespace"].as_str().unwrap_or("-"),
                s["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        subjects,
        [
            "Group - system:masters",
            "Group - web-devs",
            "ServiceAccount web monitor",
            "ServiceAccount infra ops"
        ]
    );
    assert_eq!(
        v["subjects"][3]["via"][0]["binding"]["kind"],
        "ClusterRoleBinding"
    );
}

#[test]
fn risks_report_escalation_chains() {
    let (code, out, _) = kubeguard(&["risks", EXAMPLE, "--format", "json"]);
    assert_eq!(code, 1);
    let v = json(&out);
    let jane = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"]["name"] == "jane" && r["escalation"] == true)
        .expect("jane escalates through infra/ops");
    assert_eq!(jane["severity"], "critical");
    assert_eq!(jane["risk"], "subject-cluster-admin-equivalent");
    // Steps refer to the bindings and roles of the shared tables by id.
    let step = &jane["chain"][0];
    let binding = &v["rbac"]["bindings"][step["binding"].as_u64().unwrap() as usize];
    assert_eq!(binding["name"], "deployer");
    assert_eq!(binding["role"], step["role"]);
    let role = &v["rbac"]["roles"][step["role"].as_u64().unwrap() as usize];
    assert_eq!(
        role["rules"][step["rule"].as_u64().unwrap() as usize]["verbs"][2],
        "create"
    );
    assert_eq!(jane["chain"][1]["subject"]["name"], "ops");
    let (_, text, _) = kubeguard(&["risks", EXAMPLE]);
    assert!(text.ends_with("5 risk(s) for 3 subject(s)\n"), "{text}");
    let (code, _, _) = kubeguard(&["risks", EXAMPLE, "--fail-on", "none"]);
    assert_eq!(code, 0);
}

#[test]
fn risks_sarif_and_junit() {
    let (code, out, _) = kubeguard(&["risks", EXAMPLE, "--format", "sarif"]);
    assert_eq!(code, 1);
    let v = json(&out);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert!(results.iter().any(|r| r["ruleId"] == "KG701"), "{out}");
    let (_, out, _) = kubeguard(&["unused", EXAMPLE, "--format", "junit"]);
    assert!(
        out.contains("rbac-unbound-role") && out.contains("rbac-dangling-service-account"),
        "{out}"
    );
}

#[test]
fn unused_roles_and_dangling_accounts() {
    let (code, out, _) = kubeguard(&["unused", EXAMPLE, "--format", "json"]);
    assert_eq!(code, 1);
    let v = json(&out);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["rbac-dangling-service-account", "rbac-unbound-role"]
    );
}

#[test]
fn with_defaults_answers_like_a_cluster() {
    let (code, _, _) = kubeguard(&["can-i", "--as", "jane", "get", "/version", EXAMPLE]);
    assert_eq!(code, 1);
    let (code, out, _) = kubeguard(&[
        "can-i",
        "--as",
        "jane",
        "get",
        "/version",
        EXAMPLE,
        "--with-defaults",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("ClusterRoleBinding system:discovery"), "{out}");
}

#[test]
fn with_defaults_answers_for_control_plane_components() {
    let can = |args: &[&str]| {
        let mut all = vec!["can-i"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[EXAMPLE, "--with-defaults"]);
        kubeguard(&all)
    };
    let (code, out, _) = can(&[
        "--as",
        "system:kube-scheduler",
        "create",
        "pods/binding",
        "-n",
        "web",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ClusterRoleBinding system:kube-scheduler"),
        "{out}"
    );
    let (code, out, _) = can(&[
        "--as",
        "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
        "escalate",
        "clusterroles",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ClusterRoleBinding system:controller:clusterrole-aggregation-controller"),
        "{out}"
    );
    let (code, _, _) = can(&[
        "--as",
        "system:serviceaccount:kube-system:namespace-controller",
        "deletecollection",
        "widgets.example.com",
        "-n",
        "web",
    ]);
    assert_eq!(code, 0);
    let (code, out, _) = can(&[
        "--as",
        "system:kube-proxy",
        "list",
        "endpointslices",
        "-n",
        "web",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ClusterRoleBinding system:node-proxier"),
        "{out}"
    );
    let (code, _, _) = can(&[
        "--as",
        "system:kube-proxy",
        "delete",
        "endpointslices",
        "-n",
        "web",
    ]);
    assert_eq!(code, 1);
}

#[test]
fn malformed_rbac_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\n",
    )
    .unwrap();
    let (code, _, err) = kubeguard(&["who-can", "get", "pods", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.yaml:4:1: ClusterRoleBinding b: a ClusterRoleBinding can only refer to a ClusterRole"), "{err}");
    let (code, _, err) = kubeguard(&[
        "can-i",
        "--as",
        "jane",
        "get",
        "pods",
        file.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("[possible values: text, json]"), "{err}");
}
