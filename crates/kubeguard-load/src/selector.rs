//! Kubernetes label selectors, as a Kustomize patch `target` writes them in
//! `labelSelector` and `annotationSelector`: comma-separated requirements,
//! each `key`, `!key`, `key=value` (or `==`), `key!=value`,
//! `key in (a, b)` or `key notin (a, b)`. All requirements must hold.

use std::collections::BTreeMap;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    /// The key is present.
    Exists(String),
    /// The key is absent.
    Absent(String),
    /// The key is present with one of the values.
    In(String, Vec<String>),
    /// The key is absent or has none of the values.
    NotIn(String, Vec<String>),
}

/// A parsed label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses `text`; `None` when it is not a valid selector. The empty
    /// selector matches everything.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut requirements = Vec::new();
        for term in split_terms(text)? {
            let term = term.trim();
            if term.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return None;
            }
            requirements.push(requirement(term)?);
        }
        Some(LabelSelector(requirements))
    }

    /// Whether `labels` satisfy every requirement.
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::Absent(k) => !labels.contains_key(k),
            Requirement::In(k, values) => labels.get(k).is_some_and(|v| values.contains(v)),
            Requirement::NotIn(k, values) => labels.get(k).is_none_or(|v| !values.contains(v)),
        })
    }
}

/// The comma-separated terms of `text`, commas inside parentheses kept.
fn split_terms(text: &str) -> Option<Vec<&str>> {
    let mut terms = Vec::new();
    let mut depth = 0u32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then(|| {
        terms.push(&text[start..]);
        terms
    })
}

/// One trimmed, non-empty term.
fn requirement(term: &str) -> Option<Requirement> {
    if let Some(key) = term.strip_prefix('!') {
        return Some(Requirement::Absent(valid_key(key.trim())?));
    }
    if let Some((head, rest)) = term.split_once('(') {
        let values: Vec<String> = rest
            .trim_end()
            .strip_suffix(')')?
            .split(',')
            .map(|v| v.trim().to_owned())
            .collect();
        let mut words = head.split_whitespace();
        let (key, op) = (valid_key(words.next()?)?, words.next()?);
        if words.next().is_some() {
            return None;
        }
        return match op {
            "in" => Some(Requirement::In(key, values)),
            "notin" => Some(Requirement::NotIn(key, values)),
            _ => None,
        };
    }
    if let Some((key, value)) = term.split_once("!=") {
        return Some(Requirement::NotIn(
            valid_key(key.trim())?,
            vec![value.trim().to_owned()],
        ));
    }
    if let Some((key, value)) = term.split_once('=') {
        let value = value.strip_prefix('=').unwrap_or(value);
        return Some(Requirement::In(
            valid_key(key.trim())?,
            vec![value.trim().to_owned()],
        ));
    }
    Some(Requirement::Exists(valid_key(term)?))
}

/// `key` when it is one word.
fn valid_key(key: &str) -> Option<String> {
    (!key.is_empty() && !key.contains(char::is_whitespace)).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn selectors_follow_kubernetes_semantics() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let db = labels(&[("app", "db")]);
        let check = |selector: &str| {
            let s = LabelSelector::parse(selector).unwrap();
            (s.matches(&web), s.matches(&db))
        };
        assert_eq!(check(""), (true, true));
        assert_eq!(check("app=web"), (true, false));
        assert_eq!(check("app==db"), (false, true));
        assert_eq!(check("app!=web"), (false, true));
        assert_eq!(check("tier"), (true, false));
        assert_eq!(check("!tier"), (false, true));
        assert_eq!(check("app in (web, cache)"), (true, false));
        assert_eq!(check("app notin (web,cache)"), (false, true));
        assert_eq!(check("app in (web,db), !tier"), (false, true));
        // `!=` and `notin` hold when the key is absent.
        assert_eq!(check("tier!=front"), (false, true));
        assert_eq!(check("tier notin (front)"), (false, true));
    }

    #[test]
    fn malformed_selectors_are_rejected() {
        for bad in [
            "app in web",
            "app in (web",
            "app between (a)",
            "a,,b",
            "!",
            "a b",
        ] {
            assert_eq!(LabelSelector::parse(bad), None, "{bad}");
        }
    }
}
