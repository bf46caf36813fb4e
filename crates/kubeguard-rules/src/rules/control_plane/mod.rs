//! Rules over control-plane static pods: one rule per CIS Kubernetes
//! Benchmark (v1.12) flag check of kube-apiserver (section 1.2, plus the
//! audit policy of 3.2.1), kube-controller-manager (1.3), kube-scheduler
//! (1.4), etcd (2) and the kubelet (4.2, as command-line flags only).
//!
//! The rules are table-driven: [`flags`] reads a container's command line
//! the way the component reads it, [`check`] holds the parameterised check
//! every rule runs, and each component's file declares its rules with
//! `flag_rules!`, which also writes their docs from the table's fields.

use crate::rule::Rule;
use kubeguard_core::workload::{Container, ContainerKind};

const GROUP: &str = "control-plane";

/// Declares the rules of one component: for each, a `static` [`Rule`]
/// whose check is a [`check::FlagCheck`] and whose docs are written from
/// its fields (each line starting with a space, as doc comment lines do),
/// and `RULES`, the list of them.
///
/// ```text
/// flag_rules! {
///     component: KUBE_APISERVER = "kube-apiserver";
///     note: "...";               // how it reads flags; ends every "What it does"
///     /// Why it matters (the doc comment).
///     ANONYMOUS_AUTH {
///         code: "KG300", name: "kube-apiserver-anonymous-auth", severity: High,
///         cis: "1.2.1", refs: ["MITRE:T1078"],   // both optional (legacy flags
///                                                // the benchmark dropped have no cis)
///         summary: "kube-apiserver accepts anonymous requests",
///         flag: "anonymous-auth", require: Require::Bool(false),
///         default: "true",                       // optional: absent means unset
///         file: File::None,                      // optional: else the component's
///         fails: "is not `false`",               // "Reports a container whose flag ..."
///         note: "...",                           // optional
///         example: "--anonymous-auth=true",      // a command item that fails
///         fix: "--anonymous-auth=false",         // optional: one that passes
///         remediation: "Run kube-apiserver with --anonymous-auth=false.",
///     }
/// }
/// ```
macro_rules! flag_rules {
    (
        component: $component:ident = $binary:literal;
        note: $note:literal;
        $(
            $(#[doc = $why:literal])*
            $rule:ident {
                code: $code:literal,
                name: $name:literal,
                severity: $severity:ident,
                $(cis: $cis:literal,)?
                $(refs: [$($reference:literal),* $(,)?],)?
                summary: $summary:literal,
                flag: $flag:literal,
                require: $require:expr,
                $(default: $default:literal,)?
                $(file: $file:expr,)?
                fails: $fails:literal,
                $(note: $rule_note:literal,)?
                example: $example:literal,
                $(fix: $fix:literal,)?
                remediation: $remediation:literal $(,)?
            }
        )*
    ) => {
        $(
            #[doc = concat!("`", $name, "`: ", $summary, ".")]
            pub(super) static $rule: $crate::Rule = $crate::Rule {
                meta: ::kubeguard_core::RuleMeta {
                    code: $code,
                    name: $name,
                    group: super::GROUP,
                    severity: ::kubeguard_core::Severity::$severity,
                    summary: $summary,
                    docs: concat!(
                        " ## What it does\n",
                        " Reports `", $binary, "` containers whose `--", $flag, "` flag ", $fails,
                        $(" (CIS Kubernetes Benchmark ", $cis, ")",)? ".",
                        $(" When the flag is absent, its default `", $default, "` applies.",)?
                        $(" ", $rule_note,)?
                        " ", $note,
                        "\n\n ## Why it matters\n",
                        $($why, "\n",)*
                        "\n ## Example\n ```yaml\n containers:\n - name: ", $binary,
                        "\n   command:\n   - ", $binary, "\n   - ", $example, "\n ```\n",
                        "\n ## How to fix\n ", $remediation, "\n",
                        $(" ```yaml\n   command:\n   - ", $binary, "\n   - ", $fix, "\n ```\n",)?
                    ),
                    remediation: $remediation,
                    kinds: ::kubeguard_core::workload::WORKLOAD_KINDS,
                    references: &[$(concat!("CIS-", $cis),)? $($($reference),*)?],
                },
                check: $crate::Check::Object(&super::check::FlagCheck {
                    component: &$component,
                    flag: $flag,
                    require: $require,
                    default: flag_rules!(@opt $($default)?),
                    file: flag_rules!(@opt $($file)?),
                }),
            };
        )*

        /// The rules of this component.
        pub(super) static RULES: &[&$crate::Rule] = &[$(&$rule),*];
    };
    (@opt) => { None };
    (@opt $value:expr) => { Some($value) };
}

mod check;
mod etcd;
mod flags;
mod kube_apiserver;
mod kube_controller_manager;
mod kube_scheduler;
mod kubelet;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &ALL;

/// The components' rules, joined at compile time.
static ALL: [&Rule; COUNT] = join([
    kube_apiserver::RULES,
    kube_controller_manager::RULES,
    kube_scheduler::RULES,
    etcd::RULES,
    kubelet::RULES,
]);

const COUNT: usize = kube_apiserver::RULES.len()
    + kube_controller_manager::RULES.len()
    + kube_scheduler::RULES.len()
    + etcd::RULES.len()
    + kubelet::RULES.len();

/// Concatenates the components' rule lists.
const fn join<const N: usize>(parts: [&[&'static Rule]; 5]) -> [&'static Rule; N] {
    let mut out = [parts[0][0]; N];
    let mut n = 0;
    let mut p = 0;
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[n] = parts[p][i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    out
}

/// `container "x"`, `init container "x"` or `ephemeral container "x"`.
fn describe(c: &Container<'_>) -> String {
    let kind = match c.kind {
        ContainerKind::Init => "init container",
        ContainerKind::Regular => "container",
        ContainerKind::Ephemeral => "ephemeral container",
    };
    format!("{kind} {:?}", c.name)
}
