//! `--format html`: one self-contained page (no script, style, font or
//! image loaded from anywhere; a Content-Security-Policy forbids it) with
//! summary charts by severity, rule and namespace, and a findings table
//! that sorts by any column and filters by text, severity, rule and
//! namespace. Each finding opens to its code snippet, field path, fix and
//! the rule's docs. Light and dark themes follow the system, with a switch.
//!
//! Filters can be given in the address's fragment, so a link can point at
//! a view: `report.html#severity=high&namespace=shop&q=legacy`.

use crate::Ending;
use kubeguard_core::{Finding, RuleMeta, Severity};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Findings kept until the end of the run.
pub(crate) struct HtmlWriter {
    docs: HashMap<&'static str, &'static RuleMeta>,
    findings: Vec<Finding>,
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Severity rank: 0 for critical, 4 for info.
fn rank(s: Severity) -> usize {
    4 - s as usize
}

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

impl HtmlWriter {
    pub(crate) fn new(rules: &[&'static RuleMeta]) -> Self {
        HtmlWriter {
            docs: rules.iter().map(|r| (r.code, *r)).collect(),
            findings: Vec::new(),
        }
    }

    pub(crate) fn findings(&mut self, batch: &[Finding]) {
        self.findings.extend_from_slice(batch);
    }

    pub(crate) fn finish(mut self, e: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
        self.findings.sort_by_key(|f| rank(f.severity));
        let mut html = String::new();
        let _ = self.page(e, &mut html);
        out.write_all(html.as_bytes())
    }

    fn page(&self, e: &Ending<'_>, h: &mut String) -> std::fmt::Result {
        let n = self.findings.len();
        write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>kubeguard report: {n} findings</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        )?;
        writeln!(
            h,
            "<header><h1>kubeguard report</h1><p class=\"sub\">{} in {} objects of {} files · kubeguard {}</p>\
             <button id=\"theme\" type=\"button\" title=\"Switch between light and dark\">◐ theme</button></header>",
            plural(n, "finding", "findings"),
            e.summary.objects,
            e.summary.files,
            esc(crate::VERSION)
        )?;
        self.charts(h)?;
        self.notes(e, h)?;
        self.table(h)?;
        write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n")
    }

    fn charts(&self, h: &mut String) -> std::fmt::Result {
        h.push_str("<section class=\"charts\">\n");
        let severities: Vec<(String, usize, Option<Severity>)> = Severity::ALL
            .into_iter()
            .rev()
            .map(|s| {
                let n = self.findings.iter().filter(|f| f.severity == s).count();
                (s.as_str().to_owned(), n, Some(s))
            })
            .collect();
        chart(h, "By severity", &severities)?;
        let rules = top(self
            .findings
            .iter()
            .map(|f| (f.rule.to_owned(), f.severity)));
        chart(h, "Top rules", &rules)?;
        let namespaces = top(self.findings.iter().map(|f| {
            (
                f.object
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "(cluster-scoped)".to_owned()),
                f.severity,
            )
        }));
        chart(h, "Top namespaces", &namespaces)?;
        h.push_str("</section>\n");
        Ok(())
    }

    fn notes(&self, e: &Ending<'_>, h: &mut String) -> std::fmt::Result {
        if e.errors.is_empty() && e.warnings.is_empty() {
            return Ok(());
        }
        h.push_str("<section class=\"notes\">\n");
        for (class, list) in [("error", e.errors), ("warning", e.warnings)] {
            for d in list {
                writeln!(
                    h,
                    "<p class=\"{class}\"><b>{class}:</b> <code>{}:{}:{}</code> {}</p>",
                    esc(&d.file),
                    d.pos.line,
                    d.pos.col,
                    esc(&d.message)
                )?;
            }
        }
        h.push_str("</section>\n");
        Ok(())
    }

    fn table(&self, h: &mut String) -> std::fmt::Result {
        let mut rules: Vec<&str> = self.findings.iter().map(|f| f.rule).collect();
        rules.sort_unstable();
        rules.dedup();
        let mut namespaces: Vec<&str> = self
            .findings
            .iter()
            .map(|f| f.object.namespace.as_deref().unwrap_or(""))
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        h.push_str(
            "<section class=\"findings\">\n<form id=\"filters\" onsubmit=\"return false\">\n\
             <label for=\"q\">Filter</label> <input id=\"q\" type=\"search\" title=\"Words to find in the rule, object, file or message\">\n\
             <select id=\"severity\" aria-label=\"Minimum severity\"><option value=\"\">any severity</option>",
        );
        for s in Severity::ALL.into_iter().rev() {
            write!(
                h,
                "<option value=\"{0}\">{0} and above</option>",
                s.as_str()
            )?;
        }
        h.push_str("</select>\n<select id=\"rule\" aria-label=\"Rule\"><option value=\"\">any rule</option>");
        for r in &rules {
            write!(h, "<option>{}</option>", esc(r))?;
        }
        h.push_str("</select>\n<select id=\"namespace\" aria-label=\"Namespace\"><option value=\"\">any namespace</option>");
        for ns in &namespaces {
            let label = if ns.is_empty() {
                "(cluster-scoped)"
            } else {
                ns
            };
            write!(h, "<option value=\"{}\">{}</option>", esc(ns), esc(label))?;
        }
        write!(
            h,
            "</select>\n<span id=\"shown\">{0} of {0} findings</span>\n</form>\n",
            self.findings.len()
        )?;
        h.push_str(
            "<table id=\"table\">\n<thead><tr>\
             <th data-sort=\"severity\" aria-sort=\"ascending\">Severity</th>\
             <th data-sort=\"rule\">Rule</th><th data-sort=\"object\">Object</th>\
             <th data-sort=\"namespace\">Namespace</th><th data-sort=\"file\">Location</th>\
             <th data-sort=\"message\">Finding</th></tr></thead>\n<tbody>\n",
        );
        for (i, f) in self.findings.iter().enumerate() {
            self.row(i, f, h)?;
        }
        h.push_str("</tbody>\n</table>\n");
        if self.findings.is_empty() {
            h.push_str("<p class=\"empty\">No findings.</p>\n");
        }
        h.push_str("</section>\n");
        Ok(())
    }

    fn row(&self, i: usize, f: &Finding, h: &mut String) -> std::fmt::Result {
        let ns = f.object.namespace.as_deref().unwrap_or("");
        let object = format!(
            "{} {}",
            f.object.kind,
            f.object.name.as_deref().unwrap_or("<unnamed>")
        );
        let sev = f.severity.as_str();
        write!(
            h,
            "<tr class=\"finding\" data-i=\"{i}\" data-rank=\"{}\" data-severity=\"{sev}\" data-rule=\"{}\" \
             data-namespace=\"{}\" data-file=\"{}\" data-line=\"{}\" data-column=\"{}\">\
             <td><span class=\"sev {sev}\">{sev}</span></td><td><code>{}</code> <small>{}</small></td>\
             <td>{}</td><td>{}</td><td><code>{}:{}:{}</code></td><td><details><summary>{}</summary>",
            rank(f.severity),
            esc(f.rule),
            esc(ns),
            esc(&f.file),
            f.pos.line,
            f.pos.col,
            esc(f.rule),
            esc(f.code),
            esc(&object),
            if ns.is_empty() {
                "<i>cluster</i>".to_owned()
            } else {
                esc(ns)
            },
            esc(&f.file),
            f.pos.line,
            f.pos.col,
            esc(&f.message)
        )?;
        if let Some(snippet) = &f.snippet {
            write!(h, "<pre class=\"snippet\">")?;
            for (i, (number, line)) in snippet.numbered(f.pos.line).enumerate() {
                let newline = if i == 0 { "" } else { "\n" };
                let class = if number == f.pos.line { "ln hit" } else { "ln" };
                write!(
                    h,
                    "{newline}<span class=\"{class}\">{number}</span> {}",
                    esc(line)
                )?;
            }
            write!(h, "</pre>")?;
        }
        if !f.path.is_empty() {
            write!(h, "<p><b>Path</b> <code>{}</code></p>", esc(&f.path))?;
        }
        write!(h, "<p><b>Fix</b> {}</p>", esc(f.remediation))?;
        if !f.references.is_empty() {
            write!(
                h,
                "<p><b>References</b> {}</p>",
                esc(&f.references.join(", "))
            )?;
        }
        if let Some(meta) = self.docs.get(f.code) {
            write!(
                h,
                "<details class=\"docs\"><summary>Rule docs: {}</summary><pre>{}</pre></details>",
                esc(meta.name),
                esc(&meta.docs_markdown())
            )?;
        }
        h.push_str("</details></td></tr>\n");
        Ok(())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The ten largest counts of `items` by key, with each key's worst severity.
fn top(items: impl Iterator<Item = (String, Severity)>) -> Vec<(String, usize, Option<Severity>)> {
    let mut counts: HashMap<String, (usize, Severity)> = HashMap::new();
    for (k, s) in items {
        let e = counts.entry(k).or_insert((0, s));
        e.0 += 1;
        e.1 = e.1.max(s);
    }
    let mut v: Vec<_> = counts
        .into_iter()
        .map(|(k, (n, s))| (k, n, Some(s)))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(10);
    v
}

/// A horizontal bar chart as inline SVG.
fn chart(
    h: &mut String,
    title: &str,
    bars: &[(String, usize, Option<Severity>)],
) -> std::fmt::Result {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row = 22;
    let height = row * bars.len().max(1) + 4;
    write!(
        h,
        "<figure class=\"chart\"><figcaption>{}</figcaption>\
         <svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 360 {height}\" width=\"100%\">",
        esc(title),
        esc(title)
    )?;
    for (i, (label, n, sev)) in bars.iter().enumerate() {
        let y = i * row + 2;
        let w = (*n as f64 / max as f64 * 150.0)
            .round()
            .max(if *n > 0 { 2.0 } else { 0.0 });
        let class = sev.map_or("bar", |s| s.as_str());
        let short: String = label.chars().take(30).collect();
        write!(
            h,
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text>\
             <rect x=\"180\" y=\"{y}\" width=\"{w}\" height=\"16\" rx=\"3\" class=\"fill {class}\"><title>{}: {n}</title></rect>\
             <text x=\"{}\" y=\"{}\" class=\"count\">{n}</text>",
            y + 13,
            esc(&short),
            esc(label),
            185.0 + w,
            y + 13
        )?;
    }
    h.push_str("</svg></figure>\n");
    Ok(())
}
