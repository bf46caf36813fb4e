//! `--format github`: workflow commands that GitHub Actions shows as
//! annotations on the pull request.

use crate::Ending;
use kubeguard_core::{Finding, Severity};
use std::io::{self, Write};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn findings(batch: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for f in batch {
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
    Ok(())
}

pub(crate) fn finish(ending: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
    for e in ending.errors {
        writeln!(
            out,
            "::error file={},line={},col={},title=kubeguard could not read this file::{}",
            escape_property(&e.file),
            e.pos.line,
            e.pos.col,
            escape_data(&e.message)
        )?;
    }
    for w in ending.warnings {
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
