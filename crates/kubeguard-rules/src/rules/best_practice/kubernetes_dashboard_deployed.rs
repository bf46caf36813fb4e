use super::component_deployed;
use crate::image::ImageRef;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags workloads that run the Kubernetes Dashboard: a container image
    /// from the `kubernetesui` repositories (`kubernetesui/dashboard`,
    /// `kubernetesui/dashboard-api`, `-web`, `-auth`; the metrics scraper is
    /// not the dashboard) or named `kubernetes-dashboard` (the old
    /// `k8s.gcr.io/kubernetes-dashboard-amd64` and its architecture
    /// variants), from any registry or mirror; or, failing that, the object
    /// or its pod template labelled `k8s-app`, `app` or
    /// `app.kubernetes.io/name` `kubernetes-dashboard`. One finding per
    /// workload.
    ///
    /// ## Why it matters
    /// The Dashboard is a web UI that acts on the cluster with its own
    /// service account or the user's token. Exposed or over-privileged
    /// installs have been a classic way in (the 2018 Tesla cryptojacking
    /// started at an open Dashboard), and every install is one more
    /// internet-facing path to cluster credentials.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: kubernetes-dashboard
    ///   image: kubernetesui/dashboard:v2.7.0
    /// ```
    ///
    /// ## How to fix
    /// Remove the Dashboard; use `kubectl` or a client that runs with each
    /// user's own credentials. If it must stay, keep it off the internet,
    /// give its service account no permissions, and require login.
    code: "KG065",
    name: "kubernetes-dashboard-deployed",
    severity: Medium,
    summary: "Kubernetes Dashboard is deployed",
    remediation: "Remove the Kubernetes Dashboard, or keep it internal with a service account that has no permissions and login required.",
    kinds: WORKLOAD_KINDS,
    references: ["MITRE:T1133", "NSA-CISA:authentication-authorization"],
    check: Check::Object(&check),
}

/// Whether the image is a Kubernetes Dashboard component.
fn is_dashboard(image: &ImageRef) -> bool {
    let mut parts = image.repository.rsplit('/');
    let last = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    last.starts_with("kubernetes-dashboard")
        || (parent == "kubernetesui"
            && (last == "dashboard"
                || ["api", "web", "auth"]
                    .iter()
                    .any(|c| last.strip_prefix("dashboard-") == Some(c))))
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    component_deployed(
        obj,
        cx,
        "the Kubernetes Dashboard",
        is_dashboard,
        &[
            &[("k8s-app", "kubernetes-dashboard")],
            &[("app", "kubernetes-dashboard")],
            &[("app.kubernetes.io/name", "kubernetes-dashboard")],
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::is_dashboard;
    use crate::image::ImageRef;

    #[test]
    fn dashboard_images() {
        for image in [
            "kubernetesui/dashboard:v2.7.0",
            "docker.io/kubernetesui/dashboard-api:1.10.0",
            "registry.example.com/kubernetesui/dashboard-web:1.6.0",
            "k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1",
            "gcr.io/google_containers/kubernetes-dashboard-arm64:v1.8.3",
        ] {
            assert!(is_dashboard(&ImageRef::parse(image)), "{image}");
        }
        for image in [
            "kubernetesui/metrics-scraper:v1.0.8",
            "kubernetesui/dashboard-metrics-scraper:1.2.1",
            "grafana/grafana:11.0.0",
            "example/dashboard:1.0",
        ] {
            assert!(!is_dashboard(&ImageRef::parse(image)), "{image}");
        }
    }
}
