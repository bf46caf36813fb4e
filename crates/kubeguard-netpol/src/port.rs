//! Ports and protocols: numbers, named ports resolved against the
//! destination pod's container ports, `endPort` ranges, and exact sets of
//! `(protocol, port)` pairs.

use crate::model::ContainerPort;
use std::fmt;

/// A transport protocol NetworkPolicy can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// All protocols.
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// Parses `TCP`, `UDP` or `SCTP` (case-insensitive).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// The API spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    fn idx(self) -> usize {
        self as usize
    }
}

/// A port as a policy names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortRef {
    /// A port number.
    Number(u16),
    /// A container port name, resolved against the destination pod.
    Name(String),
}

/// One item of a rule's `ports`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortSpec {
    /// `protocol` (TCP when absent).
    pub protocol: Protocol,
    /// `port`; absent means every port of the protocol.
    pub port: Option<PortRef>,
    /// `endPort`: with a numeric `port`, the range `port..=endPort`.
    pub end_port: Option<u16>,
}

impl PortSpec {
    /// The ports this item allows towards a destination with `dst_ports`
    /// container ports (`None` for a destination outside the cluster, where
    /// named ports match nothing).
    #[must_use]
    pub fn resolve(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        match &self.port {
            None => PortSet::range(self.protocol, 1, u16::MAX),
            Some(PortRef::Number(p)) => {
                PortSet::range(self.protocol, *p, self.end_port.unwrap_or(*p).max(*p))
            }
            Some(PortRef::Name(name)) => {
                let mut set = PortSet::empty();
                for cp in dst_ports.unwrap_or_default() {
                    if cp.name.as_deref() == Some(name.as_str()) && cp.protocol == self.protocol {
                        set = set.union(&PortSet::range(self.protocol, cp.port, cp.port));
                    }
                }
                set
            }
        }
    }
}

/// The ports of a rule's `ports` list: empty means every port.
#[must_use]
pub fn resolve_all(specs: &[PortSpec], dst_ports: Option<&[ContainerPort]>) -> PortSet {
    if specs.is_empty() {
        return PortSet::all();
    }
    specs
        .iter()
        .fold(PortSet::empty(), |acc, s| acc.union(&s.resolve(dst_ports)))
}

/// An exact set of `(protocol, port)` pairs: for each protocol, sorted,
/// disjoint, non-adjacent inclusive ranges within `1..=65535`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PortSet {
    ranges: [Vec<(u16, u16)>; 3],
}

impl PortSet {
    /// No port.
    #[must_use]
    pub fn empty() -> Self {
        PortSet::default()
    }

    /// Every port of every protocol.
    #[must_use]
    pub fn all() -> Self {
        PortSet {
            ranges: [
                vec![(1, u16::MAX)],
                vec![(1, u16::MAX)],
                vec![(1, u16::MAX)],
            ],
        }
    }

    /// Ports `lo..=hi` of `proto` (empty when `lo > hi`; port 0 is left out).
    #[must_use]
    pub fn range(proto: Protocol, lo: u16, hi: u16) -> Self {
        let mut s = PortSet::empty();
        let lo = lo.max(1);
        if lo <= hi {
            s.ranges[proto.idx()].push((lo, hi));
        }
        s
    }

    /// Whether no port is in the set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    /// Whether every port of every protocol is in the set.
    #[must_use]
    pub fn is_all(&self) -> bool {
        self.ranges.iter().all(|r| r.as_slice() == [(1, u16::MAX)])
    }

    /// Whether `port`/`proto` is in the set.
    #[must_use]
    pub fn contains(&self, proto: Protocol, port: u16) -> bool {
        self.ranges[proto.idx()]
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// The set of pairs in either set.
    #[must_use]
    pub fn union(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::empty();
        for i in 0..3 {
            let mut all: Vec<(u16, u16)> = self.ranges[i]
                .iter()
                .chain(&other.ranges[i])
                .copied()
                .collect();
            all.sort_unstable();
            let merged = &mut out.ranges[i];
            for (lo, hi) in all {
                match merged.last_mut() {
                    Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => {
                        last.1 = last.1.max(hi);
                    }
                    _ => merged.push((lo, hi)),
                }
            }
        }
        out
    }

    /// The set of pairs in both sets.
    #[must_use]
    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::empty();
        for i in 0..3 {
            for &(a, b) in &self.ranges[i] {
                for &(c, d) in &other.ranges[i] {
                    let (lo, hi) = (a.max(c), b.min(d));
                    if lo <= hi {
                        out.ranges[i].push((lo, hi));
                    }
                }
            }
            out.ranges[i].sort_unstable();
        }
        out
    }

    /// The pairs of `self` that are not in `other`.
    #[must_use]
    pub fn subtract(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::empty();
        for i in 0..3 {
            for &(a, b) in &self.ranges[i] {
                let mut lo = u32::from(a);
                let hi = u32::from(b);
                for &(c, d) in &other.ranges[i] {
                    let (c, d) = (u32::from(c), u32::from(d));
                    if d < lo || c > hi {
                        continue;
                    }
                    if c > lo {
                        out.ranges[i].push((narrow(lo), narrow(c - 1)));
                    }
                    lo = d + 1;
                }
                if lo <= hi {
                    out.ranges[i].push((narrow(lo), narrow(hi)));
                }
            }
        }
        out
    }
}

fn narrow(v: u32) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

impl fmt::Display for PortSet {
    /// `all`, `none`, or a list such as `80/TCP, 8000-8080/TCP, all UDP`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        if self.is_empty() {
            return f.write_str("none");
        }
        let mut parts = Vec::new();
        for proto in Protocol::ALL {
            for &(lo, hi) in &self.ranges[proto.idx()] {
                parts.push(match (lo, hi) {
                    (1, u16::MAX) => format!("all {}", proto.as_str()),
                    (lo, hi) if lo == hi => format!("{lo}/{}", proto.as_str()),
                    (lo, hi) => format!("{lo}-{hi}/{}", proto.as_str()),
                });
            }
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra() {
        let a = PortSet::range(Protocol::Tcp, 80, 90);
        let b = PortSet::range(Protocol::Tcp, 85, 100);
        assert_eq!(a.union(&b), PortSet::range(Protocol::Tcp, 80, 100));
        assert_eq!(a.intersect(&b), PortSet::range(Protocol::Tcp, 85, 90));
        assert_eq!(a.subtract(&b), PortSet::range(Protocol::Tcp, 80, 84));
        let adjacent = PortSet::range(Protocol::Tcp, 91, 91);
        assert_eq!(a.union(&adjacent), PortSet::range(Protocol::Tcp, 80, 91));
        let hole = PortSet::all().subtract(&PortSet::range(Protocol::Udp, 53, 53));
        assert!(!hole.contains(Protocol::Udp, 53));
        assert!(hole.contains(Protocol::Udp, 54));
        assert!(hole.contains(Protocol::Tcp, 53));
        assert_eq!(
            hole.to_string(),
            "all TCP, 1-52/UDP, 54-65535/UDP, all SCTP"
        );
        assert_eq!(PortSet::all().to_string(), "all");
        assert_eq!(PortSet::empty().to_string(), "none");
    }

    #[test]
    fn named_and_ranged_ports() {
        let dst = [ContainerPort {
            name: Some("http".into()),
            port: 8080,
            protocol: Protocol::Tcp,
        }];
        let named = PortSpec {
            protocol: Protocol::Tcp,
            port: Some(PortRef::Name("http".into())),
            end_port: None,
        };
        assert_eq!(
            named.resolve(Some(&dst)),
            PortSet::range(Protocol::Tcp, 8080, 8080)
        );
        assert!(named.resolve(None).is_empty());
        let udp = PortSpec {
            protocol: Protocol::Udp,
            ..named
        };
        assert!(udp.resolve(Some(&dst)).is_empty());
        let ranged = PortSpec {
            protocol: Protocol::Sctp,
            port: Some(PortRef::Number(32000)),
            end_port: Some(32768),
        };
        assert_eq!(
            ranged.resolve(None),
            PortSet::range(Protocol::Sctp, 32000, 32768)
        );
        assert!(resolve_all(&[], None).is_all());
    }
}
