//! `--format policyreport`: the findings as `wgpolicyk8s.io/v1alpha2`
//! objects, a YAML stream ready for `kubectl apply -f`: one `PolicyReport`
//! named `kubeguard` per namespace holding the findings about objects in
//! it, and one `ClusterPolicyReport` named `kubeguard` for cluster-scoped
//! objects and for inputs that could not be analysed (`result: error`).
//!
//! Reports are grouped by namespace, so findings are kept until the end of
//! the run (a compact copy of each: no snippet); the rest of the report is
//! written namespace by namespace.

use crate::{Ending, yaml};
use kubeguard_core::{Diagnostic, Finding, RuleMeta, Severity};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The API version written.
pub const API_VERSION: &str = "wgpolicyk8s.io/v1alpha2";

/// The `metadata.name` of every report kubeguard writes.
pub const REPORT_NAME: &str = "kubeguard";

/// Findings kept until the end, grouped by namespace (`None`: cluster-scoped).
pub(crate) struct PolicyReportWriter {
    categories: HashMap<&'static str, &'static str>,
    by_namespace: BTreeMap<Option<Arc<str>>, Vec<Finding>>,
    seconds: u64,
}

impl PolicyReportWriter {
    pub(crate) fn new(rules: &[&'static RuleMeta]) -> Self {
        PolicyReportWriter {
            categories: rules.iter().map(|r| (r.code, r.group)).collect(),
            by_namespace: BTreeMap::new(),
            seconds: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    pub(crate) fn findings(&mut self, batch: &[Finding]) {
        for f in batch {
            let ns: Option<Arc<str>> = f.object.namespace.as_deref().map(Arc::from);
            let mut kept = f.clone();
            kept.snippet = None;
            self.by_namespace.entry(ns).or_default().push(kept);
        }
    }

    pub(crate) fn finish(mut self, ending: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
        let cluster = self.by_namespace.remove(&None).unwrap_or_default();
        crate::buffered(out, |out| {
            for (ns, findings) in &self.by_namespace {
                let ns = ns.as_deref().unwrap_or_default();
                yaml::write_document(out, &self.report(Some(ns), findings, &[]))?;
            }
            if !cluster.is_empty() || !ending.errors.is_empty() || self.by_namespace.is_empty() {
                yaml::write_document(out, &self.report(None, &cluster, ending.errors))?;
            }
            Ok(())
        })
    }

    /// One report: a `PolicyReport` in `namespace`, or the
    /// `ClusterPolicyReport` (`None`), which also carries `errors`.
    fn report(
        &self,
        namespace: Option<&str>,
        findings: &[Finding],
        errors: &[Diagnostic],
    ) -> Value {
        let mut summary = Summary::default();
        let mut results: Vec<Value> = findings
            .iter()
            .map(|f| {
                let result = result_of(f.severity);
                summary.count(result);
                self.result(f, result)
            })
            .collect();
        for e in errors {
            summary.count("error");
            results.push(self.error_result(e));
        }
        let mut metadata = Map::new();
        metadata.insert("name".into(), REPORT_NAME.into());
        if let Some(ns) = namespace {
            metadata.insert("namespace".into(), ns.into());
        }
        metadata.insert(
            "labels".into(),
            json!({ "app.kubernetes.io/managed-by": "kubeguard" }),
        );
        json!({
            "apiVersion": API_VERSION,
            "kind": if namespace.is_some() { "PolicyReport" } else { "ClusterPolicyReport" },
            "metadata": metadata,
            "summary": summary.to_json(),
            "results": results,
        })
    }

    fn result(&self, f: &Finding, result: &str) -> Value {
        let mut resource = Map::new();
        resource.insert("apiVersion".into(), f.object.api_version.clone().into());
        resource.insert("kind".into(), f.object.kind.clone().into());
        if let Some(name) = &f.object.name {
            resource.insert("name".into(), name.clone().into());
        }
        if let Some(ns) = &f.object.namespace {
            resource.insert("namespace".into(), ns.clone().into());
        }
        if !f.path.is_empty() {
            resource.insert("fieldPath".into(), f.path.clone().into());
        }
        let mut properties = Map::new();
        properties.insert("code".into(), f.code.into());
        properties.insert("file".into(), (*f.file).into());
        properties.insert("line".into(), f.pos.line.to_string().into());
        properties.insert("column".into(), f.pos.col.to_string().into());
        if !f.path.is_empty() {
            properties.insert("path".into(), f.path.clone().into());
        }
        properties.insert("remediation".into(), f.remediation.into());
        if !f.references.is_empty() {
            properties.insert("references".into(), f.references.join(", ").into());
        }
        let mut r = Map::new();
        r.insert("source".into(), "kubeguard".into());
        r.insert("policy".into(), f.rule.into());
        r.insert("rule".into(), f.code.into());
        if let Some(category) = self.categories.get(f.code) {
            r.insert("category".into(), (*category).into());
        }
        r.insert("severity".into(), f.severity.as_str().into());
        r.insert("timestamp".into(), self.timestamp());
        r.insert("result".into(), result.into());
        r.insert("scored".into(), true.into());
        r.insert(
            "resources".into(),
            Value::Array(vec![Value::Object(resource)]),
        );
        r.insert("message".into(), f.message.clone().into());
        r.insert("properties".into(), Value::Object(properties));
        Value::Object(r)
    }

    fn error_result(&self, e: &Diagnostic) -> Value {
        json!({
            "source": "kubeguard",
            "policy": "input",
            "timestamp": self.timestamp(),
            "result": "error",
            "scored": false,
            "message": e.message,
            "properties": {
                "file": &*e.file,
                "line": e.pos.line.to_string(),
                "column": e.pos.col.to_string(),
            },
        })
    }

    fn timestamp(&self) -> Value {
        json!({ "seconds": self.seconds, "nanos": 0 })
    }
}

/// A finding is a failed check; an `info` one is not a weakness by itself,
/// so it is a warning.
fn result_of(severity: Severity) -> &'static str {
    if severity == Severity::Info {
        "warn"
    } else {
        "fail"
    }
}

/// The counts of a report's `summary`.
#[derive(Default)]
struct Summary {
    fail: usize,
    warn: usize,
    error: usize,
}

impl Summary {
    fn count(&mut self, result: &str) {
        match result {
            "fail" => self.fail += 1,
            "warn" => self.warn += 1,
            _ => self.error += 1,
        }
    }

    fn to_json(&self) -> Value {
        // `pass` and `skip` are left out: checks that passed are not counted.
        json!({ "fail": self.fail, "warn": self.warn, "error": self.error })
    }
}
