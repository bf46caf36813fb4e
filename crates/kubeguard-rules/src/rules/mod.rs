//! The rules, one file each, grouped by what they look at.

pub(crate) mod best_practice;
pub(crate) mod cluster;
pub(crate) mod control_plane;
pub(crate) mod rbac;
pub(crate) mod workload;

pub(crate) use best_practice::token_mount;
