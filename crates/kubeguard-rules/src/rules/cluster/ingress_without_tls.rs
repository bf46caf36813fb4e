use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags Ingresses (`networking.k8s.io` and `extensions`) that serve
    /// hosts without TLS: the Ingress has no `spec.tls` entry, or a rule's
    /// `host` is covered by no `spec.tls[].hosts` entry. A TLS host
    /// `*.example.com` covers `shop.example.com` (one label) but not
    /// `example.com`. A `spec.tls` entry without `hosts` applies to the
    /// controller's default host, so it covers every rule. A rule without a
    /// `host` is covered only by such an entry. The finding points at
    /// `spec` (or an empty `spec.tls`) when there is no TLS at all, else at
    /// the uncovered `host` or rule.
    ///
    /// ## Why it matters
    /// Traffic to a host without TLS travels in clear text between the
    /// client and the ingress controller: credentials, session cookies and
    /// data can be read and changed on the way. When TLS is terminated in
    /// front of the controller (a cloud load balancer holding the
    /// certificate), this finding can be suppressed for that Ingress.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   rules:
    ///   - host: shop.example.com
    ///     http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    /// spec:
    ///   tls:
    ///   - hosts: [shop.example.com]
    ///     secretName: shop-tls
    /// ```
    code: "KG206",
    name: "ingress-without-tls",
    severity: Low,
    summary: "Ingress serves a host without TLS",
    remediation: "Add a spec.tls entry whose hosts cover every rule host, with a certificate Secret (cert-manager can issue it).",
    kinds: &["Ingress"],
    references: ["NSA-CISA:network-separation", "MITRE:T1557"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if !matches!(obj.group(), "networking.k8s.io" | "extensions") {
        return;
    }
    let Some(spec) = obj.located().get("spec") else {
        return;
    };
    let tls: Vec<&Node> = spec
        .node
        .get("tls")
        .into_iter()
        .flat_map(Node::items)
        .collect();
    if tls.is_empty() {
        let at = spec.get("tls").unwrap_or(spec);
        cx.report(
            &at,
            "Ingress has no spec.tls: it serves its hosts over plain HTTP",
        );
        return;
    }
    if tls.iter().any(|entry| tls_hosts(entry).is_empty()) {
        return;
    }
    let covered: Vec<&str> = tls.iter().flat_map(|entry| tls_hosts(entry)).collect();
    let Some(rules) = spec.get("rules") else {
        return;
    };
    for rule in rules.items() {
        match rule.get("host") {
            Some(at) => {
                let host = at.node.scalar_text().unwrap_or_default();
                if !covered.iter().any(|tls_host| covers(tls_host, host)) {
                    cx.report(&at, format!("host {host:?} is in no spec.tls hosts: it is served over plain HTTP"));
                }
            }
            None => cx.report(
                &rule,
                "rule has no host and every spec.tls entry names hosts: it is served over plain HTTP",
            ),
        }
    }
}

/// The `hosts` of a `spec.tls` entry.
fn tls_hosts(entry: &Node) -> Vec<&str> {
    entry
        .get("hosts")
        .into_iter()
        .flat_map(Node::items)
        .filter_map(Node::as_str)
        .collect()
}

/// Whether a TLS host (possibly `*.domain`) covers a rule host; DNS names
/// compare without regard to case, and `*` stands for exactly one label.
fn covers(tls_host: &str, host: &str) -> bool {
    if tls_host.eq_ignore_ascii_case(host) {
        return true;
    }
    match (tls_host.strip_prefix("*."), host.split_once('.')) {
        (Some(domain), Some((label, rest))) => {
            !label.is_empty() && label != "*" && rest.eq_ignore_ascii_case(domain)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn wildcard_covers_one_label() {
        assert!(covers("shop.example.com", "SHOP.example.com"));
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.shop.example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
    }
}
