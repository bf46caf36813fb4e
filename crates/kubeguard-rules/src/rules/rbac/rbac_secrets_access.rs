use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::READ_SECRETS as SECRETS;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `get`, `list` or `watch`
    /// on `secrets` in the core API group, directly or through `"*"`. The
    /// finding points at the `resources` item that grants it. Rules limited
    /// by `resourceNames` are flagged too, and the message names the
    /// Secrets they expose.
    ///
    /// ## Why it matters
    /// Reading a Secret returns its data. `list` and `watch` return every
    /// Secret in scope at once, service account tokens and registry
    /// credentials included; `get` returns any Secret whose name is known,
    /// and names are easy to learn from pod specs. A named Secret is
    /// usually named because it matters.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["secrets"]
    ///   verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## How to fix
    /// Mount the Secrets a workload needs as volumes instead of reading
    /// them through the API. When API access is required, grant `get` only,
    /// with `resourceNames`.
    code: "KG101",
    name: "rbac-secrets-access",
    severity: High,
    summary: "Role or ClusterRole can read Secrets",
    remediation: "Remove get, list and watch on secrets; if a workload must read a Secret through the API, grant get on it alone with resourceNames.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.2", "NSA-CISA:authentication-authorization", "MITRE:T1552.007"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, SECRETS, By::Resource, |grant| {
        let effect = if !grant.rule.resource_names.is_empty() {
            "it reads the data of the named Secrets"
        } else if grant.verbs.iter().any(|v| *v != "get") {
            "it reads the data of every Secret in its scope"
        } else {
            "it reads the data of any Secret whose name is known"
        };
        format!("rule grants {}: {effect}", grant.describe())
    });
}
