use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags a namespace's `default` ServiceAccount unless it sets
    /// `automountServiceAccountToken: false`. The finding points at the
    /// field, or at the object when the field is missing.
    ///
    /// ## Why it matters
    /// Every pod that names no service account runs as `default` and,
    /// unless the pod opts out, gets an API token mounted. Most pods never
    /// call the API; for them the token is only something an attacker can
    /// steal and use.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// automountServiceAccountToken: false
    /// ```
    code: "KG114",
    name: "default-service-account-automount",
    severity: Low,
    summary: "Default service account mounts its API token into pods",
    remediation: "Set automountServiceAccountToken: false on the namespace's default ServiceAccount.",
    kinds: &["ServiceAccount"],
    references: ["CIS-5.1.5", "CIS-5.1.6", "NSA-CISA:authentication-authorization", "MITRE:T1528"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.api_version != "v1" || obj.name.as_deref() != Some("default") {
        return;
    }
    let namespace = obj.effective_namespace().unwrap_or_default();
    match obj.located().lookup(&["automountServiceAccountToken"]) {
        Ok(at) if at.node.as_bool() == Some(false) => {}
        Ok(at) => cx.report(
            &at,
            format!(
                "default service account of namespace {namespace:?} does not set automountServiceAccountToken: false: pods that name no service account get an API token"
            ),
        ),
        Err(root) => cx.report(
            &root,
            format!(
                "default service account of namespace {namespace:?} has no automountServiceAccountToken: false: pods that name no service account get an API token"
            ),
        ),
    }
}
