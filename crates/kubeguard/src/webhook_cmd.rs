//! `kubeguard webhook`: the admission webhook's commands. `review`
//! evaluates an AdmissionReview (or a plain object) offline through the
//! same engine the server runs; `serve` runs the server
//! (`webhook_serve_cmd.rs`).

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_admission::Endpoint;
use kubeguard_admission::offline::{self, ReviewFiles};
use std::io::Write;
use std::path::PathBuf;

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

    /// Largest file read, e.g. 64MiB (larger files are refused with an error).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::cli::parse_size)]
    pub max_file_size: u64,
}

/// Runs `kubeguard webhook`; returns the exit code.
pub fn run(args: &WebhookArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        WebhookCommand::Review(a) => review(a, out),
        WebhookCommand::Serve(a) => crate::webhook_serve_cmd::run(a),
    }
}

fn review(args: &ReviewArgs, out: &mut dyn Write) -> Result<u8> {
    let reviews = offline::review_files(&ReviewFiles {
        policy: &args.config,
        objects: &args.objects,
        file: &args.file,
        endpoint: match args.endpoint {
            EndpointArg::Validate => Endpoint::Validate,
            EndpointArg::Mutate => Endpoint::Mutate,
        },
        username: &args.user,
        default_namespace: &args.namespace,
        max_file_size: args.max_file_size,
    })?;
    offline::write_json(out, &reviews)?;
    Ok(u8::from(reviews.denied()))
}
