//! The rules, one file each, grouped by what they look at.

pub(crate) mod cluster;
pub(crate) mod control_plane;
pub(crate) mod rbac;
pub(crate) mod workload;
