//! Reading audit logs: JSON lines, gzip, rotated files, EventList
//! documents, and everything that is not an event counted and located.

use kubeguard_audit::reader::{Input, ReadOptions, ReadStats, inputs, read_input};
use std::io::Write;

const EV: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"@@","stage":"ResponseComplete","verb":"get","stageTimestamp":"2026-12-05T04:00:00Z"}"#;

fn ev(id: &str) -> String {
    EV.replace("@@", id)
}

fn read(paths: &[&std::path::Path]) -> (Vec<String>, ReadStats) {
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut ids = Vec::new();
    let mut stats = ReadStats::default();
    for input in inputs(&args).unwrap() {
        read_input(&input, &ReadOptions::default(), &mut stats, &mut |e| {
            ids.push(e.audit_id().unwrap_or_default().to_owned());
        })
        .unwrap();
    }
    (ids, stats)
}

#[test]
fn garbage_is_counted_and_located_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.log");
    let big = format!(
        r#"{{"kind":"Event","stageTimestamp":"2026-12-05T04:00:00Z","x":"{}"}}"#,
        "a".repeat(300_000)
    );
    let text = format!(
        "{}\n\n   \n{{\"kind\":\"Event\",\"verb\":\n not json at all\n{}\r\n{{\"kind\":\"Event\"}}\n{{\"kind\":\"Pod\"}}\n{big}\n{}",
        ev("a"),
        ev("b"),
        ev("c")
    );
    std::fs::write(&p, text).unwrap();
    let (ids, stats) = read(&[&p]);
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(
        (
            stats.garbage,
            stats.no_timestamp,
            stats.not_events,
            stats.too_large
        ),
        (2, 1, 1, 1)
    );
    let located: Vec<String> = stats
        .issues
        .iter()
        .map(|d| format!("{}:{}", d.pos.line, d.message))
        .collect();
    assert!(located[0].starts_with("4:truncated JSON"), "{located:?}");
    assert!(located[1].starts_with("5:not JSON"), "{located:?}");
    assert!(
        located[2].starts_with("7:audit event without a valid stageTimestamp"),
        "{located:?}"
    );
    assert!(
        located[3].starts_with("8:not an audit event"),
        "{located:?}"
    );
    assert!(located[4].starts_with("9:audit event of"), "{located:?}");
}

#[test]
fn rotated_and_gzipped_files_are_read_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("audit.log"), ev("4") + "\n").unwrap();
    std::fs::write(d.join("audit.log.1"), ev("3") + "\n").unwrap();
    let gz = std::fs::File::create(d.join("audit.log.2.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    enc.write_all((ev("1") + "\n" + &ev("2") + "\n").as_bytes())
        .unwrap();
    enc.finish().unwrap();
    let (ids, _) = read(&[
        &d.join("audit.log"),
        &d.join("audit.log.1"),
        &d.join("audit.log.2.gz"),
    ]);
    assert_eq!(ids, ["1", "2", "3", "4"]);
    // A directory stands for its files, in the same order.
    let (ids, _) = read(&[d]);
    assert_eq!(ids, ["1", "2", "3", "4"]);

    let l = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("audit.log"), ev("new") + "\n").unwrap();
    std::fs::write(
        l.path().join("audit-2026-12-05T03-00-00.000.log"),
        ev("mid") + "\n",
    )
    .unwrap();
    std::fs::write(
        l.path().join("audit-2026-12-04T03-00-00.000.log"),
        ev("old") + "\n",
    )
    .unwrap();
    let (ids, _) = read(&[l.path()]);
    assert_eq!(ids, ["old", "mid", "new"]);
}

#[test]
fn event_list_documents_over_many_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("list.json");
    let doc = format!(
        "{{\n  \"kind\": \"EventList\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"items\": [\n{},\n{}\n  ]\n}}\n",
        ev("x").replace(r#""kind":"Event","#, ""),
        ev("y")
    );
    std::fs::write(&p, doc).unwrap();
    let (ids, stats) = read(&[&p]);
    assert_eq!(ids, ["x", "y"]);
    assert_eq!(stats.skipped(), 0);
    // An EventList on one line, as a webhook batch is written.
    let one = dir.path().join("batch.jsonl");
    std::fs::write(
        &one,
        format!(
            "{{\"kind\":\"EventList\",\"items\":[{},{}]}}\n",
            ev("p"),
            ev("q")
        ),
    )
    .unwrap();
    assert_eq!(read(&[&one]).0, ["p", "q"]);
}

#[test]
fn an_input_that_cannot_be_opened_is_an_error() {
    let err = read_input(
        &Input::File("/nonexistent/audit.log".into()),
        &ReadOptions::default(),
        &mut ReadStats::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/audit.log:1:1: cannot read"),
        "{err}"
    );
}

#[test]
fn long_lines_are_skipped_without_holding_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.log");
    std::fs::write(&p, format!("{}\n{}\n", "x".repeat(5000), ev("after"))).unwrap();
    let opts = ReadOptions {
        max_line: 1000,
        ..ReadOptions::default()
    };
    let mut stats = ReadStats::default();
    let mut ids = Vec::new();
    read_input(&Input::File(p), &opts, &mut stats, &mut |e| {
        ids.push(e.audit_id().unwrap().to_owned())
    })
    .unwrap();
    assert_eq!(ids, ["after"]);
    assert_eq!(stats.garbage, 1);
    assert!(stats.issues[0].message.contains("longer than 1000 bytes"));
}

#[test]
fn unknown_fields_are_counted_listed_and_capped_and_events_still_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.log");
    let odd = EV.replace(r#""verb":"get""#, r#""verb":"get","extra":{"a":1}"#);
    let mut text = String::new();
    for i in 0..5 {
        text.push_str(&odd.replace("@@", &i.to_string()));
        text.push('\n');
    }
    // An EventList item with an unknown field: located at the list's line.
    text.push_str(&format!(
        "{{\"kind\":\"EventList\",\"items\":[{}]}}\n",
        ev("l").replace(r#""verb":"get""#, r#""verb":"get","zz":true"#)
    ));
    std::fs::write(&p, text).unwrap();
    let opts = ReadOptions {
        max_issues: 3,
        ..ReadOptions::default()
    };
    let mut stats = ReadStats::default();
    let mut ids = Vec::new();
    read_input(&Input::File(p), &opts, &mut stats, &mut |e| {
        ids.push(e.audit_id().unwrap_or_default().to_owned());
    })
    .unwrap();
    assert_eq!(ids, ["0", "1", "2", "3", "4", "l"]);
    assert_eq!((stats.unknown_fields, stats.skipped()), (6, 0));
    assert_eq!(stats.issues.len(), 3);
    assert_eq!(stats.unlisted(), 3);
    assert_eq!(
        stats.issues[0].to_string(),
        format!(
            "{}:1:1: audit event with unknown field \"extra\" (not in an audit.k8s.io Event); evaluated anyway",
            dir.path().join("audit.log").display()
        )
    );
}
