//! Label selectors: `matchLabels` and `matchExpressions` with `In`, `NotIn`,
//! `Exists` and `DoesNotExist`, as `metav1.LabelSelector` defines them.

use kubeguard_core::{Located, Node, Pos};
use std::collections::BTreeMap;

/// A malformed selector: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    /// Where the offending node is.
    pub pos: Pos,
    /// Its field path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl SelectorError {
    fn at(at: &Located<'_>, message: impl Into<String>) -> Self {
        SelectorError {
            pos: at.at,
            path: at.path(),
            message: message.into(),
        }
    }
}

/// Labels of a pod or namespace.
pub type Labels = BTreeMap<String, String>;

/// A `matchExpressions` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// The label is set to one of the values.
    In,
    /// The label is absent or set to none of the values.
    NotIn,
    /// The label is set (to any value).
    Exists,
    /// The label is not set.
    DoesNotExist,
}

/// One `matchExpressions` item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub op: Op,
    /// The values (empty for `Exists` and `DoesNotExist`).
    pub values: Vec<String>,
}

/// A label selector. All of its terms must hold (AND); an empty selector
/// matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    /// `matchLabels`.
    pub labels: Vec<(String, String)>,
    /// `matchExpressions`.
    pub exprs: Vec<Requirement>,
}

impl Selector {
    /// Whether the selector has no term and so matches everything.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.exprs.is_empty()
    }

    /// Whether `labels` satisfy every term.
    #[must_use]
    pub fn matches(&self, labels: &Labels) -> bool {
        self.labels
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|l| l == v))
            && self.exprs.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.op {
                    Op::In => value.is_some_and(|v| r.values.contains(v)),
                    Op::NotIn => value.is_none_or(|v| !r.values.contains(v)),
                    Op::Exists => value.is_some(),
                    Op::DoesNotExist => value.is_none(),
                }
            })
    }

    /// Reads a selector; a null value is the empty selector. The error
    /// names the offending field and says what is wrong.
    ///
    /// # Errors
    /// A malformed selector (unknown operator, `In` without values, ...),
    /// with the node it concerns.
    pub fn parse(at: &Located<'_>) -> Result<Self, SelectorError> {
        let mut sel = Selector::default();
        if at.node.is_null() {
            return Ok(sel);
        }
        if at.node.as_map().is_none() {
            return Err(SelectorError::at(at, "a label selector must be a mapping"));
        }
        if let Some(ml) = at.get("matchLabels") {
            for (k, v) in ml.entries() {
                let Some(text) = v.node.scalar_text() else {
                    return Err(SelectorError::at(&v, format!("label {k:?} needs a value")));
                };
                sel.labels.push((k.to_owned(), text.to_owned()));
            }
        }
        if let Some(exprs) = at.get("matchExpressions") {
            for e in exprs.items() {
                let key = e.node.get("key").and_then(Node::scalar_text);
                let Some(key) = key else {
                    return Err(SelectorError::at(&e, "a match expression needs a key"));
                };
                let op = match e.node.get("operator").and_then(Node::as_str) {
                    Some("In") => Op::In,
                    Some("NotIn") => Op::NotIn,
                    Some("Exists") => Op::Exists,
                    Some("DoesNotExist") => Op::DoesNotExist,
                    other => {
                        return Err(SelectorError::at(
                            &e,
                            format!(
                                "unknown operator {other:?}; use In, NotIn, Exists or DoesNotExist"
                            ),
                        ));
                    }
                };
                let values: Vec<String> = e
                    .node
                    .get("values")
                    .map(|v| {
                        v.items()
                            .filter_map(Node::scalar_text)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                match op {
                    Op::In | Op::NotIn if values.is_empty() => {
                        return Err(SelectorError::at(
                            &e,
                            format!("operator {op:?} needs at least one value"),
                        ));
                    }
                    Op::Exists | Op::DoesNotExist if !values.is_empty() => {
                        return Err(SelectorError::at(
                            &e,
                            format!("operator {op:?} takes no values"),
                        ));
                    }
                    _ => {}
                }
                sel.exprs.push(Requirement {
                    key: key.to_owned(),
                    op,
                    values,
                });
            }
        }
        Ok(sel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    fn req(key: &str, op: Op, values: &[&str]) -> Selector {
        Selector {
            labels: vec![],
            exprs: vec![Requirement {
                key: key.into(),
                op,
                values: values.iter().map(|v| (*v).into()).collect(),
            }],
        }
    }

    #[test]
    fn operators() {
        let web = labels(&[("app", "web")]);
        let none = labels(&[]);
        assert!(Selector::default().matches(&none));
        assert!(req("app", Op::In, &["web", "api"]).matches(&web));
        assert!(!req("app", Op::In, &["api"]).matches(&web));
        assert!(!req("app", Op::In, &["web"]).matches(&none));
        assert!(req("app", Op::NotIn, &["api"]).matches(&web));
        assert!(req("app", Op::NotIn, &["api"]).matches(&none));
        assert!(!req("app", Op::NotIn, &["web"]).matches(&web));
        assert!(req("app", Op::Exists, &[]).matches(&web));
        assert!(!req("app", Op::Exists, &[]).matches(&none));
        assert!(req("app", Op::DoesNotExist, &[]).matches(&none));
        assert!(!req("app", Op::DoesNotExist, &[]).matches(&web));
    }

    #[test]
    fn match_labels_are_anded() {
        let sel = Selector {
            labels: vec![("app".into(), "web".into()), ("tier".into(), "fe".into())],
            exprs: vec![],
        };
        assert!(sel.matches(&labels(&[("app", "web"), ("tier", "fe")])));
        assert!(!sel.matches(&labels(&[("app", "web")])));
    }
}
