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
use kubeguard_rules::{Engine, Policy, Settings};
use std::sync::OnceLock;

#[path = "../../../benches/corpus.rs"]
mod corpus;

fn main() {
    if corpus().is_empty() {
        eprintln!(
            "SKIPPED: ../shared/bench/gen-corpus.py not found; benchmarks need ../shared beside the repo"
        );
        return;
    }
    divan::main();
}

/// The corpus, read once.
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| corpus::load(200))
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
    let engine = Engine::new(&Policy::default(), Settings::default());
    bencher.counter(ItemsCount::new(object_count())).bench(|| {
        let mut findings = 0;
        for (n, t) in corpus() {
            let loaded = load_source(Source::new(n.clone(), t.clone()));
            findings += engine.check_all(&loaded.objects).0.len();
        }
        findings
    });
}
