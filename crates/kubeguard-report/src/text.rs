//! `--format text`: findings with a code snippet and the fix, then a summary.

use crate::Report;
use anstyle::{AnsiColor, Effects, Style};
use kubeguard_core::{Finding, Severity};
use std::io::{self, Write};

struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, s: Severity) -> String {
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

    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().effects(Effects::DIMMED), text)
    }

    fn bold(&self, text: &str) -> String {
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

fn write_finding(f: &Finding, out: &mut dyn Write, p: &Palette) -> io::Result<()> {
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
    let gutter = f.pos.line.to_string().len();
    let pad = " ".repeat(gutter);
    if let Some(line) = &f.snippet {
        let line = line.replace('\t', " ");
        let col = f.pos.col as usize;
        let rest: String = line.chars().skip(col.saturating_sub(1)).collect();
        writeln!(out, "{pad} {}", p.dim("|"))?;
        writeln!(
            out,
            "{} {} {line}",
            p.dim(&f.pos.line.to_string()),
            p.dim("|")
        )?;
        writeln!(
            out,
            "{pad} {} {}{}",
            p.dim("|"),
            " ".repeat(col.saturating_sub(1)),
            p.severity_marker(f.severity, token_len(&rest))
        )?;
    }
    if !f.path.is_empty() {
        writeln!(out, "{pad} {} path: {}", p.dim("="), f.path)?;
    }
    writeln!(out, "{pad} {} fix: {}", p.dim("="), f.remediation)?;
    writeln!(out)
}

impl Palette {
    fn severity_marker(&self, s: Severity, len: usize) -> String {
        let marks = "^".repeat(len);
        match s {
            Severity::Critical | Severity::High => {
                self.paint(Style::new().fg_color(Some(AnsiColor::Red.into())), &marks)
            }
            _ => self.paint(
                Style::new().fg_color(Some(AnsiColor::Yellow.into())),
                &marks,
            ),
        }
    }
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Palette { color };
    for (i, f) in report.findings.iter().enumerate() {
        if i == 0 || report.findings[i - 1].file != f.file {
            let count = report.findings[i..]
                .iter()
                .take_while(|g| g.file == f.file)
                .count();
            let noun = if count == 1 { "finding" } else { "findings" };
            writeln!(
                out,
                "{} {}",
                p.bold(&format!("── {}", f.file)),
                p.dim(&format!("({count} {noun})"))
            )?;
            writeln!(out)?;
        }
        write_finding(f, out, &p)?;
    }
    for w in report.warnings {
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
    for e in report.errors {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            p.bold(&e.file),
            e.pos.line,
            e.pos.col,
            p.paint(
                Style::new()
                    .fg_color(Some(AnsiColor::Red.into()))
                    .effects(Effects::BOLD),
                "error:"
            ),
            e.message
        )?;
    }
    let s = &report.summary;
    let counts: Vec<String> = report
        .by_severity()
        .into_iter()
        .map(|(sev, n)| format!("{n} {}", p.severity(sev)))
        .collect();
    let files_with_findings = {
        let mut files: Vec<&str> = report.findings.iter().map(|f| &*f.file).collect();
        files.dedup();
        files.len()
    };
    let headline = if report.findings.is_empty() {
        "No findings".to_owned()
    } else {
        format!(
            "{} finding{} ({})",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" },
            counts.join(", ")
        )
    };
    let mut extras = vec![format!(
        "{} object{} in {} file{} checked",
        s.objects,
        if s.objects == 1 { "" } else { "s" },
        s.files,
        if s.files == 1 { "" } else { "s" }
    )];
    if files_with_findings > 0 {
        extras.push(format!("{files_with_findings} with findings"));
    }
    if s.suppressed > 0 {
        extras.push(format!("{} suppressed", s.suppressed));
    }
    if s.skipped > 0 {
        extras.push(format!(
            "{} non-Kubernetes document{} skipped (--verbose lists them)",
            s.skipped,
            if s.skipped == 1 { "" } else { "s" }
        ));
    }
    if !report.errors.is_empty() {
        extras.push(format!(
            "{} error{}",
            report.errors.len(),
            if report.errors.len() == 1 { "" } else { "s" }
        ));
    }
    writeln!(out, "{}: {}.", p.bold(&headline), extras.join(", "))
}
