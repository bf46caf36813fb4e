//! `--format json`: the machine-readable contract, streamed to the writer:
//! `{tool, version, findings, <engine-specific keys>, errors, warnings,
//! summary}`.

use crate::indent;
use crate::{Ending, Tally, VERSION};
#[cfg(test)]
use kubeguard_core::ObjectRef;
use kubeguard_core::{Diagnostic, Finding, Severity};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::HashMap;
use std::io::{self, Write};

/// A finding in the JSON contract: the layout [`write_finding`] writes by
/// hand (a test compares them).
#[cfg(test)]
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

/// Appends `s` as a JSON string.
fn string(buf: &mut Vec<u8>, s: &str) -> io::Result<()> {
    serde_json::to_writer(buf, s).map_err(io::Error::from)
}

/// Appends `f` as [`JsonFinding`] serialised at the findings' depth (the
/// layout of `indent::pretty_to(buf, 4, ..)`, which a test holds it
/// to), written by hand: the JSON report is mostly findings. `tail` keeps
/// each rule's `remediation` and `references`, escaped once.
fn write_finding(
    buf: &mut Vec<u8>,
    f: &Finding,
    tail: &mut HashMap<(&'static str, &'static str), Vec<u8>>,
) -> io::Result<()> {
    buf.extend_from_slice(b"{\n      \"rule\": ");
    string(buf, f.rule)?;
    buf.extend_from_slice(b",\n      \"code\": ");
    string(buf, f.code)?;
    buf.extend_from_slice(b",\n      \"severity\": \"");
    buf.extend_from_slice(f.severity.as_str().as_bytes());
    buf.extend_from_slice(b"\",\n      \"message\": ");
    string(buf, &f.message)?;
    buf.extend_from_slice(b",\n      \"file\": ");
    string(buf, &f.file)?;
    write!(
        buf,
        ",\n      \"line\": {},\n      \"column\": {},\n      \"path\": ",
        f.pos.line, f.pos.col
    )?;
    string(buf, &f.path)?;
    buf.extend_from_slice(b",\n      \"object\": {\n        \"apiVersion\": ");
    let o = &f.object;
    string(buf, &o.api_version)?;
    buf.extend_from_slice(b",\n        \"kind\": ");
    string(buf, &o.kind)?;
    for (key, value) in [("namespace", &o.namespace), ("name", &o.name)] {
        write!(buf, ",\n        \"{key}\": ")?;
        match value {
            Some(v) => string(buf, v)?,
            None => buf.extend_from_slice(b"null"),
        }
    }
    buf.extend_from_slice(b"\n      }");
    let tail = match tail.entry((f.rule, f.remediation)) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => {
            let mut t = b",\n      \"remediation\": ".to_vec();
            string(&mut t, f.remediation)?;
            t.extend_from_slice(b",\n      \"references\": ");
            indent::pretty_to(&mut t, 6, &f.references)?;
            t.extend_from_slice(b"\n    }");
            e.insert(t)
        }
    };
    buf.extend_from_slice(tail);
    Ok(())
}

#[cfg(test)]
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
    /// Hidden by `--severity` / `--namespace` (only when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    filtered: Option<usize>,
    /// In `--baseline` (only when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    baselined: Option<usize>,
    /// In `--baseline` but no longer found (only when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<usize>,
    errors: usize,
    by_severity: BySeverity,
}

/// The JSON document, written as findings arrive.
pub(crate) struct JsonWriter {
    first: bool,
    /// A batch's findings, written out together.
    buf: Vec<u8>,
    /// The end of each rule's findings, escaped once.
    tails: HashMap<(&'static str, &'static str), Vec<u8>>,
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
            tails: HashMap::new(),
        })
    }

    pub(crate) fn findings(&mut self, batch: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        self.buf.clear();
        for f in batch {
            self.buf
                .extend_from_slice(if self.first { b"\n    " } else { b",\n    " });
            self.first = false;
            write_finding(&mut self.buf, f, &mut self.tails)?;
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
            value.write_json(out, 2)?;
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
            filtered: s.triage.filtered,
            baselined: s.triage.baselined,
            fixed: s.triage.fixed,
            errors: e.errors.len(),
            by_severity: BySeverity(tally.by_severity()),
        };
        out.write_all(b",\n  \"summary\": ")?;
        indent::pretty(out, 2, &summary)?;
        out.write_all(b"\n}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::Pos;
    use std::sync::Arc;

    #[test]
    fn findings_are_written_as_serde_writes_them() {
        let mut f = Finding {
            rule: "host-pid",
            code: "KG003",
            severity: Severity::High,
            message: "pod \"web\" sees\tall \u{1} processes: ü".to_owned(),
            file: Arc::from("dir/a \\ b.yaml"),
            pos: Pos { line: 12, col: 7 },
            path: "spec.template.metadata.annotations[\"a.b\"]".to_owned(),
            object: Arc::new(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: None,
            }),
            object_file: None,
            remediation: "Remove \"hostPID\"\nor set it to false.",
            references: &["PSS:baseline/host-namespaces", "CIS:5.2.2"],
            snippet: None,
        };
        let mut tails = HashMap::new();
        for references in [&["PSS:baseline/host-namespaces", "CIS:5.2.2"][..], &[]] {
            f.references = references;
            f.code = if references.is_empty() {
                "KG004"
            } else {
                "KG003"
            };
            for namespace in [Some("shop".to_owned()), None] {
                Arc::make_mut(&mut f.object).namespace = namespace;
                let mut by_hand = Vec::new();
                f.rule = if references.is_empty() {
                    "host-ipc"
                } else {
                    "host-pid"
                };
                write_finding(&mut by_hand, &f, &mut tails).unwrap();
                let mut serde = Vec::new();
                indent::pretty_to(&mut serde, 4, &JsonFinding::from(&f)).unwrap();
                assert_eq!(
                    String::from_utf8(by_hand).unwrap(),
                    String::from_utf8(serde).unwrap()
                );
            }
        }
    }
}
