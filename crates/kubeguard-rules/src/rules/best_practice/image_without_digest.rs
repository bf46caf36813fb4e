use super::{describe, digest_problem, each_image, has_digest};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags containers whose image is not pinned by digest
    /// (`@sha256:...`), or whose digest is malformed: an algorithm other
    /// than `sha256`, `sha384` or `sha512`, or other than 64, 96 or 128
    /// lowercase hex digits. Container runtimes refuse such a reference, so
    /// it pins nothing; the other image rules treat it as no digest.
    ///
    /// ## Why it matters
    /// Tags are mutable: whoever can push to the repository (or compromises
    /// the registry) can point `1.0` at other content, and the next pull runs
    /// it. A digest names exactly one image; what was scanned and signed is
    /// what runs.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Append the digest of the image you tested:
    /// `registry.example.com/app:1.0@sha256:<digest>` (keep the tag for
    /// readability; the digest wins).
    code: "KG057",
    name: "image-without-digest",
    severity: Low,
    summary: "Image is not pinned by digest",
    remediation: "Pin the image by digest (image:tag@sha256:...); tools such as crane or skopeo print the digest of a tag.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:image-scanning", "MITRE:T1525"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_image(obj, |c, at, image, parsed| {
        if let Some(problem) = parsed.digest.as_deref().and_then(digest_problem) {
            cx.report(
                at,
                format!(
                    "{} image {image:?} has a malformed digest that {problem}: container runtimes refuse it, so it pins nothing",
                    describe(c)
                ),
            );
        } else if !has_digest(parsed) {
            cx.report(
                at,
                format!(
                    "{} image {image:?} is not pinned by digest (@sha256:...)",
                    describe(c)
                ),
            );
        }
    });
}
