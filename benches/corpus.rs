//! The benchmark corpus shared by the crates' benches: generated once per
//! size into `target/bench-corpus-N` by `../shared/bench/gen-corpus.py`
//! (seed 1) and read into memory. Included with `#[path]`.

use std::path::Path;
use std::process::Command;

/// Names and texts of the corpus files of `files` files, sorted by name;
/// empty when `../shared` is not beside the repository.
pub fn load(files: usize) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let generator = root.join("../shared/bench/gen-corpus.py");
    if !generator.exists() {
        return Vec::new();
    }
    let out = root.join(format!("target/bench-corpus-{files}"));
    if !out.exists() {
        let status = Command::new("python3")
            .arg(&generator)
            .arg(&out)
            .args(["--files", &files.to_string(), "--seed", "1"])
            .status()
            .expect("python3 runs the corpus generator");
        assert!(status.success(), "gen-corpus.py failed");
    }
    let mut texts = Vec::new();
    let mut dirs = vec![out];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                texts.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    texts.sort();
    texts
}
