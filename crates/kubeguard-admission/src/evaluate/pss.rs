//! Pod Security Standards, evaluated as the admission plugin does (and as
//! `kubeguard pss` does): the namespace's labels over the configured
//! defaults, the three modes, and the exemptions.

use super::Findings;
use crate::cluster::ClusterView;
use crate::policy::PodSecurity;
use kubeguard_core::Object;
use kubeguard_pss::namespace::{Exemption, Request, admit, resolve_labels};
use kubeguard_pss::{Pod, PssError, Verdict};

/// Audit annotation: the enforce level and version evaluated.
pub(crate) const ENFORCE_POLICY_KEY: &str = "podsecurity-enforce-policy";
/// Audit annotation: audit-mode violations.
pub(crate) const AUDIT_VIOLATIONS_KEY: &str = "podsecurity-audit-violations";
/// Audit annotation: why the object was exempt.
pub(crate) const EXEMPT_KEY: &str = "podsecurity-exempt";

/// Evaluates `obj` (a Pod or a workload with a pod template).
pub(crate) fn check(
    ps: &PodSecurity,
    obj: &Object,
    namespace: &str,
    username: Option<&str>,
    cluster: &dyn ClusterView,
    out: &mut Findings,
) {
    let pod = match Pod::of(obj) {
        Ok(pod) => pod,
        Err(PssError::NotAPod { .. }) => return,
        Err(e) => {
            out.errors.push(format!("PodSecurity: {e}"));
            return;
        }
    };
    let labels = cluster.namespace_labels(namespace).unwrap_or_default();
    let ns = resolve_labels(|k| labels.get(k).map(String::as_str), &ps.config.defaults);
    let admission = admit(
        &pod,
        obj.kind == "Pod",
        namespace,
        &ns,
        &ps.config.exemptions,
        Request { username },
    );
    if let Some(exemption) = &admission.exempt {
        let why = match exemption {
            Exemption::Namespace(_) => "namespace",
            Exemption::Username(_) => "user",
            Exemption::RuntimeClass(_) => "runtimeClass",
        };
        out.annotate(EXEMPT_KEY, why.to_owned());
        return;
    }
    if let Some(enforce) = &admission.enforce {
        out.annotate(ENFORCE_POLICY_KEY, enforce.policy.to_string());
    }
    if admission.denied()
        && let Some(v) = &admission.enforce
    {
        out.deny.push(v.message());
    }
    if admission.audited()
        && let Some(v) = &admission.audit
    {
        out.annotate(AUDIT_VIOLATIONS_KEY, would_violate(v));
    }
    if admission.warned()
        && let Some(v) = &admission.warn
    {
        out.warn.push(would_violate(v));
    }
}

/// `would violate PodSecurity "level:version": detail`, as upstream words
/// audit and warn messages.
pub(crate) fn would_violate(v: &Verdict) -> String {
    format!(
        "would violate PodSecurity \"{}\": {}",
        v.policy,
        v.forbidden_detail()
    )
}

/// Whether a Pod UPDATE changes what Pod Security looks at (the spec, or
/// the seccomp and AppArmor annotations); other updates are not evaluated,
/// as upstream.
pub(crate) fn significant_pod_update(old: &serde_json::Value, new: &serde_json::Value) -> bool {
    let spec = |o: &serde_json::Value| o.get("spec").cloned();
    let security_annotations = |o: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
        o.pointer("/metadata/annotations")
            .and_then(serde_json::Value::as_object)
            .map(|a| {
                a.iter()
                    .filter(|(k, _)| {
                        k.starts_with("container.apparmor.security.beta.kubernetes.io/")
                            || k.starts_with("seccomp.security.alpha.kubernetes.io/")
                            || k.starts_with("container.seccomp.security.alpha.kubernetes.io/")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    spec(old) != spec(new) || security_annotations(old) != security_annotations(new)
}
