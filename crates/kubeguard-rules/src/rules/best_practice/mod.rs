//! Best-practice rules: resources, probes, images and where they come from,
//! secrets in the environment, service accounts, namespaces, risky
//! components and API versions Kubernetes no longer serves.

use super::workload::{describe, each_container};
use crate::Ctx;
use crate::image::ImageRef;
use crate::rule::Rule;
use kubeguard_core::workload::{Container, ContainerKind, PodSpec};
use kubeguard_core::{Located, Node, Object};

const GROUP: &str = "best-practice";

mod credential_value;
mod default_namespace;
mod default_service_account_used;
mod deprecated_service_account_field;
mod frozen_image_registry;
mod git_sync_code_injection;
pub(crate) mod hardcoded_secret_in_configmap;
pub(crate) mod hardcoded_secret_in_env;
mod image_pull_policy_not_always;
mod image_tag_not_pinned;
mod image_without_digest;
mod kubernetes_dashboard_deployed;
mod missing_cpu_limit;
mod missing_cpu_request;
mod missing_liveness_probe;
mod missing_memory_limit;
mod missing_memory_request;
mod missing_readiness_probe;
mod removed_api_version;
mod secret_as_env_var;
mod service_account_token_automount;
pub(crate) use service_account_token_automount::token_mount;
mod tiller_deployed;
mod untrusted_registry;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[
    &missing_cpu_request::RULE,
    &missing_cpu_limit::RULE,
    &missing_memory_request::RULE,
    &missing_memory_limit::RULE,
    &missing_liveness_probe::RULE,
    &missing_readiness_probe::RULE,
    &image_tag_not_pinned::RULE,
    &image_without_digest::RULE,
    &image_pull_policy_not_always::RULE,
    &untrusted_registry::RULE,
    &frozen_image_registry::RULE,
    &deprecated_service_account_field::RULE,
    &secret_as_env_var::RULE,
    &hardcoded_secret_in_env::RULE,
    &hardcoded_secret_in_configmap::RULE,
    &default_service_account_used::RULE,
    &service_account_token_automount::RULE,
    &default_namespace::RULE,
    &kubernetes_dashboard_deployed::RULE,
    &tiller_deployed::RULE,
    &git_sync_code_injection::RULE,
    &removed_api_version::RULE,
];

/// Workload kinds that run until stopped: every pod-bearing kind except the
/// run-to-completion ones (`Job`, `CronJob`).
const LONG_RUNNING_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "PodTemplate",
    "DeploymentConfig",
];

/// Reports init and regular containers (ephemeral containers cannot set
/// resources) that do not set `resources.<section>.<resource>`.
///
/// A container is covered when it sets the value itself, when it sets the
/// limit and the request is asked for (the API server copies a limit into a
/// missing request), or when the pod-level `spec.resources` sets it (the
/// pod's budget then bounds every container).
fn missing_resource(obj: &Object, cx: &mut Ctx<'_>, section: &str, resource: &str, what: &str) {
    let set = |at: Option<Located<'_>>| {
        let Some(resources) = at else { return false };
        let has = |s: &str| {
            resources
                .lookup(&[s, resource])
                .is_ok_and(|v| !v.node.is_null())
        };
        has(section) || (section == "requests" && has("limits"))
    };
    each_container(obj, |pod, c| {
        if c.kind == ContainerKind::Ephemeral
            || set(c.get("resources"))
            || set(pod.get("resources"))
        {
            return;
        }
        let at =
            c.at.lookup(&["resources", section, resource])
                .unwrap_or_else(|parent| parent);
        cx.report(
            &at,
            format!(
                "{} sets no {what} (resources.{section}.{resource})",
                describe(c)
            ),
        );
    });
}

/// Reports regular containers of long-running pods that have no `field`
/// probe. Init containers (sidecars included) and ephemeral containers need
/// none; pods with `restartPolicy: Never` or `OnFailure` run to completion.
fn missing_probe(obj: &Object, cx: &mut Ctx<'_>, field: &str, what: &str) {
    let Some(pod) = PodSpec::of(obj) else { return };
    let restart = pod.get("restartPolicy");
    if restart.is_some_and(|r| matches!(r.node.as_str(), Some("Never" | "OnFailure"))) {
        return;
    }
    for c in pod.containers() {
        if c.kind == ContainerKind::Regular && c.get(field).is_none_or(|p| p.node.is_null()) {
            cx.report(&c.at, format!("{} has no {what} ({field})", describe(&c)));
        }
    }
}

/// Calls `f` for each container of `obj` that names an image, with the
/// `image` field and the parsed reference.
fn each_image<'a>(
    obj: &'a Object,
    mut f: impl FnMut(&Container<'a>, &Located<'a>, &'a str, &ImageRef),
) {
    each_container(obj, |_, c| {
        let Some(at) = c.get("image") else { return };
        let Some(image) = at.node.as_str().filter(|i| !i.trim().is_empty()) else {
            return;
        };
        f(c, &at, image, &ImageRef::parse(image));
    });
}

/// Whether the image reference carries a digest (`@sha256:...`).
/// Whether `image` is pinned by a well-formed digest ([`digest_problem`]
/// finds nothing wrong with it).
fn has_digest(image: &ImageRef) -> bool {
    image
        .digest
        .as_deref()
        .is_some_and(|d| digest_problem(d).is_none())
}

/// What is wrong with the digest `digest` (after `@`), as the image
/// reference grammar of the container runtimes reads it: `None` when it is
/// `sha256`, `sha384` or `sha512` followed by 64, 96 or 128 lowercase hex
/// digits. A runtime refuses any other digest, so it pins nothing.
fn digest_problem(digest: &str) -> Option<String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Some("has no algorithm (sha256:...)".to_owned());
    };
    let Some(len) = (match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    }) else {
        return Some(format!("uses the unknown algorithm {algorithm:?}"));
    };
    if !hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Some("is not lowercase hex".to_owned());
    }
    if hex.len() != len {
        return Some(format!(
            "has {} hex digits where {algorithm} has {len}",
            hex.len()
        ));
    }
    None
}

/// Reports a workload that runs a known component, once: at the `image` of
/// its first container whose image `is_image` recognises, else at the first
/// label of a matching label set on the object or its pod template. Each of
/// `labels` is a set of `key: value` pairs that must all be present.
fn component_deployed(
    obj: &Object,
    cx: &mut Ctx<'_>,
    component: &str,
    is_image: fn(&ImageRef) -> bool,
    labels: &[&[(&str, &str)]],
) {
    let mut found = None;
    each_image(obj, |c, at, image, parsed| {
        if found.is_none() && is_image(parsed) {
            found = Some((
                at.clone(),
                format!("{} runs {component} (image {image:?})", describe(c)),
            ));
        }
    });
    if found.is_none() {
        let template = PodSpec::of(obj).and_then(|pod| pod.metadata);
        let metadata = [obj.located().get("metadata"), template];
        found = metadata.into_iter().flatten().find_map(|meta| {
            let meta_labels = meta.get("labels")?;
            let label = |key: &str| meta_labels.node.get(key).and_then(Node::scalar_text);
            let set = labels
                .iter()
                .find(|set| set.iter().all(|(k, v)| label(k) == Some(*v)))?;
            let at = meta_labels.get(set.first()?.0)?;
            let written: Vec<String> = set.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let message = format!(
                "workload is labelled as {component} ({})",
                written.join(", ")
            );
            Some((at, message))
        });
    }
    if let Some((at, message)) = found {
        cx.report(&at, message);
    }
}
