//! Evaluation of one request against each policy kind. Every evaluator
//! adds what it finds to [`Findings`]; the engine turns them into the
//! response.

pub(crate) mod cel;
pub(crate) mod exec;
pub(crate) mod image;
pub(crate) mod mutate;
pub(crate) mod object;
pub(crate) mod pss;
pub(crate) mod rules;

use crate::policy::Action;
use std::collections::HashMap;

/// What the policies found about one request.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Violations that deny the request, each naming its source.
    pub deny: Vec<String>,
    /// Reasons the object is invalid (answered 422 Invalid rather than
    /// 403 Forbidden, as the API server answers invalid Pod Security
    /// labels on a Namespace).
    pub invalid: Vec<String>,
    /// Warnings to return to the client.
    pub warn: Vec<String>,
    /// Audit annotations (keys without a prefix: the API server prefixes
    /// them with the webhook's name).
    pub audit: HashMap<String, String>,
    /// Policy evaluation errors, each naming its source.
    pub errors: Vec<String>,
}

impl Findings {
    /// Records `message` per `action`; `key` names the audit annotation.
    pub fn add(&mut self, action: Action, key: &str, message: String) {
        match action {
            Action::Deny => self.deny.push(message),
            Action::Warn => self.warn.push(message),
            Action::Audit => self.annotate(key, message),
        }
    }

    /// Adds `message` to the audit annotation `key` (`; `-separated).
    pub fn annotate(&mut self, key: &str, message: String) {
        self.audit
            .entry(key.to_owned())
            .and_modify(|v| {
                v.push_str("; ");
                v.push_str(&message);
            })
            .or_insert(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_route_messages_and_audit_values_accumulate() {
        let mut f = Findings::default();
        f.add(Action::Deny, "a", "d".into());
        f.add(Action::Warn, "a", "w".into());
        f.add(Action::Audit, "a", "x".into());
        f.add(Action::Audit, "a", "y".into());
        assert_eq!(f.deny, ["d"]);
        assert_eq!(f.warn, ["w"]);
        assert_eq!(f.audit.get("a").map(String::as_str), Some("x; y"));
    }
}
