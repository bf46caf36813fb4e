//! The result codes of `kubeguard cis` in the one catalog of rules: one
//! rule a check that can fail (`cis-1-2-6`, code `KG91206`), so that
//! `--select`, `--ignore`, severity overrides and suppressions work on
//! CIS checks as on every other rule; and failing checks as findings.

use crate::check::Test;
use crate::report::CheckResult;
use crate::table::CHECKS;
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

/// The rules by CIS id, built once. A CIS id keeps one rule across
/// benchmarks (its latest wording).
fn by_id() -> &'static HashMap<&'static str, &'static RuleMeta> {
    static MAP: OnceLock<HashMap<&'static str, &'static RuleMeta>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for def in CHECKS.iter().filter(|d| !matches!(d.test, Test::Manual)) {
            let refs: &'static [&'static str] =
                Box::leak(vec![leak(format!("CIS:{}", def.id))].into_boxed_slice());
            let docs = leak(format!(
                "## What it does\n\nChecks CIS Kubernetes Benchmark {id} ({kind}) on a node: {text}. `kubeguard cis` reads the setting as the component resolves it (flag, configuration file, default) or stats the file the component really uses.\n\n## Why it matters\n\n{why}\n",
                id = def.id,
                kind = if def.scored { "Automated" } else { "Manual" },
                text = def.text,
                why = why(def.target),
            ));
            let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
                code: leak(code_of(def.id)),
                name: leak(name_of(def.id)),
                group: "cis",
                severity: def.severity,
                summary: def.text,
                docs,
                remediation: def.remediation,
                kinds: &["Node"],
                references: refs,
            }));
            map.insert(def.id, meta);
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
    }
}

/// The rule of a CIS id, if a test decides it.
#[must_use]
pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    by_id().get(id).copied()
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
            let meta = meta(c.id)?;
            Some(Finding {
                rule: meta.name,
                code: meta.code,
                severity: meta.severity,
                message: format!(
                    "CIS {} {}: expected {}, found {} ({})",
                    c.id, c.text, c.expected, c.actual, c.evidence
                ),
                file: Arc::from(c.file.as_str()),
                pos: Pos {
                    line: c.line.max(1),
                    col: 1,
                },
                path: String::new(),
                object: Arc::clone(&object),
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
    }
}
