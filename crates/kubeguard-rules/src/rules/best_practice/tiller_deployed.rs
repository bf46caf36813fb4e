use super::component_deployed;
use crate::image::ImageRef;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags workloads that run Tiller, the server side of Helm v2: a
    /// container image whose repository's last component is `tiller`
    /// (`gcr.io/kubernetes-helm/tiller`, `ghcr.io/helm/tiller`, mirrors), or,
    /// failing that, the object or its pod template labelled `app: helm` and
    /// `name: tiller` as `helm init` deploys it. One finding per workload.
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
    kinds: WORKLOAD_KINDS,
    references: ["MITRE:T1610", "MITRE:T1078"],
    check: Check::Object(&check),
}

/// Whether the image is Tiller.
fn is_tiller(image: &ImageRef) -> bool {
    image.repository.rsplit('/').next() == Some("tiller")
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    component_deployed(
        obj,
        cx,
        "Helm v2 Tiller",
        is_tiller,
        &[&[("app", "helm"), ("name", "tiller")]],
    );
}
