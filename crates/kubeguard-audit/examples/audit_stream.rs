//! Writes the bench's generated audit log (see `benches/stream.rs`) to
//! standard output, to measure `kubeguard audit scan` on a file:
//!
//! `cargo run --release -p kubeguard-audit --example audit_stream -- 1000000 > audit.jsonl`

#[path = "../benches/stream.rs"]
mod stream;

use std::io::Write;

fn main() {
    let events = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Written in chunks so memory stays small whatever the count.
    let mut written = 0;
    while written < events {
        let n = (events - written).min(100_000);
        let text = stream::stream_from(written, n);
        if out.write_all(text.as_bytes()).is_err() {
            return;
        }
        written += n;
    }
    let _ = out.flush();
}
