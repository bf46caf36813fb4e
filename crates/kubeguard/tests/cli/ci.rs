//! The CI definitions shipped with the repository (the composite GitHub
//! Action `action.yml`, the pre-commit hook `.pre-commit-hooks.yaml` and the
//! GitLab CI template `ci/kubeguard.gitlab-ci.yml`): each is read, and the
//! exact commands it runs are run against the examples, with the kubeguard
//! built for these tests on PATH.

use crate::support::repo;
use kubeguard_admission::offline::node_to_json;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    let (docs, error) = kubeguard_load::parse_documents(&text);
    assert!(error.is_none(), "{path}: {error:?}");
    node_to_json(docs[0].as_ref().unwrap())
}

/// PATH with the directory of the kubeguard under test first.
fn path_with_kubeguard() -> String {
    let bin: PathBuf = assert_cmd::cargo::cargo_bin("kubeguard");
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn bash(script: &str, cwd: &Path, env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.args(["-eo", "pipefail", "-c", script])
        .current_dir(cwd)
        .env("PATH", path_with_kubeguard())
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn github_action_runs_its_steps() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    let steps = action["runs"]["steps"].as_array().unwrap();
    // Every input a step passes exists, and no input is pasted into a
    // script (it goes through the environment).
    for step in steps {
        let run = step["run"].as_str().unwrap();
        assert!(
            !run.contains("${{"),
            "inputs go through env, not into the script"
        );
        for value in step["env"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, v)| v)
        {
            let value = value.as_str().unwrap();
            if let Some(name) = value.strip_prefix("${{ inputs.") {
                let name = name.trim_end_matches(" }}");
                assert!(inputs.contains_key(name), "{name} is not an input");
            }
        }
    }
    let install = steps[0]["run"].as_str().unwrap();
    let out = bash(
        install,
        &repo(),
        &[("KUBEGUARD_SOURCE", repo().display().to_string())],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("kubeguard already installed"));

    let scan = steps[1]["run"].as_str().unwrap();
    let env = |paths: &str, format: &str, output: &str, args: &str| {
        vec![
            ("KG_PATHS", paths.to_owned()),
            ("KG_FORMAT", format.to_owned()),
            ("KG_OUTPUT", output.to_owned()),
            (
                "KG_FAIL_ON",
                inputs["fail-on"]["default"].as_str().unwrap().to_owned(),
            ),
            ("KG_ARGS", args.to_owned()),
        ]
    };
    let out = bash(
        scan,
        &repo(),
        &env(
            "examples/insecure-app examples/hardened-app",
            "github",
            "",
            "",
        ),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let annotations = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        annotations.lines().all(|l| l.starts_with("::")),
        "{annotations}"
    );
    assert!(
        annotations.contains("::error file=examples/insecure-app/"),
        "{annotations}"
    );
    let out = bash(
        scan,
        &repo(),
        &env("examples/hardened-app", "github", "", ""),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("kubeguard.sarif").display().to_string();
    let out = bash(
        scan,
        &repo(),
        &env(
            "examples/insecure-app",
            "sarif",
            &sarif,
            "--severity critical",
        ),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = report["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
}

#[test]
fn pre_commit_hook_runs_its_entry_on_matching_files() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "kubeguard");
    assert_eq!(hook["language"], "system");
    let entry = hook["entry"].as_str().unwrap();
    // pre-commit passes the staged files matching `files`.
    let files = |dir: &str| -> String {
        let mut names: Vec<String> = std::fs::read_dir(repo().join(dir))
            .unwrap()
            .flatten()
            .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
            .collect();
        names.sort();
        names.join(" ")
    };
    let out = bash(
        &format!("{entry} {}", files("examples/insecure-app")),
        &repo(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(": critical [privileged-container]"), "{text}");
    let out = bash(
        &format!("{entry} {}", files("examples/hardened-app")),
        &repo(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn gitlab_template_runs_its_scripts() {
    let template = yaml("ci/kubeguard.gitlab-ci.yml");
    let job = &template["kubeguard"];
    let vars = job["variables"].as_object().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |paths: &str| -> Vec<Output> {
        let env: Vec<(&str, String)> = vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap().to_owned()))
            .chain([("KUBEGUARD_PATHS", paths.to_owned())])
            .collect();
        job["before_script"]
            .as_array()
            .unwrap()
            .iter()
            .chain(job["script"].as_array().unwrap())
            .map(|line| bash(line.as_str().unwrap(), dir.path(), &env))
            .collect()
    };
    let insecure = repo().join("examples/insecure-app").display().to_string();
    let outs = run(&insecure);
    assert!(outs[0].status.success(), "kubeguard is on PATH: no install");
    assert!(
        outs[1].status.success(),
        "the HTML report never fails: {:?}",
        outs[1]
    );
    assert_eq!(outs[2].status.code(), Some(1), "{:?}", outs[2]);
    for artifact in job["artifacts"]["paths"].as_array().unwrap() {
        assert!(
            dir.path().join(artifact.as_str().unwrap()).is_file(),
            "{artifact}"
        );
    }
    let junit = std::fs::read_to_string(
        dir.path()
            .join(job["artifacts"]["reports"]["junit"].as_str().unwrap()),
    )
    .unwrap();
    assert!(
        junit.starts_with("<?xml") && junit.contains("<failure"),
        "{junit}"
    );
    let outs = run(&repo().join("examples/hardened-app").display().to_string());
    assert_eq!(outs[2].status.code(), Some(0), "{:?}", outs[2]);
}
