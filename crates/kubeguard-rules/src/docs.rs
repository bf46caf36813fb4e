//! Markdown docs generated from the rules themselves: one page per rule and
//! the rule table of the README. They are written by the report crate;
//! this module keeps them beside the catalog they document.

pub use kubeguard_report::rules::{rule_page, rules_table};
