//! Findings and severities.

use crate::node::Pos;
use crate::snippet::Snippet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// How serious a finding is, from `info` to `critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a weakness by itself.
    Info,
    /// Hardening that reduces impact.
    Low,
    /// A weakness an attacker can use with other weaknesses.
    Medium,
    /// A direct path to compromise of the workload or its data.
    High,
    /// A direct path to compromise of the node or the cluster.
    Critical,
}

impl Severity {
    /// All severities from lowest to highest.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name (`high`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity {s:?}; expected one of info, low, medium, high, critical")
            })
    }
}

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// The namespace it lands in; `None` when cluster-scoped.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{name}", self.kind),
            None => write!(f, "{} {name}", self.kind),
        }
    }
}

/// One problem found in one object.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's kebab-case name.
    pub rule: &'static str,
    /// The rule's stable code (`KG001`).
    pub code: &'static str,
    /// Severity (after configuration overrides).
    pub severity: Severity,
    /// What is wrong, specific to this object.
    pub message: String,
    /// The file reported.
    pub file: Arc<str>,
    /// Line and column of the offending key.
    pub pos: Pos,
    /// Field path of the offending key, or of its nearest existing parent.
    pub path: String,
    /// The object (shared by all findings about it).
    pub object: Arc<ObjectRef>,
    /// The file that holds the object, when not [`Finding::file`] (a field
    /// a Kustomize patch wrote is reported in the patch).
    pub object_file: Option<Arc<str>>,
    /// How to fix it.
    pub remediation: &'static str,
    /// References (PSS control, CIS id, guides).
    pub references: &'static [&'static str],
    /// The source line reported (with lines around it for live objects),
    /// for code snippets.
    pub snippet: Option<Snippet>,
}

impl Finding {
    /// The file that holds the object: suppressions on the object (its
    /// `kubeguard.io/ignore` annotation) apply through it.
    #[must_use]
    pub fn object_file(&self) -> &Arc<str> {
        self.object_file.as_ref().unwrap_or(&self.file)
    }
}
