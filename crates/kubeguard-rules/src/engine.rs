//! The engine: which rules run, at what severity, and running them.

use crate::context::{ClusterCtx, Ctx, ObjectInfo};
use crate::index::Index;
use crate::pipeline::Policy;
use crate::pss_scan::{self, Pending};
use crate::registry;
use crate::rule::{Check, ObjectCheck, Rule};
use crate::settings::Settings;
use crate::suppress::{IGNORE_ANNOTATION, InlineIgnore};
use kubeguard_core::{Diagnostic, Finding, Object, RuleMeta, Severity};
use kubeguard_pss::LevelVersion;
use std::collections::HashMap;
use std::sync::Arc;

/// A cluster-wide check.
type ClusterCheck = fn(&Index, &mut ClusterCtx<'_>);

type ObjectRule = (&'static Rule, Severity, &'static dyn ObjectCheck);

/// Runs the selected rules.
pub struct Engine {
    object_rules: Vec<ObjectRule>,
    /// For each kind some rule names, the rules that apply to it (those
    /// naming it and those naming no kind), in the order of `object_rules`.
    by_kind: HashMap<&'static str, Vec<ObjectRule>>,
    /// The rules that name no kind: all that apply to any other kind.
    any_kind: Vec<ObjectRule>,
    cluster_rules: Vec<(&'static Rule, Severity, ClusterCheck)>,
    settings: Settings,
    pss: Option<LevelVersion>,
}

/// What a scan's objects produced, input by input.
#[derive(Debug, Default)]
pub struct ScanOutput {
    /// Findings of the object rules.
    pub findings: Vec<Finding>,
    /// Facts for the cross-object rules.
    pub index: Index,
    /// `kubeguard.io/ignore` annotations.
    pub ignores: Vec<InlineIgnore>,
    /// Pod Security verdicts at the default policy, resolved at the end.
    pub pss: Vec<Pending>,
    /// Objects that could not be evaluated.
    pub errors: Vec<Diagnostic>,
}

impl Engine {
    /// Builds an engine running the rules `policy` enables, at the
    /// severities it sets.
    #[must_use]
    pub fn new(policy: &Policy, settings: Settings) -> Self {
        let mut object_rules = Vec::new();
        let mut cluster_rules = Vec::new();
        for rule in registry::all() {
            if !policy.enabled(&rule.meta) {
                continue;
            }
            let severity = policy.severity(&rule.meta);
            match rule.check {
                Check::Object(check) => object_rules.push((rule, severity, check)),
                Check::Cluster(check) => cluster_rules.push((rule, severity, check)),
            }
        }
        let any_kind: Vec<ObjectRule> = object_rules
            .iter()
            .copied()
            .filter(|(r, _, _)| r.meta.kinds.is_empty())
            .collect();
        let mut by_kind: HashMap<&'static str, Vec<ObjectRule>> = HashMap::new();
        for kind in object_rules.iter().flat_map(|(r, _, _)| r.meta.kinds) {
            by_kind.entry(kind).or_insert_with(|| {
                object_rules
                    .iter()
                    .copied()
                    .filter(|(r, _, _)| r.meta.kinds.is_empty() || r.meta.kinds.contains(kind))
                    .collect()
            });
        }
        Engine {
            object_rules,
            by_kind,
            any_kind,
            cluster_rules,
            settings,
            pss: None,
        }
    }

    /// Also evaluates Pod Security Standards at `policy` (a namespace's
    /// enforce label in the input takes precedence), unless `policy`
    /// disables `pod-security-standard`.
    #[must_use]
    pub fn with_pss(mut self, policy: &Policy, default: LevelVersion) -> Self {
        self.pss = policy
            .enabled(&kubeguard_pss::POD_SECURITY_STANDARD)
            .then_some(default);
        self
    }

    /// The rules that run, for report headers (SARIF rule descriptors).
    #[must_use]
    pub fn rules(&self) -> Vec<&'static RuleMeta> {
        let mut rules: Vec<&'static RuleMeta> = self
            .object_rules
            .iter()
            .map(|(r, _, _)| &r.meta)
            .chain(self.cluster_rules.iter().map(|(r, _, _)| &r.meta))
            .collect();
        if self.pss.is_some() {
            rules.push(&kubeguard_pss::POD_SECURITY_STANDARD);
        }
        rules.sort_by_key(|m| m.code);
        rules
    }

    /// Runs the object rules (and Pod Security, when asked) on `obj` of
    /// input number `input`, adding to `out`.
    pub fn scan_object(&self, obj: &Object, input: usize, out: &mut ScanOutput) {
        let info = self.info(obj);
        self.run_object_rules(&info, &mut out.index, &mut out.findings);
        out.ignores.extend(inline_ignore(&info));
        if let Some(policy) = self.pss {
            match pss_scan::evaluate(&info, policy, input) {
                Ok(pending) => out.pss.extend(pending),
                Err(e) => out.errors.push(e),
            }
        }
    }

    /// Evaluates Pod Security again for `obj` at `policy`: for a pod whose
    /// namespace the input labels with another policy than the default.
    pub fn pss_again(
        &self,
        obj: &Object,
        policy: LevelVersion,
        input: usize,
    ) -> Result<Option<Pending>, Diagnostic> {
        pss_scan::evaluate(&self.info(obj), policy, input)
    }

    /// The default Pod Security policy, when the engine evaluates it.
    #[must_use]
    pub fn pss_default(&self) -> Option<LevelVersion> {
        self.pss
    }

    fn info<'o>(&self, obj: &'o Object) -> ObjectInfo<'o> {
        ObjectInfo::new(obj)
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
        let info = self.info(obj);
        self.run_object_rules(&info, index, out);
        inline_ignore(&info)
    }

    fn run_object_rules(&self, info: &ObjectInfo<'_>, index: &mut Index, out: &mut Vec<Finding>) {
        let obj = info.obj;
        let rules = self
            .by_kind
            .get(obj.kind.as_str())
            .unwrap_or(&self.any_kind);
        for (rule, severity, check) in rules {
            let mut cx = Ctx {
                info,
                rule,
                severity: *severity,
                settings: &self.settings,
                out,
            };
            check.check(obj, &mut cx);
        }
        index.add(info);
    }

    /// Runs every selected rule over `objects`, in order: object rules, then
    /// cluster rules over their index. Returns the findings and the inline
    /// ignores found (suppressions are applied by [`crate::Pipeline`]).
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

/// The `kubeguard.io/ignore` annotation of `obj`, for engines that build
/// their findings without the rule engine.
#[must_use]
pub fn inline_ignore_of(obj: &Object) -> Option<InlineIgnore> {
    inline_ignore(&ObjectInfo::new(obj))
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
