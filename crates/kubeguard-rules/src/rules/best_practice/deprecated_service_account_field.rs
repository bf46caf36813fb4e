use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pod specs that set the deprecated `serviceAccount` field.
    ///
    /// ## Why it matters
    /// `serviceAccount` is a deprecated alias of `serviceAccountName`; the
    /// API server uses it only when `serviceAccountName` is empty. A
    /// manifest that sets it (alone, or with a different name in
    /// `serviceAccountName`) reads as running under one identity while the
    /// pod may run under another, and tools that read only
    /// `serviceAccountName` see the default service account.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   serviceAccount: web
    /// ```
    ///
    /// ## How to fix
    /// Write `serviceAccountName: web` and remove `serviceAccount`.
    code: "KG070",
    name: "deprecated-service-account-field",
    severity: Low,
    summary: "Pod sets the deprecated serviceAccount field",
    remediation: "Replace spec.serviceAccount with spec.serviceAccountName.",
    kinds: WORKLOAD_KINDS,
    references: [],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else { return };
    let Some(at) = pod.get("serviceAccount").filter(|a| !a.node.is_null()) else {
        return;
    };
    let old = at.node.scalar_text().unwrap_or("");
    let message = match pod
        .get("serviceAccountName")
        .and_then(|n| n.node.scalar_text().map(str::to_owned))
    {
        Some(name) if !name.is_empty() && name != old => format!(
            "pod sets the deprecated serviceAccount {old:?}, which the API server ignores: it runs as serviceAccountName {name:?}"
        ),
        Some(name) if !name.is_empty() => format!(
            "pod sets the deprecated serviceAccount {old:?} beside serviceAccountName: remove it"
        ),
        _ => format!(
            "pod names its service account {old:?} with the deprecated serviceAccount field: write serviceAccountName"
        ),
    };
    cx.report(&at, message);
}
