use super::{describe, inheritors, own, pod_level, pod_setting};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Object};

/// User ids below this may belong to accounts of the node.
const MIN_UID: i64 = 10000;

declare_rule! {
    /// ## What it does
    /// Flags a `runAsUser` between 1 and 9999 that a container runs with:
    /// its own, or the pod's when the container sets none. A pod-level
    /// value is reported once, naming the containers that inherit it, and
    /// only when at least one does. `runAsUser: 0` is reported by
    /// `runs-as-root` instead.
    ///
    /// ## Why it matters
    /// Low user ids are the ones the node's own accounts and system services
    /// use. A container process that escapes, or that shares a host mount,
    /// acts with the rights of that node account on the node's files.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 1000
    /// ```
    ///
    /// ## How to fix
    /// Run as a user id of 10000 or more that no node account uses, e.g.
    /// `runAsUser: 10001`.
    code: "KG004",
    name: "low-user-id",
    severity: Low,
    summary: "Container runs with a low user id",
    remediation: "Set securityContext.runAsUser to 10000 or more, a user id no account on the node uses.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

/// The user id `at` holds, if it is a low one.
fn low_uid(at: &Located<'_>) -> Option<i64> {
    at.node.as_i64().filter(|u| (1..MIN_UID).contains(u))
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    if let Some(at) = pod_level(&pod, &["runAsUser"])
        && let Some(uid) = low_uid(&at)
    {
        let users = inheritors(&pod, &["runAsUser"], &at);
        if !users.is_empty() {
            let what = pod_setting("pod securityContext", &users);
            cx.report(&at, format!("{what} sets runAsUser {uid}, below {MIN_UID}"));
        }
    }
    for c in pod.containers() {
        if let Some((at, uid)) =
            own(&c, &["runAsUser"]).and_then(|at| low_uid(&at).map(|u| (at, u)))
        {
            cx.report(
                &at,
                format!("{} runs as user {uid}, below {MIN_UID}", describe(&c)),
            );
        }
    }
}
