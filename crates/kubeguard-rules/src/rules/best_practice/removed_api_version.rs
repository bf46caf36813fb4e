use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags objects whose `apiVersion` and `kind` pair is no longer served
    /// by Kubernetes, following the upstream Deprecated API Migration Guide
    /// (removals in 1.16, 1.22, 1.25, 1.26, 1.27, 1.29 and 1.32). The message
    /// names the release that stopped serving it and the apiVersion to use.
    /// Pairs are matched per kind, not per group version: some group
    /// versions came back with new kinds (`admissionregistration.k8s.io/v1beta1`
    /// ValidatingAdmissionPolicy, `storage.k8s.io/v1beta1`
    /// VolumeAttributesClass, `networking.k8s.io/v1beta1` ServiceCIDR), which
    /// are not flagged.
    ///
    /// ## Why it matters
    /// The API server rejects the object: the manifest cannot be applied to a
    /// current cluster, and whatever it was meant to secure (a
    /// NetworkPolicy, a PodDisruptionBudget, RBAC) is silently missing when a
    /// pipeline ignores the error. Objects written for old versions also
    /// carry old defaults.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: extensions/v1beta1
    /// kind: Deployment
    /// ```
    ///
    /// ## How to fix
    /// Change `apiVersion` to the one named in the message and apply the
    /// field changes the migration guide lists for that kind; `kubectl
    /// convert` does it for most kinds. PodSecurityPolicy has no successor
    /// API: use Pod Security Admission namespace labels.
    code: "KG068",
    name: "removed-api-version",
    severity: High,
    summary: "API version is no longer served by Kubernetes",
    remediation: "Change apiVersion to the served version named in the message (kubectl convert helps) and apply the field changes the Kubernetes migration guide lists.",
    kinds: &[],
    references: ["https://kubernetes.io/docs/reference/using-api/deprecation-guide/"],
    check: Check::Object(&check),
}

/// What replaces a removed API.
enum Successor {
    /// The apiVersion that serves the same kind.
    Api(&'static str),
    /// No API replaces it; what to do instead.
    None(&'static str),
}

/// A removed group version, the kinds it no longer serves, the release that
/// stopped serving them, and what replaces them.
struct Removed {
    api_version: &'static str,
    kinds: &'static [&'static str],
    removed_in: &'static str,
    successor: Successor,
}

const fn removed(
    api_version: &'static str,
    kinds: &'static [&'static str],
    removed_in: &'static str,
    successor: &'static str,
) -> Removed {
    Removed {
        api_version,
        kinds,
        removed_in,
        successor: Successor::Api(successor),
    }
}

const APPS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ControllerRevision",
];
const FLOW_CONTROL: &[&str] = &["FlowSchema", "PriorityLevelConfiguration"];
const PSA: &str = "use Pod Security Admission (pod-security.kubernetes.io namespace labels) or an admission policy";

/// The Deprecated API Migration Guide, as a table.
const REMOVED: &[Removed] = &[
    // v1.16
    removed(
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        "1.16",
        "apps/v1",
    ),
    removed(
        "extensions/v1beta1",
        &["NetworkPolicy"],
        "1.16",
        "networking.k8s.io/v1",
    ),
    Removed {
        api_version: "extensions/v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: "1.16",
        successor: Successor::None(PSA),
    },
    removed("apps/v1beta1", APPS, "1.16", "apps/v1"),
    removed("apps/v1beta2", APPS, "1.16", "apps/v1"),
    // v1.22
    removed(
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    removed(
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    removed(
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        "1.22",
        "apiregistration.k8s.io/v1",
    ),
    removed(
        "authentication.k8s.io/v1beta1",
        &["TokenReview"],
        "1.22",
        "authentication.k8s.io/v1",
    ),
    removed(
        "authorization.k8s.io/v1beta1",
        &[
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SubjectAccessReview",
            "SelfSubjectRulesReview",
        ],
        "1.22",
        "authorization.k8s.io/v1",
    ),
    removed(
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        "1.22",
        "certificates.k8s.io/v1",
    ),
    removed(
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        "1.22",
        "coordination.k8s.io/v1",
    ),
    removed(
        "extensions/v1beta1",
        &["Ingress"],
        "1.22",
        "networking.k8s.io/v1",
    ),
    removed(
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        "1.22",
        "networking.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        "1.22",
        "scheduling.k8s.io/v1",
    ),
    removed(
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "1.22",
        "storage.k8s.io/v1",
    ),
    // v1.25
    removed("batch/v1beta1", &["CronJob"], "1.25", "batch/v1"),
    removed(
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        "1.25",
        "discovery.k8s.io/v1",
    ),
    removed(
        "events.k8s.io/v1beta1",
        &["Event"],
        "1.25",
        "events.k8s.io/v1",
    ),
    removed(
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        "1.25",
        "autoscaling/v2",
    ),
    removed(
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        "1.25",
        "policy/v1",
    ),
    Removed {
        api_version: "policy/v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: "1.25",
        successor: Successor::None(PSA),
    },
    removed(
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        "1.25",
        "node.k8s.io/v1",
    ),
    // v1.26
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        FLOW_CONTROL,
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        "1.26",
        "autoscaling/v2",
    ),
    // v1.27
    removed(
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        "1.27",
        "storage.k8s.io/v1",
    ),
    // v1.29
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        FLOW_CONTROL,
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // v1.32
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        FLOW_CONTROL,
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(entry) = REMOVED
        .iter()
        .find(|r| r.api_version == obj.api_version && r.kinds.contains(&obj.kind.as_str()))
    else {
        return;
    };
    let Some(at) = obj.located().get("apiVersion") else {
        return;
    };
    let instead = match entry.successor {
        Successor::Api(api) => format!("use apiVersion: {api}"),
        Successor::None(what) => format!("no API replaces it; {what}"),
    };
    cx.report(
        &at,
        format!(
            "{} {} is no longer served since Kubernetes v{}: {instead}",
            entry.api_version, obj.kind, entry.removed_in
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::REMOVED;
    use std::collections::HashSet;

    #[test]
    fn each_pair_is_listed_once() {
        let mut seen = HashSet::new();
        for r in REMOVED {
            for kind in r.kinds {
                assert!(
                    seen.insert((r.api_version, *kind)),
                    "{} {kind} listed twice",
                    r.api_version
                );
            }
        }
    }
}
