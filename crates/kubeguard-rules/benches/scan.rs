//! Scan throughput on a realistic corpus from `../shared/bench/gen-corpus.py`
//! (200 files, about 630 objects, seed 1): parsing alone, and parsing plus
//! every rule, so the share of time spent in rules is visible.
//!
//! Run with `cargo bench -p kubeguard-rules --bench scan`. Whole-binary
//! comparisons against peer tools are in `scripts/bench-peers.sh`.

use divan::Bencher;
use divan::counter::ItemsCount;
use kubeguard_core::Source;
use kubeguard_load::load_source;
use kubeguard_rules::{Engine, Selection, Settings};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn main() {
    if corpus().is_empty() {
        eprintln!(
            "SKIPPED: ../shared/bench/gen-corpus.py not found; benchmarks need ../shared beside the repo"
        );
        return;
    }
    divan::main();
}

/// The corpus files' names and texts, generated once into the target dir.
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let generator = root.join("../shared/bench/gen-corpus.py");
        if !generator.exists() {
            return Vec::new();
        }
        let out: PathBuf = root.join("target/bench-corpus-200");
        if !out.exists() {
            let status = Command::new("python3")
                .arg(&generator)
                .arg(&out)
                .args(["--files", "200", "--seed", "1"])
                .status()
                .expect("python3 runs the corpus generator");
            assert!(status.success(), "gen-corpus.py failed");
        }
        let mut files = Vec::new();
        let mut dirs = vec![out];
        while let Some(dir) = dirs.pop() {
            for path in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()) {
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.push((path.display().to_string(), text));
                }
            }
        }
        files.sort();
        files
    })
}

fn object_count() -> usize {
    corpus()
        .iter()
        .map(|(n, t)| load_source(Source::new(n.clone(), t.clone())).objects.len())
        .sum()
}

#[divan::bench]
fn parse(bencher: Bencher) {
    bencher.counter(ItemsCount::new(object_count())).bench(|| {
        corpus()
            .iter()
            .map(|(n, t)| load_source(Source::new(n.clone(), t.clone())).objects.len())
            .sum::<usize>()
    });
}

#[divan::bench]
fn parse_and_check(bencher: Bencher) {
    let engine = Engine::new(&Selection::default(), Settings::default()).unwrap();
    bencher.counter(ItemsCount::new(object_count())).bench(|| {
        let mut findings = 0;
        for (n, t) in corpus() {
            let loaded = load_source(Source::new(n.clone(), t.clone()));
            findings += engine.check_all(&loaded.objects).0.len();
        }
        findings
    });
}
