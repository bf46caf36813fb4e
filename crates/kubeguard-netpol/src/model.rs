//! The model: pods (from Pods and from workload templates), namespaces
//! (with the automatic `kubernetes.io/metadata.name` label) and
//! NetworkPolicies, read from parsed objects with positions for errors.

use crate::Direction;
use crate::admin::{self, AdminPolicy};
use crate::calico::CalicoPolicy;
use crate::peer::Peer;
use crate::port::{PortRef, PortSpec, Protocol};
use crate::selector::{Labels, Selector};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Node, Object, Pos};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// The label the API server puts on every namespace, holding its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Whether `kind`'s pod template stands for pods it runs: every workload
/// kind but `PodTemplate`, which runs nothing by itself.
fn runs_pods(kind: &str) -> bool {
    kind != "PodTemplate" && WORKLOAD_KINDS.contains(&kind)
}

/// Where something was written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The file.
    pub file: String,
    /// The position in it.
    pub pos: Pos,
    /// The field path (`spec.ingress[0]`), empty for a whole object.
    pub path: String,
}

impl Origin {
    fn of(obj: &Object, at: &Located<'_>) -> Self {
        Origin {
            file: obj.source.name.clone(),
            pos: at.at,
            path: at.path(),
        }
    }
}

/// A policy the model could not read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}:{}: {message}", origin.file, origin.pos.line, origin.pos.col)]
pub struct ModelError {
    /// Where the problem is.
    pub origin: Origin,
    /// What is wrong.
    pub message: String,
}

/// A container port a named port can resolve to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerPort {
    /// `name`, when set.
    pub name: Option<String>,
    /// `containerPort`.
    pub port: u16,
    /// `protocol` (TCP when absent).
    pub protocol: Protocol,
}

/// A pod, or a workload standing for the pods of its template.
#[derive(Debug, Clone)]
pub struct Pod {
    /// The namespace.
    pub namespace: String,
    /// The object's name.
    pub name: String,
    /// The object's kind (`Pod`, `Deployment`, ...).
    pub kind: String,
    /// The pod labels (the template's for a workload).
    pub labels: Labels,
    /// The container ports of all containers.
    pub ports: Vec<ContainerPort>,
    /// `hostNetwork: true`: outside NetworkPolicy control.
    pub host_network: bool,
    /// `status.podIP`, when recorded.
    pub ip: Option<IpAddr>,
    /// Where the object was written.
    pub origin: Origin,
}

impl Pod {
    /// The pod `obj` runs (its template's, for a workload), as the model
    /// reads it; `None` when `obj` runs no pod or has no name.
    #[must_use]
    pub fn of(obj: &Object) -> Option<Pod> {
        read_pod(obj)
    }

    /// `namespace/name`.
    #[must_use]
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A namespace with its labels.
#[derive(Debug, Clone)]
pub struct Namespace {
    /// The name.
    pub name: String,
    /// Its labels, including the automatic name label.
    pub labels: Labels,
    /// Whether a Namespace object for it is in the input.
    pub declared: bool,
}

/// One ingress or egress rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `from`/`to`; empty means every peer.
    pub peers: Vec<Peer>,
    /// `ports`; empty means every port.
    pub ports: Vec<PortSpec>,
    /// The id of the first peer, counting the peers of all rules of the model.
    pub peer_base: usize,
    /// Where the rule was written.
    pub origin: Origin,
}

/// A NetworkPolicy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
    /// `podSelector`.
    pub selector: Selector,
    /// Whether the effective `policyTypes` holds Ingress.
    pub isolates_ingress: bool,
    /// Whether the effective `policyTypes` holds Egress.
    pub isolates_egress: bool,
    /// `ingress`.
    pub ingress: Vec<Rule>,
    /// `egress`.
    pub egress: Vec<Rule>,
    /// Where the object was written.
    pub origin: Origin,
}

impl Policy {
    /// `namespace/name`.
    #[must_use]
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether the policy isolates its pods in `dir`.
    #[must_use]
    pub fn isolates(&self, dir: Direction) -> bool {
        match dir {
            Direction::Ingress => self.isolates_ingress,
            Direction::Egress => self.isolates_egress,
        }
    }

    /// The rules of `dir`.
    #[must_use]
    pub fn rules(&self, dir: Direction) -> &[Rule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// Pods, namespaces and policies of the input.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Pods and workloads.
    pub pods: Vec<Pod>,
    /// Namespaces, sorted by name.
    pub namespaces: Vec<Namespace>,
    /// NetworkPolicies.
    pub policies: Vec<Policy>,
    /// AdminNetworkPolicies, by priority (then name).
    pub admin: Vec<AdminPolicy>,
    /// The BaselineAdminNetworkPolicy, if any.
    pub baseline: Option<AdminPolicy>,
    /// Calico NetworkPolicies and GlobalNetworkPolicies, by order (unset
    /// last, then name).
    pub calico: Vec<CalicoPolicy>,
    /// The number of peers over all rules (peer ids are `0..peer_count`).
    pub peer_count: usize,
    ns_index: HashMap<String, usize>,
}

impl Model {
    /// Builds the model from objects. Policies that cannot be read are left
    /// out and reported; everything else is still modelled.
    #[must_use]
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a Object>,
    ) -> (Model, Vec<ModelError>) {
        let objects: Vec<&Object> = objects.into_iter().collect();
        let mut errors = Vec::new();
        let mut ns_labels: BTreeMap<String, (Labels, bool)> = BTreeMap::new();
        let present: HashSet<(&str, &str, &str)> = objects
            .iter()
            .filter_map(|o| {
                Some((
                    o.effective_namespace()?,
                    o.kind.as_str(),
                    o.name.as_deref()?,
                ))
            })
            .collect();
        let mut pods = Vec::new();
        let mut policies = Vec::new();
        let mut admin = Vec::new();
        let mut baseline = None;
        let mut calico = Vec::new();
        for obj in &objects {
            if let Some(read) = read_any_policy(obj) {
                match read {
                    Ok(AnyPolicy::Kubernetes(p)) => policies.push(p),
                    Ok(AnyPolicy::Admin(p)) if p.priority.is_some() => admin.push(p),
                    Ok(AnyPolicy::Admin(p)) => baseline = Some(p),
                    Ok(AnyPolicy::Calico(p)) => calico.push(p),
                    Err(e) => errors.push(e),
                }
                continue;
            }
            match (obj.group(), obj.kind.as_str()) {
                ("", "Namespace") => {
                    if let Some(name) = &obj.name {
                        let labels = labels_of(obj.root.get_path(&["metadata", "labels"]));
                        ns_labels.insert(name.clone(), (labels, true));
                    }
                }
                (_, kind) if runs_pods(kind) => {
                    if owned_by_present(obj, &present) {
                        continue;
                    }
                    if let Some(pod) = read_pod(obj) {
                        pods.push(pod);
                    }
                }
                _ => {}
            }
        }
        for ns in pods
            .iter()
            .map(|p| &p.namespace)
            .chain(policies.iter().map(|p| &p.namespace))
            .chain(calico.iter().filter_map(|p| p.namespace.as_ref()))
        {
            ns_labels
                .entry(ns.clone())
                .or_insert_with(|| (Labels::new(), false));
        }
        let namespaces: Vec<Namespace> = ns_labels
            .into_iter()
            .map(|(name, (mut labels, declared))| {
                labels.insert(NAMESPACE_NAME_LABEL.into(), name.clone());
                Namespace {
                    name,
                    labels,
                    declared,
                }
            })
            .collect();
        admin.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        calico.sort_by(|a, b| {
            a.order_key()
                .total_cmp(&b.order_key())
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut model = Model {
            pods,
            namespaces,
            policies,
            admin,
            baseline,
            calico,
            peer_count: 0,
            ns_index: HashMap::new(),
        };
        model.reindex();
        (model, errors)
    }

    /// Recomputes peer ids and the namespace index after the pods,
    /// namespaces or policies were changed by hand. Namespaces named by a
    /// pod or policy but missing are added with only the automatic label.
    pub fn reindex(&mut self) {
        let mut known: HashSet<String> = self.namespaces.iter().map(|n| n.name.clone()).collect();
        let missing: Vec<String> = self
            .pods
            .iter()
            .map(|p| p.namespace.clone())
            .chain(self.policies.iter().map(|p| p.namespace.clone()))
            .chain(self.calico.iter().filter_map(|p| p.namespace.clone()))
            .filter(|n| known.insert(n.clone()))
            .collect();
        for name in missing {
            self.namespaces.push(Namespace {
                labels: Labels::from([(NAMESPACE_NAME_LABEL.to_owned(), name.clone())]),
                name,
                declared: false,
            });
        }
        self.namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        self.ns_index = self
            .namespaces
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        let mut next = 0;
        for p in &mut self.policies {
            for r in p.ingress.iter_mut().chain(p.egress.iter_mut()) {
                r.peer_base = next;
                next += r.peers.len();
            }
        }
        self.peer_count = next;
    }

    /// The namespace called `name`.
    #[must_use]
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.ns_index.get(name).map(|&i| &self.namespaces[i])
    }

    /// The index of the namespace called `name`.
    #[must_use]
    pub fn namespace_index(&self, name: &str) -> Option<usize> {
        self.ns_index.get(name).copied()
    }

    /// The pod or workload `namespace/name`.
    #[must_use]
    pub fn find_pod(&self, namespace: &str, name: &str) -> Option<usize> {
        self.pods
            .iter()
            .position(|p| p.namespace == namespace && p.name == name)
    }
}

/// Whether `obj` is owned by an object that is also in the input (a Pod of
/// a ReplicaSet of a Deployment): the owner already stands for it.
fn owned_by_present(obj: &Object, present: &HashSet<(&str, &str, &str)>) -> bool {
    let Some(ns) = obj.effective_namespace() else {
        return false;
    };
    obj.root
        .get_path(&["metadata", "ownerReferences"])
        .is_some_and(|refs| {
            refs.items().any(|r| {
                let kind = r.get("kind").and_then(Node::as_str).unwrap_or("");
                let name = r.get("name").and_then(Node::scalar_text).unwrap_or("");
                present.contains(&(ns, kind, name))
            })
        })
}

fn labels_of(node: Option<&Node>) -> Labels {
    node.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v.scalar_text()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn read_pod(obj: &Object) -> Option<Pod> {
    let spec = PodSpec::of(obj)?;
    let labels = labels_of(spec.metadata.as_ref().and_then(|m| m.node.get("labels")));
    let mut ports = Vec::new();
    for c in spec.containers() {
        for p in c.at.node.get("ports").into_iter().flat_map(Node::items) {
            let Some(port) = p
                .get("containerPort")
                .and_then(Node::as_i64)
                .and_then(|n| u16::try_from(n).ok())
            else {
                continue;
            };
            let protocol = p
                .get("protocol")
                .and_then(Node::as_str)
                .and_then(Protocol::parse)
                .unwrap_or(Protocol::Tcp);
            let name = p.get("name").and_then(Node::scalar_text).map(str::to_owned);
            ports.push(ContainerPort {
                name,
                port,
                protocol,
            });
        }
    }
    let ip = (obj.kind == "Pod")
        .then(|| obj.root.get_path(&["status", "podIP"]))
        .flatten()
        .and_then(Node::scalar_text)
        .and_then(|s| s.parse().ok());
    Some(Pod {
        namespace: obj.effective_namespace()?.to_owned(),
        name: obj.name.clone()?,
        kind: obj.kind.clone(),
        labels,
        ports,
        host_network: spec.spec.node.get("hostNetwork").is_some_and(Node::is_true),
        ip,
        origin: Origin::of(obj, &obj.located()),
    })
}

/// Reads the `ingress` and `egress` rule lists of a policy spec with
/// `read`, each item in order.
pub(crate) fn rule_lists<R>(
    obj: &Object,
    spec: &Located<'_>,
    mut read: impl FnMut(&Located<'_>, Direction) -> Result<R, ModelError>,
) -> Result<[Vec<R>; 2], ModelError> {
    let mut rules = [Vec::new(), Vec::new()];
    for (i, dir) in [Direction::Ingress, Direction::Egress]
        .into_iter()
        .enumerate()
    {
        let Some(list) = spec.get(dir.field()) else {
            continue;
        };
        if !list.node.is_null() && list.node.as_seq().is_none() {
            return Err(err(
                obj,
                &list,
                format!("{} must be a list of rules", dir.field()),
            ));
        }
        for item in list.items() {
            rules[i].push(read(&item, dir)?);
        }
    }
    Ok(rules)
}

/// Reads a non-empty list of policy types (`Ingress`, `Egress`) as
/// `(ingress, egress)`; `None` when the list is absent or empty, so the
/// caller applies its kind's default.
pub(crate) fn directions(
    obj: &Object,
    types: Option<Located<'_>>,
) -> Result<Option<(bool, bool)>, ModelError> {
    let Some(types) = types.filter(|t| t.node.as_seq().is_some_and(|t| !t.is_empty())) else {
        return Ok(None);
    };
    let mut found = (false, false);
    for t in types.items() {
        match t.node.as_str() {
            Some("Ingress") => found.0 = true,
            Some("Egress") => found.1 = true,
            other => {
                return Err(err(
                    obj,
                    &t,
                    format!("unknown policy type {other:?}; use Ingress or Egress"),
                ));
            }
        }
    }
    Ok(Some(found))
}

/// A policy of any kind the model reads.
pub(crate) enum AnyPolicy {
    /// A NetworkPolicy, or a CiliumNetworkPolicy read as one.
    Kubernetes(Policy),
    /// An AdminNetworkPolicy (with a priority) or the BaselineAdminNetworkPolicy.
    Admin(AdminPolicy),
    /// A Calico NetworkPolicy or GlobalNetworkPolicy.
    Calico(CalicoPolicy),
}

/// Reads `obj` when it is a policy of a kind the model knows; `None` for
/// any other object.
pub(crate) fn read_any_policy(obj: &Object) -> Option<Result<AnyPolicy, ModelError>> {
    Some(match (obj.group(), obj.kind.as_str()) {
        ("networking.k8s.io", "NetworkPolicy") => read_policy(obj).map(AnyPolicy::Kubernetes),
        ("cilium.io", "CiliumNetworkPolicy") => crate::cilium::read(obj).map(AnyPolicy::Kubernetes),
        (
            "policy.networking.k8s.io",
            kind @ ("AdminNetworkPolicy" | "BaselineAdminNetworkPolicy"),
        ) => admin::read(obj, kind == "BaselineAdminNetworkPolicy").map(AnyPolicy::Admin),
        (
            "projectcalico.org" | "crd.projectcalico.org",
            kind @ ("NetworkPolicy" | "GlobalNetworkPolicy"),
        ) => crate::calico::read(obj, kind == "GlobalNetworkPolicy").map(AnyPolicy::Calico),
        _ => return None,
    })
}

/// An error about the value at `at` of `obj`.
pub(crate) fn err(obj: &Object, at: &Located<'_>, message: impl Into<String>) -> ModelError {
    ModelError {
        origin: Origin::of(obj, at),
        message: message.into(),
    }
}

/// The label selector at `at`, its errors placed in `obj`.
pub(crate) fn selector(obj: &Object, at: &Located<'_>) -> Result<Selector, ModelError> {
    Selector::parse(at).map_err(|e| ModelError {
        origin: Origin {
            file: obj.source.name.clone(),
            pos: e.pos,
            path: e.path,
        },
        message: e.message,
    })
}

pub(crate) fn read_policy(obj: &Object) -> Result<Policy, ModelError> {
    let root = obj.located();
    let name = obj
        .name
        .clone()
        .ok_or_else(|| err(obj, &root, "NetworkPolicy has no metadata.name"))?;
    let spec = root
        .get("spec")
        .filter(|s| s.node.as_map().is_some())
        .ok_or_else(|| err(obj, &root, "NetworkPolicy has no spec mapping"))?;
    let pod_selector = match spec.get("podSelector") {
        Some(s) => selector(obj, &s)?,
        None => Selector::default(),
    };
    let [ingress, egress] = rule_lists(obj, &spec, |item, dir| read_rule(obj, item, dir))?;
    let (isolates_ingress, isolates_egress) =
        directions(obj, spec.get("policyTypes"))?.unwrap_or((true, !egress.is_empty()));
    Ok(Policy {
        namespace: obj.effective_namespace().unwrap_or("default").to_owned(),
        name,
        selector: pod_selector,
        isolates_ingress,
        isolates_egress,
        ingress,
        egress,
        origin: Origin::of(obj, &root),
    })
}

fn read_rule(obj: &Object, item: &Located<'_>, dir: Direction) -> Result<Rule, ModelError> {
    let peers_key = match dir {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    };
    let mut peers = Vec::new();
    if let Some(list) = item.get(peers_key) {
        for p in list.items() {
            peers.push(read_peer(obj, &p)?);
        }
    }
    let mut ports = Vec::new();
    if let Some(list) = item.get("ports") {
        for p in list.items() {
            ports.push(read_port(obj, &p)?);
        }
    }
    Ok(Rule {
        peers,
        ports,
        peer_base: 0,
        origin: Origin::of(obj, item),
    })
}

fn read_peer(obj: &Object, at: &Located<'_>) -> Result<Peer, ModelError> {
    if let Some(block) = at.get("ipBlock") {
        if at.get("podSelector").is_some() || at.get("namespaceSelector").is_some() {
            return Err(err(
                obj,
                at,
                "a peer with ipBlock may not also set podSelector or namespaceSelector",
            ));
        }
        let net = |n: &Located<'_>| {
            n.node
                .scalar_text()
                .and_then(|s| s.parse::<ipnet::IpNet>().ok())
                .ok_or_else(|| err(obj, n, "not a CIDR such as 10.0.0.0/8"))
        };
        let cidr_at = block
            .get("cidr")
            .ok_or_else(|| err(obj, &block, "ipBlock needs a cidr"))?;
        let cidr = net(&cidr_at)?;
        let mut except = Vec::new();
        for e in block.get("except").iter().flat_map(Located::items) {
            let ex = net(&e)?;
            if !cidr.contains(&ex) || ex.prefix_len() <= cidr.prefix_len() {
                return Err(err(
                    obj,
                    &e,
                    format!("except {ex} must lie strictly within {cidr}"),
                ));
            }
            except.push(ex);
        }
        return Ok(Peer::IpBlock { cidr, except });
    }
    let namespaces = at
        .get("namespaceSelector")
        .map(|s| selector(obj, &s))
        .transpose()?;
    let pods = at
        .get("podSelector")
        .map(|s| selector(obj, &s))
        .transpose()?;
    if namespaces.is_none() && pods.is_none() {
        return Err(err(
            obj,
            at,
            "a peer must set podSelector, namespaceSelector or ipBlock",
        ));
    }
    Ok(Peer::Pods { namespaces, pods })
}

fn read_port(obj: &Object, at: &Located<'_>) -> Result<PortSpec, ModelError> {
    let protocol = match at.get("protocol") {
        None => Protocol::Tcp,
        Some(p) => p
            .node
            .as_str()
            .and_then(Protocol::parse)
            .ok_or_else(|| err(obj, &p, "protocol must be TCP, UDP or SCTP"))?,
    };
    let port = match at.get("port") {
        None => None,
        Some(p) if p.node.is_null() => None,
        Some(p) => Some(match p.node.as_i64() {
            Some(n) => PortRef::Number(
                u16::try_from(n)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| err(obj, &p, "port must be between 1 and 65535"))?,
            ),
            None => PortRef::Name(
                p.node
                    .scalar_text()
                    .ok_or_else(|| err(obj, &p, "port must be a number or a name"))?
                    .to_owned(),
            ),
        }),
    };
    let end_port = match at.get("endPort") {
        None => None,
        Some(e) => {
            let n = e
                .node
                .as_i64()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| err(obj, &e, "endPort must be between 1 and 65535"))?;
            match &port {
                Some(PortRef::Number(p)) if n >= *p => Some(n),
                Some(PortRef::Number(_)) => {
                    return Err(err(obj, &e, "endPort must not be below port"));
                }
                _ => return Err(err(obj, &e, "endPort needs a numeric port")),
            }
        }
    };
    Ok(PortSpec {
        protocol,
        port,
        end_port,
    })
}
