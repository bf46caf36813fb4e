use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags pod volumes of the in-tree `gitRepo` type. The finding names the
    /// volume, not the repository URL (which may carry credentials).
    ///
    /// Images of `git-sync` and other clone-in-a-container tools are not
    /// flagged: cloning inside a container, as an init container or sidecar
    /// into an `emptyDir`, is the replacement Kubernetes recommends.
    ///
    /// ## Why it matters
    /// The kubelet itself runs `git` as root on the node to fill a `gitRepo`
    /// volume. With a crafted repository, anyone who can create a pod runs
    /// commands on the node through git hooks (CVE-2024-10220, fixed in
    /// kubelet 1.28.12, 1.29.7 and 1.30.3) or reads git repositories of other
    /// pods on the node (CVE-2025-1767, unfixed in every version). The volume
    /// type is deprecated and its plugin is disabled by default from
    /// Kubernetes 1.33, so such pods also fail to start on current clusters.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: src
    ///   gitRepo:
    ///     repository: https://example.com/app.git
    /// ```
    ///
    /// ## How to fix
    /// Use an `emptyDir` volume and clone into it from an init container
    /// (`git clone`) or a `git-sync` sidecar that runs as non-root.
    code: "KG067",
    name: "git-sync-code-injection",
    severity: High,
    summary: "Pod uses a gitRepo volume",
    remediation: "Replace the gitRepo volume with an emptyDir filled by an init container (git clone) or a git-sync sidecar.",
    kinds: WORKLOAD_KINDS,
    references: ["CVE-2024-10220", "CVE-2025-1767", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else { return };
    for volume in pod.get("volumes").iter().flat_map(Located::items) {
        let Some(at) = volume.get("gitRepo").filter(|g| !g.node.is_null()) else {
            continue;
        };
        let name = volume
            .node
            .get("name")
            .and_then(Node::scalar_text)
            .unwrap_or("");
        cx.report(
            &at,
            format!(
                "volume {name:?} is a gitRepo volume: the kubelet clones it as root on the node, where a crafted repository runs commands (CVE-2024-10220)"
            ),
        );
    }
}
