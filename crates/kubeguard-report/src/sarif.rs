//! `--format sarif`: SARIF 2.1.0, one result per finding, with rule help.
//! The rules go first, results stream, and the invocation (with the
//! errors as notifications) closes the run.

use crate::indent;
use crate::{DOCS_URL, Ending, VERSION};
use kubeguard_core::{Finding, ObjectRef, RuleMeta, Severity};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;
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

// One result, written straight from the finding. Keys are declared in
// alphabetical order: the layout SARIF output has always had (serde_json
// objects sort their keys).

#[derive(Serialize)]
struct SarifResult<'a> {
    level: &'static str,
    locations: [SarifLocation<'a>; 1],
    message: Text<'a>,
    properties: Properties<'a>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct SarifLocation<'a> {
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation<'a>,
}

impl<'a> SarifLocation<'a> {
    fn new(file: &'a str, line: u32, col: u32) -> Self {
        SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: file },
                region: Region {
                    start_column: col.max(1),
                    start_line: line.max(1),
                },
            },
        }
    }
}

#[derive(Serialize)]
struct PhysicalLocation<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "startColumn")]
    start_column: u32,
    #[serde(rename = "startLine")]
    start_line: u32,
}

#[derive(Serialize)]
struct Properties<'a> {
    object: SortedObject<'a>,
    path: &'a str,
    rule: &'a str,
    severity: Severity,
}

/// An [`ObjectRef`] with its keys in alphabetical order.
#[derive(Serialize)]
struct SortedObject<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    name: Option<&'a str>,
    namespace: Option<&'a str>,
}

impl<'a> From<&'a ObjectRef> for SortedObject<'a> {
    fn from(o: &'a ObjectRef) -> Self {
        SortedObject {
            api_version: &o.api_version,
            kind: &o.kind,
            name: o.name.as_deref(),
            namespace: o.namespace.as_deref(),
        }
    }
}

/// The SARIF log, written as results arrive.
pub(crate) struct SarifWriter {
    rule_index: HashMap<&'static str, usize>,
    first: bool,
    /// A batch's results, written out together.
    buf: Vec<u8>,
    /// The message of the result being written.
    message: String,
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
            buf: Vec::new(),
            message: String::new(),
        })
    }

    pub(crate) fn findings(&mut self, batch: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        self.buf.clear();
        for f in batch {
            self.message.clear();
            // Writing to a String cannot fail.
            let _ = write!(self.message, "{}: {}", f.object, f.message);
            let result = SarifResult {
                level: level(f.severity),
                locations: [SarifLocation::new(&f.file, f.pos.line, f.pos.col)],
                message: Text {
                    text: &self.message,
                },
                properties: Properties {
                    object: SortedObject::from(&*f.object),
                    path: &f.path,
                    rule: f.rule,
                    severity: f.severity,
                },
                rule_id: f.code,
                rule_index: self.rule_index.get(f.code).copied(),
            };
            self.buf.extend_from_slice(if self.first {
                b"\n        "
            } else {
                b",\n        "
            });
            self.first = false;
            indent::pretty_to(&mut self.buf, 8, &result)?;
        }
        out.write_all(&self.buf)?;
        indent::release(&mut self.buf);
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
