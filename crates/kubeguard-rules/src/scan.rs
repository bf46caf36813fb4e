//! A whole scan in one pass: inputs are loaded and checked in parallel,
//! chunk by chunk in input order; each input's findings go through the
//! pipeline and on to the report writer as soon as its chunk is done, so
//! parsed trees and findings never pile up. Writing overlaps checking: the
//! calling thread writes one chunk's findings while the thread pool checks
//! the next ones, at most two chunks ahead. The cross-object rules run over
//! the light index at the end, with the Pod Security verdicts that depend
//! on namespace labels.

use crate::engine::{Engine, ScanOutput};
use crate::pipeline::{Outcome, Pipeline, Policy};
use crate::pss_scan::{self, Pending};
use kubeguard_core::{Diagnostic, Finding, ObjectRef};
use kubeguard_load::{Input, LoadOptions, load_input};
use kubeguard_pss::Level;
use kubeguard_report::{Ending, ReportWriter, Summary};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Inputs loaded and checked together before their findings are written:
/// enough to keep both cores busy, few enough that memory stays flat.
const CHUNK: usize = 64;

/// Chunks checked ahead of the one being written.
const AHEAD: usize = 1;

/// What a scan saw, beyond the findings it wrote.
#[derive(Debug)]
pub struct ScanResult {
    /// Inputs that could not be read, parsed or evaluated.
    pub errors: Vec<Diagnostic>,
    /// Documents skipped because they are not Kubernetes objects.
    pub skipped: Vec<Diagnostic>,
    /// The pipeline's conclusion.
    pub outcome: Outcome,
}

/// One input's share of the scan.
struct InputResult {
    output: ScanOutput,
    /// The objects checked, when the report lists them all.
    refs: Vec<(Arc<str>, Arc<ObjectRef>)>,
    skipped: Vec<Diagnostic>,
    objects: usize,
}

fn scan_input(
    input: &Input,
    number: usize,
    options: &LoadOptions,
    engine: &Engine,
    list_objects: bool,
) -> InputResult {
    let loaded = load_input(input, options);
    let refs = if list_objects {
        loaded
            .objects
            .iter()
            .map(|o| (Arc::from(o.source.name.as_str()), Arc::new(o.object_ref())))
            .collect()
    } else {
        Vec::new()
    };
    let mut output = ScanOutput {
        errors: loaded.errors,
        ..ScanOutput::default()
    };
    for obj in &loaded.objects {
        engine.scan_object(obj, number, &mut output);
    }
    // In the pool, so that the writing thread finds the batch in order.
    crate::pipeline::sort(&mut output.findings);
    InputResult {
        output,
        refs,
        skipped: loaded
            .skipped
            .into_iter()
            .map(|s| Diagnostic::new(s.file, s.pos, s.reason.message()))
            .collect(),
        objects: loaded.objects.len(),
    }
}

/// Scans `inputs` (with the errors found discovering them), writing every
/// finding the pipeline keeps to `writer`, then the ending.
pub fn run(
    inputs: &[Input],
    discovery_errors: Vec<Diagnostic>,
    options: &LoadOptions,
    engine: &Engine,
    policy: &Policy,
    writer: ReportWriter<'_>,
) -> io::Result<ScanResult> {
    let checked = AtomicUsize::new(0);
    run_counting(
        inputs,
        discovery_errors,
        options,
        engine,
        policy,
        writer,
        &checked,
    )
}

/// [`run`], adding one to `inputs_done` as each input is loaded and checked,
/// so that a caller can show progress from another thread.
pub fn run_counting(
    inputs: &[Input],
    discovery_errors: Vec<Diagnostic>,
    options: &LoadOptions,
    engine: &Engine,
    policy: &Policy,
    mut writer: ReportWriter<'_>,
    inputs_done: &AtomicUsize,
) -> io::Result<ScanResult> {
    let mut pipeline = Pipeline::new(policy);
    let mut index = crate::Index::default();
    let mut errors = discovery_errors;
    let mut skipped = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut objects = 0;
    let list_objects = writer.wants_objects();
    std::thread::scope(|scope| -> io::Result<()> {
        let (chunks, checked) = std::sync::mpsc::sync_channel::<Vec<InputResult>>(AHEAD);
        scope.spawn(move || {
            for (c, chunk) in inputs.chunks(CHUNK).enumerate() {
                let results = chunk
                    .par_iter()
                    .enumerate()
                    .map(|(i, input)| {
                        let result =
                            scan_input(input, c * CHUNK + i, options, engine, list_objects);
                        inputs_done.fetch_add(1, Ordering::Relaxed);
                        result
                    })
                    .collect();
                if chunks.send(results).is_err() {
                    // The writer stopped on an error.
                    return;
                }
            }
        });
        for results in checked {
            for r in results {
                writer.objects(&r.refs);
                let out = r.output;
                index.merge(out.index);
                let annotated = !out.ignores.is_empty();
                pipeline.add_inline(out.ignores);
                writer.findings(&pipeline.process(out.findings))?;
                if annotated {
                    // Only the cross-object rules and Pod Security (for
                    // the namespace labels) report after this input.
                    pipeline.settle_inline(|file, object| {
                        index.anchors(file, object)
                            || out.pss.iter().any(|p| p.is_about(file, object))
                    });
                }
                errors.extend(out.errors);
                pending.extend(out.pss);
                skipped.extend(r.skipped);
                objects += r.objects;
            }
        }
        Ok(())
    })?;
    let mut late = Vec::new();
    engine.check_index(&index, &mut late);
    pss_findings(
        inputs,
        options,
        engine,
        &index,
        pending,
        &mut late,
        &mut errors,
    );
    writer.findings(&pipeline.process(late))?;
    let outcome = pipeline.finish();
    writer.finish(&Ending {
        errors: &errors,
        warnings: &outcome.warnings,
        summary: Summary {
            files: inputs.len(),
            objects,
            skipped: skipped.len(),
            suppressed: outcome.suppressed,
            triage: outcome.triage.clone(),
        },
        extras: &[],
    })?;
    Ok(ScanResult {
        errors,
        skipped,
        outcome,
    })
}

/// Turns the Pod Security verdicts into findings now that every
/// namespace's labels are known: pods of namespaces labelled with another
/// policy than the default are evaluated again from their input.
fn pss_findings(
    inputs: &[Input],
    options: &LoadOptions,
    engine: &Engine,
    index: &crate::Index,
    pending: Vec<Pending>,
    out: &mut Vec<Finding>,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(default) = engine.pss_default() else {
        return;
    };
    let mut again: BTreeMap<usize, Vec<(Pending, kubeguard_pss::LevelVersion)>> = BTreeMap::new();
    for p in pending {
        match pss_scan::needs_other_policy(&p, index, default) {
            None => pss_scan::findings(p, default, out),
            Some(policy) if policy.level == Level::Privileged => {}
            Some(policy) => again.entry(p.input).or_default().push((p, policy)),
        }
    }
    for (input, pods) in again {
        let loaded = load_input(&inputs[input], options);
        for (p, policy) in pods {
            let Some(obj) = loaded
                .objects
                .iter()
                .find(|o| pss_scan::is_object_of(&p, o))
            else {
                errors.push(Diagnostic::whole_file(
                    p.file(),
                    "the input changed while it was scanned; Pod Security was not evaluated again for its namespace's labels",
                ));
                continue;
            };
            match engine.pss_again(obj, policy, input) {
                Ok(Some(p)) => pss_scan::findings(p, policy, out),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
    }
}
