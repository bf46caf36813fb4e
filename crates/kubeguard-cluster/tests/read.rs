//! Reading a recorded cluster through kube-rs from a fake API server on
//! loopback, with a generated kubeconfig.

use kubeguard_cluster::fake::{FakeApiServer, Recorded};
use kubeguard_cluster::{ClusterOptions, ClusterRead, RequestPolicy, read};
use std::time::Duration;

fn recorded() -> Recorded {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cluster.json"
    ))
    .expect("fixture");
    Recorded::from_lists(&serde_json::from_str(&text).expect("json"))
}

struct Setup {
    server: FakeApiServer,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(recorded: Recorded) -> Self {
        Setup {
            server: FakeApiServer::start(recorded),
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn options(&self) -> ClusterOptions {
        ClusterOptions {
            kubeconfig: Some(self.server.write_kubeconfig(self.dir.path(), "fake")),
            requests: RequestPolicy {
                page_size: 2,
                timeout: Duration::from_secs(5),
                retries: 2,
                backoff: Duration::from_millis(10),
            },
            ..ClusterOptions::default()
        }
    }

    fn read(&self, options: &ClusterOptions) -> ClusterRead {
        read(options).expect("read")
    }
}

fn locations(read: &ClusterRead) -> Vec<&str> {
    read.objects.iter().map(|o| &*o.location).collect()
}

#[test]
fn every_kind_is_read_page_by_page_and_owned_objects_are_skipped() {
    let setup = Setup::new(recorded());
    let read = setup.read(&setup.options());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_eq!(read.info.context, "fake");
    assert_eq!(read.info.server_version, "v1.31.2");
    let locations = locations(&read);
    for expected in [
        "cluster://fake/Namespace/shop",
        "cluster://fake/shop/Deployment/web",
        "cluster://fake/shop/Pod/debug",
        "cluster://fake/kube-system/Pod/kube-apiserver-node1",
        "cluster://fake/shop/Service/web",
        "cluster://fake/shop/Ingress/web",
        "cluster://fake/shop/ServiceAccount/web",
        "cluster://fake/ClusterRoleBinding/web-admin",
        "cluster://fake/shop/RoleBinding/reader",
        "cluster://fake/shop/NetworkPolicy/web-ingress",
    ] {
        assert!(
            locations.contains(&expected),
            "{expected} in {locations:#?}"
        );
    }
    // The ReplicaSet is reported on its Deployment, its pods on the
    // ReplicaSet; the static pod's owner is a Node, not a workload.
    assert!(
        !locations.iter().any(|l| l.contains("web-5d4f")),
        "{locations:#?}"
    );
    // Namespaces come first, workloads before pods.
    assert!(locations[0].contains("/Namespace/"));
    let requests = setup.server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("/api/v1/pods?") && r.contains("continue=2")),
        "{requests:#?}"
    );
    assert!(
        requests.iter().all(|r| r.contains("limit=2")),
        "{requests:#?}"
    );
    // Secrets are not read unless asked for.
    assert!(
        !requests.iter().any(|r| r.contains("secrets")),
        "{requests:#?}"
    );
    // Kinds whose CRDs are not installed were asked for and skipped.
    assert!(requests.iter().any(|r| r.contains("adminnetworkpolicies")));
    assert!(requests.iter().any(|r| r.contains("crd.projectcalico.org")));
    let deployment = read
        .objects
        .iter()
        .find(|o| o.location.ends_with("/Deployment/web"))
        .unwrap();
    assert!(
        deployment.yaml.starts_with("apiVersion: apps/v1\n"),
        "{}",
        deployment.yaml
    );
    assert!(deployment.yaml.contains("\nkind: Deployment\n"));
    assert!(!deployment.yaml.contains("last-applied-configuration"));
    assert!(
        deployment.yaml.contains("        privileged: true\n"),
        "{}",
        deployment.yaml
    );
}

#[test]
fn a_forbidden_kind_is_an_error_and_the_rest_is_read() {
    let mut recorded = recorded();
    recorded.forbid("/apis/networking.k8s.io/v1/networkpolicies");
    let setup = Setup::new(recorded);
    let read = setup.read(&setup.options());
    assert_eq!(read.errors.len(), 1, "{:?}", read.errors);
    let error = read.errors[0].to_string();
    assert!(
        error.starts_with("cluster://fake/NetworkPolicy:1:1: cannot list networkpolicies.networking.k8s.io: forbidden (403)"),
        "{error}"
    );
    assert!(locations(&read).contains(&"cluster://fake/shop/Deployment/web"));
    assert!(
        !locations(&read)
            .iter()
            .any(|l| l.contains("/NetworkPolicy/"))
    );
}

#[test]
fn slow_lists_are_retried_and_a_list_that_never_answers_is_named() {
    let mut recorded = recorded();
    recorded.slow("/api/v1/services", Duration::from_secs(3), 1);
    recorded.slow("/api/v1/serviceaccounts", Duration::from_secs(3), 100);
    let setup = Setup::new(recorded);
    let mut options = setup.options();
    options.requests.timeout = Duration::from_millis(300);
    options.requests.retries = 1;
    let read = setup.read(&options);
    assert!(locations(&read).contains(&"cluster://fake/shop/Service/web"));
    let requests = setup.server.requests();
    let services = requests
        .iter()
        .filter(|r| r.starts_with("/api/v1/services?"))
        .count();
    assert_eq!(services, 2, "{requests:#?}");
    assert_eq!(read.errors.len(), 1, "{:?}", read.errors);
    let error = read.errors[0].to_string();
    assert!(error.starts_with("cluster://fake/ServiceAccount:1:1: cannot list serviceaccounts: no answer within 300ms (after 2 attempts)"), "{error}");
}

#[test]
fn an_expired_continue_token_starts_the_list_over() {
    let whole = {
        let setup = Setup::new(recorded());
        locations(&setup.read(&setup.options()))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mut recorded = recorded();
    recorded.expire_continue("/api/v1/pods", 2);
    let setup = Setup::new(recorded);
    let read = setup.read(&setup.options());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    // The same objects, once each, as a list that never expired.
    assert_eq!(locations(&read), whole);
    let requests = setup.server.requests();
    let fresh = requests
        .iter()
        .filter(|r| r.starts_with("/api/v1/pods?") && !r.contains("continue="))
        .count();
    assert_eq!(fresh, 3, "two restarts after the first list: {requests:#?}");
}

#[test]
fn a_list_that_keeps_expiring_is_named_as_not_read() {
    let mut recorded = recorded();
    recorded.expire_continue("/api/v1/pods", 100);
    let setup = Setup::new(recorded);
    let read = setup.read(&setup.options());
    assert_eq!(read.errors.len(), 1, "{:?}", read.errors);
    let error = read.errors[0].to_string();
    assert!(
        error.starts_with("cluster://fake/Pod:1:1: cannot list pods: ")
            && error.contains("(410: the list expired 4 times before it could be read to the end)"),
        "{error}"
    );
    assert!(!locations(&read).iter().any(|l| l.contains("/Pod/")));
}

#[test]
fn secrets_are_read_only_when_asked_and_then_without_values() {
    let setup = Setup::new(recorded());
    let mut options = setup.options();
    options.include_secrets = true;
    let read = setup.read(&options);
    let secret = read
        .objects
        .iter()
        .find(|o| &*o.location == "cluster://fake/shop/Secret/db")
        .expect("the secret");
    assert!(
        secret.yaml.contains("  password: \"\"\n"),
        "{}",
        secret.yaml
    );
    assert!(!secret.yaml.contains("c3VwZXItc2VjcmV0"), "{}", secret.yaml);
}

#[test]
fn namespaces_limit_what_is_read() {
    let setup = Setup::new(recorded());
    let mut options = setup.options();
    options.namespaces = vec!["kube-system".into()];
    let read = setup.read(&options);
    let locations = locations(&read);
    assert!(locations.contains(&"cluster://fake/kube-system/Pod/kube-apiserver-node1"));
    assert!(locations.contains(&"cluster://fake/Namespace/kube-system"));
    assert!(
        !locations.iter().any(|l| l.contains("shop")),
        "{locations:#?}"
    );
    // Cluster-scoped kinds are still read whole.
    assert!(locations.contains(&"cluster://fake/ClusterRoleBinding/web-admin"));
    let requests = setup.server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("/api/v1/namespaces/kube-system/pods?"))
    );
    assert!(!requests.iter().any(|r| r.starts_with("/api/v1/pods?")));
}

#[test]
fn calico_crds_are_read_when_its_api_server_is_not_installed() {
    let mut recorded = recorded();
    recorded.add(
        "/apis/crd.projectcalico.org/v1/globalnetworkpolicies",
        serde_json::json!({"metadata": {"name": "deny-all"}, "spec": {"selector": "all()", "types": ["Ingress"]}}),
    );
    let setup = Setup::new(recorded);
    let read = setup.read(&setup.options());
    assert!(
        locations(&read)
            .contains(&"cluster://fake/GlobalNetworkPolicy.crd.projectcalico.org/deny-all"),
        "{:#?}",
        locations(&read)
    );
    let policy = read
        .objects
        .iter()
        .find(|o| o.location.ends_with("/deny-all"))
        .unwrap();
    assert!(
        policy
            .yaml
            .starts_with("apiVersion: crd.projectcalico.org/v1\n")
    );
}

#[test]
fn an_unreachable_server_or_unknown_context_fails_the_read() {
    let setup = Setup::new(recorded());
    let mut options = setup.options();
    options.context = Some("prod".into());
    let err = read(&options).unwrap_err().to_string();
    assert!(
        err.contains("no context \"prod\" in the kubeconfig (it has: fake)"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: c\n  cluster: {server: \"http://127.0.0.1:9\"}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {}\n",
    )
    .unwrap();
    let options = ClusterOptions {
        kubeconfig: Some(path),
        requests: RequestPolicy {
            retries: 1,
            backoff: Duration::from_millis(1),
            ..RequestPolicy::default()
        },
        ..ClusterOptions::default()
    };
    let err = read(&options).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot reach the API server of context \"x\""),
        "{err}"
    );
}
