//! Sets `cfg(shared_data)` when the data this crate's tests read from
//! `../shared` is beside the repository (see `tests/shared_data_build.rs`).

include!("../../tests/shared_data_build.rs");

fn main() {
    shared_data(&["corpus/falco-k8saudit/k8s_audit_rules.yaml"]);
}
