use super::{describe, each_image, has_digest};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags containers whose `imagePullPolicy` is not `Always`. When the
    /// field is unset, it is defaulted as the API server does: `Always` for an
    /// image with the `latest` tag or with neither tag nor digest,
    /// `IfNotPresent` otherwise (a version tag, or a digest without a tag).
    /// The message says whether the policy was written or defaulted. Images
    /// pinned by a well-formed digest are left alone: what runs cannot drift
    /// from what was pinned, whatever the node has cached.
    ///
    /// ## Why it matters
    /// With `IfNotPresent` or `Never`, the kubelet starts any image already on
    /// the node without asking the registry. A pod in any namespace can then
    /// run a private image another team pulled, without the pull secret, and
    /// a tag that moved in the registry keeps running its old content.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0   # defaults to IfNotPresent
    /// ```
    ///
    /// ## How to fix
    /// Set `imagePullPolicy: Always` (or enable the `AlwaysPullImages`
    /// admission plugin). With a digest, the pull only checks credentials and
    /// the manifest; cached layers are reused.
    code: "KG058",
    name: "image-pull-policy-not-always",
    severity: Low,
    summary: "Image pull policy is not Always",
    remediation: "Set imagePullPolicy: Always so the registry checks credentials on every pod start.",
    kinds: WORKLOAD_KINDS,
    references: ["MITRE:T1525"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_image(obj, |c, _, _, parsed| {
        if has_digest(parsed) {
            return;
        }
        match c.get("imagePullPolicy").filter(|p| !p.node.is_null()) {
            Some(at) => {
                let policy = at.node.scalar_text().unwrap_or("");
                if policy != "Always" {
                    cx.report(
                        &at,
                        format!("{} sets imagePullPolicy: {policy}, not Always", describe(c)),
                    );
                }
            }
            None => {
                let reason = match parsed.tag.as_deref() {
                    Some("latest") => return,
                    None if parsed.digest.is_none() => return,
                    Some(tag) => format!("its image has the tag {tag:?}"),
                    None => "its image has a malformed digest and no tag".to_owned(),
                };
                cx.report(
                    &c.at,
                    format!(
                        "{} sets no imagePullPolicy, which defaults to IfNotPresent because {reason}",
                        describe(c)
                    ),
                );
            }
        }
    });
}
