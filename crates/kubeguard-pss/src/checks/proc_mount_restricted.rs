//! `procMount_restricted`: from v1.35 the restricted level keeps the strict
//! v1.0 `procMount` rule, even for pods in a user namespace.

use super::{Check, VersionedCheck, proc_mount::proc_mount_1_0};
use crate::level::Level;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    summary: "containers must not set securityContext.procMount to anything but Default, even with hostUsers: false",
    versions: &[VersionedCheck {
        min_minor: 35,
        overrides: &["procMount"],
        eval: proc_mount_1_0,
    }],
};
