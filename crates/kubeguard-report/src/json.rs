//! `--format json`: the machine-readable contract, streamed to the writer:
//! `{tool, version, findings, <engine-specific keys>, errors, warnings,
//! summary}`.

use crate::indent;
use crate::{Ending, Tally, VERSION};
use kubeguard_core::{Diagnostic, Finding, ObjectRef, Severity};
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

/// A diagnostic as `{file, line, column, message}`.
#[derive(Serialize)]
pub(crate) struct JsonDiagnostic<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonDiagnostic {
            file: &d.file,
            line: d.pos.line,
            column: d.pos.col,
            message: &d.message,
        }
    }
}

struct BySeverity(Vec<(Severity, usize)>);

impl Serialize for BySeverity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (sev, n) in &self.0 {
            map.serialize_entry(sev.as_str(), n)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    objects: usize,
    skipped: usize,
    findings: usize,
    suppressed: usize,
    errors: usize,
    by_severity: BySeverity,
}

/// The JSON document, written as findings arrive.
pub(crate) struct JsonWriter {
    first: bool,
    /// A batch's findings, written out together.
    buf: Vec<u8>,
}

impl JsonWriter {
    pub(crate) fn begin(out: &mut dyn Write) -> io::Result<Self> {
        write!(
            out,
            "{{\n  \"tool\": \"kubeguard\",\n  \"version\": \"{VERSION}\",\n  \"findings\": ["
        )?;
        Ok(JsonWriter {
            first: true,
            buf: Vec::new(),
        })
    }

    pub(crate) fn findings(&mut self, batch: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        self.buf.clear();
        for f in batch {
            self.buf
                .extend_from_slice(if self.first { b"\n    " } else { b",\n    " });
            self.first = false;
            indent::pretty_into(&mut self.buf, 4, &JsonFinding::from(f))?;
        }
        out.write_all(&self.buf)?;
        indent::release(&mut self.buf);
        Ok(())
    }

    pub(crate) fn finish(
        self,
        e: &Ending<'_>,
        tally: &Tally,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        out.write_all(if self.first { b"]" } else { b"\n  ]" })?;
        for (key, value) in e.extras {
            write!(out, ",\n  {}: ", serde_json::to_string(key)?)?;
            indent::extra(out, 2, *value)?;
        }
        for (key, items) in [("errors", e.errors), ("warnings", e.warnings)] {
            write!(out, ",\n  \"{key}\": ")?;
            let items: Vec<JsonDiagnostic<'_>> = items.iter().map(JsonDiagnostic::from).collect();
            indent::pretty(out, 2, &items)?;
        }
        let s = &e.summary;
        let summary = JsonSummary {
            files: s.files,
            objects: s.objects,
            skipped: s.skipped,
            findings: tally.findings(),
            suppressed: s.suppressed,
            errors: e.errors.len(),
            by_severity: BySeverity(tally.by_severity()),
        };
        out.write_all(b",\n  \"summary\": ")?;
        indent::pretty(out, 2, &summary)?;
        out.write_all(b"\n}\n")
    }
}
