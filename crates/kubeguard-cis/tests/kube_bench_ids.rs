//! Our check tables against kube-bench's benchmark definitions
//! (`../shared/corpus/kube-bench-cfg/<benchmark>/*.yaml`): for each
//! benchmark, the CIS Kubernetes Benchmarks and the EKS, GKE and AKS ones,
//! the same ids, in the same targets and sections, with the same scored
//! flags, so that nothing is missed or invented.

use kubeguard_cis::Benchmark;
use kubeguard_cis::table;
use std::collections::BTreeSet;
use std::path::Path;

/// `(target, section, id, scored)` of every check of a kube-bench benchmark.
fn kube_bench(benchmark: Benchmark) -> BTreeSet<(String, String, String, bool)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/kube-bench-cfg")
        .join(benchmark.name());
    let mut out = BTreeSet::new();
    for &target in benchmark.targets() {
        let path = dir.join(format!("{}.yaml", target.name()));
        let text = std::fs::read_to_string(&path).unwrap();
        // Read line by line: groups are `  - id:` and checks `      - id:`
        // followed by their `scored:` (some audits are shell text a strict
        // YAML parser rejects, and only these keys matter here).
        let (mut section, mut check) = (String::new(), None::<String>);
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            let t = line.trim_start();
            if let Some(id) = t.strip_prefix("- id:") {
                let id = id.trim().trim_matches('"').to_owned();
                match indent {
                    2 => section = id,
                    6 => check = Some(id),
                    _ => {}
                }
            } else if let (Some(s), 8) = (t.strip_prefix("scored:"), indent) {
                let id = check
                    .take()
                    .unwrap_or_else(|| panic!("{}: scored without id", path.display()));
                out.insert((
                    target.name().to_owned(),
                    section.clone(),
                    id,
                    s.trim() == "true",
                ));
            }
        }
        assert!(
            check.is_none(),
            "{}: {check:?} has no scored",
            path.display()
        );
    }
    out
}

fn ours(benchmark: Benchmark) -> BTreeSet<(String, String, String, bool)> {
    table::for_benchmark(benchmark)
        .map(|c| {
            (
                c.target.name().to_owned(),
                c.section().to_owned(),
                c.id.to_owned(),
                c.scored,
            )
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(shared_data),
    ignore = "needs ../shared (kube-bench definitions); runs in CI"
)]
fn ids_sections_and_scored_flags_match_kube_bench() {
    for b in Benchmark::ALL {
        let theirs = kube_bench(b);
        let ours = ours(b);
        let missing: Vec<_> = theirs.difference(&ours).collect();
        let invented: Vec<_> = ours.difference(&theirs).collect();
        assert!(
            missing.is_empty() && invented.is_empty(),
            "{b}: missing {missing:?}, invented {invented:?}"
        );
        let least = if b.platform().is_some() { 40 } else { 100 };
        assert!(theirs.len() > least, "{b}: {} checks", theirs.len());
    }
}

#[test]
fn one_id_once_per_benchmark() {
    for b in Benchmark::ALL {
        let ids: Vec<_> = table::for_benchmark(b).map(|c| c.id).collect();
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len(), "{b}");
    }
}
