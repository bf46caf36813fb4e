//! Arbitrary bodies at the handlers: every answer is 200, 400 or 413, with
//! a JSON body, and nothing panics.

mod common;

use axum::Router;
use axum::http::{Method, StatusCode};
use common::{review, send};
use proptest::prelude::*;
use std::sync::OnceLock;

fn app() -> &'static Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(common::app)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn check(path: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
    let (status, answer) = runtime().block_on(send(app(), Method::POST, path, body));
    prop_assert!(
        [
            StatusCode::OK,
            StatusCode::BAD_REQUEST,
            StatusCode::PAYLOAD_TOO_LARGE
        ]
        .contains(&status),
        "unexpected status {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&answer);
    prop_assert!(
        parsed.is_ok(),
        "answer is not JSON: {}",
        String::from_utf8_lossy(&answer)
    );
    Ok(())
}

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        ".{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("admission.k8s.io/v1"),
            Just("AdmissionReview"),
            Just("Pod"),
            Just("CREATE"),
            Just("CONNECT"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("apiVersion".to_string()),
                    Just("kind".to_string()),
                    Just("request".to_string()),
                    Just("uid".to_string()),
                    Just("object".to_string()),
                    Just("operation".to_string()),
                    Just("namespace".to_string()),
                    Just("spec".to_string()),
                    Just("containers".to_string()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid review with one value somewhere replaced by an arbitrary one.
fn mutated_review() -> impl Strategy<Value = Vec<u8>> {
    let fixtures = [
        "pod-allowed.json",
        "pod-denied.json",
        "deployment-allowed.json",
        "deployment-denied.json",
    ];
    (0..fixtures.len(), any::<prop::sample::Index>(), any_json()).prop_map(move |(f, at, value)| {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&review(fixtures[f])).expect("fixture");
        let mut pointers = Vec::new();
        collect_pointers(&doc, String::new(), &mut pointers);
        let target = &pointers[at.index(pointers.len())];
        if let Some(slot) = doc.pointer_mut(target) {
            *slot = value;
        }
        serde_json::to_vec(&doc).expect("json")
    })
}

fn collect_pointers(value: &serde_json::Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_pointers(v, format!("{here}/{key}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_pointers(v, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(body in prop::collection::vec(any::<u8>(), 0..2048), mutate in any::<bool>()) {
        check(if mutate { "/mutate" } else { "/validate" }, body)?;
    }

    #[test]
    fn random_json(value in any_json(), mutate in any::<bool>()) {
        check(if mutate { "/mutate" } else { "/validate" }, serde_json::to_vec(&value).expect("json"))?;
    }

    #[test]
    fn mutated_reviews(body in mutated_review(), mutate in any::<bool>()) {
        check(if mutate { "/mutate" } else { "/validate" }, body)?;
    }

    #[test]
    fn truncated_reviews(cut in 0usize..4000) {
        let mut body = review("deployment-denied.json");
        body.truncate(cut.min(body.len()));
        check("/validate", body)?;
    }
}
