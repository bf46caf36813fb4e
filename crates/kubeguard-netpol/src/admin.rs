//! AdminNetworkPolicy and BaselineAdminNetworkPolicy
//! (`policy.networking.k8s.io/v1alpha1`): cluster-wide rules evaluated
//! before NetworkPolicies (in order of `priority`, lowest first, each
//! policy's rules in order, first match wins, `Pass` hands the traffic to
//! the NetworkPolicy tier) and after them (the baseline, consulted only
//! for pods no NetworkPolicy isolates).
//!
//! Not modelled: `nodes` peers (node addresses are not in the input; such
//! a peer matches nothing) and `domainNames` (FQDN egress).

use crate::model::{ContainerPort, ModelError, Origin, err, selector};
use crate::port::{PortSet, Protocol};
use crate::selector::{Labels, Selector};
use ipnet::IpNet;
use kubeguard_core::{Located, Node, Object};
use std::net::IpAddr;

/// What an admin rule does with the traffic it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Allow, skipping the lower tiers.
    Allow,
    /// Deny, skipping the lower tiers.
    Deny,
    /// Skip the remaining admin policies; NetworkPolicy decides.
    Pass,
}

impl Action {
    /// The API spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        }
    }
}

/// Pods chosen by a namespace selector and an optional pod selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodSet {
    /// Selects namespaces.
    pub namespaces: Selector,
    /// Selects pods in them (`None`: every pod).
    pub pods: Option<Selector>,
}

impl PodSet {
    /// Whether the pod with `labels` in a namespace with `ns_labels` is in the set.
    #[must_use]
    pub fn matches(&self, ns_labels: &Labels, labels: &Labels) -> bool {
        self.namespaces.matches(ns_labels) && self.pods.as_ref().is_none_or(|p| p.matches(labels))
    }
}

/// A peer of an admin rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AdminPeer {
    /// `namespaces` or `pods`.
    Pods(PodSet),
    /// `networks`: CIDRs (egress only).
    Networks(Vec<IpNet>),
    /// `nodes` or `domainNames`, which match nothing in the model.
    Unmodelled,
}

impl AdminPeer {
    /// Whether the peer matches an address.
    #[must_use]
    pub fn matches_ip(&self, ip: IpAddr) -> bool {
        matches!(self, AdminPeer::Networks(nets) if nets.iter().any(|n| n.contains(&ip)))
    }
}

/// A port of an admin rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AdminPort {
    /// `portNumber`.
    Number(Protocol, u16),
    /// `namedPort`, resolved against the destination pod.
    Named(String),
    /// `portRange`.
    Range(Protocol, u16, u16),
}

/// One admin rule.
#[derive(Debug, Clone)]
pub struct AdminRule {
    /// `name`.
    pub name: String,
    /// `action`.
    pub action: Action,
    /// `from` / `to`.
    pub peers: Vec<AdminPeer>,
    /// `ports`; `None` means every port.
    pub ports: Option<Vec<AdminPort>>,
    /// Where the rule was written.
    pub origin: Origin,
}

impl AdminRule {
    /// The ports towards a destination with `dst_ports` (`None` outside the cluster).
    #[must_use]
    pub fn resolve(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        let Some(ports) = &self.ports else {
            return PortSet::all();
        };
        ports.iter().fold(PortSet::empty(), |acc, p| {
            let set = match p {
                AdminPort::Number(proto, n) => PortSet::range(*proto, *n, *n),
                AdminPort::Range(proto, lo, hi) => PortSet::range(*proto, *lo, *hi),
                AdminPort::Named(name) => dst_ports
                    .unwrap_or_default()
                    .iter()
                    .filter(|c| c.name.as_deref() == Some(name.as_str()))
                    .fold(PortSet::empty(), |a, c| {
                        a.union(&PortSet::range(c.protocol, c.port, c.port))
                    }),
            };
            acc.union(&set)
        })
    }
}

/// An AdminNetworkPolicy, or the BaselineAdminNetworkPolicy.
#[derive(Debug, Clone)]
pub struct AdminPolicy {
    /// `metadata.name`.
    pub name: String,
    /// `priority`; `None` for the baseline.
    pub priority: Option<u32>,
    /// `subject`.
    pub subject: PodSet,
    /// `ingress` rules in order.
    pub ingress: Vec<AdminRule>,
    /// `egress` rules in order.
    pub egress: Vec<AdminRule>,
    /// Where the object was written.
    pub origin: Origin,
}

impl AdminPolicy {
    /// `AdminNetworkPolicy/NAME` or `BaselineAdminNetworkPolicy/NAME`.
    #[must_use]
    pub fn id(&self) -> String {
        match self.priority {
            Some(_) => format!("AdminNetworkPolicy/{}", self.name),
            None => format!("BaselineAdminNetworkPolicy/{}", self.name),
        }
    }

    /// The rules of one direction.
    #[must_use]
    pub fn rules(&self, dir: crate::Direction) -> &[AdminRule] {
        match dir {
            crate::Direction::Ingress => &self.ingress,
            crate::Direction::Egress => &self.egress,
        }
    }
}

fn pod_set(obj: &Object, at: &Located<'_>) -> Result<Option<PodSet>, ModelError> {
    if let Some(ns) = at.get("namespaces") {
        return Ok(Some(PodSet {
            namespaces: selector(obj, &ns)?,
            pods: None,
        }));
    }
    if let Some(pods) = at.get("pods") {
        let namespaces = match pods.get("namespaceSelector") {
            Some(s) => selector(obj, &s)?,
            None => return Err(err(obj, &pods, "pods needs a namespaceSelector")),
        };
        let pod_sel = match pods.get("podSelector") {
            Some(s) => selector(obj, &s)?,
            None => return Err(err(obj, &pods, "pods needs a podSelector")),
        };
        return Ok(Some(PodSet {
            namespaces,
            pods: Some(pod_sel),
        }));
    }
    Ok(None)
}

/// Reads an AdminNetworkPolicy (`baseline == false`) or a
/// BaselineAdminNetworkPolicy.
///
/// # Errors
/// A malformed policy, located.
pub fn read(obj: &Object, baseline: bool) -> Result<AdminPolicy, ModelError> {
    let root = obj.located();
    let name = obj
        .name
        .clone()
        .ok_or_else(|| err(obj, &root, "the policy has no metadata.name"))?;
    let spec = root
        .get("spec")
        .ok_or_else(|| err(obj, &root, "the policy has no spec"))?;
    let priority = if baseline {
        None
    } else {
        let at = spec
            .get("priority")
            .ok_or_else(|| err(obj, &spec, "AdminNetworkPolicy needs a priority"))?;
        Some(
            at.node
                .as_i64()
                .and_then(|p| u32::try_from(p).ok())
                .filter(|&p| p <= 1000)
                .ok_or_else(|| err(obj, &at, "priority must be between 0 and 1000"))?,
        )
    };
    let subject_at = spec
        .get("subject")
        .ok_or_else(|| err(obj, &spec, "the policy needs a subject"))?;
    let subject = pod_set(obj, &subject_at)?
        .ok_or_else(|| err(obj, &subject_at, "subject must set namespaces or pods"))?;
    let mut rules = [Vec::new(), Vec::new()];
    for (i, (field, peers_key)) in [("ingress", "from"), ("egress", "to")]
        .into_iter()
        .enumerate()
    {
        for item in spec.get(field).iter().flat_map(Located::items) {
            let action_at = item
                .get("action")
                .ok_or_else(|| err(obj, &item, "the rule needs an action"))?;
            let action = match action_at.node.as_str() {
                Some("Allow") => Action::Allow,
                Some("Deny") => Action::Deny,
                Some("Pass") if !baseline => Action::Pass,
                _ if baseline => return Err(err(obj, &action_at, "action must be Allow or Deny")),
                _ => return Err(err(obj, &action_at, "action must be Allow, Deny or Pass")),
            };
            let mut peers = Vec::new();
            for p in item.get(peers_key).iter().flat_map(Located::items) {
                if let Some(set) = pod_set(obj, &p)? {
                    peers.push(AdminPeer::Pods(set));
                } else if let Some(nets) = p.get("networks") {
                    let mut list = Vec::new();
                    for n in nets.items() {
                        list.push(
                            n.node
                                .scalar_text()
                                .and_then(|s| s.parse::<IpNet>().ok())
                                .ok_or_else(|| err(obj, &n, "not a CIDR such as 10.0.0.0/8"))?,
                        );
                    }
                    peers.push(AdminPeer::Networks(list));
                } else {
                    peers.push(AdminPeer::Unmodelled);
                }
            }
            let ports = match item.get("ports") {
                None => None,
                Some(list) => {
                    let mut out = Vec::new();
                    for p in list.items() {
                        out.push(read_port(obj, &p)?);
                    }
                    Some(out)
                }
            };
            rules[i].push(AdminRule {
                name: item
                    .node
                    .get("name")
                    .and_then(Node::scalar_text)
                    .unwrap_or("")
                    .to_owned(),
                action,
                peers,
                ports,
                origin: Origin {
                    file: obj.source.name.clone(),
                    pos: item.at,
                    path: item.path(),
                },
            });
        }
    }
    let [ingress, egress] = rules;
    Ok(AdminPolicy {
        name,
        priority,
        subject,
        ingress,
        egress,
        origin: Origin {
            file: obj.source.name.clone(),
            pos: root.at,
            path: String::new(),
        },
    })
}

fn read_port(obj: &Object, at: &Located<'_>) -> Result<AdminPort, ModelError> {
    let proto = |n: &Located<'_>| match n.get("protocol") {
        None => Ok(Protocol::Tcp),
        Some(p) => p
            .node
            .as_str()
            .and_then(Protocol::parse)
            .ok_or_else(|| err(obj, &p, "protocol must be TCP, UDP or SCTP")),
    };
    let num = |n: &Located<'_>, key: &str| {
        n.get(key)
            .and_then(|v| v.node.as_i64())
            .and_then(|v| u16::try_from(v).ok())
            .filter(|&v| v > 0)
            .ok_or_else(|| err(obj, n, format!("{key} must be a port between 1 and 65535")))
    };
    if let Some(n) = at.get("portNumber") {
        return Ok(AdminPort::Number(proto(&n)?, num(&n, "port")?));
    }
    if let Some(n) = at.get("namedPort") {
        return n
            .node
            .scalar_text()
            .map(|s| AdminPort::Named(s.to_owned()))
            .ok_or_else(|| err(obj, &n, "namedPort must be a name"));
    }
    if let Some(n) = at.get("portRange") {
        return Ok(AdminPort::Range(
            proto(&n)?,
            num(&n, "start")?,
            num(&n, "end")?,
        ));
    }
    Err(err(
        obj,
        at,
        "a port needs portNumber, namedPort or portRange",
    ))
}
