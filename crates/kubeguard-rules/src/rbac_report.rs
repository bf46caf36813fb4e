//! `rbac risks` and `rbac unused` through the findings pipeline: the RBAC
//! model of the inputs (with the cluster's defaults when asked), each risk
//! or unused object a finding, and what the pipeline drops leaves the
//! engine's own data too.

use crate::inputs::{self, InputFacts};
use crate::pipeline::Pipeline;
use kubeguard_core::{Diagnostic, Finding};
use kubeguard_load::{Input, LoadOptions};
use kubeguard_rbac::risks::{self, Hit};
use kubeguard_rbac::{Authorizer, Model, defaults, unused};
use std::path::PathBuf;

/// The RBAC objects of the inputs, as the authorizer sees them.
#[derive(Debug)]
pub struct RbacInput {
    /// The authorizer over the inputs' roles and bindings.
    pub auth: Authorizer,
    /// Errors (model errors included), annotations and counts.
    pub facts: InputFacts,
}

/// Loads `paths`; `with_defaults` adds the default roles and bindings of
/// a cluster.
#[must_use]
pub fn load(paths: &[PathBuf], options: &LoadOptions, with_defaults: bool) -> RbacInput {
    let (found, errors) = kubeguard_load::discover(paths, options.walk);
    load_found(&found, errors, options, with_defaults)
}

/// Loads `found` inputs (on disk, or read from a cluster), with the
/// `errors` met finding them; `with_defaults` adds the default roles and
/// bindings of a cluster.
#[must_use]
pub fn load_found(
    found: &[Input],
    errors: Vec<Diagnostic>,
    options: &LoadOptions,
    with_defaults: bool,
) -> RbacInput {
    let (parts, mut facts) = inputs::load_each_found(found, errors, options, |objects| {
        Model::from_objects(objects)
    });
    let mut model = if with_defaults {
        defaults::model()
    } else {
        Model::default()
    };
    for (m, model_errors) in parts {
        model.extend(m);
        facts.errors.extend(
            model_errors
                .into_iter()
                .map(|e| Diagnostic::new(&*e.origin.file, e.origin.pos, e.message)),
        );
    }
    RbacInput {
        auth: Authorizer::new(model),
        facts,
    }
}

/// Runs findings through the pipeline, keeping the data items (one per
/// finding, in the same order) whose findings it keeps.
fn admit<T>(
    pipeline: &mut Pipeline<'_>,
    findings: Vec<Finding>,
    items: Vec<T>,
) -> (Vec<Finding>, Vec<T>) {
    let mut kept = (Vec::new(), Vec::new());
    for (mut f, item) in findings.into_iter().zip(items) {
        if pipeline.admit(&mut f) {
            kept.0.push(f);
            kept.1.push(item);
        }
    }
    kept
}

/// The risks of `input` the pipeline keeps, most severe first, each at the
/// severity the configuration gives it. Their findings are made again, a
/// batch at a time, when the report is written ([`risk_findings`]), so the
/// hundreds of thousands a large cluster has are never all held at once.
pub fn risks<'a>(input: &'a RbacInput, pipeline: &mut Pipeline<'_>) -> Vec<Hit<'a>> {
    let mut hits = risks::analyze(&input.auth);
    hits.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            (&a.subject, a.risk.meta.code, a.chain.len()).cmp(&(
                &b.subject,
                b.risk.meta.code,
                b.chain.len(),
            ))
        })
    });
    pipeline.add_inline(input.facts.ignores.iter().cloned());
    hits.retain_mut(|hit| {
        let mut f = risk_findings(&input.auth, std::slice::from_ref(hit))
            .pop()
            .expect("one finding a hit");
        let kept = pipeline.admit(&mut f);
        hit.severity = f.severity;
        kept
    });
    hits
}

/// The findings of `hits`, one a hit, in order.
#[must_use]
pub fn risk_findings(auth: &kubeguard_rbac::Authorizer, hits: &[Hit<'_>]) -> Vec<Finding> {
    kubeguard_report::rbac::risk_findings(auth, hits)
}

/// The unused roles and dangling bindings of `input` the pipeline keeps.
pub fn unused(input: &RbacInput, pipeline: &mut Pipeline<'_>) -> Vec<Finding> {
    let items = unused::find(&input.auth);
    pipeline.add_inline(input.facts.ignores.iter().cloned());
    let findings = unused::to_findings(&items);
    admit(pipeline, findings, items).0
}
