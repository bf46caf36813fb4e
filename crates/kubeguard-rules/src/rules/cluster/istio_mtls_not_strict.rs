use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Located, Object};

declare_rule! {
    /// ## What it does
    /// Flags Istio PeerAuthentications (`security.istio.io/v1` and
    /// `v1beta1`) that accept plain-text traffic:
    ///
    /// - `spec.mtls.mode` or a `spec.portLevelMtls` entry's `mode` set to
    ///   `PERMISSIVE` or `DISABLE` (or any value other than `STRICT` and
    ///   `UNSET`);
    /// - a policy without a `selector` (mesh-wide in the root namespace,
    ///   else namespace-wide) whose mode is `UNSET` or missing: it inherits
    ///   from the mesh-wide policy, and Istio's default is `PERMISSIVE`.
    ///
    /// A workload policy (with a `selector`) whose mode is `UNSET` or
    /// missing inherits its namespace's policy, which is checked on its
    /// own, and is not flagged. The finding points at the `mode` key, or
    /// at its nearest parent when missing.
    ///
    /// ## Why it matters
    /// Outside `STRICT` mode, sidecars accept plain-text connections: any
    /// pod, in the mesh or not, can reach the workload without a client
    /// certificate, so authorization policies based on peer identity no
    /// longer hold and traffic can be read on the wire.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: default, namespace: shop}
    /// spec:
    ///   mtls: {mode: PERMISSIVE}
    /// ```
    ///
    /// ## How to fix
    /// Set `mode: STRICT` once every client has a sidecar; keep port-level
    /// exceptions to the ports that need them (health checks from outside
    /// the mesh).
    code: "KG208",
    name: "istio-mtls-not-strict",
    severity: Medium,
    summary: "Istio PeerAuthentication accepts plain-text traffic",
    remediation: "Set spec.mtls.mode to STRICT and remove PERMISSIVE or DISABLE port-level exceptions that are not needed.",
    kinds: &["PeerAuthentication"],
    references: ["NSA-CISA:network-separation", "MITRE:T1557"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.group() != "security.istio.io" {
        return;
    }
    let root = obj.located();
    let spec = root.get("spec");
    let workload = spec.as_ref().and_then(|s| s.get("selector")).is_some();
    match root.lookup(&["spec", "mtls", "mode"]) {
        Ok(at) => match mode(&at) {
            "STRICT" => {}
            "UNSET" if workload => {}
            "UNSET" => cx.report(&at, INHERITS),
            other => cx.report(
                &at,
                format!("mTLS mode {other:?} accepts plain-text traffic"),
            ),
        },
        Err(_) if workload => {}
        Err(parent) => cx.report(&parent, INHERITS),
    }
    let Some(ports) = spec.and_then(|s| s.get("portLevelMtls")) else {
        return;
    };
    for (port, entry) in ports.entries() {
        if let Some(at) = entry.get("mode")
            && !matches!(mode(&at), "STRICT" | "UNSET")
        {
            cx.report(
                &at,
                format!(
                    "mTLS mode {:?} on port {port} accepts plain-text traffic",
                    mode(&at)
                ),
            );
        }
    }
}

/// A `mode` value; `UNSET` when null.
fn mode<'a>(at: &Located<'a>) -> &'a str {
    at.node.scalar_text().unwrap_or("UNSET")
}

/// The message for a selector-less policy without a mode.
const INHERITS: &str = "policy without a selector leaves the mTLS mode unset: it inherits the mesh-wide mode, PERMISSIVE unless a mesh-wide policy is STRICT";
