use super::{capabilities, describe, each_container, grants_sys_admin};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::WORKLOAD_KINDS;

declare_rule! {
    /// ## What it does
    /// Flags each item of a container's `securityContext.capabilities.add`
    /// that grants `CAP_SYS_ADMIN`: `SYS_ADMIN` in any case, with or without
    /// the `CAP_` prefix (as the container runtimes read it), and `ALL`,
    /// which includes it.
    ///
    /// ## Why it matters
    /// `SYS_ADMIN` is "the new root": it allows mounting filesystems, using
    /// namespaces and many other kernel interfaces, and has been the key to
    /// most published container escapes (cgroup `release_agent`, mounting the
    /// host's block devices). It also makes `allowPrivilegeEscalation: false`
    /// meaningless.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     add: [SYS_ADMIN]
    /// ```
    ///
    /// ## How to fix
    /// Remove `SYS_ADMIN`. Workloads that need a FUSE or other mount should
    /// use a CSI driver; workloads that need namespaces should run in a
    /// dedicated, isolated node pool or sandboxed runtime.
    code: "KG008",
    name: "sys-admin-capability",
    severity: Critical,
    summary: "Container adds the SYS_ADMIN capability",
    remediation: "Remove SYS_ADMIN (and ALL) from securityContext.capabilities.add; use a CSI driver for mounts instead.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/capabilities", "CIS-5.2.9", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |_, c| {
        for (at, name) in capabilities(c, "add") {
            if !grants_sys_admin(&name) {
                continue;
            }
            let message = if name == "ALL" {
                format!(
                    "{} adds ALL capabilities, which include SYS_ADMIN: root in it can escape to the node",
                    describe(c)
                )
            } else {
                format!(
                    "{} adds SYS_ADMIN: root in it can escape to the node",
                    describe(c)
                )
            };
            cx.report(&at, message);
        }
    });
}
