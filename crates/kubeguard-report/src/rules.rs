//! `kubeguard rules`: the rule list as a table, JSON or markdown, and the
//! markdown docs generated from the rules themselves (one page per rule,
//! and the rule table of the README).

use kubeguard_core::{RuleMeta, Severity};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The profile a rule belongs to (`security` or `best-practice`), as the
/// rules crate decides it.
pub type ProfileOf<'a> = &'a dyn Fn(&RuleMeta) -> &'static str;

/// Writes one line per rule (code, name, severity, profile, summary) and a
/// count.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_table(
    rules: &[&RuleMeta],
    profile: ProfileOf<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for m in rules {
        writeln!(
            out,
            "{}  {:<width$}  {:<8}  {:<13}  {}",
            m.code,
            m.name,
            m.severity.as_str(),
            profile(m),
            m.summary
        )?;
    }
    writeln!(
        out,
        "\n{} rules. `kubeguard rules NAME` explains one.",
        rules.len()
    )
}

/// A rule in JSON, keys in alphabetical order.
#[derive(Serialize)]
struct RuleJson<'a> {
    code: &'a str,
    docs: String,
    group: &'a str,
    kinds: &'a [&'a str],
    name: &'a str,
    profile: &'a str,
    references: &'a [&'a str],
    remediation: &'a str,
    severity: Severity,
    summary: &'a str,
}

/// Writes the rules as a JSON array.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_json(
    rules: &[&RuleMeta],
    profile: ProfileOf<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let list = rules.iter().map(|m| RuleJson {
        code: m.code,
        docs: m.docs_markdown(),
        group: m.group,
        kinds: m.kinds,
        name: m.name,
        profile: profile(m),
        references: m.references,
        remediation: m.remediation,
        severity: m.severity,
        summary: m.summary,
    });
    let mut ser = serde_json::Serializer::pretty(&mut *out);
    serde::Serializer::collect_seq(&mut ser, list).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes the docs page of each rule.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_markdown(
    rules: &[&RuleMeta],
    profile: ProfileOf<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for r in rules {
        writeln!(out, "{}", rule_page(r, profile(r)))?;
    }
    Ok(())
}

/// The page `docs/rules/<name>.md` of one rule, which belongs to `profile`.
#[must_use]
pub fn rule_page(meta: &RuleMeta, profile: &str) -> String {
    let mut page = format!(
        "# {} ({})\n\n{}\n\n| | |\n|---|---|\n| Severity | {} |\n| Profile | [`{profile}`](../profiles.md) |\n| Group | {} |\n| Applies to | {} |\n\n",
        meta.name,
        meta.code,
        meta.summary,
        meta.severity,
        meta.group,
        if meta.kinds.is_empty() {
            "see below".to_owned()
        } else {
            meta.kinds.join(", ")
        },
    );
    if meta.docs.trim() != meta.summary {
        page.push_str(meta.docs_markdown().trim_end());
        page.push_str("\n\n");
    }
    let _ = write!(page, "## Remediation\n\n{}\n", meta.remediation);
    if !meta.references.is_empty() {
        page.push_str("\n## References\n\n");
        for r in meta.references {
            let _ = writeln!(page, "- {r}");
        }
    }
    page.push_str(&format!(
        "\n## Suppressing\n\nAnnotate the object with `kubeguard.io/ignore: \"{}\"`, or add an `ignores` entry with a reason to `.kubeguard.yaml`.\n",
        meta.name
    ));
    page
}

/// The markdown table of all rules, for the README.
#[must_use]
pub fn rules_table(rules: &[&RuleMeta]) -> String {
    let mut out = String::from("| Code | Rule | Severity | Summary |\n|---|---|---|---|\n");
    for m in rules {
        let _ = writeln!(
            out,
            "| {} | [`{}`](docs/rules/{}.md) | {} | {} |",
            m.code, m.name, m.name, m.severity, m.summary
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: RuleMeta = RuleMeta {
        code: "KG999",
        name: "example-rule",
        group: "workload",
        severity: Severity::Medium,
        summary: "Something is off",
        docs: "## What it does\n Flags something.",
        remediation: "Fix it.",
        kinds: &["Pod"],
        references: &["CIS-1.2.3"],
    };

    const OTHER: RuleMeta = RuleMeta {
        code: "KG998",
        name: "x",
        summary: "Short",
        docs: "Short",
        kinds: &[],
        references: &[],
        ..RULE
    };

    /// The example rule is a best-practice rule, every other one a
    /// security rule.
    fn profile(meta: &RuleMeta) -> &'static str {
        if meta.name == RULE.name {
            "best-practice"
        } else {
            "security"
        }
    }

    fn written(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_aligns_names_and_counts() {
        let text = written(|out| write_table(&[&RULE, &OTHER], &profile, out));
        assert_eq!(
            text,
            "KG999  example-rule  medium    best-practice  Something is off
KG998  x             medium    security       Short

2 rules. `kubeguard rules NAME` explains one.
"
        );
    }

    #[test]
    fn json_keys_are_in_alphabetical_order() {
        let text = written(|out| write_json(&[&RULE], &profile, out));
        assert!(text.starts_with("[\n  {\n    \"code\": \"KG999\",\n    \"docs\": "));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = v[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "code",
                "docs",
                "group",
                "kinds",
                "name",
                "profile",
                "references",
                "remediation",
                "severity",
                "summary"
            ]
        );
        assert_eq!(v[0]["docs"], "## What it does\nFlags something.");
        assert_eq!(v[0]["severity"], "medium");
        assert_eq!(v[0]["profile"], "best-practice");
        assert_eq!(written(|out| write_json(&[], &profile, out)), "[]\n");
    }

    #[test]
    fn pages_hold_docs_remediation_references_and_suppression() {
        let page = rule_page(&RULE, "best-practice");
        assert!(page.starts_with("# example-rule (KG999)\n\nSomething is off\n"));
        assert!(page.contains("| Profile | [`best-practice`](../profiles.md) |"));
        assert!(page.contains("| Applies to | Pod |"));
        assert!(page.contains("## What it does\nFlags something.\n\n## Remediation\n\nFix it.\n"));
        assert!(page.contains("## References\n\n- CIS-1.2.3\n"));
        assert!(page.ends_with("`kubeguard.io/ignore: \"example-rule\"`, or add an `ignores` entry with a reason to `.kubeguard.yaml`.\n"));

        let short = rule_page(&OTHER, "security");
        assert!(short.contains("| Applies to | see below |"));
        assert!(!short.contains("## References"));
        assert!(short.contains("\n\nShort\n\n| |"), "{short}");
        assert_eq!(
            short.matches("Short").count(),
            1,
            "docs equal to the summary are not repeated"
        );

        assert_eq!(
            written(|out| write_markdown(&[&RULE, &OTHER], &profile, out)),
            format!("{}\n{}\n", rule_page(&RULE, "best-practice"), short)
        );
        assert_eq!(
            rules_table(&[&OTHER]),
            "| Code | Rule | Severity | Summary |\n|---|---|---|---|\n| KG998 | [`x`](docs/rules/x.md) | medium | Short |\n"
        );
    }
}
