use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags Services with a non-empty `spec.externalIPs`. The finding
    /// points at `spec.externalIPs`.
    ///
    /// ## Why it matters
    /// kube-proxy sends traffic for every IP in `externalIPs` to the
    /// Service, on every node, whatever the IP is: whoever can create a
    /// Service can capture traffic meant for any address, inside or
    /// outside the cluster (CVE-2020-8554, which has no fix in Kubernetes
    /// itself). Legitimate uses are rare.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   externalIPs: ["203.0.113.10"]
    /// ```
    ///
    /// ## How to fix
    /// Use a `LoadBalancer` or `NodePort` Service instead, and block
    /// `externalIPs` cluster-wide with the `DenyServiceExternalIPs`
    /// admission plugin or an admission policy.
    code: "KG205",
    name: "service-external-ips",
    severity: Medium,
    summary: "Service sets externalIPs",
    remediation: "Remove spec.externalIPs and expose the Service as LoadBalancer or NodePort; enable the DenyServiceExternalIPs admission plugin.",
    kinds: &["Service"],
    references: ["CVE-2020-8554", "NSA-CISA:network-separation", "MITRE:T1557"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.api_version != "v1" {
        return;
    }
    let Ok(at) = obj.located().lookup(&["spec", "externalIPs"]) else {
        return;
    };
    let ips: Vec<&str> = at.node.items().filter_map(Node::scalar_text).collect();
    if !ips.is_empty() {
        cx.report(
            &at,
            format!(
                "Service sets externalIPs {}: every node sends traffic for these addresses to it",
                ips.join(", ")
            ),
        );
    }
}
