use super::{capabilities, describe, each_linux_container, is_privileged};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_pss::values::DROP_ALL_CAPABILITIES;

declare_rule! {
    /// ## What it does
    /// Flags containers whose `securityContext.capabilities.drop` does not
    /// contain `ALL`. The match ignores case, as the container runtimes do
    /// (`all` drops everything too); the restricted Pod Security Standard
    /// itself compares exactly, so write `ALL`. Privileged containers are
    /// skipped: they get every capability whatever `drop` says, and
    /// `privileged-container` reports them. Windows pods
    /// (`spec.os.name: windows`) are skipped: the API server forbids
    /// capabilities there.
    ///
    /// ## Why it matters
    /// The runtime's default set keeps capabilities a typical service never
    /// needs, such as `NET_RAW` (forge packets, spoof ARP and DNS on the pod
    /// network), `CHOWN`, `DAC_OVERRIDE`, `SETUID` and `MKNOD`. Each one is
    /// a tool for an intruder.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [NET_RAW]
    /// ```
    ///
    /// ## How to fix
    /// Drop every capability and add back only what the process needs:
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    ///     add: [NET_BIND_SERVICE]
    /// ```
    code: "KG006",
    name: "capabilities-not-dropped",
    severity: Medium,
    summary: "Container does not drop all capabilities",
    remediation: "Set securityContext.capabilities.drop: [ALL] and add back only the capabilities the process needs.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:restricted/capabilities", "CIS-5.2.8", "CIS-5.2.10", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_linux_container(obj, |_, c| {
        if is_privileged(c)
            || capabilities(c, "drop")
                .iter()
                .any(|(_, name)| name == DROP_ALL_CAPABILITIES)
        {
            return;
        }
        let (Ok(at) | Err(at)) = c.at.lookup(&["securityContext", "capabilities", "drop"]);
        cx.report(
            &at,
            format!(
                "{} does not drop ALL capabilities (capabilities.drop lacks ALL)",
                describe(c)
            ),
        );
    });
}
