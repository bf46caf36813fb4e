//! `--format sarif`: SARIF 2.1.0, one result per finding, with rule help.
//! The rules go first, results stream, and the invocation (with the
//! errors as notifications) closes the run.

use crate::indent;
use crate::{DOCS_URL, Ending, VERSION};
use kubeguard_core::{Finding, RuleMeta, Severity};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning reads a 0-10 `security-severity` to rank results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn location(file: &str, line: u32, col: u32) -> Value {
    json!({"physicalLocation": {
        "artifactLocation": {"uri": file},
        "region": {"startLine": line.max(1), "startColumn": col.max(1)}
    }})
}

fn rule_descriptor(r: &RuleMeta) -> Value {
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.remediation},
        "help": {"text": r.remediation, "markdown": r.docs_markdown()},
        "helpUri": format!("{DOCS_URL}/{}.md", r.name),
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": ["security", "kubernetes", r.group],
            "security-severity": security_severity(r.severity),
            "references": r.references,
        }
    })
}

/// The SARIF log, written as results arrive.
pub(crate) struct SarifWriter {
    rule_index: HashMap<&'static str, usize>,
    first: bool,
}

impl SarifWriter {
    pub(crate) fn begin(rules: &[&'static RuleMeta], out: &mut dyn Write) -> io::Result<Self> {
        let driver = json!({
            "name": "kubeguard",
            "version": VERSION,
            "informationUri": "https://github.com/kubeguard/kubeguard",
            "rules": rules.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
        });
        write!(
            out,
            "{{\n  \"$schema\": \"{SCHEMA}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {{\n        \"driver\": "
        )?;
        indent::pretty(out, 8, &driver)?;
        out.write_all(b"\n      },\n      \"results\": [")?;
        Ok(SarifWriter {
            rule_index: rules.iter().enumerate().map(|(i, r)| (r.code, i)).collect(),
            first: true,
        })
    }

    pub(crate) fn findings(&mut self, batch: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        for f in batch {
            let mut result = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": {"text": format!("{}: {}", f.object, f.message)},
                "locations": [location(&f.file, f.pos.line, f.pos.col)],
                "properties": {
                    "rule": f.rule,
                    "severity": f.severity,
                    "path": f.path,
                    "object": &*f.object,
                }
            });
            if let Some(i) = self.rule_index.get(f.code) {
                result["ruleIndex"] = json!(i);
            }
            out.write_all(if self.first {
                b"\n        "
            } else {
                b",\n        "
            })?;
            self.first = false;
            indent::pretty(out, 8, &result)?;
        }
        Ok(())
    }

    pub(crate) fn finish(self, ending: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.first { b"]" } else { b"\n      ]" })?;
        let notifications: Vec<Value> = ending
            .errors
            .iter()
            .map(|e| {
                json!({
                    "level": "error",
                    "message": {"text": e.message},
                    "locations": [location(&e.file, e.pos.line, e.pos.col)],
                })
            })
            .collect();
        let invocations = json!([{
            "executionSuccessful": ending.errors.is_empty(),
            "toolExecutionNotifications": notifications,
        }]);
        out.write_all(b",\n      \"invocations\": ")?;
        indent::pretty(out, 6, &invocations)?;
        out.write_all(b"\n    }\n  ]\n}\n")
    }
}
