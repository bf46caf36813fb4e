use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags Ingress annotations that put raw configuration into the NGINX
    /// ingress controllers, and annotations with a known injection flaw
    /// whose value can inject configuration:
    ///
    /// - snippets, whatever their value: ingress-nginx's
    ///   `server-snippet`, `configuration-snippet`, `stream-snippet`,
    ///   `auth-snippet` and `modsecurity-snippet`
    ///   (`nginx.ingress.kubernetes.io/`), and NGINX Inc.'s
    ///   `nginx.org/server-snippets` and `nginx.org/location-snippets`
    ///   (CVE-2021-25742, CVE-2023-5043);
    /// - `auth-url` (CVE-2025-24514), `auth-tls-match-cn` (CVE-2025-1097),
    ///   `mirror-target` and `mirror-host` (CVE-2025-1098) and
    ///   `permanent-redirect` (CVE-2023-5044), when the value holds a
    ///   character that ends or opens an NGINX directive or string
    ///   (`;`, `{`, `}`, `#`, a quote, a line break).
    ///
    /// The finding points at the annotation.
    ///
    /// ## Why it matters
    /// The controller writes these values into its NGINX configuration.
    /// Configuration chosen by whoever can create an Ingress runs in the
    /// controller, which in a default install can read every Secret in the
    /// cluster; the same flaws were the way in of the 2025
    /// "IngressNightmare" attacks (CVE-2025-1974).
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/configuration-snippet: |
    ///       more_set_headers "X-Frame-Options: DENY";
    /// ```
    ///
    /// ## How to fix
    /// Use the dedicated annotation or controller setting for the feature;
    /// keep `allow-snippet-annotations: "false"` (the default since
    /// ingress-nginx 1.9) and upgrade the controller to a release with
    /// annotation validation.
    code: "KG207",
    name: "nginx-ingress-snippet",
    severity: High,
    summary: "Ingress injects raw NGINX configuration through an annotation",
    remediation: "Remove the snippet or unsafe annotation value, use a dedicated annotation or controller setting instead, and keep allow-snippet-annotations disabled.",
    kinds: &["Ingress"],
    references: ["CVE-2021-25742", "CVE-2023-5043", "CVE-2023-5044", "CVE-2025-1097", "CVE-2025-1098", "CVE-2025-24514", "CVE-2025-1974", "MITRE:T1190"],
    check: Check::Object(&check),
}

const INGRESS_NGINX: &str = "nginx.ingress.kubernetes.io/";

/// ingress-nginx snippet annotations (after the prefix).
const SNIPPETS: &[&str] = &[
    "server-snippet",
    "configuration-snippet",
    "stream-snippet",
    "auth-snippet",
    "modsecurity-snippet",
];

/// NGINX Inc. controller snippet annotations.
const NGINX_ORG_SNIPPETS: &[&str] = &["nginx.org/server-snippets", "nginx.org/location-snippets"];

/// ingress-nginx annotations (after the prefix) with a configuration
/// injection flaw, and its CVE.
const INJECTABLE: &[(&str, &str)] = &[
    ("auth-url", "CVE-2025-24514"),
    ("auth-tls-match-cn", "CVE-2025-1097"),
    ("mirror-target", "CVE-2025-1098"),
    ("mirror-host", "CVE-2025-1098"),
    ("permanent-redirect", "CVE-2023-5044"),
];

/// Characters that end or open an NGINX directive, block or string.
const NGINX_SYNTAX: &[char] = &[';', '{', '}', '#', '"', '\'', '\n', '\r'];

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if !matches!(obj.group(), "networking.k8s.io" | "extensions") {
        return;
    }
    let Ok(annotations) = obj.located().lookup(&["metadata", "annotations"]) else {
        return;
    };
    for (key, at) in annotations.entries() {
        let short = key.strip_prefix(INGRESS_NGINX);
        if short.is_some_and(|s| SNIPPETS.contains(&s)) || NGINX_ORG_SNIPPETS.contains(&key) {
            cx.report(
                &at,
                format!("annotation {key} writes raw configuration into the NGINX controller, which in a default install can read every Secret in the cluster"),
            );
        } else if let Some((_, cve)) = INJECTABLE.iter().find(|(name, _)| short == Some(*name))
            && at
                .node
                .scalar_text()
                .is_some_and(|v| v.contains(NGINX_SYNTAX))
        {
            cx.report(
                    &at,
                    format!("annotation {key} holds NGINX syntax (; {{ }} # quotes or line breaks): configuration injection, {cve}"),
                );
        }
    }
}
