use super::host_path_volumes;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{Container, PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Node, Object};

/// Where container runtimes put their API sockets, with `/var/run` written
/// as `/run` (it is a link to `/run` on current distributions).
const SOCKETS: &[&str] = &[
    "/run/docker.sock",
    "/run/docker/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/cri-dockerd.sock",
    "/run/dockershim.sock",
    "/run/podman/podman.sock",
];

/// File names of runtime sockets, wherever they are.
const SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
    "podman.sock",
];

declare_rule! {
    /// ## What it does
    /// Flags `hostPath` volumes that expose a container runtime's API
    /// socket: a known socket path (`/var/run/docker.sock`,
    /// `/run/containerd/containerd.sock`, `/run/crio/crio.sock`,
    /// `/run/cri-dockerd.sock`, `/run/podman/podman.sock`, the k3s and
    /// dockershim sockets, each under `/run` or `/var/run`), any file named
    /// like one (`docker.sock`, `containerd.sock`, `crio.sock`, ...), or a
    /// directory that contains a known socket: `/`, `/var`, `/run`,
    /// `/var/run`, `/run/containerd`, `/run/crio`, `/run/docker` and so on.
    /// Paths are compared after removing `.`, `..`, repeated and trailing
    /// slashes.
    ///
    /// A directory that holds a socket is left to `hostpath-volume` when
    /// every container mounting it does so `readOnly` and runs as a non-root
    /// user (`runAsUser` above 0 or `runAsNonRoot: true`) outside group 0
    /// (`runAsGroup` not 0), as node exporters do with `/`: the sockets are
    /// owned by root with mode 0660, so such a container cannot connect to
    /// them. A socket mounted by itself is always reported: a read-only
    /// mount does not stop a connection to a socket.
    ///
    /// ## Why it matters
    /// The runtime socket is the node's container API: whoever can write to
    /// it starts a privileged container with the host's root filesystem
    /// mounted, which is root on the node, and can read or change every
    /// other container on it. Mounting a directory that holds the socket
    /// gives the same.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    /// - name: docker
    ///   hostPath:
    ///     path: /var/run/docker.sock
    /// ```
    ///
    /// ## How to fix
    /// Remove the volume. Build images with a daemonless builder (BuildKit
    /// rootless, kaniko, buildah) and read container data through the
    /// Kubernetes API or a metrics agent instead.
    code: "KG025",
    name: "docker-socket-mount",
    severity: Critical,
    summary: "Pod mounts the container runtime socket",
    remediation: "Remove the hostPath volume exposing the runtime socket; use a daemonless image builder or the Kubernetes API instead.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-path-volumes", "CIS-5.2.12", "NSA-CISA:pod-security", "MITRE:T1610", "MITRE:T1611"],
    check: Check::Object(&check),
}

/// `path` with `.`, `..`, repeated and trailing slashes resolved, and a
/// leading `/var/run` written as `/run`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.starts_with(&["var", "run"]) {
        parts.remove(0);
    }
    format!("/{}", parts.join("/"))
}

/// Whether directory `dir` (normalized) holds `socket` (under `/run`),
/// also through `/var/run`.
fn holds(dir: &str, socket: &str) -> bool {
    let inside = |full: &str| {
        dir == "/"
            || full
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    inside(socket) || inside(&format!("/var{socket}"))
}

/// What a host path exposes: a socket, or a directory holding one.
enum Exposes {
    Socket,
    Directory,
}

fn exposes(path: &str) -> Option<Exposes> {
    let path = normalize(path);
    let file = path.rsplit('/').next().unwrap_or("");
    if SOCKETS.contains(&path.as_str()) || SOCKET_NAMES.contains(&file) {
        Some(Exposes::Socket)
    } else if SOCKETS.iter().any(|s| holds(&path, s)) {
        Some(Exposes::Directory)
    } else {
        None
    }
}

/// Whether container `c` runs as a user and group that cannot connect to a
/// runtime socket owned by root with mode 0660.
fn runs_as_non_root(pod: &PodSpec<'_>, c: &Container<'_>) -> bool {
    let int = |keys: &[&str]| {
        pod.effective(c, keys)
            .and_then(|v| v.node.scalar_text()?.parse::<i64>().ok())
    };
    let non_root_user = int(&["runAsUser"]).map_or_else(
        || {
            pod.effective(c, &["runAsNonRoot"])
                .is_some_and(|v| v.node.is_true())
        },
        |uid| uid > 0,
    );
    non_root_user && int(&["runAsGroup"]) != Some(0)
}

/// Whether some container mounts volume `volume` and every one that does
/// mounts it `readOnly` and runs as a non-root user outside group 0.
fn only_read_by_non_root(pod: &PodSpec<'_>, volume: &str) -> bool {
    let mut mounted = false;
    for c in pod.containers() {
        let Some(list) = c.get("volumeMounts") else {
            continue;
        };
        for m in list.items() {
            if m.node.get("name").and_then(Node::as_str) != Some(volume) {
                continue;
            }
            mounted = true;
            if !m.node.get("readOnly").is_some_and(Node::is_true) || !runs_as_non_root(pod, &c) {
                return false;
            }
        }
    }
    mounted
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    for (name, host_path) in host_path_volumes(&pod) {
        let Some(at) = host_path.get("path") else {
            continue;
        };
        let Some(path) = at.node.scalar_text() else {
            continue;
        };
        let message = match exposes(path) {
            Some(Exposes::Socket) => {
                format!(
                    "volume {name:?} mounts the container runtime socket {path}: it controls every container on the node"
                )
            }
            Some(Exposes::Directory) if only_read_by_non_root(&pod, name) => continue,
            Some(Exposes::Directory) => format!(
                "volume {name:?} mounts {path}, which holds the container runtime socket: it controls every container on the node"
            ),
            None => continue,
        };
        cx.report(&at, message);
    }
}

#[cfg(test)]
mod tests {
    use super::{Exposes, exposes, normalize};

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize("/var/run/docker.sock"), "/run/docker.sock");
        assert_eq!(
            normalize("//var/./run/../run/docker.sock/"),
            "/run/docker.sock"
        );
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("/var/lib/../run"), "/run");
    }

    #[test]
    fn sockets_and_their_directories() {
        let socket = |p| matches!(exposes(p), Some(Exposes::Socket));
        let dir = |p| matches!(exposes(p), Some(Exposes::Directory));
        assert!(socket("/var/run/docker.sock") && socket("/run/containerd/containerd.sock"));
        assert!(socket("/var/run/crio/crio.sock") && socket("/opt/custom/docker.sock"));
        for d in [
            "/",
            "/var",
            "/run",
            "/var/run/",
            "/run/containerd",
            "/var/run/docker",
            "/run/k3s",
        ] {
            assert!(dir(d), "{d}");
        }
        for p in [
            "/var/log",
            "/var/lib/docker",
            "/run/secrets",
            "/etc",
            "/runner",
            "/var/running",
        ] {
            assert!(exposes(p).is_none(), "{p}");
        }
    }
}
