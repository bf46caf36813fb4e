//! Access to the pod spec of every workload kind, its containers, and the
//! security context a container really runs with.

use crate::located::Located;
use crate::object::Object;

/// Kinds that carry a pod spec, and the path from the root to it.
const POD_SPEC_PATHS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    ("DeploymentConfig", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
    ("PodTemplate", &["template", "spec"]),
];

/// The path from the root of a `kind` object to its pod spec (`["spec"]`
/// for a Pod, `["spec", "template", "spec"]` for a Deployment, ...), or
/// `None` when the kind carries no pod spec.
#[must_use]
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    POD_SPEC_PATHS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, path)| *path)
}

/// Every kind that carries a pod spec.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
    "DeploymentConfig",
];

/// Security context fields a container inherits from the pod.
const INHERITED: &[&str] = &[
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
    "appArmorProfile",
];

/// Which list a container is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// `initContainers`.
    Init,
    /// `containers`.
    Regular,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field holding this kind of container.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod spec.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// Which list it is in.
    pub kind: ContainerKind,
    /// The container mapping.
    pub at: Located<'a>,
    /// `name`, or `""` when missing.
    pub name: &'a str,
}

impl<'a> Container<'a> {
    /// A field of the container.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Located<'a>> {
        self.at.get(key)
    }

    /// `image`, if set as a string.
    #[must_use]
    pub fn image(&self) -> Option<&'a str> {
        self.at.node.get("image").and_then(crate::Node::as_str)
    }
}

/// The pod spec of a workload, with the template metadata it sits under.
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    /// The pod spec mapping (`spec`, `spec.template.spec`, ...).
    pub spec: Located<'a>,
    /// The pod's metadata (`metadata` for a Pod, the template's otherwise).
    pub metadata: Option<Located<'a>>,
}

impl<'a> PodSpec<'a> {
    /// The pod spec of `obj`, if its kind carries one and it is a mapping.
    #[must_use]
    pub fn of(obj: &'a Object) -> Option<Self> {
        let path = pod_spec_path(&obj.kind)?;
        let (last, parent_path) = path.split_last()?;
        let parent = obj.located().lookup(parent_path).ok()?;
        let spec = parent.get(last)?;
        spec.node.as_map()?;
        let metadata = parent.get("metadata");
        Some(PodSpec { spec, metadata })
    }

    /// A field of the pod spec.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Located<'a>> {
        self.spec.get(key)
    }

    /// All containers: `initContainers`, `containers`, `ephemeralContainers`.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + '_ {
        [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .filter_map(|kind| self.spec.get(kind.field()).map(|list| (kind, list)))
        .flat_map(|(kind, list)| {
            list.items()
                .filter(|c| c.node.as_map().is_some())
                .map(|c| Container {
                    kind,
                    name: c
                        .node
                        .get("name")
                        .and_then(crate::Node::as_str)
                        .unwrap_or(""),
                    at: c,
                })
                .collect::<Vec<_>>()
        })
    }

    /// The security context value a container runs with for `keys` (a path
    /// under `securityContext`): the container's own value, else the pod's
    /// for the fields the kubelet inherits. A container that sets a struct
    /// (`seccompProfile`, `seLinuxOptions`) replaces the pod's whole struct;
    /// `windowsOptions` is merged field by field.
    #[must_use]
    pub fn effective(&self, container: &Container<'a>, keys: &[&str]) -> Option<Located<'a>> {
        let own = container.at.get("securityContext");
        if let Some(sc) = &own {
            if let Ok(v) = sc.lookup(keys)
                && !v.node.is_null()
            {
                return Some(v);
            }
            let whole_struct = keys.len() > 1 && keys[0] != "windowsOptions";
            if whole_struct && sc.get(keys[0]).is_some_and(|v| !v.node.is_null()) {
                return None;
            }
        }
        if !INHERITED.contains(&keys[0]) {
            return None;
        }
        self.spec
            .get("securityContext")?
            .lookup(keys)
            .ok()
            .filter(|v| !v.node.is_null())
    }

    /// The container's `securityContext`, or where a missing one belongs.
    #[must_use]
    pub fn security_context_or_parent(container: &Container<'a>) -> Located<'a> {
        container
            .at
            .get("securityContext")
            .unwrap_or_else(|| container.at.clone())
    }
}
