//! The quick path of a projected parse: one pass over the bytes of a line
//! that checks the JSON as it goes, steps over the parts the projection
//! does not keep without building anything, and builds the kept parts as
//! `serde_json` values. It gives up (returns `None`) on anything it does
//! not handle exactly as `serde_json` does — any syntax error, an escaped
//! key, a kept number that is not a small integer, a kept string whose
//! escapes do not decode, deep nesting, a value that is not one object,
//! an `EventList` — and the caller then parses the line with `serde_json`
//! ([`crate::projection::parse`]), which decides and words the error. So
//! what it returns is always what the `serde_json` path returns.

use crate::projection::{Projection, is_event_field, is_known};
use serde_json::{Map, Value};

/// Nesting deeper than this is left to `serde_json` (its own limit is 128).
const MAX_DEPTH: usize = 100;

/// Bytes that end the plain run of a string: `"`, `\` and control characters.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Parses the event object `text` keeping what `projection` names: the
/// object and its top-level keys that are not fields of an audit event
/// (sorted), or `None` when `serde_json` must decide.
pub(crate) fn event(text: &str, projection: &Projection) -> Option<(Value, Vec<String>)> {
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
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    let mut timestamp = false;
    if s.first_key()? {
        loop {
            let key = s.key()?;
            if key == "items" {
                return None;
            }
            if !is_event_field(key) {
                if key == "timestamp" {
                    timestamp = true;
                } else {
                    unknown.push(key.to_owned());
                }
            }
            match child(projection, key) {
                Some(p) => {
                    let v = s.kept(p, 1)?;
                    out.push((key.to_owned(), v));
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
    let out: Map<String, Value> = out.into_iter().collect();
    if timestamp {
        let version = out.get("apiVersion").and_then(Value::as_str);
        if !is_known("timestamp", version) {
            unknown.push("timestamp".to_owned());
        }
    }
    unknown.sort_unstable();
    Some((Value::Object(out), unknown))
}

fn child<'p>(p: &'p Projection, key: &str) -> Option<&'p Projection> {
    match p {
        Projection::All => Some(&Projection::All),
        Projection::Keys(keys) => keys.get(key),
    }
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
    fn key(&mut self) -> Option<&'t str> {
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
        Some(&self.text[start..end])
    }

    /// A string at the cursor (at its `"`), checked: the range of its
    /// contents and whether it has escapes.
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            while !STOPS[usize::from(*self.b.get(self.i)?)] {
                self.i += 1;
            }
            match self.b[self.i] {
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

    /// The value at the cursor, built with the parts `p` keeps.
    fn kept(&mut self, p: &Projection, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match self.peek()? {
            b'"' => {
                let (start, end, escaped) = self.string()?;
                if escaped {
                    // `serde_json` decodes the escapes (and rejects lone surrogates).
                    Value::String(serde_json::from_str(&self.text[start - 1..=end]).ok()?)
                } else {
                    Value::String(self.text[start..end].to_owned())
                }
            }
            b'{' => {
                self.i += 1;
                let mut out = Vec::new();
                if self.first_key()? {
                    loop {
                        let key = self.key()?;
                        match child(p, key) {
                            Some(c) => {
                                let v = self.kept(c, depth + 1)?;
                                out.push((key.to_owned(), v));
                            }
                            None => self.skip(depth + 1)?,
                        }
                        if !self.next_key()? {
                            break;
                        }
                    }
                }
                Value::Object(out.into_iter().collect())
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.first_item()? {
                    loop {
                        items.push(self.kept(&Projection::All, depth + 1)?);
                        if !self.next_item()? {
                            break;
                        }
                    }
                }
                Value::Array(items)
            }
            b't' => {
                self.literal(b"true")?;
                Value::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Bool(false)
            }
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            _ => {
                let (start, end) = self.number()?;
                let digits = &self.text[start..end];
                // Small non-negative integers as `serde_json` reads them;
                // anything else (signs, fractions, exponents) is its to read.
                if digits.len() > 18 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                Value::from(digits.parse::<u64>().ok()?)
            }
        })
    }
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
        let quick = event(text, &p);
        assert_eq!(quick.is_some(), answers, "{text}");
        if let Some((value, unknown)) = quick {
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
