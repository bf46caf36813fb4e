use super::{describe, each_image};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

/// Registries that were frozen: they serve what they held and receive no
/// new images, so no security fix.
const FROZEN: &[(&str, &str)] = &[("k8s.gcr.io", "registry.k8s.io")];

declare_rule! {
    /// ## What it does
    /// Flags containers whose image comes from a frozen registry:
    /// `k8s.gcr.io`, which the Kubernetes project froze in April 2023 in
    /// favour of `registry.k8s.io`.
    ///
    /// ## Why it matters
    /// A frozen registry receives no new image: no patch release of the
    /// components it held, so no fix for their vulnerabilities, and it may
    /// stop serving at any time, leaving pods unable to start on new nodes.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: metrics-server
    ///   image: k8s.gcr.io/metrics-server/metrics-server:v0.6.1
    /// ```
    ///
    /// ## How to fix
    /// Pull the same image from `registry.k8s.io` (the paths are the same),
    /// and move to a current release.
    code: "KG069",
    name: "frozen-image-registry",
    severity: Low,
    summary: "Image comes from the frozen k8s.gcr.io registry",
    remediation: "Pull the image from registry.k8s.io (same path) and move to a current release.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:image-scanning"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    each_image(obj, |c, at, image, parsed| {
        if let Some((frozen, successor)) = FROZEN.iter().find(|(r, _)| parsed.registry == *r) {
            found.push((
                at.clone(),
                format!(
                    "{} image {image:?} comes from {frozen}, frozen since April 2023 (no new images or fixes): use {successor}",
                    describe(c)
                ),
            ));
        }
    });
    for (at, message) in found {
        cx.report(&at, message);
    }
}
