//! The engine: a compiled policy answering AdmissionReview requests.

use crate::cluster::ClusterView;
use crate::evaluate::{Findings, cel, exec, image, mutate, object, pss, rules};
use crate::policy::{FailureMode, Policy, PolicyError};
use crate::review::{self, Answer, BadReview, Request};
use kubeguard_rules::Settings;
use std::fmt;

/// Which endpoint a review came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/validate`: the policies decide; nothing is changed.
    Validate,
    /// `/mutate`: safe defaults are filled in (when enabled); nothing is denied.
    Mutate,
}

/// The decision, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The request was admitted.
    Allowed,
    /// The request was rejected.
    Denied,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
        })
    }
}

/// A review that was answered.
#[derive(Debug, Clone)]
pub struct Reviewed {
    /// The serialized `admission.k8s.io/v1` AdmissionReview response.
    pub body: Vec<u8>,
    /// `request.kind.kind` (e.g. "Pod"), for metrics.
    pub kind: String,
    /// `request.operation` (e.g. "CREATE"), for metrics.
    pub operation: String,
    /// Whether the request was admitted.
    pub decision: Decision,
    /// Policy evaluation errors met (answered per the failure mode).
    pub policy_errors: usize,
}

/// What the engine needs from the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Watches {
    /// Namespace labels (Pod Security levels).
    pub namespaces: bool,
    /// Pods (the exec guard).
    pub pods: bool,
}

/// Audit annotation: a request admitted because of `exempt`.
const EXEMPT_KEY: &str = "exempt";
/// Audit annotation: policy errors answered by allowing (failure mode allow).
const POLICY_ERROR_KEY: &str = "policy-error";

/// A compiled policy. Built once at start; `Send + Sync`.
pub struct Engine {
    policy: Policy,
    rules: Option<rules::Rules>,
    custom: cel::CustomRules,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("file", &self.policy.file)
            .field("custom", &self.custom)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Compiles a validated policy (CEL programs, rule selections).
    ///
    /// # Errors
    /// [`PolicyError`] for a CEL expression that does not parse (naming the
    /// rule and where its expression is in the policy file) or a rule name
    /// unknown to this build.
    pub fn new(policy: Policy) -> Result<Engine, PolicyError> {
        // Registries are the image policy's business (`images`), so the
        // `untrusted-registry` rule has no allowlist here and stays silent
        // rather than repeating the image policy's finding.
        let rules = rules::Rules::new(&policy.rules, Settings::default())
            .map_err(|e| PolicyError::file(&policy.file, e.to_string()))?;
        let custom = cel::CustomRules::compile(&policy.file, &policy.custom_rules)?;
        Ok(Engine {
            policy,
            rules,
            custom,
        })
    }

    /// The policy the engine was built from.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether the policy needs Namespaces / Pods from the cluster
    /// (PSS labels and `namespaceObject` in CEL need namespaces; the exec
    /// guard needs pods, and so does Pod Security, to warn about existing
    /// pods when a namespace's enforce level is tightened).
    #[must_use]
    pub fn watches(&self) -> Watches {
        let pod_security = self.policy.pod_security.is_some();
        Watches {
            namespaces: pod_security || self.custom.uses_namespace_object(),
            pods: self.policy.exec_guard || pod_security,
        }
    }

    /// Answers one AdmissionReview request body.
    ///
    /// # Errors
    /// [`BadReview`] when the body is not a valid `admission.k8s.io/v1`
    /// AdmissionReview request (malformed JSON, wrong apiVersion or kind,
    /// missing request, uid or object).
    pub fn review_body(
        &self,
        body: &[u8],
        endpoint: Endpoint,
        cluster: &dyn ClusterView,
    ) -> Result<Reviewed, BadReview> {
        let request = review::decode(body)?;
        let kind = request.review.kind.kind.clone();
        let operation = request.operation().to_owned();
        let mut findings = Findings::default();
        let mut answer = Answer::default();
        if let Some(why) = self.exemption(&request) {
            answer.audit.insert(EXEMPT_KEY.to_owned(), why.to_owned());
        } else {
            match endpoint {
                Endpoint::Validate => self.validate(&request, cluster, &mut findings),
                Endpoint::Mutate => answer.patch = self.mutation(&request),
            }
        }
        let policy_errors = findings.errors.len();
        self.settle(findings, &mut answer);
        let decision = if answer.denials.is_empty() {
            Decision::Allowed
        } else {
            Decision::Denied
        };
        Ok(Reviewed {
            body: review::encode(&request, answer),
            kind,
            operation,
            decision,
            policy_errors,
        })
    }

    /// Why the request is exempt from every policy, if it is.
    fn exemption(&self, request: &Request) -> Option<&'static str> {
        let ex = &self.policy.exempt;
        let ns = request.namespace();
        if !ns.is_empty() && ex.namespaces.iter().any(|n| n == ns) {
            return Some("namespace");
        }
        let user = request.username()?;
        ex.users.iter().any(|u| u == user).then_some("user")
    }

    fn mutation(&self, request: &Request) -> Option<json_patch::Patch> {
        let m = &self.policy.mutation;
        if !m.enabled || !request.subresource().is_empty() {
            return None;
        }
        let object = request.object.as_ref()?;
        mutate::applies(&request.review.kind.kind, request.operation())
            .then(|| mutate::patch(m, object))
    }

    fn validate(&self, request: &Request, cluster: &dyn ClusterView, out: &mut Findings) {
        let op = request.operation();
        let sub = request.subresource();
        if op == "CONNECT" {
            if self.policy.exec_guard && exec::applies(&request.review.resource.resource, sub, op) {
                exec::check(request.namespace(), &request.review.name, sub, cluster, out);
            }
            self.custom_rules(request, cluster, out);
            return;
        }
        // Status and other subresource writes are not object changes the
        // policies judge; ephemeral containers are (they add containers).
        let object_checks =
            matches!(op, "CREATE" | "UPDATE") && (sub.is_empty() || sub == "ephemeralcontainers");
        if object_checks && let Some(json) = &request.object {
            self.object_checks(request, json, cluster, out);
            if let Some(ps) = &self.policy.pod_security
                && request.review.kind.kind == "Namespace"
                && sub.is_empty()
            {
                pss::check_namespace(ps, json, request.old_object.as_ref(), cluster, out);
            }
        }
        self.custom_rules(request, cluster, out);
    }

    fn object_checks(
        &self,
        request: &Request,
        json: &serde_json::Value,
        cluster: &dyn ClusterView,
        out: &mut Findings,
    ) {
        let needs_object = self.policy.pod_security.is_some()
            || self.rules.is_some()
            || self.policy.images.is_some();
        if !needs_object {
            return;
        }
        let obj = match object::to_object(json) {
            Ok(o) => o,
            Err(e) => {
                out.errors.push(format!("object: {e}"));
                return;
            }
        };
        if let Some(ps) = &self.policy.pod_security {
            let pod_update_without_change = request.operation() == "UPDATE"
                && obj.kind == "Pod"
                && request.subresource().is_empty()
                && request
                    .old_object
                    .as_ref()
                    .is_some_and(|old| !pss::significant_pod_update(old, json));
            if !pod_update_without_change {
                pss::check(
                    ps,
                    &obj,
                    request.namespace(),
                    request.username(),
                    cluster,
                    out,
                );
            }
        }
        if let Some(rules) = &self.rules {
            rules.check(&obj, out);
        }
        if let Some(images) = &self.policy.images {
            image::check(images, &obj, out);
        }
    }

    fn custom_rules(&self, request: &Request, cluster: &dyn ClusterView, out: &mut Findings) {
        if self.custom.is_empty() {
            return;
        }
        let r = &request.review;
        let request_var = serde_json::json!({
            "uid": r.uid,
            "kind": r.kind,
            "resource": r.resource,
            "subResource": r.sub_resource,
            "requestKind": r.request_kind,
            "requestResource": r.request_resource,
            "requestSubResource": r.request_sub_resource,
            "name": r.name,
            "namespace": r.namespace,
            "operation": request.operation(),
            "userInfo": r.user_info,
            "dryRun": r.dry_run,
            "options": r.options,
        });
        let input = cel::Input {
            kind: &r.kind.kind,
            operation: request.operation(),
            request: request_var,
            object: request.object.as_ref(),
            old_object: request.old_object.as_ref(),
            namespace: request.namespace(),
        };
        self.custom.check(&input, cluster, out);
    }

    /// Turns findings into the answer, applying the failure mode to errors.
    fn settle(&self, findings: Findings, answer: &mut Answer) {
        answer.invalid = !findings.invalid.is_empty();
        answer.denials = findings.invalid;
        answer.denials.extend(findings.deny);
        answer.warnings = findings.warn;
        answer.audit.extend(findings.audit);
        if findings.errors.is_empty() {
            return;
        }
        match self.policy.failure_mode {
            FailureMode::Deny => answer.denials.extend(
                findings
                    .errors
                    .into_iter()
                    .map(|e| format!("policy error: {e}")),
            ),
            FailureMode::Allow => {
                answer
                    .audit
                    .insert(POLICY_ERROR_KEY.to_owned(), findings.errors.join("; "));
                answer.warnings.extend(
                    findings
                        .errors
                        .into_iter()
                        .map(|e| format!("policy error (admitted: failureMode allow): {e}")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
    }
}
