//! The one catalog of every rule and result code of every engine: the
//! manifest rules of `scan`, `pod-security-standard`, and the codes of
//! `rbac risks`, `rbac unused`, `netpol coverage` and `cis`, and the built-in rules of `audit scan`. `kubeguard rules`, `--select`,
//! `--ignore`, the configuration and the `kubeguard.io/ignore` annotation
//! resolve names against it, and the docs pages are generated from it.

use crate::registry;
use kubeguard_core::RuleMeta;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every rule of every engine, sorted by code.
#[must_use]
pub fn all() -> &'static [&'static RuleMeta] {
    static ALL: OnceLock<Vec<&'static RuleMeta>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<&'static RuleMeta> = registry::all()
            .into_iter()
            .map(|r| &r.meta)
            .chain(std::iter::once(&kubeguard_pss::POD_SECURITY_STANDARD))
            .chain(kubeguard_rbac::risks::metas())
            .chain(kubeguard_rbac::unused::metas())
            .chain(kubeguard_netpol::coverage_rules::metas())
            .chain(kubeguard_cis::rules::metas())
            .chain(kubeguard_audit::builtin::metas())
            .collect();
        all.sort_by_key(|m| m.code);
        all
    })
}

/// Rules by name and by upper-case code.
fn by_key() -> &'static HashMap<String, &'static RuleMeta> {
    static MAP: OnceLock<HashMap<String, &'static RuleMeta>> = OnceLock::new();
    MAP.get_or_init(|| {
        all()
            .iter()
            .flat_map(|m| [(m.name.to_owned(), *m), (m.code.to_owned(), *m)])
            .collect()
    })
}

/// The rule with this name or code (codes are case-insensitive).
#[must_use]
pub fn find(name_or_code: &str) -> Option<&'static RuleMeta> {
    let map = by_key();
    map.get(name_or_code)
        .or_else(|| map.get(&name_or_code.to_ascii_uppercase()))
        .copied()
}

/// The rule name closest to a misspelt one, if any is close.
#[must_use]
pub fn closest(name: &str) -> Option<&'static str> {
    all()
        .iter()
        .map(|m| (strsim::jaro_winkler(name, m.name), m.name))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// A name that is no rule of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule {name:?}{}; `kubeguard rules` lists them", suggestion.map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownRule {
    /// The name given.
    pub name: String,
    /// The closest rule name, if any is close.
    pub suggestion: Option<&'static str>,
}

/// The rule with this name or code, or an error suggesting the closest.
pub fn resolve(name_or_code: &str) -> Result<&'static RuleMeta, UnknownRule> {
    find(name_or_code).ok_or_else(|| UnknownRule {
        name: name_or_code.to_owned(),
        suggestion: closest(name_or_code),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_engine_is_in_the_catalog_once() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for m in all() {
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
        }
        assert!(find("pod-security-standard").is_some());
        assert!(find("privileged-container").is_some());
        for m in kubeguard_rbac::risks::metas()
            .into_iter()
            .chain(kubeguard_rbac::unused::metas())
        {
            assert_eq!(find(m.name).map(|f| f.code), Some(m.code));
        }
        assert_eq!(
            resolve("privileged-containr").unwrap_err().suggestion,
            Some("privileged-container")
        );
    }
}
