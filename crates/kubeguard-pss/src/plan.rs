//! Migration planning in the recommended order (audit, then warn, then
//! enforce): for the pods of one namespace, the strictest level they all
//! satisfy, what breaks at the next level, and the labels to apply.

use crate::evaluate::{LevelVersion, Verdict, evaluate, is_allowed};
use crate::level::Level;
use crate::namespace::{
    AUDIT_LABEL, AUDIT_VERSION_LABEL, ENFORCE_LABEL, ENFORCE_VERSION_LABEL, WARN_LABEL,
    WARN_VERSION_LABEL,
};
use crate::pod::Pod;
use crate::version::{LATEST_MINOR, Version};

/// The plan for one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespacePlan {
    /// The strictest level every pod satisfies, pinned to the newest version.
    pub strictest: LevelVersion,
    /// The next stricter level, when there is one.
    pub next: Option<NextLevel>,
    /// Labels to apply now: enforce what already holds, audit and warn the
    /// next level so its violations surface before it is enforced.
    pub labels: Vec<(&'static str, String)>,
}

/// What the next stricter level would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextLevel {
    /// The next level at the newest version.
    pub policy: LevelVersion,
    /// The newest version of that level every pod satisfies, if any.
    pub satisfied_up_to: Option<Version>,
    /// `(index of the pod in the input, its verdict)` for each pod it denies.
    pub breaking: Vec<(usize, Verdict)>,
}

/// Plans the namespace holding `pods` (Pods and workload templates).
#[must_use]
pub fn plan(pods: &[Pod<'_>]) -> NamespacePlan {
    let newest = Version::V1(LATEST_MINOR);
    let all_allowed = |policy: LevelVersion| pods.iter().all(|p| is_allowed(p, policy));
    let level = [Level::Restricted, Level::Baseline]
        .into_iter()
        .find(|l| all_allowed(LevelVersion::new(*l, newest)))
        .unwrap_or(Level::Privileged);
    let strictest = LevelVersion::new(level, newest);
    let next = level.stricter().map(|next_level| {
        let policy = LevelVersion::new(next_level, newest);
        let satisfied_up_to = (0..=LATEST_MINOR)
            .rev()
            .map(Version::V1)
            .find(|v| all_allowed(LevelVersion::new(next_level, *v)));
        let breaking = pods
            .iter()
            .enumerate()
            .map(|(i, p)| (i, evaluate(p, policy)))
            .filter(|(_, v)| !v.allowed())
            .collect();
        NextLevel {
            policy,
            satisfied_up_to,
            breaking,
        }
    });
    let watch = next.as_ref().map_or(strictest, |n| n.policy);
    let labels = vec![
        (AUDIT_LABEL, watch.level.to_string()),
        (AUDIT_VERSION_LABEL, watch.version.to_string()),
        (WARN_LABEL, watch.level.to_string()),
        (WARN_VERSION_LABEL, watch.version.to_string()),
        (ENFORCE_LABEL, strictest.level.to_string()),
        (ENFORCE_VERSION_LABEL, strictest.version.to_string()),
    ];
    NamespacePlan {
        strictest,
        next,
        labels,
    }
}
