//! Behaviour the upstream fixtures do not cover: version boundaries without
//! fixtures, Windows and user-namespace relaxations, the `appArmorProfile`
//! fields, locations of violations, and malformed input.

use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_pss::{LevelVersion, PssError, Verdict, evaluate_object};

fn object(yaml: &str) -> Object {
    let mut loaded = load_source(Source::new("test.yaml", yaml));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.objects.pop().expect("one object")
}

/// A restricted-compliant pod with `extra_spec` appended to its spec and
/// `extra_sc` to its container's securityContext.
fn pod(extra_spec: &str, extra_sc: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {{type: RuntimeDefault}}
  containers:
  - name: app
    image: app
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {{drop: [ALL]}}
{extra_sc}{extra_spec}"
    )
}

fn verdict(yaml: &str, policy: &str) -> Verdict {
    evaluate_object(&object(yaml), LevelVersion::parse(policy).unwrap()).unwrap()
}

fn checks(yaml: &str, policy: &str) -> Vec<&'static str> {
    verdict(yaml, policy)
        .violations
        .iter()
        .map(|v| v.check)
        .collect()
}

#[test]
fn sysctls_allowed_set_grows_by_version() {
    let with = |name: &str| {
        pod("", "").replace(
            "    runAsNonRoot: true\n",
            &format!(
                "    runAsNonRoot: true\n    sysctls:\n    - {{name: {name}, value: \"1\"}}\n"
            ),
        )
    };
    let cases = [
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ];
    for (name, since) in cases {
        let yaml = with(name);
        assert_eq!(
            checks(&yaml, &format!("baseline:v1.{}", since - 1)),
            ["sysctls"],
            "{name}"
        );
        assert!(
            checks(&yaml, &format!("baseline:v1.{since}")).is_empty(),
            "{name}"
        );
    }
}

#[test]
fn se_linux_container_engine_t_from_1_31() {
    let yaml = pod("", "      seLinuxOptions: {type: container_engine_t}\n");
    assert_eq!(checks(&yaml, "baseline:v1.30"), ["seLinuxOptions"]);
    assert!(checks(&yaml, "baseline:v1.31").is_empty());
}

#[test]
fn user_namespace_relaxes_root_checks_from_1_35() {
    let yaml = pod(
        "  hostUsers: false\n",
        "      runAsUser: 0\n      runAsNonRoot: false\n",
    );
    assert_eq!(
        checks(&yaml, "restricted:v1.34"),
        ["runAsNonRoot", "runAsUser"]
    );
    assert!(checks(&yaml, "restricted:v1.35").is_empty());
    assert!(checks(&yaml, "restricted:latest").is_empty());
    let host_users = yaml.replace("hostUsers: false", "hostUsers: true");
    assert_eq!(
        checks(&host_users, "restricted:v1.35"),
        ["runAsNonRoot", "runAsUser"]
    );
}

#[test]
fn windows_pods_are_exempt_from_some_restricted_checks_from_1_25() {
    let yaml = "apiVersion: v1
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: app, image: app}
";
    assert_eq!(
        checks(yaml, "restricted:v1.24"),
        [
            "allowPrivilegeEscalation",
            "seccompProfile_restricted",
            "capabilities_restricted"
        ]
    );
    assert!(checks(yaml, "restricted:v1.25").is_empty());
}

#[test]
fn app_armor_profile_fields() {
    let yaml = pod("", "      appArmorProfile: {type: Unconfined}\n");
    let v = verdict(&yaml, "baseline:latest");
    assert_eq!(v.violations.len(), 1);
    let violation = &v.violations[0];
    assert_eq!(violation.check, "appArmorProfile");
    assert_eq!(violation.reason, "forbidden AppArmor profile");
    assert_eq!(
        violation.detail,
        "container \"app\" must not set securityContext.appArmorProfile.type to \"Unconfined\""
    );
    assert_eq!(
        violation.path,
        "spec.containers[0].securityContext.appArmorProfile.type"
    );
    assert_eq!(violation.pos.line, 15);
    let ok = pod(
        "",
        "      appArmorProfile: {type: Localhost, localhostProfile: p}\n",
    );
    assert!(checks(&ok, "baseline:latest").is_empty());
}

#[test]
fn restricted_overrides_baseline_checks() {
    let yaml = pod("  volumes:\n  - name: h\n    hostPath: {path: /}\n", "");
    assert_eq!(checks(&yaml, "baseline:latest"), ["hostPathVolumes"]);
    assert_eq!(checks(&yaml, "restricted:latest"), ["restrictedVolumes"]);
    let v = verdict(&yaml, "restricted:latest");
    assert_eq!(v.violations[0].path, "spec.volumes[0].hostPath");
    assert_eq!(
        v.message(),
        "violates PodSecurity \"restricted:latest\": restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")"
    );
}

#[test]
fn missing_fields_point_at_the_nearest_parent() {
    let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: app
        image: app
";
    let v = verdict(yaml, "restricted:v1.30");
    let by_check = |c: &str| v.violations.iter().find(|x| x.check == c).unwrap();
    assert_eq!(
        by_check("runAsNonRoot").path,
        "spec.template.spec.containers[0]"
    );
    assert_eq!(
        by_check("allowPrivilegeEscalation").path,
        "spec.template.spec.containers[0]"
    );
    assert_eq!(
        by_check("runAsNonRoot").detail,
        "pod or container \"app\" must set securityContext.runAsNonRoot=true"
    );
}

#[test]
fn privileged_level_allows_everything() {
    let yaml = pod("  hostPID: true\n", "      privileged: true\n");
    assert!(checks(&yaml, "privileged").is_empty());
    assert_eq!(checks(&yaml, "baseline"), ["privileged", "hostNamespaces"]);
}

#[test]
fn malformed_types_are_errors_not_guesses() {
    let cases = [
        (pod("", "      privileged: \"true\"\n"), "spec.containers[0].securityContext.privileged"),
        (pod("", "      runAsUser: \"0\"\n"), "spec.containers[0].securityContext.runAsUser"),
        (pod("  hostNetwork: [true]\n", ""), "spec.hostNetwork"),
        (pod("  volumes: {a: b}\n", ""), "spec.volumes"),
        (
            pod("", "").replace("{drop: [ALL]}", "{drop: [ALL], add: [1]}"),
            "spec.containers[0].securityContext.capabilities.add[0]",
        ),
        (
            pod("", "").replace("metadata:\n  name: p\n", "metadata:\n  name: p\n  annotations: {container.apparmor.security.beta.kubernetes.io/app: 5}\n"),
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"]",
        ),
    ];
    for (yaml, path) in cases {
        match evaluate_object(&object(&yaml), LevelVersion::parse("restricted").unwrap()) {
            Err(PssError::Malformed {
                path: p, message, ..
            }) => {
                assert_eq!(p, path);
                assert!(message.starts_with("expected "), "{message}");
            }
            other => panic!("{path}: expected a malformed error, got {other:?}"),
        }
    }
    let service = object("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
    assert!(matches!(
        evaluate_object(&service, LevelVersion::parse("baseline").unwrap()),
        Err(PssError::NotAPod { .. })
    ));
    let no_spec = object("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n");
    assert!(matches!(
        evaluate_object(&no_spec, LevelVersion::parse("baseline").unwrap()),
        Err(PssError::Malformed { .. })
    ));
}

#[test]
fn null_means_unset() {
    let yaml = pod(
        "  hostNetwork: null\n",
        "      privileged: ~\n      seLinuxOptions: null\n",
    );
    assert!(checks(&yaml, "restricted").is_empty());
}

#[test]
fn policy_strings() {
    assert!(LevelVersion::parse("restricted:v1.025").is_err());
    assert!(LevelVersion::parse("strict").is_err());
    assert_eq!(
        LevelVersion::parse("baseline:v1.99").unwrap().to_string(),
        "baseline:v1.99"
    );
}
