//! `kubeguard webhook`: the admission webhook's commands. `review`
//! evaluates an AdmissionReview (or a plain object) offline through the
//! same engine the server runs; `serve` runs the server
//! (`webhook_serve_cmd.rs`).

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_admission::offline::{Wrap, object_to_json, wrap_create};
use kubeguard_admission::{Decision, Endpoint, Engine, Policy, StaticCluster};
use kubeguard_core::Source;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// `kubeguard webhook`.
#[derive(Debug, Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    pub command: WebhookCommand,
}

/// The `webhook` subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Evaluate an AdmissionReview, or a plain object file, against a policy without a cluster and print the response.
    #[command(after_help = REVIEW_HELP)]
    Review(ReviewArgs),
    /// Run the HTTPS admission webhook server (validate, mutate, health, metrics).
    Serve(crate::webhook_serve_cmd::ServeArgs),
}

const REVIEW_HELP: &str = "\
Input:
  FILE is an admission.k8s.io/v1 AdmissionReview request (JSON, as the API
  server sends it), or Kubernetes objects in YAML or JSON: each object is
  wrapped into the CREATE request the API server would send for it. Use -
  for standard input. The review runs through the same engine as
  `kubeguard webhook serve`.

Cluster state:
  Namespace labels (Pod Security levels) come from the policy's
  cluster.namespaces section and from Namespace objects in --objects files;
  Pods in --objects files are what the exec guard looks up, and what Pod
  Security checks when a Namespace UPDATE tightens its enforce level.

Output:
  The AdmissionReview response as JSON (a JSON array of them when FILE holds
  several objects).

Exit codes:
  0  allowed (every object)
  1  denied (any object)
  2  the policy, the input or an --objects file is invalid (file:line:col)

Examples:
  kubeguard webhook review --config policy.yaml deploy/pod.yaml
  kubeguard webhook review --config policy.yaml --objects namespaces.yaml review.json
  kubeguard webhook review --config policy.yaml --endpoint mutate pod.yaml
  helm template ./chart | kubeguard webhook review --config policy.yaml -";

/// Which endpoint to review as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndpointArg {
    /// `/validate`: the policies decide.
    Validate,
    /// `/mutate`: the response carries the mutation patch.
    Mutate,
}

/// `kubeguard webhook review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The admission policy file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    /// Namespaces (labels) and Pods (for the exec guard), YAML or JSON; repeatable.
    #[arg(long = "objects", value_name = "FILE")]
    pub objects: Vec<PathBuf>,

    /// The endpoint to review as.
    #[arg(long, value_enum, default_value_t = EndpointArg::Validate)]
    pub endpoint: EndpointArg,

    /// The requesting user for wrapped objects (matched against exemptions).
    #[arg(long, value_name = "NAME", default_value = "kubeguard-review")]
    pub user: String,

    /// The namespace for wrapped namespaced objects that name none.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub namespace: String,

    /// An AdmissionReview request, or object manifests, or - for stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Runs `kubeguard webhook`; returns the exit code.
pub fn run(args: &WebhookArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        WebhookCommand::Review(a) => review(a, out),
        WebhookCommand::Serve(a) => crate::webhook_serve_cmd::run(a),
    }
}

fn read(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Parses manifest text into objects; the first problem is an error.
fn objects(name: &str, text: String) -> Result<Vec<kubeguard_core::Object>> {
    let loaded = kubeguard_load::load_source(Source::new(name, text));
    if let Some(e) = loaded.errors.first() {
        bail!("{e}");
    }
    Ok(loaded.objects)
}

fn review(args: &ReviewArgs, out: &mut dyn Write) -> Result<u8> {
    let policy = Policy::from_file(&args.config).map_err(|e| anyhow!("{e}"))?;
    let mut cluster = policy.static_cluster();
    let engine = Engine::new(policy).map_err(|e| anyhow!("{e}"))?;
    for path in &args.objects {
        add_objects(&mut cluster, path)?;
    }
    let name = display_name(&args.file);
    let text = read(&args.file)?;
    let bodies = request_bodies(args, &name, text)?;
    let endpoint = match args.endpoint {
        EndpointArg::Validate => Endpoint::Validate,
        EndpointArg::Mutate => Endpoint::Mutate,
    };
    let mut responses = Vec::new();
    let mut denied = false;
    for body in &bodies {
        let reviewed = engine
            .review_body(body, endpoint, &cluster)
            .map_err(|e| anyhow!("{name}: not a valid AdmissionReview: {e}"))?;
        denied |= reviewed.decision == Decision::Denied;
        let value: serde_json::Value =
            serde_json::from_slice(&reviewed.body).context("the engine's response is not JSON")?;
        responses.push(value);
    }
    let output = match <[serde_json::Value; 1]>::try_from(responses) {
        Ok([one]) => one,
        Err(many) => serde_json::Value::Array(many),
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)?;
    Ok(u8::from(denied))
}

/// The AdmissionReview bodies to review: the file itself when it is an
/// AdmissionReview in JSON, otherwise one wrapped CREATE per object.
fn request_bodies(args: &ReviewArgs, name: &str, text: String) -> Result<Vec<Vec<u8>>> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && v.get("kind").and_then(serde_json::Value::as_str) == Some("AdmissionReview")
    {
        return Ok(vec![text.into_bytes()]);
    }
    let objects = objects(name, text)?;
    if objects.is_empty() {
        bail!("{name}: no Kubernetes object (apiVersion and kind) found");
    }
    Ok(objects
        .iter()
        .enumerate()
        .map(|(i, obj)| {
            let json = object_to_json(obj);
            if obj.kind == "AdmissionReview" {
                return json.to_string().into_bytes();
            }
            let wrap = Wrap {
                username: &args.user,
                default_namespace: &args.namespace,
                cluster_scoped: obj.is_cluster_scoped(),
            };
            wrap_create(&json, &format!("kubeguard-review-{}", i + 1), &wrap)
        })
        .collect())
}

fn add_objects(cluster: &mut StaticCluster, path: &Path) -> Result<()> {
    let name = display_name(path);
    let text = read(path)?;
    for obj in objects(&name, text)? {
        cluster.add_object(&object_to_json(&obj));
    }
    Ok(())
}
