//! Pod Security Standards evaluation next to parsing, on the 2,000-file
//! corpus of `../shared/bench/gen-corpus.py` (seed 1), one thread:
//! `parse` reads every file into objects; `decode_and_evaluate` decodes the
//! pod of every pod-bearing object and evaluates it at restricted:latest;
//! `evaluate_decoded` evaluates already decoded pods with full violations
//! (pod evaluations per second); `allowed_decoded` only decides allow or
//! deny, as admission does before it builds a message.
//!
//! Run with `cargo bench -p kubeguard-pss --bench evaluate`.

use divan::Bencher;
use divan::counter::ItemsCount;
use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_pss::{Level, LevelVersion, Pod, Version, evaluate, is_allowed};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const POLICY: LevelVersion = LevelVersion {
    level: Level::Restricted,
    version: Version::Latest,
};

fn main() {
    if corpus().is_empty() {
        eprintln!(
            "SKIPPED: ../shared/bench/gen-corpus.py not found; benchmarks need ../shared beside the repo"
        );
        return;
    }
    divan::main();
}

/// Names and texts of the corpus files, generated once into the target dir.
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let generator = root.join("../shared/bench/gen-corpus.py");
        if !generator.exists() {
            return Vec::new();
        }
        let out: PathBuf = root.join("target/bench-corpus-2000");
        if !out.exists() {
            let status = Command::new("python3")
                .arg(&generator)
                .arg(&out)
                .args(["--files", "2000", "--seed", "1"])
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
                    files.push((
                        path.display().to_string(),
                        std::fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
        files.sort();
        files
    })
}

fn objects() -> &'static [Object] {
    static OBJECTS: OnceLock<Vec<Object>> = OnceLock::new();
    OBJECTS.get_or_init(|| {
        corpus()
            .iter()
            .flat_map(|(n, t)| load_source(Source::new(n.clone(), t.clone())).objects)
            .collect()
    })
}

fn pods() -> Vec<Pod<'static>> {
    objects().iter().filter_map(|o| Pod::of(o).ok()).collect()
}

#[divan::bench]
fn parse(bencher: Bencher) {
    bencher.counter(ItemsCount::new(objects().len())).bench(|| {
        corpus()
            .iter()
            .map(|(n, t)| load_source(Source::new(n.clone(), t.clone())).objects.len())
            .sum::<usize>()
    });
}

#[divan::bench]
fn decode_and_evaluate(bencher: Bencher) {
    bencher.counter(ItemsCount::new(pods().len())).bench(|| {
        objects()
            .iter()
            .filter_map(|o| Pod::of(o).ok())
            .filter(|p| evaluate(p, POLICY).allowed())
            .count()
    });
}

#[divan::bench]
fn evaluate_decoded(bencher: Bencher) {
    let pods = pods();
    bencher.counter(ItemsCount::new(pods.len())).bench(|| {
        pods.iter()
            .filter(|p| evaluate(p, POLICY).allowed())
            .count()
    });
}

#[divan::bench]
fn allowed_decoded(bencher: Bencher) {
    let pods = pods();
    bencher
        .counter(ItemsCount::new(pods.len()))
        .bench(|| pods.iter().filter(|p| is_allowed(p, POLICY)).count());
}
