//! How a rule is declared and what its check receives.

use crate::context::{ClusterCtx, Ctx};
use crate::index::Index;
use kubeguard_core::{Object, RuleMeta};

/// A check over one object at a time.
pub trait ObjectCheck: Sync {
    /// Reports findings about `obj` through `cx`.
    fn check(&self, obj: &Object, cx: &mut Ctx<'_>);
}

impl<F> ObjectCheck for F
where
    F: Fn(&Object, &mut Ctx<'_>) + Sync,
{
    fn check(&self, obj: &Object, cx: &mut Ctx<'_>) {
        self(obj, cx);
    }
}

/// What a rule looks at.
pub enum Check {
    /// One object at a time (the engine filters by [`RuleMeta::kinds`]).
    Object(&'static dyn ObjectCheck),
    /// The index of all objects, once per scan.
    Cluster(fn(&Index, &mut ClusterCtx<'_>)),
}

/// A rule: its metadata and its check.
pub struct Rule {
    /// Code, name, severity, docs, remediation, kinds, references.
    pub meta: RuleMeta,
    /// The check.
    pub check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// Declares a rule as a `static RULE`, taking its docs from the doc comment.
///
/// ```text
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     code: "KG001", name: "privileged-container", severity: Critical,
///     summary: "Container runs privileged",
///     remediation: "Set securityContext.privileged to false.",
///     kinds: WORKLOAD_KINDS, references: ["PSS:baseline/privileged"],
///     check: Check::Object(&check),
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        code: $code:literal,
        name: $name:literal,
        severity: $severity:ident,
        summary: $summary:literal,
        remediation: $remediation:literal,
        kinds: $kinds:expr,
        references: [$($reference:literal),* $(,)?],
        check: $check:expr $(,)?
    ) => {
        /// The rule declared in this file.
        pub(crate) static RULE: $crate::Rule = $crate::Rule {
            meta: ::kubeguard_core::RuleMeta {
                code: $code,
                name: $name,
                group: super::GROUP,
                severity: ::kubeguard_core::Severity::$severity,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
                remediation: $remediation,
                kinds: $kinds,
                references: &[$($reference),*],
            },
            check: $check,
        };
    };
}
