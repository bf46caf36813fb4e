use super::{describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{Container, PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags pod volumes of the in-tree `gitRepo` type. The finding names the
    /// volume, not the repository URL (which may carry credentials).
    ///
    /// Images of `git-sync` and other clone-in-a-container tools are not
    /// flagged: cloning inside a container, as an init container or sidecar
    /// into an `emptyDir`, is the replacement Kubernetes recommends. A
    /// container that points git-sync at another git binary (`GITSYNC_GIT`,
    /// `GIT_SYNC_GIT` or `--git`) on a volume it mounts writable is flagged:
    /// whatever can write there, the synced content included, chooses the
    /// program git-sync runs.
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
    each_container(obj, |_, c| {
        let Some((at, path)) = git_binary(c) else {
            return;
        };
        if let Some((volume, mount_path)) = writable_mount(c, &path) {
            cx.report(
                &at,
                format!(
                    "{} runs git-sync with the git binary {path:?}, on volume {volume:?} mounted writable at {mount_path}: whatever writes there chooses what git-sync runs",
                    describe(c)
                ),
            );
        }
    });
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

/// The git binary a git-sync container is told to run instead of its own:
/// `GITSYNC_GIT` or `GIT_SYNC_GIT` in `env`, or `--git PATH` / `--git=PATH`
/// in `args` or `command`; with where it is written.
fn git_binary<'a>(c: &Container<'a>) -> Option<(Located<'a>, String)> {
    for item in c.get("env").iter().flat_map(Located::items) {
        let name = item.node.get("name").and_then(Node::as_str);
        if matches!(name, Some("GITSYNC_GIT" | "GIT_SYNC_GIT"))
            && let Some(value) = item.get("value")
            && let Some(path) = value.node.scalar_text()
        {
            return Some((value.clone(), path.to_owned()));
        }
    }
    for key in ["args", "command"] {
        let items: Vec<Located<'a>> = c.get(key).iter().flat_map(Located::items).collect();
        for (i, item) in items.iter().enumerate() {
            let text = item.node.scalar_text().unwrap_or("");
            if let Some(path) = text.strip_prefix("--git=") {
                return Some((item.clone(), path.to_owned()));
            }
            if text == "--git"
                && let Some(next) = items.get(i + 1)
                && let Some(path) = next.node.scalar_text()
            {
                return Some((next.clone(), path.to_owned()));
            }
        }
    }
    None
}

/// The volume and mount path of a mount of `c` that is not read-only and
/// holds `path`.
fn writable_mount(c: &Container<'_>, path: &str) -> Option<(String, String)> {
    c.get("volumeMounts")
        .iter()
        .flat_map(Located::items)
        .filter(|m| !m.node.get("readOnly").is_some_and(Node::is_true))
        .find_map(|m| {
            let mount = m.node.get("mountPath").and_then(Node::as_str)?;
            let dir = mount.trim_end_matches('/');
            let inside = path == dir || path.starts_with(&format!("{dir}/"));
            inside.then(|| {
                let volume = m.node.get("name").and_then(Node::as_str).unwrap_or("");
                (volume.to_owned(), mount.to_owned())
            })
        })
}
