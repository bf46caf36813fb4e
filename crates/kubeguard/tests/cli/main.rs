//! End-to-end tests of the `kubeguard` binary, one test target: each module
//! covers one command or concern, and `support` holds what they share.
//!
//! Run one module with `cargo nextest run -p kubeguard --test cli -E 'test(/^pss::/)'`
//! or `cargo test -p kubeguard --test cli pss::`.

mod support;

mod audit_cli;
mod audit_serve;
mod bad_input;
mod ci;
mod cis;
mod cluster;
mod deploy;
mod deploy_audit;
mod docs;
mod html;
mod kubesec;
mod manual;
mod netpol_cli;
mod pipeline;
mod policyreport;
mod pss;
mod rbac;
mod report_snapshots;
mod scan;
mod snapshots;
mod triage;
mod webhook_review;
mod webhook_serve;
mod webhook_tls;
