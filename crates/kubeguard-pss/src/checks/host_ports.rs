//! `hostPorts`: no container port bound on the host.

use super::{At, Check, Failure, VersionedCheck, containers_phrase, pluralize};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    summary: "containers must not set a non-zero ports[*].hostPort",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: host_ports_1_0,
    }],
};

fn host_ports_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut names = Vec::new();
    let mut ports = Vec::new();
    let mut at = None;
    for c in &pod.containers {
        if c.host_ports.is_empty() {
            continue;
        }
        names.push(c.name);
        for (i, port) in &c.host_ports {
            at.get_or_insert(At::HostPort {
                kind: c.kind,
                index: c.index,
                port: *i,
            });
            ports.push(*port);
        }
    }
    let at = at?;
    ports.sort_unstable();
    ports.dedup();
    let list = ports
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Some(Failure {
        reason: "hostPort",
        detail: format!(
            "{} {} {} {list}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
        ),
        at,
    })
}
