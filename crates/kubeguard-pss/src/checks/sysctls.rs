//! `sysctls`: only namespaced sysctls known to be safe; the allowed set
//! grows in v1.27, v1.29, v1.32 and v1.37.

use super::{At, Check, Failure, VersionedCheck};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    summary: "spec.securityContext.sysctls may only name the safe sysctls",
    versions: &[
        VersionedCheck {
            min_minor: 0,
            overrides: &[],
            eval: sysctls_1_0,
        },
        VersionedCheck {
            min_minor: 27,
            overrides: &[],
            eval: sysctls_1_27,
        },
        VersionedCheck {
            min_minor: 29,
            overrides: &[],
            eval: sysctls_1_29,
        },
        VersionedCheck {
            min_minor: 32,
            overrides: &[],
            eval: sysctls_1_32,
        },
        VersionedCheck {
            min_minor: 37,
            overrides: &[],
            eval: sysctls_1_37,
        },
    ],
};

/// All safe sysctls, in the order they were allowed; each version allows a prefix.
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    // v1.27
    "net.ipv4.ip_local_reserved_ports",
    // v1.29
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    // v1.32
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    // v1.37
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn sysctls_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, &SAFE[..5])
}

fn sysctls_1_27<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, &SAFE[..6])
}

fn sysctls_1_29<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, &SAFE[..10])
}

fn sysctls_1_32<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, &SAFE[..12])
}

fn sysctls_1_37<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, SAFE)
}

fn sysctls<'a>(pod: &Pod<'a>, allowed: &[&str]) -> Option<Failure<'a>> {
    let mut at = None;
    let mut bad = Vec::new();
    for (i, name) in pod.sc().sysctls.iter().enumerate() {
        if !allowed.contains(name) {
            at.get_or_insert(At::Sysctl(i));
            bad.push(*name);
        }
    }
    let at = at?;
    Some(Failure {
        reason: "forbidden sysctls",
        detail: bad.join(", "),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_allows_more() {
        let points: Vec<_> = CHECK.version_points().collect();
        assert_eq!(points, [0, 27, 29, 32, 37]);
    }
}
