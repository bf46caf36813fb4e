//! The cross-object index: light summaries of every object, built once per
//! scan, from which cluster-wide rules work.

use crate::context::ObjectInfo;
use crate::scope::{INSTALL_NAMESPACE, is_cluster_scoped, is_local_config};
use kubeguard_core::{Located, Node, ObjectRef, Pos, Snippet};
use kubeguard_netpol::{DefaultDeny, Directions, Isolation, Pod};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Namespaces that cluster-wide namespace rules leave alone: they belong to
/// the control plane and are managed by it.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// A place recorded for a later finding.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// The file reported.
    pub file: Arc<str>,
    /// Resolved position.
    pub pos: Pos,
    /// Field path.
    pub path: String,
    /// The object.
    pub object: Arc<ObjectRef>,
    /// The file that holds the object, when not `file`.
    pub object_file: Option<Arc<str>>,
    /// The source text, for snippets.
    pub snippet: Option<Snippet>,
}

impl Anchor {
    pub(crate) fn new(info: &ObjectInfo<'_>, at: &Located<'_>) -> Self {
        let (file, pos, snippet) = info.place(at.at);
        Anchor {
            object_file: info.object_file(&file),
            file,
            pos,
            path: at.path(),
            object: Arc::clone(&info.object_ref),
            snippet,
        }
    }
}

/// What the input says about one namespace.
#[derive(Debug, Default)]
pub struct NamespaceInfo {
    /// The Namespace object, pointing at its `metadata.labels` (or
    /// `metadata` when it has no labels), when the input declares it.
    pub declared: Option<Anchor>,
    /// The Namespace object's labels.
    pub labels: BTreeMap<String, String>,
    /// The first object placed in the namespace by `metadata.namespace`
    /// (for the install namespace, by having none).
    pub first_use: Option<Anchor>,
    /// The first object of the namespace that runs pods (a Pod or a
    /// workload with a pod template).
    pub first_workload: Option<Anchor>,
    /// The labels of the last Namespace object of that name (as applying
    /// the input leaves them), which network policies select on.
    applied_labels: Option<BTreeMap<String, String>>,
    /// A ResourceQuota exists in it.
    pub has_quota: bool,
    /// A LimitRange exists in it.
    pub has_limit_range: bool,
}

impl NamespaceInfo {
    /// Where namespace findings point: the Namespace object if declared,
    /// else the first object of the namespace that runs pods, else the
    /// first object placed in it.
    #[must_use]
    pub fn anchor(&self) -> Option<&Anchor> {
        self.declared
            .as_ref()
            .or(self.first_workload.as_ref())
            .or(self.first_use.as_ref())
    }

    fn merge(&mut self, other: NamespaceInfo) {
        if self.declared.is_none() {
            self.declared = other.declared;
            self.labels = other.labels;
        }
        if self.first_use.is_none() {
            self.first_use = other.first_use;
        }
        if self.first_workload.is_none() {
            self.first_workload = other.first_workload;
        }
        if other.applied_labels.is_some() {
            self.applied_labels = other.applied_labels;
        }
        self.has_quota |= other.has_quota;
        self.has_limit_range |= other.has_limit_range;
    }
}

/// A pod that mounts its service account token, or may: reported by
/// `service-account-token-automount` once the input's ServiceAccounts are
/// known.
#[derive(Debug)]
pub struct TokenMount {
    /// Where the finding points.
    pub anchor: Anchor,
    /// The finding's message.
    pub message: String,
    /// The pod's service account, when the pod leaves the choice to it
    /// (no finding if the input disables its token).
    pub service_account: Option<String>,
}

/// The pods of a workload as network policies see them: recorded for
/// `workload-not-selected-by-networkpolicy`.
#[derive(Debug)]
pub struct PolicyPod {
    /// Where the finding points: the pod template's labels.
    pub anchor: Anchor,
    /// The pods' labels, as the netpol model reads them.
    pub pod: Pod,
    /// `(kind, name)` of the object's owners (`metadata.ownerReferences`).
    owners: Vec<(String, String)>,
}

/// `(kind, name)` of each of `obj`'s owners.
fn owners_of(obj: &kubeguard_core::Object) -> Vec<(String, String)> {
    obj.root
        .get_path(&["metadata", "ownerReferences"])
        .into_iter()
        .flat_map(Node::items)
        .filter_map(|r| {
            let text = |k| r.get(k).and_then(Node::scalar_text).map(str::to_owned);
            Some((text("kind")?, text("name")?))
        })
        .collect()
}

/// Summaries of all objects of a scan.
#[derive(Debug, Default)]
pub struct Index {
    /// Pods that mount (or may mount) their token, by namespace.
    token_mounts: Vec<(String, TokenMount)>,
    /// The objects of `token_mounts`, by file.
    token_objects: BTreeSet<(Arc<str>, Arc<ObjectRef>)>,
    /// `(namespace, name)` of ServiceAccounts that set
    /// `automountServiceAccountToken: false`.
    no_token_accounts: BTreeSet<(String, String)>,
    namespaces: BTreeMap<String, NamespaceInfo>,
    default_deny: DefaultDeny,
    /// What the objects without `metadata.namespace` deny by default in the
    /// namespace they are installed into (the network policies among them
    /// are read as placed in `default`), with the cluster-wide policies.
    install_deny: DefaultDeny,
    /// The pod selectors of the network policies, as `default_deny` reads
    /// the policies.
    isolation: Isolation,
    /// The same for the install namespace, as `install_deny`.
    install_isolation: Isolation,
    /// The pods of each workload, by namespace.
    policy_pods: Vec<(String, PolicyPod)>,
    /// The objects of `policy_pods`, by file.
    policy_pod_objects: BTreeSet<(Arc<str>, Arc<ObjectRef>)>,
}

/// The string labels of a `metadata.labels` node.
fn labels_of(node: Option<&Node>) -> BTreeMap<String, String> {
    node.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v.scalar_text()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

impl Index {
    /// Records what `info`'s object says about its namespace.
    pub(crate) fn add(&mut self, info: &ObjectInfo<'_>) {
        let obj = info.obj;
        let root = obj.located();
        self.default_deny.add(obj);
        self.isolation.add(obj);
        if obj.namespace.is_none() {
            self.install_deny.add(obj);
            self.install_isolation.add(obj);
        }
        if obj.kind == "Namespace"
            && obj.group().is_empty()
            && let Some(name) = &obj.name
        {
            let labels = labels_of(obj.root.get_path(&["metadata", "labels"]));
            self.namespaces
                .entry(name.clone())
                .or_default()
                .applied_labels = Some(labels);
        }
        if obj.kind == "Namespace" && obj.api_version == "v1" {
            let Some(name) = &obj.name else { return };
            let Ok(meta) = root.lookup(&["metadata"]) else {
                return;
            };
            let at = meta.get("labels").unwrap_or(meta);
            let labels = labels_of(Some(at.node));
            let ns = self.namespaces.entry(name.clone()).or_default();
            if ns.declared.is_none() {
                ns.declared = Some(Anchor::new(info, &at));
                ns.labels = labels;
            }
            return;
        }
        if is_cluster_scoped(obj) || is_local_config(obj) {
            return;
        }
        let name = obj
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(INSTALL_NAMESPACE);
        self.add_token_facts(info, name);
        self.add_policy_pod(info, name);
        let ns = self.namespaces.entry(name.to_owned()).or_default();
        let runs_pods = kubeguard_core::workload::pod_spec_path(&obj.kind).is_some();
        if ns.first_use.is_none() || (runs_pods && ns.first_workload.is_none()) {
            // `metadata.namespace`, or `metadata` for an object without one.
            let at = root
                .lookup(&["metadata", "namespace"])
                .unwrap_or_else(|parent| parent);
            let anchor = Anchor::new(info, &at);
            if runs_pods && ns.first_workload.is_none() {
                ns.first_workload = Some(anchor.clone());
            }
            if ns.first_use.is_none() {
                ns.first_use = Some(anchor);
            }
        }
        match obj.kind.as_str() {
            "ResourceQuota" => ns.has_quota = true,
            "LimitRange" => ns.has_limit_range = true,
            _ => {}
        }
    }

    /// Records what `info`'s object (in namespace `namespace`) says about
    /// service account tokens.
    fn add_token_facts(&mut self, info: &ObjectInfo<'_>, namespace: &str) {
        let obj = info.obj;
        if obj.kind == "ServiceAccount" && obj.api_version == "v1" {
            let off = obj
                .root
                .get("automountServiceAccountToken")
                .and_then(Node::as_bool)
                == Some(false);
            if off && let Some(name) = &obj.name {
                self.no_token_accounts
                    .insert((namespace.to_owned(), name.clone()));
            }
        } else if let Some(mount) = crate::rules::token_mount(obj, |at| Anchor::new(info, at)) {
            self.token_objects
                .insert((Arc::clone(&info.file), Arc::clone(&info.object_ref)));
            self.token_mounts.push((namespace.to_owned(), mount));
        }
    }

    /// Records the pods `info`'s object runs (in namespace `namespace`), as
    /// network policies select them.
    fn add_policy_pod(&mut self, info: &ObjectInfo<'_>, namespace: &str) {
        let obj = info.obj;
        let Some(pod) = Pod::of(obj) else { return };
        let Some(spec) = kubeguard_core::workload::PodSpec::of(obj) else {
            return;
        };
        let at = spec
            .metadata
            .as_ref()
            .map(|m| m.get("labels").unwrap_or_else(|| m.clone()))
            .unwrap_or(spec.spec);
        self.policy_pod_objects
            .insert((Arc::clone(&info.file), Arc::clone(&info.object_ref)));
        self.policy_pods.push((
            namespace.to_owned(),
            PolicyPod {
                anchor: Anchor::new(info, &at),
                pod,
                owners: owners_of(obj),
            },
        ));
    }

    /// The pods of each workload with their namespace ([`INSTALL_NAMESPACE`]
    /// for those naming none), system namespaces excluded, leaving out
    /// those whose owner is in the input too (a ReplicaSet of a Deployment
    /// of the input): the owner stands for them.
    pub fn policy_pods(&self) -> impl Iterator<Item = (&str, &PolicyPod)> {
        let present: BTreeSet<(&str, &str, &str)> = self
            .policy_pods
            .iter()
            .map(|(ns, p)| (ns.as_str(), p.pod.kind.as_str(), p.pod.name.as_str()))
            .collect();
        self.policy_pods
            .iter()
            .filter(|(ns, _)| !SYSTEM_NAMESPACES.contains(&ns.as_str()))
            .filter(move |(ns, p)| {
                !p.owners.iter().any(|(kind, name)| {
                    present.contains(&(ns.as_str(), kind.as_str(), name.as_str()))
                })
            })
            .map(|(ns, p)| (ns.as_str(), p))
    }

    /// The directions the network policies of the input isolate `pod` of
    /// namespace `namespace` in, and the directions they isolate any pod
    /// of that namespace in, as [`kubeguard_netpol::isolation`] decides
    /// them. For the install namespace, the policies without
    /// `metadata.namespace` and the cluster-wide ones count.
    #[must_use]
    pub fn isolation(&self, namespace: &str, pod: &Pod) -> (Directions, Directions) {
        let labels = self
            .namespaces
            .get(namespace)
            .and_then(|ns| ns.applied_labels.clone())
            .unwrap_or_default();
        let (iso, name) = if namespace == INSTALL_NAMESPACE {
            (&self.install_isolation, "default")
        } else {
            (&self.isolation, namespace)
        };
        (iso.pod(pod, &labels), iso.namespace(name, &labels))
    }

    /// Pods that mount (or may mount) their service account token, with
    /// their namespace ([`INSTALL_NAMESPACE`] for those naming none).
    pub fn token_mounts(&self) -> impl Iterator<Item = (&str, &TokenMount)> {
        self.token_mounts.iter().map(|(ns, m)| (ns.as_str(), m))
    }

    /// Whether the input holds ServiceAccount `name` of `namespace` with
    /// `automountServiceAccountToken: false`.
    #[must_use]
    pub fn service_account_disables_token(&self, namespace: &str, name: &str) -> bool {
        self.no_token_accounts
            .contains(&(namespace.to_owned(), name.to_owned()))
    }

    /// What the input says about the namespace `name`.
    #[must_use]
    pub fn namespace(&self, name: &str) -> Option<&NamespaceInfo> {
        self.namespaces.get(name)
    }

    /// Merges an index built over later files into this one.
    pub fn merge(&mut self, other: Index) {
        for (name, info) in other.namespaces {
            self.namespaces.entry(name).or_default().merge(info);
        }
        self.default_deny.merge(other.default_deny);
        self.install_deny.merge(other.install_deny);
        self.isolation.merge(other.isolation);
        self.install_isolation.merge(other.install_isolation);
        self.policy_pods.extend(other.policy_pods);
        self.policy_pod_objects.extend(other.policy_pod_objects);
        self.token_mounts.extend(other.token_mounts);
        self.token_objects.extend(other.token_objects);
        self.no_token_accounts.extend(other.no_token_accounts);
    }

    /// What namespace `name` (described by `ns`) denies by default, as
    /// [`kubeguard_netpol::default_deny`] decides it from the network
    /// policies of the input: the answer `kubeguard netpol coverage` gives.
    #[must_use]
    /// For the install namespace, the policies without `metadata.namespace`
    /// (installed beside the workloads) and the cluster-wide ones count.
    pub fn default_deny(&self, name: &str, ns: &NamespaceInfo) -> Directions {
        let labels = ns.applied_labels.clone().unwrap_or_default();
        if name == INSTALL_NAMESPACE {
            return self.install_deny.namespace("default", &labels);
        }
        self.default_deny.namespace(name, &labels)
    }

    /// Whether a finding of the cross-object rules may be about the object
    /// `object` of `file`: whether a place recorded here belongs to it.
    #[must_use]
    pub fn anchors(&self, file: &str, object: &ObjectRef) -> bool {
        // A Namespace object anchors its own name; any other object, the
        // namespace it is placed in, or the install namespace.
        [
            object.namespace.as_deref(),
            object.name.as_deref(),
            Some(INSTALL_NAMESPACE),
        ]
        .into_iter()
        .flatten()
        .filter_map(|ns| self.namespaces.get(ns))
        .flat_map(|info| {
            [
                info.declared.as_ref(),
                info.first_workload.as_ref(),
                info.first_use.as_ref(),
            ]
        })
        .flatten()
        .any(|a| &*a.file == file && *a.object == *object)
            || {
                let key = (Arc::from(file), Arc::new(object.clone()));
                self.token_objects.contains(&key) || self.policy_pod_objects.contains(&key)
            }
    }

    /// Namespaces the input declares or places objects in, system ones
    /// excluded; objects without `metadata.namespace` are placed in the
    /// install namespace, recorded as [`INSTALL_NAMESPACE`].
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &NamespaceInfo)> {
        self.namespaces
            .iter()
            .filter(|(name, _)| !SYSTEM_NAMESPACES.contains(&name.as_str()))
            .map(|(name, info)| (name.as_str(), info))
    }
}
