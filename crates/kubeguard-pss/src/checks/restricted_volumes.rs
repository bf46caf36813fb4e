//! `restrictedVolumes`: only ephemeral and API-backed volume types.

use super::{At, Check, Failure, VersionedCheck, join_quote, pluralize, sorted_unique};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::RESTRICTED_VOLUME_SOURCES;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    summary: "volumes must be configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &["hostPathVolumes"],
        eval: restricted_volumes_1_0,
    }],
};

fn restricted_volumes_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut at = None;
    for v in &pod.volumes {
        let bad: Vec<&str> = v
            .sources
            .iter()
            .copied()
            .filter(|s| !RESTRICTED_VOLUME_SOURCES.contains(s))
            .collect();
        if let Some(first) = bad.first() {
            names.push(v.name);
            at.get_or_insert(At::Volume {
                index: v.index,
                key: first,
            });
            types.extend(bad);
        }
    }
    let at = at?;
    let types = sorted_unique(types);
    Some(Failure {
        reason: "restricted volume types",
        detail: format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
        at,
    })
}
