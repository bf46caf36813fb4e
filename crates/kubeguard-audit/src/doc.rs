//! JSON as the rules read it: a `serde_json` value, or the kept parts of
//! one line laid out flat with their strings pointing into the line
//! ([`Doc`]), built without allocating once its buffers have grown. Both
//! answer every question a field asks through [`JsonRef`], with the same
//! answers: a repeated key keeps its last value and an object's keys come
//! sorted, as in a `serde_json` map.

use crate::projection::{EVENT_FIELDS, event_field};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What a node of a [`Doc`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    True,
    False,
    /// A number, its text in the line (the scan keeps only plain integers).
    Number,
    /// A string without escapes, its contents in the line.
    String,
    /// A string with escapes, decoded into the doc's own strings.
    Decoded,
    Array,
    Object,
}

/// One value of a [`Doc`]; its members or items follow it.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// The key in the line, for a member of an object (else empty).
    key: (u32, u32),
    kind: Kind,
    /// The text in the line (numbers, strings), or the index of a decoded string.
    span: (u32, u32),
    /// One past the last node of this value's subtree.
    end: u32,
    /// For an object: whether no key is written twice, so a lookup can
    /// stop at the first match.
    unique: bool,
}

/// The kept parts of one JSON text, in document order: each value is
/// followed by its members or items. Offsets point into the text, which
/// is given back when the doc is read ([`Doc::root`]).
#[derive(Debug)]
pub struct Doc {
    nodes: Vec<Node>,
    decoded: Vec<String>,
    /// Where the value of each top-level field of an audit event is (by
    /// its number, [`event_field`]); `NONE` when it is not kept.
    top: [u32; EVENT_FIELDS],
}

/// No node.
const NONE: u32 = u32::MAX;

impl Default for Doc {
    fn default() -> Self {
        Doc {
            nodes: Vec::new(),
            decoded: Vec::new(),
            top: [NONE; EVENT_FIELDS],
        }
    }
}

/// A byte range of the text, as stored.
pub(crate) type Span = (u32, u32);

impl Doc {
    /// Empties the doc for the next text, keeping its room.
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.decoded.clear();
        self.top = [NONE; EVENT_FIELDS];
    }

    /// Notes that the next value added is top-level field `field` of the
    /// event (the last one written wins, as for any repeated key).
    pub(crate) fn top_field_next(&mut self, field: u8) {
        self.top[usize::from(field)] = self.next_index();
    }

    /// Adds a scalar (or a decoded string, `span.0` its index).
    pub(crate) fn leaf(&mut self, key: Span, kind: Kind, span: Span) {
        let end = self.next_index() + 1;
        self.nodes.push(Node {
            key,
            kind,
            span,
            end,
            unique: false,
        });
    }

    /// Adds a decoded string.
    pub(crate) fn decoded(&mut self, key: Span, text: String) {
        let at = u32::try_from(self.decoded.len()).unwrap_or(u32::MAX);
        self.decoded.push(text);
        self.leaf(key, Kind::Decoded, (at, 0));
    }

    /// Starts an object or array; its members follow until [`close`](Self::close).
    pub(crate) fn open(&mut self, key: Span, kind: Kind) -> usize {
        let at = self.nodes.len();
        self.leaf(key, kind, (0, 0));
        at
    }

    /// Ends the object or array started at `at`; `unique` when the
    /// object is known to repeat no key.
    pub(crate) fn close(&mut self, at: usize, unique: bool) {
        let end = self.next_index();
        let node = &mut self.nodes[at];
        node.end = end;
        node.unique = unique;
    }

    fn next_index(&self) -> u32 {
        u32::try_from(self.nodes.len()).unwrap_or(u32::MAX)
    }

    /// The top value, read against the text the doc was built from.
    #[must_use]
    pub fn root<'e>(&'e self, text: &'e str) -> JsonRef<'e> {
        JsonRef::Doc(DocRef {
            doc: self,
            text,
            at: 0,
        })
    }
}

/// A value of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub struct DocRef<'e> {
    doc: &'e Doc,
    text: &'e str,
    at: u32,
}

impl<'e> DocRef<'e> {
    fn node(self) -> &'e Node {
        &self.doc.nodes[self.at as usize]
    }

    fn slice(self, (start, end): Span) -> &'e str {
        &self.text[start as usize..end as usize]
    }

    fn at(self, at: u32) -> DocRef<'e> {
        DocRef { at, ..self }
    }

    /// The members or items, in the order written.
    fn children(self) -> Children<'e> {
        let node = self.node();
        let open = matches!(node.kind, Kind::Array | Kind::Object);
        Children {
            of: self,
            next: self.at + 1,
            end: if open { node.end } else { self.at + 1 },
        }
    }

    fn key(self) -> &'e str {
        self.slice(self.node().key)
    }

    /// Whether this member's key is `key` (lengths compared first).
    fn has_key(self, key: &str) -> bool {
        let (start, end) = self.node().key;
        let mine = &self.text.as_bytes()[start as usize..end as usize];
        mine.len() == key.len() && mine.first() == key.as_bytes().first() && mine == key.as_bytes()
    }

    /// The member `key` of this object: the last one written, found
    /// sooner when no key is repeated.
    fn member(self, key: &str) -> Option<DocRef<'e>> {
        if self.at == 0
            && let Some(field) = event_field(key)
        {
            let at = self.doc.top[usize::from(field)];
            return (at != NONE).then(|| self.at(at));
        }
        let mut found = None;
        for m in self.children() {
            if m.has_key(key) {
                found = Some(m);
                if self.node().unique {
                    break;
                }
            }
        }
        found
    }

    fn as_str(self) -> Option<&'e str> {
        let node = self.node();
        match node.kind {
            Kind::String => Some(self.slice(node.span)),
            Kind::Decoded => Some(&self.doc.decoded[node.span.0 as usize]),
            _ => None,
        }
    }

    fn to_value(self) -> Value {
        let node = self.node();
        match node.kind {
            Kind::Null => Value::Null,
            Kind::True => Value::Bool(true),
            Kind::False => Value::Bool(false),
            // The scan keeps only integers that fit a u64.
            Kind::Number => self
                .slice(node.span)
                .parse::<u64>()
                .map_or(Value::Null, Value::from),
            Kind::String | Kind::Decoded => Value::String(self.as_str().unwrap_or("").to_owned()),
            Kind::Array => Value::Array(self.children().map(DocRef::to_value).collect()),
            Kind::Object => {
                let mut map = Map::new();
                for member in self.children() {
                    map.insert(member.key().to_owned(), member.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// The members or items of a [`DocRef`].
#[derive(Debug, Clone)]
pub struct Children<'e> {
    of: DocRef<'e>,
    next: u32,
    end: u32,
}

impl<'e> Iterator for Children<'e> {
    type Item = DocRef<'e>;
    fn next(&mut self) -> Option<DocRef<'e>> {
        if self.next >= self.end {
            return None;
        }
        let child = self.of.at(self.next);
        self.next = child.node().end;
        Some(child)
    }
}

/// A JSON value read by the fields: in a `serde_json` tree or in a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub enum JsonRef<'e> {
    /// A value of a whole (or `serde_json`-projected) event.
    Value(&'e Value),
    /// A value of an event scanned from its line.
    Doc(DocRef<'e>),
}

impl<'e> From<&'e Value> for JsonRef<'e> {
    fn from(v: &'e Value) -> Self {
        JsonRef::Value(v)
    }
}

impl<'e> JsonRef<'e> {
    /// The value of member `key` of an object (the last one, when repeated).
    #[must_use]
    pub fn get(self, key: &str) -> Option<JsonRef<'e>> {
        match self {
            JsonRef::Value(v) => v.get(key).map(JsonRef::Value),
            JsonRef::Doc(d) if d.node().kind == Kind::Object => d.member(key).map(JsonRef::Doc),
            JsonRef::Doc(_) => None,
        }
    }

    /// The value at a path of object keys.
    #[must_use]
    pub fn path(self, keys: &[&str]) -> Option<JsonRef<'e>> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The items of an array.
    #[must_use]
    pub fn items(self) -> Option<Items<'e>> {
        match self {
            JsonRef::Value(v) => v.as_array().map(|a| Items::Value(a.iter())),
            JsonRef::Doc(d) if d.node().kind == Kind::Array => Some(Items::Doc(d.children())),
            JsonRef::Doc(_) => None,
        }
    }

    /// Item `i` of an array.
    #[must_use]
    pub fn item(self, i: usize) -> Option<JsonRef<'e>> {
        self.items()?.nth(i)
    }

    /// The value at an RFC 6901 pointer, given as its unescaped tokens
    /// (what `serde_json`'s `pointer` finds).
    #[must_use]
    pub fn pointer<S: AsRef<str>>(self, tokens: &[S]) -> Option<JsonRef<'e>> {
        tokens.iter().try_fold(self, |v, token| {
            let token = token.as_ref();
            if v.is_object() {
                v.get(token)
            } else {
                // An index is plain digits, without a sign or leading zeros.
                if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
                    return None;
                }
                v.item(token.parse().ok()?)
            }
        })
    }

    /// The string, if this is one.
    #[must_use]
    pub fn as_str(self) -> Option<&'e str> {
        match self {
            JsonRef::Value(v) => v.as_str(),
            JsonRef::Doc(d) => d.as_str(),
        }
    }

    /// Whether this is `true`.
    #[must_use]
    pub fn is_true(self) -> bool {
        match self {
            JsonRef::Value(v) => *v == Value::Bool(true),
            JsonRef::Doc(d) => d.node().kind == Kind::True,
        }
    }

    fn is_object(self) -> bool {
        match self {
            JsonRef::Value(v) => v.is_object(),
            JsonRef::Doc(d) => d.node().kind == Kind::Object,
        }
    }

    /// The keys of an object, sorted and each once, as a `serde_json` map has them.
    #[must_use]
    pub fn keys(self) -> Option<Vec<&'e str>> {
        match self {
            JsonRef::Value(v) => Some(v.as_object()?.keys().map(String::as_str).collect()),
            JsonRef::Doc(d) if d.node().kind == Kind::Object => {
                let mut keys: Vec<&str> = d.children().map(DocRef::key).collect();
                keys.sort_unstable();
                keys.dedup();
                Some(keys)
            }
            JsonRef::Doc(_) => None,
        }
    }

    /// As the plugin gives a value: a string as it is, anything else as
    /// compact JSON.
    #[must_use]
    pub fn text(self) -> Cow<'e, str> {
        if let Some(s) = self.as_str() {
            return Cow::Borrowed(s);
        }
        match self {
            JsonRef::Doc(d) if d.node().kind == Kind::Number => {
                Cow::Borrowed(d.slice(d.node().span))
            }
            JsonRef::Doc(d) if d.node().kind == Kind::True => Cow::Borrowed("true"),
            JsonRef::Doc(d) if d.node().kind == Kind::False => Cow::Borrowed("false"),
            JsonRef::Doc(d) if d.node().kind == Kind::Null => Cow::Borrowed("null"),
            JsonRef::Value(v) => Cow::Owned(v.to_string()),
            JsonRef::Doc(d) => Cow::Owned(d.to_value().to_string()),
        }
    }

    /// The value as a `serde_json` tree.
    #[must_use]
    pub fn to_value(self) -> Value {
        match self {
            JsonRef::Value(v) => v.clone(),
            JsonRef::Doc(d) => d.to_value(),
        }
    }
}

/// The items of an array read through [`JsonRef::items`].
#[derive(Debug, Clone)]
pub enum Items<'e> {
    /// Of a `serde_json` array.
    Value(std::slice::Iter<'e, Value>),
    /// Of a [`Doc`] array.
    Doc(Children<'e>),
}

impl<'e> Iterator for Items<'e> {
    type Item = JsonRef<'e>;
    fn next(&mut self) -> Option<JsonRef<'e>> {
        match self {
            Items::Value(i) => i.next().map(JsonRef::Value),
            Items::Doc(i) => i.next().map(JsonRef::Doc),
        }
    }
}
