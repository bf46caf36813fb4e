//! `hostNamespaces`: no sharing of the host's network, PID or IPC namespace.

use super::{At, Check, Failure, VersionedCheck};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    summary: "spec.hostNetwork, spec.hostPID and spec.hostIPC must not be true",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: host_namespaces_1_0,
    }],
};

fn host_namespaces_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let set: Vec<&'static str> = [
        (pod.host_network, "hostNetwork"),
        (pod.host_pid, "hostPID"),
        (pod.host_ipc, "hostIPC"),
    ]
    .into_iter()
    .filter_map(|(on, field)| on.then_some(field))
    .collect();
    let first = *set.first()?;
    let detail = set
        .iter()
        .map(|f| format!("{f}=true"))
        .collect::<Vec<_>>()
        .join(", ");
    let at: &'static [&'static str] = match first {
        "hostNetwork" => &["hostNetwork"],
        "hostPID" => &["hostPID"],
        _ => &["hostIPC"],
    };
    Some(Failure {
        reason: "host namespaces",
        detail,
        at: At::Pod(at),
    })
}
