use super::{describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags each container port with a non-zero `hostPort`, in every
    /// container list. Pods with `hostNetwork: true`, for which the API
    /// server copies each `containerPort` into `hostPort`, are reported by
    /// `host-network` instead: only a `hostPort` written in the manifest is
    /// reported here.
    ///
    /// ## Why it matters
    /// A host port binds the node's own address: the pod is reachable from
    /// outside the cluster, bypassing Services and often NetworkPolicy, and
    /// only one such pod fits on each node. It also lets the pod take a port
    /// that a node service expects.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    /// - containerPort: 8080
    ///   hostPort: 80
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostPort` and expose the pod through a Service (NodePort or
    /// LoadBalancer if it must be reached from outside).
    code: "KG023",
    name: "host-port",
    severity: Medium,
    summary: "Container binds a port on the node",
    remediation: "Remove hostPort from the container port and expose the pod through a Service.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-ports", "CIS-5.2.13", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |_, c| {
        let Some(ports) = c.get("ports") else {
            return;
        };
        for port in ports.items() {
            let Some(at) = port.get("hostPort") else {
                continue;
            };
            let Some(host_port) = at.node.as_i64().filter(|p| *p != 0) else {
                continue;
            };
            let container_port = port
                .node
                .get("containerPort")
                .and_then(Node::scalar_text)
                .unwrap_or("?");
            cx.report(
                &at,
                format!("{} binds port {host_port} on the node (hostPort for containerPort {container_port})", describe(c)),
            );
        }
    });
}
