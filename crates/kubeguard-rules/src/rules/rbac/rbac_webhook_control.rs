use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::ADMISSION_CONTROL as ADMISSION;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create`, `update`,
    /// `patch`, `delete` or `deletecollection` on admission configuration
    /// in `admissionregistration.k8s.io`: validating and mutating webhook
    /// configurations, and validating and mutating admission policies and
    /// their bindings, directly or through `"*"`. The finding points at the
    /// `resources` item.
    ///
    /// ## Why it matters
    /// Admission control is where Pod Security, image policy and most
    /// guard rails are enforced. Whoever can change it can switch those
    /// checks off, or register a mutating webhook that receives every
    /// object sent to the API server, Secrets included, and rewrites pods
    /// on their way in.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["admissionregistration.k8s.io"]
    ///   resources: ["mutatingwebhookconfigurations"]
    ///   verbs: ["create", "patch"]
    /// ```
    ///
    /// ## How to fix
    /// Leave admission configuration to cluster administrators. A
    /// controller that manages its own webhook can still rewrite it to
    /// intercept anything, even when limited by `resourceNames`: keep it to
    /// that one configuration and ignore the finding for its role alone.
    code: "KG107",
    name: "rbac-webhook-control",
    severity: High,
    summary: "Role or ClusterRole can change admission webhooks or policies",
    remediation: "Remove write verbs on admission webhook configurations and admission policies from every role but those of the controllers that own them.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.12", "NSA-CISA:authentication-authorization", "MITRE:T1562"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, ADMISSION, By::Resource, |grant| {
        format!(
            "rule grants {}: it can switch off admission checks or intercept objects sent to the API server",
            grant.describe()
        )
    });
}
