//! `--format kubesec`: kubesec-compatible JSON, so that pipelines reading
//! `kubesec scan` output can switch. One report per object:
//! `{object, valid, fileName, message, score, scoring: {critical, passed,
//! advise}}`, each item `{id, selector, reason, points}`.
//!
//! Scores use kubesec's published point values, through our own mapping
//! from each kubesec check to the kubeguard rules that decide it:
//!
//! - a check with negative points (`Privileged`, -30) is `critical` and
//!   adds its points when one of its rules reports the object;
//! - a check with positive points (`RunAsNonRoot`, +1) is `passed` and adds
//!   its points when its rules ran and reported nothing about the object,
//!   else it is `advise`. The capability-drop and seccomp checks are also
//!   decided by `privileged-container`: the rules behind them skip a
//!   privileged container, which has every capability and no seccomp
//!   filter whatever it sets.
//!
//! kubesec checks without a kubeguard rule (`HostAliases`, `ApparmorAny`,
//! the StatefulSet volume-claim checks) are not scored. Every workload kind
//! kubeguard checks is scored (kubesec scores Pods, Deployments,
//! StatefulSets and DaemonSets); other objects are listed with kubesec's
//! "not supported" message. Reports are written when the run ends, in the
//! order objects were first seen.

use crate::Ending;
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Finding, ObjectRef, RuleMeta};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::Arc;

/// One kubesec check and the kubeguard rules that decide it.
struct Check {
    id: &'static str,
    selector: &'static str,
    points: i32,
    rules: &'static [&'static str],
}

/// kubesec's checks, with its point values.
const CHECKS: &[Check] = &[
    Check {
        id: "Privileged",
        selector: "containers[] .securityContext .privileged == true",
        points: -30,
        rules: &["privileged-container"],
    },
    Check {
        id: "CapSysAdmin",
        selector: "containers[] .securityContext .capabilities .add == SYS_ADMIN",
        points: -30,
        rules: &["sys-admin-capability"],
    },
    Check {
        id: "HostNetwork",
        selector: ".spec .hostNetwork == true",
        points: -9,
        rules: &["host-network"],
    },
    Check {
        id: "HostPID",
        selector: ".spec .hostPID == true",
        points: -9,
        rules: &["host-pid"],
    },
    Check {
        id: "HostIPC",
        selector: ".spec .hostIPC == true",
        points: -9,
        rules: &["host-ipc"],
    },
    Check {
        id: "DockerSock",
        selector: "volumes[] .hostPath .path == /var/run/docker.sock",
        points: -9,
        rules: &["docker-socket-mount"],
    },
    Check {
        id: "AllowPrivilegeEscalation",
        selector: "containers[] .securityContext .allowPrivilegeEscalation == true",
        points: -7,
        rules: &["privilege-escalation-allowed"],
    },
    Check {
        id: "ServiceAccountName",
        selector: ".spec .serviceAccountName",
        points: 3,
        rules: &["default-service-account-used"],
    },
    Check {
        id: "RunAsNonRoot",
        selector: "containers[] .securityContext .runAsNonRoot == true",
        points: 1,
        rules: &["runs-as-root"],
    },
    Check {
        id: "RunAsUser",
        selector: "containers[] .securityContext .runAsUser -gt 10000",
        points: 1,
        rules: &["low-user-id", "runs-as-root"],
    },
    Check {
        id: "ReadOnlyRootFilesystem",
        selector: "containers[] .securityContext .readOnlyRootFilesystem == true",
        points: 1,
        rules: &["writable-root-filesystem"],
    },
    Check {
        id: "CapDropAny",
        selector: "containers[] .securityContext .capabilities .drop",
        points: 1,
        rules: &["capabilities-not-dropped", "privileged-container"],
    },
    Check {
        id: "CapDropAll",
        selector: "containers[] .securityContext .capabilities .drop | index(\"ALL\")",
        points: 1,
        rules: &["capabilities-not-dropped", "privileged-container"],
    },
    Check {
        id: "SeccompAny",
        selector: ".metadata .annotations .\"container.seccomp.security.alpha.kubernetes.io/pod\"",
        points: 1,
        rules: &["seccomp-not-set", "privileged-container"],
    },
    Check {
        id: "RequestsCPU",
        selector: "containers[] .resources .requests .cpu",
        points: 1,
        rules: &["missing-cpu-request"],
    },
    Check {
        id: "LimitsCPU",
        selector: "containers[] .resources .limits .cpu",
        points: 1,
        rules: &["missing-cpu-limit"],
    },
    Check {
        id: "RequestsMemory",
        selector: "containers[] .resources .requests .memory",
        points: 1,
        rules: &["missing-memory-request"],
    },
    Check {
        id: "LimitsMemory",
        selector: "containers[] .resources .limits .memory",
        points: 1,
        rules: &["missing-memory-limit"],
    },
];

/// What is known about one object.
struct Seen {
    file: Arc<str>,
    rules: HashSet<&'static str>,
}

/// Objects and the rules that reported them, until the end of the run.
pub(crate) struct KubesecWriter {
    /// Rules that ran, by name, with their one-line summaries.
    ran: HashMap<&'static str, &'static str>,
    order: Vec<Arc<ObjectRef>>,
    seen: HashMap<Arc<ObjectRef>, Seen>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    selector: &'a str,
    reason: &'a str,
    points: i32,
}

#[derive(Serialize, Default)]
struct Scoring<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    critical: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    passed: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advise: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Report<'a> {
    object: String,
    valid: bool,
    #[serde(rename = "fileName")]
    file_name: &'a str,
    message: String,
    score: i32,
    scoring: Scoring<'a>,
}

impl KubesecWriter {
    pub(crate) fn new(rules: &[&'static RuleMeta]) -> Self {
        KubesecWriter {
            ran: rules.iter().map(|r| (r.name, r.summary)).collect(),
            order: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// Notes an object that was checked, findings or not.
    pub(crate) fn object(&mut self, file: &Arc<str>, object: &Arc<ObjectRef>) {
        if !self.seen.contains_key(object) {
            self.order.push(Arc::clone(object));
            self.seen.insert(
                Arc::clone(object),
                Seen {
                    file: Arc::clone(file),
                    rules: HashSet::new(),
                },
            );
        }
    }

    pub(crate) fn findings(&mut self, batch: &[Finding]) {
        for f in batch {
            self.object(f.object_file(), &f.object);
            if let Some(seen) = self.seen.get_mut(&f.object) {
                seen.rules.insert(f.rule);
            }
        }
    }

    pub(crate) fn finish(self, _ending: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
        let reports: Vec<Report<'_>> = self
            .order
            .iter()
            .map(|o| self.report(o, &self.seen[o]))
            .collect();
        crate::write_json(out, &reports)
    }

    fn report<'s>(&'s self, object: &ObjectRef, seen: &'s Seen) -> Report<'s> {
        let name = format!(
            "{}/{}.{}",
            object.kind,
            object.name.as_deref().unwrap_or(""),
            object.namespace.as_deref().unwrap_or("default")
        );
        if !WORKLOAD_KINDS.contains(&object.kind.as_str()) {
            return Report {
                object: name,
                valid: true,
                file_name: &seen.file,
                message: "This resource kind is not supported by kubesec".to_owned(),
                score: 0,
                scoring: Scoring::default(),
            };
        }
        let mut scoring = Scoring::default();
        let mut score = 0;
        for check in CHECKS {
            // A check is decided only when all its rules ran.
            let Some(reason) = check
                .rules
                .iter()
                .map(|r| self.ran.get(r).copied())
                .collect::<Option<Vec<_>>>()
                .map(|summaries| summaries[0])
            else {
                continue;
            };
            let hit = check.rules.iter().any(|r| seen.rules.contains(r));
            let item = Item {
                id: check.id,
                selector: check.selector,
                reason,
                points: check.points,
            };
            match (check.points < 0, hit) {
                (true, true) => {
                    score += check.points;
                    scoring.critical.push(item);
                }
                (true, false) => {}
                (false, false) => {
                    score += check.points;
                    scoring.passed.push(item);
                }
                (false, true) => scoring.advise.push(item),
            }
        }
        let message = if score >= 0 {
            format!("Passed with a score of {score} points")
        } else {
            format!("Failed with a score of {score} points")
        };
        Report {
            object: name,
            valid: true,
            file_name: &seen.file,
            message,
            score,
            scoring,
        }
    }
}
