use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags pod specs that set `hostAliases`, naming each host name and
    /// the address it is pinned to.
    ///
    /// ## Why it matters
    /// `hostAliases` writes entries into the pod's `/etc/hosts`, which the
    /// resolver consults before DNS: the names resolve to the addresses the
    /// manifest gives, whatever DNS says. Whoever can change the manifest
    /// can silently redirect the pod's traffic for an API, a registry or a
    /// database to another address, and the entries outlive the addresses
    /// they were written for.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostAliases:
    ///   - ip: 10.1.2.3
    ///     hostnames: [payments.example.com]
    /// ```
    ///
    /// ## How to fix
    /// Publish the name in DNS (a Service, an ExternalName Service or a
    /// record of the cluster's DNS) instead of pinning it in the pod.
    code: "KG028",
    name: "host-aliases",
    severity: Low,
    summary: "Pod overrides name resolution with hostAliases",
    remediation: "Remove spec.hostAliases and publish the names in DNS (a Service, an ExternalName Service or a DNS record).",
    kinds: WORKLOAD_KINDS,
    references: ["MITRE:T1557"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(aliases) = PodSpec::of(obj).and_then(|pod| pod.get("hostAliases")) else {
        return;
    };
    for entry in aliases.items() {
        let ip = entry
            .node
            .get("ip")
            .and_then(Node::scalar_text)
            .unwrap_or("");
        let names: Vec<&str> = entry
            .node
            .get("hostnames")
            .map(|h| h.items().filter_map(Node::scalar_text).collect())
            .unwrap_or_default();
        if names.is_empty() {
            continue;
        }
        cx.report(
            &entry,
            format!(
                "pod resolves {} to {ip} through /etc/hosts (hostAliases), bypassing DNS",
                names.join(", ")
            ),
        );
    }
}
