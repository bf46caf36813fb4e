//! Reviewing without a cluster (`kubeguard webhook review`): manifests as
//! JSON, a plain object wrapped into the CREATE request the API server
//! would send for it, and [`review_files`], which reads a policy, the
//! cluster state and the file to review and answers every request in it
//! ([`write_json`] prints the answers).

use crate::engine::{Decision, Endpoint, Engine};
use crate::policy::{Policy, PolicyError};
use crate::review::BadReview;
use kubeguard_core::{Diagnostic, Node, Object, ScalarKind, Source, Value};
use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A parsed manifest object as JSON.
#[must_use]
pub fn object_to_json(obj: &Object) -> Json {
    node_to_json(&obj.root)
}

/// A position-keeping node as JSON.
#[must_use]
pub fn node_to_json(node: &Node) -> Json {
    match &node.value {
        Value::Scalar(s) => match s.kind {
            ScalarKind::Null => Json::Null,
            ScalarKind::Bool(b) => Json::Bool(b),
            ScalarKind::Int(i) => Json::from(i),
            ScalarKind::Float(f) => {
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
            ScalarKind::Str => Json::String(s.text.to_string()),
        },
        Value::Seq(items) => Json::Array(items.iter().map(node_to_json).collect()),
        Value::Map(m) => Json::Object(
            m.entries
                .iter()
                .map(|(k, _, v)| (k.to_string(), node_to_json(v)))
                .collect(),
        ),
    }
}

/// The lower-case plural resource name of a kind, as the API server names
/// it (`Pod` -> `pods`, `NetworkPolicy` -> `networkpolicies`,
/// `Ingress` -> `ingresses`).
#[must_use]
pub fn resource_name(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower == "endpoints" {
        lower
    } else if lower.ends_with("policy") {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if lower.ends_with('s') || lower.ends_with("ch") || lower.ends_with('x') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// What a wrapped request says about who asks and where.
#[derive(Debug, Clone)]
pub struct Wrap<'a> {
    /// `request.userInfo.username`.
    pub username: &'a str,
    /// The namespace for a namespaced object that names none.
    pub default_namespace: &'a str,
    /// Whether the object's kind is cluster-scoped (no namespace).
    pub cluster_scoped: bool,
}

/// Wraps `object` into an `admission.k8s.io/v1` AdmissionReview CREATE
/// request body, as the API server would send it.
#[must_use]
pub fn wrap_create(object: &Json, uid: &str, wrap: &Wrap<'_>) -> Vec<u8> {
    let mut object = object.clone();
    let api_version = object
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or("v1")
        .to_owned();
    let kind = object
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let (group, version) = api_version
        .rsplit_once('/')
        .map_or(("", api_version.as_str()), |(g, v)| (g, v));
    let namespace = if wrap.cluster_scoped {
        None
    } else {
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Json::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(wrap.default_namespace)
            .to_owned();
        if let Some(meta) = object.get_mut("metadata").and_then(Json::as_object_mut) {
            meta.insert("namespace".into(), Json::String(ns.clone()));
        }
        Some(ns)
    };
    let name = object
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let review = json!({
        "apiVersion": crate::review::API_VERSION,
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource_name(&kind)},
            "name": name,
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": wrap.username},
            "object": object,
            "dryRun": false,
        }
    });
    review.to_string().into_bytes()
}

/// What to review offline, and as whom.
#[derive(Debug, Clone)]
pub struct ReviewFiles<'a> {
    /// The admission policy file.
    pub policy: &'a Path,
    /// Files of Namespaces (labels) and Pods (for the exec guard and Pod
    /// Security) to add to the policy's `cluster` section; `-` is standard
    /// input.
    pub objects: &'a [PathBuf],
    /// An AdmissionReview request (JSON), or object manifests (YAML or
    /// JSON), to review; `-` is standard input.
    pub file: &'a Path,
    /// The endpoint to review as.
    pub endpoint: Endpoint,
    /// `request.userInfo.username` of wrapped objects.
    pub username: &'a str,
    /// The namespace of wrapped namespaced objects that name none.
    pub default_namespace: &'a str,
    /// Largest file read, in bytes
    /// ([`kubeguard_load::DEFAULT_MAX_FILE_SIZE`] unless told otherwise).
    pub max_file_size: u64,
}

/// One request answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The `admission.k8s.io/v1` AdmissionReview response.
    pub response: Json,
    /// Whether the request was admitted.
    pub decision: Decision,
}

/// Every request of the reviewed file answered, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviews {
    /// One answer per request: the file itself when it is an
    /// AdmissionReview, else one per object.
    pub answers: Vec<Answer>,
}

impl Reviews {
    /// Whether any request was denied.
    #[must_use]
    pub fn denied(&self) -> bool {
        self.answers.iter().any(|a| a.decision == Decision::Denied)
    }
}

/// Why an offline review could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The policy cannot be read, is invalid, or does not compile.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// An input (the reviewed file or an objects file) cannot be read or
    /// parsed: file, line and column.
    #[error(transparent)]
    Input(Diagnostic),
    /// The reviewed file holds no Kubernetes object.
    #[error("{file}: no Kubernetes object (apiVersion and kind) found")]
    NoObjects {
        /// The file as reported (`<stdin>` for standard input).
        file: String,
    },
    /// A request in the reviewed file is not a valid AdmissionReview.
    #[error("{file}: not a valid AdmissionReview")]
    BadReview {
        /// The file as reported (`<stdin>` for standard input).
        file: String,
        /// What is wrong with the request.
        #[source]
        source: BadReview,
    },
    /// The engine answered with something that is not JSON (a bug).
    #[error("{file}: the engine's response is not JSON")]
    Response {
        /// The file as reported (`<stdin>` for standard input).
        file: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

/// Reads the policy, adds the objects files to its cluster state, and
/// answers every request in the reviewed file: the file itself when it is
/// an AdmissionReview in JSON, otherwise a CREATE request per object (uids
/// `kubeguard-review-1`, `-2`, ...). Standard input is read once, so it can
/// be both an objects file and the reviewed file.
///
/// # Errors
/// [`ReviewError`] naming the file: a policy that is invalid, an input that
/// cannot be read or parsed, a reviewed file without objects, or a request
/// that is not a valid AdmissionReview.
pub fn review_files(input: &ReviewFiles<'_>) -> Result<Reviews, ReviewError> {
    let policy = Policy::from_file(input.policy)?;
    let mut cluster = policy.static_cluster();
    let engine = Engine::new(policy)?;
    // Standard input's objects, parsed once however often `-` is named.
    let mut stdin_objects: Option<Vec<Object>> = None;
    for path in input.objects {
        let loaded;
        let objects: &[Object] = if is_stdin(path) {
            match &mut stdin_objects {
                Some(objects) => objects,
                none => none.insert(parse(read(path, input.max_file_size)?)?),
            }
        } else {
            loaded = parse(read(path, input.max_file_size)?)?;
            &loaded
        };
        for obj in objects {
            cluster.add_object(&object_to_json(obj));
        }
    }
    let source = read(input.file, input.max_file_size)?;
    let file = source.name.clone();
    let bodies = if is_admission_review(&source.text) {
        vec![source.text.into_bytes()]
    } else {
        let objects = match stdin_objects.filter(|_| is_stdin(input.file)) {
            Some(objects) => objects,
            None => parse(source)?,
        };
        if objects.is_empty() {
            return Err(ReviewError::NoObjects { file });
        }
        objects
            .iter()
            .enumerate()
            .map(|(i, obj)| request_body(obj, i, input))
            .collect()
    };
    let mut answers = Vec::with_capacity(bodies.len());
    for body in &bodies {
        let reviewed = engine
            .review_body(body, input.endpoint, &cluster)
            .map_err(|source| ReviewError::BadReview {
                file: file.clone(),
                source,
            })?;
        let response =
            serde_json::from_slice(&reviewed.body).map_err(|source| ReviewError::Response {
                file: file.clone(),
                source,
            })?;
        answers.push(Answer {
            response,
            decision: reviewed.decision,
        });
    }
    Ok(Reviews { answers })
}

/// Writes the answers' responses as pretty JSON and a newline: the one
/// response as an object, several as an array.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_json(out: &mut dyn Write, reviews: &Reviews) -> std::io::Result<()> {
    let written = match reviews.answers.as_slice() {
        [one] => serde_json::to_writer_pretty(&mut *out, &one.response),
        many => {
            let responses: Vec<&Json> = many.iter().map(|a| &a.response).collect();
            serde_json::to_writer_pretty(&mut *out, &responses)
        }
    };
    written.map_err(std::io::Error::from)?;
    writeln!(out)
}

fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// Reads a file, or standard input for `-`.
fn read(path: &Path, max_size: u64) -> Result<Source, ReviewError> {
    if is_stdin(path) {
        kubeguard_load::read_stdin(max_size)
    } else {
        kubeguard_load::read_file(path, max_size)
    }
    .map_err(ReviewError::Input)
}

/// Parses manifest text into objects; the first problem is an error.
fn parse(source: Source) -> Result<Vec<Object>, ReviewError> {
    let loaded = kubeguard_load::load_source(source);
    match loaded.errors.into_iter().next() {
        Some(e) => Err(ReviewError::Input(e)),
        None => Ok(loaded.objects),
    }
}

/// Whether `text` is an AdmissionReview in JSON (reviewed as it is).
fn is_admission_review(text: &str) -> bool {
    serde_json::from_str::<Json>(text)
        .is_ok_and(|v| v.get("kind").and_then(Json::as_str) == Some("AdmissionReview"))
}

/// The request body for the `i`th object: an AdmissionReview as it is,
/// anything else wrapped into a CREATE.
fn request_body(obj: &Object, i: usize, input: &ReviewFiles<'_>) -> Vec<u8> {
    let json = object_to_json(obj);
    if obj.kind == "AdmissionReview" {
        return json.to_string().into_bytes();
    }
    let wrap = Wrap {
        username: input.username,
        default_namespace: input.default_namespace,
        cluster_scoped: obj.is_cluster_scoped(),
    };
    wrap_create(&json, &format!("kubeguard-review-{}", i + 1), &wrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: root, namespace: prod}\nspec:\n  containers:\n  - {name: a, image: x:1, securityContext: {privileged: true}}\n";

    /// Writes `text` to `name` in `dir` and returns its path.
    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }

    fn review(policy: &Path, objects: &[PathBuf], file: &Path) -> Result<Reviews, ReviewError> {
        review_files(&ReviewFiles {
            policy,
            objects,
            file,
            endpoint: Endpoint::Validate,
            username: "ci",
            default_namespace: "default",
            max_file_size: kubeguard_load::DEFAULT_MAX_FILE_SIZE,
        })
    }

    fn written(reviews: &Reviews) -> String {
        let mut out = Vec::new();
        write_json(&mut out, reviews).expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn objects_files_are_cluster_state_and_every_object_is_answered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let policy = file(d, "policy.yaml", "podSecurity: {}\n");
        let pod = file(d, "pod.yaml", PRIVILEGED_POD);
        let reviews = review(&policy, &[], &pod).expect("reviewed");
        assert!(!reviews.denied(), "no labels: privileged defaults");
        let r = &reviews.answers[0].response;
        assert_eq!(r["response"]["uid"], "kubeguard-review-1");
        let ns = file(
            d,
            "ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n",
        );
        let reviews = review(&policy, &[ns], &pod).expect("reviewed");
        assert!(reviews.denied());
        assert_eq!(reviews.answers[0].decision, Decision::Denied);
        let text = written(&reviews);
        assert!(text.starts_with("{\n  \"apiVersion\""), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        let both = file(
            d,
            "both.yaml",
            &format!(
                "{PRIVILEGED_POD}---\n{}",
                PRIVILEGED_POD.replace("root", "two")
            ),
        );
        let reviews = review(&policy, &[], &both).expect("reviewed");
        assert_eq!(reviews.answers.len(), 2);
        assert_eq!(
            reviews.answers[1].response["response"]["uid"],
            "kubeguard-review-2"
        );
        let text = written(&reviews);
        assert!(text.starts_with("[\n  {\n"), "{text}");
        let parsed: Json = serde_json::from_str(&text).expect("JSON");
        assert_eq!(parsed.as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let policy = file(d, "policy.yaml", "{}\n");
        let pod = file(d, "pod.yaml", PRIVILEGED_POD);
        let empty = file(d, "empty.yaml", "# nothing\n");
        let err = review(&policy, &[], &empty).expect_err("no objects");
        assert!(matches!(err, ReviewError::NoObjects { .. }), "{err:?}");
        assert!(
            err.to_string()
                .ends_with("empty.yaml: no Kubernetes object (apiVersion and kind) found"),
            "{err}"
        );
        let noreq = file(
            d,
            "noreq.json",
            r#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}"#,
        );
        let err = review(&policy, &[], &noreq).expect_err("no request");
        let ReviewError::BadReview { file: name, source } = &err else {
            panic!("{err:?}");
        };
        assert!(name.ends_with("noreq.json"), "{name}");
        assert!(source.message.contains("has no request"), "{source}");
        let broken = file(
            d,
            "objs.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: [\n",
        );
        let err = review(&policy, &[broken], &pod).expect_err("objects do not parse");
        let ReviewError::Input(diagnostic) = &err else {
            panic!("{err:?}");
        };
        assert!(diagnostic.file.ends_with("objs.yaml"), "{diagnostic}");
        let missing = d.join("missing.yaml");
        let err = review(&policy, &[], &missing).expect_err("missing");
        assert!(matches!(err, ReviewError::Input(_)), "{err:?}");
        assert!(err.to_string().contains("missing.yaml:1:1:"), "{err}");
        let err = review(&missing, &[], &pod).expect_err("missing policy");
        assert!(matches!(err, ReviewError::Policy(_)), "{err:?}");
    }

    #[test]
    fn resource_names() {
        for (kind, resource) in [
            ("Pod", "pods"),
            ("Deployment", "deployments"),
            ("NetworkPolicy", "networkpolicies"),
            ("Ingress", "ingresses"),
            ("ConfigMap", "configmaps"),
            ("Endpoints", "endpoints"),
        ] {
            assert_eq!(resource_name(kind), resource);
        }
    }

    #[test]
    fn wrapping_fills_the_namespace_and_the_group_version() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let w = Wrap {
            username: "ci",
            default_namespace: "default",
            cluster_scoped: false,
        };
        let body: Json = serde_json::from_slice(&wrap_create(&d, "u1", &w)).expect("json");
        let r = &body["request"];
        assert_eq!(
            r["kind"],
            json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        assert_eq!(r["namespace"], "default");
        assert_eq!(r["object"]["metadata"]["namespace"], "default");
        assert_eq!(r["userInfo"]["username"], "ci");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
        let w = Wrap {
            cluster_scoped: true,
            ..w
        };
        let body: Json = serde_json::from_slice(&wrap_create(&ns, "u2", &w)).expect("json");
        assert!(body["request"]["namespace"].is_null());
    }
}
