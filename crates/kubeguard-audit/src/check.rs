//! A compiled field check: the operator and its operand prepared once
//! (sets hashed, globs and regexes built), then tested on each event.

use crate::condition::Op;
use crate::fields::Values;
use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A set of strings from the rules, looked up with each event's values.
pub(crate) type StrSet = HashSet<String, QuickHash>;

/// A hasher of a word at a time with no random key, much quicker than the
/// standard one on short strings. Safe here: its tables are built from the
/// rules, never from events, which only look values up.
pub(crate) type QuickHash = BuildHasherDefault<WordHasher>;

/// The state of [`QuickHash`].
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The operand of a check, prepared for its operator.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Exists,
    Eq(String),
    Ne(String),
    Order(Op, String),
    Contains(String),
    IContains(String),
    StartsWith(String),
    EndsWith(String),
    Bytes(Op, Vec<u8>),
    Glob(GlobMatcher),
    Regex(Regex),
    In(StrSet),
    Intersects(StrSet),
    Pmatch(Vec<String>),
}

impl Test {
    /// Prepares `op` with a single value.
    pub(crate) fn value(op: Op, value: String) -> Result<Test, String> {
        Ok(match op {
            Op::Eq => Test::Eq(value),
            Op::Ne => Test::Ne(value),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => Test::Order(op, value),
            Op::Contains => Test::Contains(value),
            Op::IContains => Test::IContains(value.to_ascii_lowercase()),
            Op::StartsWith => Test::StartsWith(value),
            Op::EndsWith => Test::EndsWith(value),
            Op::BContains | Op::BStartsWith => Test::Bytes(op, hex(&value)?),
            Op::Glob | Op::IGlob => Test::Glob(
                GlobBuilder::new(&value)
                    .case_insensitive(op == Op::IGlob)
                    .literal_separator(false)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| format!("bad glob {value:?}: {e}"))?
                    .compile_matcher(),
            ),
            Op::Regex => Test::Regex(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("bad regex {value:?}: {e}"))?,
            ),
            Op::In | Op::Intersects | Op::Pmatch | Op::Exists => {
                return Err(format!("{op:?} does not take a single value"));
            }
        })
    }

    /// Prepares `op` with a list of values.
    pub(crate) fn list(op: Op, values: Vec<String>) -> Test {
        match op {
            Op::Pmatch => Test::Pmatch(
                values
                    .into_iter()
                    .map(|v| v.trim_end_matches('/').to_owned())
                    .collect(),
            ),
            Op::Intersects => Test::Intersects(values.into_iter().collect()),
            _ => Test::In(values.into_iter().collect()),
        }
    }

    /// Whether the field's values pass. A missing field passes nothing but
    /// `exists`. On a list field, `in` needs every value in the set and
    /// `intersects` any; the other operators apply to single values.
    pub(crate) fn passes(&self, values: Option<&Values<'_>>) -> bool {
        let Some(values) = values else { return false };
        match (self, values) {
            (Test::Exists, _) => true,
            (Test::In(set), v) => v.as_slice().iter().all(|x| set.contains(x.as_ref())),
            (Test::Intersects(set), v) => v.as_slice().iter().any(|x| set.contains(x.as_ref())),
            (Test::Pmatch(paths), v) => v.as_slice().iter().any(|x| pmatch(paths, x)),
            (test, Values::One(v)) => test.scalar(v),
            (test, Values::Many(vs)) => vs.iter().any(|v| test.scalar(v)),
        }
    }

    fn scalar(&self, v: &str) -> bool {
        match self {
            Test::Eq(x) => v == x,
            Test::Ne(x) => v != x,
            Test::Order(op, x) => {
                let ord = match (v.parse::<f64>(), x.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a.partial_cmp(&b),
                    _ => Some(v.cmp(x.as_str())),
                };
                ord.is_some_and(|o| match op {
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    _ => o.is_ge(),
                })
            }
            Test::Contains(x) => v.contains(x.as_str()),
            Test::IContains(x) => v.to_ascii_lowercase().contains(x.as_str()),
            Test::StartsWith(x) => v.starts_with(x.as_str()),
            Test::EndsWith(x) => v.ends_with(x.as_str()),
            Test::Bytes(Op::BStartsWith, b) => v.as_bytes().starts_with(b),
            Test::Bytes(_, b) => {
                b.is_empty() || v.as_bytes().windows(b.len()).any(|w| w == b.as_slice())
            }
            Test::Glob(g) => g.is_match(v),
            Test::Regex(r) => r.is_match(v),
            Test::Exists | Test::In(_) | Test::Intersects(_) | Test::Pmatch(_) => false,
        }
    }
}

/// Whether `path` is one of `paths` or under one of them.
fn pmatch(paths: &[String], path: &str) -> bool {
    paths.iter().any(|p| {
        path.strip_prefix(p.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || p.is_empty())
    })
}

/// Hex text (`0a1B`) to bytes.
fn hex(text: &str) -> Result<Vec<u8>, String> {
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return Err(format!("{text:?} is not an even number of hex digits"));
    }
    t.chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("{text:?} is not hex"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn one(s: &str) -> Values<'_> {
        Values::One(Cow::Borrowed(s))
    }

    fn many<'a>(s: &[&'a str]) -> Values<'a> {
        Values::Many(s.iter().map(|x| Cow::Borrowed(*x)).collect())
    }

    fn list(op: Op, v: &[&str]) -> Test {
        Test::list(op, v.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn list_fields_in_is_every_intersects_is_any() {
        let groups = many(&["system:masters", "devs"]);
        assert!(!list(Op::In, &["devs"]).passes(Some(&groups)));
        assert!(list(Op::In, &["devs", "system:masters", "x"]).passes(Some(&groups)));
        assert!(list(Op::Intersects, &["devs"]).passes(Some(&groups)));
        assert!(!list(Op::Intersects, &["ops"]).passes(Some(&groups)));
        assert!(!list(Op::In, &["devs"]).passes(None));
    }

    #[test]
    fn missing_values_fail_every_comparison_but_exists() {
        for op in [Op::Eq, Op::Ne, Op::Contains, Op::StartsWith] {
            assert!(!Test::value(op, "x".into()).unwrap().passes(None));
        }
        assert!(!Test::Exists.passes(None));
        assert!(Test::Exists.passes(Some(&one(""))));
    }

    #[test]
    fn string_operators() {
        let v = one("/api/v1/Secrets");
        let t = |op, s: &str| Test::value(op, s.into()).unwrap().passes(Some(&v));
        assert!(t(Op::IContains, "secrets") && !t(Op::Contains, "secrets"));
        assert!(t(Op::StartsWith, "/api") && t(Op::EndsWith, "Secrets"));
        assert!(
            t(Op::Glob, "/api/*/Sec*") && !t(Op::Glob, "/api/v2/*") && t(Op::IGlob, "*secrets")
        );
        assert!(t(Op::Regex, "/api/v[0-9]/.*") && !t(Op::Regex, "v1"));
        assert!(t(Op::BContains, "7631") && t(Op::BStartsWith, "2f617069"));
        assert!(Test::value(Op::BContains, "7".into()).is_err());
        let code = one("403");
        assert!(
            Test::value(Op::Ge, "400".into())
                .unwrap()
                .passes(Some(&code))
        );
        assert!(
            Test::value(Op::Lt, "1000".into())
                .unwrap()
                .passes(Some(&code)),
            "numeric order"
        );
        assert!(list(Op::Pmatch, &["/etc", "/var/lib/"]).passes(Some(&one("/var/lib/kubelet"))));
        assert!(!list(Op::Pmatch, &["/etc"]).passes(Some(&one("/etcd"))));
    }
}
