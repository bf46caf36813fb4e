//! The checks of the Pod Security Standards, one file each. Every check has
//! one or more implementations keyed by the minimum policy version they
//! apply from; a restricted implementation may override baseline checks it
//! is stricter than.

use crate::level::Level;
use crate::pod::Pod;
use kubeguard_core::workload::ContainerKind;
use smallvec::SmallVec;
use std::fmt::Write as _;

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes_and_host_lifecycle;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod se_linux_options;
mod seccomp_profile_baseline;
mod seccomp_profile_restricted;
mod sysctls;
mod windows_host_process;

/// Every check, baseline checks first, in the order violations are reported.
pub(crate) static CHECKS: &[&Check] = &[
    &privileged::CHECK,
    &host_namespaces::CHECK,
    &host_path_volumes::CHECK,
    &host_ports::CHECK,
    &capabilities_baseline::CHECK,
    &app_armor_profile::CHECK,
    &se_linux_options::CHECK,
    &proc_mount::CHECK,
    &seccomp_profile_baseline::CHECK,
    &sysctls::CHECK,
    &windows_host_process::CHECK,
    &host_probes_and_host_lifecycle::CHECK,
    &restricted_volumes::CHECK,
    &run_as_non_root::CHECK,
    &allow_privilege_escalation::CHECK,
    &seccomp_profile_restricted::CHECK,
    &capabilities_restricted::CHECK,
    &run_as_user::CHECK,
    &proc_mount_restricted::CHECK,
];

/// A check evaluates a decoded pod and returns a failure or nothing.
pub(crate) type CheckFn = for<'a> fn(&Pod<'a>) -> Option<Failure<'a>>;

/// One Pod Security Standards check.
#[derive(Debug)]
pub struct Check {
    /// The upstream check id (`runAsNonRoot`).
    pub id: &'static str,
    /// The level that introduces it (baseline or restricted).
    pub level: Level,
    /// What it forbids, in one line.
    pub summary: &'static str,
    /// Implementations, ascending by minimum version.
    pub(crate) versions: &'static [VersionedCheck],
}

/// An implementation of a check from a minimum version on.
#[derive(Debug)]
pub(crate) struct VersionedCheck {
    /// The first minor version (`v1.N`) it applies to.
    pub min_minor: u32,
    /// Baseline checks skipped at the restricted level while this applies.
    pub overrides: &'static [&'static str],
    /// The evaluation.
    pub eval: CheckFn,
}

impl Check {
    /// The implementation that applies at minor version `minor`, if any.
    pub(crate) fn at(&self, minor: u32) -> Option<&VersionedCheck> {
        self.versions.iter().rev().find(|v| v.min_minor <= minor)
    }

    /// The minor versions at which an implementation starts.
    pub fn version_points(&self) -> impl Iterator<Item = u32> + '_ {
        self.versions.iter().map(|v| v.min_minor)
    }
}

/// What a failed check reports before it is located in the source.
#[derive(Debug, Clone)]
pub(crate) struct Failure<'a> {
    /// The short forbidden reason (`runAsNonRoot != true`).
    pub reason: &'static str,
    /// Which containers, fields and values.
    pub detail: String,
    /// The offending field (the first one when several are at fault).
    pub at: At<'a>,
}

/// Where a failure points, relative to the pod spec or its metadata.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At<'a> {
    /// A field path below the pod spec.
    Pod(&'static [&'static str]),
    /// A field path below one container.
    Container {
        kind: ContainerKind,
        index: usize,
        keys: &'static [&'static str],
    },
    /// `ports[port].hostPort` of a container.
    HostPort {
        kind: ContainerKind,
        index: usize,
        port: usize,
    },
    /// `volumes[index].<key>`.
    Volume { index: usize, key: &'a str },
    /// `securityContext.sysctls[index].name`.
    Sysctl(usize),
    /// `metadata.annotations[key]`.
    Annotation(&'a str),
}

impl At<'_> {
    /// Points at a field of container `c`.
    pub(crate) fn container(c: &crate::pod::Container<'_>, keys: &'static [&'static str]) -> Self {
        At::Container {
            kind: c.kind,
            index: c.index,
            keys,
        }
    }
}

/// `singular` for one, `plural` otherwise.
pub(crate) fn pluralize(singular: &'static str, plural: &'static str, n: usize) -> &'static str {
    if n == 1 { singular } else { plural }
}

/// `"a", "b"`.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::with_capacity(items.iter().map(|s| s.as_ref().len() + 4).sum());
    push_quoted_list(&mut out, items);
    out
}

/// Appends `"a", "b"` to `out`.
fn push_quoted_list<S: AsRef<str>>(out: &mut String, items: &[S]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_quoted(out, item.as_ref());
    }
}

/// Appends `s` quoted as the API server quotes names (`"name"`), escaping
/// only when the text needs it.
fn push_quoted(out: &mut String, s: &str) {
    let plain = s
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        let _ = write!(out, "{s:?}");
    }
}

/// `container "a"` or `containers "a", "b"`, with room for the sentence
/// the caller appends.
pub(crate) fn containers_phrase(names: &[&str]) -> String {
    let mut out = String::with_capacity(96 + names.iter().map(|n| n.len() + 4).sum::<usize>());
    out.push_str(pluralize("container ", "containers ", names.len()));
    push_quoted_list(&mut out, names);
    out
}

/// `pod`, `containers "a"` or `pod and container "a"`: who set a value.
pub(crate) fn setters(pod: bool, containers: &[&str]) -> String {
    match (pod, containers.is_empty()) {
        (true, true) => "pod".to_owned(),
        (false, _) => containers_phrase(containers),
        (true, false) => format!("pod and {}", containers_phrase(containers)),
    }
}

/// Sorted, de-duplicated values.
pub(crate) fn sorted_unique(mut values: Vec<&str>) -> Vec<&str> {
    values.sort_unstable();
    values.dedup();
    values
}

/// Container names or values a check collects; most pods have few, so they
/// live on the stack.
pub(crate) type Names<'a> = SmallVec<[&'a str; 4]>;

/// The first container for which `bad` holds, with all their names.
pub(crate) fn bad_containers<'p, 'a>(
    pod: &'p Pod<'a>,
    mut bad: impl FnMut(&crate::pod::Container<'a>) -> bool,
) -> (Names<'a>, Option<&'p crate::pod::Container<'a>>) {
    let mut names = Names::new();
    let mut first = None;
    for c in &pod.containers {
        if bad(c) {
            names.push(c.name);
            first.get_or_insert(c);
        }
    }
    (names, first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_versions_ascend() {
        let mut ids: Vec<_> = CHECKS.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
        for c in CHECKS {
            assert!(!c.versions.is_empty(), "{}", c.id);
            assert!(
                c.versions
                    .windows(2)
                    .all(|w| w[0].min_minor < w[1].min_minor),
                "{}",
                c.id
            );
            for v in c.versions {
                for o in v.overrides {
                    let target = CHECKS.iter().find(|x| x.id == *o).expect("override exists");
                    assert_eq!(target.level, Level::Baseline);
                    assert_eq!(c.level, Level::Restricted);
                }
            }
        }
    }

    #[test]
    fn phrases() {
        assert_eq!(setters(true, &[]), "pod");
        assert_eq!(setters(true, &["a"]), "pod and container \"a\"");
        assert_eq!(setters(false, &["a", "b"]), "containers \"a\", \"b\"");
        assert_eq!(join_quote(&["x"]), "\"x\"");
        assert_eq!(join_quote(&["a\"b", "é"]), "\"a\\\"b\", \"é\"");
        assert_eq!(containers_phrase(&["a"]), "container \"a\"");
        assert_eq!(containers_phrase(&["a", "b"]), "containers \"a\", \"b\"");
    }
}
