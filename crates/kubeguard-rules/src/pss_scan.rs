//! `kubeguard scan --pss LEVEL[:VERSION]`: a `pod-security-standard`
//! finding per violated Pod Security Standards check, evaluated in the
//! scan's single pass. A namespace's own enforce label takes precedence for
//! the objects in it; since a Namespace may come after its pods, each pod's
//! violations at the default policy are kept (compactly) until the input is
//! read, and the few pods of namespaces labelled with another policy are
//! evaluated again from their input.

use crate::context::ObjectInfo;
use crate::index::Index;
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Diagnostic, Finding, Object, ObjectRef, Pos};
use kubeguard_pss::namespace::{ENFORCE_LABEL, Policy, resolve_labels};
use kubeguard_pss::{LevelVersion, POD_SECURITY_STANDARD, PssError, Violation};
use std::sync::Arc;

/// A pod-bearing object's violations at the default policy.
#[derive(Debug)]
pub struct Pending {
    /// The input (index into the scan's inputs) the object came from.
    pub input: usize,
    file: Arc<str>,
    object: Arc<ObjectRef>,
    start: Pos,
    namespace: String,
    /// Each violation with the file, position and snippet it is reported at.
    violations: Vec<(Violation, Arc<str>, Pos, Option<kubeguard_core::Snippet>)>,
}

impl Pending {
    /// The file of the object.
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Whether this is the verdict of the object `object` of `file`.
    #[must_use]
    pub fn is_about(&self, file: &str, object: &ObjectRef) -> bool {
        &*self.file == file && *self.object == *object
    }
}

/// Evaluates `obj` at `policy` if it carries a pod spec: `Ok(None)` when it
/// does not, an error when the API server could not decode it.
pub(crate) fn evaluate(
    info: &ObjectInfo<'_>,
    policy: LevelVersion,
    input: usize,
) -> Result<Option<Pending>, Diagnostic> {
    let obj = info.obj;
    if !WORKLOAD_KINDS.contains(&obj.kind.as_str()) {
        return Ok(None);
    }
    let verdict = match kubeguard_pss::evaluate_object(obj, policy) {
        Ok(v) => v,
        Err(PssError::NotAPod { .. }) => return Ok(None),
        Err(e) => {
            return Err(Diagnostic::new(
                &obj.source.name,
                obj.source.resolve(e.pos().unwrap_or(obj.root.span.start)),
                format!(
                    "{} {}: cannot evaluate Pod Security Standards: {e}",
                    obj.kind,
                    obj.name.as_deref().unwrap_or("<unnamed>")
                ),
            ));
        }
    };
    let violations = verdict
        .violations
        .into_iter()
        .map(|v| {
            let (file, pos, snippet) = info.place(v.pos);
            (v, file, pos, snippet)
        })
        .collect();
    Ok(Some(Pending {
        input,
        file: Arc::clone(&info.file),
        object: Arc::clone(&info.object_ref),
        start: obj.root.span.start,
        namespace: obj.effective_namespace().unwrap_or("default").to_owned(),
        violations,
    }))
}

/// The enforce policy the input's Namespace object sets for `namespace`,
/// when it sets one.
fn labelled_policy(index: &Index, namespace: &str, default: LevelVersion) -> Option<LevelVersion> {
    let info = index.namespace(namespace)?;
    info.declared.as_ref()?;
    info.labels.get(ENFORCE_LABEL)?;
    let defaults = Policy {
        enforce: default,
        ..Policy::default()
    };
    let resolved = resolve_labels(|key| info.labels.get(key).map(String::as_str), &defaults);
    Some(resolved.policy.enforce)
}

/// Whether `pending` was evaluated at the policy that applies to it, or
/// must be evaluated again from its input (the policy it needs instead).
pub fn needs_other_policy(
    pending: &Pending,
    index: &Index,
    default: LevelVersion,
) -> Option<LevelVersion> {
    labelled_policy(index, &pending.namespace, default).filter(|p| *p != default)
}

/// Whether `obj` is the object `pending` was made from.
pub fn is_object_of(pending: &Pending, obj: &Object) -> bool {
    obj.root.span.start == pending.start && *pending.object == obj.object_ref()
}

/// The findings of `pending`, evaluated at `policy`.
pub fn findings(pending: Pending, policy: LevelVersion, out: &mut Vec<Finding>) {
    let meta = &POD_SECURITY_STANDARD;
    for (v, file, pos, snippet) in pending.violations {
        out.push(Finding {
            rule: meta.name,
            code: meta.code,
            severity: meta.severity,
            message: format!(
                "violates PodSecurity \"{policy}\" ({}): {} ({})",
                v.check, v.reason, v.detail
            ),
            object_file: (!Arc::ptr_eq(&file, &pending.file)).then(|| Arc::clone(&pending.file)),
            file,
            pos,
            path: v.path,
            object: Arc::clone(&pending.object),
            remediation: meta.remediation,
            references: meta.references,
            snippet,
        });
    }
}

/// The findings of `verdict` about `obj`, one per violation, in order, each
/// with its snippet (withheld when the line shows a secret value).
#[must_use]
pub fn verdict_findings(obj: &Object, verdict: &kubeguard_pss::Verdict) -> Vec<Finding> {
    let info = ObjectInfo::new(obj);
    let pending = Pending {
        input: 0,
        file: Arc::clone(&info.file),
        object: Arc::clone(&info.object_ref),
        start: obj.root.span.start,
        namespace: String::new(),
        violations: verdict
            .violations
            .iter()
            .map(|v| {
                let (file, pos, snippet) = info.place(v.pos);
                (v.clone(), file, pos, snippet)
            })
            .collect(),
    };
    let mut out = Vec::with_capacity(verdict.violations.len());
    findings(pending, verdict.policy, &mut out);
    out
}
