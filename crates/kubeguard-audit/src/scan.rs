//! The quick path of a projected parse: one pass over the bytes of a line
//! that checks the JSON as it goes, steps over the parts the projection
//! does not keep without building anything, and lays the kept parts out
//! in a [`Doc`] pointing into the line. It gives up (returns `None`) on
//! anything it does not handle exactly as `serde_json` does — any syntax
//! error, an escaped key, a kept number that is not a small integer, a
//! kept string whose escapes do not decode, deep nesting, a value that is
//! not one object, an `EventList` — and the caller then parses the line
//! with `serde_json` ([`crate::projection::parse`]), which decides and
//! words the error. So what it keeps always reads as what the
//! `serde_json` path returns.

use crate::doc::{Doc, JsonRef, Kind, Span};
use crate::json_text::plain_run;
use crate::projection::{Projection, event_field, is_known};

/// Nesting deeper than this is left to `serde_json` (its own limit is 128).
const MAX_DEPTH: usize = 100;

/// A [`Projection`] laid out for the scan: each object's kept keys in a
/// short list matched by length first, quicker than a map for the few
/// keys an object keeps.
#[derive(Debug)]
pub(crate) enum Plan {
    /// The whole value.
    All,
    /// Only these keys of an object.
    Keys(Vec<Member>),
}

/// A kept key of an object and what is kept of its value.
#[derive(Debug)]
pub(crate) struct Member {
    key: Box<str>,
    plan: Plan,
    /// The key's number as a field of an audit event (read at the top).
    event_field: Option<u8>,
}

/// Whether two keys are the same, lengths and first bytes compared first.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a == b
}

/// What every child of a whole value keeps.
static ALL: Plan = Plan::All;

impl Plan {
    /// The plan of `projection`.
    pub(crate) fn new(projection: &Projection) -> Plan {
        match projection {
            Projection::All => Plan::All,
            Projection::Keys(keys) => Plan::Keys(
                keys.iter()
                    .map(|(k, p)| Member {
                        key: k.as_str().into(),
                        plan: Plan::new(p),
                        event_field: event_field(k),
                    })
                    .collect(),
            ),
        }
    }

    /// The plan of the value at `key`, with the key's place in the plan
    /// (`None` under a whole value).
    fn child(&self, key: &[u8]) -> Option<(Option<usize>, &Plan)> {
        match self {
            Plan::All => Some((None, &ALL)),
            Plan::Keys(keys) => keys
                .iter()
                .position(|m| same_key(m.key.as_bytes(), key))
                .map(|i| (Some(i), &keys[i].plan)),
        }
    }

    /// At the top of an event: the number of `key` as a field of an audit
    /// event, and its plan as [`child`](Self::child) gives it (a field
    /// found by its number, any other key by its name).
    fn top_child(&self, key: &str) -> (Option<u8>, Option<(Option<usize>, &Plan)>) {
        let field = event_field(key);
        let child = match (self, field) {
            (Plan::Keys(keys), Some(_)) => keys
                .iter()
                .position(|m| m.event_field == field)
                .map(|i| (Some(i), &keys[i].plan)),
            _ => self.child(key.as_bytes()),
        };
        (field, child)
    }
}

/// Which keys of an object were seen, by their places in its plan: tells
/// whether the object repeats none of its kept keys.
#[derive(Default)]
struct Seen {
    bits: u64,
    repeated: bool,
}

impl Seen {
    /// Notes a key at `place` in the plan (`None`: a key of a whole value,
    /// which is not tracked, so the object counts as repeating).
    fn note(&mut self, place: Option<usize>) {
        match place {
            Some(i) if i < 64 => {
                self.repeated |= self.bits & (1 << i) != 0;
                self.bits |= 1 << i;
            }
            _ => self.repeated = true,
        }
    }

    fn unique(&self) -> bool {
        !self.repeated
    }
}

/// Scans the event object `text` into `doc`, keeping what `plan` names:
/// its top-level keys that are not fields of an audit event (sorted), or
/// `None` when `serde_json` must decide.
pub(crate) fn event(text: &str, plan: &Plan, doc: &mut Doc) -> Option<Vec<String>> {
    // Offsets are kept as u32.
    u32::try_from(text.len()).ok()?;
    doc.clear();
    let mut s = Scanner {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    s.i += 1;
    let root = doc.open((0, 0), Kind::Object);
    let mut seen = Seen::default();
    let mut unknown = Vec::new();
    let mut timestamp = false;
    if s.first_key()? {
        loop {
            let span = s.key()?;
            let key = &text[span.0 as usize..span.1 as usize];
            if key == "items" {
                return None;
            }
            let (field, child) = plan.top_child(key);
            if field.is_none() {
                if key == "timestamp" {
                    timestamp = true;
                } else {
                    unknown.push(key.to_owned());
                }
            }
            match child {
                Some((place, p)) => {
                    seen.note(place);
                    if let Some(field) = field {
                        doc.top_field_next(field);
                    }
                    s.kept(p, 1, span, doc)?;
                }
                None => s.skip(1)?,
            }
            if !s.next_key()? {
                break;
            }
        }
    }
    s.ws();
    if s.i != s.b.len() {
        return None;
    }
    doc.close(root, seen.unique());
    if timestamp {
        let version = doc.root(text).get("apiVersion").and_then(JsonRef::as_str);
        if !is_known("timestamp", version) {
            unknown.push("timestamp".to_owned());
        }
    }
    unknown.sort_unstable();
    Some(unknown)
}

struct Scanner<'t> {
    b: &'t [u8],
    text: &'t str,
    i: usize,
}

impl<'t> Scanner<'t> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips JSON whitespace (what `serde_json` skips: space, tab, CR, LF).
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// After `{`: whether a key follows (else the object is empty and closed).
    fn first_key(&mut self) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b'}' => {
                self.i += 1;
                Some(false)
            }
            b'"' => Some(true),
            _ => None,
        }
    }

    /// After a member: whether another key follows (`,`) or the object ends.
    fn next_key(&mut self) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                (self.peek()? == b'"').then_some(true)
            }
            b'}' => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// A key without escapes and its `:`; the cursor is at its `"`.
    fn key(&mut self) -> Option<Span> {
        let (start, end, escaped) = self.string()?;
        if escaped {
            return None;
        }
        self.ws();
        if self.peek()? != b':' {
            return None;
        }
        self.i += 1;
        self.ws();
        Some((offset(start), offset(end)))
    }

    /// A string at the cursor (at its `"`), checked: the range of its
    /// contents and whether it has escapes.
    #[inline(always)]
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i = plain_run(self.b, self.i);
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i - 1, escaped));
                }
                b'\\' => {
                    escaped = true;
                    match self.b.get(self.i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                        b'u' => {
                            let hex = self.b.get(self.i + 2..self.i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 6;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// A number at the cursor, checked as `serde_json` checks it: its range.
    fn number(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        Some((start, self.i))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Steps over the value at the cursor, checking it.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' => {
                if depth > MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.first_key()? {
                    loop {
                        self.string()?;
                        self.ws();
                        if self.peek()? != b':' {
                            return None;
                        }
                        self.i += 1;
                        self.ws();
                        self.skip(depth + 1)?;
                        if !self.next_key()? {
                            break;
                        }
                    }
                }
            }
            b'[' => {
                if depth > MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.first_item()? {
                    loop {
                        self.skip(depth + 1)?;
                        if !self.next_item()? {
                            break;
                        }
                    }
                }
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            _ => {
                self.number()?;
            }
        }
        Some(())
    }

    /// After `[`: whether an item follows (else the array is empty and closed).
    fn first_item(&mut self) -> Option<bool> {
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(false);
        }
        Some(true)
    }

    /// After an item: whether another follows (`,`) or the array ends.
    fn next_item(&mut self) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(true)
            }
            b']' => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// Adds the value at the cursor to `doc` (as the member `key`), with
    /// the parts `p` keeps.
    fn kept(&mut self, p: &Plan, depth: usize, key: Span, doc: &mut Doc) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => {
                let (start, end, escaped) = self.string()?;
                if escaped {
                    // `serde_json` decodes the escapes (and rejects lone surrogates).
                    doc.decoded(key, serde_json::from_str(&self.text[start - 1..=end]).ok()?);
                } else {
                    doc.leaf(key, Kind::String, (offset(start), offset(end)));
                }
            }
            b'{' => {
                self.i += 1;
                let at = doc.open(key, Kind::Object);
                let mut seen = Seen::default();
                if self.first_key()? {
                    loop {
                        let span = self.key()?;
                        match p.child(&self.b[span.0 as usize..span.1 as usize]) {
                            Some((place, c)) => {
                                seen.note(place);
                                self.kept(c, depth + 1, span, doc)?;
                            }
                            None => self.skip(depth + 1)?,
                        }
                        if !self.next_key()? {
                            break;
                        }
                    }
                }
                doc.close(at, seen.unique());
            }
            b'[' => {
                self.i += 1;
                let at = doc.open(key, Kind::Array);
                if self.first_item()? {
                    loop {
                        self.kept(&ALL, depth + 1, (0, 0), doc)?;
                        if !self.next_item()? {
                            break;
                        }
                    }
                }
                doc.close(at, false);
            }
            b't' => {
                self.literal(b"true")?;
                doc.leaf(key, Kind::True, (0, 0));
            }
            b'f' => {
                self.literal(b"false")?;
                doc.leaf(key, Kind::False, (0, 0));
            }
            b'n' => {
                self.literal(b"null")?;
                doc.leaf(key, Kind::Null, (0, 0));
            }
            _ => {
                let (start, end) = self.number()?;
                let digits = &self.b[start..end];
                // Small non-negative integers, written as `serde_json` writes
                // them; anything else (signs, fractions, exponents) is its to read.
                if digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                doc.leaf(key, Kind::Number, (offset(start), offset(end)));
            }
        }
        Some(())
    }
}

/// An offset into a text the scan accepted (at most `u32::MAX` bytes long).
fn offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::{Projected, parse_with_serde};

    fn projection() -> Projection {
        let mut p = Projection::event();
        p.keep(&["user", "username"]);
        p.keep_pointer("/objectRef");
        p.keep_pointer("/annotations/a~1b");
        p.keep_pointer("/requestObject/spec/containers");
        p.keep_pointer("/responseStatus");
        p
    }

    /// The quick path, where it answers, agrees with `serde_json`; and it
    /// answers on ordinary events.
    fn agrees(text: &str, answers: bool) {
        let p = projection();
        let mut doc = Doc::default();
        let quick = event(text, &Plan::new(&p), &mut doc);
        assert_eq!(quick.is_some(), answers, "{text}");
        if let Some(unknown) = quick {
            let value = doc.root(text).to_value();
            match parse_with_serde(text, &p) {
                Ok(Projected::Event(v, u)) => {
                    assert_eq!((value, unknown), (v, u), "{text}");
                }
                _ => panic!("serde_json does not read {text} as an event"),
            }
        }
    }

    #[test]
    fn ordinary_events_are_read_as_serde_json_reads_them() {
        agrees(
            r#"{"kind":"Event","verb":"get","user":{"username":"bob","groups":["g"]},
            "objectRef":{"resource":"pods","name":"p\"q\u00e9","n":[1,true,null,{}]},
            "annotations":{"a/b":"x\\y","c":2.5e-3},"extra":{"a":[]},"timestamp":"t",
            "requestObject":{"spec":{"containers":[{"image":"x","ports":[{"p":0}]}],"x":-1}},
            "responseStatus":{"code":403,"metadata":{}},"stageTimestamp":"t", "auditID" : "é" }"#,
            true,
        );
        agrees("{}", true);
        agrees(r#" { "kind" : "Event" , "a":1,"a":2 } "#, true);
        agrees(
            r#"{"kind":"A","objectRef":{"name":"x","name":"y"},"kind":"Event","auditID":"i"}"#,
            true,
        );
        agrees(
            r#"{"verb":"a","kind":"Event","verb":"b","user":{"username":"u"},"verb":"c",
            "objectRef":{"resource":"r","name":"x","resource":"s","name":"y","name":"z"}}"#,
            true,
        );
    }

    #[test]
    fn lookups_find_the_last_of_repeated_keys() {
        let mut p = projection();
        p.keep(&["extra"]);
        p.keep(&["verb"]);
        let text = r#"{"verb":"a","objectRef":{"name":"x","resource":"r","name":"y"},
            "extra":{"k":1,"k":2},"user":{"username":"u"},"verb":"b","extra":{"k":3,"j":0},
            "requestObject":{"spec":{"containers":[{"image":"i","image":"j"}]}}}"#;
        let mut doc = Doc::default();
        assert!(event(text, &Plan::new(&p), &mut doc).is_some());
        let root = doc.root(text);
        let whole: serde_json::Value = serde_json::from_str(text).unwrap();
        for path in [
            &["verb"][..],
            &["objectRef", "name"],
            &["objectRef", "resource"],
            &["extra", "k"],
            &["extra", "j"],
            &["user", "username"],
            &["user", "groups"],
            &["stage"],
        ] {
            let want = path.iter().try_fold(&whole, |v, k| v.get(k));
            assert_eq!(
                root.path(path).map(JsonRef::to_value),
                want.cloned(),
                "{path:?}"
            );
        }
        let image = root
            .path(&["requestObject", "spec", "containers"])
            .and_then(|c| c.item(0))
            .and_then(|c| c.get("image"));
        assert_eq!(image.and_then(JsonRef::as_str), Some("j"));
    }

    #[test]
    fn anything_unusual_is_left_to_serde_json() {
        for text in [
            r#"{"kind":"EventList","items":[]}"#,
            "[1]",
            "\"x\"",
            r#"{"responseStatus":{"code":-1}}"#,
            r#"{"responseStatus":{"code":1.5}}"#,
            r#"{"responseStatus":{"code":12345678901234567890}}"#,
            r#"{"k\u0069nd":"Event"}"#,
            r#"{"user":{"username":"\ud800"}}"#,
        ] {
            agrees(text, false);
        }
    }

    #[test]
    fn bad_json_is_left_to_serde_json() {
        for text in [
            r#"{"kind":"Event","x":[1,}"#,
            r#"{"kind":"Event"} x"#,
            r#"{"kind":"Event","x":"#,
            r#"{"kind":"Event","x":01}"#,
            r#"{"kind":"Event","x":1.}"#,
            r#"{"kind":"Event","x":1e}"#,
            r#"{"kind":"Event","x":"a\qb"}"#,
            r#"{"kind":"Event","x":"a\u12g4"}"#,
            "{\"kind\":\"Event\",\"x\":\"a\tb\"}",
            r#"{"kind":"Event","x":tru}"#,
            r#"{"kind":"Event","x":{"a" 1}}"#,
            r#"{"kind":"Event",}"#,
            r#"{"kind":"Event","x":[1 2]}"#,
            r#"{"kind":"Event","x":+1}"#,
            "{\"kind\":\"Event\",\u{c}\"x\":1}",
        ] {
            agrees(text, false);
            assert!(parse_with_serde(text, &projection()).is_err(), "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_left_to_serde_json() {
        let deep = format!(r#"{{"x":{}{}}}"#, "[".repeat(150), "]".repeat(150));
        agrees(&deep, false);
        let kept = format!(r#"{{"objectRef":{}{}}}"#, "[".repeat(150), "]".repeat(150));
        agrees(&kept, false);
    }
}
