//! `--format github`: workflow commands that GitHub Actions shows as
//! annotations on the pull request.

use crate::Report;
use kubeguard_core::Severity;
use std::io::{self, Write};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium | Severity::Low => "warning",
            Severity::Info => "notice",
        };
        writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            escape_property(&f.file),
            f.pos.line,
            f.pos.col,
            escape_property(&format!("{} ({}, {})", f.rule, f.code, f.severity)),
            escape_data(&format!(
                "{}: {}. Fix: {}",
                f.object, f.message, f.remediation
            )),
        )?;
    }
    for e in report.errors {
        writeln!(
            out,
            "::error file={},line={},col={},title=kubeguard could not read this file::{}",
            escape_property(&e.file),
            e.pos.line,
            e.pos.col,
            escape_data(&e.message)
        )?;
    }
    for w in report.warnings {
        writeln!(
            out,
            "::warning file={},line={},col={},title=kubeguard::{}",
            escape_property(&w.file),
            w.pos.line,
            w.pos.col,
            escape_data(&w.message)
        )?;
    }
    Ok(())
}
