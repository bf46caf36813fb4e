//! `--format junit`: one test suite per file, one failed test case per
//! finding, so CI systems show findings as failed tests. The document opens
//! with the totals and each suite with its own counts, so test cases are
//! kept until the end: compactly, as the few fields a test case shows
//! (shared file names and objects, no snippets), and turned into XML one
//! suite at a time.

use crate::Ending;
use kubeguard_core::{Finding, ObjectRef, Pos, Severity};
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

/// What a finding's test case shows.
struct Case {
    rule: &'static str,
    severity: Severity,
    pos: Pos,
    object: Arc<ObjectRef>,
    message: Box<str>,
    path: Box<str>,
    remediation: &'static str,
}

impl Case {
    fn of(f: &Finding) -> Self {
        Self {
            rule: f.rule,
            severity: f.severity,
            pos: f.pos,
            object: Arc::clone(&f.object),
            message: f.message.as_str().into(),
            path: f.path.as_str().into(),
            remediation: f.remediation,
        }
    }
}

#[derive(Default)]
pub(crate) struct JunitWriter {
    /// Test cases by file, in the order they came.
    suites: BTreeMap<Arc<str>, Vec<Case>>,
}

const NAME: &str = "kubeguard";

impl JunitWriter {
    pub(crate) fn findings(&mut self, batch: &[Finding]) {
        for f in batch {
            let case = Case::of(f);
            match self.suites.get_mut(&f.file) {
                Some(cases) => cases.push(case),
                None => {
                    self.suites.insert(Arc::clone(&f.file), vec![case]);
                }
            }
        }
    }

    pub(crate) fn finish(self, ending: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut errors: BTreeMap<&str, Vec<TestCase>> = BTreeMap::new();
        for e in ending.errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message));
            errors
                .entry(&e.file)
                .or_default()
                .push(TestCase::new("load", status));
        }
        let findings: usize = self.suites.values().map(Vec::len).sum();
        let loads: usize = errors.values().map(Vec::len).sum();
        let mut header = JunitReport::new(NAME);
        header.tests = findings + loads;
        header.failures = findings;
        header.errors = loads;
        let header = xml(&header)?;
        let open = header
            .find('>')
            .and_then(|decl| header[decl + 1..].find('>').map(|tag| decl + 1 + tag + 1))
            .ok_or_else(|| io::Error::other("unexpected JUnit header"))?;
        out.write_all(&header.as_bytes()[..open])?;

        // Suites in file order, as one map of both would hold them.
        let mut suites = self.suites.into_iter().peekable();
        let mut errors = errors.into_iter().peekable();
        loop {
            let (file, cases, load) = match (suites.peek(), errors.peek()) {
                (None, None) => break,
                (Some((file, _)), Some((err_file, _))) if **file == **err_file => {
                    let (file, cases) = suites.next().expect("peeked");
                    let (_, load) = errors.next().expect("peeked");
                    (file, cases, load)
                }
                (Some((file, _)), Some((err_file, _))) if **err_file < **file => {
                    let (err_file, load) = errors.next().expect("peeked");
                    (Arc::from(err_file), Vec::new(), load)
                }
                (Some(_), _) => {
                    let (file, cases) = suites.next().expect("peeked");
                    (file, cases, Vec::new())
                }
                (None, Some(_)) => {
                    let (err_file, load) = errors.next().expect("peeked");
                    (Arc::from(err_file), Vec::new(), load)
                }
            };
            let mut suite = TestSuite::new(&*file);
            suite.add_test_cases(cases.into_iter().map(|c| test_case(&file, c)));
            suite.add_test_cases(load);
            out.write_all(suite_xml(suite)?.as_bytes())?;
        }
        out.write_all(b"\n</testsuites>\n")
    }
}

fn test_case(file: &str, c: Case) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_message(format!("{}: {}", c.object, c.message));
    status.set_type(c.severity.as_str());
    status.set_description(format!(
        "{file}:{}:{} {}\npath: {}\nfix: {}",
        c.pos.line, c.pos.col, c.rule, c.path, c.remediation
    ));
    let mut case = TestCase::new(
        format!("{} {} ({}:{})", c.rule, c.object, c.pos.line, c.pos.col),
        status,
    );
    case.set_classname(c.rule);
    case
}

fn xml(report: &JunitReport) -> io::Result<String> {
    report.to_string().map_err(io::Error::other)
}

/// One suite's XML as it appears inside the whole report: a report of
/// this suite alone, less the report's own opening and closing tags.
fn suite_xml(suite: TestSuite) -> io::Result<String> {
    let mut report = JunitReport::new(NAME);
    report.add_test_suite(suite);
    let text = xml(&report)?;
    let start = text
        .find("<testsuites")
        .and_then(|i| text[i..].find('>').map(|j| i + j + 1));
    let end = text.rfind("\n</testsuites>");
    match (start, end) {
        (Some(start), Some(end)) if start <= end => Ok(text[start..end].to_owned()),
        _ => Err(io::Error::other("unexpected JUnit suite layout")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ending, Summary};
    use kubeguard_core::Diagnostic;

    fn finding(file: &str, line: u32, message: &str) -> Finding {
        Finding {
            rule: "host-pid",
            code: "KG003",
            severity: Severity::High,
            message: message.to_owned(),
            file: Arc::from(file),
            pos: Pos { line, col: 7 },
            path: "spec.hostPID".to_owned(),
            object: Arc::new(ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some("a&b".into()),
                name: Some("<web>".into()),
            }),
            object_file: None,
            remediation: "Remove \"hostPID\" & 'friends'.",
            references: &[],
            snippet: Some("  hostPID: true".into()),
        }
    }

    /// The report as one quick-junit document built from everything at
    /// once, as this writer did before it wrote suite by suite.
    fn whole(batches: &[Vec<Finding>], errors: &[Diagnostic]) -> String {
        let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
        for f in batches.iter().flatten() {
            let c = Case::of(f);
            suites
                .entry(f.file.to_string())
                .or_insert_with(|| TestSuite::new(&*f.file))
                .add_test_case(test_case(&f.file, c));
        }
        for e in errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message));
            suites
                .entry(e.file.clone())
                .or_insert_with(|| TestSuite::new(&e.file))
                .add_test_case(TestCase::new("load", status));
        }
        let mut report = JunitReport::new(NAME);
        report.add_test_suites(suites.into_values());
        report.to_string().unwrap()
    }

    fn streamed(batches: &[Vec<Finding>], errors: &[Diagnostic]) -> String {
        let mut w = JunitWriter::default();
        for b in batches {
            w.findings(b);
        }
        let mut out = Vec::new();
        w.finish(
            &Ending {
                errors,
                warnings: &[],
                summary: Summary::default(),
                extras: &[],
            },
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn suite_by_suite_is_the_whole_document() {
        let batches = vec![
            vec![finding("b.yaml", 3, "one <two> & \"three\"")],
            vec![finding("d.yaml", 1, "x"), finding("d.yaml", 9, "y")],
            vec![finding("b.yaml", 12, "late")],
        ];
        let errors = vec![
            Diagnostic::new("a.yaml", Pos { line: 1, col: 1 }, "bad <yaml>"),
            Diagnostic::new("d.yaml", Pos { line: 4, col: 2 }, "half bad"),
            Diagnostic::new("z.yaml", Pos { line: 2, col: 1 }, "worse"),
            Diagnostic::new("z.yaml", Pos { line: 5, col: 1 }, "worst"),
        ];
        assert_eq!(streamed(&batches, &errors), whole(&batches, &errors));
        assert_eq!(streamed(&batches, &[]), whole(&batches, &[]));
        assert_eq!(streamed(&[], &errors), whole(&[], &errors));
        assert_eq!(streamed(&[], &[]), whole(&[], &[]));
    }
}
