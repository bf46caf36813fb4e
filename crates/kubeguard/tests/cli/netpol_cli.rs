//! End-to-end tests of `kubeguard netpol`: exit codes and every output format.

use crate::support::{json, kubeguard, netpol_fixtures};

fn netpol(args: &[&str]) -> (i32, String) {
    let out = kubeguard()
        .current_dir(netpol_fixtures())
        .arg("netpol")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn explain_allowed_exits_0_and_names_the_rule() {
    let (code, out) = netpol(&[
        "explain",
        "--from",
        "shop/web",
        "--to",
        "shop/api:9000/TCP",
        "shop.yaml",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("ALLOWED: shop/web -> shop/api on 9000/TCP"),
        "{out}"
    );
    assert!(
        out.contains("allowed by shop/web-to-api ingress[0] (shop.yaml:70:5) on 9000/TCP"),
        "{out}"
    );
}

#[test]
fn explain_denied_exits_1_and_names_the_isolation() {
    let (code, out) = netpol(&[
        "explain",
        "--from",
        "shop/web",
        "--to",
        "shop/db:5432",
        "shop.yaml",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("ingress of shop/db: isolated by shop/default-deny"),
        "{out}"
    );
    assert!(
        out.contains("denied: no ingress rule of these policies matches on 5432/TCP"),
        "{out}"
    );
    let (code, out) = netpol(&[
        "explain",
        "--from",
        "shop/web",
        "--to",
        "shop/db:5432/TCP",
        "shop.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v = json(&out);
    assert_eq!(v["allowed"], false);
    assert_eq!(v["egress"]["allowed"], true);
    assert_eq!(v["ingress"]["allowed"], false);
    assert_eq!(v["ingress"]["isolatedBy"][0], "shop/default-deny");
}

#[test]
fn explain_to_an_address_and_errors() {
    let (code, out) = netpol(&[
        "explain",
        "--from",
        "shop/api",
        "--to",
        "10.96.0.10:53/UDP",
        "shop.yaml",
        "-f",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(json(&out)["ingress"]["outsidePolicyControl"], true);
    let (code, _) = netpol(&[
        "explain",
        "--from",
        "shop/nope",
        "--to",
        "shop/api",
        "shop.yaml",
    ]);
    assert_eq!(code, 2);
    let (code, _) = netpol(&[
        "explain",
        "--from",
        "shop/web",
        "--to",
        "shop/api:80/ICMP",
        "shop.yaml",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn matrix_formats() {
    let (code, text) = netpol(&["matrix", "shop.yaml"]);
    assert_eq!(code, 0);
    assert!(text.contains("4 shop/web              .p.-"), "{text}");
    assert!(text.contains("shop/web -> shop/api: 9000/TCP"), "{text}");

    let (_, out) = netpol(&[
        "matrix",
        "shop.yaml",
        "--format",
        "json",
        "--port",
        "9000/TCP",
    ]);
    let v = json(&out);
    assert_eq!(v["port"], "9000/TCP");
    assert_eq!(v["workloads"].as_array().unwrap().len(), 4);
    let allowed = v["allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), 1);
    assert_eq!(allowed[0]["ports"], "9000/TCP");

    let (_, csv) = netpol(&["matrix", "shop.yaml", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 1 + 4 * 3);
    assert!(csv.contains("shop/api,shop/db,some,\"5432/TCP\""), "{csv}");

    let (_, dot) = netpol(&["matrix", "shop.yaml", "--format", "dot"]);
    assert!(dot.starts_with("digraph reachability {"), "{dot}");
    assert!(
        dot.contains("-> c") && dot.contains("label=\"5432/TCP\""),
        "{dot}"
    );

    let (_, mermaid) = netpol(&["matrix", "shop.yaml", "--format", "mermaid"]);
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(mermaid.contains("-->|\"9000/TCP\"|"), "{mermaid}");
}

#[test]
fn coverage_reports_gaps_and_exits_1() {
    let (code, out) = netpol(&["coverage", "shop.yaml", "--format", "json"]);
    assert_eq!(code, 1);
    let report = json(&out);
    // One finding a gap: the namespace (both directions), the pod, two rules.
    assert_eq!(report["findings"].as_array().unwrap().len(), 4, "{report}");
    let v = &report["coverage"];
    assert_eq!(
        v["namespacesWithoutDefaultDenyIngress"],
        serde_json::json!(["monitoring"])
    );
    assert_eq!(
        v["unselectedPods"],
        serde_json::json!(["monitoring/prometheus"])
    );
    let dead = v["rulesThatNeverMatch"].as_array().unwrap();
    assert_eq!(dead.len(), 2);
    assert_eq!(dead[1]["policy"], "shop/api-to-db");
    assert_eq!(dead[1]["line"], 91);
}

#[test]
fn coverage_gaps_are_suppressed_like_findings() {
    let (code, out) = netpol(&[
        "coverage",
        "shop.yaml",
        "--format",
        "json",
        "--ignore",
        "netpol-rule-never-matches,namespace-without-default-deny",
        "--fail-on",
        "high",
    ]);
    assert_eq!(code, 0);
    let report = json(&out);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(
        report["coverage"]["rulesThatNeverMatch"],
        serde_json::json!([])
    );
    assert_eq!(
        report["coverage"]["namespacesWithoutDefaultDenyIngress"],
        serde_json::json!([])
    );
    assert_eq!(
        report["coverage"]["unselectedPods"],
        serde_json::json!(["monitoring/prometheus"])
    );
}

#[test]
fn a_policy_of_host_network_pods_says_so() {
    // A node exporter's shape: a DaemonSet on the node's network and a
    // policy whose selector matches its labels.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exporter.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-exporter, namespace: monitoring}\n\
         spec:\n  selector: {matchLabels: {app: node-exporter}}\n  template:\n\
         \x20   metadata: {labels: {app: node-exporter}}\n    spec:\n      hostNetwork: true\n\
         \x20     containers: [{name: exporter, image: registry.example.com/exporter:1.0}]\n\
         ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
         metadata: {name: node-exporter, namespace: monitoring}\n\
         spec:\n  podSelector: {matchLabels: {app: node-exporter}}\n  policyTypes: [Ingress]\n",
    )
    .unwrap();
    let out = kubeguard()
        .args(["netpol", "coverage", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let report = json(out.stdout);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "netpol-policy-selects-nothing")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "policy monitoring/node-exporter selects only hostNetwork pods (DaemonSet monitoring/node-exporter), where no NetworkPolicy applies"
        ]
    );
}

#[test]
fn diff_reports_opened_connections() {
    let (code, out) = netpol(&["diff", "shop.yaml", "shop-new.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(out, "+ shop/web -> shop/db: opened 5432/TCP\n");
    let (code, out) = netpol(&["diff", "shop.yaml", "shop.yaml", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["changes"], serde_json::json!([]));
}

#[test]
fn invalid_policy_is_located_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: not-a-cidr}\n",
    )
    .unwrap();
    let out = kubeguard()
        .args(["netpol", "coverage"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("bad.yaml:8:17: not a CIDR"), "{text}");
}

#[test]
fn explain_calico_policies() {
    let (code, out) = netpol(&[
        "explain",
        "--from",
        "shop/web",
        "--to",
        "shop/db:5432/TCP",
        "calico.yaml",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("allowed by GlobalNetworkPolicy/deny-db-from-web-but-pg rule \"ingress[0]\" (calico.yaml:37:5) on 5432/TCP"),
        "{out}"
    );
    let (code, out) = netpol(&[
        "explain",
        "--from",
        "shop/web",
        "--to",
        "shop/db:5433/TCP",
        "calico.yaml",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("denied by GlobalNetworkPolicy/deny-db-from-web-but-pg rule \"ingress[1]\""),
        "{out}"
    );
    let (code, out) = netpol(&["coverage", "calico.yaml", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v = json(&out);
    assert_eq!(
        v["coverage"]["unselectedPods"],
        serde_json::json!(["shop/web"])
    );
}
