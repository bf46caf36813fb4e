//! `sysctls`: only namespaced sysctls known to be safe; the allowed set
//! grows in v1.27, v1.29, v1.32 and v1.37.

use super::{At, Check, Failure, VersionedCheck};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::safe_sysctls;
use crate::version::Version;

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

fn sysctls_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, safe_sysctls(Version::V1(0)))
}

fn sysctls_1_27<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, safe_sysctls(Version::V1(27)))
}

fn sysctls_1_29<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, safe_sysctls(Version::V1(29)))
}

fn sysctls_1_32<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, safe_sysctls(Version::V1(32)))
}

fn sysctls_1_37<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    sysctls(pod, safe_sysctls(Version::V1(37)))
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
        // The list grows exactly where an implementation starts.
        let grows: Vec<u32> = (1..=crate::LATEST_MINOR)
            .filter(|&m| safe_sysctls(Version::V1(m)) != safe_sysctls(Version::V1(m - 1)))
            .collect();
        assert_eq!(grows, points[1..]);
    }
}
