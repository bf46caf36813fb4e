//! `--format text`: a summary that leads, then the findings most severe
//! first, each with a code snippet and the fix (or one a line with
//! `--compact`, or grouped with `--group-by`), then the closing summary.

use crate::{Ending, Tally, TextStyle, triage};
use anstyle::{AnsiColor, Effects, Style};
use kubeguard_core::{Finding, Severity};
use std::borrow::Cow;
use std::io::{self, Write};

pub(crate) struct Palette {
    color: bool,
}

impl Palette {
    pub(crate) fn paint<'t>(&self, style: Style, text: &'t str) -> Cow<'t, str> {
        if self.color {
            Cow::Owned(format!("{}{text}{}", style.render(), style.render_reset()))
        } else {
            Cow::Borrowed(text)
        }
    }

    pub(crate) fn severity(&self, s: Severity) -> Cow<'static, str> {
        let style = match s {
            Severity::Critical => Style::new()
                .fg_color(Some(AnsiColor::Red.into()))
                .effects(Effects::BOLD),
            Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())),
            Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            Severity::Info => Style::new().fg_color(Some(AnsiColor::Blue.into())),
        };
        self.paint(style, s.as_str())
    }

    pub(crate) fn dim<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.paint(Style::new().effects(Effects::DIMMED), text)
    }

    pub(crate) fn bold<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.paint(Style::new().effects(Effects::BOLD), text)
    }
}

/// The length of the token at the start of `rest`: a key up to its colon,
/// or a word up to white space.
fn token_len(rest: &str) -> usize {
    let key_end = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(str::len));
    key_end
        .unwrap_or_else(|| rest.find(char::is_whitespace).unwrap_or(rest.len()))
        .clamp(1, 60)
}

/// The one line that heads a finding (all of it with `--compact`).
pub(crate) fn write_headline(f: &Finding, out: &mut Vec<u8>, p: &Palette) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}:{}: {} {} {}: {}",
        p.bold(&f.file),
        f.pos.line,
        f.pos.col,
        p.severity(f.severity),
        p.bold(&format!("[{}]", f.rule)),
        f.object,
        f.message
    )
}

fn write_finding(f: &Finding, out: &mut Vec<u8>, p: &Palette) -> io::Result<()> {
    write_headline(f, out, p)?;
    let widest = f
        .snippet
        .as_ref()
        .and_then(|s| s.numbered(f.pos.line).last())
        .map_or(f.pos.line, |(last, _)| last.max(f.pos.line));
    let width = widest.to_string().len();
    let pad = &SPACES[..width.min(SPACES.len())];
    if let Some(snippet) = &f.snippet {
        writeln!(out, "{pad} {}", p.dim("|"))?;
        for (number, line) in snippet.numbered(f.pos.line) {
            let line: Cow<'_, str> = if line.contains('\t') {
                Cow::Owned(line.replace('\t', " "))
            } else {
                Cow::Borrowed(line)
            };
            writeln!(
                out,
                "{} {} {line}",
                p.dim(&format!("{number:>width$}")),
                p.dim("|")
            )?;
            if number == f.pos.line {
                let col = f.pos.col as usize;
                let rest = line
                    .char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or("", |(i, _)| &line[i..]);
                write!(out, "{pad} {} ", p.dim("|"))?;
                out.resize(out.len() + col.saturating_sub(1), b' ');
                writeln!(out, "{}", p.severity_marker(f.severity, token_len(rest)))?;
            }
        }
    }
    if !f.path.is_empty() {
        writeln!(out, "{pad} {} path: {}", p.dim("="), f.path)?;
    }
    writeln!(out, "{pad} {} fix: {}", p.dim("="), f.remediation)?;
    writeln!(out)
}

/// Room for a line number's width of padding.
const SPACES: &str = "                    ";

/// Enough carets to mark the longest token ([`token_len`] caps it at 60).
const CARETS: &str = "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^";

impl Palette {
    fn severity_marker(&self, s: Severity, len: usize) -> Cow<'static, str> {
        let marks = &CARETS[..len.min(CARETS.len())];
        match s {
            Severity::Critical | Severity::High => {
                self.paint(Style::new().fg_color(Some(AnsiColor::Red.into())), marks)
            }
            _ => self.paint(Style::new().fg_color(Some(AnsiColor::Yellow.into())), marks),
        }
    }
}

/// Text output: the findings kept until the end, then a leading summary,
/// the findings most severe first (or grouped, or one a line), warnings,
/// errors and the closing summary line.
pub(crate) struct TextWriter {
    palette: Palette,
    style: TextStyle,
    findings: Vec<Finding>,
}

impl TextWriter {
    pub(crate) fn new(style: TextStyle) -> Self {
        TextWriter {
            palette: Palette { color: style.color },
            style,
            findings: Vec::new(),
        }
    }

    pub(crate) fn findings(&mut self, batch: &[Finding]) {
        self.findings.extend_from_slice(batch);
    }

    pub(crate) fn finish(
        mut self,
        e: &Ending<'_>,
        tally: &Tally,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        // Stable: within a severity, findings keep file and line order.
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        crate::buffered(out, |out| {
            let p = &self.palette;
            let mut buf = Vec::new();
            if !self.findings.is_empty() {
                triage::write_overview(&self.findings, p, &mut buf)?;
                match (self.style.group_by, self.style.compact) {
                    (Some(by), _) => triage::write_groups(&self.findings, by, p, &mut buf)?,
                    (None, true) => {
                        for f in &self.findings {
                            write_headline(f, &mut buf, p)?;
                        }
                        writeln!(buf)?;
                    }
                    (None, false) => self.by_severity(&mut buf)?,
                }
            }
            out.write_all(&buf)?;
            write_ending(e, tally, p, out)
        })
    }

    /// Sections by severity, each with file headings and full findings.
    fn by_severity(&self, out: &mut Vec<u8>) -> io::Result<()> {
        let p = &self.palette;
        let all = &self.findings;
        let mut i = 0;
        while i < all.len() {
            let severity = all[i].severity;
            let n = all[i..]
                .iter()
                .take_while(|f| f.severity == severity)
                .count();
            let section = &all[i..i + n];
            writeln!(
                out,
                "{} {}",
                p.severity(severity),
                p.dim(&format!("══ {}", plural(n, "finding", "findings")))
            )?;
            writeln!(out)?;
            for (j, f) in section.iter().enumerate() {
                if j == 0 || section[j - 1].file != f.file {
                    let count = section[j..].iter().take_while(|g| g.file == f.file).count();
                    writeln!(
                        out,
                        "{} {}",
                        p.bold(&format!("── {}", f.file)),
                        p.dim(&format!("({})", plural(count, "finding", "findings")))
                    )?;
                    writeln!(out)?;
                }
                write_finding(f, out, p)?;
            }
            i += n;
        }
        Ok(())
    }
}

/// Warnings, errors and the closing summary line.
fn write_ending(e: &Ending<'_>, tally: &Tally, p: &Palette, out: &mut dyn Write) -> io::Result<()> {
    for w in e.warnings {
        let label = p.paint(
            Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            "warning:",
        );
        writeln!(
            out,
            "{}:{}:{}: {label} {}",
            p.bold(&w.file),
            w.pos.line,
            w.pos.col,
            w.message
        )?;
    }
    for d in e.errors {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            p.bold(&d.file),
            d.pos.line,
            d.pos.col,
            p.paint(
                Style::new()
                    .fg_color(Some(AnsiColor::Red.into()))
                    .effects(Effects::BOLD),
                "error:"
            ),
            d.message
        )?;
    }
    writeln!(out, "{}", summary_line(e, tally, p))
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_line(e: &Ending<'_>, tally: &Tally, p: &Palette) -> String {
    let s = &e.summary;
    let counts: Vec<String> = tally
        .by_severity()
        .into_iter()
        .map(|(sev, n)| format!("{n} {}", p.severity(sev)))
        .collect();
    let headline = if tally.findings() == 0 {
        "No findings".to_owned()
    } else {
        format!(
            "{} ({})",
            plural(tally.findings(), "finding", "findings"),
            counts.join(", ")
        )
    };
    let mut extras = vec![format!(
        "{} in {} checked",
        plural(s.objects, "object", "objects"),
        plural(s.files, "file", "files")
    )];
    if tally.files_with_findings() > 0 {
        extras.push(format!("{} with findings", tally.files_with_findings()));
    }
    if s.suppressed > 0 {
        extras.push(format!("{} suppressed", s.suppressed));
    }
    if let Some(n) = s.triage.filtered {
        extras.push(format!("{n} hidden by --severity/--namespace"));
    }
    if let Some(n) = s.triage.baselined {
        extras.push(format!("{n} in the baseline"));
    }
    if let Some(n) = s.triage.fixed {
        extras.push(format!("{n} fixed since the baseline"));
    }
    if s.skipped > 0 {
        extras.push(format!(
            "{} skipped (--verbose lists them)",
            plural(
                s.skipped,
                "non-Kubernetes document",
                "non-Kubernetes documents"
            )
        ));
    }
    if !e.errors.is_empty() {
        extras.push(plural(e.errors.len(), "error", "errors"));
    }
    format!("{}: {}.", p.bold(&headline), extras.join(", "))
}
