use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::IMPERSONATE as IDENTITIES;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant the `impersonate` verb
    /// on `users`, `groups` or `serviceaccounts` (core API group), or on
    /// `uids` or any `userextras/<key>` (`authentication.k8s.io`), directly
    /// or through `"*"`. The finding points at the `verbs` item;
    /// `resourceNames` (the identities allowed) are named in the message.
    ///
    /// ## Why it matters
    /// Impersonation makes every request run as the chosen identity: a
    /// subject that may impersonate users or groups can act as a member of
    /// `system:masters` and bypass RBAC entirely.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["users", "groups"]
    ///   verbs: ["impersonate"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `impersonate`. Where an authenticating proxy must
    /// impersonate, name the identities it serves in `resourceNames` and
    /// ignore the finding for the proxy's role.
    code: "KG106",
    name: "rbac-impersonate",
    severity: Critical,
    summary: "Role or ClusterRole can impersonate users, groups or service accounts",
    remediation: "Remove the impersonate verb; an authenticating proxy that must impersonate should name the identities it serves in resourceNames.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.8", "NSA-CISA:authentication-authorization", "MITRE:T1078"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, IDENTITIES, By::Verb, |grant| {
        format!(
            "rule grants {}: every request can run as another identity, up to a member of system:masters",
            grant.describe()
        )
    });
}
