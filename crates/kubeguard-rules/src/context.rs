//! What a check reports through: it names a place and a message; the
//! context adds the rule's metadata, the object and the resolved position.

use crate::index::Anchor;
use crate::redact::SecretLines;
use crate::rule::Rule;
use crate::settings::Settings;
use kubeguard_core::{Finding, Located, Object, ObjectRef, Pos, Severity, Snippet, Written};
use std::sync::Arc;

/// One object's identity, computed once and shared by every rule.
#[derive(Debug)]
pub(crate) struct ObjectInfo<'a> {
    pub obj: &'a Object,
    pub secret_lines: SecretLines,
    pub file: Arc<str>,
    pub object_ref: Arc<ObjectRef>,
}

impl<'a> ObjectInfo<'a> {
    /// The identity of `obj`, shared by every finding about it.
    pub(crate) fn new(obj: &'a Object) -> Self {
        ObjectInfo {
            obj,
            secret_lines: SecretLines::of(obj),
            file: Arc::from(obj.source.name.as_str()),
            object_ref: Arc::new(obj.object_ref()),
        }
    }

    /// Where a finding on the key parsed at `at` is reported: the file, the
    /// position and the snippet shown (without any line that holds a secret
    /// value). A field a Kustomize patch adds is reported in the patch file.
    pub(crate) fn place(&self, at: Pos) -> (Arc<str>, Pos, Option<Snippet>) {
        let source = &self.obj.source;
        let written = source.locate(at);
        let shown = !self.secret_lines.contains(at.line) && !self.shows_secret(written);
        let Some(file) = written.file else {
            let snippet = shown.then(|| self.snippet_at(at, written.pos)).flatten();
            return (Arc::clone(&self.file), written.pos, snippet);
        };
        let snippet = shown
            .then(|| source.written_line(written).map(Snippet::from))
            .flatten();
        (Arc::from(file), written.pos, snippet)
    }

    /// The object's file for a finding reported in `file`, when another.
    pub(crate) fn object_file(&self, file: &Arc<str>) -> Option<Arc<str>> {
        (!Arc::ptr_eq(file, &self.file)).then(|| Arc::clone(&self.file))
    }

    /// Whether the line `written` names is also where a secret value is
    /// written: several parsed lines can come from one written line (a
    /// flow-style value, a one-line JSON 6902 operation). Plain text is
    /// written where it is parsed.
    fn shows_secret(&self, written: Written<'_>) -> bool {
        if self.obj.source.origin.is_none() {
            return false;
        }
        self.secret_lines.lines().any(|line| {
            let secret = self.obj.source.locate(Pos { line, col: 1 });
            secret.file == written.file && secret.pos.line == written.pos.line
        })
    }

    /// The snippet shown for a finding on the key parsed at `at` (reported
    /// at `pos`), without any line that holds a secret value.
    fn snippet_at(&self, at: Pos, pos: Pos) -> Option<Snippet> {
        // The reported line of rendered text is a template line: whether
        // it shows a secret is known from the parsed line.
        self.obj.source.snippet(pos.line, |line| {
            self.secret_lines
                .contains(if line == pos.line { at.line } else { line })
        })
    }
}

/// The context of an object check.
pub struct Ctx<'a> {
    pub(crate) info: &'a ObjectInfo<'a>,
    pub(crate) rule: &'static Rule,
    pub(crate) severity: Severity,
    pub(crate) settings: &'a Settings,
    pub(crate) out: &'a mut Vec<Finding>,
}

impl Ctx<'_> {
    /// The configured settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// Reports a finding at `at` (the offending key, or the nearest existing
    /// parent of a missing one).
    pub fn report(&mut self, at: &Located<'_>, message: impl Into<String>) {
        let (file, pos, snippet) = self.info.place(at.at);
        self.out.push(Finding {
            rule: self.rule.meta.name,
            code: self.rule.meta.code,
            severity: self.severity,
            message: message.into(),
            object_file: self.info.object_file(&file),
            file,
            pos,
            path: at.path(),
            object: Arc::clone(&self.info.object_ref),
            remediation: self.rule.meta.remediation,
            references: self.rule.meta.references,
            snippet,
        });
    }

    /// Reports a finding at `severity` instead of the rule's default, for a
    /// case the rule's docs name as more serious. A severity configured for
    /// the rule (other than its default) still wins.
    pub fn report_with_severity(
        &mut self,
        at: &Located<'_>,
        severity: Severity,
        message: impl Into<String>,
    ) {
        let configured = self.severity;
        if configured == self.rule.meta.severity {
            self.severity = severity;
        }
        self.report(at, message);
        self.severity = configured;
    }
}

/// The context of a cluster (cross-object) check.
pub struct ClusterCtx<'a> {
    pub(crate) rule: &'static Rule,
    pub(crate) severity: Severity,
    pub(crate) out: &'a mut Vec<Finding>,
}

impl ClusterCtx<'_> {
    /// Reports a finding at a place recorded in the index.
    pub fn report(&mut self, at: &Anchor, message: impl Into<String>) {
        self.out.push(Finding {
            rule: self.rule.meta.name,
            code: self.rule.meta.code,
            severity: self.severity,
            message: message.into(),
            file: Arc::clone(&at.file),
            pos: at.pos,
            path: at.path.clone(),
            object: Arc::clone(&at.object),
            object_file: at.object_file.clone(),
            remediation: self.rule.meta.remediation,
            references: self.rule.meta.references,
            snippet: at.snippet.clone(),
        });
    }
}
