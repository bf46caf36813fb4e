//! The one table of every rule, in code order.

use crate::rule::Rule;
use crate::rules;

/// Every rule kubeguard has, sorted by code.
#[must_use]
pub fn all() -> Vec<&'static Rule> {
    let mut all: Vec<&'static Rule> = [
        rules::workload::RULES,
        rules::best_practice::RULES,
        rules::rbac::RULES,
        rules::cluster::RULES,
        rules::control_plane::RULES,
    ]
    .concat();
    all.sort_by_key(|r| r.meta.code);
    all
}

/// The rule with this name or code (codes are case-insensitive).
#[must_use]
pub fn find(name_or_code: &str) -> Option<&'static Rule> {
    all()
        .into_iter()
        .find(|r| r.meta.name == name_or_code || r.meta.code.eq_ignore_ascii_case(name_or_code))
}

/// The rule name closest to a misspelt one, if any is close.
#[must_use]
pub fn closest(name: &str) -> Option<&'static str> {
    all()
        .into_iter()
        .map(|r| (strsim::jaro_winkler(name, r.meta.name), r.meta.name))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::all;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in all() {
            let m = &r.meta;
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(
                m.code.starts_with("KG") && m.code[2..].bytes().all(|b| b.is_ascii_digit()),
                "{}",
                m.code
            );
            assert!(
                m.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                m.name
            );
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                assert!(m.docs.contains(section), "{} docs lack {section:?}", m.name);
            }
            assert!(
                !m.remediation.is_empty() && !m.summary.is_empty(),
                "{}",
                m.name
            );
        }
    }
}
