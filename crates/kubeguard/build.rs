//! Sets `cfg(shared_data)` when the data this crate's tests read from
//! `../shared` is beside the repository (see `tests/shared_data_build.rs`),
//! and `cfg(has_<tool>)` for each external program its tests run that is
//! installed (see `tests/tools_build.rs`).

include!("../../tests/shared_data_build.rs");
include!("../../tests/tools_build.rs");

fn main() {
    shared_data(&["schemas/sarif-schema-2.1.0.json"]);
    tools(&[
        Tool {
            name: "chromium",
            command: &["chromium", "--version"],
            what: "chromium (Debian package), for the HTML report tests",
        },
        Tool {
            name: "helm_renderer",
            command: &["scripts/helm-template", "version"],
            what: "the helm-python-sdk renderer behind scripts/helm-template",
        },
        Tool {
            name: "kubectl",
            command: &["kubectl", "version", "--client"],
            what: "kubectl (Debian package), for `kubectl kustomize`",
        },
        Tool {
            name: "go_1_19",
            command: &["/usr/lib/go-1.19/bin/go", "version"],
            what: "Go 1.19 (Debian package golang-1.19-go), for the webhook TLS test",
        },
        Tool {
            name: "script",
            command: &["script", "--version"],
            what: "script(1) (util-linux), for the terminal progress test",
        },
        Tool {
            name: "nats_server",
            command: &["/usr/sbin/nats-server", "--version"],
            what: "nats-server (Debian package), for the audit scale-out test",
        },
    ]);
}
