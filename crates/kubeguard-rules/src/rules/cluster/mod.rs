//! Cluster-wide rules: what is missing or wrong across objects, worked out
//! from the index, and single-object rules about cluster services.

use crate::rule::Rule;
use crate::scope::describe_namespace;
use crate::{ClusterCtx, Index, NamespaceInfo};

const GROUP: &str = "cluster";

mod ingress_without_tls;
mod istio_mtls_not_strict;
mod namespace_pss_privileged;
mod namespace_without_default_deny;
mod namespace_without_limit_range;
mod namespace_without_pss_label;
mod namespace_without_resource_quota;
mod nginx_ingress_snippet;
mod service_exposed;
mod service_external_ips;
mod workload_not_selected_by_networkpolicy;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[
    &namespace_without_default_deny::RULE,
    &workload_not_selected_by_networkpolicy::RULE,
    &namespace_without_pss_label::RULE,
    &namespace_pss_privileged::RULE,
    &namespace_without_resource_quota::RULE,
    &namespace_without_limit_range::RULE,
    &service_external_ips::RULE,
    &service_exposed::RULE,
    &ingress_without_tls::RULE,
    &nginx_ingress_snippet::RULE,
    &istio_mtls_not_strict::RULE,
];

// The Namespace label holding the level Pod Security admission enforces.
use kubeguard_pss::namespace::ENFORCE_LABEL;

/// Reports each namespace (declared or used) that lacks an object of kind
/// `what`, as `has` tells, at the namespace's anchor, saying `why` it matters.
fn report_missing(
    index: &Index,
    cx: &mut ClusterCtx<'_>,
    has: fn(&NamespaceInfo) -> bool,
    what: &str,
    why: &str,
) {
    for (name, ns) in index.namespaces() {
        if !has(ns)
            && let Some(at) = ns.anchor()
        {
            cx.report(
                at,
                format!("{} has no {what}: {why}", describe_namespace(name)),
            );
        }
    }
}
