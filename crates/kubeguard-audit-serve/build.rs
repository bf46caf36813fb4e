//! Sets `cfg(has_<tool>)` for each external program this crate's tests run
//! that is installed (see `tests/tools_build.rs`).

include!("../../tests/tools_build.rs");

fn main() {
    tools(&[
        Tool {
            name: "prometheus_alertmanager",
            command: &["prometheus-alertmanager", "--version"],
            what: "prometheus-alertmanager (Debian package), for the Alertmanager delivery test",
        },
        Tool {
            name: "nats_server",
            command: &["/usr/sbin/nats-server", "--version"],
            what: "nats-server (Debian package), for the NATS JetStream tests",
        },
    ]);
}
