//! Running the benchmark on a node: which benchmark and targets, each
//! check's result, and the counts.

use crate::benchmark::{Benchmark, Platform, Target};
use crate::check::{CheckDef, Test};
use crate::evaluate::{self, Outcome, Status};
use crate::host::Host;
use crate::table;
use crate::version;
use kubeguard_core::Diagnostic;
use serde::Serialize;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The benchmark; the platform's benchmark when `None` and a platform
    /// is given, else detected from the component versions.
    pub benchmark: Option<Benchmark>,
    /// The targets; detected from the running components when empty.
    pub targets: Vec<Target>,
    /// A managed platform: selects its benchmark, or with a CIS Kubernetes
    /// Benchmark chosen explicitly, marks what its provider controls as
    /// not applicable.
    pub platform: Option<Platform>,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The CIS id.
    pub id: &'static str,
    /// What it asks.
    pub text: &'static str,
    /// Its section id (`1.2`).
    pub section: &'static str,
    /// Its target.
    pub target: Target,
    /// The verdict.
    pub status: Status,
    /// Scored (Automated) or not (Manual).
    pub scored: bool,
    /// What was read.
    pub evidence: String,
    /// What the benchmark expects.
    pub expected: String,
    /// What the node has.
    pub actual: String,
    /// How to fix a failure.
    pub remediation: &'static str,
    /// The check's definition.
    #[serde(skip)]
    pub def: &'static CheckDef,
    /// The file a finding points at.
    #[serde(skip)]
    pub file: String,
    /// The line in `file`.
    #[serde(skip)]
    pub line: u32,
}

/// Counts of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Checks passed.
    pub pass: usize,
    /// Checks failed.
    pub fail: usize,
    /// Checks to review.
    pub warn: usize,
    /// Checks that do not apply.
    pub info: usize,
}

impl Counts {
    /// Counts the statuses of `checks`.
    #[must_use]
    pub fn of<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> Counts {
        let mut c = Counts::default();
        for r in checks {
            match r.status {
                Status::Pass => c.pass += 1,
                Status::Fail => c.fail += 1,
                Status::Warn => c.warn += 1,
                Status::Info => c.info += 1,
            }
        }
        c
    }
}

/// The benchmark run on one node.
#[derive(Debug)]
pub struct Report {
    /// The benchmark run.
    pub benchmark: Benchmark,
    /// How it was chosen.
    pub benchmark_reason: String,
    /// The targets run.
    pub targets: Vec<Target>,
    /// Each check's result, in benchmark order.
    pub checks: Vec<CheckResult>,
    /// What the reader should know about the run: targets the benchmark
    /// does not have, targets with no checks.
    pub notes: Vec<String>,
    /// Configuration files that could not be parsed.
    pub errors: Vec<Diagnostic>,
}

/// Runs the benchmark on the node.
#[must_use]
pub fn run(host: &Host, options: &Options) -> Report {
    let mut notes = Vec::new();
    let (benchmark, benchmark_reason) = choose_benchmark(host, options, &mut notes);
    let targets = choose_targets(host, options, benchmark, &mut notes);
    // With a CIS Kubernetes Benchmark chosen for a managed platform, what
    // the provider runs does not apply; a provider benchmark says itself
    // what the provider controls.
    let controlled_by = options.platform.filter(|_| benchmark.platform().is_none());
    let checks: Vec<CheckResult> = table::for_benchmark(benchmark)
        .filter(|c| targets.contains(&c.target))
        .map(|def| {
            let outcome = match controlled_by {
                Some(p) if p.controls(def.target) => Outcome::not_applicable(
                    "",
                    format!("{} runs and configures the control plane", p.provider()),
                ),
                _ => evaluate::run(&def.test, host),
            };
            result(def, outcome)
        })
        .collect();
    for t in &targets {
        if !checks.iter().any(|c| c.target == *t) {
            notes.push(match benchmark.platform() {
                Some(p) => format!(
                    "{benchmark} defines no {} checks: {} runs and configures the control plane",
                    t.name(),
                    p.provider()
                ),
                None => format!("{benchmark} defines no {} checks", t.name()),
            });
        }
    }
    Report {
        benchmark,
        benchmark_reason,
        targets,
        checks,
        notes,
        errors: host.errors.clone(),
    }
}

/// The benchmark and why: `--benchmark`, else the platform's, else the
/// one for the Kubernetes version found on the node, else the newest.
fn choose_benchmark(
    host: &Host,
    options: &Options,
    notes: &mut Vec<String>,
) -> (Benchmark, String) {
    let chosen = match (options.benchmark, options.platform) {
        (Some(b), _) => (b, "chosen with --benchmark".to_owned()),
        (None, Some(p)) => (
            p.benchmark(),
            format!("--platform {}: the {} benchmark", p.name(), p.provider()),
        ),
        (None, None) => match version::detect(host) {
            Some(found) => {
                let (b, why) = version::benchmark_for(found.minor);
                (
                    b,
                    format!("Kubernetes 1.{} from {}; {why}", found.minor, found.source),
                )
            }
            None => (
                Benchmark::Cis112,
                "no Kubernetes version found on the node (no control plane or kube-proxy static pod in the kubelet's staticPodPath, no kubelet package in /var/lib/dpkg/status); the newest benchmark cis-1.12 is used (choose one with --benchmark)".to_owned(),
            ),
        },
    };
    if options.benchmark.is_none()
        && options.platform.is_none()
        && let Some((p, why)) = version::platform_hint(host)
    {
        notes.push(format!(
            "this node looks like a {} node ({why}): --platform {} runs the {} benchmark",
            p.provider(),
            p.name(),
            p.benchmark()
        ));
    }
    chosen
}

/// The targets asked for (or detected from the running components) that
/// the benchmark has; the others are named in a note.
fn choose_targets(
    host: &Host,
    options: &Options,
    benchmark: Benchmark,
    notes: &mut Vec<String>,
) -> Vec<Target> {
    let asked = if options.targets.is_empty() {
        Target::detect(host)
    } else {
        options.targets.clone()
    };
    let mut targets = Vec::new();
    for t in asked {
        if !benchmark.targets().contains(&t) {
            notes.push(match benchmark.platform() {
                Some(p) => format!(
                    "{benchmark} has no {t} checks: {} runs and configures it",
                    p.provider(),
                    t = t.name()
                ),
                None => format!(
                    "{benchmark} has no {} checks (only the EKS, GKE and AKS benchmarks have them)",
                    t.name()
                ),
            });
        } else if !targets.contains(&t) {
            targets.push(t);
        }
    }
    targets
}

fn result(def: &'static CheckDef, o: Outcome) -> CheckResult {
    let manual_note = matches!(def.test, Test::Manual);
    CheckResult {
        id: def.id,
        text: def.text,
        section: def.section(),
        target: def.target,
        status: o.status,
        scored: def.scored,
        evidence: if manual_note && o.evidence.is_empty() {
            "nothing on the node decides it".to_owned()
        } else {
            o.evidence
        },
        expected: o.expected,
        actual: o.actual,
        remediation: def.remediation,
        def,
        file: o.file,
        line: o.line,
    }
}
