//! The evaluator: isolation per direction, the union of the rules of every
//! policy selecting a pod, and the requirement that both the sender's
//! egress and the receiver's ingress allow a connection.

use crate::Direction;
use crate::admin::{Action, AdminPeer, AdminPolicy};
use crate::calico::{self, CalicoAction, Entity};
use crate::model::{ContainerPort, Model, Origin};
use crate::peer::Peer;
use crate::port::{PortSet, resolve_all};
use std::net::IpAddr;

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// A modelled pod or workload (index into [`Model::pods`]).
    Pod(usize),
    /// An address outside the modelled pods.
    Ip(IpAddr),
}

/// One rule of one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleRef {
    /// Index into [`Model::policies`].
    pub policy: usize,
    /// The rule list.
    pub direction: Direction,
    /// Index into that list.
    pub rule: usize,
}

/// An admin or Calico rule that decided some ports of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminStep {
    /// `AdminNetworkPolicy/NAME`, `BaselineAdminNetworkPolicy/NAME`,
    /// `NS/calico:NAME` or `GlobalNetworkPolicy/NAME`.
    pub policy: String,
    /// The rule's name (`ingress[0]`, ... for a Calico rule).
    pub rule: String,
    /// Its action.
    pub action: Action,
    /// The ports it decided.
    pub ports: PortSet,
    /// Where the rule was written.
    pub origin: Origin,
}

/// What one direction of a connection allows and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionResult {
    /// The direction.
    pub direction: Direction,
    /// The pod is `hostNetwork` (or the endpoint is an address): no policy applies.
    pub outside_control: bool,
    /// The policies that isolate the pod in this direction (empty: not isolated).
    pub isolated_by: Vec<usize>,
    /// The Calico policies that select the pod for this direction (indices
    /// into [`Model::calico`]); when any does, the default tier decides and
    /// denies what no rule decided.
    pub calico: Vec<usize>,
    /// The NetworkPolicy rules that match the peer, each with the ports it allows.
    pub allowed_by: Vec<(RuleRef, PortSet)>,
    /// Admin rules that decided ports, in evaluation order.
    pub admin: Vec<AdminStep>,
    /// The ports this direction allows.
    pub allowed: PortSet,
}

/// The answer for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The sender's egress.
    pub egress: DirectionResult,
    /// The receiver's ingress.
    pub ingress: DirectionResult,
    /// The ports both allow.
    pub allowed: PortSet,
}

/// The connection an admin tier is asked about.
#[derive(Clone, Copy)]
struct Flow<'a> {
    subject: usize,
    other: &'a Endpoint,
    dir: Direction,
    dst_ports: Option<&'a [ContainerPort]>,
}

/// A model with the per-pod facts every question needs, computed once:
/// which policies select each pod, and which rule peers match it.
#[derive(Debug)]
pub struct Analysis<'m> {
    /// The model.
    pub model: &'m Model,
    /// Per pod: isolating policies for ingress and for egress.
    pub(crate) selecting: Vec<[Vec<u32>; 2]>,
    /// Per pod: a bit set over peer ids, set where the peer matches the pod.
    pub(crate) peer_bits: Vec<Vec<u64>>,
    /// Admin policies in evaluation order, the baseline last.
    admins: Vec<&'m AdminPolicy>,
    /// Per admin policy: the id of its subject and, per direction and rule,
    /// the id of its first peer (ids index `admin_bits`).
    admin_ids: Vec<(usize, [Vec<usize>; 2])>,
    /// Per Calico policy: the id of its subject and, per direction and
    /// rule, the id of its source (the destination is the next id).
    calico_ids: Vec<(usize, [Vec<usize>; 2])>,
    /// Per pod: which admin subjects and peers, and which Calico subjects,
    /// sources and destinations match it.
    pub(crate) admin_bits: Vec<Vec<bool>>,
}

fn dir_idx(dir: Direction) -> usize {
    match dir {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'m> Analysis<'m> {
    /// Computes selection and peer matches for every pod.
    #[must_use]
    pub fn new(model: &'m Model) -> Self {
        let mut by_ns: Vec<Vec<usize>> = vec![Vec::new(); model.namespaces.len()];
        for (i, p) in model.pods.iter().enumerate() {
            if let Some(ns) = model.namespace_index(&p.namespace) {
                by_ns[ns].push(i);
            }
        }
        let words = model.peer_count.div_ceil(64);
        let mut selecting = vec![[Vec::new(), Vec::new()]; model.pods.len()];
        let mut peer_bits = vec![vec![0u64; words]; model.pods.len()];
        for (pi, policy) in model.policies.iter().enumerate() {
            let pid = u32::try_from(pi).unwrap_or(u32::MAX);
            let own = model.namespace_index(&policy.namespace);
            for &i in own.map(|n| by_ns[n].as_slice()).unwrap_or_default() {
                let pod = &model.pods[i];
                if pod.host_network || !policy.selector.matches(&pod.labels) {
                    continue;
                }
                if policy.isolates_ingress {
                    selecting[i][0].push(pid);
                }
                if policy.isolates_egress {
                    selecting[i][1].push(pid);
                }
            }
            for rule in policy.ingress.iter().chain(&policy.egress) {
                for (k, peer) in rule.peers.iter().enumerate() {
                    let id = rule.peer_base + k;
                    let candidates: Vec<usize> = match peer {
                        Peer::Pods {
                            namespaces: None, ..
                        } => own.map(|n| by_ns[n].clone()).unwrap_or_default(),
                        Peer::Pods {
                            namespaces: Some(sel),
                            ..
                        } => model
                            .namespaces
                            .iter()
                            .enumerate()
                            .filter(|(_, ns)| sel.matches(&ns.labels))
                            .flat_map(|(n, _)| by_ns[n].iter().copied())
                            .collect(),
                        Peer::IpBlock { .. } => (0..model.pods.len())
                            .filter(|&i| model.pods[i].ip.is_some())
                            .collect(),
                    };
                    for i in candidates {
                        let pod = &model.pods[i];
                        let Some(ns) = model.namespace(&pod.namespace) else {
                            continue;
                        };
                        if peer.matches_pod(&policy.namespace, pod, ns) {
                            peer_bits[i][id / 64] |= 1 << (id % 64);
                        }
                    }
                }
            }
        }
        let admins: Vec<&AdminPolicy> = model.admin.iter().chain(&model.baseline).collect();
        let mut admin_ids = Vec::new();
        let mut next = 0;
        for a in &admins {
            let subject = next;
            next += 1;
            let mut bases = [Vec::new(), Vec::new()];
            for (i, rules) in [&a.ingress, &a.egress].into_iter().enumerate() {
                for r in rules {
                    bases[i].push(next);
                    next += r.peers.len();
                }
            }
            admin_ids.push((subject, bases));
        }
        let mut calico_ids = Vec::new();
        for c in &model.calico {
            let subject = next;
            next += 1;
            let mut bases = [Vec::new(), Vec::new()];
            for (i, rules) in [&c.ingress, &c.egress].into_iter().enumerate() {
                for _ in rules {
                    bases[i].push(next);
                    next += 2;
                }
            }
            calico_ids.push((subject, bases));
        }
        let admin_bits = model
            .pods
            .iter()
            .map(|pod| {
                let mut bits = vec![false; next];
                let ns = model.namespace(&pod.namespace).filter(|_| !pod.host_network);
                for (c, (subject, bases)) in model.calico.iter().zip(&calico_ids) {
                    bits[*subject] = ns.is_some_and(|ns| c.selects(pod, ns));
                    let own = c.namespace.as_deref();
                    // A pod outside policy control is seen by its address only.
                    let sees = |e: &Entity| match ns {
                        Some(ns) => e.matches_pod(own, pod, ns),
                        None => e.matches_address(own, pod.ip),
                    };
                    for (i, rules) in [&c.ingress, &c.egress].into_iter().enumerate() {
                        for (r, rule) in rules.iter().enumerate() {
                            bits[bases[i][r]] = sees(&rule.source);
                            bits[bases[i][r] + 1] = sees(&rule.destination);
                        }
                    }
                }
                let Some(ns) = ns else {
                    return bits;
                };
                for (a, (subject, bases)) in admins.iter().zip(&admin_ids) {
                    bits[*subject] = a.subject.matches(&ns.labels, &pod.labels);
                    for (i, rules) in [&a.ingress, &a.egress].into_iter().enumerate() {
                        for (r, rule) in rules.iter().enumerate() {
                            for (j, peer) in rule.peers.iter().enumerate() {
                                bits[bases[i][r] + j] = matches!(peer, AdminPeer::Pods(set) if set.matches(&ns.labels, &pod.labels));
                            }
                        }
                    }
                }
                bits
            })
            .collect();
        Analysis {
            model,
            selecting,
            peer_bits,
            admins,
            admin_ids,
            calico_ids,
            admin_bits,
        }
    }

    /// Whether admin policy `k`'s rule `r` of `dir` matches `other`.
    fn admin_peer_matches(&self, k: usize, dir: Direction, r: usize, other: &Endpoint) -> bool {
        let rule = &self.admins[k].rules(dir)[r];
        let base = self.admin_ids[k].1[dir_idx(dir)][r];
        rule.peers.iter().enumerate().any(|(j, peer)| match other {
            Endpoint::Pod(i) => self.admin_bits[*i][base + j],
            Endpoint::Ip(ip) => peer.matches_ip(*ip),
        })
    }

    /// Runs admin policy `k` over `undecided` ports; returns the ports it
    /// allowed and the ports it passed, and removes what it decided.
    fn admin_tier(
        &self,
        k: usize,
        flow: &Flow<'_>,
        undecided: &mut PortSet,
        steps: Option<&mut Vec<AdminStep>>,
    ) -> (PortSet, PortSet) {
        let mut allowed = PortSet::empty();
        let mut passed = PortSet::empty();
        let policy = self.admins[k];
        let Flow {
            subject,
            other,
            dir,
            dst_ports,
        } = *flow;
        if !self.admin_bits[subject][self.admin_ids[k].0] {
            return (allowed, passed);
        }
        let mut steps = steps;
        for (r, rule) in policy.rules(dir).iter().enumerate() {
            if undecided.is_empty() {
                break;
            }
            if !self.admin_peer_matches(k, dir, r, other) {
                continue;
            }
            let rs = rule.resolve(dst_ports).intersect(undecided);
            if rs.is_empty() {
                continue;
            }
            match rule.action {
                Action::Allow => allowed = allowed.union(&rs),
                Action::Deny => {}
                Action::Pass => passed = passed.union(&rs),
            }
            *undecided = undecided.subtract(&rs);
            if let Some(steps) = steps.as_deref_mut() {
                steps.push(AdminStep {
                    policy: policy.id(),
                    rule: rule.name.clone(),
                    action: rule.action,
                    ports: rs,
                    origin: rule.origin.clone(),
                });
            }
        }
        (allowed, passed)
    }

    /// The policies isolating `pod` in `dir`.
    #[must_use]
    pub fn isolating(&self, pod: usize, dir: Direction) -> &[u32] {
        &self.selecting[pod][dir_idx(dir)]
    }

    /// Whether peer `id` of a rule matches `ep`.
    fn peer_matches(&self, id: usize, peer: &Peer, ep: &Endpoint) -> bool {
        match ep {
            Endpoint::Pod(i) => self.peer_bits[*i][id / 64] & (1 << (id % 64)) != 0,
            Endpoint::Ip(ip) => peer.matches_ip(*ip),
        }
    }

    fn dst_ports(&self, dst: &Endpoint) -> Option<&[ContainerPort]> {
        match dst {
            Endpoint::Pod(i) => Some(&self.model.pods[*i].ports),
            Endpoint::Ip(_) => None,
        }
    }

    /// Whether Calico policy `k` (index into [`Model::calico`]) selects
    /// `pod`, whatever its `types`.
    #[must_use]
    pub fn calico_selects(&self, k: usize, pod: usize) -> bool {
        self.admin_bits[pod][self.calico_ids[k].0]
    }

    /// Whether `ep` matches entity `id` of a Calico policy in `policy_ns`.
    fn entity_matches(
        &self,
        id: usize,
        entity: &Entity,
        policy_ns: Option<&str>,
        ep: &Endpoint,
    ) -> bool {
        match ep {
            Endpoint::Pod(i) => self.admin_bits[*i][id],
            Endpoint::Ip(ip) => entity.matches_address(policy_ns, Some(*ip)),
        }
    }

    /// The default tier for `rest` (the ports the admin tier left): the
    /// Calico policies selecting the subject and the NetworkPolicies
    /// isolating it, by order; first decision wins, `Pass` leaves the tier
    /// for the baseline, and what no rule decided is denied. Returns the
    /// ports allowed.
    fn default_tier(
        &self,
        calico: &[usize],
        isolating: &[u32],
        flow: &Flow<'_>,
        rest: PortSet,
        out: &mut DirectionResult,
        explain: bool,
    ) -> PortSet {
        enum Item {
            Calico(usize),
            Kube(u32),
        }
        let model = self.model;
        let Flow {
            subject,
            other,
            dir,
            dst_ports,
        } = *flow;
        let me = Endpoint::Pod(subject);
        let (src, dst) = match dir {
            Direction::Ingress => (other, &me),
            Direction::Egress => (&me, other),
        };
        let mut items: Vec<(f64, String, Item)> = calico
            .iter()
            .map(|&k| {
                let c = &model.calico[k];
                (c.order_key(), c.name.clone(), Item::Calico(k))
            })
            .chain(isolating.iter().map(|&p| {
                let name = format!("knp.default.{}", model.policies[p as usize].name);
                (calico::KUBERNETES_ORDER, name, Item::Kube(p))
            }))
            .collect();
        items.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let mut undecided = rest;
        let mut allowed = PortSet::empty();
        let mut passed = PortSet::empty();
        for (_, _, item) in &items {
            if undecided.is_empty() {
                break;
            }
            match *item {
                Item::Calico(k) => {
                    let policy = &model.calico[k];
                    let own = policy.namespace.as_deref();
                    for (r, rule) in policy.rules(dir).iter().enumerate() {
                        if undecided.is_empty() {
                            break;
                        }
                        let base = self.calico_ids[k].1[dir_idx(dir)][r];
                        if !self.entity_matches(base, &rule.source, own, src)
                            || !self.entity_matches(base + 1, &rule.destination, own, dst)
                        {
                            continue;
                        }
                        let rs = rule.ports(dst_ports).intersect(&undecided);
                        if rs.is_empty() {
                            continue;
                        }
                        let action = match rule.action {
                            CalicoAction::Log => continue,
                            CalicoAction::Allow => {
                                allowed = allowed.union(&rs);
                                Action::Allow
                            }
                            CalicoAction::Deny => Action::Deny,
                            CalicoAction::Pass => {
                                passed = passed.union(&rs);
                                Action::Pass
                            }
                        };
                        undecided = undecided.subtract(&rs);
                        if explain {
                            out.admin.push(AdminStep {
                                policy: policy.id(),
                                rule: format!("{}[{r}]", dir.field()),
                                action,
                                ports: rs,
                                origin: rule.origin.clone(),
                            });
                        }
                    }
                }
                Item::Kube(pid) => {
                    let policy = &model.policies[pid as usize];
                    for (k, rule) in policy.rules(dir).iter().enumerate() {
                        let matched = rule.peers.is_empty()
                            || rule.peers.iter().enumerate().any(|(j, peer)| {
                                self.peer_matches(rule.peer_base + j, peer, other)
                            });
                        if !matched {
                            continue;
                        }
                        let ports = resolve_all(&rule.ports, dst_ports).intersect(&undecided);
                        if ports.is_empty() {
                            continue;
                        }
                        allowed = allowed.union(&ports);
                        undecided = undecided.subtract(&ports);
                        if explain {
                            out.allowed_by.push((
                                RuleRef {
                                    policy: pid as usize,
                                    direction: dir,
                                    rule: k,
                                },
                                ports,
                            ));
                        }
                    }
                }
            }
        }
        if !passed.is_empty() {
            if self.model.baseline.is_some() {
                let steps = explain.then_some(&mut out.admin);
                let (a, _) = self.admin_tier(self.admins.len() - 1, flow, &mut passed, steps);
                allowed = allowed.union(&a);
            }
            allowed = allowed.union(&passed);
        }
        allowed
    }

    /// What `subject`'s policies allow in `dir` for traffic with `other`
    /// (the source for ingress, the destination for egress).
    #[must_use]
    pub fn direction(
        &self,
        subject: usize,
        other: &Endpoint,
        dir: Direction,
        explain: bool,
    ) -> DirectionResult {
        let model = self.model;
        let isolating = self.isolating(subject, dir);
        let mut out = DirectionResult {
            direction: dir,
            outside_control: model.pods[subject].host_network,
            isolated_by: Vec::new(),
            calico: Vec::new(),
            allowed_by: Vec::new(),
            admin: Vec::new(),
            allowed: PortSet::all(),
        };
        if out.outside_control {
            return out;
        }
        let calico: Vec<usize> = (0..model.calico.len())
            .filter(|&k| {
                model.calico[k].applies(dir) && self.admin_bits[subject][self.calico_ids[k].0]
            })
            .collect();
        if isolating.is_empty() && self.admins.is_empty() && calico.is_empty() {
            return out;
        }
        let dst_ports = match dir {
            Direction::Ingress => Some(model.pods[subject].ports.as_slice()),
            Direction::Egress => self.dst_ports(other),
        };
        let flow = Flow {
            subject,
            other,
            dir,
            dst_ports,
        };
        // Admin tier: first match wins; Pass hands ports to NetworkPolicy.
        let mut undecided = PortSet::all();
        let mut admin_allowed = PortSet::empty();
        let mut passed = PortSet::empty();
        let has_baseline = self.model.baseline.is_some();
        let tiers = self.admins.len() - usize::from(has_baseline);
        for k in 0..tiers {
            let steps = explain.then_some(&mut out.admin);
            let (a, p) = self.admin_tier(k, &flow, &mut undecided, steps);
            admin_allowed = admin_allowed.union(&a);
            passed = passed.union(&p);
        }
        let mut rest = undecided.union(&passed);
        if !calico.is_empty() {
            let tier = self.default_tier(&calico, isolating, &flow, rest, &mut out, explain);
            out.calico = calico;
            out.isolated_by = isolating.iter().map(|&p| p as usize).collect();
            out.allowed = admin_allowed.union(&tier);
            return out;
        }
        if isolating.is_empty() {
            // Not isolated: the baseline decides what is left, else allowed.
            if has_baseline {
                let steps = explain.then_some(&mut out.admin);
                let (a, _) = self.admin_tier(tiers, &flow, &mut rest, steps);
                admin_allowed = admin_allowed.union(&a);
            }
            out.allowed = admin_allowed.union(&rest);
            return out;
        }
        let mut allowed = PortSet::empty();
        for &pid in isolating {
            let policy = &model.policies[pid as usize];
            for (k, rule) in policy.rules(dir).iter().enumerate() {
                let matched = rule.peers.is_empty()
                    || rule
                        .peers
                        .iter()
                        .enumerate()
                        .any(|(j, peer)| self.peer_matches(rule.peer_base + j, peer, other));
                if !matched {
                    continue;
                }
                let ports = resolve_all(&rule.ports, dst_ports);
                if ports.is_empty() {
                    continue;
                }
                allowed = allowed.union(&ports);
                if explain {
                    out.allowed_by.push((
                        RuleRef {
                            policy: pid as usize,
                            direction: dir,
                            rule: k,
                        },
                        ports,
                    ));
                }
                if !explain && allowed.is_all() {
                    break;
                }
            }
        }
        out.isolated_by = isolating.iter().map(|&p| p as usize).collect();
        out.allowed = admin_allowed.union(&allowed.intersect(&rest));
        out
    }

    /// The verdict for traffic from `src` to `dst`. `explain` records the
    /// rules that allow it; without it only the ports are computed.
    #[must_use]
    pub fn check(&self, src: &Endpoint, dst: &Endpoint, explain: bool) -> Verdict {
        let outside = |direction| DirectionResult {
            direction,
            outside_control: true,
            isolated_by: Vec::new(),
            calico: Vec::new(),
            allowed_by: Vec::new(),
            admin: Vec::new(),
            allowed: PortSet::all(),
        };
        let egress = match src {
            Endpoint::Pod(s) => self.direction(*s, dst, Direction::Egress, explain),
            Endpoint::Ip(_) => outside(Direction::Egress),
        };
        let ingress = match dst {
            Endpoint::Pod(d) => self.direction(*d, src, Direction::Ingress, explain),
            Endpoint::Ip(_) => outside(Direction::Ingress),
        };
        let allowed = egress.allowed.intersect(&ingress.allowed);
        Verdict {
            egress,
            ingress,
            allowed,
        }
    }

    /// The ports on which `src` can reach `dst`.
    #[must_use]
    pub fn allowed(&self, src: &Endpoint, dst: &Endpoint) -> PortSet {
        self.check(src, dst, false).allowed
    }
}
