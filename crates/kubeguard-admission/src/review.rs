//! The wire format: decoding an `admission.k8s.io/v1` AdmissionReview
//! request and encoding the response, with the kube-rs admission types.

use base64::Engine as _;
use kube_core::DynamicObject;
use kube_core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use kube_core::response::Status;
use std::collections::HashMap;

/// The only AdmissionReview version answered.
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// A request that is not a valid AdmissionReview (-> HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadReview {
    /// What is wrong with the request.
    pub message: String,
}

impl BadReview {
    fn new(message: impl Into<String>) -> Self {
        BadReview {
            message: message.into(),
        }
    }
}

/// A decoded request with its objects as JSON.
pub(crate) struct Request {
    /// The request as sent.
    pub review: AdmissionRequest<DynamicObject>,
    /// `request.object` as JSON (the new object, or the CONNECT options).
    pub object: Option<serde_json::Value>,
    /// `request.oldObject` as JSON (UPDATE and DELETE).
    pub old_object: Option<serde_json::Value>,
}

impl Request {
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub fn operation(&self) -> &'static str {
        operation_name(&self.review.operation)
    }

    /// The namespace the request is for (empty for cluster-scoped objects).
    pub fn namespace(&self) -> &str {
        self.review
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .or_else(|| {
                self.object
                    .as_ref()
                    .and_then(|o| o.pointer("/metadata/namespace"))
                    .and_then(serde_json::Value::as_str)
            })
            .unwrap_or("")
    }

    /// The requesting user's name.
    pub fn username(&self) -> Option<&str> {
        self.review.user_info.username.as_deref()
    }

    /// The subresource, empty when none.
    pub fn subresource(&self) -> &str {
        self.review.sub_resource.as_deref().unwrap_or("")
    }
}

/// The upper-case operation name.
pub(crate) fn operation_name(op: &Operation) -> &'static str {
    match op {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

/// Decodes and checks an AdmissionReview request body.
pub(crate) fn decode(body: &[u8]) -> Result<Request, BadReview> {
    let head: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| BadReview::new(format!("the body is not valid JSON: {e}")))?;
    let Some(top) = head.as_object() else {
        return Err(BadReview::new("an AdmissionReview must be a JSON object"));
    };
    let field = |k: &str| top.get(k).and_then(serde_json::Value::as_str);
    match field("apiVersion") {
        Some(API_VERSION) => {}
        Some(other) => {
            return Err(BadReview::new(format!(
                "unsupported apiVersion {other:?}; expected {API_VERSION:?}"
            )));
        }
        None => {
            return Err(BadReview::new(
                "missing apiVersion (expected \"admission.k8s.io/v1\")",
            ));
        }
    }
    match field("kind") {
        Some("AdmissionReview") => {}
        Some(other) => {
            return Err(BadReview::new(format!(
                "unexpected kind {other:?}; expected \"AdmissionReview\""
            )));
        }
        None => {
            return Err(BadReview::new(
                "missing kind (expected \"AdmissionReview\")",
            ));
        }
    }
    if top.get("request").is_none_or(serde_json::Value::is_null) {
        return Err(BadReview::new("the AdmissionReview has no request"));
    }
    let review: AdmissionReview<DynamicObject> = serde_json::from_value(head)
        .map_err(|e| BadReview::new(format!("invalid AdmissionReview request: {e}")))?;
    let Some(request) = review.request else {
        return Err(BadReview::new("the AdmissionReview has no request"));
    };
    if request.uid.is_empty() {
        return Err(BadReview::new("request.uid is empty"));
    }
    let needs_object = matches!(request.operation, Operation::Create | Operation::Update);
    if needs_object && request.object.is_none() {
        return Err(BadReview::new(format!(
            "request.object is missing for a {} request",
            operation_name(&request.operation)
        )));
    }
    let to_json = |o: &Option<DynamicObject>| {
        o.as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| BadReview::new(format!("cannot read the request's object: {e}")))
    };
    let object = to_json(&request.object)?;
    let old_object = to_json(&request.old_object)?;
    Ok(Request {
        review: request,
        object,
        old_object,
    })
}

/// What the response says.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    /// Denial messages; the request is allowed when empty.
    pub denials: Vec<String>,
    /// Whether the denial is for an invalid object (422 Invalid) rather
    /// than a policy violation (403 Forbidden).
    pub invalid: bool,
    /// Warnings to the client.
    pub warnings: Vec<String>,
    /// Audit annotations.
    pub audit: HashMap<String, String>,
    /// A JSONPatch to apply (mutation).
    pub patch: Option<json_patch::Patch>,
}

/// Encodes the response to `request` as an AdmissionReview body.
pub(crate) fn encode(request: &Request, answer: Answer) -> Vec<u8> {
    let mut response = AdmissionResponse::from(&request.review);
    if !answer.denials.is_empty() {
        response.allowed = false;
        let message = if answer.denials.len() == 1 {
            answer.denials.concat()
        } else {
            format!(
                "{} violations: {}",
                answer.denials.len(),
                answer.denials.join("; ")
            )
        };
        response.result = if answer.invalid {
            Status::failure(&message, "Invalid").with_code(422)
        } else {
            Status::failure(&message, "Forbidden").with_code(403)
        };
    }
    if !answer.warnings.is_empty() {
        response.warnings = Some(answer.warnings);
    }
    response.audit_annotations = answer.audit;
    if let Some(patch) = answer.patch.filter(|p| !p.0.is_empty()) {
        response = match response.clone().with_patch(patch) {
            Ok(r) => r,
            Err(_) => response,
        };
    }
    let mut review = response.into_review();
    review.types.api_version = API_VERSION.to_owned();
    review.types.kind = "AdmissionReview".to_owned();
    let mut value = match serde_json::to_value(&review) {
        Ok(v) => v,
        Err(_) => return fallback(&request.review.uid),
    };
    base64_patch(&mut value);
    serde_json::to_vec(&value).unwrap_or_else(|_| fallback(&request.review.uid))
}

/// The API server reads `patch` as base64 text (Go `[]byte`).
fn base64_patch(review: &mut serde_json::Value) {
    let Some(patch) = review.pointer_mut("/response/patch") else {
        return;
    };
    let bytes: Option<Vec<u8>> = patch.as_array().and_then(|a| {
        a.iter()
            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect()
    });
    if let Some(bytes) = bytes {
        *patch = serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
}

/// A denial that needs no serialisation beyond a string escape (used only
/// if the response cannot be encoded).
fn fallback(uid: &str) -> Vec<u8> {
    serde_json::json!({
        "apiVersion": API_VERSION,
        "kind": "AdmissionReview",
        "response": {"uid": uid, "allowed": false,
            "status": {"code": 500, "message": "the response could not be encoded"}},
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(request: &serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(
            &json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "request": request}),
        )
        .expect("serialises")
    }

    fn pod_request() -> serde_json::Value {
        json!({"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "userInfo": {"username": "a"},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}})
    }

    #[test]
    fn decodes_the_namespace_from_the_object_when_the_request_has_none() {
        let r = decode(&body(&pod_request())).expect("valid");
        assert_eq!(
            (r.operation(), r.namespace(), r.username()),
            ("CREATE", "ns", Some("a"))
        );
        assert_eq!(r.subresource(), "");
    }

    #[test]
    fn a_delete_needs_no_object() {
        let mut req = pod_request();
        req["operation"] = json!("DELETE");
        req["oldObject"] = req["object"].take();
        let r = decode(&body(&req)).expect("valid");
        assert!(r.object.is_none() && r.old_object.is_some());
    }

    #[test]
    fn the_patch_is_base64_and_a_denial_lists_every_violation() {
        let r = decode(&body(&pod_request())).expect("valid");
        let patch: json_patch::Patch =
            serde_json::from_value(json!([{"op": "add", "path": "/spec/a~1b", "value": 1}]))
                .expect("a patch");
        let answer = Answer {
            denials: vec!["one".into(), "two".into()],
            patch: Some(patch),
            ..Answer::default()
        };
        let out: serde_json::Value = serde_json::from_slice(&encode(&r, answer)).expect("json");
        let resp = &out["response"];
        assert_eq!(resp["status"]["message"], "2 violations: one; two");
        assert_eq!(resp["status"]["code"], 403);
        let text = resp["patch"].as_str().expect("base64 text");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64");
        let ops: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(ops[0]["path"], "/spec/a~1b");
        assert_eq!(resp["patchType"], "JSONPatch");
    }
}
