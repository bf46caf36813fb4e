//! The result codes of `kubeguard cis` in the one catalog of rules: one
//! rule a check that can fail (`cis-1-2-6`, code `KG91206`; a provider
//! benchmark's checks are `cis-eks-3-2-1`, `KG963201`), so that
//! `--select`, `--ignore`, severity overrides and suppressions work on
//! CIS checks as on every other rule; and failing checks as findings.

use crate::benchmark::Platform;
use crate::check::{CheckDef, Test};
use crate::report::CheckResult;
use kubeguard_core::{Finding, ObjectRef, Pos, RuleMeta};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The code of a CIS id: `KG9` then the id's three numbers as one, two
/// and two digits (`1.2.6` is `KG91206`, `2.1` is `KG92001`).
#[must_use]
pub fn code_of(id: &str) -> String {
    let n: Vec<u32> = id.split('.').filter_map(|p| p.parse().ok()).collect();
    match n.as_slice() {
        [a, b] => format!("KG9{a}0{b:02}"),
        [a, b, c, ..] => format!("KG9{a}{b}{c:02}"),
        _ => format!("KG9{id}"),
    }
}

/// The rule name of a CIS id (`cis-1-2-6`).
#[must_use]
pub fn name_of(id: &str) -> String {
    format!("cis-{}", id.replace('.', "-"))
}

/// The code of a provider benchmark's id: `KG9`, a digit for the
/// platform (6 EKS, 7 GKE, 8 AKS), then the id's numbers as for the CIS
/// Kubernetes Benchmark (EKS `3.2.1` is `KG963201`).
#[must_use]
pub fn provider_code_of(platform: Platform, id: &str) -> String {
    let digit = match platform {
        Platform::Eks => 6,
        Platform::Gke => 7,
        Platform::Aks => 8,
    };
    format!("KG9{digit}{}", &code_of(id)[3..])
}

/// The rule name and code of a check: `cis-4-2-1` / `KG94201`, or for a
/// provider benchmark `cis-eks-3-2-1` / `KG963201`.
#[must_use]
pub fn rule_of(def: &CheckDef) -> (String, String) {
    match def.since.platform() {
        None => (name_of(def.id), code_of(def.id)),
        Some(p) => (
            format!("cis-{}-{}", p.name(), def.id.replace('.', "-")),
            provider_code_of(p, def.id),
        ),
    }
}

/// One rule for each CIS id that a test decides, sorted by code.
#[must_use]
pub fn metas() -> Vec<&'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> = by_id().values().copied().collect();
    all.sort_by_key(|m| m.code);
    all
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The rules by rule name, built once. A CIS id keeps one rule across
/// the CIS Kubernetes Benchmarks (its latest wording); each provider
/// benchmark's ids have their own.
fn by_id() -> &'static HashMap<String, &'static RuleMeta> {
    static MAP: OnceLock<HashMap<String, &'static RuleMeta>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for def in crate::table::all().filter(|d| !matches!(d.test, Test::Manual)) {
            let (name, code) = rule_of(def);
            let benchmark = match def.since.platform() {
                None => "CIS Kubernetes Benchmark".to_owned(),
                Some(p) => format!("the CIS {} Benchmark ({})", p.provider(), def.since),
            };
            let reference = match def.since.platform() {
                None => format!("CIS:{}", def.id),
                Some(_) => format!("CIS:{}:{}", def.since, def.id),
            };
            let refs: &'static [&'static str] =
                Box::leak(vec![leak(reference)].into_boxed_slice());
            let docs = leak(format!(
                "## What it does\n\nChecks {benchmark} {id} ({kind}) on a node: {text}. `kubeguard cis` reads the setting as the component resolves it (flag, configuration file, default) or stats the file the component really uses.\n\n## Why it matters\n\n{why}\n",
                id = def.id,
                kind = if def.scored { "Automated" } else { "Manual" },
                text = def.text,
                why = why(def.target),
            ));
            let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
                code: leak(code),
                name: leak(name.clone()),
                group: "cis",
                severity: def.severity,
                summary: def.text,
                docs,
                remediation: def.remediation,
                kinds: &["Node"],
                references: refs,
            }));
            map.insert(name, meta);
        }
        map
    })
}

/// Why a target's checks matter.
fn why(target: crate::benchmark::Target) -> &'static str {
    use crate::benchmark::Target;
    match target {
        Target::Master => {
            "The API server, controller manager and scheduler hold the keys to the whole cluster: a setting left open or a file others can read is a path to cluster compromise."
        }
        Target::Etcd => {
            "etcd stores every object of the cluster, secrets included: whoever can reach it without a client certificate owns the cluster."
        }
        Target::Controlplane => {
            "Authentication and audit logging decide who can act on the cluster and whether their actions can be traced."
        }
        Target::Node => {
            "The kubelet runs every pod of the node and accepts exec, logs and port-forward requests: an open kubelet or a readable credential is a path to node compromise."
        }
        Target::Policies => "Cluster policies limit what workloads and users may do.",
        Target::ManagedServices => {
            "The provider's services (registry, identity, keys, networking) decide who can reach the cluster and its data."
        }
    }
}

/// The rule of a CIS Kubernetes Benchmark id, if a test decides it.
#[must_use]
pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    by_id().get(&name_of(id)).copied()
}

/// The rule of a check of any benchmark, if a test decides it.
#[must_use]
pub fn meta_of(def: &CheckDef) -> Option<&'static RuleMeta> {
    by_id().get(&rule_of(def).0).copied()
}

/// The findings of the failed checks, about the node `node`.
#[must_use]
pub fn findings(checks: &[CheckResult], node: &str) -> Vec<Finding> {
    let object = Arc::new(ObjectRef {
        api_version: "v1".to_owned(),
        kind: "Node".to_owned(),
        namespace: None,
        name: Some(node.to_owned()),
    });
    checks
        .iter()
        .filter(|c| c.status == crate::evaluate::Status::Fail)
        .filter_map(|c| {
            let meta = meta_of(c.def)?;
            Some(Finding {
                rule: meta.name,
                code: meta.code,
                severity: meta.severity,
                message: format!(
                    "CIS {}{} {}: expected {}, found {} ({})",
                    c.def
                        .since
                        .platform()
                        .map_or(String::new(), |_| format!("{} ", c.def.since)),
                    c.id,
                    c.text,
                    c.expected,
                    c.actual,
                    c.evidence
                ),
                file: Arc::from(c.file.as_str()),
                pos: Pos {
                    line: c.line.max(1),
                    col: 1,
                },
                path: String::new(),
                object: Arc::clone(&object),
                object_file: None,
                remediation: meta.remediation,
                references: meta.references,
                snippet: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_stable() {
        assert_eq!(code_of("1.2.6"), "KG91206");
        assert_eq!(code_of("1.2.30"), "KG91230");
        assert_eq!(code_of("2.1"), "KG92001");
        assert_eq!(code_of("4.2.15"), "KG94215");
        let metas = metas();
        let mut codes: Vec<_> = metas.iter().map(|m| m.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), metas.len());
        assert_eq!(meta("1.2.6").unwrap().name, "cis-1-2-6");
        assert!(meta("5.1.1").is_none());
        let eks = crate::table::for_benchmark(crate::Benchmark::Eks180)
            .find(|d| d.id == "3.2.1")
            .unwrap();
        assert_eq!(
            rule_of(eks),
            ("cis-eks-3-2-1".to_owned(), "KG963201".to_owned())
        );
        assert_eq!(meta_of(eks).unwrap().references, ["CIS:eks-1.8.0:3.2.1"]);
        assert_eq!(provider_code_of(Platform::Aks, "3.1.4"), "KG983104");
    }
}
