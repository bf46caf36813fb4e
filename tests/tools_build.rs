// The build-script half of the external-tool checks, included by the
// `build.rs` of every crate whose tests run a program the repository does
// not build (Chromium, Go, kubectl, the Helm renderer, ...).
//
// For each tool it runs the tool's version command; when that succeeds it
// sets `cfg(has_<name>)`. Tests that need the tool carry
// `#[cfg_attr(not(has_<name>), ignore = "needs <tool>: run scripts/install-tools.sh")]`,
// so where it is missing the test runner lists them as skipped (ignored),
// never as passed. With `KUBEGUARD_REQUIRE_TOOLS` set (CI, by `.ci/run`) a
// missing tool fails the build instead.
//
// Cargo reruns the script when a found tool's file changes, when
// `KUBEGUARD_REQUIRE_TOOLS` changes, and when `scripts/install-tools.sh`
// changes: that script touches itself whenever it installs something. A
// tool installed by other means is picked up after
// `touch scripts/install-tools.sh`.

/// A program tests need: the cfg it sets and how to ask for its version.
struct Tool {
    /// `cfg(has_<name>)` is set when the tool works.
    name: &'static str,
    /// The program (a bare name is looked up on `PATH`; a relative path is
    /// taken from the repository root) and its version arguments.
    command: &'static [&'static str],
    /// What it is, for the error when it is required but missing.
    what: &'static str,
}

/// Where `program` is: itself when absolute, under the repository root
/// when a relative path, else the first match on `PATH`.
fn resolve(repo: &std::path::Path, program: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(program);
    if path.is_absolute() {
        return path.is_file().then(|| path.to_owned());
    }
    if program.contains('/') {
        let p = repo.join(path);
        return p.is_file().then_some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Sets `cfg(has_<name>)` for each of `tools` that answers its version
/// command; fails when one does not and `KUBEGUARD_REQUIRE_TOOLS` is set.
fn tools(tools: &[Tool]) {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let repo = std::path::Path::new(&manifest_dir).join("../..");
    println!("cargo::rerun-if-env-changed=KUBEGUARD_REQUIRE_TOOLS");
    println!(
        "cargo::rerun-if-changed={}",
        repo.join("scripts/install-tools.sh").display()
    );
    let mut missing = Vec::new();
    for tool in tools {
        println!("cargo::rustc-check-cfg=cfg(has_{})", tool.name);
        let works = resolve(&repo, tool.command[0]).is_some_and(|program| {
            println!("cargo::rerun-if-changed={}", program.display());
            std::process::Command::new(&program)
                .args(&tool.command[1..])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        if works {
            println!("cargo::rustc-cfg=has_{}", tool.name);
        } else {
            missing.push(tool.what);
        }
    }
    if !missing.is_empty() && std::env::var_os("KUBEGUARD_REQUIRE_TOOLS").is_some() {
        eprintln!(
            "error: KUBEGUARD_REQUIRE_TOOLS is set but the tests' tools are missing: {}; \
             run scripts/install-tools.sh",
            missing.join(", ")
        );
        std::process::exit(1);
    }
}
