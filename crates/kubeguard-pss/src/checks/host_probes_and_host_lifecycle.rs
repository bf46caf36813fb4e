//! `hostProbesAndHostLifecycle` (v1.34): probes and lifecycle handlers may
//! not target another host, which would let the kubelet reach it.

use super::{
    At, Check, Failure, VersionedCheck, containers_phrase, join_quote, pluralize, sorted_unique,
};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    summary: "probes and lifecycle handlers must not set httpGet.host or tcpSocket.host",
    versions: &[VersionedCheck {
        min_minor: 34,
        overrides: &[],
        eval: host_probes_and_host_lifecycle_1_34,
    }],
};

fn host_probes_and_host_lifecycle_1_34<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut names = Vec::new();
    let mut hosts = Vec::new();
    let mut at = None;
    for c in &pod.containers {
        if let Some(first) = c.handler_hosts.first() {
            names.push(c.name);
            at.get_or_insert(At::container(c, first.keys));
            hosts.extend(c.handler_hosts.iter().map(|h| h.host));
        }
    }
    let at = at?;
    let hosts = sorted_unique(hosts);
    Some(Failure {
        reason: "probe or lifecycle host",
        detail: format!(
            "{} {} probe or lifecycle {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("host", "hosts", hosts.len()),
            join_quote(&hosts)
        ),
        at,
    })
}
