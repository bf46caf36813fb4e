//! Finding the inputs named on the command line: files, stdin, directories
//! walked recursively (honouring `.gitignore`), Helm charts and Kustomize
//! directories.

use crate::kustomize::normalize;
use kubeguard_core::Diagnostic;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One thing to load.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// A YAML or JSON file.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// A Helm chart directory (holds `Chart.yaml`).
    HelmChart(PathBuf),
    /// A Kustomize directory (holds `kustomization.yaml`).
    Kustomization(PathBuf),
    /// Text already in memory, reported under `name`: an object read from
    /// a live cluster or a snapshot (`cluster://CONTEXT/NS/KIND/NAME`).
    Text {
        /// The name findings and errors report.
        name: Arc<str>,
        /// The YAML text.
        text: Arc<str>,
    },
}

/// How directories are walked.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Also read files that `.gitignore`, `.ignore` and hidden-file rules exclude.
    pub no_ignore: bool,
}

const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn is_helm_chart(dir: &Path) -> bool {
    dir.join("Chart.yaml").is_file()
}

/// The kustomization file of `dir`, if it is a Kustomize directory.
fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|f| f.is_file())
}

fn is_kustomization_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n))
}

/// Resolves command-line paths to inputs. Directories are walked
/// recursively; a Helm chart directory is one input and is not walked into.
/// A kustomization directory is one input, unless another kustomization
/// found in the walk uses it as a base or component; the files beside it
/// that no kustomization uses (resource, patch, generator input, ...) are
/// inputs of their own, as plain manifests. Inputs come back sorted, so
/// output order is stable.
#[must_use]
pub fn discover(paths: &[PathBuf], options: WalkOptions) -> (Vec<Input>, Vec<Diagnostic>) {
    let mut found = Found::default();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            found.inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk_dir(path, options, &mut found, &mut errors);
        } else if path.exists() {
            found.inputs.push(Input::File(path.clone()));
        } else {
            errors.push(Diagnostic::whole_file(
                path.display().to_string(),
                "no such file or directory",
            ));
        }
    }
    let mut inputs = found.resolve();
    inputs.sort();
    inputs.dedup();
    (inputs, errors)
}

/// What walking found, before kustomizations claim their files.
#[derive(Default)]
struct Found {
    /// Files named on the command line, stdin and Helm charts.
    inputs: Vec<Input>,
    /// Manifest files met while walking directories.
    walked: Vec<PathBuf>,
    /// Kustomization directories met while walking, with their files.
    kustomizations: Vec<(PathBuf, PathBuf)>,
}

impl Found {
    /// The inputs: kustomizations no other one uses, and walked files no
    /// kustomization uses.
    fn resolve(mut self) -> Vec<Input> {
        let key =
            |p: &Path| std::path::absolute(p).map_or_else(|_| p.to_path_buf(), |a| normalize(&a));
        let mut used = std::collections::HashSet::new();
        for (dir, file) in &self.kustomizations {
            used.extend(
                crate::kustomize::references(dir, file)
                    .iter()
                    .map(|p| key(p)),
            );
        }
        for (dir, _) in &self.kustomizations {
            if !used.contains(&key(dir)) {
                self.inputs.push(Input::Kustomization(dir.clone()));
            }
        }
        for file in self.walked {
            if !is_kustomization_file(&file) && !used.contains(&key(&file)) {
                self.inputs.push(Input::File(file));
            }
        }
        self.inputs
    }
}

fn walk_dir(root: &Path, options: WalkOptions, found: &mut Found, errors: &mut Vec<Diagnostic>) {
    if is_helm_chart(root) {
        found.inputs.push(Input::HelmChart(root.to_path_buf()));
        return;
    }
    let charts = Arc::new(Mutex::new(Vec::new()));
    let charts_found = Arc::clone(&charts);
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(!options.no_ignore)
        .require_git(false)
        .follow_links(true)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && entry.depth() > 0 && is_helm_chart(entry.path()) {
                charts_found
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(Input::HelmChart(entry.path().to_path_buf()));
                return false;
            }
            true
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let file_type = entry.file_type();
                if file_type.is_some_and(|t| t.is_dir()) {
                    if let Some(file) = kustomization_file(path) {
                        found.kustomizations.push((path.to_path_buf(), file));
                    }
                } else if file_type.is_some_and(|t| t.is_file()) && is_manifest_name(path) {
                    found.walked.push(path.to_path_buf());
                }
            }
            Err(e) => errors.extend(walk_error(root, &e)),
        }
    }
    found.inputs.append(
        &mut charts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
}

fn is_manifest_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The error for a failed walk step; `None` for a broken symlink whose name
/// is not a manifest's, which would not have been read anyway.
fn walk_error(root: &Path, err: &ignore::Error) -> Option<Diagnostic> {
    fn inner(err: &ignore::Error) -> (Option<PathBuf>, String) {
        match err {
            ignore::Error::WithPath { path, err } => (Some(path.clone()), inner(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner(err)
            }
            ignore::Error::Loop { ancestor, child } => (
                Some(child.clone()),
                format!(
                    "symlink loop: {} points back to {}; not followed",
                    child.display(),
                    ancestor.display()
                ),
            ),
            ignore::Error::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                (None, "cannot read: permission denied".into())
            }
            other => (None, other.to_string()),
        }
    }
    let (path, mut message) = inner(err);
    let file = path.unwrap_or_else(|| root.to_path_buf());
    if let Ok(target) = std::fs::read_link(&file)
        && !file.exists()
    {
        if !is_manifest_name(&file) {
            return None;
        }
        message = format!(
            "broken symlink: its target {} does not exist",
            target.display()
        );
    }
    Some(Diagnostic::whole_file(file.display().to_string(), message))
}
