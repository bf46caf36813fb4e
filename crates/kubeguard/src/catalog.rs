//! Every rule kubeguard reports under, from every engine: the manifest
//! rules of `scan`, the `pod-security-standard` finding of `scan --pss`,
//! and the codes of `rbac risks` and `rbac unused`. `kubeguard rules`
//! lists them and the docs pages are generated from them.

use kubeguard_core::RuleMeta;

/// All rules, sorted by code.
pub fn all() -> Vec<&'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> = kubeguard_rules::registry::all()
        .into_iter()
        .map(|r| &r.meta)
        .chain(std::iter::once(&kubeguard_pss::POD_SECURITY_STANDARD))
        .chain(kubeguard_rbac::risks::metas())
        .chain(kubeguard_rbac::unused::metas())
        .collect();
    all.sort_by_key(|m| m.code);
    all
}

/// The rule with this name or code (codes are case-insensitive).
pub fn find(name_or_code: &str) -> Option<&'static RuleMeta> {
    all()
        .into_iter()
        .find(|m| m.name == name_or_code || m.code.eq_ignore_ascii_case(name_or_code))
}
