//! Image policy: allowed registries (prefix match on the normalised
//! reference), digests, and no `:latest` or untagged images.

use super::Findings;
use crate::policy::ImagePolicy;
use kubeguard_core::Object;
use kubeguard_core::workload::PodSpec;
use kubeguard_rules::image::{ImageRef, is_allowed};

/// Audit annotation key for image policy findings.
pub(crate) const AUDIT_KEY: &str = "image-policy";

/// Checks every container image of `obj` (a Pod or a workload).
pub(crate) fn check(policy: &ImagePolicy, obj: &Object, out: &mut Findings) {
    let Some(spec) = PodSpec::of(obj) else {
        return;
    };
    for c in spec.containers() {
        let Some(image) = c.image() else {
            continue;
        };
        for problem in problems(policy, image) {
            out.add(
                policy.action,
                AUDIT_KEY,
                format!(
                    "image policy: {} {:?} image {image:?}: {problem}",
                    container_word(c.kind),
                    c.name
                ),
            );
        }
    }
}

fn container_word(kind: kubeguard_core::workload::ContainerKind) -> &'static str {
    match kind {
        kubeguard_core::workload::ContainerKind::Init => "init container",
        kubeguard_core::workload::ContainerKind::Regular => "container",
        kubeguard_core::workload::ContainerKind::Ephemeral => "ephemeral container",
    }
}

/// What is wrong with `image` under `policy`.
pub(crate) fn problems(policy: &ImagePolicy, image: &str) -> Vec<String> {
    let r = ImageRef::parse(image);
    let mut out = Vec::new();
    if !policy.allowed_registries.is_empty() && !is_allowed(&r, &policy.allowed_registries) {
        out.push(format!(
            "{} is not from an allowed registry ({})",
            r.name(),
            policy.allowed_registries.join(", ")
        ));
    }
    if policy.require_digest && r.digest.is_none() {
        out.push("not pinned by digest (@sha256:...)".to_owned());
    }
    if policy.forbid_latest && r.digest.is_none() {
        match r.tag.as_deref() {
            None => out.push("untagged (runs :latest); use a version tag or a digest".to_owned()),
            Some("latest") => out.push("uses :latest; use a version tag or a digest".to_owned()),
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Action;

    fn policy(allowed: &[&str], digest: bool, latest: bool) -> ImagePolicy {
        ImagePolicy {
            allowed_registries: allowed.iter().map(|s| (*s).to_owned()).collect(),
            require_digest: digest,
            forbid_latest: latest,
            action: Action::Deny,
        }
    }

    #[test]
    fn table() {
        let digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let cases: &[(ImagePolicy, String, usize)] = &[
            (policy(&["nginx"], false, false), "nginx:1.25".into(), 0),
            (
                policy(&["docker.io/library/nginx"], false, false),
                "nginx".into(),
                0,
            ),
            (
                policy(&["ghcr.io/acme"], false, false),
                "nginx:1.25".into(),
                1,
            ),
            (
                policy(&["ghcr.io/acme"], false, false),
                "ghcr.io/acmecorp/x:1".into(),
                1,
            ),
            (
                policy(&["ghcr.io/acme"], false, false),
                "ghcr.io/acme/api:1".into(),
                0,
            ),
            (policy(&[], true, false), "nginx:1.25".into(), 1),
            (policy(&[], true, false), format!("nginx{digest}"), 0),
            (policy(&[], false, true), "nginx".into(), 1),
            (policy(&[], false, true), "nginx:latest".into(), 1),
            (policy(&[], false, true), "localhost:5000/app".into(), 1),
            (policy(&[], false, true), "localhost:5000/app:2".into(), 0),
            (policy(&[], false, true), format!("nginx:latest{digest}"), 0),
            (policy(&["quay.io"], true, true), "nginx:latest".into(), 3),
        ];
        for (p, image, n) in cases {
            assert_eq!(problems(p, image).len(), *n, "{image} under {p:?}");
        }
    }
}
