//! Loading for the engines that need every object at once (RBAC,
//! NetworkPolicy): the objects, and what their report needs besides the
//! engine's own model.

use crate::engine::inline_ignore_of;
use crate::suppress::InlineIgnore;
use kubeguard_core::{Diagnostic, Object};
use kubeguard_load::{LoadOptions, load_all};
use kubeguard_report::Summary;
use std::path::PathBuf;

/// What a report needs to know about its inputs.
#[derive(Debug, Default)]
pub struct InputFacts {
    /// Inputs and objects that could not be read or understood.
    pub errors: Vec<Diagnostic>,
    /// `kubeguard.io/ignore` annotations of the inputs' objects.
    pub ignores: Vec<InlineIgnore>,
    /// Counts for the summary (suppressed left at 0: the pipeline knows).
    pub summary: Summary,
}

/// Loads every input under `paths`: the objects, and the facts about them.
#[must_use]
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> (Vec<Object>, InputFacts) {
    let loaded = load_all(paths, options);
    let facts = InputFacts {
        ignores: loaded.objects.iter().filter_map(inline_ignore_of).collect(),
        summary: Summary {
            files: loaded.inputs,
            objects: loaded.objects.len(),
            skipped: loaded.skipped.len(),
            suppressed: 0,
        },
        errors: loaded.errors,
    };
    (loaded.objects, facts)
}
