//! `--format json`: the machine-readable contract, streamed to the writer.

use crate::{Report, VERSION, seq};
use kubeguard_core::{Finding, ObjectRef, Pos, Severity};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    code: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    path: &'a str,
    object: &'a ObjectRef,
    remediation: &'a str,
    references: &'a [&'a str],
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            rule: f.rule,
            code: f.code,
            severity: f.severity,
            message: &f.message,
            file: &f.file,
            line: f.pos.line,
            column: f.pos.col,
            path: &f.path,
            object: &f.object,
            remediation: f.remediation,
            references: f.references,
        }
    }
}

#[derive(Serialize)]
struct JsonLocated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

impl<'a> JsonLocated<'a> {
    fn new(file: &'a str, pos: Pos, message: &'a str) -> Self {
        JsonLocated {
            file,
            line: pos.line,
            column: pos.col,
            message,
        }
    }
}

struct BySeverity<'a>(&'a [(Severity, usize)]);

impl Serialize for BySeverity<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (sev, n) in self.0 {
            map.serialize_entry(sev.as_str(), n)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    files: usize,
    objects: usize,
    skipped: usize,
    findings: usize,
    suppressed: usize,
    errors: usize,
    by_severity: BySeverity<'a>,
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Document<'a, F, E, W> {
        tool: &'static str,
        version: &'static str,
        findings: F,
        errors: E,
        warnings: W,
        summary: JsonSummary<'a>,
    }
    let by_severity = report.by_severity();
    let s = &report.summary;
    let doc = Document {
        tool: "kubeguard",
        version: VERSION,
        findings: seq(report.findings.iter().map(JsonFinding::from)),
        errors: seq(report
            .errors
            .iter()
            .map(|e| JsonLocated::new(&e.file, e.pos, &e.message))),
        warnings: seq(report
            .warnings
            .iter()
            .map(|w| JsonLocated::new(&w.file, w.pos, &w.message))),
        summary: JsonSummary {
            files: s.files,
            objects: s.objects,
            skipped: s.skipped,
            findings: report.findings.len(),
            suppressed: s.suppressed,
            errors: report.errors.len(),
            by_severity: BySeverity(&by_severity),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
