//! `capabilities_restricted` (v1.22): every container drops ALL and adds at
//! most NET_BIND_SERVICE; from v1.25 Windows pods are exempt.

use super::{
    At, Check, Failure, Names, VersionedCheck, containers_phrase, join_quote, sorted_unique,
};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::{DROP_ALL_CAPABILITIES, RESTRICTED_ADDABLE_CAPABILITY};

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    summary: "containers must drop ALL capabilities and may add only NET_BIND_SERVICE",
    versions: &[
        VersionedCheck {
            min_minor: 22,
            overrides: &["capabilities_baseline"],
            eval: capabilities_restricted_1_22,
        },
        VersionedCheck {
            min_minor: 25,
            overrides: &["capabilities_baseline"],
            eval: capabilities_restricted_1_25,
        },
    ],
};

fn capabilities_restricted_1_22<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut missing_drop = Names::new();
    let mut adding = Names::new();
    let mut forbidden = Names::new();
    let mut at = None;
    for c in &pod.containers {
        let Some(caps) = &c.sc().capabilities else {
            missing_drop.push(c.name);
            let keys: &'static [&'static str] = if c.security_context.is_some() {
                &["securityContext", "capabilities"]
            } else {
                &["securityContext"]
            };
            at.get_or_insert(At::container(c, keys));
            continue;
        };
        if !caps.drop.contains(&DROP_ALL_CAPABILITIES) {
            missing_drop.push(c.name);
            at.get_or_insert(At::container(
                c,
                &["securityContext", "capabilities", "drop"],
            ));
        }
        let before = forbidden.len();
        forbidden.extend(
            caps.add
                .iter()
                .copied()
                .filter(|cap| *cap != RESTRICTED_ADDABLE_CAPABILITY),
        );
        if forbidden.len() > before {
            adding.push(c.name);
            at.get_or_insert(At::container(
                c,
                &["securityContext", "capabilities", "add"],
            ));
        }
    }
    let at = at?;
    let mut detail = String::new();
    if !missing_drop.is_empty() {
        detail = containers_phrase(&missing_drop);
        detail.push_str(" must set securityContext.capabilities.drop=[\"ALL\"]");
    }
    if !adding.is_empty() {
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&containers_phrase(&adding));
        detail.push_str(" must not include ");
        detail.push_str(&join_quote(&sorted_unique(forbidden.into_vec())));
        detail.push_str(" in securityContext.capabilities.add");
    }
    Some(Failure {
        reason: "unrestricted capabilities",
        detail,
        at,
    })
}

fn capabilities_restricted_1_25<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    if pod.is_windows() {
        return None;
    }
    capabilities_restricted_1_22(pod)
}
