//! `kubeguard audit scan`: alerts streamed as text, one JSON document, or
//! JSON lines. The JSON document is
//! `{"alerts": [...], "summary": {...}, "errors": [...]}`; alerts are
//! written as they are raised, never held.

use kubeguard_audit::Alert;
use kubeguard_audit::event::format_time;
use kubeguard_audit::json_text::write_string;
use kubeguard_core::Diagnostic;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The output formats of `audit scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    /// One line per alert (`TIME: Priority output`), then a summary.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per alert per line.
    Jsonl,
}

/// Appends an alert as one compact JSON object:
/// `{"rule", "priority", "output", "time", "auditID", "tags", "source"}`,
/// strings escaped as `serde_json` escapes them.
fn alert_json(out: &mut Vec<u8>, alert: &Alert<'_>) {
    out.extend_from_slice(b"{\"rule\":");
    write_string(out, &alert.rule.name);
    out.extend_from_slice(b",\"priority\":");
    write_string(out, alert.rule.priority.as_str());
    out.extend_from_slice(b",\"output\":");
    write_string(out, &alert.output);
    out.extend_from_slice(b",\"time\":");
    write_string(out, &format_time(alert.time_ns));
    out.extend_from_slice(b",\"auditID\":");
    match &alert.audit_id {
        Some(id) => write_string(out, id),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"tags\":[");
    for (i, tag) in alert.rule.tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, tag);
    }
    out.extend_from_slice(b"],\"source\":");
    write_string(out, &alert.rule.source);
    out.push(b'}');
}

/// What a scan counted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditSummary {
    /// Events evaluated.
    pub events: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// Alerts per rule.
    pub by_rule: BTreeMap<String, u64>,
    /// Lines, documents and events that yielded nothing to evaluate.
    pub skipped: u64,
}

/// An error as written in JSON.
#[derive(Serialize)]
struct ErrorJson<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

/// Writes alerts as they come, then the summary and errors.
pub struct AuditWriter<W: Write> {
    out: W,
    format: AuditFormat,
    first: bool,
    /// One alert's JSON, written at once.
    line: Vec<u8>,
}

impl<W: Write> AuditWriter<W> {
    /// Starts the report.
    ///
    /// # Errors
    /// Writing to `out` failed.
    pub fn begin(mut out: W, format: AuditFormat) -> io::Result<Self> {
        if format == AuditFormat::Json {
            out.write_all(b"{\"alerts\":[")?;
        }
        Ok(AuditWriter {
            out,
            format,
            first: true,
            line: Vec::with_capacity(1024),
        })
    }

    /// Writes one alert.
    ///
    /// # Errors
    /// Writing to `out` failed.
    pub fn alert(&mut self, alert: &Alert<'_>) -> io::Result<()> {
        match self.format {
            AuditFormat::Text => writeln!(
                self.out,
                "{}: {} {}",
                format_time(alert.time_ns),
                alert.rule.priority,
                alert.output
            )?,
            AuditFormat::Json => {
                self.line.clear();
                if !self.first {
                    self.line.push(b',');
                }
                self.line.extend_from_slice(b"\n  ");
                alert_json(&mut self.line, alert);
                self.out.write_all(&self.line)?;
            }
            AuditFormat::Jsonl => {
                self.line.clear();
                alert_json(&mut self.line, alert);
                self.line.push(b'\n');
                self.out.write_all(&self.line)?;
            }
        }
        self.first = false;
        Ok(())
    }

    /// Flushes what was written (for a live stream).
    ///
    /// # Errors
    /// Writing to `out` failed.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the report: the summary and the errors (the JSON document holds
    /// both; text holds the summary; JSON lines hold neither, and the caller
    /// reports them elsewhere).
    ///
    /// # Errors
    /// Writing to `out` failed.
    pub fn finish(mut self, summary: &AuditSummary, errors: &[Diagnostic]) -> io::Result<W> {
        match self.format {
            AuditFormat::Json => {
                self.out
                    .write_all(if self.first { b"],\n" } else { b"\n],\n" })?;
                self.out.write_all(b"\"summary\":")?;
                serde_json::to_writer(&mut self.out, summary)?;
                self.out.write_all(b",\n\"errors\":[")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        self.out.write_all(b",")?;
                    }
                    self.out.write_all(b"\n  ")?;
                    let e = ErrorJson {
                        file: &e.file,
                        line: e.pos.line,
                        column: e.pos.col,
                        message: &e.message,
                    };
                    serde_json::to_writer(&mut self.out, &e)?;
                }
                self.out.write_all(if errors.is_empty() {
                    b"]}\n"
                } else {
                    b"\n]}\n"
                })?;
            }
            AuditFormat::Text => writeln!(self.out, "{}", summary_line(summary))?,
            AuditFormat::Jsonl => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The summary in one line: `3 events, 2 alerts (rule-a: 1, rule-b: 1), 1 skipped`.
#[must_use]
pub fn summary_line(s: &AuditSummary) -> String {
    let by_rule: Vec<String> = s.by_rule.iter().map(|(r, n)| format!("{r}: {n}")).collect();
    let detail = if by_rule.is_empty() {
        String::new()
    } else {
        format!(" ({})", by_rule.join(", "))
    };
    format!(
        "{} event{}, {} alert{}{detail}, {} skipped",
        s.events,
        if s.events == 1 { "" } else { "s" },
        s.alerts,
        if s.alerts == 1 { "" } else { "s" },
        s.skipped
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_audit::{Event, Priority, load_rules};
    use kubeguard_core::Pos;

    fn alerts_of(format: AuditFormat) -> String {
        let set = load_rules(&[(
            "r.yaml".into(),
            "- rule: r\n  desc: d\n  condition: ka.verb=get\n  output: got %ka.target.name\n  priority: WARNING\n  source: k8s_audit\n  tags: [k8s, T1609]\n".into(),
        )])
        .unwrap();
        let ev = Event {
            json: serde_json::json!({"verb": "get", "auditID": "a1", "objectRef": {"name": "x"}}),
            time_ns: 1_000_000_001,
        };
        let mut w = AuditWriter::begin(Vec::new(), format).unwrap();
        set.evaluate(ev.view(), Priority::Debug, &mut |a| w.alert(&a).unwrap());
        let summary = AuditSummary {
            events: 1,
            alerts: 1,
            by_rule: [("r".to_owned(), 1)].into(),
            skipped: 2,
        };
        let errors = [Diagnostic::new(
            "a.log",
            Pos { line: 3, col: 1 },
            "not JSON",
        )];
        String::from_utf8(w.finish(&summary, &errors).unwrap()).unwrap()
    }

    #[test]
    fn json_document_shape() {
        let text = alerts_of(AuditFormat::Json);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "alerts": [{"rule": "r", "priority": "Warning", "output": "got x",
                    "time": "1970-01-01T00:00:01.000000001Z", "auditID": "a1", "tags": ["k8s", "T1609"], "source": "k8s_audit"}],
                "summary": {"events": 1, "alerts": 1, "by_rule": {"r": 1}, "skipped": 2},
                "errors": [{"file": "a.log", "line": 3, "column": 1, "message": "not JSON"}]
            })
        );
    }

    #[test]
    fn text_and_lines() {
        assert_eq!(
            alerts_of(AuditFormat::Text),
            "1970-01-01T00:00:01.000000001Z: Warning got x\n1 event, 1 alert (r: 1), 2 skipped\n"
        );
        let line = alerts_of(AuditFormat::Jsonl);
        assert_eq!(line.lines().count(), 1);
        assert!(line.starts_with("{\"rule\":\"r\",\"priority\":\"Warning\""));
    }
}
