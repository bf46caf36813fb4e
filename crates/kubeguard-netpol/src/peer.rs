//! Rule peers: pods chosen by `podSelector` and/or `namespaceSelector`
//! (both together mean AND), and `ipBlock` with `except`.

use crate::model::{Namespace, Pod};
use crate::selector::Selector;
use ipnet::IpNet;
use std::net::IpAddr;

/// One item of a rule's `from` or `to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    /// Pods. With only `pods`, pods of the policy's own namespace; with
    /// only `namespaces`, every pod of the matching namespaces; with both,
    /// the matching pods of the matching namespaces.
    Pods {
        /// `namespaceSelector`, when set.
        namespaces: Option<Selector>,
        /// `podSelector`, when set.
        pods: Option<Selector>,
    },
    /// `ipBlock`: addresses in `cidr` but in none of `except`.
    IpBlock {
        /// `cidr`.
        cidr: IpNet,
        /// `except`.
        except: Vec<IpNet>,
    },
}

impl Peer {
    /// Whether the peer of a policy in `policy_ns` matches `pod`, which
    /// lives in `pod_ns`. `hostNetwork` pods carry the node's address and
    /// match no selector.
    #[must_use]
    pub fn matches_pod(&self, policy_ns: &str, pod: &Pod, pod_ns: &Namespace) -> bool {
        if pod.host_network {
            return false;
        }
        match self {
            Peer::Pods { namespaces, pods } => {
                let ns_ok = match namespaces {
                    None => pod.namespace == policy_ns,
                    Some(sel) => sel.matches(&pod_ns.labels),
                };
                ns_ok && pods.as_ref().is_none_or(|sel| sel.matches(&pod.labels))
            }
            Peer::IpBlock { .. } => pod.ip.is_some_and(|ip| self.matches_ip(ip)),
        }
    }

    /// Whether the peer matches an address outside the modelled pods.
    #[must_use]
    pub fn matches_ip(&self, ip: IpAddr) -> bool {
        match self {
            Peer::Pods { .. } => false,
            Peer::IpBlock { cidr, except } => {
                cidr.contains(&ip) && !except.iter().any(|e| e.contains(&ip))
            }
        }
    }

    /// Whether the peer reaches every namespace (`namespaceSelector: {}`)
    /// or every address (`0.0.0.0/0`, `::/0` with no exception).
    #[must_use]
    pub fn is_broad(&self) -> bool {
        match self {
            Peer::Pods {
                namespaces: Some(ns),
                pods,
            } => ns.is_empty() && pods.as_ref().is_none_or(Selector::is_empty),
            Peer::Pods { .. } => false,
            Peer::IpBlock { cidr, except } => cidr.prefix_len() == 0 && except.is_empty(),
        }
    }
}
