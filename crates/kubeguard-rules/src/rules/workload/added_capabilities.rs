use super::{capabilities, describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_pss::values::{RESTRICTED_ADDABLE_CAPABILITY as ALLOWED, is_default_capability};

/// Capabilities that each open a known way out of the container or into
/// other workloads.
const HIGH_RISK: &[&str] = &[
    "BPF",
    "DAC_READ_SEARCH",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "NET_ADMIN",
    "NET_RAW",
    "PERFMON",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_TIME",
];

declare_rule! {
    /// ## What it does
    /// Flags each item of a container's `securityContext.capabilities.add`
    /// other than `NET_BIND_SERVICE`, the only capability the restricted Pod
    /// Security Standard allows. Names are read as the container runtimes
    /// read them: in any case and with or without the `CAP_` prefix. The
    /// message says whether the capability is `ALL`, a high-risk one
    /// (`SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, ...), one of the
    /// runtime's defaults (which the baseline level still allows), or another
    /// capability outside the defaults.
    ///
    /// ## Why it matters
    /// Every added capability is kernel privilege the process holds even
    /// when it is not root. Several are a direct way out of the container:
    /// `SYS_PTRACE` injects code into other processes, `NET_ADMIN`
    /// reconfigures the pod network, `SYS_MODULE` loads kernel modules,
    /// `DAC_READ_SEARCH` reads any file through an open handle.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: [ALL]
    ///     add: [NET_ADMIN, SYS_PTRACE]
    /// ```
    ///
    /// ## How to fix
    /// Remove the added capabilities; keep only `NET_BIND_SERVICE` when the
    /// process must bind a port below 1024, or better, listen on a higher
    /// port.
    code: "KG007",
    name: "added-capabilities",
    severity: Medium,
    summary: "Container adds Linux capabilities",
    remediation: "Remove the capability from securityContext.capabilities.add; only NET_BIND_SERVICE is acceptable.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:restricted/capabilities", "PSS:baseline/capabilities", "CIS-5.2.9", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |_, c| {
        for (at, name) in capabilities(c, "add") {
            if name == ALLOWED {
                continue;
            }
            let who = describe(c);
            let message = if name == "ALL" {
                format!("{who} adds ALL capabilities")
            } else if HIGH_RISK.contains(&name.as_str()) {
                format!("{who} adds high-risk capability {name}")
            } else if is_default_capability(&name) {
                format!(
                    "{who} adds capability {name}; only {ALLOWED} may be added under the restricted Pod Security Standard"
                )
            } else {
                format!("{who} adds capability {name}, outside the runtime's default set")
            };
            cx.report(&at, message);
        }
    });
}
