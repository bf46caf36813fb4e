//! The scan rules, each selection with its action. Only object rules run
//! (a review sees one object, not the cluster); the inline
//! `kubeguard.io/ignore` annotation is not honoured, so an object cannot
//! exempt itself.

use super::Findings;
use crate::policy::{Action, RuleSelection, RuleSelector};
use kubeguard_core::Object;
use kubeguard_rules::{Engine, Index, Policy, Selection, Settings, UnknownRule};

/// The selected rules and the action each one's findings take.
pub(crate) struct Rules {
    engine: Engine,
    actions: Vec<(&'static str, Action)>,
}

impl Rules {
    /// Resolves the selections: the first selection that picks a rule
    /// decides its action. `None` when no rule is selected.
    pub(crate) fn new(
        selections: &[RuleSelection],
        settings: Settings,
    ) -> Result<Option<Rules>, UnknownRule> {
        let mut actions = Vec::new();
        for rule in kubeguard_rules::registry::all() {
            let m = &rule.meta;
            let picked = selections.iter().find(|s| match &s.selector {
                RuleSelector::Names(names) => names
                    .iter()
                    .any(|n| n == m.name || n.eq_ignore_ascii_case(m.code)),
                RuleSelector::MinSeverity(min) => m.severity >= *min,
            });
            if let Some(s) = picked {
                actions.push((m.name, s.action));
            }
        }
        if actions.is_empty() {
            return Ok(None);
        }
        let selection = Selection {
            select: actions.iter().map(|(n, _)| (*n).to_owned()).collect(),
            ..Selection::default()
        };
        Ok(Some(Rules {
            engine: Engine::new(&Policy::new(&selection)?, settings),
            actions,
        }))
    }

    /// Runs the selected object rules on `obj`.
    pub(crate) fn check(&self, obj: &Object, out: &mut Findings) {
        let mut findings = Vec::new();
        let mut index = Index::default();
        // The returned inline ignore is deliberately not applied.
        let _ = self.engine.check_object(obj, &mut index, &mut findings);
        for f in findings {
            let action = self
                .actions
                .iter()
                .find(|(n, _)| *n == f.rule)
                .map_or(Action::Deny, |(_, a)| *a);
            let at = if f.path.is_empty() {
                String::new()
            } else {
                format!(" at {}", f.path)
            };
            out.add(
                action,
                &format!("rule.{}", f.rule),
                format!(
                    "rule {} ({}, {}){at}: {}",
                    f.rule,
                    f.code,
                    f.severity.as_str(),
                    f.message
                ),
            );
        }
    }
}
