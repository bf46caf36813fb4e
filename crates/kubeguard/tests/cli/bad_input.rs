//! End-to-end tests of bad input: every case runs the real binary on a
//! directory that also holds a good manifest, and checks the exit code, the
//! located `errors[]` of the JSON report, and that the good manifest was
//! still scanned. A panic, stack overflow or abort would not exit with
//! exactly 2, so `code(2)` also proves there was none.
//!
//! Only `host-pid` runs (`--select host-pid`): these tests are about input
//! handling, and one rule that is known to fire keeps them independent of
//! the rest of the rule set.

use crate::support;
use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::time::Duration;

/// A Pod that `host-pid` flags at line 7, column 3.
const GOOD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\n  namespace: team\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: nginx:1.27\n";

/// A Pod that `host-pid` does not flag.
const CLEAN: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: clean\n  namespace: team\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n";

/// The outcome of one run.
struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

impl Run {
    fn errors(&self) -> &[Value] {
        self.report["errors"]
            .as_array()
            .expect("errors[] in the report")
    }

    /// The only error about `file`.
    fn error_for(&self, file: &Path) -> &Value {
        let name = file.display().to_string();
        let found: Vec<&Value> = self
            .errors()
            .iter()
            .filter(|e| e["file"] == name.as_str())
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one error for {name} expected: {:#?}",
            self.errors()
        );
        found[0]
    }

    /// Asserts the error about `file` is at `line:column` and its message
    /// contains `text`.
    fn assert_error(&self, file: &Path, line: u64, column: u64, text: &str) {
        let e = self.error_for(file);
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(line), Some(column)),
            "{e}"
        );
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains(text),
            "{message:?} does not mention {text:?}"
        );
        let shown = format!("error: {}:{line}:{column}: {message}", file.display());
        assert!(
            self.stderr.contains(&shown),
            "stderr lacks {shown:?}:\n{}",
            self.stderr
        );
    }

    /// Asserts `GOOD` in `dir/good.yaml` was scanned: its finding is reported.
    fn assert_good_scanned(&self, dir: &Path) {
        let file = dir.join("good.yaml").display().to_string();
        let findings = self.report["findings"].as_array().unwrap();
        assert!(
            findings.iter().any(|f| f["rule"] == "host-pid"
                && f["file"] == file.as_str()
                && f["line"] == 7
                && f["column"] == 3),
            "no host-pid finding for {file}: {:#}",
            self.report
        );
    }

    fn objects(&self) -> u64 {
        self.report["summary"]["objects"].as_u64().unwrap()
    }
}

fn kubeguard(cwd: &Path) -> Command {
    let mut cmd = support::kubeguard();
    // A hang would otherwise stall the suite: fail instead.
    cmd.current_dir(cwd).timeout(Duration::from_secs(300));
    cmd
}

/// Runs `kubeguard scan ARGS --format json` with only `host-pid` enabled.
fn scan_with(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = kubeguard(cwd);
    cmd.arg("scan")
        .args(args)
        .args(["--format", "json", "--no-config", "--select", "host-pid"]);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); status {:?}, stderr:\n{stderr}",
            out.status
        )
    });
    Run {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal: {:?}\n{stderr}", out.status)),
        report,
        stderr,
    }
}

fn scan(dir: &Path) -> Run {
    scan_with(dir, &[dir.to_str().unwrap()], None)
}

/// A temporary directory holding `good.yaml`.
fn dir_with_good() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.yaml"), GOOD).unwrap();
    dir
}

#[test]
fn invalid_yaml_is_located_and_other_files_are_still_scanned() {
    let dir = dir_with_good();
    let bad = dir.path().join("bad.yaml");
    fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  labels: {a: [1, 2}\n",
    )
    .unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    assert_eq!(run.errors().len(), 1);
    run.assert_error(&bad, 5, 20, "flow sequence");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
    assert_eq!(run.report["summary"]["files"], 2);
    assert_eq!(run.report["summary"]["errors"], 1);
}

#[test]
fn documents_before_a_syntax_error_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.yaml");
    fs::write(&file, format!("{GOOD}---\nkind: [\n")).unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    run.assert_error(&file, 13, 1, "did not find expected node content");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn duplicate_key_points_at_the_second_key() {
    let dir = dir_with_good();
    let dup = dir.path().join("dup.yaml");
    fs::write(&dup, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: one\n  j: two\n  k: three\n").unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    run.assert_error(
        &dup,
        8,
        3,
        "duplicate key \"k\" (first set at line 6, column 3)",
    );
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn empty_and_comment_only_files_are_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("clean.yaml"), CLEAN).unwrap();
    fs::write(dir.path().join("empty.yaml"), "").unwrap();
    fs::write(
        dir.path().join("comments.yaml"),
        "# nothing here yet\n# apiVersion: v1\n",
    )
    .unwrap();
    fs::write(dir.path().join("blank.yml"), "\n   \n\t\n").unwrap();
    fs::write(dir.path().join("separators.yaml"), "---\n---\n...\n").unwrap();
    fs::write(dir.path().join("bom.yaml"), "\u{feff}").unwrap();
    fs::write(dir.path().join("empty.json"), "").unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.errors().is_empty(), "{:#?}", run.errors());
    assert_eq!(run.report["summary"]["files"], 7);
    assert_eq!(run.objects(), 1);
    assert_eq!(run.report["summary"]["skipped"], 0);
    assert_eq!(run.report["summary"]["findings"], 0);

    let only_empty = tempfile::tempdir().unwrap();
    fs::write(only_empty.path().join("empty.yaml"), "").unwrap();
    let run = scan(only_empty.path());
    assert_eq!(run.code, 0);
    assert!(run.errors().is_empty());
    assert_eq!(run.objects(), 0);
}

#[test]
fn binary_file_is_refused_with_the_position_of_the_nul_byte() {
    let dir = dir_with_good();
    let bin = dir.path().join("image.yaml");
    let mut bytes = b"apiVersion: v1\nkind: Pod\nmeta\0\x01\x02\xff\xfe".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    fs::write(&bin, bytes).unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    run.assert_error(&bin, 3, 5, "binary data");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn non_utf8_file_is_refused_with_the_position_of_the_bad_byte() {
    let dir = dir_with_good();
    // "café" in Latin-1: 0xE9 is not UTF-8.
    let latin1 = dir.path().join("latin1.yaml");
    fs::write(
        &latin1,
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    // UTF-16 with a byte-order mark.
    let utf16 = dir.path().join("utf16.yaml");
    let text: Vec<u8> = "kind: Pod\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    fs::write(&utf16, [&[0xff, 0xfe][..], &text].concat()).unwrap();
    // Valid UTF-8 up to a multi-byte character, then a stray continuation byte.
    let mixed = dir.path().join("mixed.yaml");
    let mut bytes = "a: \"é\u{1F600}\"\nb: x".as_bytes().to_vec();
    bytes.push(0x80);
    fs::write(&mixed, bytes).unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    run.assert_error(&latin1, 4, 12, "not valid UTF-8");
    run.assert_error(&utf16, 1, 1, "UTF-16 text");
    run.assert_error(&utf16, 1, 1, "must be UTF-8");
    // Columns count characters: `b: x` is four.
    run.assert_error(&mixed, 2, 5, "not valid UTF-8");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn file_over_the_default_limit_is_refused_unread() {
    let dir = dir_with_good();
    let big = dir.path().join("big.yaml");
    // Sparse: 200 MB of size, no data written.
    fs::File::create(&big)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    // The size comes from the file's metadata: had the file been read, it
    // would have been cut off after the limit ("more than 64 MiB").
    run.assert_error(&big, 1, 1, "file is over the size limit (200 MiB > 64 MiB)");
    run.assert_error(&big, 1, 1, "--max-file-size");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn max_file_size_refuses_larger_files_and_accepts_smaller_ones() {
    let dir = dir_with_good();
    let two_kib = dir.path().join("two-kib.yaml");
    let padding = |n: usize| format!("{CLEAN}#{}\n", "x".repeat(n - CLEAN.len() - 2));
    fs::write(&two_kib, padding(2048)).unwrap();
    fs::write(dir.path().join("under.yaml"), padding(1000)).unwrap();
    fs::write(dir.path().join("exact.yaml"), padding(1024)).unwrap();
    let run = scan_with(
        dir.path(),
        &[dir.path().to_str().unwrap(), "--max-file-size", "1KiB"],
        None,
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.errors().len(), 1, "{:#?}", run.errors());
    run.assert_error(
        &two_kib,
        1,
        1,
        "file is over the size limit (2 KiB > 1 KiB); raise it with --max-file-size",
    );
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 3);

    // Without the flag the same directory is fine.
    let run = scan(dir.path());
    assert_eq!(run.code, 1);
    assert!(run.errors().is_empty());
    assert_eq!(run.objects(), 4);
}

#[test]
fn stdin_over_max_file_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{CLEAN}#{}\n", "x".repeat(4096));
    let run = scan_with(
        dir.path(),
        &["-", "--max-file-size", "1KiB"],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 2);
    run.assert_error(
        Path::new("<stdin>"),
        1,
        1,
        "file is over the size limit (more than 1 KiB)",
    );
    assert_eq!(run.objects(), 0);
}

/// The classic: nine nested levels of nine aliases each, 9^9 "lol"s.
fn billion_laughs() -> String {
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names: Vec<char> = "abcdefghi".chars().collect();
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(",");
        text.push_str(&format!("  {}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    text
}

#[test]
fn billion_laughs_is_refused() {
    let dir = dir_with_good();
    let lol = dir.path().join("lol.yaml");
    fs::write(&lol, billion_laughs()).unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    let e = run.error_for(&lol);
    assert!(
        e["message"].as_str().unwrap().contains("billion laughs"),
        "{e}"
    );
    assert!(e["line"].as_u64().unwrap() > 6, "{e}");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn nested_anchors_cannot_multiply_a_large_tree() {
    // Each anchor keeps a copy of what it anchors: 250 nested anchors around
    // 40,000 items, with no alias at all, would copy 10 million nodes.
    let dir = dir_with_good();
    let bomb = dir.path().join("anchors.yaml");
    let items: String = (0..40_000).map(|i| format!("{i},")).collect();
    fs::write(
        &bomb,
        format!("{}{items}0{}\n", "&a [".repeat(250), "]".repeat(250)),
    )
    .unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    let e = run.error_for(&bomb);
    assert!(
        e["message"].as_str().unwrap().contains("billion laughs"),
        "{e}"
    );
    run.assert_good_scanned(dir.path());
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    const DEPTH: usize = 100_000;
    let dir = dir_with_good();
    let flow = dir.path().join("flow.yaml");
    fs::write(&flow, "[".repeat(DEPTH)).unwrap();
    let closed = dir.path().join("closed.yaml");
    fs::write(
        &closed,
        format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH)),
    )
    .unwrap();
    let json = dir.path().join("deep.json");
    fs::write(
        &json,
        format!("{}1{}", "{\"a\":".repeat(DEPTH), "}".repeat(DEPTH)),
    )
    .unwrap();
    // Block sequences nest on one line: `- - - ... x`.
    let seq = dir.path().join("seq.yaml");
    fs::write(&seq, format!("{}x\n", "- ".repeat(DEPTH))).unwrap();
    // Block mappings nest on one line through explicit keys: `? ? ? ... x`.
    let keys = dir.path().join("keys.yaml");
    fs::write(&keys, format!("{}x\n", "? ".repeat(DEPTH))).unwrap();
    // Indented block mappings need one more space per level, so 100,000
    // levels would be 5 GB of text; 3,000 levels (4.5 MB) are as deep as
    // the limit cares about.
    let indented = dir.path().join("indented.yaml");
    let text: String = (0..3_000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    fs::write(&indented, text).unwrap();

    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    run.assert_error(&flow, 1, 256, "nested deeper than 255 levels");
    run.assert_error(&closed, 1, 256, "nested deeper than 255 levels");
    run.assert_error(&json, 1, 255 * 5 + 1, "nested deeper than 255 levels");
    run.assert_error(&seq, 1, 2 * 256 + 1, "nesting deeper than 256 levels");
    run.assert_error(&keys, 1, 2 * 256 + 1, "nesting deeper than 256 levels");
    run.assert_error(&indented, 257, 257, "nesting deeper than 256 levels");
    assert_eq!(run.errors().len(), 6);
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn nesting_within_the_limit_is_scanned() {
    let dir = dir_with_good();
    let deep = dir.path().join("deep.yaml");
    let value = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    fs::write(
        &deep,
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {{k: {value}}}\n"
        ),
    )
    .unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 1, "{:#?}", run.errors());
    assert_eq!(run.objects(), 2);
}

#[test]
fn unknown_kinds_and_crds_are_scanned_and_counted() {
    let dir = dir_with_good();
    fs::write(
        dir.path().join("widget.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n  hostPID: true\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("future.json"),
        r#"{"apiVersion": "v9beta7", "kind": "Teleporter", "metadata": {"name": "t"}}"#,
    )
    .unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 1);
    assert!(run.errors().is_empty(), "{:#?}", run.errors());
    assert_eq!(run.objects(), 4);
    assert_eq!(run.report["summary"]["skipped"], 0);
    run.assert_good_scanned(dir.path());
    // `spec.hostPID` means nothing on a Widget: only the Pod is flagged.
    assert_eq!(run.report["summary"]["findings"], 1);
}

#[test]
fn non_kubernetes_yaml_is_skipped_and_listed_with_verbose() {
    let dir = dir_with_good();
    let other = dir.path().join("values.yaml");
    fs::write(
        &other,
        "replicas: 3\nimage:\n  tag: latest\n---\n- just\n- a list\n---\nkind: Pod\n",
    )
    .unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 1);
    assert!(run.errors().is_empty(), "{:#?}", run.errors());
    assert_eq!(run.objects(), 1);
    assert_eq!(run.report["summary"]["skipped"], 3);
    assert!(!run.stderr.contains("skipped"), "{}", run.stderr);

    let run = scan_with(
        dir.path(),
        &[dir.path().to_str().unwrap(), "--verbose"],
        None,
    );
    assert_eq!(run.code, 1);
    for line in [1, 5, 8] {
        let note = format!(
            "note: {}:{line}:1: not a Kubernetes object (no apiVersion and kind); skipped",
            other.display()
        );
        assert!(
            run.stderr.contains(&note),
            "stderr lacks {note:?}:\n{}",
            run.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_and_the_walk_terminates() {
    let dir = dir_with_good();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    fs::write(
        sub.join("widget.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
    )
    .unwrap();
    let to_root = dir.path().join("loop");
    std::os::unix::fs::symlink(dir.path(), &to_root).unwrap();
    let to_parent = sub.join("up");
    std::os::unix::fs::symlink("..", &to_parent).unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    assert_eq!(run.errors().len(), 2, "{:#?}", run.errors());
    for link in [&to_root, &to_parent] {
        run.assert_error(
            link,
            1,
            1,
            &format!("symlink loop: {} points back to", link.display()),
        );
    }
    run.assert_good_scanned(dir.path());
    // Each file is scanned once, not once per way of reaching it.
    assert_eq!(run.objects(), 2);
    assert_eq!(run.report["summary"]["findings"], 1);
}

#[cfg(unix)]
#[test]
fn dangling_symlink_manifest_is_an_error_naming_it() {
    let dir = dir_with_good();
    let dangling = dir.path().join("x.yaml");
    std::os::unix::fs::symlink(dir.path().join("gone.yaml"), &dangling).unwrap();
    // A dangling link that is not named like a manifest would not be read
    // anyway: it is no error (think of a `result` link left by a build).
    std::os::unix::fs::symlink("nowhere", dir.path().join("result")).unwrap();
    std::os::unix::fs::symlink("nowhere", dir.path().join("build.d")).unwrap();
    let run = scan(dir.path());
    assert_eq!(run.code, 2);
    assert_eq!(run.errors().len(), 1, "{:#?}", run.errors());
    run.assert_error(&dangling, 1, 1, "broken symlink: its target");
    run.assert_error(&dangling, 1, 1, "gone.yaml does not exist");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);

    // Named on the command line, it is a missing file.
    let run = scan_with(
        dir.path(),
        &[
            dangling.to_str().unwrap(),
            dir.path().join("good.yaml").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 2);
    run.assert_error(&dangling, 1, 1, "no such file or directory");
    run.assert_good_scanned(dir.path());
}

/// Whether `chmod 000` really makes `path` unreadable here: it does not
/// for root, which tests often run as.
#[cfg(unix)]
fn chmod_denies(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o000)).unwrap();
    let denied = if path.is_dir() {
        fs::read_dir(path).is_err()
    } else {
        fs::read(path).is_err()
    };
    if !denied {
        eprintln!("SKIPPED: running as root, chmod cannot make a file unreadable");
    }
    denied
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = dir_with_good();
    let locked = dir.path().join("locked.yaml");
    fs::write(&locked, CLEAN).unwrap();
    if !chmod_denies(&locked) {
        return;
    }
    let run = scan(dir.path());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(run.code, 2);
    run.assert_error(&locked, 1, 1, "permission denied");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = dir_with_good();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("pod.yaml"), GOOD).unwrap();
    if !chmod_denies(&locked) {
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    let run = scan(dir.path());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.code, 2);
    run.assert_error(&locked, 1, 1, "permission denied");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
}

#[test]
fn missing_path_is_a_clear_error() {
    let dir = dir_with_good();
    let missing = dir.path().join("no-such-dir");
    let run = scan_with(
        dir.path(),
        &[missing.to_str().unwrap(), dir.path().to_str().unwrap()],
        None,
    );
    assert_eq!(run.code, 2);
    run.assert_error(&missing, 1, 1, "no such file or directory");
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 1);
    assert_eq!(run.report["summary"]["files"], 1);

    let run = scan_with(dir.path(), &["missing.yaml"], None);
    assert_eq!(run.code, 2);
    run.assert_error(Path::new("missing.yaml"), 1, 1, "no such file or directory");
    assert_eq!(run.objects(), 0);
}

#[test]
fn invalid_yaml_on_stdin_is_located_in_stdin() {
    let dir = dir_with_good();
    let input =
        format!("{GOOD}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\nspec: {{}}\n");
    let run = scan_with(
        dir.path(),
        &["-", dir.path().to_str().unwrap()],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.errors().len(), 1, "{:#?}", run.errors());
    // The unclosed `[x` swallows the next line, where `:` is illegal.
    run.assert_error(Path::new("<stdin>"), 16, 5, "':'");
    // The document before the error, and the directory, are still scanned.
    let findings = run.report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "<stdin>" && f["rule"] == "host-pid"),
        "{findings:#?}"
    );
    run.assert_good_scanned(dir.path());
    assert_eq!(run.objects(), 2);

    let run = scan_with(dir.path(), &["-"], Some(b"kind: caf\xe9\n"));
    assert_eq!(run.code, 2);
    run.assert_error(Path::new("<stdin>"), 1, 10, "not valid UTF-8");
}
