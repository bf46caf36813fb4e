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
        // Walk the nodes first and copy the path once: a `Located` is too
        // large to clone at every step.
        let mut cur = Located {
            node: self.node,
            at: self.at,
            segs: self.segs.clone(),
        };
        for k in keys {
            match cur.node.as_map().and_then(|m| m.entry(k)) {
                Some((key, key_span, value)) => {
                    cur.segs.push(Seg::Key(key));
                    cur.node = value;
                    cur.at = key_span.start;
                }
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

    /// The item `index` of a sequence, pointing at itself.
    #[must_use]
    pub fn item(&self, index: usize) -> Option<Located<'a>> {
        let item = self.node.items().nth(index)?;
        let mut segs = self.segs.clone();
        segs.push(Seg::Index(index));
        Some(Located {
            node: item,
            at: item.span.start,
            segs,
        })
    }

    /// The field path, e.g. `spec.containers[0].image`.
    #[must_use]
    pub fn path(&self) -> String {
        let mut out = String::with_capacity(64 + self.segs.len() * 8);
        for seg in &self.segs {
            match seg {
                Seg::Key(k) => push_path_key(&mut out, k),
                Seg::Index(i) => push_path_index(&mut out, *i),
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

/// Appends a mapping key to a field path: `.key`, or `["a.b"]` for keys
/// that contain `.`, `[` or `]`.
pub fn push_path_key(path: &mut String, key: &str) {
    if key.bytes().any(|b| matches!(b, b'.' | b'[' | b']')) {
        let _ = write!(path, "[{key:?}]");
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
}

/// Appends a sequence index to a field path: `[3]`.
pub fn push_path_index(path: &mut String, index: usize) {
    path.push('[');
    push_decimal(path, index);
    path.push(']');
}

/// Appends `n` in decimal without going through the formatting machinery
/// (paths are built for every finding).
fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_renders_keys_indices_and_odd_keys() {
        let node = Node {
            value: crate::node::Value::Map(crate::node::Map::default()),
            span: crate::node::Span::default(),
        };
        let mut segs = SmallVec::new();
        segs.extend([
            Seg::Key("spec"),
            Seg::Key("containers"),
            Seg::Index(0),
            Seg::Index(10),
            Seg::Index(1234),
            Seg::Key("a.b"),
            Seg::Key("image"),
        ]);
        let located = Located {
            node: &node,
            at: Pos::default(),
            segs,
        };
        assert_eq!(
            located.path(),
            "spec.containers[0][10][1234][\"a.b\"].image"
        );
    }
}
