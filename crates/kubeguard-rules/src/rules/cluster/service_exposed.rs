use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags Services of `type: NodePort` and `type: LoadBalancer`. A
    /// LoadBalancer that sets `loadBalancerSourceRanges` is reported with
    /// the ranges it admits; one without is open to any address.
    ///
    /// ## Why it matters
    /// A NodePort Service opens its port on every node of the cluster, on
    /// every node address, outside NetworkPolicies that select only pods'
    /// peers by namespace and label. A LoadBalancer Service also asks the
    /// cloud provider for an address reachable from outside, usually from
    /// the internet. Either exposes the workload beyond the cluster, often
    /// by accident (a chart's default `type`).
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: LoadBalancer
    ///   ports: [{port: 80, targetPort: 8080}]
    /// ```
    ///
    /// ## How to fix
    /// Use `type: ClusterIP` behind an Ingress or Gateway that terminates
    /// TLS; where a LoadBalancer is needed, restrict it with
    /// `loadBalancerSourceRanges` or an internal load balancer annotation.
    code: "KG209",
    name: "service-exposed",
    severity: Low,
    summary: "Service is exposed outside the cluster (NodePort or LoadBalancer)",
    remediation: "Use type: ClusterIP behind an Ingress or Gateway; restrict a needed LoadBalancer with loadBalancerSourceRanges or make it internal.",
    kinds: &["Service"],
    references: ["NSA-CISA:network-separation", "MITRE:T1133"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.api_version != "v1" {
        return;
    }
    let Ok(at) = obj.located().lookup(&["spec", "type"]) else {
        return;
    };
    let message = match at.node.scalar_text() {
        Some("NodePort") => {
            "Service is of type NodePort: its port is open on every node of the cluster".to_owned()
        }
        Some("LoadBalancer") => {
            let ranges: Vec<&str> = obj
                .root
                .get_path(&["spec", "loadBalancerSourceRanges"])
                .map(|r| r.items().filter_map(Node::scalar_text).collect())
                .unwrap_or_default();
            if ranges.is_empty() {
                "Service is of type LoadBalancer with no loadBalancerSourceRanges: its load balancer admits any address, and its node port is open on every node".to_owned()
            } else {
                format!(
                    "Service is of type LoadBalancer, reachable from {} and on a node port of every node",
                    ranges.join(", ")
                )
            }
        }
        _ => return,
    };
    cx.report(&at, message);
}
