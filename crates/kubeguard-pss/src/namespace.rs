//! Namespace labels and the three admission modes: what `enforce`, `audit`
//! and `warn` do to a pod or a workload placed in a namespace, with the
//! admission plugin's handling of invalid and missing label values.

use crate::config::Exemptions;
use crate::evaluate::{LevelVersion, Verdict, evaluate};
use crate::level::Level;
use crate::pod::Pod;
use crate::version::Version;

/// `pod-security.kubernetes.io/enforce`.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
/// `pod-security.kubernetes.io/enforce-version`.
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
/// `pod-security.kubernetes.io/audit`.
pub const AUDIT_LABEL: &str = "pod-security.kubernetes.io/audit";
/// `pod-security.kubernetes.io/audit-version`.
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
/// `pod-security.kubernetes.io/warn`.
pub const WARN_LABEL: &str = "pod-security.kubernetes.io/warn";
/// `pod-security.kubernetes.io/warn-version`.
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// The three modes and the level and version each evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Violations reject pods.
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit log.
    pub audit: LevelVersion,
    /// Violations are returned to the user as warnings.
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// The admission plugin's defaults: `privileged:latest` for every mode.
    fn default() -> Self {
        let p = LevelVersion::new(Level::Privileged, Version::Latest);
        Policy {
            enforce: p,
            audit: p,
            warn: p,
        }
    }
}

impl Policy {
    /// Whether every mode is `privileged` (nothing is evaluated).
    #[must_use]
    pub fn fully_privileged(&self) -> bool {
        [self.enforce, self.audit, self.warn]
            .iter()
            .all(|p| p.level == Level::Privileged)
    }
}

/// A label whose value the admission plugin rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    /// The label key.
    pub label: &'static str,
    /// Its value.
    pub value: String,
    /// What a valid value is (`must be one of ...`).
    pub requirement: &'static str,
    /// What the plugin evaluates instead (`restricted`, `latest`, ...).
    pub evaluated_as: String,
}

impl LabelError {
    /// What a valid value is, and what the plugin does instead.
    #[must_use]
    pub fn message(&self) -> String {
        format!("{}; evaluated as {}", self.requirement, self.evaluated_as)
    }

    /// The error as the API server words it:
    /// `metadata.labels[KEY]: Invalid value: "VALUE": must be ...`.
    #[must_use]
    pub fn field_error(&self) -> String {
        format!(
            "metadata.labels[{}]: Invalid value: {:?}: {}",
            self.label, self.value, self.requirement
        )
    }
}

/// What a valid level label is.
const LEVEL_REQUIREMENT: &str = "must be one of privileged, baseline, restricted";
/// What a valid version label is.
const VERSION_REQUIREMENT: &str = "must be \"latest\" or \"v1.x\"";

/// A namespace's resolved policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespacePolicy {
    /// The policy the three modes evaluate.
    pub policy: Policy,
    /// Labels with invalid values (the plugin falls back and records an error).
    pub errors: Vec<LabelError>,
    /// `-version` labels newer than the newest known version (evaluated as `latest`).
    pub future_versions: Vec<(&'static str, Version)>,
}

impl NamespacePolicy {
    /// The label errors as the API server reports them (one error as is,
    /// several as `[e1, e2]`); `None` when every label is valid.
    #[must_use]
    pub fn errors_message(&self) -> Option<String> {
        let errors: Vec<String> = self.errors.iter().map(LabelError::field_error).collect();
        match errors.len() {
            0 => None,
            1 => errors.into_iter().next(),
            _ => Some(format!("[{}]", errors.join(", "))),
        }
    }
}

/// Resolves a namespace's labels as the admission plugin does: a missing
/// label takes the default; an invalid `enforce` level becomes
/// `restricted`; invalid `audit` and `warn` levels become `privileged`
/// (they fail open); an invalid version becomes `latest`. With no labels
/// at all, the defaults apply unchanged.
#[must_use]
pub fn resolve_labels<'l>(
    label: impl Fn(&str) -> Option<&'l str>,
    defaults: &Policy,
) -> NamespacePolicy {
    let mut p = *defaults;
    let mut errors = Vec::new();
    let mut future_versions = Vec::new();
    let level = |key: &'static str, fail: Level, slot: &mut Level, errors: &mut Vec<LabelError>| {
        if let Some(value) = label(key) {
            *slot = value.parse().unwrap_or_else(|_| {
                errors.push(LabelError {
                    label: key,
                    value: value.to_owned(),
                    requirement: LEVEL_REQUIREMENT,
                    evaluated_as: fail.to_string(),
                });
                fail
            });
        }
    };
    level(
        ENFORCE_LABEL,
        Level::Restricted,
        &mut p.enforce.level,
        &mut errors,
    );
    level(
        AUDIT_LABEL,
        Level::Privileged,
        &mut p.audit.level,
        &mut errors,
    );
    level(
        WARN_LABEL,
        Level::Privileged,
        &mut p.warn.level,
        &mut errors,
    );
    for (key, slot) in [
        (ENFORCE_VERSION_LABEL, &mut p.enforce.version),
        (AUDIT_VERSION_LABEL, &mut p.audit.version),
        (WARN_VERSION_LABEL, &mut p.warn.version),
    ] {
        let Some(value) = label(key) else {
            continue;
        };
        match value.parse::<Version>() {
            Ok(v) => {
                if v.is_future() {
                    future_versions.push((key, v));
                }
                *slot = v;
            }
            Err(_) => {
                errors.push(LabelError {
                    label: key,
                    value: value.to_owned(),
                    requirement: VERSION_REQUIREMENT,
                    evaluated_as: Version::Latest.to_string(),
                });
                *slot = Version::Latest;
            }
        }
    }
    NamespacePolicy {
        policy: p,
        errors,
        future_versions,
    }
}

/// Why an object is exempt from every mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exemption {
    /// The namespace is listed in `exemptions.namespaces`.
    Namespace(String),
    /// The requesting user is listed in `exemptions.usernames`.
    Username(String),
    /// The pod's `runtimeClassName` is listed in `exemptions.runtimeClasses`.
    RuntimeClass(String),
}

/// What admission does to one object in one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// Set when the object is exempt; then nothing below is evaluated.
    pub exempt: Option<Exemption>,
    /// For a Pod: the enforce verdict (a denial rejects the pod). For a
    /// workload: the enforce verdict of its template, which the plugin
    /// does not apply to the workload but to each pod it creates.
    pub enforce: Option<Verdict>,
    /// The audit verdict (an annotation in the audit log when denied).
    pub audit: Option<Verdict>,
    /// The warn verdict (a warning to the user when denied). Pods rejected
    /// by enforce get no warning, as upstream.
    pub warn: Option<Verdict>,
    /// Whether the object is a Pod (enforced) or a workload (not enforced).
    pub is_pod: bool,
}

impl Admission {
    /// Whether admission rejects the object (Pods only).
    #[must_use]
    pub fn denied(&self) -> bool {
        self.is_pod && self.enforce.as_ref().is_some_and(|v| !v.allowed())
    }

    /// Whether the pods a workload creates would be rejected by enforce.
    #[must_use]
    pub fn pods_would_be_denied(&self) -> bool {
        !self.is_pod && self.enforce.as_ref().is_some_and(|v| !v.allowed())
    }

    /// Whether audit records a violation.
    #[must_use]
    pub fn audited(&self) -> bool {
        self.audit.as_ref().is_some_and(|v| !v.allowed())
    }

    /// Whether warn returns a warning.
    #[must_use]
    pub fn warned(&self) -> bool {
        self.warn.as_ref().is_some_and(|v| !v.allowed())
    }
}

/// Who is asking, for exemptions by user name.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'r> {
    /// The requesting user, when known.
    pub username: Option<&'r str>,
}

/// Why `pod` in `namespace`, requested by `request`, is exempt from every
/// mode, if it is; the plugin looks at the namespace, then the user, then
/// the runtime class.
#[must_use]
pub fn exemption(
    pod: &Pod<'_>,
    namespace: &str,
    exemptions: &Exemptions,
    request: Request<'_>,
) -> Option<Exemption> {
    if exemptions.namespaces.iter().any(|n| n == namespace) {
        return Some(Exemption::Namespace(namespace.to_owned()));
    }
    if let Some(user) = request.username
        && exemptions.usernames.iter().any(|u| u == user)
    {
        return Some(Exemption::Username(user.to_owned()));
    }
    exemptions
        .runtime_class(pod)
        .map(|rc| Exemption::RuntimeClass(rc.to_owned()))
}

/// Runs the three modes on `pod` in `namespace`, as the plugin does for a
/// Pod (`is_pod`) or for a workload with a pod template.
#[must_use]
pub fn admit(
    pod: &Pod<'_>,
    is_pod: bool,
    namespace: &str,
    ns: &NamespacePolicy,
    exemptions: &Exemptions,
    request: Request<'_>,
) -> Admission {
    let mut out = Admission {
        exempt: exemption(pod, namespace, exemptions, request),
        enforce: None,
        audit: None,
        warn: None,
        is_pod,
    };
    if out.exempt.is_some() {
        return out;
    }
    let p = &ns.policy;
    if ns.errors.is_empty() && p.fully_privileged() {
        return out;
    }
    let enforce = evaluate(pod, p.enforce);
    let rejected = is_pod && !enforce.allowed();
    out.enforce = Some(enforce);
    if !is_pod || p.audit.level != Level::Privileged {
        out.audit = Some(evaluate(pod, p.audit));
    }
    if !rejected && (!is_pod || p.warn.level != Level::Privileged) {
        out.warn = Some(evaluate(pod, p.warn));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
    }

    #[test]
    fn missing_labels_take_the_defaults() {
        let ns = resolve_labels(labels(&[]), &Policy::default());
        assert_eq!(ns.policy, Policy::default());
        assert!(ns.errors.is_empty());
    }

    #[test]
    fn invalid_enforce_fails_closed_and_audit_warn_fail_open() {
        let ns = resolve_labels(
            labels(&[
                (ENFORCE_LABEL, "strict"),
                (AUDIT_LABEL, "Restricted"),
                (WARN_LABEL, ""),
                (ENFORCE_VERSION_LABEL, "1.25"),
            ]),
            &Policy::default(),
        );
        assert_eq!(
            ns.policy.enforce,
            LevelVersion::new(Level::Restricted, Version::Latest)
        );
        assert_eq!(ns.policy.audit.level, Level::Privileged);
        assert_eq!(ns.policy.warn.level, Level::Privileged);
        assert_eq!(ns.errors.len(), 4);
    }

    #[test]
    fn future_versions_are_valid_and_noted() {
        let ns = resolve_labels(
            labels(&[
                (ENFORCE_LABEL, "baseline"),
                (ENFORCE_VERSION_LABEL, "v1.99"),
            ]),
            &Policy::default(),
        );
        assert!(ns.errors.is_empty());
        assert_eq!(ns.policy.enforce.version, Version::V1(99));
        assert_eq!(
            ns.future_versions,
            [(ENFORCE_VERSION_LABEL, Version::V1(99))]
        );
        assert_eq!(
            ns.policy.warn.level,
            Level::Privileged,
            "warn does not follow enforce"
        );
    }
}
