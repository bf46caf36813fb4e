//! Events read projected (only the keys the rules read, see
//! `RuleSet::projection`) raise exactly the alerts, with exactly the
//! outputs, of the same events read whole: with the upstream Falco rules
//! (every rule enabled, `%jevt.obj` outputs included), with the built-in
//! rules, and with rules reading odd corners (JSON pointers, non-string
//! values, escaped keys).

#[path = "../../../tests/shared_data.rs"]
mod shared_data;
#[path = "../benches/stream.rs"]
mod stream;

use kubeguard_audit::reader::{ReadOptions, ReadStats, read_stream, read_stream_projected};
use kubeguard_audit::{Priority, RuleSet, builtin, load_rules};

/// Lines of an audit log covering every kind of event the rules look at.
fn lines() -> Vec<String> {
    let base = r#""kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"id-@","stage":"ResponseComplete","requestReceivedTimestamp":"2026-12-05T04:00:00Z","stageTimestamp":"2026-12-05T04:00:00.5Z","sourceIPs":["10.0.0.7","::1"],"userAgent":"kubectl/v1.31.0""#;
    let bodies = [
        r#""verb":"get","user":{"username":"system:kube-scheduler","groups":["system:authenticated"]},"objectRef":{"resource":"pods","namespace":"kube-system","name":"p"},"responseStatus":{"code":200},"requestURI":"/api/v1/namespaces/kube-system/pods/p""#,
        r#""verb":"create","user":{"username":"alice","groups":["system:authenticated","devs"]},"objectRef":{"resource":"pods","namespace":"default","name":"web"},"responseStatus":{"code":201},"requestURI":"/api/v1/namespaces/default/pods","requestObject":{"kind":"Pod","spec":{"hostNetwork":true,"hostPID":true,"hostIPC":false,"securityContext":{"runAsUser":0,"runAsGroup":3,"fsGroup":2,"supplementalGroups":[1,2]},"containers":[{"name":"a","image":"docker.io/library/nginx:1.27","command":["sh","-c"],"args":["x"],"ports":[{"containerPort":80,"hostPort":8080}],"securityContext":{"privileged":true,"allowPrivilegeEscalation":true,"readOnlyRootFilesystem":false,"capabilities":{"add":["SYS_ADMIN","NET_RAW"]},"procMount":"Unmasked"}},{"name":"b","image":"falcosecurity/falco:0.39"}],"initContainers":[{"name":"i","image":"busybox","securityContext":{"runAsUser":5}}],"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker.sock"}},{"name":"p","hostPath":{"path":"/proc/1"}},{"name":"f","flexVolume":{"driver":"x/y"}}]}},"responseObject":{"metadata":{"name":"web"}}"#,
        r#""verb":"create","user":{"username":"eve"},"objectRef":{"resource":"clusterrolebindings","name":"b"},"responseStatus":{"code":201},"requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","requestObject":{"roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"eve"},{"kind":"ServiceAccount","name":"default","namespace":"shop"},{"kind":"Group","name":"system:masters"}]},"responseObject":{"metadata":{"name":"b"}}"#,
        r#""verb":"create","user":{"username":"bob"},"objectRef":{"resource":"clusterroles","name":"r"},"responseStatus":{"code":201},"requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterroles","requestObject":{"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["/metrics"],"verbs":["get"]}]}"#,
        r#""verb":"create","user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"exec","namespace":"shop","name":"web"},"stage":"ResponseStarted","responseStatus":{"code":101},"requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&container=web&stdin=true&tty=true""#,
        r#""verb":"patch","user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"ephemeralcontainers","namespace":"shop","name":"web"},"responseStatus":{"code":200},"requestURI":"/api/v1/namespaces/shop/pods/web/ephemeralcontainers","requestObject":{"ephemeralContainers":[{"name":"debugger","image":"busybox"}],"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","securityContext":{"privileged":true}}]}}"#,
        r#""verb":"create","user":{"username":"ci"},"objectRef":{"resource":"services","namespace":"shop","name":"s"},"responseStatus":{"code":201},"requestURI":"/api/v1/namespaces/shop/services","requestObject":{"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}"#,
        r#""verb":"create","user":{"username":"ci"},"objectRef":{"resource":"configmaps","namespace":"shop","name":"c"},"responseStatus":{"code":201},"requestURI":"/api/v1/namespaces/shop/configmaps","requestObject":{"data":{"creds":"aws_access_key_id=AKIA","n":"1"}}"#,
        r#""verb":"create","user":{"username":"ci"},"objectRef":{"resource":"ingresses","namespace":"shop","name":"i"},"responseStatus":{"code":201},"requestURI":"/apis/networking.k8s.io/v1/namespaces/shop/ingresses","requestObject":{"spec":{"rules":[]}}"#,
        r#""verb":"get","user":{"username":"system:anonymous","groups":["system:unauthenticated"]},"objectRef":{"resource":"secrets","namespace":"kube-system","name":"s"},"responseStatus":{"code":200},"requestURI":"/api/v1/namespaces/kube-system/secrets/s","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed"}"#,
        r#""verb":"delete","user":{"username":"alice"},"objectRef":{"resource":"namespaces","name":"shop"},"responseStatus":{"code":200},"requestURI":"/api/v1/namespaces/shop""#,
        r#""verb":"get","user":{"username":"alice"},"requestURI":"/healthz?verbose=1","responseStatus":{"code":200}"#,
        r#""verb":"create","user":{"username":"eve"},"impersonatedUser":{"username":"system:admin"},"objectRef":{"resource":"serviceaccounts","namespace":"kube-system","name":"x","subresource":"token"},"responseStatus":{"code":201,"reason":"Created"},"requestURI":"/api/v1/namespaces/kube-system/serviceaccounts/x/token""#,
        r#""verb":"update","user":{"username":"bob"},"objectRef":{"resource":"nodes","name":"n1"},"responseStatus":{"code":"403"},"requestURI":"/api/v1/nodes/n1","annotations":{"a\/b~c":true,"weird\"key":[1,{"x":null}]}"#,
        r#""verb":null,"user":{"username":42,"groups":"not-a-list"},"objectRef":["not","an","object"],"responseStatus":{"code":1.5e2},"requestURI":"\u002fapi\u002fv1\u002fpods""#,
        r#""stage":"RequestReceived","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"default","name":"x"},"requestObject":{"spec":{"containers":[{"name":"n"}]}}"#,
    ];
    bodies
        .iter()
        .enumerate()
        .map(|(i, b)| format!("{{{},{b}}}", base.replace('@', &i.to_string())))
        .collect()
}

/// (rule, output, auditID) of every alert, reading `text` whole or projected.
fn alerts(set: &RuleSet, text: &str, projected: bool) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    let mut stats = ReadStats::default();
    let opts = ReadOptions::default();
    let mut push = |a: kubeguard_audit::Alert<'_>| {
        out.push((a.rule.name.clone(), a.output, a.audit_id));
    };
    if projected {
        read_stream_projected(
            text.as_bytes(),
            "t",
            &opts,
            set.projection(),
            &mut stats,
            &mut |ev| set.evaluate(ev, Priority::Debug, &mut push),
        )
        .unwrap();
    } else {
        read_stream(text.as_bytes(), "t", &opts, &mut stats, &mut |ev| {
            set.evaluate(ev, Priority::Debug, &mut push);
        })
        .unwrap();
    }
    assert_eq!(stats.skipped(), 0, "{:?}", stats.issues);
    out
}

fn assert_same(set: &RuleSet) -> usize {
    assert_same_on(set, &lines().join("\n"))
}

fn assert_same_on(set: &RuleSet, text: &str) -> usize {
    let whole = alerts(set, text, false);
    let projected = alerts(set, text, true);
    assert_eq!(projected, whole);
    whole.len()
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn upstream_rules_every_one_enabled() {
    let path = shared_data::shared("corpus/falco-k8saudit/k8s_audit_rules.yaml");
    let upstream = std::fs::read_to_string(&path).unwrap();
    // Turn on the rules upstream ships switched off through macros, the
    // `%jevt.obj` one among them.
    let on = "- macro: consider_all_events\n  condition: (jevt.rawtime exists)\n\
              - macro: consider_activity_events\n  condition: (k8s_audit_always_true)\n\
              - macro: allowed_full_admin_users\n  condition: (k8s_audit_never_true)\n\
              - macro: allowed_k8s_users_and_groups\n  condition: (k8s_audit_never_true)\n";
    let set = load_rules(&[
        (path.display().to_string(), upstream),
        ("on.yaml".to_owned(), on.to_owned()),
    ])
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(set.projection() != &kubeguard_audit::projection::Projection::All);
    let n = assert_same(&set);
    assert!(n > 30, "{n} alerts");
    // The bench's generated stream, which the quick parse reads in full.
    let n = assert_same_on(&set, &stream::stream(3_000));
    assert!(n > 1_000, "{n} alerts");
}

#[test]
fn builtin_rules() {
    let set = builtin::rules().unwrap();
    assert!(assert_same(&set) > 5);
}

#[test]
fn pointers_non_strings_and_escaped_keys() {
    let rules = r#"
- rule: odd
  desc: odd corners
  condition: >
    jevt.value[/annotations/a~1b~0c] exists or jevt.value[/sourceIPs/1] = "::1"
    or ka.response.code >= 400 or ka.user.name = 42 or jevt.value[/objectRef/1] = an
  output: >
    %jevt.value[/annotations/weird"key] %jevt.value[/sourceIPs] %ka.user.groups
    %ka.response.code %jevt.value[/objectRef] %ka.uri %jevt.time %jevt.rawtime
  priority: NOTICE
  source: k8s_audit
- rule: whole
  desc: the whole event
  condition: ka.verb = delete
  output: "%jevt.obj"
  priority: INFO
  source: k8s_audit
"#;
    let set = load_rules(&[("r.yaml".to_owned(), rules.to_owned())]).unwrap();
    assert!(set.projection() != &kubeguard_audit::projection::Projection::All);
    let n = assert_same(&set);
    assert!(n >= 4, "{n} alerts");
}
