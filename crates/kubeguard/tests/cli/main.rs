//! End-to-end tests of the `kubeguard` binary, one test target: each module
//! covers one command or concern, and `support` holds what they share.
//!
//! Run one module with `cargo nextest run -p kubeguard --test cli -E 'test(/^pss::/)'`
//! or `cargo test -p kubeguard --test cli pss::`.

mod support;

mod bad_input;
mod cluster;
mod deploy;
mod docs;
mod netpol_cli;
mod pipeline;
mod pss;
mod rbac;
mod report_snapshots;
mod scan;
mod snapshots;
mod webhook_review;
mod webhook_serve;
