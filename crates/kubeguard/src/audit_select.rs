//! Which loaded audit rules `audit scan` evaluates: the built-in rules
//! (KG801-KG813) by name or code through the one catalog and
//! `.kubeguard.yaml`, as every engine's rules; rules of user-loaded Falco
//! files by their Falco name with `--select` and `--ignore`.

use kubeguard_audit::{Rule, RuleSet, builtin};
use kubeguard_core::RuleMeta;
use kubeguard_rules::catalog;
use kubeguard_rules::config::Config;
use kubeguard_rules::pipeline::{CliPolicy, Policy};
use std::collections::HashSet;

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
