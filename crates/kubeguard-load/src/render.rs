//! Helm charts and Kustomize directories, rendered by their own tools.
//!
//! Helm output is split at its `# Source:` comments so that findings name
//! the template file, and each rendered line is matched back to the
//! template line it came from where that match is certain.

use crate::kustomize::Wrapper;
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

/// Runs `kustomize build` (or `kubectl kustomize`) on a directory and
/// returns one source per object, named after the file it came from (see
/// [`crate::kustomize`]). When the origins cannot be recorded, the whole
/// output is one source named `DIR [kustomize build]`.
pub fn render_kustomize(dir: &Path, options: &RenderOptions) -> Result<Vec<Source>, Diagnostic> {
    let name = dir.display().to_string();
    let fallback = format!("{name} [kustomize build]");
    if let Ok(wrapper) = Wrapper::new(dir)
        && let Ok(text) = build(wrapper.path(), &name, options)
    {
        return Ok(wrapper.split(&text, &fallback));
    }
    let text = build(dir, &name, options)?;
    Ok(vec![Source::new(fallback, text)])
}

fn build(dir: &Path, name: &str, options: &RenderOptions) -> Result<String, Diagnostic> {
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
    run(cmd, name, &program, "kustomize build", KUSTOMIZE_HINT)
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
/// lines into one source per template file. Helm repeats a template's
/// header before each of its documents, and interleaves templates when it
/// orders output by kind, so the lines after a header belong to the
/// template it names, wherever that template was first seen.
fn split_helm_output(chart: &Path, text: &str) -> Vec<Source> {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut current = None;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.trim_end().strip_prefix("# Source: ") {
            let template = rest.split_once('/').map_or(rest, |(_, path)| path);
            let file = chart.join(template).display().to_string();
            current = Some(match sections.iter().position(|(f, _)| *f == file) {
                Some(i) => {
                    let body = &mut sections[i].1;
                    if !body.trim_end().ends_with("\n---") && !body.trim().is_empty() {
                        body.push_str("---\n");
                    }
                    i
                }
                None => {
                    sections.push((file, String::new()));
                    sections.len() - 1
                }
            });
            continue;
        }
        if current.is_none() && matches!(line.trim(), "" | "---") {
            continue;
        }
        let i = *current.get_or_insert_with(|| {
            sections.push((chart.display().to_string(), String::new()));
            sections.len() - 1
        });
        sections[i].1.push_str(line);
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
/// text below the previous match (the walk starts again at the top of the
/// template with each rendered document); a line whose text is unique in
/// the template always takes that line. Lines produced by template
/// expressions stay unmapped.
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
            if line.trim_end() == "---" {
                last = 0;
                return None;
            }
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
        ..RenderedOrigin::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::Pos;

    /// `helm template` output for a chart whose `workloads.yaml` renders two
    /// documents, ordered by kind so that `service.yaml` comes between them.
    const INTERLEAVED: &str = "\
---
# Source: web/templates/workloads.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: api
---
# Source: web/templates/workloads.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      hostNetwork: true
";

    const WORKLOADS: &str = "\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Values.name }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Values.name }}
spec:
  template:
    spec:
      hostNetwork: true
";

    #[test]
    fn a_repeated_source_header_files_lines_under_its_own_template() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("templates");
        std::fs::create_dir(&templates).unwrap();
        std::fs::write(templates.join("workloads.yaml"), WORKLOADS).unwrap();
        let sources = split_helm_output(dir.path(), INTERLEAVED);
        let names: Vec<String> = sources
            .iter()
            .map(|s| s.name.rsplit('/').next().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["workloads.yaml", "service.yaml"]);
        let workloads = &sources[0];
        assert!(workloads.text.contains("kind: Deployment"));
        assert!(workloads.text.contains("kind: ServiceAccount"));
        assert!(!sources[1].text.contains("Deployment"));
        // `hostNetwork: true` is the workloads body's last line; it maps
        // to line 13 of the template, not to a line of the first document.
        let rendered_line = workloads
            .text
            .lines()
            .position(|l| l.contains("hostNetwork"))
            .unwrap();
        let line = u32::try_from(rendered_line + 1).unwrap();
        assert_eq!(workloads.resolve(Pos { line, col: 7 }).line, 13);
    }

    #[test]
    fn the_line_walk_starts_again_with_each_document() {
        let template = "kind: ConfigMap\ndata:\n  a: b\n".to_owned();
        let rendered = "kind: ConfigMap\ndata:\n  a: b\n---\nkind: ConfigMap\ndata:\n  a: b\n";
        let origin = match_lines(rendered, template);
        assert_eq!(
            origin.line_map,
            [Some(1), Some(2), Some(3), None, Some(1), Some(2), Some(3)]
        );
    }
}
