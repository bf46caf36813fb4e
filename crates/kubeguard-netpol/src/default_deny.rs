//! Whether a namespace has a default deny, per direction: the one answer
//! that `netpol coverage` and the manifest rules (`scan`) both give.
//!
//! A namespace denies by default in a direction when every pod it holds,
//! or will hold, is denied whatever no policy allows explicitly:
//!
//! - a NetworkPolicy (or CiliumNetworkPolicy) in it selects every pod (an
//!   empty `podSelector`, also when it is omitted), isolates the direction
//!   (its effective `policyTypes`: as the API server defaults them, Ingress,
//!   plus Egress when the policy has egress rules) and allows nothing in it
//!   (no rule for that direction). Other policies may then allow traffic:
//!   they are the exceptions to the default;
//! - a Calico NetworkPolicy in it, or a GlobalNetworkPolicy whose
//!   `namespaceSelector` matches it (or that has none), selects every pod
//!   (`all()`), applies to the direction and holds no `Allow` or `Pass`
//!   rule for it;
//! - walking the AdminNetworkPolicies by priority, one that selects every
//!   pod of the namespace reaches a `Deny` rule matching every peer on every
//!   port before any `Pass` rule (earlier `Allow` rules are exceptions), and
//!   no policy before it passes traffic of some of its pods; or the
//!   BaselineAdminNetworkPolicy selects every pod of the namespace and
//!   reaches such a `Deny` rule before any `Pass` rule.
//!
//! A policy that selects only the pods the input happens to hold (a
//! `podSelector` with labels) is no default deny: the next pod without
//! that label is open. A policy the API server would reject (and the model
//! cannot read) counts for nothing.
//!
//! [`DefaultDeny`] keeps only what these questions need, so it can be built
//! one object at a time ([`DefaultDeny::add`], [`DefaultDeny::merge`]) or
//! from a [`Model`] ([`DefaultDeny::from_model`]), and gives the same answer
//! either way.

use crate::Direction;
use crate::admin::{Action, AdminPeer, AdminPolicy, AdminRule, PodSet};
use crate::calico::{self, CalicoAction, CalicoPolicy, Expr};
use crate::model::{AnyPolicy, Model, NAMESPACE_NAME_LABEL, Policy, read_any_policy};
use crate::selector::Labels;
use kubeguard_core::Object;
use std::collections::BTreeMap;

/// What a namespace denies by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Directions {
    /// Ingress is denied by default.
    pub ingress: bool,
    /// Egress is denied by default.
    pub egress: bool,
}

impl Directions {
    /// The value for `dir`.
    #[must_use]
    pub fn get(self, dir: Direction) -> bool {
        match dir {
            Direction::Ingress => self.ingress,
            Direction::Egress => self.egress,
        }
    }

    fn set(&mut self, dir: Direction) {
        match dir {
            Direction::Ingress => self.ingress = true,
            Direction::Egress => self.egress = true,
        }
    }

    pub(crate) fn union(self, other: Directions) -> Directions {
        Directions {
            ingress: self.ingress || other.ingress,
            egress: self.egress || other.egress,
        }
    }
}

const DIRECTIONS: [Direction; 2] = [Direction::Ingress, Direction::Egress];

/// What an admin policy decides first in one direction, for every peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum First {
    /// A `Deny` rule matching every peer on every port.
    DenyAll,
    /// A `Pass` rule: some traffic leaves the admin tier.
    Pass,
}

/// The part of an AdminNetworkPolicy or BaselineAdminNetworkPolicy a
/// default deny depends on.
#[derive(Debug, Clone)]
struct AdminDeny {
    /// `priority`, then `name`: the order of evaluation.
    priority: u32,
    name: String,
    subject: PodSet,
    /// Per direction (ingress, egress).
    first: [Option<First>; 2],
}

impl AdminDeny {
    fn of(policy: &AdminPolicy) -> Self {
        let first = DIRECTIONS.map(|dir| {
            policy.rules(dir).iter().find_map(|rule| match rule.action {
                Action::Pass => Some(First::Pass),
                Action::Deny if catch_all(rule, dir) => Some(First::DenyAll),
                _ => None,
            })
        });
        AdminDeny {
            priority: policy.priority.unwrap_or(0),
            name: policy.name.clone(),
            subject: policy.subject.clone(),
            first,
        }
    }

    fn first(&self, dir: Direction) -> Option<First> {
        self.first[usize::from(dir == Direction::Egress)]
    }

    /// How the subject covers a namespace with `labels`: `None` when it
    /// selects no pod there, `Some(true)` when it selects every pod,
    /// `Some(false)` when it selects some.
    fn covers(&self, labels: &Labels) -> Option<bool> {
        if !self.subject.namespaces.matches(labels) {
            return None;
        }
        Some(self.subject.pods.as_ref().is_none_or(|p| p.is_empty()))
    }
}

/// Whether an admin rule matches every peer the model can give it in `dir`
/// on every port: every pod of every namespace and, for egress, every IPv4
/// and IPv6 address (ingress admin rules cannot name addresses).
fn catch_all(rule: &AdminRule, dir: Direction) -> bool {
    let all_pods = rule.peers.iter().any(|peer| {
        matches!(peer, AdminPeer::Pods(set)
            if set.namespaces.is_empty() && set.pods.as_ref().is_none_or(|p| p.is_empty()))
    });
    let all_addresses = dir == Direction::Ingress
        || [
            std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        ]
        .iter()
        .all(|ip| {
            rule.peers.iter().any(|peer| {
                matches!(peer, AdminPeer::Networks(nets)
                    if nets.iter().any(|n| n.prefix_len() == 0 && n.contains(ip)))
            })
        });
    rule.ports.is_none() && all_pods && all_addresses
}

/// A Calico GlobalNetworkPolicy that selects every pod of the namespaces
/// its `namespaceSelector` matches and allows nothing in some direction.
#[derive(Debug, Clone)]
struct GlobalDeny {
    /// `None`: every namespace.
    namespaces: Option<Expr>,
    denies: Directions,
}

/// What a NetworkPolicy or CiliumNetworkPolicy denies by default in its
/// namespace: the directions it isolates every pod for while allowing
/// nothing.
#[must_use]
pub fn policy_denies(policy: &Policy) -> Directions {
    let mut d = Directions::default();
    if policy.selector.is_empty() {
        for dir in DIRECTIONS {
            if policy.isolates(dir) && policy.rules(dir).is_empty() {
                d.set(dir);
            }
        }
    }
    d
}

/// What a Calico policy denies by default in the pods it selects when it
/// selects all of them (`all()`): the directions it applies to with no
/// `Allow` or `Pass` rule.
fn calico_denies(policy: &CalicoPolicy) -> Directions {
    let mut d = Directions::default();
    if policy.selector == Expr::All {
        for dir in DIRECTIONS {
            let allows = policy
                .rules(dir)
                .iter()
                .any(|r| matches!(r.action, CalicoAction::Allow | CalicoAction::Pass));
            if policy.applies(dir) && !allows {
                d.set(dir);
            }
        }
    }
    d
}

/// The default-deny facts of a set of policies (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct DefaultDeny {
    /// Namespaces where a namespaced policy denies by default.
    namespaced: BTreeMap<String, Directions>,
    /// Calico GlobalNetworkPolicies that deny by default.
    global: Vec<GlobalDeny>,
    /// AdminNetworkPolicies.
    admin: Vec<AdminDeny>,
    /// The BaselineAdminNetworkPolicy (the last one read, as in the model).
    baseline: Option<AdminDeny>,
}

impl DefaultDeny {
    /// The facts of every policy of `model`.
    #[must_use]
    pub fn from_model(model: &Model) -> Self {
        let mut d = DefaultDeny::default();
        for p in &model.policies {
            d.add_policy(p);
        }
        for p in &model.calico {
            d.add_calico(p);
        }
        for p in &model.admin {
            d.admin.push(AdminDeny::of(p));
        }
        d.baseline = model.baseline.as_ref().map(AdminDeny::of);
        d
    }

    /// Adds what `obj` says, when it is a policy the model reads the same
    /// way ([`Model::from_objects`]); other objects, and policies it cannot
    /// read, add nothing.
    pub fn add(&mut self, obj: &Object) {
        match read_any_policy(obj) {
            Some(Ok(AnyPolicy::Kubernetes(p))) => self.add_policy(&p),
            Some(Ok(AnyPolicy::Admin(p))) if p.priority.is_some() => {
                self.admin.push(AdminDeny::of(&p));
            }
            Some(Ok(AnyPolicy::Admin(p))) => self.baseline = Some(AdminDeny::of(&p)),
            Some(Ok(AnyPolicy::Calico(p))) => self.add_calico(&p),
            Some(Err(_)) | None => {}
        }
    }

    /// Adds the facts gathered over later objects.
    pub fn merge(&mut self, other: DefaultDeny) {
        for (ns, d) in other.namespaced {
            let slot = self.namespaced.entry(ns).or_default();
            *slot = slot.union(d);
        }
        self.global.extend(other.global);
        self.admin.extend(other.admin);
        if other.baseline.is_some() {
            self.baseline = other.baseline;
        }
    }

    fn add_policy(&mut self, p: &Policy) {
        let d = policy_denies(p);
        if d != Directions::default() {
            let slot = self.namespaced.entry(p.namespace.clone()).or_default();
            *slot = slot.union(d);
        }
    }

    fn add_calico(&mut self, p: &CalicoPolicy) {
        let denies = calico_denies(p);
        if denies == Directions::default() {
            return;
        }
        match &p.namespace {
            Some(ns) => {
                let slot = self.namespaced.entry(ns.clone()).or_default();
                *slot = slot.union(denies);
            }
            None => self.global.push(GlobalDeny {
                namespaces: p.namespace_selector.clone(),
                denies,
            }),
        }
    }

    /// What namespace `name` denies by default. `labels` are its labels as
    /// declared (empty when the input does not declare it); the automatic
    /// `kubernetes.io/metadata.name` label is added here.
    #[must_use]
    pub fn namespace(&self, name: &str, labels: &Labels) -> Directions {
        let mut labels = labels.clone();
        labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.to_owned());
        let mut d = self.namespaced.get(name).copied().unwrap_or_default();
        for g in &self.global {
            let selected = g
                .namespaces
                .as_ref()
                .is_none_or(|sel| sel.matches(&labels, (calico::NAME_LABEL, name)));
            if selected {
                d = d.union(g.denies);
            }
        }
        for dir in DIRECTIONS {
            if !d.get(dir) && self.admin_denies(&labels, dir) {
                d.set(dir);
            }
        }
        d
    }

    /// The admin tiers' default deny for a namespace with `labels`.
    fn admin_denies(&self, labels: &Labels, dir: Direction) -> bool {
        let mut order: Vec<&AdminDeny> = self.admin.iter().collect();
        order.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        for policy in order {
            let Some(all) = policy.covers(labels) else {
                continue;
            };
            match policy.first(dir) {
                Some(First::DenyAll) if all => return true,
                // Some pods leave the admin tier: only the baseline can
                // still deny them.
                Some(First::Pass) => break,
                _ => {}
            }
        }
        self.baseline
            .as_ref()
            .is_some_and(|b| b.covers(labels) == Some(true) && b.first(dir) == Some(First::DenyAll))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::Source;

    fn objects(text: &str) -> Vec<Object> {
        let loaded = kubeguard_load::load_source(Source::new("t.yaml", text));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects
    }

    /// `(ingress, egress)` for namespace `ns` (no labels), built object by
    /// object and from the model; both must agree.
    fn denies(text: &str, ns: &str) -> (bool, bool) {
        let objs = objects(text);
        let mut by_object = DefaultDeny::default();
        for o in &objs {
            by_object.add(o);
        }
        let (model, _) = Model::from_objects(&objs);
        let labels = Labels::new();
        let a = by_object.namespace(ns, &labels);
        let b = DefaultDeny::from_model(&model).namespace(ns, &labels);
        assert_eq!(a, b, "{text}");
        (a.ingress, a.egress)
    }

    fn np(spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: n}}\nspec:\n{spec}"
        )
    }

    #[test]
    fn network_policy_shapes() {
        assert_eq!(denies(&np("  podSelector: {}\n"), "n"), (true, false));
        assert_eq!(denies(&np("  podSelector: null\n"), "n"), (true, false));
        assert_eq!(denies(&np("  policyTypes: [Egress]\n"), "n"), (false, true));
        assert_eq!(
            denies(
                &np("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"),
                "n"
            ),
            (true, true)
        );
        assert_eq!(
            denies(&np("  podSelector: {matchLabels: {}}\n  egress: []\n"), "n"),
            (true, false)
        );
        assert_eq!(
            denies(&np("  podSelector: {}\n  ingress: [{}]\n"), "n"),
            (false, false)
        );
        assert_eq!(
            denies(
                &np("  podSelector: {}\n  egress: [{to: [{podSelector: {}}]}]\n"),
                "n"
            ),
            (true, false)
        );
        assert_eq!(
            denies(&np("  podSelector: {matchLabels: {app: a}}\n"), "n"),
            (false, false)
        );
        assert_eq!(
            denies(
                &np("  podSelector: {matchExpressions: []}\n  policyTypes: [Egress]\n"),
                "n"
            ),
            (false, true)
        );
        // Another namespace is not affected.
        assert_eq!(denies(&np("  podSelector: {}\n"), "m"), (false, false));
        // A policy the API server rejects does not exist.
        assert_eq!(
            denies(&np("  podSelector: {}\n  policyTypes: [Inbound]\n"), "n"),
            (false, false)
        );
    }

    #[test]
    fn calico_and_global_policies() {
        let cnp = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: n}\nspec:\n  selector: all()\n  types: [Ingress, Egress]\n  egress:\n  - action: Deny\n";
        assert_eq!(denies(cnp, "n"), (true, true));
        let allows = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: n}\nspec:\n  selector: all()\n  types: [Ingress]\n  ingress:\n  - action: Allow\n";
        assert_eq!(denies(allows, "n"), (false, false));
        let some = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: n}\nspec:\n  selector: app == 'a'\n  types: [Ingress]\n";
        assert_eq!(denies(some, "n"), (false, false));
        let global = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  namespaceSelector: projectcalico.org/name == 'n'\n  types: [Egress]\n";
        assert_eq!(denies(global, "n"), (false, true));
        assert_eq!(denies(global, "m"), (false, false));
    }
}
