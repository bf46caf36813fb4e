//! Behaviour baselines: what each identity normally does, learned from
//! audit logs as (verb, resource, subresource, namespace) combinations, and
//! a detector that alerts the first time an identity does something
//! outside its baseline, with a rarity score.

use crate::doc::JsonRef;
use crate::engine::{Alert, Rule};
use crate::event::EventView;
use crate::priority::Priority;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The name of the rule first-seen alerts are raised under.
pub const RULE_NAME: &str = "audit-baseline-first-seen";

/// The format version written in baseline files.
pub const VERSION: u32 = 1;

/// One thing an identity did: a verb on a resource (and subresource) in a
/// namespace (`None`: cluster-scoped or non-resource request).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Activity {
    /// The verb.
    pub verb: String,
    /// The resource, or the request path for non-resource requests.
    pub resource: String,
    /// The subresource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    /// The namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// An activity and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// What was done.
    #[serde(flatten)]
    pub activity: Activity,
    /// How many events did it.
    pub count: u64,
}

/// What one identity did while learning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Events of this identity.
    pub events: u64,
    /// Its activities, sorted.
    pub activities: Vec<Seen>,
}

/// A learned baseline, as written to `baseline.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Events learned from.
    pub events: u64,
    /// Profiles by user name.
    pub identities: BTreeMap<String, Profile>,
}

impl Baseline {
    /// Parses a baseline file's text; the error names the line and column.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, kubeguard_core::Diagnostic> {
        serde_json::from_str(text).map_err(|e| {
            let pos = kubeguard_core::Pos {
                line: u32::try_from(e.line()).unwrap_or(1),
                col: u32::try_from(e.column()).unwrap_or(1),
            };
            kubeguard_core::Diagnostic::new(
                file,
                pos,
                format!("not a baseline from `kubeguard audit learn`: {e}"),
            )
        })
    }

    /// Writes the baseline as indented JSON.
    ///
    /// # Errors
    /// Writing to `out` failed.
    pub fn write(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

/// The parts of an event [`activity`] reads, for reading events projected
/// (see [`Projection`](crate::projection::Projection)).
#[must_use]
pub fn projection() -> crate::projection::Projection {
    let mut p = crate::projection::Projection::event();
    for path in [
        &["stage"][..],
        &["verb"],
        &["user", "username"],
        &["objectRef", "resource"],
        &["objectRef", "subresource"],
        &["objectRef", "namespace"],
        &["requestURI"],
    ] {
        p.keep(path);
    }
    p
}

/// The identity and activity of a completed request, if it is one: events
/// of the earlier stages (RequestReceived, ResponseStarted) repeat the same
/// request and are not counted.
#[must_use]
pub fn activity<'e>(ev: &EventView<'e>) -> Option<(&'e str, Activity)> {
    let json = ev.json;
    let stage = json.get("stage").and_then(JsonRef::as_str);
    if stage.is_some_and(|s| s != "ResponseComplete" && s != "Panic") {
        return None;
    }
    let user = json.path(&["user", "username"])?.as_str()?;
    let verb = json.get("verb")?.as_str()?.to_owned();
    let text = |p: &[&str]| json.path(p).and_then(JsonRef::as_str).map(str::to_owned);
    let resource = match text(&["objectRef", "resource"]) {
        Some(r) => r,
        // A non-resource request (/healthz, /version): its path, without the query.
        None => text(&["requestURI"])?
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    Some((
        user,
        Activity {
            verb,
            resource,
            subresource: text(&["objectRef", "subresource"]),
            namespace: text(&["objectRef", "namespace"]),
        },
    ))
}

/// Learns a baseline one event at a time.
#[derive(Debug, Default)]
pub struct Learner {
    events: u64,
    identities: HashMap<String, (u64, HashMap<Activity, u64>)>,
}

impl Learner {
    /// Counts one event.
    pub fn learn(&mut self, ev: &EventView<'_>) {
        let Some((user, act)) = activity(ev) else {
            return;
        };
        self.events += 1;
        let (events, acts) = self.identities.entry(user.to_owned()).or_default();
        *events += 1;
        *acts.entry(act).or_default() += 1;
    }

    /// The baseline learned, sorted for stable output.
    #[must_use]
    pub fn finish(self) -> Baseline {
        let identities = self
            .identities
            .into_iter()
            .map(|(user, (events, acts))| {
                let mut activities: Vec<Seen> = acts
                    .into_iter()
                    .map(|(activity, count)| Seen { activity, count })
                    .collect();
                activities.sort_by(|a, b| a.activity.cmp(&b.activity));
                (user, Profile { events, activities })
            })
            .collect();
        Baseline {
            version: VERSION,
            events: self.events,
            identities,
        }
    }
}

/// What the detector knows of one identity.
#[derive(Debug, Default)]
struct Known {
    activities: HashSet<Activity>,
    verbs: HashSet<String>,
    resources: HashSet<String>,
    namespaces: HashSet<Option<String>>,
}

/// Raises an alert the first time an identity does something its baseline
/// does not hold. Never alerts on an activity in the baseline, and alerts
/// once per new (identity, activity).
#[derive(Debug)]
pub struct Detector {
    known: HashMap<String, Known>,
    /// (verb, resource) pairs any identity used.
    cluster: HashSet<(String, String)>,
    alerted: HashSet<(String, Activity)>,
    rule: Rule,
}

impl Detector {
    /// A detector for `baseline`.
    #[must_use]
    pub fn new(baseline: &Baseline) -> Detector {
        let mut known: HashMap<String, Known> = HashMap::new();
        let mut cluster = HashSet::new();
        for (user, profile) in &baseline.identities {
            let k = known.entry(user.clone()).or_default();
            for seen in &profile.activities {
                let a = &seen.activity;
                k.verbs.insert(a.verb.clone());
                k.resources.insert(a.resource.clone());
                k.namespaces.insert(a.namespace.clone());
                cluster.insert((a.verb.clone(), a.resource.clone()));
                k.activities.insert(a.clone());
            }
        }
        let rule = Rule::native(
            RULE_NAME,
            "An identity did something its learned baseline does not hold",
            Priority::Notice,
            &["k8s", "kubeguard", "baseline", "mitre_discovery", "T1078"],
        );
        Detector {
            known,
            cluster,
            alerted: HashSet::new(),
            rule,
        }
    }

    /// How unusual a new activity is, from 0.2 (every part known, only the
    /// combination is new) to 1.0 (an identity never seen): a fifth for the
    /// combination, and a fifth each for a verb, a resource and a namespace
    /// the identity never used and for a verb on a resource no identity used.
    fn rarity(&self, user: &str, a: &Activity) -> f64 {
        let Some(k) = self.known.get(user) else {
            return 1.0;
        };
        let parts = [
            !k.verbs.contains(&a.verb),
            !k.resources.contains(&a.resource),
            !k.namespaces.contains(&a.namespace),
            !self.cluster.contains(&(a.verb.clone(), a.resource.clone())),
        ];
        let new = parts.iter().filter(|p| **p).count();
        #[allow(clippy::cast_precision_loss)]
        let score = (1 + new) as f64 / 5.0;
        score
    }

    /// The first-seen alert for `ev`, if it does something new.
    pub fn check(&mut self, ev: &EventView<'_>) -> Option<Alert<'_>> {
        let (user, act) = activity(ev)?;
        if self
            .known
            .get(user)
            .is_some_and(|k| k.activities.contains(&act))
        {
            return None;
        }
        if !self.alerted.insert((user.to_owned(), act.clone())) {
            return None;
        }
        let rarity = self.rarity(user, &act);
        let output = format!(
            "First-seen activity (user={user} verb={} resource={} subresource={} ns={} rarity={rarity:.2}{})",
            act.verb,
            act.resource,
            act.subresource.as_deref().unwrap_or("<NA>"),
            act.namespace.as_deref().unwrap_or("<NA>"),
            if self.known.contains_key(user) {
                ""
            } else {
                " new_identity=true"
            },
        );
        Some(Alert {
            rule: &self.rule,
            output,
            time_ns: ev.time_ns,
            audit_id: ev.audit_id().map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use serde_json::json;

    fn ev(user: &str, verb: &str, resource: &str, ns: Option<&str>) -> Event {
        let mut oref = json!({"resource": resource});
        if let Some(ns) = ns {
            oref["namespace"] = json!(ns);
        }
        Event {
            json: json!({"stage": "ResponseComplete", "user": {"username": user}, "verb": verb, "objectRef": oref}),
            time_ns: 0,
        }
    }

    fn baseline() -> Baseline {
        let mut l = Learner::default();
        for _ in 0..3 {
            l.learn(&ev("ci", "get", "deployments", Some("shop")).view());
            l.learn(&ev("ci", "patch", "deployments", Some("shop")).view());
        }
        l.learn(&ev("ci", "get", "secrets", Some("shop")).view());
        let mut started = ev("ci", "delete", "pods", Some("shop"));
        started.json["stage"] = json!("ResponseStarted");
        l.learn(&started.view());
        l.finish()
    }

    #[test]
    fn learns_completed_requests_per_identity() {
        let b = baseline();
        assert_eq!(b.events, 7);
        let ci = &b.identities["ci"];
        assert_eq!(ci.activities.len(), 3);
        assert_eq!(ci.activities[0].activity.verb, "get");
        assert_eq!(ci.activities[0].count, 3);
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Baseline>(&text).unwrap(), b);
    }

    #[test]
    fn first_seen_once_with_rarity_and_never_on_the_baseline() {
        let mut d = Detector::new(&baseline());
        assert!(
            d.check(&ev("ci", "patch", "deployments", Some("shop")).view())
                .is_none()
        );
        let a = d
            .check(&ev("ci", "get", "deployments", Some("prod")).view())
            .unwrap();
        assert!(a.output.ends_with("ns=prod rarity=0.40)"), "{}", a.output);
        assert!(
            d.check(&ev("ci", "get", "deployments", Some("prod")).view())
                .is_none(),
            "once"
        );
        let a = d
            .check(&ev("ci", "delete", "secrets", Some("shop")).view())
            .unwrap();
        assert!(a.output.ends_with("rarity=0.60)"), "{}", a.output);
        let a = d.check(&ev("eve", "list", "secrets", None).view()).unwrap();
        assert!(
            a.output.ends_with("rarity=1.00 new_identity=true)"),
            "{}",
            a.output
        );
        assert_eq!(a.rule.name, RULE_NAME);
    }
}
