//! Rules over RBAC objects: Roles, ClusterRoles and their bindings.

use crate::rule::Rule;

const GROUP: &str = "rbac";

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[];
