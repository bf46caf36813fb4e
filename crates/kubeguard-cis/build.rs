//! Sets `cfg(shared_data)` when kube-bench's benchmark definitions are
//! beside the repository (see `tests/shared_data_build.rs`).

include!("../../tests/shared_data_build.rs");

fn main() {
    shared_data(&["corpus/kube-bench-cfg"]);
}
