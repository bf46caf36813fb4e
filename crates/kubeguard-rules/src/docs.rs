//! Markdown docs generated from the rules themselves: one page per rule and
//! the rule table of the README. They are written by the report crate;
//! this module keeps them beside the catalog they document and adds each
//! rule's profile.

use crate::Profile;
use kubeguard_core::RuleMeta;
pub use kubeguard_report::rules::rules_table;

/// The page `docs/rules/<name>.md` of one rule, naming its profile.
#[must_use]
pub fn rule_page(meta: &RuleMeta) -> String {
    kubeguard_report::rules::rule_page(meta, profile_name(meta))
}

/// The name of the narrowest profile that runs `meta`.
#[must_use]
pub fn profile_name(meta: &RuleMeta) -> &'static str {
    Profile::of(meta).name()
}
