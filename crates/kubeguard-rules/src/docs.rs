//! Markdown docs generated from the rules themselves: one page per rule and
//! the rule table of the README.

use kubeguard_core::RuleMeta;
use std::fmt::Write as _;

/// The page `docs/rules/<name>.md` of one rule.
#[must_use]
pub fn rule_page(meta: &RuleMeta) -> String {
    let mut page = format!(
        "# {} ({})\n\n{}\n\n| | |\n|---|---|\n| Severity | {} |\n| Group | {} |\n| Applies to | {} |\n\n",
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
