//! Helm charts and Kustomize directories, rendered by their own tools.
//!
//! Helm output is split at its `# Source:` comments so that findings name
//! the template file, and each rendered line is matched back to the
//! template line it came from where that match is certain.

use kubeguard_core::Diagnostic;
use kubeguard_core::{RenderedOrigin, Source};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How charts and kustomizations are rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// The `helm` program (any `helm template`-compatible command).
    pub helm_bin: Option<PathBuf>,
    /// Values files passed to `helm template --values`.
    pub helm_values: Vec<PathBuf>,
    /// `--set` expressions passed to `helm template`.
    pub helm_set: Vec<String>,
    /// The `kustomize` program; `kubectl kustomize` is used when unset and
    /// `kustomize` is not on `PATH`.
    pub kustomize_bin: Option<PathBuf>,
}

/// Runs `helm template` on a chart and returns one source per template.
pub fn render_helm(chart: &Path, options: &RenderOptions) -> Result<Vec<Source>, Diagnostic> {
    let helm = options
        .helm_bin
        .clone()
        .unwrap_or_else(|| PathBuf::from("helm"));
    let mut cmd = Command::new(&helm);
    cmd.arg("template").arg("release-name").arg(chart);
    for values in &options.helm_values {
        cmd.arg("--values").arg(values);
    }
    for set in &options.helm_set {
        cmd.arg("--set").arg(set);
    }
    let name = chart.display().to_string();
    let stdout = run(cmd, &name, &helm, "helm template", HELM_HINT)?;
    Ok(split_helm_output(chart, &stdout))
}

const HELM_HINT: &str = "install Helm 3 or later (https://helm.sh/docs/intro/install/), pass --helm-bin PATH to a `helm template`-compatible program, or render the chart yourself and pipe it in: `helm template ./chart | kubeguard scan -`";
const KUSTOMIZE_HINT: &str = "install kubectl or kustomize, pass --kustomize-bin PATH, or render it yourself and pipe it in: `kubectl kustomize DIR | kubeguard scan -`";

/// Runs `kustomize build` (or `kubectl kustomize`) on a directory.
pub fn render_kustomize(dir: &Path, options: &RenderOptions) -> Result<Source, Diagnostic> {
    let name = dir.display().to_string();
    let (program, mut cmd) = match &options.kustomize_bin {
        Some(bin) => {
            let mut cmd = Command::new(bin);
            cmd.arg("build");
            (bin.clone(), cmd)
        }
        None if on_path("kustomize") => {
            let mut cmd = Command::new("kustomize");
            cmd.arg("build");
            (PathBuf::from("kustomize"), cmd)
        }
        None => {
            let mut cmd = Command::new("kubectl");
            cmd.arg("kustomize");
            (PathBuf::from("kubectl"), cmd)
        }
    };
    cmd.arg(dir);
    let text = run(cmd, &name, &program, "kustomize build", KUSTOMIZE_HINT)?;
    Ok(Source::new(format!("{name} [kustomize build]"), text))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn run(
    mut cmd: Command,
    name: &str,
    program: &Path,
    what: &str,
    hint: &str,
) -> Result<String, Diagnostic> {
    let output = cmd.output().map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::NotFound {
            format!("cannot run {what}: `{}` was not found", program.display())
        } else {
            format!("cannot run {what} (`{}`): {e}", program.display())
        };
        Diagnostic::whole_file(name, format!("{why}; {hint}"))
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let detail: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .collect();
        return Err(Diagnostic::whole_file(
            name,
            format!("{what} failed ({}): {}", output.status, detail.join(" / ")),
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| {
        Diagnostic::whole_file(name, format!("{what} printed output that is not UTF-8"))
    })
}

/// Splits `helm template` output at `# Source: chart/templates/x.yaml`
/// lines into one source per template file.
fn split_helm_output(chart: &Path, text: &str) -> Vec<Source> {
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.trim_end().strip_prefix("# Source: ") {
            let template = rest.split_once('/').map_or(rest, |(_, path)| path);
            let file = chart.join(template).display().to_string();
            match sections.iter_mut().find(|(f, _)| *f == file) {
                Some((_, body)) => body.push_str("---\n"),
                None => sections.push((file, String::new())),
            }
            continue;
        }
        match sections.last_mut() {
            Some((_, body)) => body.push_str(line),
            None => sections.push((chart.display().to_string(), line.to_owned())),
        }
    }
    sections
        .into_iter()
        .map(|(file, body)| {
            let template = std::fs::read_to_string(&file).ok();
            let origin = template.map(|t| match_lines(&body, t));
            match origin {
                Some(origin) => Source::rendered(file, body, origin),
                None => Source::new(file, body),
            }
        })
        .collect()
}

/// Maps each rendered line to a template line with the same text. Walking
/// down the rendered text, a line takes the first template line with its
/// text below the previous match; a line whose text is unique in the
/// template always takes that line. Lines produced by template expressions
/// stay unmapped.
fn match_lines(rendered: &str, template: String) -> RenderedOrigin {
    let mut lines_by_text: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, line) in template.lines().enumerate() {
        let key = line.trim();
        if key.is_empty() || key == "---" {
            continue;
        }
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        lines_by_text.entry(key).or_default().push(line_no);
    }
    let mut last = 0;
    let line_map = rendered
        .lines()
        .map(|line| {
            let candidates = lines_by_text.get(line.trim())?;
            let matched = match candidates.as_slice() {
                [only] => *only,
                many => *many.iter().find(|&&l| l > last)?,
            };
            last = matched;
            Some(matched)
        })
        .collect();
    RenderedOrigin {
        line_map,
        template_text: template,
    }
}
