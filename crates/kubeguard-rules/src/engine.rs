//! The engine: which rules run, at what severity, and running them.

use crate::context::{ClusterCtx, Ctx, ObjectInfo};
use crate::index::Index;
use crate::redact::SecretLines;
use crate::registry;
use crate::rule::{Check, ObjectCheck, Rule};
use crate::settings::Settings;
use crate::suppress::{IGNORE_ANNOTATION, InlineIgnore};
use kubeguard_core::{Finding, Object, Severity};
use std::sync::Arc;

/// Which rules run and how severe their findings are.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Run only these (names or codes); empty means all.
    pub select: Vec<String>,
    /// Never run these (names or codes).
    pub ignore: Vec<String>,
    /// Severity overrides by rule name or code.
    pub severity: Vec<(String, Severity)>,
}

/// A selection names a rule that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule {name:?}{}; `kubeguard rules` lists them", suggestion.map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownRule {
    /// The name given.
    pub name: String,
    /// The closest rule name, if any is close.
    pub suggestion: Option<&'static str>,
}

/// A cluster-wide check.
type ClusterCheck = fn(&Index, &mut ClusterCtx<'_>);

/// Runs the selected rules.
pub struct Engine {
    object_rules: Vec<(&'static Rule, Severity, &'static dyn ObjectCheck)>,
    cluster_rules: Vec<(&'static Rule, Severity, ClusterCheck)>,
    settings: Settings,
}

impl Engine {
    /// Builds an engine; every rule name in `selection` must exist.
    pub fn new(selection: &Selection, settings: Settings) -> Result<Self, UnknownRule> {
        let resolve = |name: &String| {
            registry::find(name).ok_or_else(|| UnknownRule {
                name: name.clone(),
                suggestion: registry::closest(name),
            })
        };
        let selected = selection
            .select
            .iter()
            .filter(|n| *n != "all")
            .map(resolve)
            .collect::<Result<Vec<_>, _>>()?;
        let ignored = selection
            .ignore
            .iter()
            .map(resolve)
            .collect::<Result<Vec<_>, _>>()?;
        let overrides = selection
            .severity
            .iter()
            .map(|(n, s)| resolve(n).map(|r| (r.meta.name, *s)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut object_rules = Vec::new();
        let mut cluster_rules = Vec::new();
        for rule in registry::all() {
            let name = rule.meta.name;
            let chosen = selected.is_empty() || selected.iter().any(|r| r.meta.name == name);
            if !chosen || ignored.iter().any(|r| r.meta.name == name) {
                continue;
            }
            let severity = overrides
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map_or(rule.meta.severity, |(_, s)| *s);
            match rule.check {
                Check::Object(check) => object_rules.push((rule, severity, check)),
                Check::Cluster(check) => cluster_rules.push((rule, severity, check)),
            }
        }
        Ok(Engine {
            object_rules,
            cluster_rules,
            settings,
        })
    }

    /// Number of rules that will run.
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.object_rules.len() + self.cluster_rules.len()
    }

    /// Runs the object rules on `obj`, records it in `index`, and returns
    /// its `kubeguard.io/ignore` annotation if it has one.
    pub fn check_object(
        &self,
        obj: &Object,
        index: &mut Index,
        out: &mut Vec<Finding>,
    ) -> Option<InlineIgnore> {
        let info = ObjectInfo {
            obj,
            secret_lines: SecretLines::of(obj),
            file: Arc::from(obj.source.name.as_str()),
            object_ref: Arc::new(obj.object_ref()),
        };
        for (rule, severity, check) in &self.object_rules {
            if !rule.meta.kinds.is_empty() && !rule.meta.kinds.contains(&obj.kind.as_str()) {
                continue;
            }
            let mut cx = Ctx {
                info: &info,
                rule,
                severity: *severity,
                settings: &self.settings,
                out,
            };
            check.check(obj, &mut cx);
        }
        index.add(&info);
        inline_ignore(&info)
    }

    /// Runs every selected rule over `objects`, in order: object rules, then
    /// cluster rules over their index. Returns the findings and the inline
    /// ignores found (suppressions are applied by [`crate::suppress::apply`]).
    pub fn check_all<'a>(
        &self,
        objects: impl IntoIterator<Item = &'a Object>,
    ) -> (Vec<Finding>, Vec<InlineIgnore>) {
        let mut index = Index::default();
        let mut findings = Vec::new();
        let mut ignores = Vec::new();
        for obj in objects {
            ignores.extend(self.check_object(obj, &mut index, &mut findings));
        }
        self.check_index(&index, &mut findings);
        (findings, ignores)
    }

    /// Runs the cluster-wide rules over the index.
    pub fn check_index(&self, index: &Index, out: &mut Vec<Finding>) {
        for (rule, severity, check) in &self.cluster_rules {
            let mut cx = ClusterCtx {
                rule,
                severity: *severity,
                out,
            };
            check(index, &mut cx);
        }
    }
}

fn inline_ignore(info: &ObjectInfo<'_>) -> Option<InlineIgnore> {
    let at = info
        .obj
        .located()
        .lookup(&["metadata", "annotations", IGNORE_ANNOTATION])
        .ok()?;
    let rules = at
        .node
        .scalar_text()?
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    Some(InlineIgnore {
        file: Arc::clone(&info.file),
        object: Arc::clone(&info.object_ref),
        pos: info.obj.source.resolve(at.at),
        rules,
    })
}
