//! kubeguard's output formats. Every writer of findings takes the same
//! [`Report`] and a `Write`; the writers of the RBAC and NetworkPolicy
//! commands are in [`rbac`] and [`netpol`]. None of them prints on its own,
//! and all of them stream: nothing builds a whole document in memory first.

mod github;
mod json;
mod junit;
pub mod netpol;
pub mod rbac;
mod sarif;
mod text;

use kubeguard_core::{Finding, Pos, RuleMeta, Severity};
use serde::{Serialize, Serializer};
use std::io::{self, BufWriter, Write};

/// An input that could not be read, parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// The file.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
    /// What went wrong.
    pub message: String,
}

/// Something the user should know that is not a finding (an expired or
/// unused ignore, a document that is not a Kubernetes object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
    /// What to know.
    pub message: String,
}

/// Counts for the summary.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Files (and rendered sources) read.
    pub files: usize,
    /// Kubernetes objects checked.
    pub objects: usize,
    /// YAML documents that are not Kubernetes objects.
    pub skipped: usize,
    /// Findings removed by ignores.
    pub suppressed: usize,
}

/// Everything a scan produced.
#[derive(Debug)]
pub struct Report<'a> {
    /// Findings, sorted by file, line, column and rule.
    pub findings: &'a [Finding],
    /// Inputs that failed.
    pub errors: &'a [ErrorItem],
    /// Notes that are not findings.
    pub warnings: &'a [Warning],
    /// Counts.
    pub summary: Summary,
    /// The rules that ran (for SARIF rule descriptors).
    pub rules: &'a [&'static RuleMeta],
}

impl Report<'_> {
    /// Number of findings per severity, highest first, only non-zero.
    #[must_use]
    pub fn by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .into_iter()
            .rev()
            .map(|s| (s, self.findings.iter().filter(|f| f.severity == s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, grouped by file, with code snippets.
    Text,
    /// The JSON contract of DESIGN.md.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML, one test case per finding.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Where the rule docs are published; SARIF `helpUri` points here.
pub const DOCS_URL: &str = "https://github.com/kubeguard/kubeguard/blob/main/docs/rules";

/// The version written into reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Writes `report` in `format`, buffered. `color` applies to text only.
pub fn write(
    format: Format,
    report: &Report<'_>,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    buffered(out, |out| match format {
        Format::Text => text::write(report, out, color),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Github => github::write(report, out),
    })
}

/// Serialises a sequence lazily, item by item, so large reports stream to
/// the writer instead of being built in memory first.
pub(crate) struct Seq<I>(std::cell::RefCell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take().into_iter().flatten();
        s.collect_seq(items)
    }
}

pub(crate) fn seq<I: Iterator>(items: I) -> Seq<I> {
    Seq(std::cell::RefCell::new(Some(items)))
}

/// Serialises a value as a string through its `Display`, without building
/// the string first.
pub(crate) struct Shown<T>(pub(crate) T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Buffers `out` for the duration of `write`, then flushes: standard output
/// is line-buffered, and a system call per line dominates large reports.
pub(crate) fn buffered(
    out: &mut dyn Write,
    write: impl FnOnce(&mut BufWriter<&mut dyn Write>) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = BufWriter::with_capacity(1 << 16, out);
    write(&mut buf)?;
    buf.flush()
}

/// Writes `value` as pretty-printed JSON and a newline, buffered.
pub(crate) fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    buffered(out, |out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        writeln!(out)
    })
}
