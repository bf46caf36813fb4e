//! The parts of the text report that help decide what to fix first: the
//! overview that leads it (counts by severity and rule, the files and
//! namespaces with the most findings) and `--group-by` views.

use crate::text::{Palette, plural, write_headline};
use kubeguard_core::{Finding, Severity};
use std::collections::HashMap;
use std::io::{self, Write};

/// How `--group-by` gathers findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One group per rule, listing the objects it was found in.
    Rule,
    /// One group per object, with every finding about it.
    Object,
    /// One group per file.
    File,
}

/// How many rules, files and namespaces the overview lists.
const TOP: usize = 5;

/// Counts of `key` over `findings`, most first (ties by key), with the
/// highest severity of each.
fn count_by<'f, K: Ord + std::hash::Hash + Clone>(
    findings: &'f [Finding],
    key: impl Fn(&'f Finding) -> K,
) -> Vec<(K, usize, Severity)> {
    let mut counts: HashMap<K, (usize, Severity)> = HashMap::new();
    for f in findings {
        let e = counts.entry(key(f)).or_insert((0, f.severity));
        e.0 += 1;
        e.1 = e.1.max(f.severity);
    }
    let mut v: Vec<_> = counts.into_iter().map(|(k, (n, s))| (k, n, s)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    v
}

/// The overview that leads the report. `findings` are sorted most severe
/// first.
pub(crate) fn write_overview(
    findings: &[Finding],
    p: &Palette,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let objects = count_by(findings, |f| (f.object_file(), &f.object)).len();
    let files = count_by(findings, |f| &f.file);
    writeln!(
        out,
        "{} {}",
        p.bold(&plural(findings.len(), "finding", "findings")),
        p.dim(&format!(
            "in {} and {}",
            plural(objects, "object", "objects"),
            plural(files.len(), "file", "files")
        ))
    )?;
    let line: Vec<String> = Severity::ALL
        .into_iter()
        .rev()
        .filter_map(|s| {
            let n = findings.iter().filter(|f| f.severity == s).count();
            (n > 0).then(|| format!("{} {n}", p.severity(s)))
        })
        .collect();
    writeln!(out, "  {:<11}{}", "severity", line.join("  "))?;
    // Rules most severe first: what to fix first.
    let mut rules = count_by(findings, |f| f.rule);
    rules.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
    top_list(
        out,
        p,
        "rules",
        rules.len(),
        rules.iter().map(|(rule, n, s)| {
            let pad = 9 - s.as_str().len();
            format!("{n:>5}  {}{:pad$}{rule}", p.severity(*s), "")
        }),
    )?;
    top_list(
        out,
        p,
        "files",
        files.len(),
        files.iter().map(|(file, n, _)| format!("{n:>5}  {file}")),
    )?;
    let namespaces = count_by(findings, |f| f.object.namespace.as_deref());
    top_list(
        out,
        p,
        "namespaces",
        namespaces.len(),
        namespaces
            .iter()
            .map(|(ns, n, _)| format!("{n:>5}  {}", ns.unwrap_or("(cluster-scoped)"))),
    )?;
    writeln!(out)
}

/// A heading and the first [`TOP`] lines of a ranking, saying how many more.
fn top_list(
    out: &mut Vec<u8>,
    p: &Palette,
    title: &str,
    total: usize,
    lines: impl Iterator<Item = String>,
) -> io::Result<()> {
    writeln!(out, "  {}", p.dim(&format!("top {title}")))?;
    for line in lines.take(TOP) {
        writeln!(out, "  {line}")?;
    }
    if total > TOP {
        writeln!(
            out,
            "  {}",
            p.dim(&format!("       and {} more", total - TOP))
        )?;
    }
    Ok(())
}

/// Writes the findings gathered by `by`, groups most severe first, then
/// largest first. `findings` are sorted most severe first.
pub(crate) fn write_groups(
    findings: &[Finding],
    by: GroupBy,
    p: &Palette,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    match by {
        GroupBy::Rule => {
            let groups = gather(findings, |f| f.rule);
            for (rule, members) in groups {
                let first = members[0];
                let objects = members
                    .iter()
                    .map(|f| (&f.file, &f.object))
                    .collect::<std::collections::HashSet<_>>()
                    .len();
                writeln!(
                    out,
                    "{} {} {} {}",
                    p.severity(first.severity),
                    p.bold(&format!("[{rule}]")),
                    first.code,
                    p.dim(&format!(
                        "── {} in {}",
                        plural(members.len(), "finding", "findings"),
                        plural(objects, "object", "objects")
                    ))
                )?;
                writeln!(out, "  {} {}", p.dim("fix:"), first.remediation)?;
                for f in members {
                    writeln!(
                        out,
                        "  {}:{}:{}: {}: {}",
                        p.bold(&f.file),
                        f.pos.line,
                        f.pos.col,
                        f.object,
                        f.message
                    )?;
                }
                writeln!(out)?;
            }
        }
        GroupBy::Object => {
            let groups = gather(findings, |f| (&**f.object_file(), &*f.object));
            for ((file, object), members) in groups {
                group_heading(out, p, &object.to_string(), file, &members)?;
                for f in members {
                    write!(out, "  ")?;
                    write_headline(f, out, p)?;
                }
                writeln!(out)?;
            }
        }
        GroupBy::File => {
            let groups = gather(findings, |f| &*f.file);
            for (file, members) in groups {
                group_heading(out, p, file, "", &members)?;
                for f in members {
                    write!(out, "  ")?;
                    write_headline(f, out, p)?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

/// `── title (where) ── n findings: 1 critical, 2 high`
fn group_heading(
    out: &mut Vec<u8>,
    p: &Palette,
    title: &str,
    place: &str,
    members: &[&Finding],
) -> io::Result<()> {
    let mut counts: Vec<(Severity, usize)> = Vec::new();
    for f in members {
        match counts.iter_mut().find(|(s, _)| *s == f.severity) {
            Some((_, n)) => *n += 1,
            None => counts.push((f.severity, 1)),
        }
    }
    let counts: Vec<String> = counts
        .into_iter()
        .map(|(s, n)| format!("{n} {}", p.severity(s)))
        .collect();
    let place = if place.is_empty() {
        String::new()
    } else {
        format!(" ({place})")
    };
    writeln!(
        out,
        "{}{} {}",
        p.bold(&format!("── {title}")),
        p.dim(&place),
        p.dim(&format!(
            "── {}: {}",
            plural(members.len(), "finding", "findings"),
            counts.join(", ")
        ))
    )
}

/// Findings gathered by `key`, in order of each group's most severe
/// finding, then size, then first appearance; members keep their order
/// (most severe first).
fn gather<'f, K: Eq + std::hash::Hash + Clone>(
    findings: &'f [Finding],
    key: impl Fn(&'f Finding) -> K,
) -> Vec<(K, Vec<&'f Finding>)> {
    let mut index: HashMap<K, usize> = HashMap::new();
    let mut groups: Vec<(K, Vec<&Finding>)> = Vec::new();
    for f in findings {
        let k = key(f);
        let i = *index.entry(k.clone()).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(f);
    }
    // Members are most severe first, so the first is the group's worst;
    // the sort is stable, so first appearance breaks ties.
    groups.sort_by(|a, b| {
        b.1[0]
            .severity
            .cmp(&a.1[0].severity)
            .then(b.1.len().cmp(&a.1.len()))
    });
    groups
}
