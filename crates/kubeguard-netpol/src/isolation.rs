//! Which directions a pod is isolated in, as Kubernetes decides it: a pod
//! is isolated for ingress (egress) when some NetworkPolicy of its
//! namespace selects it and holds Ingress (Egress) in its effective
//! `policyTypes` (as the API server defaults them: Ingress, plus Egress
//! when the policy has egress rules). A CiliumNetworkPolicy that selects it
//! counts the same way, and so does a Calico NetworkPolicy or
//! GlobalNetworkPolicy that selects it and applies to the direction. A pod
//! isolated in no direction is what `netpol coverage` lists as unselected.
//!
//! [`Isolation`] keeps only the pod selectors and directions of each
//! policy, so it can be built one object at a time ([`Isolation::add`],
//! [`Isolation::merge`]) as `scan` does, or from a [`Model`].

use crate::calico::{self, CalicoPolicy};
use crate::default_deny::Directions;
use crate::model::{
    AnyPolicy, Model, NAMESPACE_NAME_LABEL, Namespace, Pod, Policy, read_any_policy,
};
use crate::selector::{Labels, Selector};
use kubeguard_core::Object;
use std::collections::BTreeMap;

/// The pod selectors of a set of network policies, with the directions
/// each isolates.
#[derive(Debug, Clone, Default)]
pub struct Isolation {
    /// NetworkPolicies and CiliumNetworkPolicies by namespace.
    namespaced: BTreeMap<String, Vec<(Selector, Directions)>>,
    /// Calico policies, namespaced and global.
    calico: Vec<CalicoPolicy>,
}

/// The directions `policy` isolates the pods it selects in.
fn isolated_by(policy: &Policy) -> Directions {
    Directions {
        ingress: policy.isolates_ingress,
        egress: policy.isolates_egress,
    }
}

/// The directions a Calico policy applies to.
fn applied_by(policy: &CalicoPolicy) -> Directions {
    Directions {
        ingress: policy.applies_ingress,
        egress: policy.applies_egress,
    }
}

impl Isolation {
    /// The selectors of every policy of `model`.
    #[must_use]
    pub fn from_model(model: &Model) -> Self {
        let mut iso = Isolation::default();
        for p in &model.policies {
            iso.add_policy(p);
        }
        iso.calico.extend(model.calico.iter().cloned());
        iso
    }

    /// Adds `obj` when it is a policy the model reads the same way
    /// ([`Model::from_objects`]); other objects, and policies it cannot
    /// read, add nothing.
    pub fn add(&mut self, obj: &Object) {
        match read_any_policy(obj) {
            Some(Ok(AnyPolicy::Kubernetes(p))) => self.add_policy(&p),
            Some(Ok(AnyPolicy::Calico(p))) => self.calico.push(p),
            Some(Ok(AnyPolicy::Admin(_)) | Err(_)) | None => {}
        }
    }

    /// Adds the selectors gathered over later objects.
    pub fn merge(&mut self, other: Isolation) {
        for (ns, list) in other.namespaced {
            self.namespaced.entry(ns).or_default().extend(list);
        }
        self.calico.extend(other.calico);
    }

    fn add_policy(&mut self, p: &Policy) {
        self.namespaced
            .entry(p.namespace.clone())
            .or_default()
            .push((p.selector.clone(), isolated_by(p)));
    }

    /// The directions `pod` is isolated in; `ns_labels` are the labels of
    /// its namespace as declared (the automatic `kubernetes.io/metadata.name`
    /// label is added here). A `hostNetwork` pod is isolated in none: no
    /// policy controls it.
    #[must_use]
    pub fn pod(&self, pod: &Pod, ns_labels: &Labels) -> Directions {
        let mut d = Directions::default();
        if pod.host_network {
            return d;
        }
        for (selector, dirs) in self.namespaced.get(&pod.namespace).into_iter().flatten() {
            if selector.matches(&pod.labels) {
                d = d.union(*dirs);
            }
        }
        if !self.calico.is_empty() {
            let ns = namespace(&pod.namespace, ns_labels);
            for p in self.calico.iter().filter(|p| p.selects(pod, &ns)) {
                d = d.union(applied_by(p));
            }
        }
        d
    }

    /// The directions some policy isolates some pod of namespace `name` in:
    /// a policy of the namespace, or a Calico GlobalNetworkPolicy whose
    /// `namespaceSelector` matches it (or that has none). Where a direction
    /// is missing, the namespace has no policy for it at all.
    #[must_use]
    pub fn namespace(&self, name: &str, labels: &Labels) -> Directions {
        let mut d = Directions::default();
        for (_, dirs) in self.namespaced.get(name).into_iter().flatten() {
            d = d.union(*dirs);
        }
        let ns = namespace(name, labels);
        for p in &self.calico {
            let in_scope = match (&p.namespace, &p.namespace_selector) {
                (Some(own), _) => own == name,
                (None, Some(sel)) => sel.matches(&ns.labels, (calico::NAME_LABEL, name)),
                (None, None) => true,
            };
            if in_scope {
                d = d.union(applied_by(p));
            }
        }
        d
    }
}

/// Namespace `name` with `labels` and its automatic name label.
fn namespace(name: &str, labels: &Labels) -> Namespace {
    let mut labels = labels.clone();
    labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.to_owned());
    Namespace {
        name: name.to_owned(),
        labels,
        declared: true,
    }
}

#[cfg(test)]
mod tests {
    use super::Isolation;
    use crate::coverage::coverage;
    use crate::{Analysis, Directions, Model};
    use kubeguard_core::Source;

    fn objects(text: &str) -> Vec<kubeguard_core::Object> {
        kubeguard_load::load_source(Source::new("t.yaml", text)).objects
    }

    const INPUT: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-both, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: queue-defaulted, namespace: shop}
spec:
  podSelector: {matchLabels: {app: queue}}
  egress: [{to: [{podSelector: {}}]}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: batch-out}
spec:
  selector: app == 'batch'
  types: [Egress]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: queue, namespace: shop}
spec: {template: {metadata: {labels: {app: queue}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch, namespace: shop}
spec: {template: {metadata: {labels: {app: batch}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: shop}
spec: {template: {metadata: {labels: {app: cache}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: host, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}, spec: {hostNetwork: true, containers: [{name: c, image: i}]}}}
";

    #[test]
    fn directions_follow_policy_types_and_agree_with_coverage() {
        let objs = objects(INPUT);
        let (model, errors) = Model::from_objects(&objs);
        assert!(errors.is_empty(), "{errors:?}");
        let one_by_one = objs.iter().fold(Isolation::default(), |mut iso, o| {
            let mut single = Isolation::default();
            single.add(o);
            iso.merge(single);
            iso
        });
        let whole = Isolation::from_model(&model);
        let d = |ingress, egress| Directions { ingress, egress };
        let expected = [
            ("web", d(true, false)),
            ("api", d(true, true)),
            ("db", d(false, true)),
            // No policyTypes: Ingress, and Egress for having egress rules.
            ("queue", d(true, true)),
            ("batch", d(false, true)),
            ("cache", d(false, false)),
            ("host", d(false, false)),
        ];
        let no_labels = Default::default();
        for iso in [&one_by_one, &whole] {
            for (name, want) in expected {
                let pod = &model.pods[model.find_pod("shop", name).unwrap()];
                assert_eq!(iso.pod(pod, &no_labels), want, "{name}");
            }
            assert_eq!(iso.namespace("shop", &no_labels), d(true, true));
            assert_eq!(iso.namespace("other", &no_labels), d(false, true));
        }
        // A pod isolated in no direction is what coverage lists as
        // unselected (hostNetwork pods are listed apart).
        let c = coverage(&Analysis::new(&model));
        let unselected: Vec<String> = model
            .pods
            .iter()
            .filter(|p| !p.host_network && whole.pod(p, &no_labels) == Directions::default())
            .map(|p| p.id())
            .collect();
        assert_eq!(c.unselected_pods, unselected);
    }
}
