//! Gaps in a set of policies: namespaces without default deny, pods no
//! policy selects, policies that select nothing, rules that can never
//! match, and overly broad rules.

use crate::Direction;
use crate::default_deny::DefaultDeny;
use crate::evaluate::Analysis;
use crate::model::Origin;
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
    /// Namespaces holding pods that have no default deny for ingress, as
    /// [`DefaultDeny`] tells (the answer `scan` gives too).
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
    let deny = DefaultDeny::from_model(model);
    for ns in &model.namespaces {
        if !model.pods.iter().any(|p| p.namespace == ns.name) {
            continue;
        }
        let d = deny.namespace(&ns.name, &ns.labels);
        if !d.ingress {
            c.no_default_deny_ingress.push(ns.name.clone());
        }
        if !d.egress {
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
