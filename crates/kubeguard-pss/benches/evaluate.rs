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
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_pss::{Level, LevelVersion, Pod, Version, evaluate, is_allowed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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
    print_scan_share();
    divan::main();
}

/// Times parsing and PSS evaluation file by file, interleaved as in a scan
/// (each file's pods are evaluated right after the file is parsed), so both
/// sides see the same machine load; prints the median share over passes.
/// Set `KUBEGUARD_BENCH_SKIP_SHARE` to skip it (when profiling one benchmark).
fn print_scan_share() {
    const PASSES: usize = 30;
    if std::env::var_os("KUBEGUARD_BENCH_SKIP_SHARE").is_some() {
        return;
    }
    let mut shares = Vec::with_capacity(PASSES);
    let (mut parse_total, mut evaluate_total, mut evaluated) = (0.0, 0.0, 0);
    for _ in 0..PASSES {
        let (mut parse, mut eval) = (Duration::ZERO, Duration::ZERO);
        evaluated = 0;
        for (name, text) in corpus() {
            let start = Instant::now();
            let loaded = load_source(Source::new(name.clone(), text.clone()));
            let parsed = Instant::now();
            // As `scan --pss` does: only kinds that carry a pod spec.
            let pod_bearing = loaded
                .objects
                .iter()
                .filter(|o| WORKLOAD_KINDS.contains(&o.kind.as_str()));
            for pod in pod_bearing.filter_map(|o| Pod::of(o).ok()) {
                let verdict = evaluate(&pod, POLICY);
                evaluated += 1;
                divan::black_box(verdict);
            }
            eval += parsed.elapsed();
            parse += parsed - start;
        }
        shares.push(eval.as_secs_f64() / parse.as_secs_f64());
        parse_total += parse.as_secs_f64();
        evaluate_total += eval.as_secs_f64();
    }
    shares.sort_by(f64::total_cmp);
    println!(
        "scan share: {evaluated} pods per pass; parse {:.1} ms, PSS decode+evaluate {:.2} ms per pass (mean of {PASSES}); PSS = {:.1}% of parse time (median of {PASSES} passes)",
        parse_total * 1e3 / PASSES as f64,
        evaluate_total * 1e3 / PASSES as f64,
        shares[PASSES / 2] * 100.0
    );
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
