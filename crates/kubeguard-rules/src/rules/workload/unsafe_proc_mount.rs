use super::{describe, each_container, own};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_pss::values::DEFAULT_PROC_MOUNT;

declare_rule! {
    /// ## What it does
    /// Flags containers whose `securityContext.procMount` is anything but
    /// `Default` (the only other value is `Unmasked`). Since Kubernetes 1.35
    /// the baseline Pod Security Standard allows it in pods with
    /// `hostUsers: false`, but the restricted level still forbids it, and so
    /// does this rule.
    ///
    /// ## Why it matters
    /// The runtime masks and makes read-only the parts of `/proc` that expose
    /// the node's kernel (`/proc/kcore`, `/proc/sys`, `/proc/sysrq-trigger`,
    /// ...). `Unmasked` removes that protection, which container escapes and
    /// kernel information leaks rely on.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   procMount: Unmasked
    /// ```
    ///
    /// ## How to fix
    /// Remove `procMount` or set it to `Default`.
    code: "KG012",
    name: "unsafe-proc-mount",
    severity: High,
    summary: "Container unmasks /proc",
    remediation: "Remove securityContext.procMount or set it to Default.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/proc-mount", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |_, c| {
        let Some(at) = own(c, &["procMount"]) else {
            return;
        };
        let value = at.node.scalar_text().unwrap_or("");
        if value != DEFAULT_PROC_MOUNT {
            cx.report(
                &at,
                format!("{} sets procMount {value}: the kernel paths the runtime masks in /proc are exposed to it", describe(c)),
            );
        }
    });
}
