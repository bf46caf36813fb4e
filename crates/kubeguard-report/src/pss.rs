//! `kubeguard pss`: the verdict per object of `check` (as text, or as the
//! common report with the verdicts beside the findings), the namespaces and
//! what admission does in them (`namespaces`), and the migration plans
//! (`plan`), each as text or JSON. JSON is streamed from the engine's data;
//! objects are written with their keys in alphabetical order.

use crate::{Ending, Format, Summary};
use kubeguard_core::{Diagnostic, Finding, Object, RuleMeta};
use kubeguard_pss::input::{
    CheckResult, CheckRow, NamespaceAdmissions, ObjectAdmission, PlannedNamespace,
};
use kubeguard_pss::namespace::{Exemption, LabelError, NamespacePolicy};
use kubeguard_pss::{LATEST_MINOR, LevelVersion, Verdict, Version, Violation};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{self, Write};

/// What `pss check` reports.
#[derive(Debug, Clone, Copy)]
pub struct CheckReport<'a> {
    /// The level and version evaluated.
    pub policy: LevelVersion,
    /// One row per Pod and workload.
    pub rows: &'a [CheckRow<'a>],
    /// The findings reported, in the order to write them.
    pub findings: &'a [Finding],
    /// Inputs that could not be read, parsed or decoded.
    pub errors: &'a [Diagnostic],
    /// The pipeline's warnings (expired or unused ignores).
    pub warnings: &'a [Diagnostic],
    /// Counts for the summary.
    pub summary: &'a Summary,
}

/// Writes the report of `pss check` in `format`: text lists each object's
/// verdict; the other formats are the common report of the findings, the
/// verdicts under `results` in JSON. `rules` are the rules that ran;
/// `color` applies to the common text report only.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_check(
    format: Format,
    rules: &[&'static RuleMeta],
    report: &CheckReport<'_>,
    style: impl Into<crate::TextStyle>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format == Format::Text {
        write_check_text(report, out)?;
        return out.flush();
    }
    let level = report.policy.level.as_str();
    let version = report.policy.version.to_string();
    let results = CheckResults {
        rows: report.rows,
        policy: report.policy,
    };
    crate::write(
        format,
        rules,
        report.findings,
        &Ending {
            errors: report.errors,
            warnings: report.warnings,
            summary: report.summary.clone(),
            extras: &[
                ("level", &level),
                ("version", &version),
                ("results", &results),
            ],
        },
        style,
        out,
    )
}

/// Writes the verdict of each object of `pss check`, then errors, warnings
/// and the tally.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_check_text(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let policy = report.policy;
    let (mut allowed, mut denied, mut exempt) = (0, 0, 0);
    for row in report.rows {
        let obj = row.object;
        let file = obj.source.name.as_str();
        let (verdict, suppressed) = match &row.result {
            CheckResult::Exempt(e) => {
                exempt += 1;
                writeln!(
                    out,
                    "{file}:{} {}: {}",
                    line(obj),
                    obj.object_ref(),
                    exemption_text(e)
                )?;
                continue;
            }
            CheckResult::Evaluated {
                verdict,
                suppressed,
            } => (verdict, *suppressed),
        };
        let what = if !verdict.allowed() {
            denied += 1;
            "denied".to_owned()
        } else if suppressed > 0 {
            allowed += 1;
            format!(
                "allowed ({suppressed} violation{} suppressed)",
                if suppressed == 1 { "" } else { "s" }
            )
        } else {
            allowed += 1;
            "allowed".to_owned()
        };
        writeln!(
            out,
            "{file}:{} {}: {what} by {policy}",
            line(obj),
            obj.object_ref()
        )?;
        write_violations(out, verdict, file, "  ")?;
    }
    write_errors(report.errors, out)?;
    for w in report.warnings {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(
        out,
        "{} objects: {allowed} allowed, {denied} denied{} at {policy}",
        allowed + denied + exempt,
        if exempt > 0 {
            format!(", {exempt} exempt")
        } else {
            String::new()
        }
    )?;
    if policy.version.is_future() {
        writeln!(
            out,
            "note: {} is newer than v1.{LATEST_MINOR}; evaluated with the latest checks",
            policy.version
        )?;
    }
    Ok(())
}

/// Writes each namespace of `pss namespaces`, its policy and what
/// admission does to each object in it, then `errors`.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_namespaces_text(
    namespaces: &[NamespaceAdmissions<'_>],
    errors: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    for ns in namespaces {
        let origin = if ns.declared {
            ""
        } else {
            " (no Namespace object in the input; defaults apply)"
        };
        writeln!(
            out,
            "namespace {}: {}{origin}",
            ns.name,
            policy_text(&ns.policy)
        )?;
        for e in &ns.policy.errors {
            writeln!(
                out,
                "  invalid label {}={:?}: {}",
                e.label,
                e.value,
                e.message()
            )?;
        }
        for (label, v) in &ns.policy.future_versions {
            writeln!(
                out,
                "  note: {label}={v} is newer than v1.{LATEST_MINOR}; evaluated with the latest checks"
            )?;
        }
        for o in &ns.objects {
            write_admission_text(o, out)?;
        }
    }
    write_errors(errors, out)
}

fn write_admission_text(o: &ObjectAdmission<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (obj, a) = (o.object, &o.admission);
    let file = obj.source.name.as_str();
    let outcome = if let Some(e) = &a.exempt {
        exemption_text(e)
    } else if a.denied() {
        "denied by enforce".to_owned()
    } else if a.pods_would_be_denied() {
        "admitted; warning: the pods it creates would be denied by enforce".to_owned()
    } else {
        "admitted".to_owned()
    };
    writeln!(
        out,
        "  {file}:{} {}: {outcome}",
        line(obj),
        obj.object_ref()
    )?;
    for (mode, v, shown) in [
        (
            "enforce",
            &a.enforce,
            a.denied() || a.pods_would_be_denied(),
        ),
        ("audit", &a.audit, a.audited()),
        ("warn", &a.warn, a.warned()),
    ] {
        if let (Some(v), true) = (v, shown) {
            let effect = match mode {
                "enforce" if a.is_pod => "rejected",
                "enforce" => "pods would be rejected",
                "audit" => "audit annotation",
                _ => "warning",
            };
            writeln!(
                out,
                "    {mode} ({effect}): would violate PodSecurity \"{}\"",
                v.policy
            )?;
            write_violations(out, v, file, "      ")?;
        }
    }
    Ok(())
}

/// Writes `{"errors": [...], "namespaces": [...]}` for `pss namespaces`.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_namespaces_json(
    namespaces: &[NamespaceAdmissions<'_>],
    errors: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    write_document(
        &Document {
            errors: Each(errors, ErrorJson::new),
            namespaces: Each(namespaces, NamespaceJson::new),
        },
        out,
    )
}

/// Writes the plan of each namespace of `pss plan`, then `errors`.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_plan_text(
    plans: &[PlannedNamespace<'_>],
    errors: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    for ns in plans {
        let p = &ns.plan;
        writeln!(
            out,
            "namespace {} ({} pods and workloads)",
            ns.name,
            ns.objects.len()
        )?;
        if let Some(c) = ns.current_enforce {
            writeln!(out, "  currently enforced: {c}")?;
        }
        writeln!(out, "  satisfies: {}", p.strictest)?;
        if let Some(next) = &p.next {
            match next.satisfied_up_to {
                Some(v) => writeln!(
                    out,
                    "  next: {} breaks {} (satisfied up to {}:{v})",
                    next.policy,
                    next.breaking.len(),
                    next.policy.level
                )?,
                None => writeln!(
                    out,
                    "  next: {} breaks {}",
                    next.policy,
                    next.breaking.len()
                )?,
            }
            for (i, v) in &next.breaking {
                let obj = ns.objects[*i];
                writeln!(
                    out,
                    "    {}:{} {}",
                    obj.source.name,
                    line(obj),
                    obj.object_ref()
                )?;
                write_violations(out, v, &obj.source.name, "      ")?;
            }
        }
        let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(
            out,
            "  apply: kubectl label --overwrite namespace {} {}",
            ns.name,
            labels.join(" ")
        )?;
    }
    write_errors(errors, out)
}

/// Writes `{"errors": [...], "namespaces": [...]}` for `pss plan`.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_plan_json(
    plans: &[PlannedNamespace<'_>],
    errors: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    write_document(
        &Document {
            errors: Each(errors, ErrorJson::new),
            namespaces: Each(plans, PlanJson::new),
        },
        out,
    )
}

fn write_document(doc: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc).map_err(io::Error::from)?;
    writeln!(out)
}

fn line(obj: &Object) -> u32 {
    obj.root.span.start.line
}

fn exemption_text(e: &Exemption) -> String {
    match e {
        Exemption::Namespace(n) => format!("exempt (namespace {n:?})"),
        Exemption::Username(u) => format!("exempt (user {u:?})"),
        Exemption::RuntimeClass(r) => format!("exempt (runtimeClassName {r:?})"),
    }
}

fn policy_text(ns: &NamespacePolicy) -> String {
    let p = &ns.policy;
    format!("enforce={} audit={} warn={}", p.enforce, p.audit, p.warn)
}

fn write_violations(out: &mut dyn Write, v: &Verdict, file: &str, indent: &str) -> io::Result<()> {
    for x in &v.violations {
        writeln!(out, "{indent}- {} ({}): {}", x.reason, x.check, x.detail)?;
        writeln!(
            out,
            "{indent}  at {} ({file}:{}:{})",
            x.path, x.pos.line, x.pos.col
        )?;
    }
    Ok(())
}

fn write_errors(errors: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for e in errors {
        writeln!(out, "error: {e}")?;
    }
    Ok(())
}

// JSON. Keys are in alphabetical order, as in a `serde_json::Value`.

fn display<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// A value written as its `Display` text.
struct Shown<T>(T);

impl<T: Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// The items of a slice, each written as the JSON view `W` of it.
struct Each<'a, T, W>(&'a [T], fn(&'a T) -> W);

impl<'a, T, W: Serialize> Serialize for Each<'a, T, W> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(self.1))
    }
}

/// The document of `pss namespaces` and `pss plan`.
#[derive(Serialize)]
struct Document<'a, N> {
    errors: Each<'a, Diagnostic, ErrorJson<'a>>,
    namespaces: N,
}

/// A diagnostic: `{column, file, line, message}`.
#[derive(Serialize)]
struct ErrorJson<'a> {
    column: u32,
    file: &'a str,
    line: u32,
    message: &'a str,
}

impl<'a> ErrorJson<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        ErrorJson {
            column: d.pos.col,
            file: &d.file,
            line: d.pos.line,
            message: &d.message,
        }
    }
}

/// An object's reference: `{apiVersion, kind, name, namespace}`.
struct ObjectJson<'a>(&'a Object);

impl Serialize for ObjectJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = self.0;
        let mut st = s.serialize_struct("Object", 4)?;
        st.serialize_field("apiVersion", &obj.api_version)?;
        st.serialize_field("kind", &obj.kind)?;
        st.serialize_field("name", &obj.name)?;
        st.serialize_field("namespace", &obj.effective_namespace())?;
        st.end()
    }
}

/// A verdict's violations, each with the file it is in.
struct Violations<'a> {
    violations: &'a [Violation],
    file: &'a str,
}

#[derive(Serialize)]
struct ViolationJson<'a> {
    check: &'a str,
    column: u32,
    detail: &'a str,
    file: &'a str,
    line: u32,
    path: &'a str,
    reason: &'a str,
}

impl Serialize for Violations<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.violations.iter().map(|x| ViolationJson {
            check: x.check,
            column: x.pos.col,
            detail: &x.detail,
            file: self.file,
            line: x.pos.line,
            path: &x.path,
            reason: x.reason,
        }))
    }
}

/// A verdict: `{allowed, level, version, violations}`.
#[derive(Serialize)]
struct VerdictJson<'a> {
    allowed: bool,
    level: &'static str,
    #[serde(serialize_with = "display")]
    version: Version,
    violations: Violations<'a>,
}

impl<'a> VerdictJson<'a> {
    fn new(v: &'a Verdict, file: &'a str) -> Self {
        VerdictJson {
            allowed: v.allowed(),
            level: v.policy.level.as_str(),
            version: v.policy.version,
            violations: Violations {
                violations: &v.violations,
                file,
            },
        }
    }
}

/// An object and its verdict: the verdict's keys with `file`, `line` and
/// `object`; in `pss check`, also `exempt` or `suppressed`.
#[derive(Serialize)]
struct ObjectVerdictJson<'a> {
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    exempt: Option<String>,
    file: &'a str,
    level: &'static str,
    line: u32,
    object: ObjectJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<usize>,
    #[serde(serialize_with = "display")]
    version: Version,
    violations: Violations<'a>,
}

impl<'a> ObjectVerdictJson<'a> {
    fn new(obj: &'a Object, v: &'a Verdict) -> Self {
        let file = obj.source.name.as_str();
        let verdict = VerdictJson::new(v, file);
        ObjectVerdictJson {
            allowed: verdict.allowed,
            exempt: None,
            file,
            level: verdict.level,
            line: line(obj),
            object: ObjectJson(obj),
            suppressed: None,
            version: verdict.version,
            violations: verdict.violations,
        }
    }
}

/// The `results` of `pss check`.
struct CheckResults<'a> {
    rows: &'a [CheckRow<'a>],
    policy: LevelVersion,
}

impl Serialize for CheckResults<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.rows.iter().map(|row| match &row.result {
            CheckResult::Evaluated {
                verdict,
                suppressed,
            } => ObjectVerdictJson {
                suppressed: Some(*suppressed),
                ..ObjectVerdictJson::new(row.object, verdict)
            },
            CheckResult::Exempt(e) => ObjectVerdictJson {
                allowed: true,
                exempt: Some(exemption_text(e)),
                file: &row.object.source.name,
                level: self.policy.level.as_str(),
                line: line(row.object),
                object: ObjectJson(row.object),
                suppressed: None,
                version: self.policy.version,
                violations: Violations {
                    violations: &[],
                    file: "",
                },
            },
        }))
    }
}

/// A label the admission plugin rejects: `{label, message, value}`.
#[derive(Serialize)]
struct LabelErrorJson<'a> {
    label: &'a str,
    message: String,
    value: &'a str,
}

impl<'a> LabelErrorJson<'a> {
    fn new(e: &'a LabelError) -> Self {
        LabelErrorJson {
            label: e.label,
            message: e.message(),
            value: &e.value,
        }
    }
}

/// A namespace of `pss namespaces`.
#[derive(Serialize)]
struct NamespaceJson<'a> {
    audit: Shown<LevelVersion>,
    enforce: Shown<LevelVersion>,
    in_input: bool,
    label_errors: Each<'a, LabelError, LabelErrorJson<'a>>,
    name: &'a str,
    objects: Each<'a, ObjectAdmission<'a>, AdmissionJson<'a>>,
    warn: Shown<LevelVersion>,
}

impl<'a> NamespaceJson<'a> {
    fn new(ns: &'a NamespaceAdmissions<'a>) -> Self {
        let p = &ns.policy.policy;
        NamespaceJson {
            audit: Shown(p.audit),
            enforce: Shown(p.enforce),
            in_input: ns.declared,
            label_errors: Each(&ns.policy.errors, LabelErrorJson::new),
            name: &ns.name,
            objects: Each(&ns.objects, AdmissionJson::new),
            warn: Shown(p.warn),
        }
    }
}

/// An object of `pss namespaces` and what admission does to it.
#[derive(Serialize)]
struct AdmissionJson<'a> {
    audit: Option<VerdictJson<'a>>,
    audited: bool,
    denied: bool,
    enforce: Option<VerdictJson<'a>>,
    exempt: Option<String>,
    file: &'a str,
    line: u32,
    object: ObjectJson<'a>,
    pods_would_be_denied: bool,
    warn: Option<VerdictJson<'a>>,
    warned: bool,
}

impl<'a> AdmissionJson<'a> {
    fn new(o: &'a ObjectAdmission<'a>) -> Self {
        let (obj, a) = (o.object, &o.admission);
        let file = obj.source.name.as_str();
        let mode = |v: &'a Option<Verdict>| v.as_ref().map(|v| VerdictJson::new(v, file));
        AdmissionJson {
            audit: mode(&a.audit),
            audited: a.audited(),
            denied: a.denied(),
            enforce: mode(&a.enforce),
            exempt: a.exempt.as_ref().map(exemption_text),
            file,
            line: line(obj),
            object: ObjectJson(obj),
            pods_would_be_denied: a.pods_would_be_denied(),
            warn: mode(&a.warn),
            warned: a.warned(),
        }
    }
}

/// A namespace of `pss plan`.
#[derive(Serialize)]
struct PlanJson<'a> {
    current_enforce: Option<Shown<LevelVersion>>,
    labels: Labels<'a>,
    name: &'a str,
    next: Option<NextJson<'a>>,
    satisfies: Shown<LevelVersion>,
}

impl<'a> PlanJson<'a> {
    fn new(ns: &'a PlannedNamespace<'a>) -> Self {
        let p = &ns.plan;
        PlanJson {
            current_enforce: ns.current_enforce.map(Shown),
            labels: Labels(&p.labels),
            name: &ns.name,
            next: p.next.as_ref().map(|n| NextJson {
                breaking: Breaking(ns, &n.breaking),
                policy: Shown(n.policy),
                satisfied_up_to: n.satisfied_up_to.map(Shown),
            }),
            satisfies: Shown(p.strictest),
        }
    }
}

/// The next level of a plan.
#[derive(Serialize)]
struct NextJson<'a> {
    breaking: Breaking<'a>,
    policy: Shown<LevelVersion>,
    satisfied_up_to: Option<Shown<Version>>,
}

/// The objects the next level denies, with their verdicts.
struct Breaking<'a>(&'a PlannedNamespace<'a>, &'a [(usize, Verdict)]);

impl Serialize for Breaking<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.1
                .iter()
                .map(|(i, v)| ObjectVerdictJson::new(self.0.objects[*i], v)),
        )
    }
}

/// Labels to apply, as a map in key order.
struct Labels<'a>(&'a [(&'static str, String)]);

impl Serialize for Labels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sorted: BTreeMap<&str, &str> = self.0.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.collect_map(sorted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::Source;
    use kubeguard_pss::config::{AdmissionConfig, Exemptions};
    use kubeguard_pss::input;
    use kubeguard_pss::namespace::Request;
    use kubeguard_pss::{Level, Version};
    use serde_json::{Value, json};

    const INPUT: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/warn: Restricted
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: shop}
spec:
  hostPID: true
  containers: [{name: c, image: c}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      runtimeClassName: kata
      containers: [{name: c, image: c}]
";

    fn objects() -> Vec<Object> {
        let loaded = kubeguard_load::load_source(Source::new("in.yaml", INPUT));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects
    }

    fn text(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    fn rows<'a>(objects: &'a [Object], policy: LevelVersion) -> Vec<CheckRow<'a>> {
        let exemptions = Exemptions {
            runtime_classes: vec!["kata".into()],
            ..Exemptions::default()
        };
        input::pods(objects)
            .pods
            .iter()
            .map(|(obj, pod)| CheckRow {
                object: obj,
                result: input::check(obj, pod, policy, &exemptions, Request::default()),
            })
            .collect()
    }

    #[test]
    fn check_text_lists_verdicts_exemptions_and_the_tally() {
        let objects = objects();
        let policy = LevelVersion::new(Level::Baseline, Version::V1(99));
        let mut rows = rows(&objects, policy);
        rows.push(CheckRow {
            object: &objects[1],
            result: CheckResult::Evaluated {
                verdict: Verdict {
                    policy,
                    violations: Vec::new(),
                },
                suppressed: 2,
            },
        });
        let errors = [Diagnostic::whole_file("bad.yaml", "unreadable")];
        let report = CheckReport {
            policy,
            rows: &rows,
            findings: &[],
            errors: &errors,
            warnings: &[],
            summary: &Summary::default(),
        };
        let text = text(|out| write_check(Format::Text, &[], &report, false, out));
        assert_eq!(
            text,
            format!(
                "in.yaml:9 Pod shop/a: denied by baseline:v1.99
  - host namespaces (hostNamespaces): hostPID=true
    at spec.hostPID (in.yaml:13:3)
in.yaml:16 Deployment default/web: exempt (runtimeClassName \"kata\")
in.yaml:9 Pod shop/a: allowed (2 violations suppressed) by baseline:v1.99
error: bad.yaml:1:1: unreadable
3 objects: 1 allowed, 1 denied, 1 exempt at baseline:v1.99
note: v1.99 is newer than v1.{LATEST_MINOR}; evaluated with the latest checks
"
            )
        );
    }

    #[test]
    fn check_json_puts_the_verdicts_beside_the_findings() {
        let objects = objects();
        let policy = LevelVersion::new(Level::Baseline, Version::Latest);
        let rows = rows(&objects, policy);
        let report = CheckReport {
            policy,
            rows: &rows,
            findings: &[],
            errors: &[],
            warnings: &[],
            summary: &Summary::default(),
        };
        let v: Value = serde_json::from_str(&text(|out| {
            write_check(Format::Json, &[], &report, false, out)
        }))
        .unwrap();
        assert_eq!(v["level"], "baseline");
        let results = v["results"].as_array().unwrap();
        assert_eq!(
            keys(&results[0]),
            [
                "allowed",
                "file",
                "level",
                "line",
                "object",
                "suppressed",
                "version",
                "violations"
            ]
        );
        assert_eq!(
            results[0]["violations"][0],
            json!({"check": "hostNamespaces", "column": 3, "detail": "hostPID=true",
                   "file": "in.yaml", "line": 13, "path": "spec.hostPID",
                   "reason": "host namespaces"})
        );
        assert_eq!(
            results[1],
            json!({"allowed": true, "exempt": "exempt (runtimeClassName \"kata\")",
                   "file": "in.yaml", "level": "baseline", "line": 16,
                   "object": {"apiVersion": "apps/v1", "kind": "Deployment",
                              "name": "web", "namespace": "default"},
                   "version": "latest", "violations": []})
        );
    }

    #[test]
    fn namespaces_text_and_json() {
        let objects = objects();
        let table = input::admissions(&objects, &AdmissionConfig::default(), Request::default());
        let errors = [Diagnostic::whole_file("bad.yaml", "unreadable")];
        let text_out = text(|out| write_namespaces_text(&table.namespaces, &errors, out));
        assert_eq!(
            text_out,
            "namespace default: enforce=privileged:latest audit=privileged:latest warn=privileged:latest (no Namespace object in the input; defaults apply)
  in.yaml:16 Deployment default/web: admitted
namespace shop: enforce=baseline:latest audit=privileged:latest warn=privileged:latest
  invalid label pod-security.kubernetes.io/warn=\"Restricted\": must be one of privileged, baseline, restricted; evaluated as privileged
  in.yaml:9 Pod shop/a: denied by enforce
    enforce (rejected): would violate PodSecurity \"baseline:latest\"
      - host namespaces (hostNamespaces): hostPID=true
        at spec.hostPID (in.yaml:13:3)
error: bad.yaml:1:1: unreadable
"
        );
        let json_out = text(|out| write_namespaces_json(&table.namespaces, &errors, out));
        assert!(json_out.ends_with("}\n"));
        let v: Value = serde_json::from_str(&json_out).unwrap();
        assert_eq!(keys(&v), ["errors", "namespaces"]);
        assert_eq!(
            v["errors"],
            json!([{"column": 1, "file": "bad.yaml", "line": 1, "message": "unreadable"}])
        );
        let shop = &v["namespaces"][1];
        assert_eq!(
            keys(shop),
            [
                "audit",
                "enforce",
                "in_input",
                "label_errors",
                "name",
                "objects",
                "warn"
            ]
        );
        assert_eq!(shop["enforce"], "baseline:latest");
        assert_eq!(shop["label_errors"][0]["value"], "Restricted");
        let pod = &shop["objects"][0];
        assert_eq!(
            keys(pod),
            [
                "audit",
                "audited",
                "denied",
                "enforce",
                "exempt",
                "file",
                "line",
                "object",
                "pods_would_be_denied",
                "warn",
                "warned"
            ]
        );
        assert_eq!(pod["denied"], true);
        assert_eq!(pod["enforce"]["allowed"], false);
        assert_eq!(pod["warn"], Value::Null);
        assert_eq!(v["namespaces"][0]["in_input"], false);
    }

    #[test]
    fn plan_text_and_json() {
        let objects = objects();
        let plans = input::plans(&objects, &AdmissionConfig::default());
        let text_out = text(|out| write_plan_text(&plans.namespaces, &[], out));
        let shop = text_out
            .split_inclusive('\n')
            .skip_while(|l| !l.starts_with("namespace shop"))
            .collect::<String>();
        assert_eq!(
            shop,
            "namespace shop (1 pods and workloads)
  currently enforced: baseline:latest
  satisfies: privileged:v1.37
  next: baseline:v1.37 breaks 1
    in.yaml:9 Pod shop/a
      - host namespaces (hostNamespaces): hostPID=true
        at spec.hostPID (in.yaml:13:3)
  apply: kubectl label --overwrite namespace shop pod-security.kubernetes.io/audit=baseline pod-security.kubernetes.io/audit-version=v1.37 pod-security.kubernetes.io/warn=baseline pod-security.kubernetes.io/warn-version=v1.37 pod-security.kubernetes.io/enforce=privileged pod-security.kubernetes.io/enforce-version=v1.37
"
        );
        let v: Value =
            serde_json::from_str(&text(|out| write_plan_json(&plans.namespaces, &[], out)))
                .unwrap();
        let shop = &v["namespaces"][1];
        assert_eq!(
            keys(shop),
            ["current_enforce", "labels", "name", "next", "satisfies"]
        );
        assert_eq!(
            keys(&shop["labels"]),
            [
                "pod-security.kubernetes.io/audit",
                "pod-security.kubernetes.io/audit-version",
                "pod-security.kubernetes.io/enforce",
                "pod-security.kubernetes.io/enforce-version",
                "pod-security.kubernetes.io/warn",
                "pod-security.kubernetes.io/warn-version"
            ]
        );
        assert_eq!(
            keys(&shop["next"]),
            ["breaking", "policy", "satisfied_up_to"]
        );
        assert_eq!(shop["next"]["satisfied_up_to"], Value::Null);
        assert_eq!(shop["next"]["breaking"][0]["object"]["name"], "a");
        assert_eq!(v["namespaces"][0]["current_enforce"], Value::Null);
    }
}
