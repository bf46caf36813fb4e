//! Conformance cases written from the documented NetworkPolicy behaviour
//! and the shape of the upstream e2e truth tables: namespaces x, y and z,
//! pods a, b and c in each, every pod serving 80 and 81 on TCP, UDP and
//! SCTP under the names `serve-80-tcp` and so on. Each case asserts the
//! full matrix (rows send, columns receive, `X` allowed, `.` denied).

use kubeguard_core::Source;
use kubeguard_netpol::admin::Action;
use kubeguard_netpol::{Analysis, Classes, Direction, Endpoint, Model, PortSet, Protocol};
use std::fmt::Write as _;

const NAMESPACES: [&str; 3] = ["x", "y", "z"];
const PODS: [&str; 3] = ["a", "b", "c"];

fn cluster() -> String {
    let mut y = String::new();
    for (n, ns) in NAMESPACES.iter().enumerate() {
        let _ = write!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels: {{ns: {ns}}}\n"
        );
        for (p, pod) in PODS.iter().enumerate() {
            let _ = write!(
                y,
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\n  namespace: {ns}\n  labels: {{pod: {pod}}}\nspec:\n  containers:\n"
            );
            for port in [80, 81] {
                for proto in ["tcp", "udp", "sctp"] {
                    let _ = write!(
                        y,
                        "  - name: c{port}{proto}\n    ports: [{{name: serve-{port}-{proto}, containerPort: {port}, protocol: {}}}]\n",
                        proto.to_uppercase()
                    );
                }
            }
            let _ = write!(y, "status:\n  podIP: 10.0.{n}.{}\n", p + 1);
        }
    }
    y
}

fn model(extra: &str) -> Model {
    let text = format!("{}---\n{extra}", cluster());
    let loaded = kubeguard_load::load_source(Source::new("case.yaml", text));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let (model, errors) = Model::from_objects(&loaded.objects);
    assert!(errors.is_empty(), "{errors:?}");
    model
}

/// The matrix on one port, computed pair by pair and through the classes,
/// which must agree.
fn matrix(model: &Model, proto: Protocol, port: u16) -> Vec<String> {
    let analysis = Analysis::new(model);
    let classes = Classes::new(&analysis);
    (0..model.pods.len())
        .map(|s| {
            (0..model.pods.len())
                .map(|d| {
                    let pairwise = analysis.allowed(&Endpoint::Pod(s), &Endpoint::Pod(d));
                    assert_eq!(
                        &pairwise,
                        classes.allowed(s, d),
                        "classes disagree for {s}->{d}"
                    );
                    if pairwise.contains(proto, port) {
                        'X'
                    } else {
                        '.'
                    }
                })
                .collect()
        })
        .collect()
}

fn assert_matrix(policies: &str, proto: Protocol, port: u16, expected: &[&str]) {
    let m = model(policies);
    assert_eq!(
        matrix(&m, proto, port),
        expected,
        "on {port}/{}",
        proto.as_str()
    );
}

const ALL: [&str; 9] = ["XXXXXXXXX"; 9];

#[test]
fn no_policies_allow_everything() {
    assert_matrix("", Protocol::Tcp, 80, &ALL);
    assert_matrix("", Protocol::Sctp, 81, &ALL);
}

#[test]
fn default_deny_ingress_in_one_namespace() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n";
    let expected = ["...XXXXXX"; 9];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
    assert_matrix(p, Protocol::Udp, 81, &expected);
}

#[test]
fn default_deny_egress_in_one_namespace() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n";
    let mut expected = vec!["........."; 3];
    expected.extend(["XXXXXXXXX"; 6]);
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn allow_from_namespace() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-y, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: y}}}]\n";
    let expected = [
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
    ];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn allow_from_namespace_by_automatic_name_label() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-z, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]\n";
    let expected = [
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn namespace_and_pod_selector_in_one_peer_is_and() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: and, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {ns: y}}\n      podSelector: {matchLabels: {pod: b}}\n";
    let expected = [
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        "XXXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
    ];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn namespace_and_pod_selector_in_two_peers_is_or() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: or, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {ns: y}}\n    - podSelector: {matchLabels: {pod: b}}\n";
    let expected = [
        ".XXXXXXXX",
        "XXXXXXXXX",
        ".XXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
        ".XXXXXXXX",
    ];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn match_expressions_select_pods_and_namespaces() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: exprs, namespace: x}\nspec:\n  podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}\n  ingress:\n  - from:\n    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x, y]}]}\n      podSelector: {matchExpressions: [{key: pod, operator: Exists}, {key: missing, operator: DoesNotExist}]}\n";
    let expected = [
        "..XXXXXXX",
        "..XXXXXXX",
        "..XXXXXXX",
        "..XXXXXXX",
        "..XXXXXXX",
        "..XXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn empty_pod_selector_peer_means_own_namespace_and_empty_namespace_selector_all() {
    let own = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: own, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n";
    let expected = [
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
    ];
    assert_matrix(own, Protocol::Tcp, 80, &expected);
    let all = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n";
    assert_matrix(all, Protocol::Tcp, 80, &ALL);
}

#[test]
fn named_ports_resolve_against_the_destination_pod() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: named, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: serve-81-tcp}, {port: serve-80-udp, protocol: UDP}]\n";
    assert_matrix(p, Protocol::Tcp, 81, &ALL);
    assert_matrix(p, Protocol::Udp, 80, &ALL);
    let closed = [".XXXXXXXX"; 9];
    assert_matrix(p, Protocol::Tcp, 80, &closed);
    assert_matrix(p, Protocol::Udp, 81, &closed);
    assert_matrix(p, Protocol::Sctp, 80, &closed);
}

#[test]
fn named_egress_port_resolves_against_the_receiver() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: named, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: serve-80-tcp}]\n";
    let mut closed = vec!["........."];
    closed.extend(["XXXXXXXXX"; 8]);
    assert_matrix(p, Protocol::Tcp, 80, &ALL);
    assert_matrix(p, Protocol::Tcp, 81, &closed);
}

#[test]
fn end_port_ranges() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: range, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: 81, endPort: 90, protocol: TCP}]\n";
    let closed = [".XXXXXXXX"; 9];
    assert_matrix(p, Protocol::Tcp, 80, &closed);
    assert_matrix(p, Protocol::Tcp, 81, &ALL);
    assert_matrix(p, Protocol::Tcp, 90, &ALL);
    assert_matrix(p, Protocol::Tcp, 91, &closed);
    assert_matrix(p, Protocol::Udp, 85, &closed);
}

#[test]
fn ip_block_with_except() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: cidr, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24, 10.0.2.3/32]}}]\n";
    let mut expected = vec!["XXX...XX."];
    expected.extend(["XXXXXXXXX"; 8]);
    assert_matrix(p, Protocol::Tcp, 80, &expected);
    let m = model(p);
    let a = Analysis::new(&m);
    let xa = Endpoint::Pod(m.find_pod("x", "a").unwrap());
    assert!(
        a.allowed(&xa, &Endpoint::Ip("10.0.200.1".parse().unwrap()))
            .is_all()
    );
    assert!(
        a.allowed(&xa, &Endpoint::Ip("10.0.1.9".parse().unwrap()))
            .is_empty()
    );
    assert!(
        a.allowed(&xa, &Endpoint::Ip("192.168.0.1".parse().unwrap()))
            .is_empty()
    );
}

#[test]
fn egress_to_dns_only() {
    let p = "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: coredns, namespace: kube-system}\nspec:\n  template:\n    metadata: {labels: {k8s-app: kube-dns}}\n    spec:\n      containers:\n      - name: coredns\n        ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: dns-only, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n";
    let m = model(p);
    let mut on_53 = vec![".........X"; 3];
    on_53.extend(["...XXXXXXX"; 7]);
    assert_eq!(matrix(&m, Protocol::Udp, 53), on_53);
    assert_eq!(matrix(&m, Protocol::Tcp, 53), on_53);
    let mut on_80 = vec![".........."; 3];
    on_80.extend(["...XXXXXXX"; 7]);
    assert_eq!(matrix(&m, Protocol::Tcp, 80), on_80);
}

#[test]
fn policy_types_are_defaulted_like_the_api_server() {
    // Egress rules without policyTypes: Ingress and Egress.
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: both, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  egress:\n  - to: [{podSelector: {matchLabels: {pod: b}}}]\n";
    let mut expected = vec![".X......."];
    expected.extend([".XXXXXXXX"; 8]);
    assert_matrix(p, Protocol::Tcp, 80, &expected);
    // policyTypes [Egress] ignores the ingress rules and leaves ingress open.
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: egress, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  ingress:\n  - from: [{podSelector: {}}]\n  egress:\n  - to: [{podSelector: {matchLabels: {pod: b}}}]\n";
    let mut expected = vec![".X......."];
    expected.extend(["XXXXXXXXX"; 8]);
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn both_directions_must_allow() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: in, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: b}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: a}}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {pod: c}}}]\n";
    let mut expected = vec!["..X......"];
    expected.extend(["X.XXXXXXX"; 8]);
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn rules_of_all_selecting_policies_are_unioned() {
    let p = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-b, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-z, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: z}}}]\n";
    let expected = [
        "...XXXXXX",
        "X..XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(p, Protocol::Tcp, 80, &expected);
}

#[test]
fn host_network_pods_are_outside_policy_control() {
    let p = "apiVersion: v1\nkind: Pod\nmetadata: {name: host, namespace: x, labels: {pod: a}}\nspec:\n  hostNetwork: true\n  containers: [{name: c}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: a}}}]\n";
    let m = model(p);
    let a = Analysis::new(&m);
    let host = m.find_pod("x", "host").unwrap();
    let xa = m.find_pod("x", "a").unwrap();
    assert!(m.pods[host].host_network);
    // Not isolated itself, and not matched by the podSelector that matches its labels.
    assert!(
        a.isolating(host, kubeguard_netpol::Direction::Ingress)
            .is_empty()
    );
    assert_eq!(
        a.allowed(&Endpoint::Pod(xa), &Endpoint::Pod(host)),
        PortSet::all()
    );
    assert!(
        a.allowed(&Endpoint::Pod(host), &Endpoint::Pod(xa))
            .is_empty()
    );
}

#[test]
fn owned_pods_are_represented_by_their_workload() {
    let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n  namespace: x\n  labels: {app: web}\n  ownerReferences: [{kind: Deployment, name: web}]\nspec: {containers: [{name: c}]}\n";
    let m = model(p);
    assert!(m.find_pod("x", "web").is_some());
    assert!(m.find_pod("x", "web-1").is_none());
    assert_eq!(
        m.pods[m.find_pod("x", "web").unwrap()]
            .labels
            .get("app")
            .map(String::as_str),
        Some("web")
    );
}

const ANP_HEAD: &str = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n";

#[test]
fn admin_deny_overrides_network_policy_allow() {
    let p = format!(
        "{ANP_HEAD}metadata: {{name: deny-y-to-x}}\nspec:\n  priority: 10\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - name: deny-y\n    action: Deny\n    from: [{{namespaces: {{matchLabels: {{ns: y}}}}}}]\n"
    );
    let expected = [
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn admin_allow_overrides_network_policy_isolation_and_priority_orders() {
    // Priority 5 allows z -> x on 80; priority 20 denies all into x; the
    // NetworkPolicy default deny in x is never reached for z on 80.
    let p = format!(
        "{ANP_HEAD}metadata: {{name: allow-z}}\nspec:\n  priority: 5\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - name: z-on-80\n    action: Allow\n    from: [{{namespaces: {{matchLabels: {{ns: z}}}}}}]\n    ports: [{{portNumber: {{port: 80, protocol: TCP}}}}]\n---\n{ANP_HEAD}metadata: {{name: deny-all}}\nspec:\n  priority: 20\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - name: all\n    action: Deny\n    from: [{{namespaces: {{}}}}]\n"
    );
    let expected = [
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
    assert_matrix(&p, Protocol::Tcp, 81, &["...XXXXXX"; 9]);
}

#[test]
fn admin_pass_hands_over_to_network_policy_and_baseline() {
    // Pass y -> x to the NetworkPolicy tier, which allows only y/a; the
    // baseline denies everything into y, where no NetworkPolicy isolates.
    let p = format!(
        "{ANP_HEAD}metadata: {{name: pass}}\nspec:\n  priority: 1\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - name: pass-y\n    action: Pass\n    from: [{{namespaces: {{matchLabels: {{ns: y}}}}}}]\n  - name: deny-y\n    action: Deny\n    from: [{{namespaces: {{matchLabels: {{ns: y}}}}}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: only-ya, namespace: x}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{ns: y}}}}, podSelector: {{matchLabels: {{pod: a}}}}}}]\n---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {{name: default}}\nspec:\n  subject: {{namespaces: {{matchExpressions: [{{key: ns, operator: In, values: [x, y]}}]}}}}\n  ingress:\n  - name: deny-all\n    action: Deny\n    from: [{{namespaces: {{}}}}]\n"
    );
    let expected = [
        "......XXX",
        "......XXX",
        "......XXX",
        "XXX...XXX",
        "......XXX",
        "......XXX",
        "......XXX",
        "......XXX",
        "......XXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn explain_names_admin_rules_and_isolation() {
    let p = format!(
        "{ANP_HEAD}metadata: {{name: deny-y}}\nspec:\n  priority: 3\n  subject: {{pods: {{namespaceSelector: {{matchLabels: {{ns: x}}}}, podSelector: {{matchLabels: {{pod: a}}}}}}}}\n  ingress:\n  - name: no-y-on-81\n    action: Deny\n    from: [{{pods: {{namespaceSelector: {{matchLabels: {{ns: y}}}}, podSelector: {{}}}}}}]\n    ports: [{{namedPort: serve-81-tcp}}, {{portRange: {{start: 90, end: 99, protocol: UDP}}}}]\n"
    );
    let m = model(&p);
    let a = Analysis::new(&m);
    let xa = Endpoint::Pod(m.find_pod("x", "a").unwrap());
    let yb = Endpoint::Pod(m.find_pod("y", "b").unwrap());
    let denied = kubeguard_netpol::explain::explain(&a, yb, xa, Some((Protocol::Tcp, 81)));
    assert!(!denied.allowed);
    // The deciding admin rule, where it was written and the ports it denied.
    let step = &denied.verdict.ingress.admin[0];
    assert_eq!(
        (step.policy.as_str(), step.rule.as_str(), step.action),
        ("AdminNetworkPolicy/deny-y", "no-y-on-81", Action::Deny)
    );
    assert_eq!(step.origin.file, "case.yaml");
    assert_eq!(
        step.ports,
        PortSet::range(Protocol::Tcp, 81, 81).union(&PortSet::range(Protocol::Udp, 90, 99))
    );
    assert!(!denied.verdict.ingress.allows(Some((Protocol::Tcp, 81))));
    let allowed = kubeguard_netpol::explain::explain(&a, yb, xa, Some((Protocol::Tcp, 80)));
    assert!(allowed.allowed);
    assert_eq!(
        allowed.verdict.allowed,
        PortSet::all()
            .subtract(&PortSet::range(Protocol::Tcp, 81, 81))
            .subtract(&PortSet::range(Protocol::Udp, 90, 99))
    );
}

#[test]
fn malformed_policies_are_reported_with_positions() {
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  podSelector: {matchExpressions: [{key: a, operator: In}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad2, namespace: x}\nspec:\n  ingress:\n  - ports: [{port: 80, endPort: 70}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: good, namespace: x}\nspec: {podSelector: {}}\n";
    let loaded = kubeguard_load::load_source(Source::new("bad.yaml", text));
    let (m, errors) = Model::from_objects(&loaded.objects);
    assert_eq!(m.policies.len(), 1);
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "bad.yaml:5:36: operator In needs at least one value",
            "bad.yaml:12:24: endPort must not be below port",
        ]
    );
}

const CNP_HEAD: &str = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n";

#[test]
fn cilium_l3_l4_subset() {
    // Ingress to x/a only from y/b (namespace through the Cilium label) on
    // 80/TCP, and from the whole cluster on serve-81-udp.
    let p = format!(
        "{CNP_HEAD}metadata: {{name: xa, namespace: x}}\nspec:\n  endpointSelector: {{matchLabels: {{k8s:pod: a}}}}\n  ingress:\n  - fromEndpoints:\n    - matchLabels: {{k8s:io.kubernetes.pod.namespace: y, pod: b}}\n    toPorts:\n    - ports: [{{port: \"80\", protocol: TCP}}]\n  - fromEntities: [cluster]\n    toPorts:\n    - ports: [{{port: serve-81-udp, protocol: UDP}}]\n"
    );
    let closed = [".XXXXXXXX"; 9];
    let mut only_yb = closed.to_vec();
    only_yb[4] = "XXXXXXXXX";
    assert_matrix(&p, Protocol::Tcp, 80, &only_yb);
    assert_matrix(&p, Protocol::Udp, 81, &ALL);
    assert_matrix(&p, Protocol::Tcp, 81, &closed);
    // fromEndpoints {} is the policy's own namespace; an empty rule allows nothing.
    let own = format!(
        "{CNP_HEAD}metadata: {{name: own, namespace: z}}\nspec:\n  endpointSelector: {{}}\n  ingress:\n  - fromEndpoints: [{{}}]\n  - {{}}\n"
    );
    let expected = [
        "XXXXXX...",
        "XXXXXX...",
        "XXXXXX...",
        "XXXXXX...",
        "XXXXXX...",
        "XXXXXX...",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(&own, Protocol::Tcp, 80, &expected);
    // Egress to a CIDR set with an exception.
    let cidr = format!(
        "{CNP_HEAD}metadata: {{name: out, namespace: x}}\nspec:\n  endpointSelector: {{matchLabels: {{pod: a}}}}\n  egress:\n  - toCIDRSet: [{{cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]\n"
    );
    let mut expected = vec!["XXX...XXX"];
    expected.extend(["XXXXXXXXX"; 8]);
    assert_matrix(&cidr, Protocol::Tcp, 80, &expected);
}

#[test]
fn cilium_deny_sections_are_reported_not_guessed() {
    let text = format!(
        "{CNP_HEAD}metadata: {{name: deny, namespace: x}}\nspec:\n  endpointSelector: {{}}\n  ingressDeny:\n  - fromEntities: [world]\n"
    );
    let loaded = kubeguard_load::load_source(Source::new("cnp.yaml", text));
    let (m, errors) = Model::from_objects(&loaded.objects);
    assert!(m.policies.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "cnp.yaml:6:3: ingressDeny is not modelled; the policy is left out"
    );
}

#[test]
fn coverage_counts_admin_default_deny() {
    use kubeguard_netpol::coverage::coverage;
    // x: an ANP denies all ingress (after an Allow exception) and egress to
    // every pod and address. y: a Pass rule precedes the deny, so only the
    // baseline's ingress deny counts. z: the egress deny misses IPv6.
    let p = format!(
        "{ANP_HEAD}metadata: {{name: lock-x}}\nspec:\n  priority: 10\n  subject: {{namespaces: {{matchLabels: {{ns: x}}}}}}\n  ingress:\n  - name: from-z\n    action: Allow\n    from: [{{namespaces: {{matchLabels: {{ns: z}}}}}}]\n  - name: all\n    action: Deny\n    from: [{{namespaces: {{}}}}]\n  egress:\n  - name: all\n    action: Deny\n    to: [{{namespaces: {{}}}}, {{networks: [0.0.0.0/0, ::/0]}}]\n---\n{ANP_HEAD}metadata: {{name: pass-y}}\nspec:\n  priority: 20\n  subject: {{namespaces: {{matchLabels: {{ns: y}}}}}}\n  ingress:\n  - name: pass\n    action: Pass\n    from: [{{namespaces: {{matchLabels: {{ns: x}}}}}}]\n  - name: all\n    action: Deny\n    from: [{{namespaces: {{}}}}]\n  egress:\n  - name: pass\n    action: Pass\n    to: [{{namespaces: {{matchLabels: {{ns: x}}}}}}]\n  - name: all\n    action: Deny\n    to: [{{namespaces: {{}}}}, {{networks: [0.0.0.0/0, ::/0]}}]\n---\n{ANP_HEAD}metadata: {{name: v4-only-z}}\nspec:\n  priority: 30\n  subject: {{namespaces: {{matchLabels: {{ns: z}}}}}}\n  egress:\n  - name: all\n    action: Deny\n    to: [{{namespaces: {{}}}}, {{networks: [0.0.0.0/0]}}]\n---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {{name: default}}\nspec:\n  subject: {{namespaces: {{matchLabels: {{ns: y}}}}}}\n  ingress:\n  - name: deny-all\n    action: Deny\n    from: [{{namespaces: {{}}}}]\n"
    );
    let m = model(&p);
    let c = coverage(&Analysis::new(&m));
    assert_eq!(c.no_default_deny_ingress, ["z"]);
    assert_eq!(c.no_default_deny_egress, ["y", "z"]);
    let plain = coverage(&Analysis::new(&model("")));
    assert_eq!(plain.no_default_deny_ingress, ["x", "y", "z"]);
}

// Calico NetworkPolicy and GlobalNetworkPolicy.

const CNP: &str = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\n";
const GNP: &str = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n";

#[test]
fn calico_allow_and_end_of_tier_deny() {
    // Only x/b may reach x/a; the selector of a namespaced policy's rule
    // stays in its namespace, so y/b and z/b are denied.
    let p = format!(
        "{CNP}metadata: {{name: only-b, namespace: x}}\nspec:\n  selector: pod == 'a'\n  ingress:\n  - action: Allow\n    source: {{selector: pod == 'b'}}\n"
    );
    let mut expected = vec![".XXXXXXXX"; 9];
    expected[1] = "XXXXXXXXX";
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
    assert_matrix(&p, Protocol::Udp, 81, &expected);
}

#[test]
fn calico_order_first_decision_wins() {
    let p = format!(
        "{CNP}metadata: {{name: allow-ya, namespace: x}}\nspec:\n  order: 50\n  selector: all()\n  ingress:\n  - action: Allow\n    source: {{namespaceSelector: ns == 'y', selector: pod == 'a'}}\n---\n{GNP}metadata: {{name: deny-y}}\nspec:\n  order: 100\n  namespaceSelector: ns == 'x'\n  ingress:\n  - action: Deny\n    source: {{namespaceSelector: ns == 'y'}}\n---\n{GNP}metadata: {{name: deny-zc}}\nspec:\n  order: 200\n  namespaceSelector: ns == 'x'\n  ingress:\n  - action: Deny\n    source: {{namespaceSelector: ns == 'z', selector: pod == 'c'}}\n---\n{GNP}metadata: {{name: allow-rest}}\nspec:\n  namespaceSelector: ns == 'x'\n  ingress:\n  - action: Allow\n"
    );
    let expected = [
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn calico_pass_skips_the_rest_of_the_tier() {
    // y passes the tier (its later Deny and the end-of-tier deny are never
    // reached) and, with no baseline, is allowed; x/b is allowed at order
    // 500; the Kubernetes policy (order 1000) allows only y/a, which
    // passed already; everyone else is denied at the end of the tier.
    let p = format!(
        "{GNP}metadata: {{name: pass-y}}\nspec:\n  order: 10\n  namespaceSelector: ns == 'x'\n  types: [Ingress]\n  ingress:\n  - action: Pass\n    source: {{namespaceSelector: ns == 'y'}}\n  - action: Deny\n    source: {{namespaceSelector: ns == 'y'}}\n---\n{CNP}metadata: {{name: allow-b, namespace: x}}\nspec:\n  order: 500\n  ingress:\n  - action: Allow\n    source: {{selector: pod == 'b'}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: from-ya, namespace: x}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{ns: y}}}}, podSelector: {{matchLabels: {{pod: a}}}}}}]\n"
    );
    let expected = [
        "...XXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn calico_pass_goes_to_the_baseline() {
    let p = format!(
        "{GNP}metadata: {{name: pass-all}}\nspec:\n  namespaceSelector: ns == 'x'\n  ingress:\n  - action: Pass\n---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {{name: default}}\nspec:\n  subject: {{namespaces: {{}}}}\n  ingress:\n  - name: deny-z\n    action: Deny\n    from: [{{namespaces: {{matchLabels: {{ns: z}}}}}}]\n"
    );
    let mut expected = vec!["XXXXXXXXX"; 6];
    expected.extend(["........."; 3]);
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn calico_combines_with_kubernetes_policy_at_order_1000() {
    // Calico order 100 denies y/a before the Kubernetes policy allows all
    // of y; the order-2000 deny of y/b comes after that allow.
    let p = format!(
        "{CNP}metadata: {{name: deny-ya, namespace: x}}\nspec:\n  order: 100\n  ingress:\n  - action: Deny\n    source: {{namespaceSelector: ns == 'y', selector: pod == 'a'}}\n---\n{GNP}metadata: {{name: deny-yb-late}}\nspec:\n  order: 2000\n  namespaceSelector: ns == 'x'\n  ingress:\n  - action: Deny\n    source: {{namespaceSelector: ns == 'y', selector: pod == 'b'}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: from-y, namespace: x}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{ns: y}}}}}}]\n"
    );
    let expected = [
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
        "...XXXXXX",
        "...XXXXXX",
        "...XXXXXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn calico_selector_operators() {
    // Subjects: pods a and b outside z. Sources allowed: every pod c, and
    // z/b.
    let p = format!(
        "{GNP}metadata: {{name: ops}}\nspec:\n  selector: \"projectcalico.org/namespace != 'z' && pod not in {{'c'}}\"\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    source: {{selector: \"!has(pod) || pod == 'c' || (projectcalico.org/namespace in {{'z'}} && !(pod == 'a'))\"}}\n"
    );
    let expected = [
        "..X..XXXX",
        "..X..XXXX",
        "XXXXXXXXX",
        "..X..XXXX",
        "..X..XXXX",
        "XXXXXXXXX",
        "..X..XXXX",
        "XXXXXXXXX",
        "XXXXXXXXX",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
}

#[test]
fn calico_global_namespace_selector_and_addresses() {
    // Pods b of y and z accept only pods a, from any namespace; addresses
    // outside the cluster do not match a selector.
    let p = format!(
        "{GNP}metadata: {{name: b-from-a}}\nspec:\n  namespaceSelector: ns in {{'y', 'z'}}\n  selector: pod == 'b'\n  ingress:\n  - action: Allow\n    source: {{namespaceSelector: all(), selector: pod == 'a'}}\n"
    );
    let expected = [
        "XXXXXXXXX",
        "XXXX.XX.X",
        "XXXX.XX.X",
        "XXXXXXXXX",
        "XXXX.XX.X",
        "XXXX.XX.X",
        "XXXXXXXXX",
        "XXXX.XX.X",
        "XXXX.XX.X",
    ];
    assert_matrix(&p, Protocol::Tcp, 80, &expected);
    let m = model(&p);
    let a = Analysis::new(&m);
    let yb = Endpoint::Pod(m.find_pod("y", "b").unwrap());
    let outside = Endpoint::Ip("192.0.2.1".parse().unwrap());
    assert!(a.allowed(&outside, &yb).is_empty());
}

#[test]
fn calico_nets_ports_protocols_and_log() {
    // Egress of x/a: Log decides nothing; TCP 80 to 10.0.1.0/24 except
    // 10.0.1.2; TCP 80-81 denied otherwise; UDP port serve-81-udp denied;
    // SCTP (132) denied except on 80; the rest allowed outside 10.0.2.0/24.
    let p = format!(
        "{GNP}metadata: {{name: egress-a}}\nspec:\n  namespaceSelector: ns == 'x'\n  selector: pod == 'a'\n  egress:\n  - action: Log\n  - action: Allow\n    protocol: TCP\n    destination: {{nets: [10.0.1.0/24], notNets: [10.0.1.2/32], ports: [80]}}\n  - action: Deny\n    protocol: TCP\n    destination: {{ports: ['80:81']}}\n  - action: Deny\n    protocol: UDP\n    destination: {{ports: [serve-81-udp]}}\n  - action: Deny\n    protocol: 132\n    destination: {{notPorts: [80]}}\n  - action: Allow\n    destination: {{notNets: [10.0.2.0/24]}}\n"
    );
    let rows = |first: &'static str| {
        let mut v = vec![first];
        v.extend(["XXXXXXXXX"; 8]);
        v
    };
    assert_matrix(&p, Protocol::Tcp, 80, &rows("...X.X..."));
    assert_matrix(&p, Protocol::Tcp, 81, &rows("........."));
    assert_matrix(&p, Protocol::Udp, 80, &rows("XXXXXX..."));
    assert_matrix(&p, Protocol::Udp, 81, &rows("........."));
    assert_matrix(&p, Protocol::Sctp, 80, &rows("XXXXXX..."));
    assert_matrix(&p, Protocol::Sctp, 81, &rows("........."));
    let m = model(&p);
    let a = Analysis::new(&m);
    let xa = Endpoint::Pod(m.find_pod("x", "a").unwrap());
    let ip = |s: &str| Endpoint::Ip(s.parse().unwrap());
    assert!(a.allowed(&xa, &ip("10.0.1.9")).contains(Protocol::Tcp, 80));
    assert!(!a.allowed(&xa, &ip("10.0.1.2")).contains(Protocol::Tcp, 80));
    assert!(a.allowed(&xa, &ip("8.8.8.8")).contains(Protocol::Udp, 53));
    assert!(a.allowed(&xa, &ip("10.0.2.9")).is_empty());
}

#[test]
fn calico_errors_are_located() {
    let cases = [
        (
            format!(
                "{CNP}metadata: {{name: bad, namespace: x}}\nspec:\n  selector: \"pod == 'a' &&\"\n"
            ),
            "at character 14: expected a label key",
        ),
        (
            format!(
                "{CNP}metadata: {{name: sa, namespace: x}}\nspec:\n  serviceAccountSelector: all()\n"
            ),
            "serviceAccountSelector is not modelled",
        ),
        (
            format!(
                "{GNP}metadata: {{name: ports}}\nspec:\n  ingress:\n  - action: Allow\n    destination: {{ports: [80]}}\n"
            ),
            "ports need a protocol",
        ),
        (
            format!("{GNP}metadata: {{name: tier}}\nspec:\n  tier: security\n"),
            "only the default tier",
        ),
    ];
    for (text, message) in cases {
        let loaded = kubeguard_load::load_source(Source::new("c.yaml", text.clone()));
        let (_, errors) = Model::from_objects(&loaded.objects);
        assert_eq!(errors.len(), 1, "{text}");
        assert!(errors[0].message.contains(message), "{}", errors[0]);
        assert!(errors[0].origin.pos.line >= 3, "{}", errors[0]);
    }
}

#[test]
fn coverage_counts_calico_selection() {
    use kubeguard_netpol::coverage::coverage;
    let p = format!(
        "{GNP}metadata: {{name: egress-x}}\nspec:\n  namespaceSelector: ns == 'x'\n  types: [Egress]\n---\n{CNP}metadata: {{name: web, namespace: y}}\nspec:\n  selector: pod == 'a'\n---\n{CNP}metadata: {{name: nothing, namespace: z}}\nspec:\n  selector: pod == 'q'\n"
    );
    let m = model(&p);
    let c = coverage(&Analysis::new(&m));
    assert_eq!(c.no_default_deny_ingress, ["x", "y", "z"]);
    assert_eq!(c.no_default_deny_egress, ["y", "z"]);
    assert_eq!(c.unselected_pods, ["y/b", "y/c", "z/a", "z/b", "z/c"]);
    assert_eq!(c.empty_policies, ["z/calico:nothing"]);
}

#[test]
fn explain_names_calico_rules() {
    let p = format!(
        "{CNP}metadata: {{name: deny-ya, namespace: x}}\nspec:\n  order: 100\n  ingress:\n  - action: Deny\n    protocol: TCP\n    source: {{namespaceSelector: ns == 'y', selector: pod == 'a'}}\n    destination: {{ports: [81]}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: from-y, namespace: x}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{ns: y}}}}}}]\n"
    );
    let m = model(&p);
    let a = Analysis::new(&m);
    let xa = Endpoint::Pod(m.find_pod("x", "a").unwrap());
    let ya = Endpoint::Pod(m.find_pod("y", "a").unwrap());
    let za = Endpoint::Pod(m.find_pod("z", "a").unwrap());
    let denied = kubeguard_netpol::explain::explain(&a, ya, xa, Some((Protocol::Tcp, 81)));
    assert!(!denied.allowed);
    // The default tier of the Calico policy decides, by its first rule.
    let ingress = &denied.verdict.ingress;
    let calico: Vec<String> = ingress.calico.iter().map(|&k| m.calico[k].id()).collect();
    assert_eq!(calico, ["x/calico:deny-ya"]);
    assert_eq!(m.calico[ingress.calico[0]].origin.file, "case.yaml");
    let step = &ingress.admin[0];
    assert_eq!(
        (step.policy.as_str(), step.rule.as_str(), step.action),
        ("x/calico:deny-ya", "ingress[0]", Action::Deny)
    );
    assert_eq!(step.origin.file, "case.yaml");
    let allowed = kubeguard_netpol::explain::explain(&a, ya, xa, Some((Protocol::Tcp, 80)));
    assert!(allowed.allowed);
    let by: Vec<(String, Direction, usize)> = allowed
        .verdict
        .ingress
        .allowed_by
        .iter()
        .map(|(r, _)| (m.policies[r.policy].id(), r.direction, r.rule))
        .collect();
    assert_eq!(by, [("x/from-y".to_owned(), Direction::Ingress, 0)]);
    // From z no rule decides: the end of the default tier denies.
    let from_z = kubeguard_netpol::explain::explain(&a, za, xa, Some((Protocol::Tcp, 80)));
    let ingress = &from_z.verdict.ingress;
    assert!(!from_z.allowed && !ingress.calico.is_empty());
    assert!(ingress.allowed_by.is_empty() && !ingress.allows(Some((Protocol::Tcp, 80))));
}
