use super::{describe, each_image};
use crate::image::is_allowed;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// When the configuration lists allowed registries
    /// (`allowed_registries`), flags containers whose image does not come
    /// from one of them. Entries are registry hosts (`registry.example.com`)
    /// or image name prefixes (`ghcr.io/acme`), matched on whole path
    /// components against the normalised image name (`nginx` is
    /// `docker.io/library/nginx`). With no allowlist the rule is silent.
    ///
    /// ## Why it matters
    /// An image from an unvetted registry bypasses the scanning, signing and
    /// provenance controls of the trusted ones. Typosquatted and backdoored
    /// public images are a common way into clusters.
    ///
    /// ## Example
    /// ```yaml
    /// # allowed_registries: [registry.example.com]
    /// containers:
    /// - name: app
    ///   image: docker.io/someone/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Mirror the image into an allowed registry and use it from there, or
    /// add its registry to the allowlist after vetting it.
    code: "KG059",
    name: "untrusted-registry",
    severity: High,
    summary: "Image comes from a registry that is not allowed",
    remediation: "Pull the image from an allowed registry (mirror it there), or add its registry to allowed_registries after vetting it.",
    kinds: WORKLOAD_KINDS,
    references: ["CIS-5.5.1", "NSA-CISA:image-scanning", "MITRE:T1525"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let allowed = &cx.settings().allowed_registries;
    if allowed.is_empty() {
        return;
    }
    let mut found = Vec::new();
    each_image(obj, |c, at, image, parsed| {
        if !is_allowed(parsed, allowed) {
            let message = format!(
                "{} image {image:?} ({}) is not under any allowed registry or prefix",
                describe(c),
                parsed.name()
            );
            found.push((at.clone(), message));
        }
    });
    for (at, message) in found {
        cx.report(&at, message);
    }
}
