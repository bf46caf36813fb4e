//! Turns manifest sources into [`Object`](kubeguard_core::Object)s: files,
//! directories (respecting `.gitignore`), stdin, YAML and JSON with multiple
//! documents, `List` kinds, and Helm charts and Kustomize directories
//! rendered by their tools.
//!
//! Loading never stops at the first bad file: every [`LoadedFile`] carries
//! the objects that parsed together with located errors.

mod document;
mod kustomize;
mod parse;
mod patches;
mod read;
mod render;
mod scalar;
mod selector;
mod targets;
mod walk;

use kubeguard_core::Diagnostic;

pub use document::{LoadedFile, SkipReason, Skipped, load_source};
pub use parse::{Document, MAX_DEPTH, SyntaxError, parse_documents};
pub use read::{DEFAULT_MAX_FILE_SIZE, STDIN_NAME, read_file, read_stdin};
pub use render::{RenderOptions, render_helm, render_kustomize};
pub use walk::{Input, WalkOptions, discover};

/// Everything that controls loading.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Directory walking.
    pub walk: WalkOptions,
    /// Helm and Kustomize rendering.
    pub render: RenderOptions,
    /// Largest file read, in bytes.
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            walk: WalkOptions::default(),
            render: RenderOptions::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Loads one input. A Helm chart yields the objects of all its templates.
#[must_use]
pub fn load_input(input: &Input, options: &LoadOptions) -> LoadedFile {
    let sources = match input {
        Input::File(path) => read_file(path, options.max_file_size).map(|s| vec![s]),
        Input::Stdin => read_stdin(options.max_file_size).map(|s| vec![s]),
        Input::HelmChart(dir) => render_helm(dir, &options.render),
        Input::Kustomization(dir) => render_kustomize(dir, &options.render),
        Input::Text { name, text } => Ok(vec![kubeguard_core::Source::live(&**name, &**text)]),
    };
    match sources {
        Ok(sources) => {
            let mut out = LoadedFile::default();
            for source in sources {
                let loaded = load_source(source);
                out.objects.extend(loaded.objects);
                out.skipped.extend(loaded.skipped);
                out.errors.extend(loaded.errors);
            }
            out
        }
        Err(e) => LoadedFile {
            errors: vec![e],
            ..LoadedFile::default()
        },
    }
}

/// Everything the inputs named on a command line hold, for the engines
/// that need all objects at once (Pod Security, RBAC, NetworkPolicy).
#[derive(Debug, Default)]
pub struct Loaded {
    /// The objects, in input order.
    pub objects: Vec<kubeguard_core::Object>,
    /// Inputs (and paths) that could not be read, parsed or rendered.
    pub errors: Vec<Diagnostic>,
    /// Documents that are not Kubernetes objects.
    pub skipped: Vec<Skipped>,
    /// How many inputs were read.
    pub inputs: usize,
}

/// Discovers the inputs under `paths` and loads them all, in parallel,
/// each read and parsed once.
#[must_use]
pub fn load_all(paths: &[std::path::PathBuf], options: &LoadOptions) -> Loaded {
    let (inputs, errors) = discover(paths, options.walk);
    load_inputs(&inputs, errors, options)
}

/// Loads `inputs` (found beforehand, with the `errors` met finding them)
/// in parallel, each read and parsed once.
#[must_use]
pub fn load_inputs(inputs: &[Input], errors: Vec<Diagnostic>, options: &LoadOptions) -> Loaded {
    use rayon::prelude::*;
    let files: Vec<LoadedFile> = inputs.par_iter().map(|i| load_input(i, options)).collect();
    let mut out = Loaded {
        errors,
        inputs: inputs.len(),
        ..Loaded::default()
    };
    for f in files {
        out.objects.extend(f.objects);
        out.errors.extend(f.errors);
        out.skipped.extend(f.skipped);
    }
    out
}
