//! The rule pages under `docs/rules/` and the rule table in the README are
//! generated from every engine's rules (the catalog of `kubeguard rules`);
//! this test fails when they are stale.
//! Regenerate with `KUBEGUARD_UPDATE_DOCS=1 cargo test -p kubeguard --test cli docs::`.

use crate::support::repo;
use kubeguard_rules::{catalog, docs};

const START: &str = "<!-- rules:start -->\n";
const END: &str = "<!-- rules:end -->";

fn updating() -> bool {
    std::env::var_os("KUBEGUARD_UPDATE_DOCS").is_some()
}

#[test]
fn rule_pages_are_fresh() {
    let dir = repo().join("docs/rules");
    let rules = catalog::all();
    let mut stale = Vec::new();
    if updating() {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for rule in rules {
        let path = dir.join(format!("{}.md", rule.name));
        let page = docs::rule_page(rule);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
            if updating() {
                std::fs::write(&path, page).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".md")
            .to_owned();
        if !rules.iter().any(|r| r.name == name) {
            if updating() {
                std::fs::remove_file(entry.path()).unwrap();
            } else {
                stale.push(format!("{} (no such rule)", entry.path().display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale rule docs; run KUBEGUARD_UPDATE_DOCS=1 cargo test -p kubeguard --test cli docs:::\n{}",
        stale.join("\n")
    );
}

#[test]
fn readme_rule_table_is_fresh() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(START)
        .expect("README has the rules:start marker")
        + START.len();
    let end = readme.find(END).expect("README has the rules:end marker");
    let table = docs::rules_table(catalog::all());
    if readme[start..end] == table {
        return;
    }
    if updating() {
        let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
    } else {
        panic!(
            "README rule table is stale; run KUBEGUARD_UPDATE_DOCS=1 cargo test -p kubeguard --test cli docs::"
        );
    }
}

#[test]
fn codes_and_names_are_unique_across_engines() {
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for rule in catalog::all() {
        assert!(codes.insert(rule.code), "code {} is used twice", rule.code);
        assert!(names.insert(rule.name), "name {} is used twice", rule.name);
    }
}
