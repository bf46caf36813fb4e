//! `who-can` and `risks` over a generated cluster of 10,000 roles and
//! 50,000 bindings. Prints the peak resident memory at the end.
//!
//! `cargo bench -p kubeguard-rbac --bench rbac -- --write DIR` writes the
//! same cluster as YAML manifests into DIR instead (1,000 objects a file),
//! to time `kubeguard rbac` on it end to end.

use divan::{Bencher, black_box};
use kubeguard_rbac::model::{
    Binding, BindingKind, Model, Origin, PolicyRule, Role, RoleKind, RoleRef, Subject, SubjectKind,
};
use kubeguard_rbac::query::build_request;
use kubeguard_rbac::{Authorizer, risks};
use std::fmt::Write as _;
use std::path::Path;

const ROLES: usize = 10_000;
const BINDINGS: usize = 50_000;
const NAMESPACES: usize = 500;

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

const VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete", "*",
];
const RESOURCES: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "pods/log"),
    ("", "pods/exec"),
    ("", "configmaps"),
    ("", "secrets"),
    ("", "services"),
    ("", "serviceaccounts/token"),
    ("apps", "deployments"),
    ("apps", "*/scale"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
    ("", "events"),
    ("coordination.k8s.io", "leases"),
    ("", "*"),
];

/// The generated cluster: 80% namespaced Roles, 20% ClusterRoles (1% of
/// them wildcard), 3 to 6 rules each; 70% RoleBindings; 1 to 3 subjects
/// per binding drawn from 5,000 users, 200 groups and 20,000 service accounts.
fn cluster() -> Model {
    let mut rng = Lcg(42);
    let mut m = Model::default();
    for i in 0..ROLES {
        let cluster = i % 5 == 0;
        let mut rules = Vec::new();
        if cluster && i % 100 == 0 {
            rules.push(PolicyRule::resource(&["*"], &["*"], &["*"]));
        }
        for _ in 0..3 + rng.next(4) {
            let (g, r) = RESOURCES[rng.next(RESOURCES.len())];
            let verbs: Vec<&str> = (0..1 + rng.next(3))
                .map(|_| VERBS[rng.next(VERBS.len())])
                .collect();
            rules.push(PolicyRule::resource(&verbs, &[g], &[r]));
        }
        m.roles.push(Role {
            kind: if cluster {
                RoleKind::ClusterRole
            } else {
                RoleKind::Role
            },
            name: format!("role-{i}"),
            namespace: (!cluster).then(|| format!("ns-{}", i % NAMESPACES)),
            labels: Default::default(),
            rules,
            aggregation: None,
            origin: Origin::builtin(),
        });
    }
    for i in 0..BINDINGS {
        let namespaced = rng.next(10) < 7;
        let role = rng.next(ROLES);
        let r = &m.roles[role];
        let (kind, namespace, role_ref) = match (&r.kind, &r.namespace) {
            (RoleKind::Role, Some(ns)) => {
                (BindingKind::RoleBinding, Some(ns.clone()), RoleKind::Role)
            }
            _ if namespaced => (
                BindingKind::RoleBinding,
                Some(format!("ns-{}", rng.next(NAMESPACES))),
                RoleKind::ClusterRole,
            ),
            _ => (BindingKind::ClusterRoleBinding, None, RoleKind::ClusterRole),
        };
        let subjects = (0..1 + rng.next(3))
            .map(|_| match rng.next(10) {
                0..=3 => Subject {
                    kind: SubjectKind::User,
                    name: format!("user-{}", rng.next(5_000)),
                    namespace: None,
                },
                4 => Subject {
                    kind: SubjectKind::Group,
                    name: format!("group-{}", rng.next(200)),
                    namespace: None,
                },
                _ => {
                    let sa = rng.next(20_000);
                    Subject {
                        kind: SubjectKind::ServiceAccount,
                        name: format!("sa-{sa}"),
                        namespace: Some(format!("ns-{}", sa % NAMESPACES)),
                    }
                }
            })
            .collect();
        m.bindings.push(Binding {
            kind,
            name: format!("binding-{i}"),
            namespace,
            role_ref: RoleRef {
                kind: role_ref,
                name: r.name.clone(),
            },
            subjects,
            origin: Origin::builtin(),
        });
    }
    m
}

/// Objects per written file.
const PER_FILE: usize = 1_000;

/// A YAML flow sequence of double-quoted strings.
fn flow(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A role as a manifest.
fn role_yaml(r: &Role, y: &mut String) {
    let _ = write!(
        y,
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {}\nmetadata:\n  name: {}\n",
        r.kind.as_str(),
        r.name
    );
    if let Some(ns) = &r.namespace {
        let _ = writeln!(y, "  namespace: {ns}");
    }
    y.push_str("rules:\n");
    for rule in &r.rules {
        let _ = write!(
            y,
            "- apiGroups: {}\n  resources: {}\n  verbs: {}\n",
            flow(&rule.api_groups),
            flow(&rule.resources),
            flow(&rule.verbs)
        );
    }
}

/// A binding as a manifest.
fn binding_yaml(b: &Binding, y: &mut String) {
    let _ = write!(
        y,
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {}\nmetadata:\n  name: {}\n",
        b.kind.as_str(),
        b.name
    );
    if let Some(ns) = &b.namespace {
        let _ = writeln!(y, "  namespace: {ns}");
    }
    let _ = write!(
        y,
        "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {}\n  name: {}\nsubjects:\n",
        b.role_ref.kind.as_str(),
        b.role_ref.name
    );
    for s in &b.subjects {
        match &s.namespace {
            Some(ns) => {
                let _ = writeln!(
                    y,
                    "- {{kind: {}, name: {}, namespace: {ns}}}",
                    s.kind.as_str(),
                    s.name
                );
            }
            None => {
                let _ = writeln!(
                    y,
                    "- {{kind: {}, apiGroup: rbac.authorization.k8s.io, name: {}}}",
                    s.kind.as_str(),
                    s.name
                );
            }
        }
    }
}

/// Writes the cluster into `dir`: roles-NNN.yaml and bindings-NNN.yaml.
fn write_cluster(dir: &Path) -> std::io::Result<()> {
    let m = cluster();
    std::fs::create_dir_all(dir)?;
    for (n, chunk) in m.roles.chunks(PER_FILE).enumerate() {
        let mut y = String::new();
        for r in chunk {
            role_yaml(r, &mut y);
        }
        std::fs::write(dir.join(format!("roles-{n:03}.yaml")), y)?;
    }
    for (n, chunk) in m.bindings.chunks(PER_FILE).enumerate() {
        let mut y = String::new();
        for b in chunk {
            binding_yaml(b, &mut y);
        }
        std::fs::write(dir.join(format!("bindings-{n:03}.yaml")), y)?;
    }
    println!(
        "wrote {} roles and {} bindings to {}",
        m.roles.len(),
        m.bindings.len(),
        dir.display()
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let dir = args.get(i + 1).expect("--write DIR");
        write_cluster(Path::new(dir)).expect("cannot write the cluster");
        return;
    }
    let auth = Authorizer::new(cluster());
    let hits = risks::analyze(&auth);
    let escalations = hits.iter().filter(|h| h.is_escalation()).count();
    println!(
        "cluster: {} roles, {} bindings; risks: {} results ({} escalation paths)",
        auth.model.roles.len(),
        auth.model.bindings.len(),
        hits.len(),
        escalations
    );
    drop(hits);
    drop(auth);
    divan::main();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "peak resident memory of the benchmark process: {}",
            line.trim_start_matches("VmHWM:").trim()
        );
    }
}

#[divan::bench(sample_count = 5)]
fn build_authorizer(bencher: Bencher) {
    bencher
        .with_inputs(cluster)
        .bench_values(|m| black_box(Authorizer::new(m)));
}

#[divan::bench(sample_count = 20)]
fn who_can_get_secrets_in_namespace(bencher: Bencher) {
    let auth = Authorizer::new(cluster());
    let req = build_request("get", "secrets", None, "ns-7");
    bencher.bench(|| black_box(auth.who_can(black_box(&req))));
}

#[divan::bench(sample_count = 20)]
fn who_can_create_pods_exec_cluster_wide(bencher: Bencher) {
    let auth = Authorizer::new(cluster());
    let req = kubeguard_rbac::Request::resource("create", "", "pods", "exec", "", None);
    bencher.bench(|| black_box(auth.who_can(black_box(&req))));
}

#[divan::bench(sample_count = 3)]
fn risks_full(bencher: Bencher) {
    let auth = Authorizer::new(cluster());
    bencher.bench(|| black_box(risks::analyze(&auth).len()));
}
