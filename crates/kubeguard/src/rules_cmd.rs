//! `kubeguard rules`: the rule list, or one rule's docs.

use crate::cli::{RulesArgs, RulesFormat};
use anyhow::Result;
use kubeguard_core::RuleMeta;
use kubeguard_rules::{catalog, docs};
use serde_json::json;
use std::io::Write;

/// Prints the rules or one rule; returns the exit code.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> Result<u8> {
    let rules: Vec<&RuleMeta> = match &args.name {
        Some(name) => vec![catalog::resolve(name)?],
        None => catalog::all().to_vec(),
    };
    match args.format {
        RulesFormat::Json => {
            let list: Vec<_> = rules
                .iter()
                .map(|m| {
                    json!({
                        "code": m.code, "name": m.name, "group": m.group, "severity": m.severity,
                        "summary": m.summary, "remediation": m.remediation, "kinds": m.kinds,
                        "references": m.references, "docs": m.docs_markdown(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Markdown => {
            for r in &rules {
                writeln!(out, "{}", docs::rule_page(r))?;
            }
        }
        RulesFormat::Text if args.name.is_some() => {
            writeln!(out, "{}", docs::rule_page(rules[0]))?;
        }
        RulesFormat::Text => {
            let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for m in &rules {
                writeln!(
                    out,
                    "{}  {:<width$}  {:<8}  {}",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    m.summary
                )?;
            }
            writeln!(
                out,
                "\n{} rules. `kubeguard rules NAME` explains one.",
                rules.len()
            )?;
        }
    }
    Ok(0)
}
