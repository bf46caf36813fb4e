//! kubeguard's output formats. Every command that reports problems writes
//! through one [`ReportWriter`]: the header as soon as the rules are known,
//! findings in batches as the engines produce them (streamed where the
//! format allows: JSON, SARIF, GitHub; JUnit keeps compact test cases, text
//! keeps the findings to lead with a summary and the most severe, and
//! PolicyReport keeps them to group them by namespace), then
//! engine-specific data, errors, warnings and the summary. Commands with output of their own have a module here: [`rbac`]
//! and [`netpol`] (the queries), [`pss`] (Pod Security verdicts, namespaces
//! and plans) and [`rules`] (the rule list and docs). None of the writers
//! prints on its own, and none builds a whole document in memory first.

pub mod audit;
pub mod cis;
mod github;
mod html;
mod indent;
mod json;
mod junit;
mod kubesec;
pub mod netpol;
pub mod policyreport;
pub mod pss;
pub mod rbac;
pub mod rules;
mod sarif;
mod text;
mod triage;
mod yaml;

use kubeguard_core::{Diagnostic, Finding, RuleMeta, Severity};
use serde::{Serialize, Serializer};
use std::collections::HashSet;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
pub use triage::GroupBy;

/// Counts for the summary, known when the run ends.
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
    /// What `--severity`, `--namespace` and `--baseline` held back.
    pub triage: Triage,
}

/// Findings held back by the triage flags; `None` when the flag was not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Triage {
    /// Findings hidden by `--severity` and `--namespace`.
    pub filtered: Option<usize>,
    /// Findings not reported because `--baseline` records them.
    pub baselined: Option<usize>,
    /// Occurrences in `--baseline` that no finding matched: fixed since.
    pub fixed: Option<usize>,
}

/// Engine-specific data written beside `findings` in JSON output (RBAC
/// chains, Pod Security verdicts, coverage). Any `Serialize` value is one;
/// it is serialised straight to the output, never built as one big value.
pub trait JsonExtra {
    /// Writes the value as pretty JSON whose lines after the first are
    /// indented by `width` spaces.
    fn write_json(&self, out: &mut dyn Write, width: usize) -> io::Result<()>;
}

impl<T: serde::Serialize> JsonExtra for T {
    fn write_json(&self, out: &mut dyn Write, width: usize) -> io::Result<()> {
        buffered(out, |out| indent::pretty_to(out, width, self))
    }
}

/// What closes a report: everything known only at the end of the run.
pub struct Ending<'a> {
    /// Inputs that could not be read, parsed or analysed.
    pub errors: &'a [Diagnostic],
    /// Notes that are not findings (expired or unused ignores, ...).
    pub warnings: &'a [Diagnostic],
    /// Counts.
    pub summary: Summary,
    /// Engine-specific JSON data, as `(key, value)`, after `findings`.
    pub extras: &'a [(&'static str, &'a dyn JsonExtra)],
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable: a summary first, then findings most severe first
    /// with code snippets (or grouped, or one a line).
    Text,
    /// The JSON contract of DESIGN.md.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML, one test case per finding.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// `wgpolicyk8s.io/v1alpha2` PolicyReport and ClusterPolicyReport objects (YAML).
    PolicyReport,
    /// kubesec-compatible JSON: a score per object.
    Kubesec,
    /// One self-contained HTML page: charts and a sortable, filterable table.
    Html,
}

/// How the text format shows findings; other formats use only `color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStyle {
    /// ANSI colours.
    pub color: bool,
    /// `--group-by`: gather findings by rule, object or file.
    pub group_by: Option<GroupBy>,
    /// `--compact`: one line per finding.
    pub compact: bool,
}

impl From<bool> for TextStyle {
    fn from(color: bool) -> Self {
        TextStyle {
            color,
            ..TextStyle::default()
        }
    }
}

/// Where the rule docs are published; SARIF `helpUri` points here.
pub const DOCS_URL: &str = "https://github.com/kubeguard/kubeguard/blob/main/docs/rules";

/// The version written into reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Tallies of what was written, for the summary.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Findings per severity, indexed by `Severity as usize`.
    by_severity: [usize; 5],
    /// Files that have at least one finding, when the format reports
    /// their number: as 64-bit hashes of their names, 8 bytes a file
    /// however long the name (a collision, which would undercount by one,
    /// takes billions of files to become likely).
    files: Option<HashSet<u64>>,
    /// The file of the last finding: a file's findings come together.
    last: Option<Arc<str>>,
}

impl Tally {
    fn new(count_files: bool) -> Self {
        Tally {
            files: count_files.then(HashSet::new),
            ..Tally::default()
        }
    }

    fn add(&mut self, f: &Finding) {
        self.by_severity[f.severity as usize] += 1;
        let Some(files) = &mut self.files else {
            return;
        };
        if self.last.as_deref() != Some(&*f.file) {
            files.insert(name_hash(&f.file));
            self.last = Some(Arc::clone(&f.file));
        }
    }

    /// Number of findings written.
    pub(crate) fn findings(&self) -> usize {
        self.by_severity.iter().sum()
    }

    /// Number of files with findings (0 when not counted).
    pub(crate) fn files_with_findings(&self) -> usize {
        self.files.as_ref().map_or(0, HashSet::len)
    }

    /// Findings per severity, highest first, only non-zero.
    pub(crate) fn by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .into_iter()
            .rev()
            .map(|s| (s, self.by_severity[s as usize]))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// A file name's hash; `DefaultHasher::new` hashes the same in every run.
fn name_hash(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

enum State {
    Text(text::TextWriter),
    Json(json::JsonWriter),
    Sarif(sarif::SarifWriter),
    Junit(junit::JunitWriter),
    Github,
    PolicyReport(policyreport::PolicyReportWriter),
    Kubesec(kubesec::KubesecWriter),
    Html(html::HtmlWriter),
}

/// Writes one report in one format, findings streamed in batches.
pub struct ReportWriter<'w> {
    out: &'w mut dyn Write,
    state: State,
    tally: Tally,
}

impl<'w> ReportWriter<'w> {
    /// Starts a report: `rules` are the rules that ran (SARIF describes
    /// them up front); `style` (or just whether to colour) applies to text
    /// only.
    pub fn begin(
        format: Format,
        rules: &[&'static RuleMeta],
        style: impl Into<TextStyle>,
        out: &'w mut dyn Write,
    ) -> io::Result<Self> {
        let state = match format {
            Format::Text => State::Text(text::TextWriter::new(style.into())),
            Format::Json => State::Json(json::JsonWriter::begin(out)?),
            Format::Sarif => State::Sarif(sarif::SarifWriter::begin(rules, out)?),
            Format::Junit => State::Junit(junit::JunitWriter::default()),
            Format::Github => State::Github,
            Format::PolicyReport => {
                State::PolicyReport(policyreport::PolicyReportWriter::new(rules))
            }
            Format::Kubesec => State::Kubesec(kubesec::KubesecWriter::new(rules)),
            Format::Html => State::Html(html::HtmlWriter::new(rules)),
        };
        Ok(ReportWriter {
            out,
            state,
            // Only text reports how many files have findings.
            tally: Tally::new(format == Format::Text),
        })
    }

    /// Writes a batch of findings, in the order given (callers sort each
    /// batch; text output heads each run of one file's findings).
    pub fn findings(&mut self, batch: &[Finding]) -> io::Result<()> {
        for f in batch {
            self.tally.add(f);
        }
        match &mut self.state {
            State::Text(w) => {
                w.findings(batch);
                Ok(())
            }
            State::Json(w) => w.findings(batch, self.out),
            State::Sarif(w) => w.findings(batch, self.out),
            State::Junit(w) => {
                w.findings(batch);
                Ok(())
            }
            State::Github => github::findings(batch, self.out),
            State::PolicyReport(w) => {
                w.findings(batch);
                Ok(())
            }
            State::Kubesec(w) => {
                w.findings(batch);
                Ok(())
            }
            State::Html(w) => {
                w.findings(batch);
                Ok(())
            }
        }
    }

    /// Whether the format lists objects without findings too (kubesec
    /// scores every object); then callers pass every object checked to
    /// [`ReportWriter::objects`].
    #[must_use]
    pub fn wants_objects(&self) -> bool {
        matches!(self.state, State::Kubesec(_))
    }

    /// Notes objects that were checked, with the file each was read from,
    /// before their findings.
    pub fn objects(&mut self, objects: &[(Arc<str>, Arc<kubeguard_core::ObjectRef>)]) {
        if let State::Kubesec(w) = &mut self.state {
            for (file, object) in objects {
                w.object(file, object);
            }
        }
    }

    /// Writes what closes the report and flushes.
    pub fn finish(self, ending: &Ending<'_>) -> io::Result<()> {
        let out = self.out;
        match self.state {
            State::Text(w) => w.finish(ending, &self.tally, out)?,
            State::Json(w) => w.finish(ending, &self.tally, out)?,
            State::Sarif(w) => w.finish(ending, out)?,
            State::Junit(w) => w.finish(ending, out)?,
            State::Github => github::finish(ending, out)?,
            State::PolicyReport(w) => w.finish(ending, out)?,
            State::Kubesec(w) => w.finish(ending, out)?,
            State::Html(w) => w.finish(ending, out)?,
        }
        out.flush()
    }
}

/// Writes a whole report at once: `findings` in the order given.
pub fn write(
    format: Format,
    rules: &[&'static RuleMeta],
    findings: &[Finding],
    ending: &Ending<'_>,
    style: impl Into<TextStyle>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut w = ReportWriter::begin(format, rules, style, out)?;
    w.findings(findings)?;
    w.finish(ending)
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

/// Serialises a sequence lazily, item by item, so large outputs stream to
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
