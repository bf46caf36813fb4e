use super::component_deployed;
use crate::image::ImageRef;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Located, Node, Object};

declare_rule! {
    /// ## What it does
    /// Flags workloads that run Tiller, the server side of Helm v2: a
    /// container image whose repository's last component is `tiller`
    /// (`gcr.io/kubernetes-helm/tiller`, `ghcr.io/helm/tiller`, mirrors), or,
    /// failing that, the object or its pod template labelled `app: helm` and
    /// `name: tiller` as `helm init` deploys it. One finding per workload.
    /// A Service that fronts Tiller is flagged too (`helm init` creates
    /// `tiller-deploy`): one that exposes Tiller's gRPC port 44134, or
    /// selects or is labelled `app: helm` and `name: tiller`, also as an
    /// item of a `kind: List`.
    ///
    /// ## Why it matters
    /// Tiller listens on a gRPC port without authentication by default and
    /// usually runs with `cluster-admin`: any pod that can reach it can
    /// install anything, including a privileged pod on every node. Helm v2
    /// has been unsupported since 2020 and gets no security fixes.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: tiller
    ///   image: gcr.io/kubernetes-helm/tiller:v2.16.12
    /// ```
    ///
    /// ## How to fix
    /// Migrate the releases to Helm v3 (`helm-2to3`), which has no server
    /// component, then delete the Tiller deployment and its service account
    /// and bindings.
    code: "KG066",
    name: "tiller-deployed",
    severity: High,
    summary: "Helm v2 Tiller is deployed",
    remediation: "Migrate releases to Helm v3 (helm-2to3) and delete the Tiller deployment, its service account and its role bindings.",
    kinds: &TILLER_KINDS,
    references: ["MITRE:T1610", "MITRE:T1078"],
    check: Check::Object(&check),
}

/// The kinds that run Tiller (every workload kind), and the Service that
/// fronts it.
const TILLER_KINDS: [&str; WORKLOAD_KINDS.len() + 1] = {
    let mut kinds = ["Service"; WORKLOAD_KINDS.len() + 1];
    let mut i = 0;
    while i < WORKLOAD_KINDS.len() {
        kinds[i] = WORKLOAD_KINDS[i];
        i += 1;
    }
    kinds
};

/// Tiller's gRPC port.
const TILLER_PORT: i64 = 44134;

/// Whether the image is Tiller.
fn is_tiller(image: &ImageRef) -> bool {
    image.repository.rsplit('/').next() == Some("tiller")
}

/// `labels` when they are Tiller's (`app: helm`, `name: tiller`).
fn tiller(labels: Option<Located<'_>>) -> Option<Located<'_>> {
    labels.filter(|l| {
        let get = |k| l.node.get(k).and_then(Node::scalar_text);
        get("app") == Some("helm") && get("name") == Some("tiller")
    })
}

/// Reports a Service that fronts Tiller: by its port, else by the labels
/// it selects or carries.
fn check_service(obj: &Object, cx: &mut Ctx<'_>) {
    let root = obj.located();
    let port = root
        .lookup(&["spec", "ports"])
        .ok()
        .into_iter()
        .flat_map(|ports| ports.items().collect::<Vec<_>>())
        .find_map(|p| {
            ["port", "targetPort"]
                .into_iter()
                .filter_map(|k| p.get(k))
                .find(|v| v.node.as_i64() == Some(TILLER_PORT))
        });
    if let Some(at) = port {
        cx.report(
            &at,
            format!("Service exposes Helm v2 Tiller's gRPC port {TILLER_PORT}"),
        );
        return;
    }
    let selector = tiller(root.lookup(&["spec", "selector"]).ok());
    if let Some(at) = selector {
        cx.report(
            &at,
            "Service selects Helm v2 Tiller's pods (app: helm, name: tiller)",
        );
    } else if let Some(at) = tiller(root.lookup(&["metadata", "labels"]).ok()) {
        cx.report(
            &at,
            "Service is labelled as Helm v2 Tiller's (app: helm, name: tiller)",
        );
    }
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.kind == "Service" {
        if obj.api_version == "v1" {
            check_service(obj, cx);
        }
        return;
    }
    component_deployed(
        obj,
        cx,
        "Helm v2 Tiller",
        is_tiller,
        &[&[("app", "helm"), ("name", "tiller")]],
    );
}
