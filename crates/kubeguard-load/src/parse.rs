//! YAML (and JSON) text to position-carrying [`Node`] trees, one per
//! document, with anchors, aliases and merge keys resolved, duplicate keys
//! rejected, and hard limits on nesting depth and alias expansion.

use crate::scalar::resolve_plain;
use kubeguard_core::{Map, Node, Pos, Scalar, ScalarKind, Span, Value};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use std::collections::HashMap;

/// Deepest nesting accepted; real manifests stay far below it.
pub const MAX_DEPTH: usize = 256;

/// Nodes that aliases and anchors may copy beyond the nodes written in the text.
const ALIAS_BASE_BUDGET: usize = 100_000;

/// A syntax or structure error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where it is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// One parsed document: its root node, or `None` for an empty document.
pub type Document = Option<Node>;

/// Parses every document of `text`. Documents before the first error are
/// returned together with the error; parsing stops at the error, since a
/// YAML stream cannot be resynchronised reliably after one.
pub fn parse_documents(text: &str) -> (Vec<Document>, Option<SyntaxError>) {
    let mut builder = Builder::default();
    // Quoted scalars may continue on lines indented less than their key,
    // as `kubectl apply` (go-yaml) reads them.
    let mut parser = Parser::new_from_str(text)
        .keep_tags(true)
        .lenient_quoted_indentation(true);
    let mut docs = Vec::new();
    while let Some(event) = parser.next_event() {
        let (event, span) = match event {
            Ok(ev) => ev,
            Err(e) => {
                return (
                    docs,
                    Some(SyntaxError {
                        pos: pos(*e.marker()),
                        message: syntax_message(e.info()),
                    }),
                );
            }
        };
        match builder.event(event, pos(span.start), pos(span.end)) {
            Ok(Some(doc)) => docs.push(doc),
            Ok(None) => {}
            Err(err) => return (docs, Some(err)),
        }
    }
    (docs, None)
}

/// The parser's message, reworded where it would not tell the user what
/// is wrong.
fn syntax_message(info: &str) -> String {
    match info {
        // The scanner counts nested flow collections in a `u8`.
        "recursion limit exceeded" => {
            "flow collections ([...] or {...}) nested deeper than 255 levels; refusing to parse"
                .into()
        }
        other => other.to_owned(),
    }
}

fn pos(m: Marker) -> Pos {
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

/// A collection being built. Its items or entries so far are the tail of
/// the builder's scratch list from `base` on: a collection is allocated
/// once, at its exact size, when it ends.
enum Frame {
    Seq {
        base: usize,
        start: Pos,
        anchor: usize,
        size: usize,
    },
    Map {
        base: usize,
        key: Option<(Box<str>, Span, bool)>,
        merges: Vec<Node>,
        start: Pos,
        anchor: usize,
        size: usize,
    },
}

type Entry = (Box<str>, Span, Node);

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last.
    items: Vec<Node>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<Entry>,
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    written_nodes: usize,
    copied_nodes: usize,
}

impl Builder {
    /// Feeds one event; returns a document when one is complete.
    fn event(
        &mut self,
        event: Event<'_>,
        start: Pos,
        end: Pos,
    ) -> Result<Option<Document>, SyntaxError> {
        let err = |message: String| SyntaxError {
            pos: start,
            message,
        };
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => return Ok(Some(self.root.take())),
            Event::Scalar(text, style, anchor, tag) => {
                let kind = scalar_kind(&text, style, tag.as_deref());
                let node = Node {
                    value: Value::Scalar(Scalar {
                        text: text.into(),
                        kind,
                    }),
                    span: Span { start, end },
                };
                let merge_key = style == ScalarStyle::Plain && node.scalar_text() == Some("<<");
                self.complete(node, 1, anchor, merge_key)?;
            }
            Event::Alias(id) => {
                let (node, size) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err("alias refers to an unknown anchor".into()))?;
                self.charge_copy(size, start)?;
                self.complete(node, size, 0, false)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(
                    Frame::Seq {
                        base: self.items.len(),
                        start,
                        anchor,
                        size: 1,
                    },
                    start,
                )?;
            }
            Event::MappingStart(anchor, _) => {
                self.open(
                    Frame::Map {
                        base: self.entries.len(),
                        key: None,
                        merges: Vec::new(),
                        start,
                        anchor,
                        size: 1,
                    },
                    start,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self
                    .stack
                    .pop()
                    .ok_or_else(|| err("unbalanced collection".into()))?;
                let (node, size, anchor) = match frame {
                    Frame::Seq {
                        base,
                        start,
                        anchor,
                        size,
                    } => (
                        Node {
                            value: Value::Seq(self.items.drain(base..).collect()),
                            span: Span { start, end },
                        },
                        size,
                        anchor,
                    ),
                    Frame::Map {
                        base,
                        merges,
                        start,
                        anchor,
                        size,
                        ..
                    } => {
                        let mut map = Map {
                            entries: self.entries.drain(base..).collect(),
                        };
                        apply_merges(&mut map, merges);
                        (
                            Node {
                                value: Value::Map(map),
                                span: Span { start, end },
                            },
                            size,
                            anchor,
                        )
                    }
                };
                self.complete(node, size, anchor, false)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(None)
    }

    /// Accounts for `size` nodes copied by an anchor or an alias, refusing
    /// documents whose copies outgrow their text (billion laughs).
    fn charge_copy(&mut self, size: usize, at: Pos) -> Result<(), SyntaxError> {
        self.copied_nodes += size;
        if self.copied_nodes > ALIAS_BASE_BUDGET + 10 * self.written_nodes {
            return Err(SyntaxError {
                pos: at,
                message: "anchors and aliases expand to too many nodes (a \"billion laughs\" document?); refusing to expand"
                    .into(),
            });
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: Pos) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                pos: at,
                message: format!("nesting deeper than {MAX_DEPTH} levels; refusing to parse"),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Places a finished node into its parent (or makes it the root).
    fn complete(
        &mut self,
        node: Node,
        size: usize,
        anchor: usize,
        merge_key: bool,
    ) -> Result<(), SyntaxError> {
        self.written_nodes += 1;
        if anchor != 0 {
            // Anchors nested in anchors copy the inner tree once per level:
            // those copies count against the same budget as aliases.
            self.charge_copy(size, node.span.start)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match parent {
            Frame::Seq { size: total, .. } => {
                *total += size;
                self.items.push(node);
            }
            Frame::Map {
                base,
                key,
                merges,
                size: total,
                ..
            } => {
                *total += size;
                match key.take() {
                    None => {
                        let span = node.span;
                        *key = Some((map_key(node)?, span, merge_key));
                    }
                    Some((_, _, true)) => {
                        check_merge_value(&node)?;
                        merges.push(node);
                    }
                    Some((k, key_span, false)) => {
                        let map = &self.entries[*base..];
                        if let Some((_, first, _)) = map.iter().find(|(e, _, _)| *e == k) {
                            return Err(SyntaxError {
                                pos: key_span.start,
                                message: format!(
                                    "duplicate key {k:?} (first set at line {}, column {}); kubectl rejects duplicate keys",
                                    first.start.line, first.start.col
                                ),
                            });
                        }
                        self.entries.push((k, key_span, node));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A mapping key must be a scalar; Kubernetes reads every key as a string.
fn map_key(node: Node) -> Result<Box<str>, SyntaxError> {
    match node.value {
        Value::Scalar(s) => Ok(s.text),
        _ => Err(SyntaxError {
            pos: node.span.start,
            message: "a mapping key must be a string, not a collection".into(),
        }),
    }
}

/// Resolves the type of a scalar from its style and tag.
fn scalar_kind(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> ScalarKind {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "str" | "binary" | "timestamp" => ScalarKind::Str,
                "null" => ScalarKind::Null,
                _ => resolve_plain(text),
            };
        }
        if tag.handle == "!" && tag.suffix.is_empty() {
            return ScalarKind::Str;
        }
    }
    if style == ScalarStyle::Plain {
        resolve_plain(text)
    } else {
        ScalarKind::Str
    }
}

/// A `<<` merge key takes a mapping or a list of mappings; Kubernetes'
/// YAML reader rejects anything else, and so does kubeguard.
fn check_merge_value(node: &Node) -> Result<(), SyntaxError> {
    let bad = match &node.value {
        Value::Map(_) => None,
        Value::Seq(items) => items.iter().find(|i| i.as_map().is_none()),
        Value::Scalar(_) => Some(node),
    };
    match bad {
        None => Ok(()),
        Some(n) => Err(SyntaxError {
            pos: n.span.start,
            message: "a merge key (<<) takes a mapping or a list of mappings".into(),
        }),
    }
}

/// Applies `<<` merge keys: keys written in the mapping win; among merged
/// mappings, earlier ones win.
fn apply_merges(map: &mut Map, merges: Vec<Node>) {
    for merged in merges {
        let sources: Vec<Node> = match merged.value {
            Value::Map(_) => vec![merged],
            Value::Seq(items) => items,
            Value::Scalar(_) => Vec::new(),
        };
        for source in sources {
            if let Value::Map(m) = source.value {
                for (k, span, v) in m.entries {
                    if map.entry(&k).is_none() {
                        map.entries.push((k, span, v));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let (docs, err) = parse_documents(text);
        assert_eq!(err, None);
        docs.into_iter().next().flatten().expect("a document")
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let n = one("a:\n  b: yes\n  c: \"yes\"\n");
        let b = n.get_path(&["a", "b"]).unwrap();
        assert_eq!(b.as_bool(), Some(true));
        assert_eq!(b.span.start, Pos { line: 2, col: 6 });
        let (_, key_span, _) = n.get("a").unwrap().as_map().unwrap().entry("c").unwrap();
        assert_eq!(key_span.start, Pos { line: 3, col: 3 });
        assert_eq!(n.get_path(&["a", "c"]).unwrap().as_str(), Some("yes"));
    }

    #[test]
    fn merge_keys_and_anchors() {
        let n = one("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n");
        let obj = n.get("obj").unwrap();
        assert_eq!(obj.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(obj.get("y").unwrap().as_i64(), Some(3));
        assert!(obj.get("<<").is_none());
    }

    #[test]
    fn merge_list_earlier_wins() {
        let n = one("a: &a {k: 1}\nb: &b {k: 2, j: 5}\nc:\n  <<: [*a, *b]\n");
        let c = n.get("c").unwrap();
        assert_eq!(c.get("k").unwrap().as_i64(), Some(1));
        assert_eq!(c.get("j").unwrap().as_i64(), Some(5));
    }

    #[test]
    fn merge_of_a_scalar_is_an_error() {
        let (_, err) = parse_documents("a:\n  <<: hello\n");
        let err = err.unwrap();
        assert_eq!(err.pos, Pos { line: 2, col: 7 });
        assert!(err.message.contains("merge key"));
        let (_, err) = parse_documents("x: &x {k: 1}\na:\n  <<: [*x, 3]\n");
        assert!(err.is_some());
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let (_, err) = parse_documents("a: 1\nb: 2\na: 3\n");
        let err = err.unwrap();
        assert_eq!(err.pos, Pos { line: 3, col: 1 });
        assert!(
            err.message.contains("duplicate key \"a\""),
            "{}",
            err.message
        );
    }

    /// Quoted scalars whose continuation lines are indented less than their
    /// key or dash, as kubectl (go-yaml) and PyYAML read them: the line
    /// break folds to a space and the continuation's indentation is dropped.
    #[test]
    fn quoted_scalars_may_continue_below_their_key() {
        let text = "\
data:
  script: \"first line
 second part\"
  single: 'it''s
long'
  list:
    - \"a long
  quoted\"
";
        let (docs, err) = parse_documents(text);
        assert_eq!(err, None);
        let root = docs[0].as_ref().unwrap();
        let data = root.get("data").unwrap();
        let text_of = |n: &Node| n.as_str().unwrap().to_owned();
        assert_eq!(
            text_of(data.get("script").unwrap()),
            "first line second part"
        );
        assert_eq!(text_of(data.get("single").unwrap()), "it's long");
        let item = &data.get("list").unwrap().as_seq().unwrap()[0];
        assert_eq!(text_of(item), "a long quoted");
        assert_eq!(item.span.start, Pos { line: 7, col: 7 });
        // Duplicate keys stay errors, as kubectl makes them.
        let (_, err) = parse_documents("a: \"x\ny\"\na: 1\n");
        assert!(err.unwrap().message.contains("duplicate key"));
    }

    #[test]
    fn documents_before_an_error_are_kept() {
        let (docs, err) = parse_documents("a: 1\n---\nb: [\n");
        assert_eq!(docs.len(), 1);
        assert!(err.is_some());
    }

    #[test]
    fn json_parses() {
        let n = one(r#"{"kind": "Pod", "spec": {"hostPID": true, "n": 1.5}}"#);
        assert_eq!(
            n.get_path(&["spec", "hostPID"]).unwrap().as_bool(),
            Some(true)
        );
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names: Vec<char> = "abcdefghij".chars().collect();
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let (_, err) = parse_documents(&text);
        assert!(err.unwrap().message.contains("billion laughs"));
    }

    #[test]
    fn nested_anchors_are_refused() {
        // Each anchor keeps a copy of its subtree, so 250 nested anchors
        // around a large sequence would copy it 250 times.
        let items: String = (0..40_000).map(|i| format!("{i},")).collect();
        let text = format!("{}{items}0{}", "&a [".repeat(250), "]".repeat(250));
        let (_, err) = parse_documents(&text);
        assert!(err.unwrap().message.contains("billion laughs"));
        let (docs, err) = parse_documents("a: &x {b: &y {c: &z [1, 2]}}\nd: *x\ne: *z\n");
        assert_eq!(err, None);
        let doc = docs[0].as_ref().unwrap();
        assert_eq!(
            doc.get_path(&["d", "b", "c"])
                .and_then(Node::as_seq)
                .map(<[Node]>::len),
            Some(2)
        );
        assert_eq!(
            doc.get("e").and_then(Node::as_seq).map(<[Node]>::len),
            Some(2)
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(100_000);
        let (_, err) = parse_documents(&text);
        let err = err.unwrap();
        assert!(
            err.message.contains("nested deeper than 255 levels"),
            "{}",
            err.message
        );
        assert_eq!(err.pos, Pos { line: 1, col: 256 });
        let text: String = (0..100_000)
            .map(|i| format!("{}a:\n", " ".repeat(i % 50)))
            .collect();
        let _ = parse_documents(&text);
    }

    #[test]
    fn tags_force_strings() {
        let n = one("a: !!str yes\nb: !!int 5\n");
        assert_eq!(n.get("a").unwrap().as_str(), Some("yes"));
        assert_eq!(n.get("b").unwrap().as_i64(), Some(5));
    }
}
