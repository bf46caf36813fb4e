//! `--format text`: findings with a code snippet and the fix, then a summary.

use crate::{Ending, Tally};
use anstyle::{AnsiColor, Effects, Style};
use kubeguard_core::{Finding, Severity};
use std::borrow::Cow;
use std::io::{self, Write};

struct Palette {
    color: bool,
}

impl Palette {
    fn paint<'t>(&self, style: Style, text: &'t str) -> Cow<'t, str> {
        if self.color {
            Cow::Owned(format!("{}{text}{}", style.render(), style.render_reset()))
        } else {
            Cow::Borrowed(text)
        }
    }

    fn severity(&self, s: Severity) -> Cow<'static, str> {
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

    fn dim<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.paint(Style::new().effects(Effects::DIMMED), text)
    }

    fn bold<'t>(&self, text: &'t str) -> Cow<'t, str> {
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

fn write_finding(f: &Finding, out: &mut Vec<u8>, p: &Palette) -> io::Result<()> {
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
    )?;
    let line_number = f.pos.line.to_string();
    let pad = &SPACES[..line_number.len().min(SPACES.len())];
    if let Some(line) = &f.snippet {
        let line: Cow<'_, str> = if line.contains('\t') {
            Cow::Owned(line.replace('\t', " "))
        } else {
            Cow::Borrowed(line)
        };
        let col = f.pos.col as usize;
        let rest = line
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or("", |(i, _)| &line[i..]);
        writeln!(out, "{pad} {}", p.dim("|"))?;
        writeln!(out, "{} {} {line}", p.dim(&line_number), p.dim("|"))?;
        write!(out, "{pad} {} ", p.dim("|"))?;
        out.resize(out.len() + col.saturating_sub(1), b' ');
        writeln!(out, "{}", p.severity_marker(f.severity, token_len(rest)))?;
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

/// Text output: findings as they come, then warnings, errors and the summary.
pub(crate) struct TextWriter {
    palette: Palette,
    /// A batch's text, written out together.
    buf: Vec<u8>,
}

impl TextWriter {
    pub(crate) fn new(color: bool) -> Self {
        TextWriter {
            palette: Palette { color },
            buf: Vec::new(),
        }
    }

    pub(crate) fn findings(&mut self, batch: &[Finding], out: &mut dyn Write) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.batch(batch, &mut buf)?;
        out.write_all(&buf)?;
        crate::indent::release(&mut buf);
        self.buf = buf;
        Ok(())
    }

    fn batch(&self, batch: &[Finding], out: &mut Vec<u8>) -> io::Result<()> {
        let p = &self.palette;
        for (i, f) in batch.iter().enumerate() {
            if i == 0 || batch[i - 1].file != f.file {
                let count = batch[i..].iter().take_while(|g| g.file == f.file).count();
                let noun = if count == 1 { "finding" } else { "findings" };
                writeln!(
                    out,
                    "{} {}",
                    p.bold(&format!("── {}", f.file)),
                    p.dim(&format!("({count} {noun})"))
                )?;
                writeln!(out)?;
            }
            write_finding(f, out, p)?;
        }
        Ok(())
    }

    pub(crate) fn finish(
        self,
        e: &Ending<'_>,
        tally: &Tally,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let p = &self.palette;
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
}

fn plural(n: usize, one: &str, many: &str) -> String {
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
