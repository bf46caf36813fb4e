//! Loading for the engines that need every object at once (RBAC,
//! NetworkPolicy): the objects, and what their report needs besides the
//! engine's own model.

use crate::engine::inline_ignore_of;
use crate::suppress::InlineIgnore;
use kubeguard_core::{Diagnostic, Object};
use kubeguard_load::{Input, LoadOptions, discover, load_input, load_inputs};
use kubeguard_report::{Summary, Triage};
use rayon::prelude::*;
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
    let (inputs, errors) = discover(paths, options.walk);
    load_found(&inputs, errors, options)
}

/// Loads `inputs` found beforehand (on disk, or read from a cluster), with
/// the `errors` met finding them: the objects, and the facts about them.
#[must_use]
pub fn load_found(
    inputs: &[Input],
    errors: Vec<Diagnostic>,
    options: &LoadOptions,
) -> (Vec<Object>, InputFacts) {
    let loaded = load_inputs(inputs, errors, options);
    let facts = InputFacts {
        ignores: loaded.objects.iter().filter_map(inline_ignore_of).collect(),
        summary: Summary {
            files: loaded.inputs,
            objects: loaded.objects.len(),
            skipped: loaded.skipped.len(),
            suppressed: 0,
            triage: Triage::default(),
        },
        errors: loaded.errors,
    };
    (loaded.objects, facts)
}

/// Loads every input under `paths` in parallel and hands each input's
/// objects to `digest` as soon as they are parsed, keeping only what it
/// returns: the parsed trees of one input never outlive it.
pub fn load_each<T: Send>(
    paths: &[PathBuf],
    options: &LoadOptions,
    digest: impl Fn(&[Object]) -> T + Sync,
) -> (Vec<T>, InputFacts) {
    let (inputs, errors) = discover(paths, options.walk);
    load_each_found(&inputs, errors, options, digest)
}

/// [`load_each`] over `inputs` found beforehand, with the `errors` met
/// finding them.
pub fn load_each_found<T: Send>(
    inputs: &[Input],
    errors: Vec<Diagnostic>,
    options: &LoadOptions,
    digest: impl Fn(&[Object]) -> T + Sync,
) -> (Vec<T>, InputFacts) {
    let parts: Vec<(T, InputFacts)> = inputs
        .par_iter()
        .map(|input| {
            let loaded = load_input(input, options);
            let part = digest(&loaded.objects);
            let facts = InputFacts {
                ignores: loaded.objects.iter().filter_map(inline_ignore_of).collect(),
                summary: Summary {
                    files: 1,
                    objects: loaded.objects.len(),
                    skipped: loaded.skipped.len(),
                    suppressed: 0,
                    triage: Triage::default(),
                },
                errors: loaded.errors,
            };
            (part, facts)
        })
        .collect();
    let mut facts = InputFacts {
        errors,
        ..InputFacts::default()
    };
    let mut out = Vec::with_capacity(parts.len());
    for (part, f) in parts {
        out.push(part);
        facts.errors.extend(f.errors);
        facts.ignores.extend(f.ignores);
        facts.summary.files += f.summary.files;
        facts.summary.objects += f.summary.objects;
        facts.summary.skipped += f.summary.skipped;
    }
    (out, facts)
}
