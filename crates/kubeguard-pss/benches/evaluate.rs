//! Pod Security Standards evaluation next to parsing, on the 2,000-file
//! corpus of `../shared/bench/gen-corpus.py` (seed 1), one thread.
//!
//! - `parse`: every file read into objects, as a scan does.
//! - `parse_and_evaluate`: the same, and each pod-bearing object decoded and
//!   evaluated at restricted:latest with full, located violations right
//!   after its file is parsed, as `scan --pss` does. The difference from
//!   `parse` is the share of scan time PSS costs.
//! - `decode`: decoding the pod of every object, on objects parsed earlier.
//! - `decode_and_evaluate`: decoding and full verdicts, on objects parsed
//!   earlier (colder memory than in a scan).
//! - `evaluate_decoded`: full verdicts of decoded pods (pods per second).
//! - `allowed_decoded`: only allow or deny, as admission decides before it
//!   builds a message.
//!
//! Run with `cargo bench -p kubeguard-pss --bench evaluate`.

use divan::Bencher;
use divan::counter::ItemsCount;
use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_pss::{Level, LevelVersion, Pod, Version, evaluate, is_allowed};
use std::sync::OnceLock;

const POLICY: LevelVersion = LevelVersion {
    level: Level::Restricted,
    version: Version::Latest,
};

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
    CORPUS.get_or_init(|| corpus::load(2000))
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
fn parse_and_evaluate(bencher: Bencher) {
    bencher.counter(ItemsCount::new(pods().len())).bench(|| {
        corpus()
            .iter()
            .map(|(n, t)| {
                let loaded = load_source(Source::new(n.clone(), t.clone()));
                loaded
                    .objects
                    .iter()
                    .filter_map(|o| Pod::of(o).ok())
                    .filter(|p| evaluate(p, POLICY).allowed())
                    .count()
            })
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
fn decode(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(pods().len()))
        .bench(|| objects().iter().filter_map(|o| Pod::of(o).ok()).count());
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
