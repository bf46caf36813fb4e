use super::{capabilities, describe, each_linux_container, grants_sys_admin, is_privileged};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::WORKLOAD_KINDS;

declare_rule! {
    /// ## What it does
    /// Flags containers that do not set
    /// `securityContext.allowPrivilegeEscalation: false`. Unset means
    /// allowed: the kubelet sets the `no_new_privs` flag only for an explicit
    /// `false`. It also flags an explicit `false` that cannot take effect
    /// because the container runs privileged (the API server rejects that
    /// pair) or adds `SYS_ADMIN` (or `ALL`) capabilities, which always allow
    /// escalation. A privileged container that leaves the field unset (or
    /// `true`) is not flagged: it can always escalate, `privileged-container`
    /// reports it, and the only fix is to drop `privileged`. This field is
    /// not inherited from the pod. Windows pods (`spec.os.name: windows`)
    /// are skipped: the API server forbids the field there.
    ///
    /// ## Why it matters
    /// Without `no_new_privs`, a process can gain more privileges than its
    /// parent through setuid or setgid binaries and file capabilities: a
    /// compromised non-root process becomes root inside the container. The
    /// restricted Pod Security Standard requires the explicit `false`.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     runAsNonRoot: true   # no allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## How to fix
    /// Set `allowPrivilegeEscalation: false` in every container's
    /// `securityContext`, and do not combine it with `privileged: true` or an
    /// added `SYS_ADMIN` capability.
    code: "KG002",
    name: "privilege-escalation-allowed",
    severity: Medium,
    summary: "Container allows privilege escalation",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container; do not run it privileged or with SYS_ADMIN.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:restricted/privilege-escalation", "CIS-5.2.6", "NSA-CISA:pod-security", "MITRE:T1548"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_linux_container(obj, |_, c| {
        let who = describe(c);
        let privileged = is_privileged(c);
        let at = match c
            .at
            .lookup(&["securityContext", "allowPrivilegeEscalation"])
        {
            Ok(at) if at.node.as_bool() == Some(false) => at,
            _ if privileged => return,
            Ok(at) if at.node.is_true() => {
                cx.report(
                    &at,
                    format!("{who} allows privilege escalation (allowPrivilegeEscalation: true)"),
                );
                return;
            }
            Ok(at) | Err(at) => {
                cx.report(
                    &at,
                    format!("{who} does not set allowPrivilegeEscalation: false, so its processes can gain privileges through setuid binaries"),
                );
                return;
            }
        };
        if privileged {
            cx.report(
                &at,
                format!("{who} sets allowPrivilegeEscalation: false but runs privileged, which always allows escalation (the API server rejects this pair)"),
            );
        } else if let Some((_, name)) = capabilities(c, "add")
            .into_iter()
            .find(|(_, n)| grants_sys_admin(n))
        {
            cx.report(
                &at,
                format!("{who} sets allowPrivilegeEscalation: false but adds capability {name}, which always allows escalation"),
            );
        }
    });
}
