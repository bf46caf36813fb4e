//! The endpoints through `router().oneshot()`: reviews, errors, health and metrics.

mod common;

use axum::http::{Method, StatusCode};
use common::{app, json, review, send};
use kubeguard_webhook::{AppState, Readiness, router};
use std::sync::Arc;

async fn validate(name: &str) -> serde_json::Value {
    let (status, body) = send(&app(), Method::POST, "/validate", review(name)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    json(&body)
}

#[tokio::test]
async fn allowed_pod_is_admitted_with_its_uid() {
    let answer = validate("pod-allowed.json").await;
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(answer["kind"], "AdmissionReview");
    assert_eq!(
        answer["response"]["uid"],
        "11111111-1111-1111-1111-111111111111"
    );
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
}

#[tokio::test]
async fn privileged_pod_is_denied_with_the_violations_listed() {
    let answer = validate("pod-denied.json").await;
    let response = &answer["response"];
    assert_eq!(response["uid"], "22222222-2222-2222-2222-222222222222");
    assert_eq!(response["allowed"], false, "{answer}");
    let message = response["status"]["message"].as_str().expect("message");
    assert!(message.contains("privileged"), "{message}");
    assert!(message.contains("quay.io/evil/miner"), "{message}");
}

#[tokio::test]
async fn deployments_are_reviewed_through_their_pod_template() {
    assert_eq!(
        validate("deployment-allowed.json").await["response"]["allowed"],
        true
    );
    let denied = validate("deployment-denied.json").await;
    assert_eq!(denied["response"]["allowed"], false, "{denied}");
}

#[tokio::test]
async fn mutate_answers_with_a_review() {
    let (status, body) = send(&app(), Method::POST, "/mutate", review("pod-allowed.json")).await;
    assert_eq!(status, StatusCode::OK);
    let answer = json(&body);
    assert_eq!(
        answer["response"]["uid"],
        "11111111-1111-1111-1111-111111111111"
    );
}

async fn assert_bad_request(body: &[u8], expect_in_message: &str) {
    let (status, answer) = send(&app(), Method::POST, "/validate", body.to_vec()).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let answer = json(&answer);
    let message = answer["error"].as_str().expect("error message");
    assert!(
        message.contains(expect_in_message),
        "{message:?} should mention {expect_in_message:?}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_message() {
    let (status, answer) = send(&app(), Method::POST, "/validate", b"{not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let answer = json(&answer);
    assert!(!answer["error"].as_str().expect("message").is_empty());
}

#[tokio::test]
async fn wrong_api_version_is_a_400_naming_it() {
    let mut body: serde_json::Value =
        serde_json::from_slice(&review("pod-allowed.json")).expect("fixture");
    body["apiVersion"] = "admission.k8s.io/v1beta1".into();
    assert_bad_request(&serde_json::to_vec(&body).expect("json"), "v1beta1").await;
}

#[tokio::test]
async fn missing_request_is_a_400_naming_it() {
    assert_bad_request(
        br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
        "request",
    )
    .await;
}

#[tokio::test]
async fn body_over_3_mib_is_a_413() {
    let body = vec![b' '; kubeguard_webhook::MAX_BODY_BYTES + 1];
    let (status, answer) = send(&app(), Method::POST, "/validate", body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        json(&answer)["error"]
            .as_str()
            .expect("message")
            .contains("larger than")
    );
}

#[tokio::test]
async fn body_of_exactly_3_mib_is_read() {
    // Padding after a valid review: not refused for its size.
    let mut body = review("pod-allowed.json");
    body.resize(kubeguard_webhook::MAX_BODY_BYTES, b' ');
    let (status, _) = send(&app(), Method::POST, "/validate", body).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_method_is_a_405_and_unknown_path_a_404() {
    let app = app();
    let (status, body) = send(&app, Method::GET, "/validate", Vec::new()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(json(&body)["error"].is_string());
    let (status, _) = send(&app, Method::POST, "/healthz", Vec::new()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, body) = send(&app, Method::GET, "/nope", Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(json(&body)["error"].is_string());
}

#[tokio::test]
async fn health_and_readiness() {
    let app = app();
    assert_eq!(
        send(&app, Method::GET, "/healthz", Vec::new()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, Method::GET, "/readyz", Vec::new()).await.0,
        StatusCode::OK
    );

    let (engine, cluster) = common::engine();
    let readiness = Arc::new(Readiness::pending());
    let pending = router(AppState::new(
        Arc::new(engine),
        cluster,
        Arc::clone(&readiness),
    ));
    assert_eq!(
        send(&pending, Method::GET, "/healthz", Vec::new()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&pending, Method::GET, "/readyz", Vec::new()).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    readiness.set_ready();
    assert_eq!(
        send(&pending, Method::GET, "/readyz", Vec::new()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_count_reviews_and_bad_requests() {
    let app = app();
    send(&app, Method::POST, "/validate", review("pod-allowed.json")).await;
    send(&app, Method::POST, "/validate", review("pod-denied.json")).await;
    send(
        &app,
        Method::POST,
        "/validate",
        review("deployment-denied.json"),
    )
    .await;
    send(&app, Method::POST, "/validate", b"[]".to_vec()).await;
    let (status, body) = send(&app, Method::GET, "/metrics", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).expect("utf-8");
    for line in [
        r#"kubeguard_webhook_requests_total{endpoint="validate",kind="Pod",operation="CREATE",decision="allowed"} 1"#,
        r#"kubeguard_webhook_requests_total{endpoint="validate",kind="Pod",operation="CREATE",decision="denied"} 1"#,
        r#"kubeguard_webhook_requests_total{endpoint="validate",kind="Deployment",operation="CREATE",decision="denied"} 1"#,
        r#"kubeguard_webhook_bad_requests_total{endpoint="validate",reason="invalid"} 1"#,
        r#"kubeguard_webhook_request_duration_seconds_count{endpoint="validate"} 3"#,
    ] {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}

async fn review_with_policy_error(failure_mode: &str) -> (serde_json::Value, String) {
    let (engine, cluster) = common::engine_from(&format!("policy-errors-{failure_mode}.yaml"));
    let app = router(AppState::new(
        Arc::new(engine),
        cluster,
        Arc::new(Readiness::ready()),
    ));
    let (status, body) = send(&app, Method::POST, "/validate", review("pod-allowed.json")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (_, metrics) = send(&app, Method::GET, "/metrics", Vec::new()).await;
    (json(&body), String::from_utf8(metrics).expect("utf-8"))
}

#[tokio::test]
async fn policy_errors_follow_the_failure_mode_and_are_counted() {
    let (answer, metrics) = review_with_policy_error("allow").await;
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    assert!(
        metrics.contains(r#"kubeguard_webhook_policy_errors_total{endpoint="validate"} 1"#),
        "{metrics}"
    );

    let (answer, metrics) = review_with_policy_error("deny").await;
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    assert!(
        metrics.contains(r#"kubeguard_webhook_policy_errors_total{endpoint="validate"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn body_that_never_arrives_is_a_408() {
    use axum::body::{Body, Bytes};
    use tower::ServiceExt;
    let mut state = common::state();
    state.body_timeout = std::time::Duration::from_millis(100);
    let app = router(state);
    let stalled = Body::from_stream(futures_util::stream::pending::<
        Result<Bytes, std::convert::Infallible>,
    >());
    let request = axum::http::Request::post("/validate")
        .header("content-type", "application/json")
        .body(stalled)
        .expect("request");
    let response = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        app.clone().oneshot(request),
    )
    .await
    .expect("answered, not hung")
    .expect("infallible");
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let (_, metrics) = send(&app, Method::GET, "/metrics", Vec::new()).await;
    let metrics = String::from_utf8(metrics).expect("utf-8");
    assert!(
        metrics.contains(
            r#"kubeguard_webhook_bad_requests_total{endpoint="validate",reason="timeout"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn oversize_body_with_content_length_is_a_413() {
    use axum::body::Body;
    use tower::ServiceExt;
    let request = axum::http::Request::post("/validate")
        .header(
            "content-length",
            (kubeguard_webhook::MAX_BODY_BYTES + 1).to_string(),
        )
        .body(Body::from(vec![
            b' ';
            kubeguard_webhook::MAX_BODY_BYTES + 1
        ]))
        .expect("request");
    let response = app().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
