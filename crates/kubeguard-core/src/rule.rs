//! Rule metadata: what every rule declares next to its code.

use crate::finding::Severity;

/// Everything a rule declares about itself. The engine attaches the
/// remediation and references to each finding; docs pages and `kubeguard
/// rules NAME` are generated from `docs`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, `KG` and digits.
    pub code: &'static str,
    /// Stable kebab-case name, used in config and output.
    pub name: &'static str,
    /// The group the rule belongs to (`workload`, `rbac`, `cluster`, ...).
    pub group: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line saying what the rule reports.
    pub summary: &'static str,
    /// Markdown docs: What it does / Why it matters / Example / How to fix.
    pub docs: &'static str,
    /// How to fix a finding, in one or two sentences.
    pub remediation: &'static str,
    /// Kinds the rule applies to (empty: decided by the rule).
    pub kinds: &'static [&'static str],
    /// References: PSS control, CIS Benchmark id, NSA/CISA guide, MITRE technique.
    pub references: &'static [&'static str],
}

impl RuleMeta {
    /// The docs as markdown: the doc comment without the leading space
    /// every line carries.
    #[must_use]
    pub fn docs_markdown(&self) -> String {
        self.docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
