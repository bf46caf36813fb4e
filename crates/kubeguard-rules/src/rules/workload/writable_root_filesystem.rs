use super::{describe, each_linux_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::WORKLOAD_KINDS;

declare_rule! {
    /// ## What it does
    /// Flags containers whose `securityContext.readOnlyRootFilesystem` is not
    /// `true` (unset means writable). The field is not inherited from the
    /// pod. Windows pods (`spec.os.name: windows`) are skipped: the field
    /// is forbidden there.
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an intruder drop tools, rewrite the
    /// application's binaries or configuration and persist across process
    /// restarts within the container's life.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     readOnlyRootFilesystem: false
    /// ```
    ///
    /// ## How to fix
    /// Set `readOnlyRootFilesystem: true` and mount an `emptyDir` volume at
    /// each path the application must write (`/tmp`, caches).
    code: "KG005",
    name: "writable-root-filesystem",
    severity: Low,
    summary: "Container root filesystem is writable",
    remediation: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the application writes.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_linux_container(obj, |_, c| {
        match c.at.lookup(&["securityContext", "readOnlyRootFilesystem"]) {
            Ok(at) if at.node.is_true() => {}
            Ok(at) if at.node.as_bool() == Some(false) => {
                cx.report(
                    &at,
                    format!(
                        "{} has a writable root filesystem (readOnlyRootFilesystem: false)",
                        describe(c)
                    ),
                );
            }
            Ok(at) | Err(at) => {
                cx.report(
                &at,
                format!("{} has a writable root filesystem: readOnlyRootFilesystem is not set to true", describe(c)),
            );
            }
        }
    });
}
