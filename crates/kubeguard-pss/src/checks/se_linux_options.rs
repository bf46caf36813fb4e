//! `seLinuxOptions`: no custom SELinux user or role, and only the
//! container types; v1.31 also allows `container_engine_t`.

use super::{At, Check, Failure, VersionedCheck, join_quote, setters, sorted_unique};
use crate::level::Level;
use crate::pod::{Pod, SeLinuxOptions};
use crate::values::selinux_types;
use crate::version::Version;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    summary: "seLinuxOptions must not set user or role, and type only to a container type",
    versions: &[
        VersionedCheck {
            min_minor: 0,
            overrides: &[],
            eval: se_linux_options_1_0,
        },
        VersionedCheck {
            min_minor: 31,
            overrides: &[],
            eval: se_linux_options_1_31,
        },
    ],
};

fn se_linux_options_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    se_linux_options(pod, selinux_types(Version::V1(0)))
}

fn se_linux_options_1_31<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    se_linux_options(pod, selinux_types(Version::V1(31)))
}

fn se_linux_options<'a>(pod: &Pod<'a>, types: &[&str]) -> Option<Failure<'a>> {
    let mut bad_types = Vec::new();
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut inspect = |o: &SeLinuxOptions<'a>| {
        let mut bad = false;
        if !types.contains(&o.type_) {
            bad_types.push(o.type_);
            bad = true;
        }
        if !o.user.is_empty() {
            users.push(o.user);
            bad = true;
        }
        if !o.role.is_empty() {
            roles.push(o.role);
            bad = true;
        }
        bad
    };
    let mut at = None;
    let pod_bad = pod.sc().se_linux_options.as_ref().is_some_and(&mut inspect);
    if pod_bad {
        at = Some(At::Pod(&["securityContext", "seLinuxOptions"]));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if c.sc().se_linux_options.as_ref().is_some_and(&mut inspect) {
            names.push(c.name);
            at.get_or_insert(At::container(c, &["securityContext", "seLinuxOptions"]));
        }
    }
    let at = at?;
    let mut what = Vec::new();
    for (field, values) in [("type", bad_types), ("user", users), ("role", roles)] {
        if !values.is_empty() {
            let plural = if values.len() == 1 { "" } else { "s" };
            what.push(format!(
                "{field}{plural} {}",
                join_quote(&sorted_unique(values))
            ));
        }
    }
    Some(Failure {
        reason: "seLinuxOptions",
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod_bad, &names),
            what.join("; ")
        ),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_grow_where_an_implementation_starts() {
        let points: Vec<_> = CHECK.version_points().skip(1).collect();
        let grows: Vec<u32> = (1..=crate::LATEST_MINOR)
            .filter(|&m| selinux_types(Version::V1(m)) != selinux_types(Version::V1(m - 1)))
            .collect();
        assert_eq!(grows, points);
    }
}
