//! `windowsHostProcess`: no Windows HostProcess containers.

use super::{At, Check, Failure, VersionedCheck, setters};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    summary: "securityContext.windowsOptions.hostProcess must not be true",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: windows_host_process_1_0,
    }],
};

const KEYS: &[&str] = &["securityContext", "windowsOptions", "hostProcess"];

fn windows_host_process_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let pod_bad = pod.sc().windows_host_process == Some(true);
    let mut at = pod_bad.then_some(At::Pod(KEYS));
    let mut names = Vec::new();
    for c in &pod.containers {
        if c.sc().windows_host_process == Some(true) {
            names.push(c.name);
            at.get_or_insert(At::container(c, KEYS));
        }
    }
    let at = at?;
    Some(Failure {
        reason: "hostProcess",
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod_bad, &names)
        ),
        at,
    })
}
