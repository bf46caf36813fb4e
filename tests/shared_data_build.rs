// The build-script half of `shared_data.rs`, included by the `build.rs` of
// every crate whose tests read `../shared` beside the repository.
//
// When every path the crate's tests read is there, it sets
// `cfg(shared_data)`; tests that need the data carry
// `#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]`,
// so on a clone without `../shared` the test runner lists them as skipped
// (ignored), never as passed. With `KUBEGUARD_REQUIRE_SHARED` set (CI, by
// `.ci/run`) a missing path fails the build instead.
//
// Cargo reruns the script when a watched path changes or disappears and
// when `KUBEGUARD_REQUIRE_SHARED` changes. A path that is missing is not
// watched (Cargo would rerun the script, and rebuild the crate, on every
// build), so after adding `../shared` to a clone that built without it,
// run once with `KUBEGUARD_REQUIRE_SHARED=1` to pick it up.

/// Sets `cfg(shared_data)` when `../shared/<path>` exists for every one of
/// `paths`; fails when one is missing and `KUBEGUARD_REQUIRE_SHARED` is set.
fn shared_data(paths: &[&str]) {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    println!("cargo::rerun-if-env-changed=KUBEGUARD_REQUIRE_SHARED");
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let shared = std::path::Path::new(&manifest_dir).join("../../../shared");
    let mut missing = Vec::new();
    for path in paths {
        let p = shared.join(path);
        if p.exists() {
            println!("cargo::rerun-if-changed={}", p.display());
        } else {
            missing.push(format!("../shared/{path}"));
        }
    }
    if missing.is_empty() {
        println!("cargo::rustc-cfg=shared_data");
        return;
    }
    if std::env::var_os("KUBEGUARD_REQUIRE_SHARED").is_some() {
        eprintln!(
            "error: KUBEGUARD_REQUIRE_SHARED is set but {} missing beside the repository ({}); \
             CI needs ../shared checked out next to the repository",
            if missing.len() == 1 { "this is" } else { "these are" },
            missing.join(", ")
        );
        std::process::exit(1);
    }
}
