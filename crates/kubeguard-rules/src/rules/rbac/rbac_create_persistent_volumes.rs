use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::Probe;

/// Creating or changing PersistentVolumes.
const PERSISTENT_VOLUMES: &[Probe] = &[
    Probe {
        verb: "create",
        group: "",
        resource: "persistentvolumes",
    },
    Probe {
        verb: "update",
        group: "",
        resource: "persistentvolumes",
    },
    Probe {
        verb: "patch",
        group: "",
        resource: "persistentvolumes",
    },
];

declare_rule! {
    /// ## What it does
    /// Flags ClusterRole (and Role) rules that grant `create`, `update` or
    /// `patch` on `persistentvolumes` in the core API group, directly or
    /// through `"*"`. PersistentVolumes are cluster-scoped, so a Role's
    /// grant only takes effect through a ClusterRole bound cluster-wide; it
    /// is reported wherever it is written. The finding points at the
    /// `resources` item that grants it.
    ///
    /// ## Why it matters
    /// A PersistentVolume can be a `hostPath` volume. Whoever creates one,
    /// and can claim it from a namespace where they run pods, mounts any
    /// directory of a node (`/`, `/etc`, `/var/lib/kubelet`) into a pod,
    /// bypassing Pod Security admission, which checks pods, not volumes.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["persistentvolumes"]
    ///   verbs: ["create"]
    /// ```
    ///
    /// ## How to fix
    /// Provision volumes through StorageClasses and PersistentVolumeClaims;
    /// keep PersistentVolume writes to storage controllers and cluster
    /// administrators.
    code: "KG116",
    name: "rbac-create-persistent-volumes",
    severity: High,
    summary: "Role or ClusterRole can create or change PersistentVolumes",
    remediation: "Remove create, update and patch on persistentvolumes; provision storage through StorageClasses and PersistentVolumeClaims.",
    kinds: ROLE_KINDS,
    references: ["MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, PERSISTENT_VOLUMES, By::Resource, |grant| {
        format!(
            "rule grants {}: a hostPath PersistentVolume mounts any directory of a node into a pod that claims it",
            grant.describe()
        )
    });
}
