use super::{describe, each_image, has_digest};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags containers whose image names neither a tag nor a digest (the
    /// runtime then pulls `:latest`) or uses the `latest` tag. An image pinned
    /// by digest is not flagged, whatever its tag: the runtime pulls by the
    /// digest and ignores the tag.
    ///
    /// ## Why it matters
    /// `latest` moves. The same manifest runs different code on different
    /// nodes and days, a rollback does not roll back, and whoever can push to
    /// the repository decides what runs in the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: nginx          # or nginx:latest
    /// ```
    ///
    /// ## How to fix
    /// Name a specific version, best also pinned by digest:
    /// `nginx:1.27.3@sha256:...`.
    code: "KG056",
    name: "image-tag-not-pinned",
    severity: Medium,
    summary: "Image uses no tag or the latest tag",
    remediation: "Use an explicit version tag, and pin the image by digest (image:tag@sha256:...).",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:image-scanning", "MITRE:T1525"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_image(obj, |c, at, image, parsed| {
        if has_digest(parsed) {
            return;
        }
        let problem = match parsed.tag.as_deref() {
            None => "has no tag, so it resolves to :latest",
            Some("latest") => "uses the latest tag",
            Some(_) => return,
        };
        cx.report(
            at,
            format!(
                "{} image {image:?} {problem}, which changes whenever the repository is pushed to",
                describe(c)
            ),
        );
    });
}
