//! A node together with its field path and the position findings point at.

use crate::node::{Node, Pos};
use smallvec::SmallVec;
use std::fmt::{self, Write as _};

/// One step of a field path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A node reached from an object's root, with the field path that reached it
/// (`spec.template.spec.containers[1].securityContext`) and the position a
/// finding about it points at: the key for a mapping value, the item itself
/// for a sequence item.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// The node.
    pub node: &'a Node,
    /// Where a finding about this node points.
    pub at: Pos,
    segs: SmallVec<[Seg<'a>; 12]>,
}

impl<'a> Located<'a> {
    /// The root of a document (empty path).
    #[must_use]
    pub fn root(node: &'a Node) -> Self {
        Located {
            node,
            at: node.span.start,
            segs: SmallVec::new(),
        }
    }

    /// The value under `key`, pointing at the key.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Located<'a>> {
        let (k, key_span, value) = self.node.as_map()?.entry(key)?;
        let mut segs = self.segs.clone();
        segs.push(Seg::Key(k));
        Some(Located {
            node: value,
            at: key_span.start,
            segs,
        })
    }

    /// Follows `keys`; on a missing key returns `Err` with the nearest
    /// existing parent, which is where a "missing field" finding points.
    // Both sides are a `Located`; boxing the error would allocate on the
    // hottest path of every rule.
    #[allow(clippy::result_large_err)]
    pub fn lookup(&self, keys: &[&str]) -> Result<Located<'a>, Located<'a>> {
        let mut cur = self.clone();
        for k in keys {
            match cur.get(k) {
                Some(next) => cur = next,
                None => return Err(cur),
            }
        }
        Ok(cur)
    }

    /// The items of a sequence, each pointing at itself.
    pub fn items(&self) -> impl Iterator<Item = Located<'a>> + '_ {
        self.node.items().enumerate().map(move |(i, item)| {
            let mut segs = self.segs.clone();
            segs.push(Seg::Index(i));
            Located {
                node: item,
                at: item.span.start,
                segs,
            }
        })
    }

    /// The entries of a mapping, each pointing at its key.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Located<'a>)> + '_ {
        self.node
            .as_map()
            .into_iter()
            .flat_map(|m| m.entries.iter())
            .map(move |(k, key_span, value)| {
                let mut segs = self.segs.clone();
                segs.push(Seg::Key(k));
                (
                    &**k,
                    Located {
                        node: value,
                        at: key_span.start,
                        segs,
                    },
                )
            })
    }

    /// The field path, e.g. `spec.containers[0].image`.
    #[must_use]
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Key(k) if k.contains(['.', '[', ']']) => {
                    let _ = write!(out, "[{k:?}]");
                }
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}
