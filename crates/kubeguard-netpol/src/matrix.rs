//! The reachability matrix between workloads, as data: the order of its
//! rows, the cell of each pair of pods and the allowed pairs of
//! equivalence classes ([`Classes`]). The writers (text, JSON, CSV,
//! Graphviz dot, Mermaid) are in `kubeguard-report`.

use crate::classes::Classes;
use crate::model::Model;
use crate::port::{PortSet, Protocol};

/// A cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Every port (or the asked port) is allowed.
    All,
    /// Some ports are allowed (only without a port).
    Some,
    /// Nothing is allowed.
    None,
}

impl Cell {
    /// Classifies a port set, for one port when `port` is given.
    #[must_use]
    pub fn of(set: &PortSet, port: Option<(Protocol, u16)>) -> Cell {
        match port {
            Some((proto, p)) if set.contains(proto, p) => Cell::All,
            Some(_) => Cell::None,
            None if set.is_all() => Cell::All,
            None if set.is_empty() => Cell::None,
            None => Cell::Some,
        }
    }

    /// `all`, `some` or `none`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Cell::All => "all",
            Cell::Some => "some",
            Cell::None => "none",
        }
    }
}

/// Pod indices in `namespace/name` order: the rows and columns of the matrix.
#[must_use]
pub fn pod_order(model: &Model) -> Vec<usize> {
    let mut order: Vec<usize> = (0..model.pods.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&model.pods[a], &model.pods[b]);
        (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
    });
    order
}

/// Every allowed pair of classes (a class to itself only when it has more
/// than one member), with the ports allowed between them, in class order.
pub fn class_edges(
    classes: &Classes,
    port: Option<(Protocol, u16)>,
) -> impl Iterator<Item = (usize, usize, &PortSet)> + '_ {
    let n = classes.len();
    // Whether each distinct port set allows anything, decided once.
    let open: Vec<bool> = classes
        .port_sets()
        .iter()
        .map(|set| Cell::of(set, port) != Cell::None)
        .collect();
    let reps: Vec<usize> = classes.members.iter().map(|m| m[0]).collect();
    (0..n)
        .flat_map(move |s| (0..n).map(move |d| (s, d)))
        .filter(move |&(s, d)| s != d || classes.members[s].len() >= 2)
        .filter_map(move |(s, d)| {
            let set = classes.allowed_index(reps[s], reps[d]);
            open[set].then(|| (s, d, &classes.port_sets()[set]))
        })
}
