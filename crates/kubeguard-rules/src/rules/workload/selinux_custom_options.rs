use super::{describe, inheritors, own, pod_level, pod_setting};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Object};
use kubeguard_pss::Version;
use kubeguard_pss::values::{is_allowed_selinux_type, selinux_types};

declare_rule! {
    /// ## What it does
    /// Flags `seLinuxOptions`, in the pod's or any container's
    /// `securityContext`, that the baseline Pod Security Standard forbids:
    /// a `type` other than `container_t`, `container_init_t`,
    /// `container_kvm_t` or `container_engine_t` (empty is fine), or any
    /// `user` or `role`. `level` may be set. A pod-level value names the
    /// containers that use it, and is reported even when every container
    /// overrides it, as Pod Security Admission rejects it.
    ///
    /// ## Why it matters
    /// The container types are what SELinux confines containers with. A
    /// custom type such as `spc_t` ("super privileged container") or
    /// `unconfined_t`, or another user or role, lifts the SELinux separation
    /// between the container and the node.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   seLinuxOptions:
    ///     type: spc_t
    /// ```
    ///
    /// ## How to fix
    /// Remove `type`, `user` and `role` from `seLinuxOptions` (keep `level`
    /// for MCS separation if needed), or use one of the container types.
    code: "KG011",
    name: "selinux-custom-options",
    severity: Medium,
    summary: "Pod or container sets custom SELinux options",
    remediation: "Remove seLinuxOptions type, user and role (or use container_t); only level may be customised.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/selinux", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

/// Reports the forbidden fields of one `seLinuxOptions`.
fn check_options(cx: &mut Ctx<'_>, options: &Located<'_>, who: &str) {
    for (key, at) in options.entries() {
        let Some(value) = at.node.scalar_text().filter(|v| !v.is_empty()) else {
            continue;
        };
        match key {
            "type" if !is_allowed_selinux_type(value, Version::Latest) => cx.report(
                &at,
                format!(
                    "{who} sets SELinux type {value:?}, not one of the container types {}",
                    container_types()
                ),
            ),
            "user" | "role" => cx.report(&at, format!("{who} sets SELinux {key} {value:?}")),
            _ => {}
        }
    }
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    if let Some(options) = pod_level(&pod, &["seLinuxOptions"]) {
        let users = inheritors(&pod, &["seLinuxOptions"], &options);
        check_options(cx, &options, &pod_setting("pod securityContext", &users));
    }
    for c in pod.containers() {
        if let Some(options) = own(&c, &["seLinuxOptions"]) {
            check_options(cx, &options, &describe(&c));
        }
    }
}

/// The allowed SELinux types for a message: `container_t, container_init_t, ...`.
fn container_types() -> String {
    let types: Vec<&str> = selinux_types(Version::Latest)
        .iter()
        .copied()
        .filter(|t| !t.is_empty())
        .collect();
    types.join(", ")
}

#[cfg(test)]
mod tests {
    use kubeguard_pss::Version;
    use kubeguard_pss::values::selinux_types;

    #[test]
    fn docs_name_every_container_type() {
        for t in selinux_types(Version::Latest)
            .iter()
            .filter(|t| !t.is_empty())
        {
            assert!(super::RULE.meta.docs.contains(&format!("`{t}`")), "{t}");
        }
    }
}
