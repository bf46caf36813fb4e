//! `--format sarif`: SARIF 2.1.0, one result per finding, with rule help.

use crate::{DOCS_URL, Report, VERSION, seq};
use kubeguard_core::Severity;
use serde::Serialize;
use serde_json::{Value, json};
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

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
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
        })
        .collect();
    let results = seq(report.findings.iter().map(|f| {
        let index = report.rules.iter().position(|r| r.code == f.code);
        let mut result = json!({
            "ruleId": f.code,
            "level": level(f.severity),
            "message": {"text": format!("{}: {}", f.object, f.message)},
            "locations": [location(&f.file, f.pos.line, f.pos.col)],
            "properties": {
                "rule": f.rule,
                "severity": f.severity,
                "path": f.path,
                "object": f.object,
            }
        });
        if let Some(i) = index {
            result["ruleIndex"] = json!(i);
        }
        result
    }));
    let notifications: Vec<Value> = report
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
    #[derive(Serialize)]
    struct Run<R> {
        tool: Value,
        results: R,
        invocations: Value,
    }
    #[derive(Serialize)]
    struct Log<R> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        version: &'static str,
        runs: [Run<R>; 1],
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: json!({"driver": {
                "name": "kubeguard",
                "version": VERSION,
                "informationUri": "https://github.com/kubeguard/kubeguard",
                "rules": rules,
            }}),
            results,
            invocations: json!([{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }]),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
