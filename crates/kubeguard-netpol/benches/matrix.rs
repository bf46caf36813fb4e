//! The full reachability matrix on generated input: 5,000 pods in 200
//! namespaces with 1,000 NetworkPolicies.
//!
//! `cargo bench -p kubeguard-netpol --bench matrix -- --write DIR` writes
//! the same input into DIR/bench.yaml instead, to time `kubeguard netpol`
//! on it end to end.

#![allow(missing_docs)]

use kubeguard_core::{Object, Source};
use kubeguard_netpol::{Analysis, Classes, Model};
use std::fmt::Write as _;

/// Namespaces, Deployments per namespace, policies per namespace.
const SIZE: (usize, usize, usize) = (200, 25, 5);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let dir = std::path::Path::new(args.get(i + 1).expect("--write DIR"));
        std::fs::create_dir_all(dir).expect("cannot create DIR");
        std::fs::write(dir.join("bench.yaml"), corpus(SIZE.0, SIZE.1, SIZE.2))
            .expect("cannot write");
        println!("wrote {}", dir.join("bench.yaml").display());
        return;
    }
    divan::main();
}

/// Generates the corpus: per namespace 25 Deployments over 5 apps and 5
/// tiers, and 5 policies (a default deny, and allows from the same app,
/// from a labelled team namespace, to DNS, and a named-port rule).
fn corpus(namespaces: usize, pods_per_ns: usize, policies_per_ns: usize) -> String {
    let mut y = String::new();
    for n in 0..namespaces {
        let team = n % 10;
        let _ = write!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns{n}\n  labels: {{team: t{team}}}\n"
        );
        for p in 0..pods_per_ns {
            let app = p % 5;
            let tier = (p / 5) % 5;
            let _ = write!(
                y,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{p}, namespace: ns{n}}}\nspec:\n  template:\n    metadata:\n      labels: {{app: a{app}, tier: t{tier}, idx: i{p}}}\n    spec:\n      containers:\n      - name: c\n        ports: [{{name: http, containerPort: {}}}]\n",
                8000 + app
            );
        }
        for k in 0..policies_per_ns {
            let body = match k % 5 {
                0 => "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n".to_owned(),
                1 => format!(
                    "  podSelector: {{matchLabels: {{app: a{}}}}}\n  ingress:\n  - from: [{{podSelector: {{matchLabels: {{app: a{}}}}}}}]\n",
                    k % 5,
                    (k + 1) % 5
                ),
                2 => format!(
                    "  podSelector: {{matchExpressions: [{{key: tier, operator: In, values: [t{}, t{}]}}]}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{team: t{team}}}}}, podSelector: {{matchLabels: {{tier: t0}}}}}}]\n    ports: [{{port: http}}]\n",
                    k % 5,
                    (k + 2) % 5
                ),
                3 => "  podSelector: {}\n  egress:\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n    ports: [{port: 53, protocol: UDP}]\n  - to: [{podSelector: {}}]\n".to_owned(),
                _ => format!(
                    "  podSelector: {{matchLabels: {{tier: t{}}}}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchExpressions: [{{key: team, operator: NotIn, values: [t{team}]}}]}}}}]\n    ports: [{{port: 8000, endPort: 8002}}]\n",
                    k % 5
                ),
            };
            let _ = write!(
                y,
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{k}, namespace: ns{n}}}\nspec:\n{body}"
            );
        }
    }
    y
}

fn objects(namespaces: usize, pods: usize, policies: usize) -> Vec<Object> {
    kubeguard_load::load_source(Source::new(
        "bench.yaml",
        corpus(namespaces, pods, policies),
    ))
    .objects
}

#[divan::bench(sample_count = 5)]
fn full_matrix_5000_pods(bencher: divan::Bencher) {
    let (namespaces, pods, policies) = SIZE;
    let objs = objects(namespaces, pods, policies);
    bencher.bench(|| {
        let (model, errors) = Model::from_objects(&objs);
        assert!(errors.is_empty());
        assert_eq!(model.pods.len(), 5000);
        assert_eq!(model.policies.len(), 1000);
        let analysis = Analysis::new(&model);
        let classes = Classes::new(&analysis);
        // Touch every cell of the pod matrix, as the report does.
        let mut open = 0usize;
        for s in 0..model.pods.len() {
            for d in 0..model.pods.len() {
                open += usize::from(!classes.allowed(s, d).is_empty());
            }
        }
        divan::black_box(open)
    });
}
