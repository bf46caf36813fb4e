//! Calico `NetworkPolicy` (namespaced) and `GlobalNetworkPolicy`
//! (cluster-wide) of `projectcalico.org/v3`, in their L3/L4 subset, and
//! the Calico selector language they use.
//!
//! Semantics, after the Calico documentation: all policies live in one
//! tier, the default one. The policies that select an endpoint for a
//! direction (by `selector`, for a GlobalNetworkPolicy also by
//! `namespaceSelector`, and by `types`) are taken by ascending `order`
//! (unset last, equal orders by name); in each, the rules of that
//! direction in order. The first matching rule with `Allow` or `Deny`
//! decides; `Pass` skips the rest of the tier; `Log` decides nothing and
//! evaluation goes on. When some policy selected the endpoint and no rule
//! decided, the traffic is denied at the end of the tier. Kubernetes
//! NetworkPolicies (and Cilium policies read as such) join the tier as
//! Calico does with them: each is a policy of order 1000 (named
//! `knp.default.NAME` for ties) whose rules allow. The tier runs after the
//! AdminNetworkPolicies; traffic passed out of it goes to the
//! BaselineAdminNetworkPolicy when there is one, else it is allowed. When
//! no Calico policy selects a pod for a direction, the pod is evaluated
//! exactly as without Calico.
//!
//! Rules: `action`, `protocol` and `notProtocol` (`TCP`, `UDP`, `SCTP` or
//! their numbers 6, 17 and 132; a rule for any other protocol matches no
//! modelled traffic), `source` and `destination` with `selector`,
//! `notSelector`, `namespaceSelector`, `nets`, `notNets`, and, in
//! `destination`, `ports` and `notPorts` (numbers, `"LO:HI"` ranges, and
//! named ports resolved against the destination pod). In a namespaced
//! policy, a `selector` or `notSelector` without `namespaceSelector`
//! matches pods of the policy's namespace only; a GlobalNetworkPolicy's
//! matches pods of every namespace. Selectors see a pod's labels plus
//! `projectcalico.org/namespace`, and a namespace's labels plus
//! `projectcalico.org/name`. A pod without `status.podIP` is in no net.
//!
//! Not modelled, reported as errors with the policy left out: tiers other
//! than `default`, `serviceAccountSelector`, `serviceAccounts` and
//! `services` in rules, `http` matches, `ipVersion`, source ports,
//! `doNotTrack` and `preDNAT` (host endpoints only). Ignored: `icmp` and
//! `notICMP` (ICMP is not modelled), `applyOnForward` (it only concerns
//! host endpoints, which are not modelled), rule `metadata`. Staged
//! policies, NetworkSets, host endpoints and profiles other than the
//! allow-all default of a Kubernetes namespace are not read.

use crate::Direction;
use crate::model::{
    ContainerPort, ModelError, Namespace, Origin, Pod, directions, err, rule_lists,
};
use crate::port::{PortSet, Protocol};
use crate::selector::Labels;
use ipnet::IpNet;
use kubeguard_core::{Located, Object};
use std::fmt;
use std::net::IpAddr;

/// The label Calico gives every workload endpoint: its namespace.
pub const NAMESPACE_LABEL: &str = "projectcalico.org/namespace";
/// The label Calico gives every namespace: its name.
pub const NAME_LABEL: &str = "projectcalico.org/name";
/// The order Calico gives Kubernetes NetworkPolicies.
pub const KUBERNETES_ORDER: f64 = 1000.0;

/// A parsed Calico selector expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `all()`.
    All,
    /// `has(k)`.
    Has(String),
    /// `k == 'v'`.
    Eq(String, String),
    /// `k != 'v'` (also true when `k` is absent).
    Ne(String, String),
    /// `k in {'a', 'b'}`.
    In(String, Vec<String>),
    /// `k not in {'a', 'b'}` (also true when `k` is absent).
    NotIn(String, Vec<String>),
    /// `!e`.
    Not(Box<Expr>),
    /// `a && b`.
    And(Box<Expr>, Box<Expr>),
    /// `a || b`.
    Or(Box<Expr>, Box<Expr>),
}

/// A selector that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// The character (1-based) where the problem is.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at, self.message)
    }
}

impl Expr {
    /// Parses a Calico selector; the empty string means `all()`.
    ///
    /// # Errors
    /// The first character that does not fit the grammar, and why.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let mut p = Parser { s: text, i: 0 };
        p.ws();
        if p.i == text.len() {
            return Ok(Expr::All);
        }
        let e = p.or()?;
        p.ws();
        match p.peek() {
            None => Ok(e),
            Some(c) => Err(p.error(format!("unexpected `{c}`; expected `&&`, `||` or the end"))),
        }
    }

    /// Whether the expression holds for the labels `get` looks up.
    #[must_use]
    pub fn eval<'a>(&self, get: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Expr::All => true,
            Expr::Has(k) => get(k).is_some(),
            Expr::Eq(k, v) => get(k) == Some(v.as_str()),
            Expr::Ne(k, v) => get(k) != Some(v.as_str()),
            Expr::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Expr::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Expr::Not(e) => !e.eval(get),
            Expr::And(a, b) => a.eval(get) && b.eval(get),
            Expr::Or(a, b) => a.eval(get) || b.eval(get),
        }
    }

    /// Whether the expression holds for `labels` plus one extra label.
    #[must_use]
    pub fn matches(&self, labels: &Labels, extra: (&str, &str)) -> bool {
        self.eval(&|k: &str| {
            if k == extra.0 {
                Some(extra.1)
            } else {
                labels.get(k).map(String::as_str)
            }
        })
    }
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.i += c.len_utf8();
        }
    }

    fn error(&self, message: impl Into<String>) -> ExprError {
        ExprError {
            at: self.s[..self.i].chars().count() + 1,
            message: message.into(),
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &str) -> Result<(), ExprError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{tok}`")))
        }
    }

    fn word(&mut self) -> Option<&str> {
        self.ws();
        let start = self.i;
        while let Some(c) = self.peek().filter(|&c| key_char(c)) {
            self.i += c.len_utf8();
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    fn string(&mut self) -> Result<String, ExprError> {
        self.ws();
        let Some(q) = self.peek().filter(|&c| c == '\'' || c == '"') else {
            return Err(self.error("expected a quoted value such as 'web'"));
        };
        let start = self.i;
        self.i += 1;
        match self.s[self.i..].find(q) {
            Some(n) => {
                let v = self.s[self.i..self.i + n].to_owned();
                self.i += n + 1;
                Ok(v)
            }
            None => {
                self.i = start;
                Err(self.error("unterminated quoted value"))
            }
        }
    }

    fn set(&mut self) -> Result<Vec<String>, ExprError> {
        self.expect("{")?;
        let mut values = Vec::new();
        if self.eat("}") {
            return Ok(values);
        }
        loop {
            values.push(self.string()?);
            if self.eat("}") {
                return Ok(values);
            }
            if !self.eat(",") {
                return Err(self.error("expected `,` or `}` in a set of values"));
            }
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.and()?;
        while self.eat("||") {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.unary()?;
        while self.eat("&&") {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            self.expect(")")?;
            return Ok(e);
        }
        let Some(key) = self.word().map(str::to_owned) else {
            self.ws();
            return Err(self.error("expected a label key, `all()`, `has(key)`, `!` or `(`"));
        };
        if matches!(key.as_str(), "all" | "has") && self.eat("(") {
            if key == "all" {
                self.expect(")")?;
                return Ok(Expr::All);
            }
            let Some(k) = self.word().map(str::to_owned) else {
                return Err(self.error("expected a label key in has(...)"));
            };
            self.expect(")")?;
            return Ok(Expr::Has(k));
        }
        if self.eat("==") {
            return Ok(Expr::Eq(key, self.string()?));
        }
        if self.eat("!=") {
            return Ok(Expr::Ne(key, self.string()?));
        }
        let op_at = self.i;
        match self.word() {
            Some("in") => Ok(Expr::In(key, self.set()?)),
            Some("not") => {
                if self.word() != Some("in") {
                    return Err(self.error("expected `in` after `not`"));
                }
                Ok(Expr::NotIn(key, self.set()?))
            }
            _ => {
                self.i = op_at;
                self.ws();
                Err(self.error(format!(
                    "expected `==`, `!=`, `in` or `not in` after the label key `{key}`"
                )))
            }
        }
    }
}

/// What a Calico rule does with the traffic it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalicoAction {
    /// Allow; no later rule or policy of the tier is consulted.
    Allow,
    /// Deny; no later rule or policy of the tier is consulted.
    Deny,
    /// Skip the rest of the tier.
    Pass,
    /// Decide nothing; evaluation goes on.
    Log,
}

/// A destination port of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CalicoPort {
    /// A number or a `"LO:HI"` range.
    Range(u16, u16),
    /// A named port of the destination pod.
    Named(String),
}

/// The `source` or `destination` of a rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entity {
    /// `selector`.
    pub selector: Option<Expr>,
    /// `notSelector`.
    pub not_selector: Option<Expr>,
    /// `namespaceSelector`.
    pub namespace_selector: Option<Expr>,
    /// `nets`: the address must be in one of them.
    pub nets: Vec<IpNet>,
    /// `notNets`: the address must be in none of them.
    pub not_nets: Vec<IpNet>,
    /// `ports` (destination only).
    pub ports: Vec<CalicoPort>,
    /// `notPorts` (destination only).
    pub not_ports: Vec<CalicoPort>,
}

impl Entity {
    fn pod_only(&self, policy_ns: Option<&str>) -> bool {
        self.selector.is_some()
            || self.namespace_selector.is_some()
            || (policy_ns.is_some() && self.not_selector.is_some())
    }

    /// Whether a pod in namespace `ns` matches the entity of a policy in
    /// `policy_ns` (`None` for a GlobalNetworkPolicy).
    #[must_use]
    pub fn matches_pod(&self, policy_ns: Option<&str>, pod: &Pod, ns: &Namespace) -> bool {
        let own = (NAMESPACE_LABEL, pod.namespace.as_str());
        match &self.namespace_selector {
            Some(sel) => {
                if !sel.matches(&ns.labels, (NAME_LABEL, ns.name.as_str())) {
                    return false;
                }
            }
            None => {
                if let Some(pns) = policy_ns
                    && (self.selector.is_some() || self.not_selector.is_some())
                    && pod.namespace != pns
                {
                    return false;
                }
            }
        }
        if self
            .selector
            .as_ref()
            .is_some_and(|s| !s.matches(&pod.labels, own))
            || self
                .not_selector
                .as_ref()
                .is_some_and(|s| s.matches(&pod.labels, own))
        {
            return false;
        }
        self.matches_addr(pod.ip)
    }

    /// Whether an address outside the modelled pods (or a pod outside
    /// policy control, possibly of unknown address) matches the entity:
    /// only entities that name no selector can.
    #[must_use]
    pub fn matches_address(&self, policy_ns: Option<&str>, ip: Option<IpAddr>) -> bool {
        !self.pod_only(policy_ns) && self.matches_addr(ip)
    }

    fn matches_addr(&self, ip: Option<IpAddr>) -> bool {
        let in_any = |nets: &[IpNet]| ip.is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)));
        (self.nets.is_empty() || in_any(&self.nets)) && !in_any(&self.not_nets)
    }
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CalicoRule {
    /// `action`.
    pub action: CalicoAction,
    /// The modelled protocols the rule matches (empty: none).
    pub protocols: Vec<Protocol>,
    /// `source`.
    pub source: Entity,
    /// `destination`.
    pub destination: Entity,
    /// Where the rule was written.
    pub origin: Origin,
}

impl CalicoRule {
    /// The destination ports the rule matches, towards a destination with
    /// `dst_ports` (`None` outside the cluster).
    #[must_use]
    pub fn ports(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        let listed = |list: &[CalicoPort]| {
            list.iter().fold(PortSet::empty(), |acc, p| {
                let set = match p {
                    CalicoPort::Range(lo, hi) => {
                        self.protocols.iter().fold(PortSet::empty(), |a, &pr| {
                            a.union(&PortSet::range(pr, *lo, *hi))
                        })
                    }
                    CalicoPort::Named(name) => dst_ports
                        .unwrap_or_default()
                        .iter()
                        .filter(|c| {
                            c.name.as_deref() == Some(name.as_str())
                                && self.protocols.contains(&c.protocol)
                        })
                        .fold(PortSet::empty(), |a, c| {
                            a.union(&PortSet::range(c.protocol, c.port, c.port))
                        }),
                };
                acc.union(&set)
            })
        };
        let every = self.protocols.iter().fold(PortSet::empty(), |a, &pr| {
            a.union(&PortSet::range(pr, 1, u16::MAX))
        });
        let set = if self.destination.ports.is_empty() {
            every
        } else {
            listed(&self.destination.ports).intersect(&every)
        };
        set.subtract(&listed(&self.destination.not_ports))
    }
}

/// A Calico NetworkPolicy or GlobalNetworkPolicy.
#[derive(Debug, Clone, PartialEq)]
pub struct CalicoPolicy {
    /// `metadata.name`.
    pub name: String,
    /// The namespace; `None` for a GlobalNetworkPolicy.
    pub namespace: Option<String>,
    /// `order`; `None` sorts last.
    pub order: Option<f64>,
    /// `selector`.
    pub selector: Expr,
    /// `namespaceSelector` of a GlobalNetworkPolicy.
    pub namespace_selector: Option<Expr>,
    /// Whether `types` holds Ingress.
    pub applies_ingress: bool,
    /// Whether `types` holds Egress.
    pub applies_egress: bool,
    /// `ingress` rules in order.
    pub ingress: Vec<CalicoRule>,
    /// `egress` rules in order.
    pub egress: Vec<CalicoRule>,
    /// Where the object was written.
    pub origin: Origin,
}

impl CalicoPolicy {
    /// `NS/calico:NAME`, or `GlobalNetworkPolicy/NAME`.
    #[must_use]
    pub fn id(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/calico:{}", self.name),
            None => format!("GlobalNetworkPolicy/{}", self.name),
        }
    }

    /// Whether the policy applies to `dir` (`types`).
    #[must_use]
    pub fn applies(&self, dir: Direction) -> bool {
        match dir {
            Direction::Ingress => self.applies_ingress,
            Direction::Egress => self.applies_egress,
        }
    }

    /// The rules of `dir`.
    #[must_use]
    pub fn rules(&self, dir: Direction) -> &[CalicoRule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }

    /// Whether the policy selects `pod` (of namespace `ns`).
    #[must_use]
    pub fn selects(&self, pod: &Pod, ns: &Namespace) -> bool {
        if pod.host_network {
            return false;
        }
        let in_scope = match (&self.namespace, &self.namespace_selector) {
            (Some(own), _) => *own == pod.namespace,
            (None, Some(sel)) => sel.matches(&ns.labels, (NAME_LABEL, ns.name.as_str())),
            (None, None) => true,
        };
        in_scope
            && self
                .selector
                .matches(&pod.labels, (NAMESPACE_LABEL, pod.namespace.as_str()))
    }

    /// The sort key of the tier: order (unset last), then name.
    #[must_use]
    pub fn order_key(&self) -> f64 {
        self.order.unwrap_or(f64::INFINITY)
    }
}

fn expr(obj: &Object, at: &Located<'_>) -> Result<Expr, ModelError> {
    let text = at.node.scalar_text().ok_or_else(|| {
        err(
            obj,
            at,
            "a selector must be a string such as \"app == 'web'\"",
        )
    })?;
    Expr::parse(text).map_err(|e| err(obj, at, format!("selector {text:?}: {e}")))
}

fn nets(obj: &Object, at: Option<Located<'_>>) -> Result<Vec<IpNet>, ModelError> {
    let mut out = Vec::new();
    for n in at.iter().flat_map(Located::items) {
        let text = n.node.scalar_text().unwrap_or("");
        let net = text
            .parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| err(obj, &n, "not a CIDR such as 10.0.0.0/8 or an address"))?;
        out.push(net);
    }
    Ok(out)
}

fn ports(obj: &Object, at: Option<Located<'_>>) -> Result<Vec<CalicoPort>, ModelError> {
    let mut out = Vec::new();
    for p in at.iter().flat_map(Located::items) {
        let text = p.node.scalar_text().unwrap_or("").trim().to_owned();
        let num = |s: &str| s.trim().parse::<u16>().ok();
        let port = if let Some(n) = num(&text) {
            CalicoPort::Range(n, n)
        } else if let Some((lo, hi)) = text.split_once(':') {
            match (num(lo), num(hi)) {
                (Some(lo), Some(hi)) if lo <= hi => CalicoPort::Range(lo, hi),
                _ => {
                    return Err(err(
                        obj,
                        &p,
                        format!("port range {text:?} must be LO:HI with 0 <= LO <= HI <= 65535"),
                    ));
                }
            }
        } else if !text.is_empty() && text.chars().all(|c| key_char(c) && c != '/') {
            CalicoPort::Named(text)
        } else {
            return Err(err(
                obj,
                &p,
                "a port must be a number, a range such as \"80:90\" or a port name",
            ));
        };
        out.push(port);
    }
    Ok(out)
}

fn entity(obj: &Object, at: Option<Located<'_>>, source: bool) -> Result<Entity, ModelError> {
    let Some(at) = at else {
        return Ok(Entity::default());
    };
    for field in ["serviceAccounts", "services"] {
        if let Some(f) = at.get(field) {
            return Err(err(
                obj,
                &f,
                format!("{field} is not modelled; the policy is left out"),
            ));
        }
    }
    if source {
        for field in ["ports", "notPorts"] {
            if let Some(f) = at.get(field) {
                return Err(err(
                    obj,
                    &f,
                    "source ports are not modelled; the policy is left out",
                ));
            }
        }
    }
    let sel = |k: &str| at.get(k).map(|s| expr(obj, &s)).transpose();
    Ok(Entity {
        selector: sel("selector")?,
        not_selector: sel("notSelector")?,
        namespace_selector: sel("namespaceSelector")?,
        nets: nets(obj, at.get("nets"))?,
        not_nets: nets(obj, at.get("notNets"))?,
        ports: ports(obj, at.get("ports"))?,
        not_ports: ports(obj, at.get("notPorts"))?,
    })
}

/// A protocol field: `Some(p)` for a modelled one, `None` for another
/// valid one (ICMP, ICMPv6, UDPLite or a number).
fn protocol(obj: &Object, at: &Located<'_>) -> Result<Option<Protocol>, ModelError> {
    let text = at.node.scalar_text().unwrap_or("");
    if let Ok(n) = text.parse::<u8>() {
        return Ok(match n {
            6 => Some(Protocol::Tcp),
            17 => Some(Protocol::Udp),
            132 => Some(Protocol::Sctp),
            _ => None,
        });
    }
    match text {
        "TCP" => Ok(Some(Protocol::Tcp)),
        "UDP" => Ok(Some(Protocol::Udp)),
        "SCTP" => Ok(Some(Protocol::Sctp)),
        "ICMP" | "ICMPv6" | "UDPLite" => Ok(None),
        _ => Err(err(
            obj,
            at,
            "protocol must be TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or a number 0-255",
        )),
    }
}

fn read_rule(obj: &Object, item: &Located<'_>) -> Result<CalicoRule, ModelError> {
    for field in ["http", "ipVersion"] {
        if let Some(f) = item.get(field) {
            return Err(err(
                obj,
                &f,
                format!("{field} is not modelled; the policy is left out"),
            ));
        }
    }
    let action_at = item
        .get("action")
        .ok_or_else(|| err(obj, item, "a rule needs an action"))?;
    let action = match action_at.node.scalar_text() {
        Some("Allow") => CalicoAction::Allow,
        Some("Deny") => CalicoAction::Deny,
        Some("Pass") => CalicoAction::Pass,
        Some("Log") => CalicoAction::Log,
        _ => {
            return Err(err(
                obj,
                &action_at,
                "action must be Allow, Deny, Pass or Log",
            ));
        }
    };
    let mut protocols = Protocol::ALL.to_vec();
    let mut named = false;
    if let Some(p) = item.get("protocol") {
        named = true;
        protocols = protocol(obj, &p)?.into_iter().collect();
    }
    if let Some(p) = item.get("notProtocol")
        && let Some(not) = protocol(obj, &p)?
    {
        protocols.retain(|&x| x != not);
    }
    let source = entity(obj, item.get("source"), true)?;
    let destination = entity(obj, item.get("destination"), false)?;
    if (!destination.ports.is_empty() || !destination.not_ports.is_empty()) && !named {
        return Err(err(
            obj,
            item,
            "ports need a protocol (TCP, UDP, SCTP or UDPLite) on the rule",
        ));
    }
    Ok(CalicoRule {
        action,
        protocols,
        source,
        destination,
        origin: Origin {
            file: obj.source.name.clone(),
            pos: item.at,
            path: item.path(),
        },
    })
}

/// Reads a Calico NetworkPolicy (`global == false`) or GlobalNetworkPolicy.
///
/// # Errors
/// A malformed policy, or one using a feature that is not modelled.
pub fn read(obj: &Object, global: bool) -> Result<CalicoPolicy, ModelError> {
    let root = obj.located();
    let name = obj
        .name
        .clone()
        .ok_or_else(|| err(obj, &root, "the policy has no metadata.name"))?;
    let spec = root
        .get("spec")
        .filter(|s| s.node.as_map().is_some())
        .ok_or_else(|| err(obj, &root, "the policy has no spec mapping"))?;
    if let Some(t) = spec.get("tier")
        && t.node.scalar_text() != Some("default")
    {
        return Err(err(
            obj,
            &t,
            "only the default tier is modelled; the policy is left out",
        ));
    }
    for field in ["serviceAccountSelector", "doNotTrack", "preDNAT"] {
        if let Some(f) = spec.get(field)
            && (field == "serviceAccountSelector" || f.node.is_true())
        {
            return Err(err(
                obj,
                &f,
                format!("{field} is not modelled; the policy is left out"),
            ));
        }
    }
    let order = match spec.get("order") {
        None => None,
        Some(o) if o.node.is_null() => None,
        Some(o) => Some(
            o.node
                .scalar_text()
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|f| f.is_finite())
                .ok_or_else(|| err(obj, &o, "order must be a number"))?,
        ),
    };
    let selector = match spec.get("selector") {
        Some(s) => expr(obj, &s)?,
        None => Expr::All,
    };
    let namespace_selector = match spec.get("namespaceSelector") {
        Some(s) if global => Some(expr(obj, &s)?),
        Some(s) => {
            return Err(err(
                obj,
                &s,
                "namespaceSelector belongs to GlobalNetworkPolicy; a NetworkPolicy selects in its own namespace",
            ));
        }
        None => None,
    };
    let [ingress, egress] = rule_lists(obj, &spec, |item, _| read_rule(obj, item))?;
    // Calico's default: Egress alone when there are only egress rules.
    let (applies_ingress, applies_egress) = directions(obj, spec.get("types"))?
        .unwrap_or((!ingress.is_empty() || egress.is_empty(), !egress.is_empty()));
    Ok(CalicoPolicy {
        name,
        namespace: (!global).then(|| obj.effective_namespace().unwrap_or("default").to_owned()),
        order,
        selector,
        namespace_selector,
        applies_ingress,
        applies_egress,
        ingress,
        egress,
        origin: Origin {
            file: obj.source.name.clone(),
            pos: root.at,
            path: String::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn selector_operators() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let cases = [
            ("", true),
            ("all()", true),
            ("has(app)", true),
            ("!has(app)", false),
            ("has(role)", false),
            ("app == 'web'", true),
            ("app == \"db\"", false),
            ("app != 'db'", true),
            ("role != 'db'", true),
            ("app in {'web', 'db'}", true),
            ("app in {}", false),
            ("role in {'x'}", false),
            ("app not in {'web'}", false),
            ("role not in {'x'}", true),
            ("app == 'web' && tier == 'back'", false),
            ("app == 'db' || tier == 'front'", true),
            ("!(app == 'web' && has(tier))", false),
            ("app == 'db' || app == 'web' && tier == 'back'", false),
            ("(app == 'db' || app == 'web') && tier == 'front'", true),
            ("!!has(app)", true),
            ("projectcalico.org/namespace == 'x'", true),
        ];
        for (text, want) in cases {
            let e = Expr::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(e.matches(&l, (NAMESPACE_LABEL, "x")), want, "{text}");
        }
    }

    #[test]
    fn selector_errors_are_positioned() {
        let cases = [
            ("app ==", 7, "expected a quoted value"),
            ("app = 'x'", 5, "expected `==`, `!=`, `in` or `not in`"),
            ("has(app", 8, "expected `)`"),
            ("app == 'x' &&", 14, "expected a label key"),
            ("app in {'a' 'b'}", 13, "expected `,` or `}`"),
            ("app not {'a'}", 9, "expected `in` after `not`"),
            ("(app == 'x'", 12, "expected `)`"),
            ("app == 'x' app", 12, "unexpected `a`"),
            ("app == 'x", 8, "unterminated"),
            ("all(", 5, "expected `)`"),
        ];
        for (text, at, msg) in cases {
            let e = Expr::parse(text).expect_err(text);
            assert_eq!(e.at, at, "{text}: {e}");
            assert!(e.message.contains(msg), "{text}: {e}");
        }
    }
}
