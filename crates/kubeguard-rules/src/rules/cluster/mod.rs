//! Cluster-wide rules: what is missing or wrong across objects, worked out
//! from the index, and single-object rules about cluster services.

use crate::rule::Rule;

const GROUP: &str = "cluster";

mod namespace_without_default_deny;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[&namespace_without_default_deny::RULE];
