//! Listing one kind, a page at a time (`limit` and `continue`), each
//! request timed out and retried with exponential backoff. A continue
//! token that expired between pages (410 Gone) restarts the list, as the
//! API server asks of a client that wants a consistent list.

use crate::kinds::Kind;
use kube::Client;
use kube::api::{DynamicObject, ListParams, ObjectList};
use kube::core::{Request, Resource};
use serde_json::Value;
use std::future::Future;
use std::time::Duration;

/// How requests are made.
#[derive(Debug, Clone, Copy)]
pub struct RequestPolicy {
    /// Objects asked for per page.
    pub page_size: u32,
    /// How long one request may take.
    pub timeout: Duration,
    /// Attempts after the first for a request that timed out or failed
    /// on the way (connection errors, 429, 5xx).
    pub retries: u32,
    /// The wait before the first retry; it doubles with each retry.
    pub backoff: Duration,
}

impl Default for RequestPolicy {
    fn default() -> Self {
        RequestPolicy {
            page_size: 500,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
        }
    }
}

/// Why a kind could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ListError {
    /// The server does not serve the kind (404: its CRD is not installed).
    NotServed,
    /// The credentials may not list it (401 or 403), with the server's message.
    Denied(u16, String),
    /// Every attempt failed or timed out; the last failure.
    Failed(String),
    /// The continue token expired (410 Gone): the list must start over.
    Expired(String),
}

/// How many times a list whose continue token expired is started over
/// before the kind is reported as not read.
const LIST_RESTARTS: u32 = 3;

/// A failure worth another attempt, or one that is final.
enum Attempt {
    Retry(String),
    Final(ListError),
}

fn classify(e: kube::Error) -> Attempt {
    match e {
        kube::Error::Api(status) => match status.code {
            404 => Attempt::Final(ListError::NotServed),
            410 => Attempt::Final(ListError::Expired(status.message)),
            401 | 403 => Attempt::Final(ListError::Denied(status.code, status.message)),
            429 | 500 | 502 | 503 | 504 => {
                Attempt::Retry(format!("{} ({})", status.message, status.code))
            }
            code => Attempt::Final(ListError::Failed(format!("{} ({code})", status.message))),
        },
        kube::Error::SerdeError(e) => Attempt::Final(ListError::Failed(format!(
            "the server's answer is not a list: {e}"
        ))),
        other => Attempt::Retry(other.to_string()),
    }
}

impl RequestPolicy {
    /// Runs `request` until it succeeds, fails for good, or has timed out
    /// or failed `retries + 1` times.
    pub(crate) async fn run<T, F, Fut>(&self, mut request: F) -> Result<T, ListError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut attempt = 0;
        loop {
            let failure = match tokio::time::timeout(self.timeout, request()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => match classify(e) {
                    Attempt::Final(e) => return Err(e),
                    Attempt::Retry(message) => message,
                },
                Err(_) => format!("no answer within {:?}", self.timeout),
            };
            if attempt >= self.retries {
                return Err(ListError::Failed(format!(
                    "{failure} (after {} attempts)",
                    attempt + 1
                )));
            }
            tokio::time::sleep(self.backoff.saturating_mul(1 << attempt.min(16))).await;
            attempt += 1;
        }
    }
}

/// Lists every object of `kind` (in `namespace`, or everywhere), calling
/// `on_page` with the number of objects of each page received.
pub(crate) async fn list_kind(
    client: &Client,
    policy: &RequestPolicy,
    kind: &Kind,
    namespace: Option<&str>,
    on_page: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Value>, ListError> {
    let resource = kind.api_resource();
    let request = Request::new(DynamicObject::url_path(&resource, namespace));
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut restarts = 0;
    loop {
        let mut params = ListParams::default().limit(policy.page_size);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let result = policy
            .run(|| async {
                let http = request.list(&params).map_err(kube::Error::BuildRequest)?;
                client.request::<ObjectList<Value>>(http).await
            })
            .await;
        let page = match result {
            Ok(page) => page,
            Err(ListError::Expired(message)) if token.is_some() => {
                if restarts == LIST_RESTARTS {
                    return Err(ListError::Failed(format!(
                        "{message} (410: the list expired {} times before it could be read to the end)",
                        restarts + 1
                    )));
                }
                restarts += 1;
                items.clear();
                token = None;
                continue;
            }
            Err(ListError::Expired(message)) => {
                return Err(ListError::Failed(format!("{message} (410)")));
            }
            Err(e) => return Err(e),
        };
        on_page(page.items.len());
        items.extend(page.items);
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
}
