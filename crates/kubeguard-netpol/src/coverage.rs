//! Gaps in a set of policies: namespaces without default deny, pods no
//! policy selects, policies that select nothing, rules that can never
//! match, and overly broad rules.

use crate::Direction;
use crate::admin::{Action, AdminPeer, AdminPolicy, AdminRule};
use crate::evaluate::Analysis;
use crate::model::{Model, Origin, Pod};
use crate::peer::Peer;

/// A rule of a policy, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleIssue {
    /// `namespace/name` of the policy.
    pub policy: String,
    /// `ingress[0]`, `egress[1]`, ...
    pub rule: String,
    /// Where the rule was written.
    pub origin: Origin,
    /// What is wrong with it.
    pub reason: String,
}

/// The coverage report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Namespaces holding pods where not every pod is isolated for ingress
    /// by a policy selecting all pods (`podSelector: {}`), nor denied by
    /// default by an AdminNetworkPolicy or the BaselineAdminNetworkPolicy
    /// (see [`admin_default_deny`]) or by being selected by a Calico policy
    /// for that direction.
    pub no_default_deny_ingress: Vec<String>,
    /// The same for egress.
    pub no_default_deny_egress: Vec<String>,
    /// Pods and workloads no NetworkPolicy or Calico policy selects.
    pub unselected_pods: Vec<String>,
    /// `hostNetwork` pods, which no policy controls.
    pub host_network_pods: Vec<String>,
    /// Policies (NetworkPolicy or Calico) that select no pod of the input.
    pub empty_policies: Vec<String>,
    /// Rules that can never match: every peer has a namespaceSelector
    /// matching no namespace of the input.
    pub dead_rules: Vec<RuleIssue>,
    /// Rules open to everyone, every namespace or every address.
    pub broad_rules: Vec<RuleIssue>,
}

impl Coverage {
    /// Whether nothing was found.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        *self == Coverage::default()
    }
}

/// Computes the coverage report.
#[must_use]
pub fn coverage(a: &Analysis<'_>) -> Coverage {
    let model = a.model;
    let mut c = Coverage::default();
    for ns in &model.namespaces {
        if !model.pods.iter().any(|p| p.namespace == ns.name) {
            continue;
        }
        let all_pods = |dir| {
            model
                .policies
                .iter()
                .any(|p| p.namespace == ns.name && p.selector.is_empty() && p.isolates(dir))
                || {
                    let mut pods = (0..model.pods.len())
                        .filter(|&i| {
                            let p = &model.pods[i];
                            p.namespace == ns.name && !p.host_network
                        })
                        .peekable();
                    pods.peek().is_some()
                        && pods.all(|i| {
                            admin_default_deny(model, &model.pods[i], dir)
                                || calico_default_deny(a, i, dir)
                        })
                }
        };
        if !all_pods(Direction::Ingress) {
            c.no_default_deny_ingress.push(ns.name.clone());
        }
        if !all_pods(Direction::Egress) {
            c.no_default_deny_egress.push(ns.name.clone());
        }
    }
    for (i, pod) in model.pods.iter().enumerate() {
        if pod.host_network {
            c.host_network_pods.push(pod.id());
        } else if !model
            .policies
            .iter()
            .any(|p| p.namespace == pod.namespace && p.selector.matches(&pod.labels))
            && !(0..model.calico.len()).any(|k| a.calico_selects(k, i))
        {
            c.unselected_pods.push(pod.id());
        }
    }
    for (k, policy) in model.calico.iter().enumerate() {
        if !(0..model.pods.len()).any(|i| a.calico_selects(k, i)) {
            c.empty_policies.push(policy.id());
        }
    }
    for policy in &model.policies {
        let selects = model.pods.iter().any(|p| {
            !p.host_network && p.namespace == policy.namespace && policy.selector.matches(&p.labels)
        });
        if !selects {
            c.empty_policies.push(policy.id());
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            for (k, rule) in policy.rules(dir).iter().enumerate() {
                let issue = |reason: String| RuleIssue {
                    policy: policy.id(),
                    rule: format!("{}[{k}]", dir.field()),
                    origin: rule.origin.clone(),
                    reason,
                };
                let dead_ns = |peer: &Peer| match peer {
                    Peer::Pods {
                        namespaces: Some(sel),
                        ..
                    } => !model.namespaces.iter().any(|n| sel.matches(&n.labels)),
                    _ => false,
                };
                if !rule.peers.is_empty() && rule.peers.iter().all(dead_ns) {
                    c.dead_rules.push(issue(
                        "its namespaceSelector matches no namespace in the input".into(),
                    ));
                }
                if rule.peers.is_empty() {
                    let whom = if dir == Direction::Ingress {
                        "from"
                    } else {
                        "to"
                    };
                    c.broad_rules.push(issue(format!(
                        "no `{whom}`: open to every pod, namespace and address"
                    )));
                } else if let Some(peer) = rule.peers.iter().find(|p| p.is_broad()) {
                    let reason = match peer {
                        Peer::IpBlock { cidr, .. } => format!("ipBlock {cidr}: every address"),
                        Peer::Pods { .. } => {
                            "namespaceSelector {}: every pod of every namespace".into()
                        }
                    };
                    c.broad_rules.push(issue(reason));
                }
            }
        }
    }
    c
}

/// Whether a Calico policy selects pod `i` for `dir`: what no rule of the
/// default tier decides is then denied.
fn calico_default_deny(a: &Analysis<'_>, i: usize, dir: Direction) -> bool {
    a.model
        .calico
        .iter()
        .enumerate()
        .any(|(k, p)| p.applies(dir) && a.calico_selects(k, i))
}

/// Whether an admin rule matches every peer the model can give it in
/// `dir` on every port: every pod of every namespace and, for egress,
/// every IPv4 and IPv6 address (ingress admin rules cannot name addresses).
fn catch_all(rule: &AdminRule, dir: Direction) -> bool {
    let all_pods = rule.peers.iter().any(|peer| {
        matches!(peer, AdminPeer::Pods(set)
            if set.namespaces.is_empty() && set.pods.as_ref().is_none_or(|p| p.is_empty()))
    });
    let all_addresses = dir == Direction::Ingress
        || ["0.0.0.0", "::"].iter().all(|a| {
            let ip = a.parse().unwrap_or(std::net::IpAddr::V4(0.into()));
            rule.peers.iter().any(|peer| {
                matches!(peer, AdminPeer::Networks(nets)
                    if nets.iter().any(|n| n.prefix_len() == 0 && n.contains(&ip)))
            })
        });
    rule.ports.is_none() && all_pods && all_addresses
}

/// Whether `policy` selects `pod` and, in `dir`, reaches a `Deny` rule
/// matching everything. `Some(true)`: denied by default; `Some(false)`: a
/// `Pass` rule comes first, so some traffic leaves the admin tier
/// undecided; `None`: the policy does not decide.
fn denies_all(model: &Model, policy: &AdminPolicy, pod: &Pod, dir: Direction) -> Option<bool> {
    let ns = model.namespace(&pod.namespace)?;
    if !policy.subject.matches(&ns.labels, &pod.labels) {
        return None;
    }
    for rule in policy.rules(dir) {
        match rule.action {
            Action::Pass => return Some(false),
            Action::Deny if catch_all(rule, dir) => return Some(true),
            _ => {}
        }
    }
    None
}

/// Whether the admin policies deny `pod` by default in `dir`: walking the
/// AdminNetworkPolicies by priority, a `Deny` rule matching every peer on
/// every port comes before any `Pass` rule (earlier `Allow` rules are
/// exceptions, as the rules of a NetworkPolicy are to its default deny);
/// or the BaselineAdminNetworkPolicy selects the pod and holds such a rule.
#[must_use]
pub fn admin_default_deny(model: &Model, pod: &Pod, dir: Direction) -> bool {
    for policy in &model.admin {
        match denies_all(model, policy, pod, dir) {
            Some(true) => return true,
            Some(false) => break,
            None => {}
        }
    }
    model
        .baseline
        .as_ref()
        .is_some_and(|b| denies_all(model, b, pod, dir) == Some(true))
}
