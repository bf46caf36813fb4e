//! Why one connection is allowed or denied: the policy and rule that allow
//! each direction, or the isolating policies when no rule matched. The
//! writers are in `kubeguard-report`.

use crate::evaluate::{Analysis, DirectionResult, Endpoint, Verdict};
use crate::port::Protocol;

/// An explained connection.
#[derive(Debug)]
pub struct Explanation {
    /// The sender, as named.
    pub from: String,
    /// The receiver, as named.
    pub to: String,
    /// The port asked about, if any.
    pub port: Option<(Protocol, u16)>,
    /// Whether the connection (on the port, or on some port) is allowed.
    pub allowed: bool,
    /// The evaluator's verdict.
    pub verdict: Verdict,
}

/// Explains traffic from `src` to `dst`.
#[must_use]
pub fn explain(
    analysis: &Analysis<'_>,
    src: Endpoint,
    dst: Endpoint,
    port: Option<(Protocol, u16)>,
) -> Explanation {
    let name = |e: &Endpoint| match e {
        Endpoint::Pod(i) => analysis.model.pods[*i].id(),
        Endpoint::Ip(ip) => ip.to_string(),
    };
    let verdict = analysis.check(&src, &dst, true);
    let allowed = match port {
        Some((proto, p)) => verdict.allowed.contains(proto, p),
        None => !verdict.allowed.is_empty(),
    };
    Explanation {
        from: name(&src),
        to: name(&dst),
        port,
        allowed,
        verdict,
    }
}

impl DirectionResult {
    /// Whether this direction allows the connection on `port`, or on some
    /// port when `port` is `None`.
    #[must_use]
    pub fn allows(&self, port: Option<(Protocol, u16)>) -> bool {
        match port {
            Some((proto, p)) => self.allowed.contains(proto, p),
            None => !self.allowed.is_empty(),
        }
    }
}
