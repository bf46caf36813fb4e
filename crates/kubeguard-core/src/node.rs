//! A YAML/JSON value tree in which every node keeps its source position.

/// A position in a source file: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number in characters, starting at 1.
    pub col: u32,
}

/// The source range a node was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Where the node starts.
    pub start: Pos,
    /// Where the node ends (exclusive).
    pub end: Pos,
}

/// How a scalar was resolved, following the YAML 1.1 rules Kubernetes applies
/// when it converts YAML to JSON (`yes`/`on` are booleans, `0x1F` is an integer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalarKind {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string (quoted scalars are always strings).
    Str,
}

/// A scalar: its text as written (after unquoting) and its resolved type.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's text (for quoted scalars, the unescaped content).
    pub text: Box<str>,
    /// The resolved type.
    pub kind: ScalarKind,
}

/// A mapping that keeps its keys in source order, each with its position.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    /// `(key, key span, value)` in source order; keys are unique.
    pub entries: Vec<(Box<str>, Span, Node)>,
}

impl Map {
    /// The value under `key`, if any.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, _, v)| v)
    }

    /// The whole entry under `key`: key text, key span and value.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&(Box<str>, Span, Node)> {
        self.entries.iter().find(|(k, _, _)| &**k == key)
    }

    /// Iterates over `(key, value)` pairs in source order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries.iter().map(|(k, _, v)| (&**k, v))
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the mapping has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A node's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping.
    Map(Map),
}

/// A parsed value with its position. For a mapping entry's value, `key_span`
/// is where the key was written, which is where findings point.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value was written.
    pub span: Span,
}

impl Node {
    /// The mapping, if this node is one.
    #[must_use]
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence items, if this node is a sequence.
    #[must_use]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar, if this node is one.
    #[must_use]
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` when this node is a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// Follows a chain of mapping keys.
    #[must_use]
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The text of a string scalar (not of a number or boolean).
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self.as_scalar()? {
            Scalar {
                text,
                kind: ScalarKind::Str,
            } => Some(text),
            _ => None,
        }
    }

    /// The text of any scalar except null, as written.
    #[must_use]
    pub fn scalar_text(&self) -> Option<&str> {
        match self.as_scalar()? {
            Scalar {
                kind: ScalarKind::Null,
                ..
            } => None,
            s => Some(&s.text),
        }
    }

    /// The boolean value, if this node is a boolean scalar.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_scalar()?.kind {
            ScalarKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The integer value, if this node is an integer scalar.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self.as_scalar()?.kind {
            ScalarKind::Int(i) => Some(i),
            _ => None,
        }
    }

    /// Whether the node is null (explicitly or empty).
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(
            self.as_scalar(),
            Some(Scalar {
                kind: ScalarKind::Null,
                ..
            })
        )
    }

    /// Whether this is `true` as Kubernetes reads it.
    #[must_use]
    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    /// Iterates the items of a sequence (nothing for other nodes).
    pub fn items(&self) -> impl Iterator<Item = &Node> {
        self.as_seq().unwrap_or_default().iter()
    }
}
