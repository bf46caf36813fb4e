//! Pod Security Standards, evaluated as the admission plugin does (and as
//! `kubeguard pss` does): the namespace's labels over the configured
//! defaults, the three modes, and the exemptions.

use super::Findings;
use super::object::to_object;
use crate::cluster::ClusterView;
use crate::policy::PodSecurity;
use kubeguard_core::Object;
use kubeguard_pss::namespace::{Exemption, NamespacePolicy, Request, admit, resolve_labels};
use kubeguard_pss::{Level, LevelVersion, Pod, PssError, Verdict, evaluate};
use std::collections::BTreeMap;

/// Audit annotation: the enforce level and version evaluated.
pub(crate) const ENFORCE_POLICY_KEY: &str = "podsecurity-enforce-policy";
/// Audit annotation: audit-mode violations.
pub(crate) const AUDIT_VIOLATIONS_KEY: &str = "podsecurity-audit-violations";
/// Audit annotation: why the object was exempt.
pub(crate) const EXEMPT_KEY: &str = "podsecurity-exempt";
/// Audit annotation: the namespace's Pod Security labels that do not parse.
pub(crate) const ERROR_KEY: &str = "podsecurity-error";
/// At most this many existing pods are checked when a namespace's enforce
/// level is tightened (the API server's limit).
const MAX_PODS_TO_CHECK: usize = 3000;

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
    if let Some(errors) = ns.errors_message() {
        out.annotate(ERROR_KEY, format!("Failed to parse policy: {errors}"));
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

/// A Namespace CREATE or UPDATE, as the admission plugin judges it: Pod
/// Security labels that do not parse are refused (on UPDATE only when they
/// changed), and tightening the enforce policy warns about the existing
/// pods in the namespace that the new policy would reject.
pub(crate) fn check_namespace(
    ps: &PodSecurity,
    namespace: &serde_json::Value,
    old_namespace: Option<&serde_json::Value>,
    cluster: &dyn ClusterView,
    out: &mut Findings,
) {
    let defaults = &ps.config.defaults;
    let new = resolve_labels_of(namespace, defaults);
    let new_errors = new.errors_message();
    let Some(old_namespace) = old_namespace else {
        out.invalid.extend(new_errors);
        return;
    };
    let old = resolve_labels_of(old_namespace, defaults);
    if let Some(errors) = new_errors
        && old.errors_message().as_ref() != Some(&errors)
    {
        out.invalid.push(errors);
        return;
    }
    let (enforce, was) = (new.policy.enforce, old.policy.enforce);
    let relaxed = enforce.version == was.version && enforce.level <= was.level;
    let name = namespace
        .pointer("/metadata/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    if enforce == was
        || enforce.level == Level::Privileged
        || relaxed
        || ps.config.exemptions.namespaces.iter().any(|n| n == name)
    {
        return;
    }
    out.warn
        .extend(existing_pod_warnings(ps, name, enforce, cluster));
}

/// A namespace object's labels, resolved over the defaults.
fn resolve_labels_of(
    namespace: &serde_json::Value,
    defaults: &kubeguard_pss::namespace::Policy,
) -> NamespacePolicy {
    let labels: BTreeMap<&str, &str> = namespace
        .pointer("/metadata/labels")
        .and_then(serde_json::Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    resolve_labels(|k| labels.get(k).copied(), defaults)
}

/// The warnings the API server gives when a namespace's enforce policy is
/// tightened: how many existing pods were checked, that some violate it,
/// and each distinct set of failed checks with the first pod (by name)
/// that has it and how many others share it.
fn existing_pod_warnings(
    ps: &PodSecurity,
    namespace: &str,
    enforce: LevelVersion,
    cluster: &dyn ClusterView,
) -> Vec<String> {
    let Some(pods) = cluster.pods_in(namespace) else {
        return vec!["failed to list pods while checking new PodSecurity enforce level".to_owned()];
    };
    let mut warnings = Vec::new();
    if pods.len() > MAX_PODS_TO_CHECK {
        warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {MAX_PODS_TO_CHECK} of {} existing pods",
            pods.len()
        ));
    }
    // Reason -> (first pod name, number of pods); pods come sorted by name.
    let mut by_reason: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for json in pods.iter().take(MAX_PODS_TO_CHECK) {
        let Ok(obj) = to_object(json) else { continue };
        let Ok(pod) = Pod::of(&obj) else { continue };
        if ps.config.exemptions.runtime_class(&pod).is_some() {
            continue;
        }
        let verdict = evaluate(&pod, enforce);
        if verdict.allowed() {
            continue;
        }
        let name = obj.name.as_deref().unwrap_or_default();
        by_reason
            .entry(verdict.forbidden_reason())
            .or_insert_with(|| (name.to_owned(), 0))
            .1 += 1;
    }
    if by_reason.is_empty() {
        return warnings;
    }
    warnings.push(format!(
        "existing pods in namespace {namespace:?} violate the new PodSecurity enforce level \"{enforce}\""
    ));
    let mut pod_warnings: Vec<String> = by_reason
        .into_iter()
        .map(|(reason, (first, count))| match count {
            1 => format!("{first}: {reason}"),
            2 => format!("{first} (and 1 other pod): {reason}"),
            n => format!("{first} (and {} other pods): {reason}", n - 1),
        })
        .collect();
    pod_warnings.sort();
    warnings.extend(pod_warnings);
    warnings
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
