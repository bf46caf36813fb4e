//! `kubeguard netpol coverage` through the findings pipeline: every gap
//! becomes a finding (namespaces without a default deny under the manifest
//! rule that asks the same question), and what the pipeline drops leaves
//! the coverage report too.

use crate::inputs::{self, InputFacts};
use crate::pipeline::Pipeline;
use crate::registry;
use kubeguard_core::{Diagnostic, Finding, ObjectRef, RuleMeta};
use kubeguard_load::{Input, LoadOptions};
use kubeguard_netpol::coverage::{Coverage, RuleIssue};
use kubeguard_netpol::coverage_rules::{
    BROAD_RULE, HOST_NETWORK_POD, POLICY_SELECTS_NOTHING, RULE_NEVER_MATCHES, UNSELECTED_POD,
};
use kubeguard_netpol::{Model, Origin, Pod};
use std::path::PathBuf;
use std::sync::Arc;

/// The NetworkPolicy model of the inputs.
#[derive(Debug)]
pub struct NetpolInput {
    /// Pods, namespaces and policies.
    pub model: Model,
    /// Errors (policies that could not be read included), annotations and counts.
    pub facts: InputFacts,
}

/// Loads `paths` into the NetworkPolicy model.
#[must_use]
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> NetpolInput {
    let (found, errors) = kubeguard_load::discover(paths, options.walk);
    load_found(&found, errors, options)
}

/// Loads `found` inputs (on disk, or read from a cluster), with the
/// `errors` met finding them, into the NetworkPolicy model.
#[must_use]
pub fn load_found(found: &[Input], errors: Vec<Diagnostic>, options: &LoadOptions) -> NetpolInput {
    let (objects, mut facts) = inputs::load_found(found, errors, options);
    let (model, model_errors) = Model::from_objects(&objects);
    facts.errors.extend(
        model_errors
            .into_iter()
            .map(|e| Diagnostic::new(e.origin.file, e.origin.pos, e.message)),
    );
    NetpolInput { model, facts }
}

/// The rules `netpol coverage` reports under.
#[must_use]
pub fn rules() -> Vec<&'static RuleMeta> {
    let mut rules = vec![namespace_rule()];
    rules.extend(kubeguard_netpol::coverage_rules::metas());
    rules
}

fn namespace_rule() -> &'static RuleMeta {
    &registry::find("namespace-without-default-deny")
        .expect("the manifest rule namespace-without-default-deny exists")
        .meta
}

/// The `apiVersion` of a workload kind the NetworkPolicy model reads.
fn workload_api_version(kind: &str) -> &'static str {
    match kind {
        "Pod" => "v1",
        "Job" | "CronJob" => "batch/v1",
        _ => "apps/v1",
    }
}

fn finding(
    meta: &'static RuleMeta,
    message: String,
    origin: &Origin,
    object: ObjectRef,
) -> Finding {
    Finding {
        rule: meta.name,
        code: meta.code,
        severity: meta.severity,
        message,
        file: Arc::from(origin.file.as_str()),
        pos: origin.pos,
        path: origin.path.clone(),
        object: Arc::new(object),
        object_file: None,
        remediation: meta.remediation,
        references: meta.references,
        snippet: None,
    }
}

fn pod_ref(pod: &Pod) -> ObjectRef {
    ObjectRef {
        api_version: workload_api_version(&pod.kind).to_owned(),
        kind: pod.kind.clone(),
        namespace: Some(pod.namespace.clone()),
        name: Some(pod.name.clone()),
    }
}

/// The object and origin of the policy with this id (`ns/name`,
/// `ns/calico:name` or `GlobalNetworkPolicy/name`).
fn policy_of(model: &Model, id: &str) -> Option<(ObjectRef, Origin)> {
    if let Some(p) = model.policies.iter().find(|p| p.id() == id) {
        let object = ObjectRef {
            api_version: "networking.k8s.io/v1".into(),
            kind: "NetworkPolicy".into(),
            namespace: Some(p.namespace.clone()),
            name: Some(p.name.clone()),
        };
        return Some((object, p.origin.clone()));
    }
    let p = model.calico.iter().find(|p| p.id() == id)?;
    let object = ObjectRef {
        api_version: "projectcalico.org/v3".into(),
        kind: if p.namespace.is_some() {
            "NetworkPolicy"
        } else {
            "GlobalNetworkPolicy"
        }
        .into(),
        namespace: p.namespace.clone(),
        name: Some(p.name.clone()),
    };
    Some((object, p.origin.clone()))
}

/// What to say of a policy that selects no pod. A NetworkPolicy whose
/// selector matches only `hostNetwork` pods (a node exporter's policy, say)
/// names them: its labels are right, but no NetworkPolicy reaches such pods.
fn empty_policy_message(model: &Model, id: &str) -> String {
    let host_network: Vec<String> = model
        .policies
        .iter()
        .find(|p| p.id() == id)
        .map(|policy| {
            model
                .pods
                .iter()
                .filter(|p| {
                    p.host_network
                        && p.namespace == policy.namespace
                        && policy.selector.matches(&p.labels)
                })
                .map(|p| format!("{} {}", p.kind, p.id()))
                .collect()
        })
        .unwrap_or_default();
    if host_network.is_empty() {
        format!("policy {id} selects no pod of the input")
    } else {
        format!(
            "policy {id} selects only hostNetwork pods ({}), where no NetworkPolicy applies",
            host_network.join(", ")
        )
    }
}

/// Runs every gap of `coverage` through `pipeline`; returns the findings
/// kept and the coverage report holding only their gaps.
pub fn admit(
    input: &NetpolInput,
    coverage: Coverage,
    pipeline: &mut Pipeline<'_>,
) -> (Vec<Finding>, Coverage) {
    let model = &input.model;
    pipeline.add_inline(input.facts.ignores.iter().cloned());
    let mut kept = Coverage::default();
    let mut findings = Vec::new();
    let mut keep = |mut f: Finding, findings: &mut Vec<Finding>| {
        let admitted = pipeline.admit(&mut f);
        if admitted {
            findings.push(f);
        }
        admitted
    };
    let namespaces: std::collections::BTreeSet<&String> = coverage
        .no_default_deny_ingress
        .iter()
        .chain(&coverage.no_default_deny_egress)
        .collect();
    for ns in namespaces {
        let ingress = coverage.no_default_deny_ingress.contains(ns);
        let egress = coverage.no_default_deny_egress.contains(ns);
        let Some(anchor) = model.pods.iter().find(|p| &p.namespace == ns) else {
            continue;
        };
        let directions = match (ingress, egress) {
            (true, true) => "ingress or egress",
            (true, false) => "ingress",
            _ => "egress",
        };
        let object = ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: Some(ns.clone()),
        };
        let message = format!(
            "namespace \"{ns}\" has no default-deny NetworkPolicy for {directions} ({} {} is in it)",
            anchor.kind, anchor.name
        );
        if keep(
            finding(namespace_rule(), message, &anchor.origin, object),
            &mut findings,
        ) {
            if ingress {
                kept.no_default_deny_ingress.push(ns.clone());
            }
            if egress {
                kept.no_default_deny_egress.push(ns.clone());
            }
        }
    }
    for (ids, meta, what, out) in [
        (
            coverage.unselected_pods,
            &UNSELECTED_POD,
            "no NetworkPolicy selects it: all its traffic is allowed unless a default deny covers its namespace",
            &mut kept.unselected_pods,
        ),
        (
            coverage.host_network_pods,
            &HOST_NETWORK_POD,
            "it uses the node's network (hostNetwork), where no NetworkPolicy applies",
            &mut kept.host_network_pods,
        ),
    ] {
        for id in ids {
            let Some(pod) = model.pods.iter().find(|p| p.id() == id) else {
                continue;
            };
            let message = format!("{} {id}: {what}", pod.kind);
            if keep(
                finding(meta, message, &pod.origin, pod_ref(pod)),
                &mut findings,
            ) {
                out.push(id);
            }
        }
    }
    for id in coverage.empty_policies {
        let Some((object, origin)) = policy_of(model, &id) else {
            continue;
        };
        let message = empty_policy_message(model, &id);
        if keep(
            finding(&POLICY_SELECTS_NOTHING, message, &origin, object),
            &mut findings,
        ) {
            kept.empty_policies.push(id);
        }
    }
    for (issues, meta, out) in [
        (
            coverage.dead_rules,
            &RULE_NEVER_MATCHES,
            &mut kept.dead_rules,
        ),
        (coverage.broad_rules, &BROAD_RULE, &mut kept.broad_rules),
    ] {
        for issue in issues {
            let RuleIssue {
                policy,
                rule,
                origin,
                reason,
            } = &issue;
            let Some((object, _)) = policy_of(model, policy) else {
                continue;
            };
            let message = format!("{policy} {rule}: {reason}");
            if keep(finding(meta, message, origin, object), &mut findings) {
                out.push(issue);
            }
        }
    }
    (findings, kept)
}
