//! Rules over control-plane static pods: one rule per CIS Benchmark flag
//! check of kube-apiserver, kube-controller-manager, kube-scheduler, etcd
//! and the kubelet.

use crate::rule::Rule;

const GROUP: &str = "control-plane";

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[];
