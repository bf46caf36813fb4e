//! Turns manifest sources into [`Object`](kubeguard_core::Object)s: files,
//! directories (respecting `.gitignore`), stdin, YAML and JSON with multiple
//! documents, `List` kinds, and Helm charts and Kustomize directories
//! rendered by their tools.
//!
//! Loading never stops at the first bad file: every [`LoadedFile`] carries
//! the objects that parsed together with located errors.

mod document;
mod error;
mod parse;
mod read;
mod render;
mod scalar;
mod walk;

pub use document::{LoadedFile, SkipReason, Skipped, load_source};
pub use error::LoadError;
pub use parse::{Document, MAX_DEPTH, SyntaxError, parse_documents};
pub use read::{DEFAULT_MAX_FILE_SIZE, read_file, read_stdin};
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
        Input::Kustomization(dir) => render_kustomize(dir, &options.render).map(|s| vec![s]),
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
