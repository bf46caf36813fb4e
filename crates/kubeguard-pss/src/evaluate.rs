//! Evaluating a pod against a level and version, as the admission plugin
//! does: the checks of the level, each at the implementation for the
//! version, minus baseline checks overridden by an active restricted one.

use crate::checks::{At, CHECKS, Check, CheckFn};
use crate::error::PssError;
use crate::level::Level;
use crate::pod::Pod;
use crate::version::{LATEST_MINOR, Version};
use kubeguard_core::{Located, Object, Pos, push_path_index, push_path_key};
use std::fmt;
use std::sync::OnceLock;

/// A level at a version, written `restricted:v1.30` as upstream does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// `level` at `version`.
    #[must_use]
    pub fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }

    /// Parses `LEVEL` or `LEVEL:VERSION` (the version defaults to `latest`).
    ///
    /// # Errors
    /// An unknown level or version.
    pub fn parse(s: &str) -> Result<Self, PssError> {
        let (level, version) = match s.split_once(':') {
            Some((l, v)) => (l, v.parse()?),
            None => (s, Version::Latest),
        };
        Ok(LevelVersion {
            level: level.parse()?,
            version,
        })
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The check id (`runAsNonRoot`).
    pub check: &'static str,
    /// The forbidden reason (`runAsNonRoot != true`).
    pub reason: &'static str,
    /// Which containers, fields and values.
    pub detail: String,
    /// Field path of the offending key, or of its nearest existing parent.
    pub path: String,
    /// Where that key is.
    pub pos: Pos,
}

/// The result of evaluating one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What the pod was evaluated against.
    pub policy: LevelVersion,
    /// Failed checks, in check order; empty when allowed.
    pub violations: Vec<Violation>,
}

impl Verdict {
    /// Whether the pod is allowed.
    #[must_use]
    pub fn allowed(&self) -> bool {
        self.violations.is_empty()
    }

    /// `reason (detail), reason (detail)`, as in the API server's message.
    #[must_use]
    pub fn forbidden_detail(&self) -> String {
        self.violations
            .iter()
            .map(|v| format!("{} ({})", v.reason, v.detail))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `reason, reason`: the failed checks' reasons without their details,
    /// as the API server words warnings about existing pods.
    #[must_use]
    pub fn forbidden_reason(&self) -> String {
        self.violations
            .iter()
            .map(|v| v.reason)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `violates PodSecurity "restricted:latest": ...`.
    #[must_use]
    pub fn message(&self) -> String {
        format!(
            "violates PodSecurity \"{}\": {}",
            self.policy,
            self.forbidden_detail()
        )
    }
}

/// The checks that run for each level and minor version, built once.
fn active(level: Level, minor: u32) -> &'static [(&'static Check, CheckFn)] {
    static TABLE: OnceLock<Vec<Vec<(&'static Check, CheckFn)>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = Vec::new();
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=LATEST_MINOR {
                table.push(build(level, minor));
            }
        }
        table
    });
    let row = match level {
        Level::Privileged => return &[],
        Level::Baseline => 0,
        Level::Restricted => 1,
    };
    let minor = minor.min(LATEST_MINOR);
    &table[row * (LATEST_MINOR as usize + 1) + minor as usize]
}

fn build(level: Level, minor: u32) -> Vec<(&'static Check, CheckFn)> {
    let applies = |c: &Check| c.level <= level;
    let overridden: Vec<&str> = CHECKS
        .iter()
        .filter(|c| applies(c))
        .filter_map(|c| c.at(minor))
        .flat_map(|v| v.overrides.iter().copied())
        .collect();
    CHECKS
        .iter()
        .copied()
        .filter(|c| applies(c) && !overridden.contains(&c.id))
        .filter_map(|c| c.at(minor).map(|v| (c, v.eval)))
        .collect()
}

/// The ids of the checks that run at `policy`, in evaluation order.
#[must_use]
pub fn active_checks(policy: LevelVersion) -> Vec<&'static str> {
    active(policy.level, policy.version.effective_minor())
        .iter()
        .map(|(c, _)| c.id)
        .collect()
}

/// Whether `pod` is allowed at `policy`, without building violations.
#[must_use]
pub fn is_allowed(pod: &Pod<'_>, policy: LevelVersion) -> bool {
    active(policy.level, policy.version.effective_minor())
        .iter()
        .all(|(_, eval)| eval(pod).is_none())
}

/// Evaluates `pod` at `policy`.
#[must_use]
pub fn evaluate(pod: &Pod<'_>, policy: LevelVersion) -> Verdict {
    let mut violations = Vec::with_capacity(4);
    // The spec's own path is the prefix of most violations' paths.
    let mut spec_path = None;
    for (check, eval) in active(policy.level, policy.version.effective_minor()) {
        if let Some(failure) = eval(pod) {
            let spec_path = spec_path.get_or_insert_with(|| pod.spec_at.path());
            let (path, pos) = resolve(pod, spec_path, failure.at);
            violations.push(Violation {
                check: check.id,
                reason: failure.reason,
                detail: failure.detail,
                path,
                pos,
            });
        }
    }
    Verdict { policy, violations }
}

/// Decodes and evaluates the pod of `obj` (a Pod or a workload template).
///
/// # Errors
/// The object has no pod spec, or a field the API server could not decode.
pub fn evaluate_object(obj: &Object, policy: LevelVersion) -> Result<Verdict, PssError> {
    Ok(evaluate(&Pod::of(obj)?, policy))
}

/// One step down a field path.
#[derive(Clone, Copy)]
enum Step<'k> {
    Key(&'k str),
    Index(usize),
}

/// Follows `steps` from `from` as far as they exist, building the field path
/// and position of the offending key, or of its nearest existing parent.
fn descend<'k>(
    from: &Located<'_>,
    from_path: &str,
    steps: impl IntoIterator<Item = Step<'k>>,
) -> (String, Pos) {
    let mut path = String::with_capacity(from_path.len() + 64);
    path.push_str(from_path);
    let mut node = from.node;
    let mut pos = from.at;
    for step in steps {
        match step {
            Step::Key(k) => match node.as_map().and_then(|m| m.entry(k)) {
                Some((key, span, value)) => {
                    push_path_key(&mut path, key);
                    node = value;
                    pos = span.start;
                }
                None => break,
            },
            Step::Index(i) => match node.items().nth(i) {
                Some(item) => {
                    push_path_index(&mut path, i);
                    node = item;
                    pos = item.span.start;
                }
                None => break,
            },
        }
    }
    (path, pos)
}

fn keys<'k>(keys: &'k [&'k str]) -> impl Iterator<Item = Step<'k>> {
    keys.iter().map(|k| Step::Key(k))
}

fn resolve(pod: &Pod<'_>, spec_path: &str, at: At<'_>) -> (String, Pos) {
    let spec = &pod.spec_at;
    match at {
        At::Pod(path) => descend(spec, spec_path, keys(path)),
        At::Container {
            kind,
            index,
            keys: path,
        } => descend(
            spec,
            spec_path,
            [Step::Key(kind.field()), Step::Index(index)]
                .into_iter()
                .chain(keys(path)),
        ),
        At::HostPort { kind, index, port } => descend(
            spec,
            spec_path,
            [
                Step::Key(kind.field()),
                Step::Index(index),
                Step::Key("ports"),
                Step::Index(port),
                Step::Key("hostPort"),
            ],
        ),
        At::Volume { index, key } => descend(
            spec,
            spec_path,
            [Step::Key("volumes"), Step::Index(index), Step::Key(key)],
        ),
        At::Sysctl(index) => descend(
            spec,
            spec_path,
            [
                Step::Key("securityContext"),
                Step::Key("sysctls"),
                Step::Index(index),
                Step::Key("name"),
            ],
        ),
        At::Annotation(key) => match &pod.metadata_at {
            Some(meta) => descend(
                meta,
                &meta.path(),
                [Step::Key("annotations"), Step::Key(key)],
            ),
            None => descend(spec, spec_path, []),
        },
    }
}
