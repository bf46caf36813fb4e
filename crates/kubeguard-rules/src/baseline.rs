//! Baselines: today's findings recorded by stable fingerprints, so that a
//! large repository can adopt kubeguard and fail only on new findings.
//!
//! A fingerprint is the rule (by code), the object's kind, namespace and
//! name, and the field path: never the file or the line, so findings keep
//! their fingerprint when lines move or files are renamed. A baseline is a
//! multiset: when the same fingerprint occurs twice, two occurrences are
//! baselined, and a third is new.

use kubeguard_core::{Diagnostic, Finding, Pos};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The `version` written to and accepted from baseline files.
pub const FORMAT_VERSION: u32 = 1;

/// What identifies a finding across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The rule's code (`KG001`).
    pub code: String,
    /// The object's kind.
    pub kind: String,
    /// The object's namespace; absent for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The field path of the finding.
    #[serde(default)]
    pub path: String,
}

/// Rules about a whole namespace. Their findings point at the Namespace
/// object when the input declares it, else at the first object placed in
/// the namespace, which changes as files move; their fingerprint is the
/// namespace itself.
const NAMESPACE_RULES: [&str; 5] = [
    "namespace-without-default-deny",
    "namespace-without-pss-label",
    "namespace-pss-privileged",
    "namespace-without-resource-quota",
    "namespace-without-limit-range",
];

impl Fingerprint {
    /// The fingerprint of a finding.
    #[must_use]
    pub fn of(f: &Finding) -> Self {
        if NAMESPACE_RULES.contains(&f.rule) {
            let namespace = if f.object.kind == "Namespace" {
                f.object.name.clone()
            } else {
                f.object.namespace.clone()
            };
            return Fingerprint {
                code: f.code.to_owned(),
                kind: "Namespace".to_owned(),
                namespace: None,
                name: namespace,
                path: String::new(),
            };
        }
        Fingerprint {
            code: f.code.to_owned(),
            kind: f.object.kind.clone(),
            namespace: f.object.namespace.clone(),
            name: f.object.name.clone(),
            path: f.path.clone(),
        }
    }
}

/// One line of the file: a fingerprint, how often it occurred, and the
/// rule's name to make the file readable (not used for matching).
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    #[serde(default)]
    rule: String,
    #[serde(flatten)]
    fingerprint: Fingerprint,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: usize,
}

fn one() -> usize {
    1
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_one(n: &usize) -> bool {
    *n == 1
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    kubeguard_baseline: u32,
    findings: Vec<Entry>,
}

/// Fingerprints with the number of times each occurred.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    counts: BTreeMap<Fingerprint, (usize, String)>,
}

impl Baseline {
    /// Reads a baseline written by `--write-baseline`; `file` names it in
    /// errors, which carry the line and column of the problem.
    pub fn parse(file: &str, text: &str) -> Result<Self, Diagnostic> {
        let parsed: File = serde_json::from_str(text).map_err(|e| {
            let pos = Pos {
                line: u32::try_from(e.line()).unwrap_or(u32::MAX).max(1),
                col: u32::try_from(e.column()).unwrap_or(u32::MAX).max(1),
            };
            Diagnostic::new(
                file,
                pos,
                format!("not a kubeguard baseline ({e}); write one with --write-baseline"),
            )
        })?;
        if parsed.kubeguard_baseline != FORMAT_VERSION {
            return Err(Diagnostic::new(
                file,
                Pos { line: 1, col: 1 },
                format!(
                    "baseline format {} is not supported (this kubeguard reads format {FORMAT_VERSION})",
                    parsed.kubeguard_baseline
                ),
            ));
        }
        let mut baseline = Baseline::default();
        for e in parsed.findings {
            baseline
                .counts
                .entry(e.fingerprint)
                .or_insert((0, e.rule))
                .0 += e.count;
        }
        Ok(baseline)
    }

    /// Records one occurrence of a finding.
    pub fn add(&mut self, f: &Finding) {
        self.counts
            .entry(Fingerprint::of(f))
            .or_insert((0, f.rule.to_owned()))
            .0 += 1;
    }

    /// Takes one occurrence of `f`'s fingerprint, if one is left.
    pub fn take(&mut self, f: &Finding) -> bool {
        let key = Fingerprint::of(f);
        match self.counts.get_mut(&key) {
            Some((n, _)) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// Occurrences recorded (or left, after [`Baseline::take`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.counts.values().map(|(n, _)| n).sum()
    }

    /// Whether no occurrence is recorded (or left).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the baseline as pretty JSON, sorted, one finding a line
    /// group, so it diffs well under version control.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let file = File {
            kubeguard_baseline: FORMAT_VERSION,
            findings: self
                .counts
                .iter()
                .filter(|(_, (n, _))| *n > 0)
                .map(|(fp, (n, rule))| Entry {
                    rule: rule.clone(),
                    fingerprint: fp.clone(),
                    count: *n,
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &file)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::{ObjectRef, Severity};
    use std::sync::Arc;

    fn finding(line: u32, file: &str, path: &str) -> Finding {
        Finding {
            rule: "privileged-container",
            code: "KG001",
            severity: Severity::Critical,
            message: "m".into(),
            file: Arc::from(file),
            pos: Pos { line, col: 3 },
            path: path.into(),
            object: Arc::new(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: Some("web".into()),
            }),
            object_file: None,
            remediation: "",
            references: &[],
            snippet: None,
        }
    }

    #[test]
    fn fingerprints_ignore_lines_and_files() {
        let a = finding(10, "a.yaml", "spec.x");
        let b = finding(99, "moved/b.yaml", "spec.x");
        assert_eq!(Fingerprint::of(&a), Fingerprint::of(&b));
        assert_ne!(
            Fingerprint::of(&a),
            Fingerprint::of(&finding(10, "a.yaml", "spec.y"))
        );
    }

    #[test]
    fn namespace_rules_exist_and_fingerprint_the_namespace() {
        for name in NAMESPACE_RULES {
            assert!(crate::catalog::find(name).is_some(), "{name}");
        }
        let mut a = finding(1, "a.yaml", "metadata");
        a.rule = "namespace-without-default-deny";
        let mut b = a.clone();
        b.object = Arc::new(ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: Some("shop".into()),
        });
        b.path = String::new();
        assert_eq!(Fingerprint::of(&a), Fingerprint::of(&b));
    }

    #[test]
    fn round_trip_and_multiset() {
        let mut b = Baseline::default();
        b.add(&finding(1, "a.yaml", "spec.x"));
        b.add(&finding(2, "a.yaml", "spec.x"));
        let mut text = Vec::new();
        b.write(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("\"count\": 2"), "{text}");
        assert!(!text.contains("a.yaml"), "no file names: {text}");
        let mut read = Baseline::parse("b.json", &text).unwrap();
        assert_eq!(read, b);
        assert!(read.take(&finding(5, "c.yaml", "spec.x")));
        assert!(read.take(&finding(6, "c.yaml", "spec.x")));
        assert!(!read.take(&finding(7, "c.yaml", "spec.x")));
        assert!(read.is_empty());
    }

    #[test]
    fn bad_files_are_located_errors() {
        let e = Baseline::parse(
            "b.json",
            "{\n  \"kubeguard_baseline\": 1,\n  \"findings\": [}\n",
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.pos.line), ("b.json", 3));
        let e =
            Baseline::parse("b.json", "{\"kubeguard_baseline\": 7, \"findings\": []}").unwrap_err();
        assert!(e.message.contains("format 7"), "{}", e.message);
        let e = Baseline::parse("b.json", "[]").unwrap_err();
        assert!(e.message.contains("--write-baseline"));
    }
}
