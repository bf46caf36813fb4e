//! Connections a change opens or closes, for reviewing a pull request:
//! workloads are matched by `namespace/name` across the two inputs.

use crate::classes::Classes;
use crate::model::Model;
use crate::port::PortSet;
use std::collections::{BTreeMap, HashMap};

/// One changed connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The sender, `namespace/name`.
    pub from: String,
    /// The receiver, `namespace/name`.
    pub to: String,
    /// Ports allowed after the change but not before.
    pub opened: PortSet,
    /// Ports allowed before the change but not after.
    pub closed: PortSet,
}

/// Everything that changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Workloads only in the new input.
    pub added: Vec<String>,
    /// Workloads only in the old input.
    pub removed: Vec<String>,
    /// Changed connections between workloads present in both.
    pub changes: Vec<Change>,
}

impl Diff {
    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changes.is_empty()
    }
}

fn ids(model: &Model) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (i, p) in model.pods.iter().enumerate() {
        m.entry(p.id()).or_insert(i);
    }
    m
}

/// Compares the reachability of two models.
#[must_use]
pub fn diff(old: &Model, old_classes: &Classes, new: &Model, new_classes: &Classes) -> Diff {
    let (old_ids, new_ids) = (ids(old), ids(new));
    let mut out = Diff {
        added: new_ids
            .keys()
            .filter(|k| !old_ids.contains_key(*k))
            .cloned()
            .collect(),
        removed: old_ids
            .keys()
            .filter(|k| !new_ids.contains_key(*k))
            .cloned()
            .collect(),
        changes: Vec::new(),
    };
    let common: Vec<(&String, usize, usize)> = old_ids
        .iter()
        .filter_map(|(k, &o)| Some((k, o, *new_ids.get(k)?)))
        .collect();
    let mut memo: HashMap<[usize; 4], Option<(PortSet, PortSet)>> = HashMap::new();
    for &(from, os, ns) in &common {
        for &(to, od, nd) in &common {
            if from == to {
                continue;
            }
            let key = [
                old_classes.of_pod[os],
                old_classes.of_pod[od],
                new_classes.of_pod[ns],
                new_classes.of_pod[nd],
            ];
            let delta = memo.entry(key).or_insert_with(|| {
                let before = old_classes.between(key[0], key[1]);
                let after = new_classes.between(key[2], key[3]);
                (before != after).then(|| (after.subtract(before), before.subtract(after)))
            });
            if let Some((opened, closed)) = delta {
                out.changes.push(Change {
                    from: from.clone(),
                    to: to.clone(),
                    opened: opened.clone(),
                    closed: closed.clone(),
                });
            }
        }
    }
    out
}
