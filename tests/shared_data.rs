//! Locating the data in `../shared` beside the repository, shared by the
//! crates' integration tests. Included with `#[path]`.
//!
//! A test that calls [`shared`] carries
//! `#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]`:
//! the crate's build script (`shared_data_build.rs`) sets `cfg(shared_data)`
//! only when the data is there, so on a user's clone without `../shared`
//! the runner reports those tests as skipped. In CI (`KUBEGUARD_REQUIRE_SHARED`
//! set by `.ci/run`) a missing `../shared` fails the build.

use std::path::{Path, PathBuf};

/// `../shared/<path>`; fails the test when it is missing (run anyway with
/// `--ignored` or `--run-ignored`).
pub fn shared(path: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(path);
    assert!(
        p.exists(),
        "../shared/{path} is missing: this test needs ../shared beside the repository"
    );
    p
}
