//! The live cluster as the engine sees it: kube-rs reflectors that watch
//! Namespaces (for Pod Security labels) and, when the exec guard or Pod
//! Security needs them, Pods, and answer [`ClusterView`] lookups from their
//! caches.
//!
//! The watches list first, then follow watch events (with bookmarks),
//! reconnecting with backoff after errors, which are logged. Cached objects
//! are trimmed to what the engine reads: managed fields are dropped from
//! both kinds, and a Pod keeps only its metadata and spec.

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use kubeguard_admission::{ClusterView, Watches};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Cluster state cached by reflectors.
#[derive(Clone)]
pub struct ReflectedCluster {
    namespaces: Option<Store<Namespace>>,
    pods: Option<Store<Pod>>,
}

impl std::fmt::Debug for ReflectedCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReflectedCluster")
            .field("namespaces", &self.namespaces.as_ref().map(|s| s.len()))
            .field("pods", &self.pods.as_ref().map(|s| s.len()))
            .finish()
    }
}

impl ClusterView for ReflectedCluster {
    fn namespace_labels(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let ns = self.namespaces.as_ref()?.get(&ObjectRef::new(name))?;
        Some(ns.metadata.labels.clone().unwrap_or_default())
    }

    fn pod(&self, namespace: &str, name: &str) -> Option<serde_json::Value> {
        let pod = self
            .pods
            .as_ref()?
            .get(&ObjectRef::new(name).within(namespace))?;
        serde_json::to_value(&*pod).ok()
    }

    fn pods_in(&self, namespace: &str) -> Option<Vec<serde_json::Value>> {
        let mut pods: Vec<Arc<Pod>> = self
            .pods
            .as_ref()?
            .state()
            .into_iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(namespace))
            .collect();
        pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        pods.iter()
            .map(|p| serde_json::to_value(&**p).ok())
            .collect()
    }
}

/// Running reflectors: the view they fill, and the tasks that drive them.
#[derive(Debug)]
pub struct ClusterWatch {
    view: ReflectedCluster,
    tasks: Vec<JoinHandle<()>>,
}

impl ClusterWatch {
    /// Starts the watches `watches` asks for, on the current tokio runtime.
    pub fn start(client: Client, watches: Watches) -> Self {
        let mut tasks = Vec::new();
        let namespaces = watches.namespaces.then(|| {
            let (store, task) = reflect::<Namespace>(Api::all(client.clone()), |ns| {
                ns.metadata.managed_fields = None;
                ns.status = None;
            });
            tasks.push(task);
            store
        });
        let pods = watches.pods.then(|| {
            let (store, task) = reflect::<Pod>(Api::all(client), |pod| {
                pod.metadata.managed_fields = None;
                pod.status = None;
            });
            tasks.push(task);
            store
        });
        Self {
            view: ReflectedCluster { namespaces, pods },
            tasks,
        }
    }

    /// The view, for the engine.
    pub fn view(&self) -> Arc<dyn ClusterView> {
        Arc::new(self.view.clone())
    }

    /// Resolves once every watch has completed its initial list.
    pub async fn synced(&self) {
        if let Some(store) = &self.view.namespaces {
            // Err only when the writer is gone, i.e. the task ended: nothing left to wait for.
            let _ = store.wait_until_ready().await;
        }
        if let Some(store) = &self.view.pods {
            let _ = store.wait_until_ready().await;
        }
    }
}

impl Drop for ClusterWatch {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn reflect<K>(api: Api<K>, trim: fn(&mut K)) -> (Store<K>, JoinHandle<()>)
where
    K: Resource<DynamicType = ()>
        + Clone
        + Debug
        + Send
        + Sync
        + serde::de::DeserializeOwned
        + 'static,
{
    let (store, writer) = reflector::store();
    let kind = K::kind(&());
    let events = watcher(api, watcher::Config::default())
        .default_backoff()
        .map(move |event| event.map(|e| e.modify(trim)));
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(reflector::reflector(writer, events));
        while let Some(item) = stream.next().await {
            if let Err(e) = item {
                tracing::warn!("watching {kind}: {e}");
            }
        }
    });
    (store, task)
}
