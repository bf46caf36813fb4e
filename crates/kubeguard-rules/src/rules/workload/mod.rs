//! Rules over the pod spec of workloads: every kind that carries one, and
//! every container (`initContainers`, `containers`, `ephemeralContainers`).

use crate::Ctx;
use crate::rule::Rule;
use kubeguard_core::workload::{Container, PodSpec};
use kubeguard_core::{Located, Node, Object};

const GROUP: &str = "workload";

mod added_capabilities;
mod apparmor_unconfined;
mod capabilities_not_dropped;
mod docker_socket_mount;
mod host_aliases;
mod host_ipc;
mod host_network;
mod host_pid;
mod host_port;
mod hostpath_volume;
mod low_user_id;
mod missing_security_context;
mod privilege_escalation_allowed;
mod privileged_container;
mod runs_as_root;
mod seccomp_not_set;
mod selinux_custom_options;
mod sys_admin_capability;
mod unsafe_proc_mount;
mod unsafe_sysctls;
mod windows_host_process;
mod writable_root_filesystem;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[
    &privileged_container::RULE,
    &privilege_escalation_allowed::RULE,
    &runs_as_root::RULE,
    &low_user_id::RULE,
    &writable_root_filesystem::RULE,
    &capabilities_not_dropped::RULE,
    &added_capabilities::RULE,
    &sys_admin_capability::RULE,
    &seccomp_not_set::RULE,
    &apparmor_unconfined::RULE,
    &selinux_custom_options::RULE,
    &unsafe_proc_mount::RULE,
    &unsafe_sysctls::RULE,
    &host_network::RULE,
    &host_pid::RULE,
    &host_ipc::RULE,
    &host_port::RULE,
    &hostpath_volume::RULE,
    &docker_socket_mount::RULE,
    &windows_host_process::RULE,
    &host_aliases::RULE,
    &missing_security_context::RULE,
];

/// Calls `f` for each container of `obj`'s pod spec, if it has one.
pub(super) fn each_container<'a>(obj: &'a Object, mut f: impl FnMut(&PodSpec<'a>, &Container<'a>)) {
    if let Some(pod) = PodSpec::of(obj) {
        for c in pod.containers() {
            f(&pod, &c);
        }
    }
}

/// Like [`each_container`], but skips Windows pods (`spec.os.name:
/// windows`). The API server forbids the Linux-only security context
/// fields there (`allowPrivilegeEscalation`, `readOnlyRootFilesystem`,
/// `capabilities`, `seccompProfile`, ...) and Pod Security Admission exempts
/// such pods from the restricted checks on them, so a rule asking for those
/// fields must not ask a Windows pod.
pub(super) fn each_linux_container<'a>(
    obj: &'a Object,
    mut f: impl FnMut(&PodSpec<'a>, &Container<'a>),
) {
    each_container(obj, |pod, c| {
        if !is_windows(pod) {
            f(pod, c);
        }
    });
}

/// Whether the pod declares `spec.os.name: windows`.
pub(super) fn is_windows(pod: &PodSpec<'_>) -> bool {
    pod.spec
        .node
        .get_path(&["os", "name"])
        .and_then(Node::as_str)
        == Some(kubeguard_pss::values::WINDOWS_OS)
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

/// Several containers for a message: `container "a", container "b" and
/// init container "c"`.
pub(super) fn describe_all(cs: &[Container<'_>]) -> String {
    let names: Vec<String> = cs.iter().map(describe).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The value at `keys` under a container's own `securityContext`, unless
/// it is missing or null.
pub(super) fn own<'a>(c: &Container<'a>, keys: &[&str]) -> Option<Located<'a>> {
    c.get("securityContext")?
        .lookup(keys)
        .ok()
        .filter(|v| !v.node.is_null())
}

/// The value at `keys` under the pod's `securityContext`, unless it is
/// missing or null.
pub(super) fn pod_level<'a>(pod: &PodSpec<'a>, keys: &[&str]) -> Option<Located<'a>> {
    pod.get("securityContext")?
        .lookup(keys)
        .ok()
        .filter(|v| !v.node.is_null())
}

/// The containers that run with `value`, the pod-level value at `keys`:
/// those whose effective value ([`PodSpec::effective`]) is that very node,
/// because they set none of their own.
pub(super) fn inheritors<'a>(
    pod: &PodSpec<'a>,
    keys: &[&str],
    value: &Located<'a>,
) -> Vec<Container<'a>> {
    pod.containers()
        .filter(|c| {
            pod.effective(c, keys)
                .is_some_and(|v| std::ptr::eq(v.node, value.node))
        })
        .collect()
}

/// Names a pod-level setting for a message, with the containers that run
/// with it: `pod securityContext (used by container "a")`. A pod-level
/// value every container overrides still counts for Pod Security Admission,
/// which rejects the pod for it, so rules report it all the same.
pub(super) fn pod_setting(what: &str, users: &[Container<'_>]) -> String {
    if users.is_empty() {
        format!("{what} (overridden by every container, still rejected by Pod Security Admission)")
    } else {
        format!("{what} (used by {})", describe_all(users))
    }
}

/// The pod's annotations (the template's for workloads), each pointing at
/// its key.
pub(super) fn annotations<'a>(pod: &PodSpec<'a>) -> Vec<(&'a str, Located<'a>)> {
    pod.metadata
        .as_ref()
        .and_then(|m| m.get("annotations"))
        .map(|a| a.entries().collect())
        .unwrap_or_default()
}

/// A capability as the container runtimes read it: upper case and without
/// the `CAP_` prefix, so `cap_sys_admin` is `SYS_ADMIN`. `ALL` stays `ALL`
/// (and `CAP_ALL`, which no runtime reads as every capability, stays
/// `CAP_ALL`).
pub(super) fn capability_name(text: &str) -> String {
    let upper = text.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) if rest != "ALL" => rest.to_owned(),
        _ => upper,
    }
}

/// The string items of a container's `securityContext.capabilities.<list>`
/// (`add` or `drop`), each with its [`capability_name`].
pub(super) fn capabilities<'a>(c: &Container<'a>, list: &str) -> Vec<(Located<'a>, String)> {
    own(c, &["capabilities", list])
        .map(|l| {
            l.items()
                .filter_map(|item| {
                    let name = capability_name(item.node.as_str()?);
                    Some((item, name))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a capability name (see [`capability_name`]) grants
/// `CAP_SYS_ADMIN`: `SYS_ADMIN` itself, or `ALL`.
pub(super) fn grants_sys_admin(name: &str) -> bool {
    name == "SYS_ADMIN" || name == "ALL"
}

/// Whether the container runs privileged (`securityContext.privileged:
/// true`). A privileged container gets every capability and runs without a
/// seccomp filter whatever its `capabilities` and `seccompProfile` say, and
/// the API server rejects `allowPrivilegeEscalation: false` beside it; so
/// the rules about those fields leave it to `privileged-container`.
pub(super) fn is_privileged(c: &Container<'_>) -> bool {
    c.at.node
        .get_path(&["securityContext", "privileged"])
        .is_some_and(Node::is_true)
}

/// The pod's `hostPath` volumes: each volume's name and its `hostPath` entry.
pub(super) fn host_path_volumes<'a>(pod: &PodSpec<'a>) -> Vec<(&'a str, Located<'a>)> {
    let Some(volumes) = pod.get("volumes") else {
        return Vec::new();
    };
    volumes
        .items()
        .filter_map(|v| {
            let host_path = v
                .get(kubeguard_pss::values::HOST_PATH_VOLUME_SOURCE)
                .filter(|h| !h.node.is_null())?;
            let name = v.node.get("name").and_then(Node::as_str).unwrap_or("");
            Some((name, host_path))
        })
        .collect()
}

/// Reports a pod spec boolean field (`hostNetwork`, ...) that is true.
pub(super) fn pod_flag_set(obj: &Object, cx: &mut Ctx<'_>, field: &str, message: &str) {
    if let Some(at) = PodSpec::of(obj).and_then(|pod| pod.get(field))
        && at.node.is_true()
    {
        cx.report(&at, message);
    }
}
