//! `kubeguard scan`'s `namespace-without-default-deny` and `kubeguard netpol
//! coverage` answer the same question, "does this namespace deny ingress
//! (egress) by default?", from one place (`kubeguard_netpol::default_deny`).
//! These tests run both over the same manifests, namespace by namespace,
//! and check the answers against what Kubernetes does.

use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_netpol::coverage::coverage;
use kubeguard_netpol::{Analysis, Model};
use kubeguard_rules::scope::{INSTALL_NAMESPACE, describe_namespace};
use kubeguard_rules::{Engine, Index, Policy, SYSTEM_NAMESPACES, Settings};
use std::collections::{BTreeMap, BTreeSet};

const RULE: &str = "namespace-without-default-deny";

/// One namespace of the corpus: its manifests (a workload in it, so
/// coverage reports on it) and what it denies by default.
struct Case {
    namespace: &'static str,
    yaml: String,
    deny_ingress: bool,
    deny_egress: bool,
}

fn workload(ns: &str, labels: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {labels}}}\n  template:\n    metadata: {{labels: {labels}}}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/app:1.0\n        ports: [{{containerPort: 8080}}]\n"
    )
}

fn namespace(ns: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels: {labels}\n")
}

fn netpol(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{spec}"
    )
}

fn case(namespace: &'static str, docs: &[String], deny_ingress: bool, deny_egress: bool) -> Case {
    Case {
        namespace,
        yaml: docs.join("---\n"),
        deny_ingress,
        deny_egress,
    }
}

fn corpus() -> Vec<Case> {
    let web = "{app: web}";
    vec![
        // No policy at all.
        case(
            "open",
            &[namespace("open", "{team: a}"), workload("open", web)],
            false,
            false,
        ),
        // Not declared, only used, no policy.
        case("undeclared", &[workload("undeclared", web)], false, false),
        // No policyTypes and no egress rules: Ingress only.
        case(
            "defaulted",
            &[
                namespace("defaulted", "{}"),
                workload("defaulted", web),
                netpol("defaulted", "deny", "  podSelector: {}\n"),
            ],
            true,
            false,
        ),
        // No policyTypes with egress rules: Ingress and Egress, but the
        // egress rule allows DNS, so only ingress is denied by default.
        case(
            "defaulted-egress",
            &[
                workload("defaulted-egress", web),
                netpol(
                    "defaulted-egress",
                    "dns-only",
                    "  podSelector: {}\n  egress:\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n    ports: [{port: 53, protocol: UDP}]\n",
                ),
            ],
            true,
            false,
        ),
        // Egress only.
        case(
            "egress-only",
            &[
                workload("egress-only", web),
                netpol(
                    "egress-only",
                    "deny-egress",
                    "  podSelector: {}\n  policyTypes: [Egress]\n",
                ),
            ],
            false,
            true,
        ),
        case(
            "both",
            &[
                workload("both", web),
                netpol(
                    "both",
                    "deny-egress",
                    "  podSelector: {}\n  policyTypes: [Egress]\n  egress: []\n",
                ),
                // An empty policyTypes list is defaulted as if absent.
                netpol("both", "deny-ingress", "  podSelector: {}\n  policyTypes: []\n"),
                // Exceptions beside the default deny do not undo it.
                netpol(
                    "both",
                    "allow-web",
                    "  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {}}]}]\n",
                ),
            ],
            true,
            true,
        ),
        // Selects every pod but allows some ingress (and all egress).
        case(
            "allows-some",
            &[
                workload("allows-some", web),
                netpol(
                    "allows-some",
                    "from-gateway",
                    "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {role: gateway}}}]\n  egress: [{}]\n",
                ),
            ],
            false,
            false,
        ),
        // Selects the pods by label only: every pod of the input has the
        // label, but the next one may not.
        case(
            "label-only",
            &[
                workload("label-only", web),
                netpol(
                    "label-only",
                    "deny-web",
                    "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress, Egress]\n",
                ),
            ],
            false,
            false,
        ),
        // podSelector omitted: the API server reads it as empty.
        case(
            "no-selector",
            &[
                workload("no-selector", web),
                netpol("no-selector", "deny", "  policyTypes: [Ingress, Egress]\n"),
            ],
            true,
            true,
        ),
        // An AdminNetworkPolicy denies everything for namespaces labelled
        // isolation=strict, after an Allow exception.
        case(
            "admin-strict",
            &[
                namespace("admin-strict", "{isolation: strict}"),
                workload("admin-strict", web),
            ],
            true,
            true,
        ),
        // A Pass rule comes first: only the baseline's ingress deny counts.
        case(
            "admin-pass",
            &[
                namespace("admin-pass", "{isolation: pass}"),
                workload("admin-pass", web),
            ],
            true,
            false,
        ),
        // The admin policy selects the web pods only.
        case(
            "admin-pods",
            &[
                namespace("admin-pods", "{isolation: pods}"),
                workload("admin-pods", web),
            ],
            false,
            false,
        ),
        // Calico: a policy for all() applying to ingress, without rules.
        case(
            "calico",
            &[
                workload("calico", web),
                "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: deny-in, namespace: calico}\nspec:\n  selector: all()\n  types: [Ingress]\n".to_owned(),
            ],
            true,
            false,
        ),
        // Cilium: an ingress section with an empty rule allows nothing.
        case(
            "cilium",
            &[
                workload("cilium", web),
                "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: deny-in, namespace: cilium}\nspec:\n  endpointSelector: {}\n  ingress: [{}]\n".to_owned(),
            ],
            true,
            false,
        ),
        // A policy that cannot exist (unknown policy type) counts for nothing.
        case(
            "invalid",
            &[
                workload("invalid", web),
                netpol(
                    "invalid",
                    "deny",
                    "  podSelector: {}\n  policyTypes: [Ingress, Sideways]\n",
                ),
            ],
            false,
            false,
        ),
    ]
}

/// The cluster-wide admin policies the corpus relies on.
const ADMIN: &str = "apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: strict}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {isolation: strict}}}
  ingress:
  - {name: from-monitoring, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
  - {name: all, action: Deny, from: [{namespaces: {}}]}
  egress:
  - {name: all, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: pass}
spec:
  priority: 20
  subject: {namespaces: {matchLabels: {isolation: pass}}}
  ingress:
  - {name: pass, action: Pass, from: [{namespaces: {matchLabels: {team: a}}}]}
  - {name: all, action: Deny, from: [{namespaces: {}}]}
  egress:
  - {name: pass, action: Pass, to: [{namespaces: {}}]}
  - {name: all, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: web-pods}
spec:
  priority: 30
  subject:
    pods:
      namespaceSelector: {matchLabels: {isolation: pods}}
      podSelector: {matchLabels: {app: web}}
  ingress:
  - {name: all, action: Deny, from: [{namespaces: {}}]}
  egress:
  - {name: all, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {isolation: pass}}}
  ingress:
  - {name: all, action: Deny, from: [{namespaces: {}}]}
";

/// A control-plane namespace: coverage reports it, the scan leaves it alone.
const SYSTEM: &str = "apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  containers:
  - {name: coredns, image: registry.k8s.io/coredns/coredns:v1.11.1}
";

fn load(name: &str, text: &str) -> Vec<Object> {
    let loaded = load_source(Source::new(name, text));
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    loaded.objects
}

/// Per namespace, `(denies ingress, denies egress)` as the scan rule tells,
/// for the namespaces the scan reports on.
fn scan(files: &[Vec<Object>]) -> BTreeMap<String, (bool, bool)> {
    let engine = Engine::new(&Policy::default(), Settings::default());
    // One index per file, merged, as a parallel scan builds it.
    let mut index = Index::default();
    let mut findings = Vec::new();
    for objects in files {
        let mut part = Index::default();
        for obj in objects {
            engine.check_object(obj, &mut part, &mut findings);
        }
        index.merge(part);
    }
    let mut out: BTreeMap<String, (bool, bool)> = index
        .namespaces()
        .map(|(name, _)| (name.to_owned(), (true, true)))
        .collect();
    findings.clear();
    engine.check_index(&index, &mut findings);
    for f in findings.iter().filter(|f| f.rule == RULE) {
        // Policies without metadata.namespace also make up the install
        // namespace, which coverage (reading them as in `default`) does
        // not report on.
        let install = describe_namespace(INSTALL_NAMESPACE);
        let (name, rest) = match f.message.strip_prefix(install.as_str()) {
            Some(rest) => (INSTALL_NAMESPACE, rest),
            None => f
                .message
                .strip_prefix("namespace \"")
                .and_then(|rest| rest.split_once('"'))
                .unwrap(),
        };
        let missing = rest
            .strip_prefix(" has no default-deny NetworkPolicy for ")
            .unwrap();
        let entry = out.get_mut(name).unwrap();
        for dir in missing.split(" or ") {
            match dir {
                "ingress" => entry.0 = false,
                "egress" => entry.1 = false,
                other => panic!("unexpected direction {other:?} in {}", f.message),
            }
        }
    }
    out
}

/// Per namespace, `(denies ingress, denies egress)` as coverage tells, for
/// the namespaces coverage reports on (those holding pods).
fn netpol_coverage(files: &[Vec<Object>]) -> BTreeMap<String, (bool, bool)> {
    let (model, _errors) = Model::from_objects(files.iter().flatten());
    let c = coverage(&Analysis::new(&model));
    let with_pods: BTreeSet<&str> = model.pods.iter().map(|p| p.namespace.as_str()).collect();
    with_pods
        .into_iter()
        .map(|ns| {
            let ingress = !c.no_default_deny_ingress.iter().any(|n| n == ns);
            let egress = !c.no_default_deny_egress.iter().any(|n| n == ns);
            (ns.to_owned(), (ingress, egress))
        })
        .collect()
}

#[test]
fn scan_and_coverage_agree_namespace_by_namespace() {
    let cases = corpus();
    let mut files: Vec<Vec<Object>> = cases
        .iter()
        .map(|c| load(&format!("{}.yaml", c.namespace), &c.yaml))
        .collect();
    files.push(load("admin.yaml", ADMIN));
    files.push(load("system.yaml", SYSTEM));
    // A declared namespace without pods: only the scan reports on it.
    files.push(load("empty.yaml", &namespace("empty", "{}")));

    let scanned = scan(&files);
    let covered = netpol_coverage(&files);

    for c in &cases {
        let want = (c.deny_ingress, c.deny_egress);
        assert_eq!(
            scanned.get(c.namespace),
            Some(&want),
            "scan, namespace {}",
            c.namespace
        );
        assert_eq!(
            covered.get(c.namespace),
            Some(&want),
            "coverage, namespace {}",
            c.namespace
        );
    }
    // Every namespace both report on gets the same answer; each reports
    // only where it should.
    for (ns, verdict) in &covered {
        match scanned.get(ns) {
            Some(s) => assert_eq!(s, verdict, "namespace {ns}"),
            None => assert!(SYSTEM_NAMESPACES.contains(&ns.as_str()), "{ns}"),
        }
    }
    for ns in scanned.keys() {
        assert!(covered.contains_key(ns) || ns == "empty", "{ns}");
    }
    assert_eq!(scanned.get("empty"), Some(&(false, false)));
    assert!(covered.contains_key("kube-system"));
}

#[test]
fn one_stream_or_merged_files_give_the_same_answers() {
    let cases = corpus();
    let text: Vec<&str> = cases
        .iter()
        .map(|c| c.yaml.as_str())
        .chain([ADMIN])
        .collect();
    let whole = vec![load("all.yaml", &text.join("---\n"))];
    let split: Vec<Vec<Object>> = cases
        .iter()
        .map(|c| load("one.yaml", &c.yaml))
        .chain([load("admin.yaml", ADMIN)])
        .collect();
    assert_eq!(scan(&whole), scan(&split));
    assert_eq!(netpol_coverage(&whole), netpol_coverage(&split));
}

mod random {
    //! Random manifests: namespaces (declared with labels or only used),
    //! NetworkPolicies of every shape that matters, AdminNetworkPolicies
    //! and a BaselineAdminNetworkPolicy, split over several files.

    use super::{load, netpol_coverage, scan};
    use proptest::prelude::*;

    const NAMESPACES: [&str; 3] = ["n0", "n1", "n2"];

    fn labels() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["{}", "{tier: web}", "{tier: db}", "{isolate: 'yes'}"])
    }

    /// A NetworkPolicy spec: selector, policyTypes, ingress, egress.
    fn np_spec() -> impl Strategy<Value = String> {
        let selector = prop::sample::select(vec![
            "  podSelector: {}\n",
            "",
            "  podSelector: null\n",
            "  podSelector: {matchLabels: {app: web}}\n",
            "  podSelector: {matchExpressions: [{key: app, operator: Exists}]}\n",
        ]);
        let types = prop::sample::select(vec![
            "",
            "  policyTypes: []\n",
            "  policyTypes: [Ingress]\n",
            "  policyTypes: [Egress]\n",
            "  policyTypes: [Ingress, Egress]\n",
        ]);
        let rules = |dir: &'static str, peer: &'static str| {
            prop::sample::select(vec![
                String::new(),
                format!("  {dir}: []\n"),
                format!("  {dir}: [{{}}]\n"),
                format!("  {dir}: [{{{peer}: [{{podSelector: {{}}}}]}}]\n"),
            ])
        };
        (
            selector,
            types,
            rules("ingress", "from"),
            rules("egress", "to"),
        )
            .prop_map(|(s, t, i, e)| format!("{s}{t}{i}{e}"))
    }

    /// An AdminNetworkPolicy (priority 1..3) or the baseline (`None`).
    fn admin(priority: Option<u32>) -> impl Strategy<Value = String> {
        let subject = prop::sample::select(vec![
            "{namespaces: {}}",
            "{namespaces: {matchLabels: {isolate: 'yes'}}}",
            "{namespaces: {matchLabels: {tier: db}}}",
            "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}",
        ]);
        let rule = |peers: &'static str, all: &'static str| {
            prop::sample::select(vec![
                String::new(),
                format!("  - {{name: pass, action: Pass, {peers}: [{{namespaces: {{}}}}]}}\n"),
                format!("  - {{name: deny, action: Deny, {peers}: {all}}}\n"),
                format!(
                    "  - {{name: allow, action: Allow, {peers}: [{{namespaces: {{matchLabels: {{tier: web}}}}}}]}}\n  - {{name: deny, action: Deny, {peers}: {all}}}\n"
                ),
            ])
        };
        (
            subject,
            rule("from", "[{namespaces: {}}]"),
            rule("to", "[{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]"),
        )
            .prop_map(move |(subject, ingress, egress)| {
                let (kind, name, prio) = match priority {
                    Some(p) => ("AdminNetworkPolicy", format!("anp-{p}"), format!("  priority: {p}\n")),
                    None => ("BaselineAdminNetworkPolicy", "default".to_owned(), String::new()),
                };
                let mut text = format!(
                    "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n{prio}  subject: {subject}\n"
                );
                if !ingress.is_empty() {
                    text.push_str("  ingress:\n");
                    text.push_str(&ingress);
                }
                if !egress.is_empty() {
                    text.push_str("  egress:\n");
                    text.push_str(&egress);
                }
                text
            })
    }

    /// Files of manifests: one per namespace, one of admin policies.
    fn files() -> impl Strategy<Value = Vec<String>> {
        let namespace = (
            prop::option::of(labels()),
            prop::collection::vec(np_spec(), 0..3),
            prop::sample::select(vec![None, Some(0u32), Some(1)]),
        );
        let admins = (
            prop::option::of(admin(Some(1))),
            prop::option::of(admin(Some(2))),
            prop::option::of(admin(None)),
        );
        (prop::collection::vec(namespace, 3), admins).prop_map(|(namespaces, (a, b, base))| {
            let mut files = Vec::new();
            for (ns, (declared, specs, namespaced_by)) in NAMESPACES.iter().zip(namespaces) {
                let mut docs = vec![super::workload(ns, "{app: web}")];
                if let Some(labels) = declared {
                    docs.push(super::namespace(ns, labels));
                }
                for (i, spec) in specs.iter().enumerate() {
                    let mut doc = super::netpol(ns, &format!("p{i}"), spec);
                    // Some policies name no namespace and land in `default`.
                    if namespaced_by == Some(u32::try_from(i).unwrap()) && *ns == "n2" {
                        doc = doc.replace(", namespace: n2", "");
                    }
                    docs.push(doc);
                }
                files.push(docs.join("---\n"));
            }
            files.push(
                [a, b, base]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("---\n"),
            );
            // `default` holds a pod too, so both report on it.
            files.push(super::workload("default", "{app: web}"));
            files
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn scan_and_coverage_agree_on_random_manifests(texts in files()) {
            let files: Vec<_> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| load(&format!("f{i}.yaml"), t))
                .collect();
            let scanned = scan(&files);
            let covered = netpol_coverage(&files);
            for ns in NAMESPACES.iter().chain(&["default"]) {
                prop_assert_eq!(scanned.get(*ns), covered.get(*ns), "namespace {}", ns);
            }
            let whole = vec![load("all.yaml", &texts.join("---\n"))];
            prop_assert_eq!(scan(&whole), scanned);
        }
    }
}
