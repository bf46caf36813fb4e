//! Finding the inputs named on the command line: files, stdin, directories
//! walked recursively (honouring `.gitignore`), Helm charts and Kustomize
//! directories.

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

fn is_kustomization(dir: &Path) -> bool {
    KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file())
}

fn classify_dir(dir: &Path) -> Option<Input> {
    if is_helm_chart(dir) {
        Some(Input::HelmChart(dir.to_path_buf()))
    } else if is_kustomization(dir) {
        Some(Input::Kustomization(dir.to_path_buf()))
    } else {
        None
    }
}

/// Resolves command-line paths to inputs. Directories are walked
/// recursively; a chart or kustomization directory is one input and is not
/// walked into. Inputs come back sorted, so output order is stable.
#[must_use]
pub fn discover(paths: &[PathBuf], options: WalkOptions) -> (Vec<Input>, Vec<Diagnostic>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk_dir(path, options, &mut inputs, &mut errors);
        } else if path.exists() {
            inputs.push(Input::File(path.clone()));
        } else {
            errors.push(Diagnostic::whole_file(
                path.display().to_string(),
                "no such file or directory",
            ));
        }
    }
    inputs.sort();
    inputs.dedup();
    (inputs, errors)
}

fn walk_dir(
    root: &Path,
    options: WalkOptions,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<Diagnostic>,
) {
    if let Some(input) = classify_dir(root) {
        inputs.push(input);
        return;
    }
    let rendered = Arc::new(Mutex::new(Vec::new()));
    let found = Arc::clone(&rendered);
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(!options.no_ignore)
        .require_git(false)
        .follow_links(true)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir
                && entry.depth() > 0
                && let Some(input) = classify_dir(entry.path())
            {
                found
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(input);
                return false;
            }
            true
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && is_manifest_name(path) {
                    inputs.push(Input::File(path.to_path_buf()));
                }
            }
            Err(e) => errors.extend(walk_error(root, &e)),
        }
    }
    inputs.append(
        &mut rendered
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
