//! `kubeguard scan --pss LEVEL[:VERSION]`: a `pod-security-standard`
//! finding per violated Pod Security Standards check, with a namespace's
//! own enforce label taking precedence for the objects in it.

use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Finding, Object};
use kubeguard_load::{Input, LoadOptions, load_input};
use kubeguard_pss::namespace::{ENFORCE_LABEL, Policy, resolve_labels};
use kubeguard_pss::{LevelVersion, POD_SECURITY_STANDARD, PssError};
use kubeguard_report::ErrorItem;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The policy each object is evaluated against.
pub struct PssScan {
    default: LevelVersion,
    by_namespace: HashMap<String, LevelVersion>,
}

impl PssScan {
    /// Reads the enforce labels of the Namespaces the inputs declare. Plain
    /// files are parsed only when their text mentions a Namespace.
    pub fn prepare(default: LevelVersion, inputs: &[Input], options: &LoadOptions) -> Self {
        let labelled: Vec<(String, LevelVersion)> = inputs
            .par_iter()
            .filter(|input| match input {
                Input::File(path) => {
                    std::fs::read_to_string(path).is_ok_and(|t| t.contains("Namespace"))
                }
                _ => true,
            })
            .flat_map_iter(|input| {
                load_input(input, options)
                    .objects
                    .into_iter()
                    .filter_map(|obj| enforce_label(&obj, default))
            })
            .collect();
        let mut by_namespace = HashMap::new();
        for (name, policy) in labelled {
            by_namespace.entry(name).or_insert(policy);
        }
        PssScan {
            default,
            by_namespace,
        }
    }

    /// Evaluates `obj` if it carries a pod spec; violations become findings,
    /// fields the API server could not decode become errors.
    pub fn check(&self, obj: &Object, findings: &mut Vec<Finding>, errors: &mut Vec<ErrorItem>) {
        if !WORKLOAD_KINDS.contains(&obj.kind.as_str()) {
            return;
        }
        let policy = obj
            .effective_namespace()
            .and_then(|ns| self.by_namespace.get(ns))
            .copied()
            .unwrap_or(self.default);
        let verdict = match kubeguard_pss::evaluate_object(obj, policy) {
            Ok(v) => v,
            Err(PssError::NotAPod { .. }) => return,
            Err(e) => {
                errors.push(ErrorItem {
                    file: obj.source.name.clone(),
                    pos: obj.source.resolve(e.pos().unwrap_or(obj.root.span.start)),
                    message: format!(
                        "{} {}: cannot evaluate Pod Security Standards: {e}",
                        obj.kind,
                        obj.name.as_deref().unwrap_or("<unnamed>")
                    ),
                });
                return;
            }
        };
        if verdict.allowed() {
            return;
        }
        let file: Arc<str> = Arc::from(obj.source.name.as_str());
        let object = Arc::new(obj.object_ref());
        let meta = &POD_SECURITY_STANDARD;
        for v in verdict.violations {
            let pos = obj.source.resolve(v.pos);
            findings.push(Finding {
                rule: meta.name,
                code: meta.code,
                severity: meta.severity,
                message: format!(
                    "violates PodSecurity \"{policy}\" ({}): {} ({})",
                    v.check, v.reason, v.detail
                ),
                file: Arc::clone(&file),
                pos,
                path: v.path,
                object: Arc::clone(&object),
                remediation: meta.remediation,
                references: meta.references,
                snippet: obj.source.line_text(pos.line).map(Into::into),
            });
        }
    }
}

/// The enforce policy a Namespace object's labels set, if it sets one.
fn enforce_label(obj: &Object, default: LevelVersion) -> Option<(String, LevelVersion)> {
    if obj.kind != "Namespace" || obj.api_version != "v1" {
        return None;
    }
    obj.label(ENFORCE_LABEL)?;
    let defaults = Policy {
        enforce: default,
        ..Policy::default()
    };
    let resolved = resolve_labels(|key| obj.label(key), &defaults);
    Some((obj.name.clone()?, resolved.policy.enforce))
}
