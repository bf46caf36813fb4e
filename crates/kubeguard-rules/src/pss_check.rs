//! `kubeguard pss check`: every Pod and workload of an input checked at one
//! Pod Security level and version, each violation run through the findings
//! pipeline as a `pod-security-standard` finding. A violation the pipeline
//! does not report (an ignore covers it, or the rule is not selected) is
//! taken out of the object's verdict and counted as suppressed.

use crate::engine::inline_ignore_of;
use crate::pipeline::{Outcome, Pipeline, Policy, sort};
use crate::pss_scan::verdict_findings;
use kubeguard_core::{Diagnostic, Finding, Object};
use kubeguard_pss::LevelVersion;
use kubeguard_pss::config::Exemptions;
use kubeguard_pss::input::{self, CheckResult, CheckRow, Pods};
use kubeguard_pss::namespace::Request;

/// The result of `pss check`.
#[derive(Debug)]
pub struct CheckRun<'a> {
    /// One row per Pod and workload that decoded, in input order.
    pub rows: Vec<CheckRow<'a>>,
    /// The findings reported, sorted.
    pub findings: Vec<Finding>,
    /// Pods and workloads the API server could not decode.
    pub errors: Vec<Diagnostic>,
    /// What the pipeline concluded: warnings, suppressions, failure.
    pub outcome: Outcome,
}

/// Checks every Pod and workload of `objects` at `level` (unless
/// `exemptions` cover it for `request`), and runs the violations through
/// a pipeline applying `policy`.
#[must_use]
pub fn run<'a>(
    objects: &'a [Object],
    level: LevelVersion,
    exemptions: &Exemptions,
    request: Request<'_>,
    policy: &Policy,
) -> CheckRun<'a> {
    let Pods { pods, errors } = input::pods(objects);
    let mut pipeline = Pipeline::new(policy);
    let mut findings = Vec::new();
    let mut rows = Vec::with_capacity(pods.len());
    for (obj, pod) in &pods {
        pipeline.add_inline(inline_ignore_of(obj));
        let mut result = input::check(obj, pod, level, exemptions, request);
        if let CheckResult::Evaluated {
            verdict,
            suppressed,
        } = &mut result
        {
            let found = verdict_findings(obj, verdict);
            let violations = std::mem::take(&mut verdict.violations);
            for (mut f, v) in found.into_iter().zip(violations) {
                if pipeline.admit(&mut f) {
                    findings.push(f);
                    verdict.violations.push(v);
                } else {
                    *suppressed += 1;
                }
            }
        }
        rows.push(CheckRow {
            object: obj,
            result,
        });
    }
    sort(&mut findings);
    CheckRun {
        rows,
        findings,
        errors,
        outcome: pipeline.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Selection;
    use kubeguard_core::Source;
    use kubeguard_pss::{Level, Version};

    const INPUT: &str = "apiVersion: v1
kind: Pod
metadata: {name: a, namespace: shop}
spec:
  hostPID: true
  containers: [{name: c, image: c, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: b
  namespace: shop
  annotations: {kubeguard.io/ignore: pod-security-standard}
spec:
  hostNetwork: true
  containers: [{name: c, image: c}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: shop}
spec:
  runtimeClassName: kata
  hostIPC: true
  containers: [{name: c, image: c}]
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: shop}
spec:
  securityContext: {runAsNonRoot: 1}
  containers: [{name: c, image: c}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: e}
";

    fn objects() -> Vec<Object> {
        let loaded = kubeguard_load::load_source(Source::new("in.yaml", INPUT));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects
    }

    fn baseline() -> LevelVersion {
        LevelVersion::new(Level::Baseline, Version::Latest)
    }

    fn evaluated<'r>(row: &'r CheckRow<'_>) -> (&'r kubeguard_pss::Verdict, usize) {
        match &row.result {
            CheckResult::Evaluated {
                verdict,
                suppressed,
            } => (verdict, *suppressed),
            CheckResult::Exempt(e) => panic!("exempt: {e:?}"),
        }
    }

    #[test]
    fn violations_become_findings_and_ignored_ones_are_suppressed() {
        let objects = objects();
        let exemptions = Exemptions {
            runtime_classes: vec!["kata".into()],
            ..Exemptions::default()
        };
        let policy = Policy::default();
        let run = run(
            &objects,
            baseline(),
            &exemptions,
            Request::default(),
            &policy,
        );
        assert_eq!(run.rows.len(), 3, "pods a, b, c; d does not decode");
        let [error] = run.errors.as_slice() else {
            panic!("{:?}", run.errors);
        };
        assert!(error.message.starts_with("Pod shop/d: "), "{error}");

        let (a, suppressed) = evaluated(&run.rows[0]);
        assert_eq!(suppressed, 0);
        let checks: Vec<&str> = a.violations.iter().map(|v| v.check).collect();
        assert_eq!(checks, ["privileged", "hostNamespaces"]);
        assert_eq!(run.findings.len(), 2);
        assert!(
            run.findings
                .iter()
                .all(|f| f.rule == "pod-security-standard" && f.object.name.as_deref() == Some("a"))
        );
        assert!(
            run.findings.windows(2).all(|w| w[0].pos <= w[1].pos),
            "findings are sorted"
        );

        let (b, suppressed) = evaluated(&run.rows[1]);
        assert!(b.allowed(), "the annotation suppresses every violation");
        assert_eq!(suppressed, 1);
        assert_eq!(run.outcome.suppressed, 1);

        assert_eq!(
            run.rows[2].result,
            CheckResult::Exempt(kubeguard_pss::namespace::Exemption::RuntimeClass(
                "kata".into()
            ))
        );
        assert!(run.outcome.failing);
        assert_eq!(run.outcome.exit_code(!run.errors.is_empty()), 2);
    }

    #[test]
    fn an_unselected_rule_reports_nothing() {
        let objects = objects();
        let policy = Policy::new(&Selection {
            ignore: vec!["pod-security-standard".into()],
            ..Selection::default()
        })
        .unwrap();
        let run = run(
            &objects,
            baseline(),
            &Exemptions::default(),
            Request::default(),
            &policy,
        );
        assert!(run.findings.is_empty());
        assert!(!run.outcome.failing);
        let (a, suppressed) = evaluated(&run.rows[0]);
        assert!(a.allowed());
        assert_eq!(suppressed, 2);
        assert_eq!(run.outcome.suppressed, 0, "not selected is not an ignore");
    }
}
