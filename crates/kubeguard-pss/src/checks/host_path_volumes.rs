//! `hostPathVolumes`: no `hostPath` volumes.

use super::{At, Check, Failure, VersionedCheck, join_quote, pluralize};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::HOST_PATH_VOLUME_SOURCE;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "hostPathVolumes",
    level: Level::Baseline,
    summary: "volumes must not be hostPath volumes",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: host_path_volumes_1_0,
    }],
};

fn host_path_volumes_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let bad: Vec<_> = pod
        .volumes
        .iter()
        .filter(|v| v.sources.contains(&HOST_PATH_VOLUME_SOURCE))
        .collect();
    let first = bad.first()?;
    let names: Vec<&str> = bad.iter().map(|v| v.name).collect();
    Some(Failure {
        reason: "hostPath volumes",
        detail: format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        at: At::Volume {
            index: first.index,
            key: HOST_PATH_VOLUME_SOURCE,
        },
    })
}
