//! Rules over the pod spec of workloads: every kind that carries one, and
//! every container (`initContainers`, `containers`, `ephemeralContainers`).

use crate::rule::Rule;
use crate::Ctx;
use kubeguard_core::workload::{Container, PodSpec};
use kubeguard_core::Object;

const GROUP: &str = "workload";

mod host_ipc;
mod host_network;
mod host_pid;
mod privileged_container;
mod runs_as_root;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[
    &privileged_container::RULE,
    &runs_as_root::RULE,
    &host_network::RULE,
    &host_pid::RULE,
    &host_ipc::RULE,
];

/// Calls `f` for each container of `obj`'s pod spec, if it has one.
pub(super) fn each_container<'a>(
    obj: &'a Object,
    mut f: impl FnMut(&PodSpec<'a>, &Container<'a>),
) {
    if let Some(pod) = PodSpec::of(obj) {
        for c in pod.containers() {
            f(&pod, &c);
        }
    }
}

/// `init container "x"`, `container "x"` or `ephemeral container "x"`.
pub(super) fn describe(c: &Container<'_>) -> String {
    use kubeguard_core::workload::ContainerKind;
    let kind = match c.kind {
        ContainerKind::Init => "init container",
        ContainerKind::Regular => "container",
        ContainerKind::Ephemeral => "ephemeral container",
    };
    format!("{kind} {:?}", c.name)
}

/// Reports a pod spec boolean field (`hostNetwork`, ...) that is true.
pub(super) fn pod_flag_set(obj: &Object, cx: &mut Ctx<'_>, field: &str, message: &str) {
    if let Some(at) = PodSpec::of(obj).and_then(|pod| pod.get(field)) {
        if at.node.is_true() {
            cx.report(&at, message);
        }
    }
}
