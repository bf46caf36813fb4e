//! Exact evaluation of Kubernetes NetworkPolicy (`networking.k8s.io/v1`)
//! over the pods, namespaces and policies of a set of manifests: which
//! workload can reach which, on which ports, and why.
//!
//! The crate never prints. [`Model::from_objects`] turns parsed objects into
//! a model (with located errors for policies it cannot read), [`Analysis`]
//! answers questions about single connections, and [`matrix`], [`coverage`]
//! and [`diff`] compute the reports of the `kubeguard netpol` commands as
//! data; `kubeguard-report` writes them. [`default_deny`] answers whether a
//! namespace denies by default, for `coverage` and the manifest rules alike,
//! and [`isolation`] which directions a pod is isolated in.
//!
//! Also read: AdminNetworkPolicy and BaselineAdminNetworkPolicy
//! ([`admin`]), the L3/L4 subset of CiliumNetworkPolicy ([`cilium`]) and
//! the L3/L4 subset of Calico NetworkPolicy and GlobalNetworkPolicy in the
//! default tier ([`calico`]); their module docs list what is not modelled.
//!
//! Not modelled: traffic of `hostNetwork` pods (they are listed as outside
//! policy control), Services and their virtual IPs (policies act on pod
//! ports, so a connection is given by the destination pod's port), and IP
//! addresses of pods that do not record one in `status.podIP`.

pub mod admin;
pub mod calico;
pub mod cilium;
mod classes;
pub mod coverage;
pub mod coverage_rules;
pub mod default_deny;
pub mod diff;
mod evaluate;
pub mod explain;
pub mod isolation;
pub mod matrix;
mod model;
mod peer;
mod port;
mod selector;

pub use classes::Classes;
pub use default_deny::{DefaultDeny, Directions};
pub use evaluate::{AdminStep, Analysis, DirectionResult, Endpoint, RuleRef, Verdict};
pub use isolation::Isolation;
pub use model::{ContainerPort, Model, ModelError, Namespace, Origin, Pod, Policy, Rule};
pub use peer::Peer;
pub use port::{PortRef, PortSet, PortSpec, Protocol};
pub use selector::{Op, Requirement, Selector};

/// The two directions of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Traffic into the selected pods.
    Ingress,
    /// Traffic out of the selected pods.
    Egress,
}

impl Direction {
    /// `ingress` or `egress`, the policy field name.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}
