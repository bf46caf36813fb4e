//! Suppressions: the `kubeguard.io/ignore` annotation and the `ignores` of
//! the config file. The pipeline ([`crate::pipeline`]) applies them.

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
    /// File path glob, if given: the file a finding names or the file
    /// that holds its object.
    pub path: Option<GlobMatcher>,
    /// Why the finding is accepted.
    pub reason: String,
    /// The last day the ignore applies.
    pub expires: Option<time::Date>,
    /// Where the entry is written.
    pub origin: ConfigPos,
}

impl ConfigIgnore {
    pub(crate) fn matches(&self, f: &Finding) -> bool {
        rule_matches(&self.rule, f)
            && self.kind.as_ref().is_none_or(|k| *k == f.object.kind)
            && glob_matches(self.namespace.as_ref(), f.object.namespace.as_deref())
            && glob_matches(self.name.as_ref(), f.object.name.as_deref())
            && (glob_matches(self.path.as_ref(), Some(&f.file))
                || glob_matches(self.path.as_ref(), f.object_file.as_deref()))
    }
}

fn glob_matches(glob: Option<&GlobMatcher>, value: Option<&str>) -> bool {
    match glob {
        None => true,
        Some(g) => value.is_some_and(|v| g.is_match(v)),
    }
}

pub(crate) fn rule_matches(selector: &str, f: &Finding) -> bool {
    selector == "all" || selector == f.rule || selector.eq_ignore_ascii_case(f.code)
}
