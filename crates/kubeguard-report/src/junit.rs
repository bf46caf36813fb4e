//! `--format junit`: one test suite per file, one failed test case per
//! finding, so CI systems show findings as failed tests.

use crate::Report;
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for f in report.findings {
        let suite = suites
            .entry(&f.file)
            .or_insert_with(|| TestSuite::new(&*f.file));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("{}: {}", f.object, f.message));
        status.set_type(f.severity.as_str());
        status.set_description(format!(
            "{}:{}:{} {}\npath: {}\nfix: {}",
            f.file, f.pos.line, f.pos.col, f.rule, f.path, f.remediation
        ));
        let mut case = TestCase::new(
            format!("{} {} ({}:{})", f.rule, f.object, f.pos.line, f.pos.col),
            status,
        );
        case.set_classname(f.rule);
        suite.add_test_case(case);
    }
    for e in report.errors {
        let suite = suites
            .entry(&e.file)
            .or_insert_with(|| TestSuite::new(&e.file));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message));
        suite.add_test_case(TestCase::new("load", status));
    }
    let mut junit = JunitReport::new("kubeguard");
    junit.add_test_suites(suites.into_values());
    let xml = junit.to_string().map_err(io::Error::other)?;
    out.write_all(xml.as_bytes())
}
