//! Which audit rules `audit scan`, `audit serve` and `audit worker`
//! evaluate: the built-in rules (KG801-KG813) by name or code through the
//! one catalog and `.kubeguard.yaml`, as every engine's rules; rules of
//! user-loaded Falco files by their Falco name with `--select` and
//! `--ignore`.

use clap::Args;
use kubeguard_audit::{Rule, RuleSet, builtin, load_rules};
use kubeguard_core::{Diagnostic, RuleMeta};
use kubeguard_rules::catalog;
use kubeguard_rules::config::{self, Config};
use kubeguard_rules::pipeline::{CliPolicy, Policy};
use std::collections::HashSet;
use std::path::PathBuf;

/// The rule options the audit commands share: which rules files load and
/// which of their rules run.
#[derive(Debug, Args)]
pub struct RuleChoiceArgs {
    /// A Falco rules file; repeat to load several, in order (default: the built-in rules).
    #[arg(short, long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Evaluate only these rules (comma-separated): built-in rules by name or code
    /// (audit-pod-exec, KG801), rules of --rules files by their Falco name.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Do not evaluate these rules (names or codes, or Falco rule names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Configuration file whose select, disable and profile apply to the built-in rules
    /// [default: .kubeguard.yaml found from the current directory upwards].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

impl RuleChoiceArgs {
    /// Loads the rules files (or the built-in rules), reads the
    /// configuration and keeps the rules the configuration, `--select` and
    /// `--ignore` choose. The set's notes are left to the caller to show;
    /// errors (a rules file that does not load, a bad configuration, an
    /// unknown rule name) are returned, each a line to print.
    pub fn load(&self) -> Result<(RuleSet, Selection), Vec<String>> {
        let mut set = load_files(&self.rules)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let config = config::resolve(self.config.as_deref(), self.no_config)
            .map_err(|e| vec![e.to_string()])?;
        let selection =
            Selection::new(&config, &self.select, &self.ignore, &set).map_err(|e| vec![e])?;
        selection.apply(&mut set);
        Ok((set, selection))
    }
}

/// The rule set of `files`, or the built-in one.
fn load_files(files: &[PathBuf]) -> Result<RuleSet, Vec<Diagnostic>> {
    if files.is_empty() {
        return builtin::rules();
    }
    let mut texts = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => texts.push((name, text)),
            Err(e) => {
                return Err(vec![Diagnostic::whole_file(
                    name,
                    format!("cannot read rules file: {e}"),
                )]);
            }
        }
    }
    load_rules(&texts)
}

/// The rules chosen by the configuration and the command line.
pub struct Selection {
    policy: Policy,
    /// `--select` was given (without `all`): only the rules it names run.
    explicit: bool,
    /// `--select` named rules of the catalog.
    select_catalog: bool,
    /// Falco rule names (not in the catalog) named by `--select`.
    falco_select: HashSet<String>,
    /// Falco rule names named by `--ignore`.
    falco_ignore: HashSet<String>,
}

impl Selection {
    /// Resolves `--select` and `--ignore` (names or codes of the catalog,
    /// else names of rules in `set`) on top of `config`. A name that is
    /// neither is an error, with the closest catalog rule when one is close.
    pub fn new(
        config: &Config,
        select: &[String],
        ignore: &[String],
        set: &RuleSet,
    ) -> Result<Selection, String> {
        let loaded: HashSet<&str> = set.rules().iter().map(|r| r.name.as_str()).collect();
        let split = |names: &[String]| -> Result<(Vec<String>, HashSet<String>), String> {
            let mut in_catalog = Vec::new();
            let mut falco = HashSet::new();
            for name in names {
                if name == "all" {
                    in_catalog.push(name.clone());
                    continue;
                }
                match catalog::resolve(name) {
                    Ok(_) => in_catalog.push(name.clone()),
                    Err(_) if loaded.contains(name.as_str()) => {
                        falco.insert(name.clone());
                    }
                    Err(e) => {
                        return Err(format!(
                            "{e} (nor a rule of the loaded rules files: Falco rules are named \
                             by their full name, such as \"Create Privileged Pod\")"
                        ));
                    }
                }
            }
            Ok((in_catalog, falco))
        };
        let (select_catalog, falco_select) = split(select)?;
        let (ignore_catalog, falco_ignore) = split(ignore)?;
        let named_catalog = !select_catalog.is_empty();
        let policy = Policy::from_config(
            config,
            &CliPolicy {
                select: select_catalog,
                ignore: ignore_catalog,
                ..CliPolicy::default()
            },
        )
        .map_err(|e| format!("{e} (in {})", config_name(config)))?;
        Ok(Selection {
            policy,
            explicit: !select.is_empty() && !select.iter().any(|n| n == "all"),
            select_catalog: named_catalog,
            falco_select,
            falco_ignore,
        })
    }

    /// Whether the catalog rule `meta` runs. When `--select` names only
    /// Falco rules, no catalog rule does; when it names catalog rules, the
    /// policy's selection is theirs.
    pub fn enabled_meta(&self, meta: &RuleMeta) -> bool {
        self.policy.enabled(meta) && (!self.explicit || self.select_catalog)
    }

    /// Whether the loaded rule `rule` runs: a built-in rule as the catalog
    /// decides; a user rule unless `--ignore` names it, and, when
    /// `--select` is given, only if it names it.
    pub fn enabled(&self, rule: &Rule) -> bool {
        match builtin_meta(&rule.name) {
            Some(meta) => self.enabled_meta(meta),
            None => {
                !self.falco_ignore.contains(&rule.name)
                    && (!self.explicit || self.falco_select.contains(&rule.name))
            }
        }
    }

    /// Keeps the rules of `set` that run.
    pub fn apply(&self, set: &mut RuleSet) {
        set.retain(|r| self.enabled(r));
    }
}

/// The catalog entry of a built-in audit rule (or the baseline's alerts).
pub fn builtin_meta(name: &str) -> Option<&'static RuleMeta> {
    builtin::metas().into_iter().find(|m| m.name == name)
}

fn config_name(config: &Config) -> String {
    config.file.as_ref().map_or_else(
        || "the command line".to_owned(),
        |f| f.display().to_string(),
    )
}
