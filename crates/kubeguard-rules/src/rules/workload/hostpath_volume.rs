use super::host_path_volumes;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags each volume of the pod spec that is a `hostPath` volume,
    /// whether or not a container mounts it and whatever its `readOnly`
    /// mounts say; the node's root filesystem (`/`) is named as such. Runtime
    /// sockets among them are also reported by `docker-socket-mount`.
    ///
    /// ## Why it matters
    /// A `hostPath` volume exposes the node's filesystem to the pod. Writable,
    /// it is a direct escape (write a cron job, a systemd unit, an SSH key or
    /// a kubelet static pod); read-only, it still leaks the kubelet's
    /// credentials, other pods' secrets under `/var/lib/kubelet` and host
    /// logs. Even a read-only mount of a parent directory can be escalated
    /// through symlinks.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: host
    ///   hostPath:
    ///     path: /etc
    /// ```
    ///
    /// ## How to fix
    /// Use `emptyDir`, a ConfigMap, a Secret or a PersistentVolumeClaim
    /// instead. Node agents that truly need host files belong in a dedicated,
    /// tightly controlled namespace.
    code: "KG024",
    name: "hostpath-volume",
    severity: High,
    summary: "Pod mounts a directory of the node",
    remediation: "Replace the hostPath volume with emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-path-volumes", "PSS:restricted/volume-types", "CIS-5.2.12", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    for (name, host_path) in host_path_volumes(&pod) {
        let path = host_path
            .node
            .get("path")
            .and_then(Node::scalar_text)
            .unwrap_or("");
        let what = if !path.is_empty() && path.trim_matches('/').is_empty() {
            "root filesystem"
        } else {
            "path"
        };
        cx.report(
            &host_path,
            format!("volume {name:?} mounts the node's {what} {path:?} (hostPath)"),
        );
    }
}
