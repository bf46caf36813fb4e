use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::CREATE_WORKLOADS as WORKLOADS;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create` on pods or on a
    /// controller that creates pods: ReplicationControllers, Deployments,
    /// DaemonSets, StatefulSets, ReplicaSets, Jobs and CronJobs, directly
    /// or through `"*"`. The finding points at the `resources` item. A rule
    /// limited by `resourceNames` cannot grant `create` and is left alone.
    ///
    /// ## Why it matters
    /// Whoever creates a pod chooses its service account, its volumes and
    /// its image: they can run as any service account of the namespace and
    /// mount any of its Secrets, so they hold the union of those
    /// permissions. Without a Pod Security admission level, they can also
    /// start a privileged pod and take over the node.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["apps"]
    ///   resources: ["deployments"]
    ///   verbs: ["create"]
    /// ```
    ///
    /// ## How to fix
    /// Grant workload creation only to deployment tooling, in namespaces
    /// that enforce the `restricted` Pod Security Standard and whose
    /// service accounts hold no more than the workloads need.
    code: "KG103",
    name: "rbac-create-pods",
    severity: Medium,
    summary: "Role or ClusterRole can create pods or workload controllers",
    remediation: "Remove create on pods and workload controllers from roles that do not deploy workloads; where it is needed, enforce the restricted Pod Security Standard in the namespace.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.4", "NSA-CISA:authentication-authorization", "MITRE:T1610"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, WORKLOADS, By::Resource, |grant| {
        format!(
            "rule grants {}: it can run pods as any service account of the namespace and mount its Secrets",
            grant.describe()
        )
    });
}
