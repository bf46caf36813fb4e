//! Locating the data in `../shared` beside the repository, shared by the
//! crates' integration tests. Included with `#[path]`.
//!
//! On a user's clone `../shared` is absent: tests that need it say so and
//! skip. In CI (`KUBEGUARD_REQUIRE_SHARED` set by `.ci/run`) its absence
//! fails the test, so those tests always run there.

use std::path::{Path, PathBuf};

/// `../shared/<path>` when it exists; otherwise `None` after printing a
/// visible skip (or failing, when `KUBEGUARD_REQUIRE_SHARED` is set).
pub fn shared(path: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(path);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("KUBEGUARD_REQUIRE_SHARED").is_none(),
        "../shared/{path} is required here but missing"
    );
    eprintln!("SKIPPED: ../shared/{path} not found (tests that need ../shared run in CI)");
    None
}
