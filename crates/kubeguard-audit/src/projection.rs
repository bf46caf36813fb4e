//! Which parts of an audit event are kept when a line is parsed: only the
//! keys the loaded rules (and the baseline) read, so the rest of the line
//! is checked as JSON but never built into a tree. Every field extracts
//! the same values from a projected event as from the whole one.

use crate::doc::Doc;
use crate::scan::Plan;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The parts of a JSON value to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// The whole value.
    All,
    /// Only these keys of an object, each with its own projection; any
    /// other JSON value (array, string, number) is kept whole.
    Keys(BTreeMap<String, Projection>),
}

/// The top-level keys every event keeps: how it is recognised (`kind`,
/// `apiVersion`), timed (`stageTimestamp`) and named in alerts (`auditID`).
const ALWAYS: &[&str] = &["kind", "apiVersion", "stageTimestamp", "auditID"];

impl Default for Projection {
    /// What every event keeps (see [`Projection::event`]).
    fn default() -> Self {
        Projection::event()
    }
}

impl Projection {
    /// The keys every event keeps, and nothing else.
    #[must_use]
    pub fn event() -> Projection {
        let mut p = Projection::Keys(BTreeMap::new());
        for key in ALWAYS {
            p.keep(&[key]);
        }
        p
    }

    /// Keeps the value at `path` (object keys from the top) whole.
    pub fn keep<S: AsRef<str>>(&mut self, path: &[S]) {
        let mut at = self;
        for key in path {
            match at {
                Projection::All => return,
                Projection::Keys(keys) => {
                    at = keys
                        .entry(key.as_ref().to_owned())
                        .or_insert_with(|| Projection::Keys(BTreeMap::new()));
                }
            }
        }
        *at = Projection::All;
    }

    /// Keeps the value at an RFC 6901 JSON pointer (`~1` is `/`, `~0` is
    /// `~`); the empty pointer is the whole event.
    pub fn keep_pointer(&mut self, pointer: &str) {
        if let Some(tokens) = pointer_tokens(pointer) {
            self.keep(&tokens);
        }
    }

    /// Adds everything `other` keeps.
    pub fn merge(&mut self, other: &Projection) {
        match (&mut *self, other) {
            (Projection::All, _) => {}
            (_, Projection::All) => *self = Projection::All,
            (Projection::Keys(mine), Projection::Keys(theirs)) => {
                for (key, p) in theirs {
                    match mine.get_mut(key) {
                        Some(m) => m.merge(p),
                        None => {
                            mine.insert(key.clone(), p.clone());
                        }
                    }
                }
            }
        }
    }

    fn child(&self, key: &str) -> Option<&Projection> {
        match self {
            Projection::All => Some(&Projection::All),
            Projection::Keys(keys) => keys.get(key),
        }
    }
}

/// The unescaped tokens of an RFC 6901 pointer (`~1` is `/`, `~0` is
/// `~`); `None` when it is not a pointer (no leading `/`). The empty
/// pointer has no tokens: it is the whole event.
pub(crate) fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// One audit event object parsed with a projection, or the reason the
/// whole value must be parsed instead.
pub(crate) enum Projected {
    /// Scanned into the [`Doc`] given: its top-level keys that are not
    /// fields of an audit event (sorted).
    Scanned(Vec<String>),
    /// The object, with only the projected keys, and its top-level keys
    /// that are not fields of an audit event (sorted).
    Event(Value, Vec<String>),
    /// Not a single object (an array, a scalar) or an `EventList` (its
    /// `items` are events): parse it whole.
    Whole,
}

/// Parses `text` as one JSON value keeping only what `projection` names:
/// scanned into `doc` when it can be, else with `serde_json`. Syntax
/// errors are serde_json's, as for a whole parse. `plan` is
/// [`Plan::new`] of `projection`, made once for many lines.
pub(crate) fn parse(
    text: &str,
    projection: &Projection,
    plan: &Plan,
    doc: &mut Doc,
) -> Result<Projected, serde_json::Error> {
    match crate::scan::event(text, plan, doc) {
        Some(unknown) => Ok(Projected::Scanned(unknown)),
        None => parse_with_serde(text, projection),
    }
}

/// [`parse`] through `serde_json`: what the quick path leaves to it.
pub(crate) fn parse_with_serde(
    text: &str,
    projection: &Projection,
) -> Result<Projected, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut whole = false;
    let mut unknown = Vec::new();
    let seed = Root {
        projection,
        whole: &mut whole,
        unknown: &mut unknown,
    };
    match seed.deserialize(&mut de) {
        Ok(value) => {
            de.end()?;
            Ok(Projected::Event(value, unknown))
        }
        Err(_) if whole => Ok(Projected::Whole),
        Err(e) => Err(e),
    }
}

/// The top-level keys of an `audit.k8s.io` `Event` (v1, and v1beta1's
/// `timestamp` aside), with `apiVersion`, `kind` and `metadata`, each
/// with its number (its place in [`EVENT_FIELDS`]).
pub(crate) fn event_field(key: &str) -> Option<u8> {
    Some(match key {
        "kind" => 0,
        "apiVersion" => 1,
        "metadata" => 2,
        "level" => 3,
        "auditID" => 4,
        "stage" => 5,
        "requestURI" => 6,
        "verb" => 7,
        "user" => 8,
        "impersonatedUser" => 9,
        "sourceIPs" => 10,
        "userAgent" => 11,
        "objectRef" => 12,
        "responseStatus" => 13,
        "requestObject" => 14,
        "responseObject" => 15,
        "requestReceivedTimestamp" => 16,
        "stageTimestamp" => 17,
        "annotations" => 18,
        _ => return None,
    })
}

/// How many top-level fields an audit event has ([`event_field`]).
pub(crate) const EVENT_FIELDS: usize = 19;

/// Whether `key` is a top-level field of an audit event.
pub(crate) fn is_event_field(key: &str) -> bool {
    event_field(key).is_some()
}

/// The keys of an event object that are not fields of an audit event of
/// its `apiVersion` (`timestamp` belongs to `v1beta1` only).
pub(crate) fn unknown_fields<'k>(
    keys: impl Iterator<Item = &'k str>,
    api_version: Option<&str>,
) -> Vec<String> {
    keys.filter(|k| !is_known(k, api_version))
        .map(str::to_owned)
        .collect()
}

pub(crate) fn is_known(key: &str, api_version: Option<&str>) -> bool {
    is_event_field(key) || (key == "timestamp" && api_version == Some("audit.k8s.io/v1beta1"))
}

/// The `Visitor` methods that keep a scalar as the `Value` serde_json
/// would build for it.
macro_rules! scalars_as_values {
    () => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
    };
}

/// The top-level object: projected, with its unknown keys noted.
struct Root<'a> {
    projection: &'a Projection,
    whole: &'a mut bool,
    unknown: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an audit event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // Collected then built at once: quicker than inserting one by one.
        let mut out = Vec::new();
        let mut timestamp = false;
        while let Some(key) = map.next_key_seed(Key)? {
            if key == "items" {
                *self.whole = true;
                return Err(de::Error::custom("an EventList: parsed whole"));
            }
            if !is_event_field(&key) {
                if key == "timestamp" {
                    timestamp = true;
                } else {
                    self.unknown.push(key.clone().into_owned());
                }
            }
            match self.projection.child(&key) {
                Some(p) => {
                    let v = map.next_value_seed(Part(p))?;
                    out.push((key.into_owned(), v));
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let out: Map<String, Value> = out.into_iter().collect();
        if timestamp {
            // Whether it is known depends on apiVersion, which may come after it.
            let version = out.get("apiVersion").and_then(Value::as_str);
            if !is_known("timestamp", version) {
                self.unknown.push("timestamp".to_owned());
            }
        }
        // Sorted, as the keys of a whole event are.
        self.unknown.sort_unstable();
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Value, A::Error> {
        *self.whole = true;
        Err(de::Error::custom("an array: parsed whole"))
    }

    scalars_as_values!();
}

/// A key, borrowed from the line when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A value below the top level, projected.
struct Part<'a>(&'a Projection);

impl<'de> DeserializeSeed<'de> for Part<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.0 {
            Projection::All => Value::deserialize(d),
            Projection::Keys(_) => d.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Part<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            match self.0.child(&key) {
                Some(p) => {
                    let v = map.next_value_seed(Part(p))?;
                    out.push((key.into_owned(), v));
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out.into_iter().collect()))
    }

    // Anything but an object is kept whole.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    scalars_as_values!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_line(text: &str, p: &Projection) -> Result<Projected, serde_json::Error> {
        parse(text, p, &Plan::new(p), &mut Doc::default())
    }

    /// The projected event and its unknown keys, through the quick scan
    /// and through `serde_json`, which agree.
    fn project(text: &str, p: &Projection) -> (Value, Vec<String>) {
        let mut doc = Doc::default();
        let Ok(Projected::Scanned(unknown)) = parse(text, p, &Plan::new(p), &mut doc) else {
            panic!("not scanned: {text}");
        };
        let scanned = (doc.root(text).to_value(), unknown);
        match parse_with_serde(text, p).unwrap() {
            Projected::Event(v, u) => assert_eq!(scanned, (v, u)),
            _ => panic!("parsed whole"),
        }
        scanned
    }

    #[test]
    fn only_projected_keys_are_kept() {
        let mut p = Projection::event();
        p.keep(&["user", "username"]);
        p.keep_pointer("/objectRef");
        p.keep_pointer("/annotations/a~1b");
        let text = r#"{"kind":"Event","verb":"get","user":{"username":"bob","groups":["g"]},
            "objectRef":{"resource":"pods","name":"p"},"annotations":{"a/b":1,"c":2},
            "requestObject":{"spec":{"containers":[{"image":"x"}]}},"stageTimestamp":"t"}"#;
        let (v, unknown) = project(text, &p);
        assert_eq!(
            v,
            json!({"kind": "Event", "user": {"username": "bob"},
                "objectRef": {"resource": "pods", "name": "p"}, "annotations": {"a/b": 1},
                "stageTimestamp": "t"})
        );
        assert!(unknown.is_empty());
        let (all, _) = project(text, &Projection::All);
        assert_eq!(all, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn a_projection_meeting_a_non_object_keeps_it_whole() {
        let mut p = Projection::event();
        p.keep_pointer("/sourceIPs/0");
        p.keep(&["stage", "x"]);
        let (v, _) = project(r#"{"sourceIPs":["1.2.3.4","5"],"stage":"Done"}"#, &p);
        assert_eq!(v, json!({"sourceIPs": ["1.2.3.4", "5"], "stage": "Done"}));
    }

    #[test]
    fn merging_keeps_the_union() {
        let mut a = Projection::event();
        a.keep(&["user", "username"]);
        let mut b = Projection::event();
        b.keep(&["user"]);
        a.merge(&b);
        assert_eq!(a.child("user"), Some(&Projection::All));
        let mut everything = Projection::event();
        everything.keep_pointer("");
        assert_eq!(everything, Projection::All);
    }

    #[test]
    fn unknown_top_level_fields_are_noted() {
        let text =
            r#"{"kind":"Event","timestamp":"t","extra":{"a":1},"apiVersion":"audit.k8s.io/v1"}"#;
        let (_, unknown) = project(text, &Projection::event());
        assert_eq!(unknown, ["extra", "timestamp"]);
        let beta = text.replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1");
        assert_eq!(project(&beta, &Projection::event()).1, ["extra"]);
    }

    #[test]
    fn lists_and_arrays_are_parsed_whole_and_errors_are_json_errors() {
        let p = Projection::event();
        assert!(matches!(
            parse_line(r#"{"kind":"EventList","items":[]}"#, &p),
            Ok(Projected::Whole)
        ));
        assert!(matches!(parse_line("[1]", &p), Ok(Projected::Whole)));
        assert!(parse_line(r#"{"kind":"Event","x":[1,}"#, &p).is_err());
        assert!(parse_line(r#"{"kind":"Event"} x"#, &p).is_err());
        let e = parse_line(r#"{"kind":"Event","x":"#, &p).err().unwrap();
        assert!(e.is_eof());
    }
}
