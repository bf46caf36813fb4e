//! Events per second on one core with the full upstream Falco
//! `k8s_audit_rules.yaml` loaded (from `../shared`), over a generated stream
//! shaped like a real API server's audit log: mostly controllers and nodes
//! getting, listing and watching, some users creating workloads and RBAC,
//! a few exec, secret and privileged-pod events. Each iteration reads the
//! stream as JSON lines from memory, as `kubeguard audit scan` reads a file.
//!
//! `cargo bench -p kubeguard-audit --bench scan`

use divan::{Bencher, black_box};
use kubeguard_audit::reader::{ReadOptions, ReadStats, read_stream, read_stream_projected};
use kubeguard_audit::{EventView, Priority, RuleSet, load_rules};

mod stream;

const EVENTS: usize = 20_000;

/// The allocator of the `kubeguard` binary, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn upstream() -> RuleSet {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/falco-k8saudit/k8s_audit_rules.yaml"
    );
    let text = std::fs::read_to_string(path)
        .expect("the bench needs ../shared/corpus/falco-k8saudit/k8s_audit_rules.yaml");
    load_rules(&[(path.to_owned(), text)]).expect("upstream rules load")
}

/// Reads and evaluates the whole stream, as `kubeguard audit scan` does:
/// each line parsed keeping only what the rules read. Reports throughput
/// in events.
#[divan::bench]
fn upstream_rules(bencher: Bencher) {
    evaluate_stream(bencher, true);
}

/// Reads `text` (projected on the rules' projection, or whole) and
/// evaluates every event; the number of alerts.
fn alerts(set: &RuleSet, text: &str, projected: bool) -> usize {
    let mut stats = ReadStats::default();
    let mut alerts = 0usize;
    let mut evaluate = |ev: EventView<'_>| {
        set.evaluate(ev, Priority::Debug, &mut |a| {
            alerts += black_box(a.output.len()).min(1);
        });
    };
    let opts = ReadOptions::default();
    let read = if projected {
        read_stream_projected(
            text.as_bytes(),
            "bench",
            &opts,
            set.projection(),
            &mut stats,
            &mut evaluate,
        )
    } else {
        read_stream(text.as_bytes(), "bench", &opts, &mut stats, &mut evaluate)
    };
    read.unwrap();
    assert_eq!(stats.events as usize, EVENTS);
    alerts
}

/// The upstream rules over the generated stream, read projected or whole.
fn evaluate_stream(bencher: Bencher, projected: bool) {
    let set = upstream();
    let text = stream::stream(EVENTS);
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| alerts(&set, &text, projected));
}

/// Reading and parsing alone, to show what the rules cost on top.
#[divan::bench]
fn read_only(bencher: Bencher) {
    let text = stream::stream(EVENTS);
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| {
            let mut stats = ReadStats::default();
            read_stream(
                text.as_bytes(),
                "bench",
                &ReadOptions::default(),
                &mut stats,
                &mut |ev| {
                    black_box(ev);
                },
            )
            .unwrap();
            stats.events
        });
}

/// The same rules on events parsed whole (every key and string built), to
/// show what projecting saves.
#[divan::bench]
fn upstream_rules_whole_events(bencher: Bencher) {
    evaluate_stream(bencher, false);
}
