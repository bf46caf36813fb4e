//! `--format json`: the machine-readable contract.

use crate::{Report, VERSION};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// The JSON value of a report.
pub(crate) fn to_value(report: &Report<'_>) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "file": &*f.file,
                "line": f.pos.line,
                "column": f.pos.col,
                "path": f.path,
                "object": f.object,
                "remediation": f.remediation,
                "references": f.references,
            })
        })
        .collect();
    let located = |file: &str, pos: kubeguard_core::Pos, message: &str| {
        json!({"file": file, "line": pos.line, "column": pos.col, "message": message})
    };
    let errors: Vec<Value> = report.errors.iter().map(|e| located(&e.file, e.pos, &e.message)).collect();
    let warnings: Vec<Value> = report.warnings.iter().map(|w| located(&w.file, w.pos, &w.message)).collect();
    let by_severity: Map<String, Value> = report
        .by_severity()
        .into_iter()
        .map(|(s, n)| (s.to_string(), json!(n)))
        .collect();
    let s = &report.summary;
    json!({
        "tool": "kubeguard",
        "version": VERSION,
        "findings": findings,
        "errors": errors,
        "warnings": warnings,
        "summary": {
            "files": s.files,
            "objects": s.objects,
            "skipped": s.skipped,
            "findings": report.findings.len(),
            "suppressed": s.suppressed,
            "errors": report.errors.len(),
            "by_severity": by_severity,
        }
    })
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}
