//! `kubeguard cis` output: the checks as text, the `checks` and `cis`
//! JSON extras beside the findings, and kube-bench's JSON shape
//! (`--format kube-bench`) so that dashboards built on it keep working.

use kubeguard_cis::{CheckResult, Counts, Report, Status, Target, table};
use serde::Serialize;
use std::io::{self, Write};

/// The `cis` JSON extra: the benchmark, how it was chosen, the targets
/// and the count of each status.
#[derive(Debug, Serialize)]
pub struct CisJson<'a> {
    /// The benchmark run (`cis-1.11`).
    pub benchmark: &'static str,
    /// How it was chosen.
    pub benchmark_reason: &'a str,
    /// The node the checks ran on.
    pub node: &'a str,
    /// The targets run.
    pub targets: &'a [Target],
    /// `{"pass","fail","warn","info"}`.
    pub summary: Counts,
    /// Notes about the run (targets the benchmark does not have).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
}

impl<'a> CisJson<'a> {
    /// The extra of a report.
    #[must_use]
    pub fn new(report: &'a Report, node: &'a str) -> Self {
        CisJson {
            benchmark: report.benchmark.name(),
            benchmark_reason: &report.benchmark_reason,
            node,
            targets: &report.targets,
            summary: Counts::of(&report.checks),
            notes: &report.notes,
        }
    }
}

/// Writes the checks as text: one line a check with its status, then
/// what was expected and found for the checks that did not pass, and the
/// counts.
pub fn write_text(report: &Report, node: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "CIS Kubernetes Benchmark {} on {node} ({})",
        report.benchmark.name(),
        report.benchmark_reason
    )?;
    for note in &report.notes {
        writeln!(out, "note: {note}")?;
    }
    let mut section = "";
    for c in &report.checks {
        if c.section != section {
            section = c.section;
            writeln!(
                out,
                "\n{} {}",
                section,
                table::section_title(report.benchmark, section)
            )?;
        }
        let kind = if c.scored { "" } else { " (manual)" };
        writeln!(out, "[{}] {} {}{kind}", c.status.as_str(), c.id, c.text)?;
        if matches!(c.status, Status::Fail | Status::Warn) && !c.actual.is_empty() {
            if !c.expected.is_empty() {
                writeln!(out, "       expected: {}", c.expected)?;
            }
            writeln!(out, "       found:    {}", c.actual)?;
            if !c.evidence.is_empty() {
                writeln!(out, "       from:     {}", c.evidence)?;
            }
            if c.status == Status::Fail {
                writeln!(out, "       fix:      {}", c.remediation)?;
            }
        }
    }
    let n = Counts::of(&report.checks);
    writeln!(
        out,
        "\n{} checks: {} pass, {} fail, {} warn, {} info",
        report.checks.len(),
        n.pass,
        n.fail,
        n.warn,
        n.info
    )
}

/// kube-bench's JSON: `{"Controls": [...], "Totals": {...}}`, one control
/// a target, grouped by section.
#[derive(Debug, Serialize)]
pub struct KubeBench<'a> {
    #[serde(rename = "Controls")]
    controls: Vec<Control<'a>>,
    #[serde(rename = "Totals")]
    totals: Totals,
}

#[derive(Debug, Serialize)]
struct Control<'a> {
    id: &'static str,
    version: &'static str,
    detected_version: String,
    text: &'static str,
    node_type: &'static str,
    tests: Vec<Group<'a>>,
    #[serde(flatten)]
    totals: Totals,
}

#[derive(Debug, Serialize)]
struct Group<'a> {
    section: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    pass: usize,
    fail: usize,
    warn: usize,
    info: usize,
    desc: &'static str,
    results: Vec<KbResult<'a>>,
}

#[derive(Debug, Serialize)]
struct KbResult<'a> {
    test_number: &'static str,
    test_desc: &'static str,
    audit: &'a str,
    #[serde(rename = "AuditEnv")]
    audit_env: &'static str,
    #[serde(rename = "AuditConfig")]
    audit_config: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    remediation: &'static str,
    test_info: [&'static str; 1],
    status: &'static str,
    actual_value: &'a str,
    scored: bool,
    #[serde(rename = "IsMultiple")]
    is_multiple: bool,
    expected_result: &'a str,
    reason: &'a str,
}

#[derive(Debug, Default, Serialize)]
struct Totals {
    total_pass: usize,
    total_fail: usize,
    total_warn: usize,
    total_info: usize,
}

impl Totals {
    fn of<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> Totals {
        let n = Counts::of(checks);
        Totals {
            total_pass: n.pass,
            total_fail: n.fail,
            total_warn: n.warn,
            total_info: n.info,
        }
    }
}

impl<'a> KubeBench<'a> {
    /// kube-bench's shape of a report.
    #[must_use]
    pub fn new(report: &'a Report) -> Self {
        let detected = report
            .benchmark_reason
            .strip_prefix("Kubernetes ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("")
            .to_owned();
        let controls = report
            .targets
            .iter()
            .map(|&t| {
                let checks: Vec<&CheckResult> =
                    report.checks.iter().filter(|c| c.target == t).collect();
                let mut groups: Vec<Group<'a>> = Vec::new();
                for c in &checks {
                    if groups.last().is_none_or(|g| g.section != c.section) {
                        groups.push(Group {
                            section: c.section,
                            kind: "",
                            pass: 0,
                            fail: 0,
                            warn: 0,
                            info: 0,
                            desc: table::section_title(report.benchmark, c.section),
                            results: Vec::new(),
                        });
                    }
                    let g = groups.last_mut().expect("pushed above");
                    match c.status {
                        Status::Pass => g.pass += 1,
                        Status::Fail => g.fail += 1,
                        Status::Warn => g.warn += 1,
                        Status::Info => g.info += 1,
                    }
                    g.results.push(KbResult {
                        test_number: c.id,
                        test_desc: c.text,
                        audit: &c.evidence,
                        audit_env: "",
                        audit_config: "",
                        // kube-bench's `manual`: nothing on the node decides it.
                        kind: if matches!(c.def.test, kubeguard_cis::check::Test::Manual) {
                            "manual"
                        } else {
                            ""
                        },
                        remediation: c.remediation,
                        test_info: [c.remediation],
                        status: c.status.as_str(),
                        actual_value: &c.actual,
                        scored: c.scored,
                        is_multiple: false,
                        expected_result: &c.expected,
                        reason: "",
                    });
                }
                Control {
                    id: report.benchmark.target_id(t),
                    version: report.benchmark.name(),
                    detected_version: detected.clone(),
                    text: report.benchmark.target_title(t),
                    node_type: t.name(),
                    tests: groups,
                    totals: Totals::of(checks.iter().copied()),
                }
            })
            .collect();
        KubeBench {
            controls,
            totals: Totals::of(&report.checks),
        }
    }
}
