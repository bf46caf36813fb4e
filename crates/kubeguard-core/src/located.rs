//! A node together with its field path and the position findings point at.

use crate::node::{Node, Pos, Span, Value};
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
///
/// A `Located` is three words: rules step through objects with it millions
/// of times a scan, and only the few steps that end in a finding need the
/// path, so the path is worked out on demand ([`Located::path`]) by finding
/// the node under the root it was reached from.
#[derive(Clone)]
pub struct Located<'a> {
    /// The node.
    pub node: &'a Node,
    /// Where a finding about this node points.
    pub at: Pos,
    /// The node the path starts from.
    root: &'a Node,
}

impl<'a> Located<'a> {
    /// The root of a document (empty path).
    #[must_use]
    pub fn root(node: &'a Node) -> Self {
        Located {
            node,
            at: node.span.start,
            root: node,
        }
    }

    /// The value under `key`, pointing at the key.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Located<'a>> {
        let (_, key_span, value) = self.node.as_map()?.entry(key)?;
        Some(Located {
            node: value,
            at: key_span.start,
            root: self.root,
        })
    }

    /// Follows `keys`; on a missing key returns `Err` with the nearest
    /// existing parent, which is where a "missing field" finding points.
    // Both sides are a `Located`, three words each; boxing the error would
    // allocate on the hottest path of every rule.
    #[allow(clippy::result_large_err)]
    pub fn lookup(&self, keys: &[&str]) -> Result<Located<'a>, Located<'a>> {
        let mut cur = self.clone();
        for k in keys {
            match cur.node.as_map().and_then(|m| m.entry(k)) {
                Some((_, key_span, value)) => {
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
        let root = self.root;
        self.node.items().map(move |item| Located {
            node: item,
            at: item.span.start,
            root,
        })
    }

    /// The entries of a mapping, each pointing at its key.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Located<'a>)> + '_ {
        let root = self.root;
        self.node
            .as_map()
            .into_iter()
            .flat_map(|m| m.entries.iter())
            .map(move |(k, key_span, value)| {
                (
                    &**k,
                    Located {
                        node: value,
                        at: key_span.start,
                        root,
                    },
                )
            })
    }

    /// The item `index` of a sequence, pointing at itself.
    #[must_use]
    pub fn item(&self, index: usize) -> Option<Located<'a>> {
        let item = self.node.items().nth(index)?;
        Some(Located {
            node: item,
            at: item.span.start,
            root: self.root,
        })
    }

    /// The field path, e.g. `spec.containers[0].image`.
    #[must_use]
    pub fn path(&self) -> String {
        let mut segs: SmallVec<[Seg<'a>; 16]> = SmallVec::new();
        // Nodes lie inside the text of their parents, so the search first
        // follows only the children whose text holds the node's; nodes
        // copied by anchors and aliases keep the anchor's position, so
        // their search falls back to every child.
        let found = find(self.root, self.node, true, &mut segs)
            || find(self.root, self.node, false, &mut segs);
        debug_assert!(found, "a located node lies under its root");
        render(&segs)
    }
}

/// Whether `span` holds `pos` (its end included: an empty value's span
/// ends where it starts).
fn holds(span: Span, pos: Pos) -> bool {
    span.start <= pos && pos <= span.end
}

/// Searches `from` for `target` (the same node, not an equal one), leaving
/// the steps to it in `segs` when found.
fn find<'a>(
    from: &'a Node,
    target: &Node,
    prune: bool,
    segs: &mut SmallVec<[Seg<'a>; 16]>,
) -> bool {
    if std::ptr::eq(from, target) {
        return true;
    }
    let pos = target.span.start;
    match &from.value {
        Value::Map(map) => {
            for (k, _, value) in &map.entries {
                if prune && !holds(value.span, pos) {
                    continue;
                }
                segs.push(Seg::Key(k));
                if find(value, target, prune, segs) {
                    return true;
                }
                segs.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if prune && !holds(item.span, pos) {
                    continue;
                }
                segs.push(Seg::Index(i));
                if find(item, target, prune, segs) {
                    return true;
                }
                segs.pop();
            }
        }
        Value::Scalar(_) => {}
    }
    false
}

fn render(segs: &[Seg<'_>]) -> String {
    let mut out = String::with_capacity(64 + segs.len() * 8);
    for seg in segs {
        match seg {
            Seg::Key(k) => push_path_key(&mut out, k),
            Seg::Index(i) => push_path_index(&mut out, *i),
        }
    }
    out
}

impl fmt::Debug for Located<'_> {
    /// The node, the position and the path (not the whole tree it is in).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Located")
            .field("node", self.node)
            .field("at", &self.at)
            .field("path", &self.path())
            .finish()
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
    use crate::node::{Map, Scalar, ScalarKind};

    fn at(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    fn span(start: Pos, end: Pos) -> Span {
        Span { start, end }
    }

    fn scalar(text: &str, start: Pos) -> Node {
        let end = Pos {
            col: start.col + u32::try_from(text.len()).unwrap(),
            ..start
        };
        Node {
            value: Value::Scalar(Scalar {
                text: text.into(),
                kind: ScalarKind::Str,
            }),
            span: span(start, end),
        }
    }

    fn map(entries: Vec<(&str, Pos, Node)>, s: Span) -> Node {
        Node {
            value: Value::Map(Map {
                entries: entries
                    .into_iter()
                    .map(|(k, key_at, v)| (k.into(), span(key_at, key_at), v))
                    .collect(),
            }),
            span: s,
        }
    }

    #[test]
    fn path_renders_keys_indices_and_odd_keys() {
        let segs = [
            Seg::Key("spec"),
            Seg::Key("containers"),
            Seg::Index(0),
            Seg::Index(10),
            Seg::Index(1234),
            Seg::Key("a.b"),
            Seg::Key("image"),
        ];
        assert_eq!(render(&segs), "spec.containers[0][10][1234][\"a.b\"].image");
    }

    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: a
    ///     image: x
    ///   - name: b
    ///     a.b: y
    /// copy: <the first container, as an alias copies it: same positions>
    /// ```
    fn tree() -> Node {
        let first = map(
            vec![
                ("name", at(3, 5), scalar("a", at(3, 11))),
                ("image", at(4, 5), scalar("x", at(4, 12))),
            ],
            span(at(3, 5), at(5, 3)),
        );
        let second = map(
            vec![
                ("name", at(5, 5), scalar("b", at(5, 11))),
                ("a.b", at(6, 5), scalar("y", at(6, 10))),
            ],
            span(at(5, 5), at(7, 1)),
        );
        let containers = Node {
            value: Value::Seq(vec![first.clone(), second]),
            span: span(at(3, 3), at(7, 1)),
        };
        let spec = map(
            vec![("containers", at(2, 3), containers)],
            span(at(2, 3), at(7, 1)),
        );
        map(
            vec![("spec", at(1, 1), spec), ("copy", at(7, 1), first)],
            span(at(1, 1), at(8, 1)),
        )
    }

    #[test]
    fn paths_are_found_from_the_root() {
        let root = tree();
        let r = Located::root(&root);
        assert_eq!(r.path(), "");
        let containers = r.lookup(&["spec", "containers"]).unwrap();
        assert_eq!(containers.path(), "spec.containers");
        assert_eq!(containers.at, at(2, 3));
        let second = containers.item(1).unwrap();
        assert_eq!(second.path(), "spec.containers[1]");
        assert_eq!(
            second.get("a.b").unwrap().path(),
            "spec.containers[1][\"a.b\"]"
        );
        let images: Vec<String> = containers
            .items()
            .filter_map(|c| c.get("image"))
            .map(|i| i.path())
            .collect();
        assert_eq!(images, ["spec.containers[0].image"]);
        let keys: Vec<(&str, String)> = second.entries().map(|(k, v)| (k, v.path())).collect();
        assert_eq!(
            keys,
            [
                ("name", "spec.containers[1].name".to_owned()),
                ("a.b", "spec.containers[1][\"a.b\"]".to_owned())
            ]
        );
        assert_eq!(
            r.lookup(&["spec", "missing", "x"]).unwrap_err().path(),
            "spec"
        );
    }

    #[test]
    fn copied_nodes_have_their_own_paths() {
        // The copy holds positions inside `spec`, not inside `copy`.
        let root = tree();
        let copy = Located::root(&root).lookup(&["copy", "image"]).unwrap();
        assert_eq!(copy.at, at(4, 5));
        assert_eq!(copy.path(), "copy.image");
        assert_eq!(copy.to_string(), "copy.image");
    }

    #[test]
    fn paths_start_at_the_node_they_were_located_from() {
        let root = tree();
        let spec = root.get("spec").unwrap();
        let c = Located::root(spec).lookup(&["containers"]).unwrap();
        assert_eq!(
            c.item(0).unwrap().get("name").unwrap().path(),
            "containers[0].name"
        );
    }
}
