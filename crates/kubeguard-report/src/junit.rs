//! `--format junit`: one test suite per file, one failed test case per
//! finding, so CI systems show findings as failed tests. XML needs the
//! whole tree, so test cases are kept until the end.

use crate::Ending;
use kubeguard_core::Finding;
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Default)]
pub(crate) struct JunitWriter {
    suites: BTreeMap<String, TestSuite>,
}

impl JunitWriter {
    fn suite(&mut self, file: &str) -> &mut TestSuite {
        self.suites
            .entry(file.to_owned())
            .or_insert_with(|| TestSuite::new(file))
    }

    pub(crate) fn findings(&mut self, batch: &[Finding]) {
        for f in batch {
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
            self.suite(&f.file).add_test_case(case);
        }
    }

    pub(crate) fn finish(mut self, ending: &Ending<'_>, out: &mut dyn Write) -> io::Result<()> {
        for e in ending.errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message));
            self.suite(&e.file)
                .add_test_case(TestCase::new("load", status));
        }
        let mut junit = JunitReport::new("kubeguard");
        junit.add_test_suites(self.suites.into_values());
        let xml = junit.to_string().map_err(io::Error::other)?;
        out.write_all(xml.as_bytes())
    }
}
