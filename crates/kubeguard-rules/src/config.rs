//! `.kubeguard.yaml`: found by walking up from the current directory, or
//! named with `--config`. Every error names the file, line and column.

use crate::catalog;
use crate::profile::Profile;
use crate::suppress::{ConfigIgnore, ConfigPos};
use globset::{Glob, GlobMatcher};
use kubeguard_core::{Diagnostic, Located, Pos, Severity};
use std::path::{Path, PathBuf};

/// Names the config file may have, in lookup order.
pub const CONFIG_NAMES: &[&str] = &[".kubeguard.yaml", ".kubeguard.yml"];

const TOP_KEYS: &[&str] = &[
    "profile",
    "select",
    "disable",
    "severity",
    "allowed-registries",
    "fail-on",
    "ignores",
];
const IGNORE_KEYS: &[&str] = &[
    "rule",
    "kind",
    "namespace",
    "name",
    "path",
    "reason",
    "expires",
];

/// The parsed configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it was read from.
    pub file: Option<PathBuf>,
    /// The profile whose rules run when `select` names none.
    pub profile: Option<Profile>,
    /// Rules to run (empty: all of the profile).
    pub select: Vec<String>,
    /// Rules not to run.
    pub disable: Vec<String>,
    /// Severity overrides.
    pub severity: Vec<(String, Severity)>,
    /// Allowed image registries.
    pub allowed_registries: Vec<String>,
    /// Default `--fail-on`: `Some(None)` for `none` (never fail).
    pub fail_on: Option<Option<Severity>>,
    /// Ignores.
    pub ignores: Vec<ConfigIgnore>,
}

/// Finds the config file from `start` upwards.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        CONFIG_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The configuration a command runs with: none with `no_config`, the
/// `explicit` file when given, else the one found from the current
/// directory upwards, else the defaults.
pub fn resolve(explicit: Option<&Path>, no_config: bool) -> Result<Config, Diagnostic> {
    if no_config {
        return Ok(Config::default());
    }
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|dir| discover(&dir)),
    };
    match path {
        Some(p) => load(&p),
        None => Ok(Config::default()),
    }
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, Diagnostic> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::whole_file(name.clone(), format!("cannot read configuration: {e}"))
    })?;
    let mut config = parse(&name, &text)?;
    config.file = Some(path.to_path_buf());
    Ok(config)
}

/// Parses config text; `name` is used in errors.
pub fn parse(name: &str, text: &str) -> Result<Config, Diagnostic> {
    let err = |pos: Pos, message: String| Diagnostic::new(name, pos, message);
    let (docs, syntax) = kubeguard_load::parse_documents(text);
    if let Some(e) = syntax {
        return Err(err(e.pos, e.message));
    }
    let Some(root) = docs.into_iter().flatten().next() else {
        return Ok(Config::default());
    };
    let p = Parser { name };
    let root_at = Located::root(&root);
    p.expect_map(&root_at, "the configuration")?;
    let mut config = Config::default();
    for (key, value) in root_at.entries() {
        match key {
            "profile" => {
                let name = p.string(&value, "a profile (security or best-practice)")?;
                config.profile = Some(name.parse().map_err(|m| err(value.at, m))?);
            }
            "select" => config.select = p.rule_list(&value)?,
            "disable" => config.disable = p.rule_list(&value)?,
            "severity" => {
                p.expect_map(&value, "severity")?;
                for (rule, level) in value.entries() {
                    p.check_rule(rule, &level)?;
                    let sev = p
                        .string(&level, "a severity")?
                        .parse::<Severity>()
                        .map_err(|m| err(level.at, m))?;
                    config.severity.push((rule.to_owned(), sev));
                }
            }
            "allowed-registries" => {
                config.allowed_registries = p.string_list(&value, "registry prefixes")?
            }
            "fail-on" => {
                let level = p.string(&value, "a severity or none")?;
                config.fail_on = Some(if level == "none" {
                    None
                } else {
                    Some(level.parse::<Severity>().map_err(|m| err(value.at, m))?)
                });
            }
            "ignores" => {
                if value.node.as_seq().is_none() {
                    return Err(err(value.at, "ignores must be a list of entries".into()));
                }
                for item in value.items() {
                    config.ignores.push(p.ignore(name, &item)?);
                }
            }
            other => return Err(p.unknown_key(&value, other, TOP_KEYS)),
        }
    }
    Ok(config)
}

struct Parser<'a> {
    name: &'a str,
}

impl Parser<'_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.name, pos, message)
    }

    fn expect_map(&self, at: &Located<'_>, what: &str) -> Result<(), Diagnostic> {
        match at.node.as_map() {
            Some(_) => Ok(()),
            None => Err(self.err(at.node.span.start, format!("{what} must be a mapping"))),
        }
    }

    fn unknown_key(&self, at: &Located<'_>, key: &str, known: &[&str]) -> Diagnostic {
        self.err(
            at.at,
            format!("unknown key {key:?}; expected one of: {}", known.join(", ")),
        )
    }

    fn string(&self, at: &Located<'_>, what: &str) -> Result<String, Diagnostic> {
        at.node
            .scalar_text()
            .map(str::to_owned)
            .ok_or_else(|| self.err(at.node.span.start, format!("expected {what}")))
    }

    fn string_list(&self, at: &Located<'_>, what: &str) -> Result<Vec<String>, Diagnostic> {
        if at.node.as_seq().is_none() {
            return Err(self.err(at.node.span.start, format!("expected a list of {what}")));
        }
        at.items()
            .map(|item| self.string(&item, "a string"))
            .collect()
    }

    fn check_rule(&self, rule: &str, at: &Located<'_>) -> Result<(), Diagnostic> {
        if rule == "all" || catalog::find(rule).is_some() {
            return Ok(());
        }
        let hint = catalog::closest(rule)
            .map(|s| format!(" (did you mean {s:?}?)"))
            .unwrap_or_default();
        Err(self.err(
            at.at,
            format!("unknown rule {rule:?}{hint}; `kubeguard rules` lists them"),
        ))
    }

    fn rule_list(&self, at: &Located<'_>) -> Result<Vec<String>, Diagnostic> {
        let names = self.string_list(at, "rule names")?;
        for (name, item) in names.iter().zip(at.items()) {
            self.check_rule(name, &item)?;
        }
        Ok(names)
    }

    fn glob(&self, at: &Located<'_>) -> Result<GlobMatcher, Diagnostic> {
        let text = self.string(at, "a name or glob")?;
        Glob::new(&text)
            .map(|g| g.compile_matcher())
            .map_err(|e| self.err(at.node.span.start, format!("invalid glob {text:?}: {e}")))
    }

    fn ignore(&self, file: &str, item: &Located<'_>) -> Result<ConfigIgnore, Diagnostic> {
        self.expect_map(item, "an ignore entry")?;
        let mut rule = None;
        let mut ignore = ConfigIgnore {
            rule: String::new(),
            kind: None,
            namespace: None,
            name: None,
            path: None,
            reason: String::new(),
            expires: None,
            origin: ConfigPos {
                file: file.to_owned(),
                pos: item.at,
            },
        };
        for (key, value) in item.entries() {
            match key {
                "rule" => {
                    let name = self.string(&value, "a rule name")?;
                    self.check_rule(&name, &value)?;
                    rule = Some(name);
                }
                "kind" => ignore.kind = Some(self.string(&value, "a kind")?),
                "namespace" => ignore.namespace = Some(self.glob(&value)?),
                "name" => ignore.name = Some(self.glob(&value)?),
                "path" => ignore.path = Some(self.glob(&value)?),
                "reason" => ignore.reason = self.string(&value, "a reason")?,
                "expires" => {
                    let text = self.string(&value, "a date (YYYY-MM-DD)")?;
                    let format = time::macros::format_description!("[year]-[month]-[day]");
                    let date = time::Date::parse(&text, format).map_err(|_| {
                        self.err(
                            value.node.span.start,
                            format!("expires must be a date like 2027-01-31, not {text:?}"),
                        )
                    })?;
                    ignore.expires = Some(date);
                }
                other => return Err(self.unknown_key(&value, other, IGNORE_KEYS)),
            }
        }
        ignore.rule = rule.ok_or_else(|| {
            self.err(
                item.at,
                "an ignore entry needs a rule (a name, a code or all)",
            )
        })?;
        if ignore.reason.trim().is_empty() {
            return Err(self.err(
                item.at,
                "an ignore entry needs a reason: say why the finding is accepted",
            ));
        }
        Ok(ignore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_config_parses() {
        let c = parse(
            "c.yaml",
            "select: [all]\ndisable: [image-without-digest]\nseverity:\n  runs-as-root: high\nallowed-registries: [ghcr.io/acme]\nfail-on: medium\nignores:\n- rule: privileged-container\n  kind: DaemonSet\n  namespace: monitoring\n  name: node-*\n  path: deploy/**\n  reason: node exporter needs it\n  expires: 2030-01-01\n",
        )
        .unwrap();
        assert_eq!(c.disable, vec!["image-without-digest"]);
        assert_eq!(
            c.severity,
            vec![("runs-as-root".to_owned(), Severity::High)]
        );
        assert_eq!(c.ignores.len(), 1);
        assert!(
            c.ignores[0]
                .name
                .as_ref()
                .unwrap()
                .is_match("node-exporter")
        );
    }

    #[test]
    fn errors_are_located() {
        let e = parse("c.yaml", "select: [all]\nfail-onn: low\n").unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 1));
        assert!(e.message.contains("unknown key \"fail-onn\""));
        let e = parse("c.yaml", "disable:\n  - privileged-containr\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(
            e.message.contains("did you mean \"privileged-container\""),
            "{}",
            e.message
        );
        let e = parse("c.yaml", "ignores:\n- rule: runs-as-root\n").unwrap_err();
        assert!(e.message.contains("reason"));
        let e = parse(
            "c.yaml",
            "ignores:\n- rule: runs-as-root\n  reason: x\n  expires: soon\n",
        )
        .unwrap_err();
        assert_eq!(e.pos.line, 4);
    }
}
