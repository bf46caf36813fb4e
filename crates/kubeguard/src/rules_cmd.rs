//! `kubeguard rules`: the rule list, or one rule's docs.

use crate::cli::{RulesArgs, RulesFormat};
use anyhow::Result;
use kubeguard_core::RuleMeta;
use kubeguard_report::rules as report;
use kubeguard_rules::{catalog, docs};
use std::io::Write;

/// Prints the rules or one rule; returns the exit code.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> Result<u8> {
    let rules: Vec<&RuleMeta> = match &args.name {
        Some(name) => vec![catalog::resolve(name)?],
        None => catalog::all().to_vec(),
    };
    let profile = &docs::profile_name;
    match args.format {
        RulesFormat::Json => report::write_json(&rules, profile, out)?,
        RulesFormat::Markdown => report::write_markdown(&rules, profile, out)?,
        RulesFormat::Text if args.name.is_some() => {
            report::write_markdown(&rules, profile, out)?;
        }
        RulesFormat::Text => report::write_table(&rules, profile, out)?,
    }
    Ok(0)
}
