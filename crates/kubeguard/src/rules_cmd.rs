//! `kubeguard rules`: the rule list, or one rule's docs.

use crate::cli::{RulesArgs, RulesFormat};
use anyhow::Result;
use kubeguard_core::RuleMeta;
use kubeguard_report::rules as report;
use kubeguard_rules::catalog;
use std::io::Write;

/// Prints the rules or one rule; returns the exit code.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> Result<u8> {
    let rules: Vec<&RuleMeta> = match &args.name {
        Some(name) => vec![catalog::resolve(name)?],
        None => catalog::all().to_vec(),
    };
    match args.format {
        RulesFormat::Json => report::write_json(&rules, out)?,
        RulesFormat::Markdown => report::write_markdown(&rules, out)?,
        RulesFormat::Text if args.name.is_some() => report::write_markdown(&rules, out)?,
        RulesFormat::Text => report::write_table(&rules, out)?,
    }
    Ok(0)
}
