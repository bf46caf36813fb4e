//! Suppressions, applied after all rules in one pass: the
//! `kubeguard.io/ignore` annotation and the `ignores` of the config file,
//! with expiry dates and reporting of ignores that matched nothing.

use globset::GlobMatcher;
use kubeguard_core::{Finding, ObjectRef, Pos};
use std::sync::Arc;

/// The annotation that suppresses rules on one object.
pub const IGNORE_ANNOTATION: &str = "kubeguard.io/ignore";

/// A `kubeguard.io/ignore: "rule-a,rule-b"` annotation on one object.
#[derive(Debug, Clone)]
pub struct InlineIgnore {
    /// The file of the object.
    pub file: Arc<str>,
    /// The object.
    pub object: Arc<ObjectRef>,
    /// Where the annotation is.
    pub pos: Pos,
    /// Rule names or codes (`all` for every rule).
    pub rules: Vec<String>,
}

/// A place in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPos {
    /// The config file.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
}

/// One entry of the config file's `ignores`.
#[derive(Debug, Clone)]
pub struct ConfigIgnore {
    /// Rule name or code, or `all`.
    pub rule: String,
    /// Object kind to match (exact), if given.
    pub kind: Option<String>,
    /// Namespace glob, if given.
    pub namespace: Option<GlobMatcher>,
    /// Object name glob, if given.
    pub name: Option<GlobMatcher>,
    /// File path glob, if given.
    pub path: Option<GlobMatcher>,
    /// Why the finding is accepted.
    pub reason: String,
    /// The last day the ignore applies.
    pub expires: Option<time::Date>,
    /// Where the entry is written.
    pub origin: ConfigPos,
}

impl ConfigIgnore {
    fn matches(&self, f: &Finding) -> bool {
        rule_matches(&self.rule, f)
            && self.kind.as_ref().is_none_or(|k| *k == f.object.kind)
            && glob_matches(self.namespace.as_ref(), f.object.namespace.as_deref())
            && glob_matches(self.name.as_ref(), f.object.name.as_deref())
            && glob_matches(self.path.as_ref(), Some(&f.file))
    }
}

fn glob_matches(glob: Option<&GlobMatcher>, value: Option<&str>) -> bool {
    match glob {
        None => true,
        Some(g) => value.is_some_and(|v| g.is_match(v)),
    }
}

fn rule_matches(selector: &str, f: &Finding) -> bool {
    selector == "all" || selector == f.rule || selector.eq_ignore_ascii_case(f.code)
}

/// A note about an ignore: expired, or (when asked) unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The file holding the ignore.
    pub file: String,
    /// Where the ignore is written.
    pub pos: Pos,
    /// What to know.
    pub message: String,
}

/// What remains after suppressions.
#[derive(Debug, Default)]
pub struct Suppressed {
    /// Findings not suppressed.
    pub findings: Vec<Finding>,
    /// How many findings were suppressed.
    pub suppressed: usize,
    /// Notices about expired (and, when asked, unused) ignores.
    pub notices: Vec<Notice>,
}

/// Applies inline and config ignores. Expired config ignores do not apply
/// and are always reported; unused ones are reported when `report_unused`.
#[must_use]
pub fn apply(
    findings: Vec<Finding>,
    inline: &[InlineIgnore],
    config: &[ConfigIgnore],
    today: time::Date,
    report_unused: bool,
) -> Suppressed {
    let active: Vec<&ConfigIgnore> = config
        .iter()
        .filter(|c| c.expires.is_none_or(|d| d >= today))
        .collect();
    let mut inline_used: Vec<Vec<bool>> =
        inline.iter().map(|i| vec![false; i.rules.len()]).collect();
    let mut config_used = vec![false; active.len()];
    let mut out = Suppressed::default();
    for f in findings {
        let mut hit = false;
        for (i, ig) in inline.iter().enumerate() {
            if ig.object == f.object && ig.file == f.file {
                for (j, r) in ig.rules.iter().enumerate() {
                    if rule_matches(r, &f) {
                        inline_used[i][j] = true;
                        hit = true;
                    }
                }
            }
        }
        for (i, c) in active.iter().enumerate() {
            if c.matches(&f) {
                config_used[i] = true;
                hit = true;
            }
        }
        if hit {
            out.suppressed += 1;
        } else {
            out.findings.push(f);
        }
    }
    for c in config
        .iter()
        .filter(|c| c.expires.is_some_and(|d| d < today))
    {
        out.notices.push(Notice {
            file: c.origin.file.clone(),
            pos: c.origin.pos,
            message: format!(
                "ignore of {} expired on {}; it no longer applies (reason given: {})",
                c.rule,
                c.expires.map(|d| d.to_string()).unwrap_or_default(),
                c.reason
            ),
        });
    }
    if report_unused {
        for (c, used) in active.iter().zip(&config_used) {
            if !used {
                out.notices.push(Notice {
                    file: c.origin.file.clone(),
                    pos: c.origin.pos,
                    message: format!("ignore of {} matched no finding; remove it", c.rule),
                });
            }
        }
        for (ig, used) in inline.iter().zip(&inline_used) {
            for (rule, used) in ig.rules.iter().zip(used) {
                if !used {
                    out.notices.push(Notice {
                        file: ig.file.to_string(),
                        pos: ig.pos,
                        message: format!(
                            "{IGNORE_ANNOTATION} of {rule} on {} matched no finding; remove it",
                            ig.object
                        ),
                    });
                }
            }
        }
    }
    out
}
