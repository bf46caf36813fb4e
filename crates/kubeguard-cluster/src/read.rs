//! Reading a whole cluster: every kind listed, several at a time; objects a
//! read workload owns dropped; what could not be read reported by kind.

use crate::kinds::{KINDS, Kind};
use crate::list::{ListError, RequestPolicy, list_kind};
use crate::object::{self, ClusterObject, kind_location};
use crate::{ClusterError, ClusterInfo, ClusterRead};
use futures_util::StreamExt;
use kube::Client;
use kubeguard_core::Diagnostic;
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the progress callback is told after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Lists finished (a kind, or a kind in one namespace).
    pub lists_done: usize,
    /// Lists to make.
    pub lists_total: usize,
    /// Objects received so far.
    pub objects: usize,
}

/// A function told how reading goes.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// What to read, and how.
#[derive(Clone, Default)]
pub struct ClusterOptions {
    /// The kubeconfig file [default: `$KUBECONFIG` or `~/.kube/config`, or
    /// the in-cluster configuration].
    pub kubeconfig: Option<PathBuf>,
    /// The context [default: the kubeconfig's current context].
    pub context: Option<String>,
    /// Read namespaced kinds only in these namespaces (all when empty).
    pub namespaces: Vec<String>,
    /// Also read Secrets (their keys, never their values).
    pub include_secrets: bool,
    /// Page size, timeouts and retries.
    pub requests: RequestPolicy,
    /// Lists made at the same time.
    pub parallel: usize,
    /// Told after each page.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for ClusterOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterOptions")
            .field("kubeconfig", &self.kubeconfig)
            .field("context", &self.context)
            .field("namespaces", &self.namespaces)
            .field("include_secrets", &self.include_secrets)
            .field("requests", &self.requests)
            .field("parallel", &self.parallel)
            .finish_non_exhaustive()
    }
}

/// Lists in flight when [`ClusterOptions::parallel`] is 0.
pub const DEFAULT_PARALLEL: usize = 6;

/// One list to make: an entry of [`KINDS`], in one namespace or all.
struct Task {
    kind: usize,
    namespace: Option<String>,
}

/// What one list gave: the kind it was (the fallback when the first choice
/// is not served) and its items.
struct Listed {
    task: Task,
    result: Result<(&'static Kind, Vec<Value>), ListError>,
}

fn tasks(options: &ClusterOptions) -> Vec<Task> {
    let mut out = Vec::new();
    for (i, kind) in KINDS.iter().enumerate() {
        if kind.fallback || (kind.opt_in && !options.include_secrets) {
            continue;
        }
        if kind.namespaced && !options.namespaces.is_empty() {
            out.extend(options.namespaces.iter().map(|ns| Task {
                kind: i,
                namespace: Some(ns.clone()),
            }));
        } else {
            out.push(Task {
                kind: i,
                namespace: None,
            });
        }
    }
    out
}

/// Lists `task`'s kind, then its fallback if the kind is not served.
async fn run_task(
    client: &Client,
    policy: &RequestPolicy,
    task: Task,
    on_page: &(dyn Fn(usize) + Sync),
) -> Listed {
    let ns = task.namespace.as_deref();
    let first = &KINDS[task.kind];
    let mut result = list_kind(client, policy, first, ns, on_page)
        .await
        .map(|items| (first, items));
    if result == Err(ListError::NotServed)
        && let Some(fallback) = KINDS.get(task.kind + 1).filter(|k| k.fallback)
    {
        result = list_kind(client, policy, fallback, ns, on_page)
            .await
            .map(|items| (fallback, items));
    }
    Listed { task, result }
}

/// Reads the cluster `options` names.
pub(crate) async fn read(options: &ClusterOptions) -> Result<ClusterRead, ClusterError> {
    let (client, context) =
        crate::connect::connect(options.kubeconfig.as_deref(), options.context.as_deref()).await?;
    let policy = options.requests;
    let version = policy
        .run(|| client.apiserver_version())
        .await
        .map_err(|e| ClusterError::Unreachable {
            context: context.clone(),
            message: match e {
                ListError::Denied(code, m) => format!("{m} ({code})"),
                ListError::Failed(m) | ListError::Expired(m) => m,
                ListError::NotServed => "the server has no /version endpoint".into(),
            },
        })?;
    let time = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let tasks = tasks(options);
    let total = tasks.len();
    let done = AtomicUsize::new(0);
    let received = AtomicUsize::new(0);
    let report = |lists_done| {
        if let Some(progress) = &options.progress {
            progress(Progress {
                lists_done,
                lists_total: total,
                objects: received.load(Ordering::Relaxed),
            });
        }
    };
    let on_page = |n: usize| {
        received.fetch_add(n, Ordering::Relaxed);
        report(done.load(Ordering::Relaxed));
    };
    let parallel = if options.parallel == 0 {
        DEFAULT_PARALLEL
    } else {
        options.parallel
    };
    let mut listed: Vec<Listed> = futures_util::stream::iter(tasks)
        .map(|task| {
            let (client, on_page, done, report) = (&client, &on_page, &done, &report);
            async move {
                let listed = run_task(client, &policy, task, on_page).await;
                report(done.fetch_add(1, Ordering::Relaxed) + 1);
                listed
            }
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    listed.sort_by(|a, b| (a.task.kind, &a.task.namespace).cmp(&(b.task.kind, &b.task.namespace)));
    let info = ClusterInfo {
        context,
        server_version: version.git_version,
        time,
        namespaces: options.namespaces.clone(),
        include_secrets: options.include_secrets,
    };
    Ok(assemble(info, listed))
}

/// Objects in kind order, those owned by a read workload dropped; errors
/// for the kinds that could not be read.
fn assemble(info: ClusterInfo, listed: Vec<Listed>) -> ClusterRead {
    let mut errors = Vec::new();
    let mut lists: Vec<(&'static Kind, Vec<Value>)> = Vec::new();
    for Listed { task, result } in listed {
        let kind = &KINDS[task.kind];
        let at = || kind_location(&info.context, task.namespace.as_deref(), kind);
        match result {
            Ok(list) => lists.push(list),
            Err(ListError::NotServed) => {}
            Err(ListError::Denied(code, message)) => errors.push(Diagnostic::whole_file(
                at(),
                format!(
                    "cannot list {}: {} ({code}): {message}; none of them were analysed: grant get and list on them to the credentials used",
                    kind.resource(),
                    if code == 401 { "unauthorized" } else { "forbidden" }
                ),
            )),
            Err(ListError::Failed(message) | ListError::Expired(message)) => errors.push(Diagnostic::whole_file(
                at(),
                format!(
                    "cannot list {}: {message}; none of them were analysed",
                    kind.resource()
                ),
            )),
        }
    }
    let workloads: HashSet<String> = lists
        .iter()
        .filter(|(kind, _)| crate::kinds::WORKLOAD_OWNERS.contains(&kind.kind))
        .flat_map(|(_, items)| items.iter().filter_map(object::uid).map(str::to_owned))
        .collect();
    let wanted: HashSet<&str> = info.namespaces.iter().map(String::as_str).collect();
    let mut objects: Vec<ClusterObject> = Vec::new();
    for (kind, items) in lists {
        let start = objects.len();
        for item in items {
            if object::owned_by_read(&item, &workloads) {
                continue;
            }
            if kind.kind == "Namespace"
                && !wanted.is_empty()
                && !item
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| wanted.contains(n))
            {
                continue;
            }
            objects.push(object::prepare(&info.context, kind, item));
        }
        objects[start..].sort_by(|a, b| a.location.cmp(&b.location));
    }
    ClusterRead {
        info,
        objects,
        errors,
    }
}
