//! Properties over random pod specs: restricted-allowed implies
//! baseline-allowed, adding a violation never turns a denial into an
//! allow, and a Deployment's verdict equals its template's as a Pod.

use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_pss::{Level, LevelVersion, Verdict, Version, evaluate_object};
use proptest::prelude::*;

fn object(yaml: &str) -> Object {
    let mut loaded = load_source(Source::new("p.yaml", yaml));
    assert!(loaded.errors.is_empty(), "{:?}\n{yaml}", loaded.errors);
    loaded.objects.pop().unwrap()
}

fn opt(field: &str, value: Option<&str>, indent: &str) -> String {
    value.map_or_else(String::new, |v| format!("{indent}{field}: {v}\n"))
}

/// A random pod spec body (the lines under `spec:`, indented by two).
fn spec() -> impl Strategy<Value = String> {
    let flag = || proptest::option::of(prop_oneof![Just("true"), Just("false")]);
    let seccomp = || {
        proptest::option::of(prop_oneof![
            Just("{type: RuntimeDefault}"),
            Just("{type: Unconfined}"),
            Just("{type: Localhost, localhostProfile: p}"),
        ])
    };
    (
        (
            flag(),
            flag(),
            proptest::option::of(prop_oneof![Just("0"), Just("1000")]),
            seccomp(),
        ),
        (
            flag(),
            flag(),
            flag(),
            proptest::option::of(prop_oneof![Just("0"), Just("1000")]),
            seccomp(),
        ),
        (
            proptest::option::of(prop_oneof![Just("[ALL]"), Just("[NET_RAW]")]),
            proptest::option::of(prop_oneof![
                Just("[NET_BIND_SERVICE]"),
                Just("[SYS_ADMIN]"),
                Just("[CHOWN]")
            ]),
            proptest::option::of(prop_oneof![Just("Default"), Just("Unmasked")]),
        ),
        (
            flag(),
            flag(),
            any::<bool>(),
            proptest::option::of(prop_oneof![
                Just("emptyDir: {}"),
                Just("hostPath: {path: /}"),
                Just("nfs: {server: s, path: /}")
            ]),
        ),
    )
        .prop_map(|(pod, ctr, caps, host)| {
            let (p_nonroot, p_flag, p_user, p_seccomp) = pod;
            let (c_priv, c_ape, c_nonroot, c_user, c_seccomp) = ctr;
            let (drop, add, proc_mount) = caps;
            let (host_network, host_users, windows, volume) = host;
            // The API server rejects Windows pods that set Linux-only
            // fields, and upstream's Windows exemptions rely on that: such a
            // pod is never evaluated, so none is generated.
            let linux = |v: Option<&'static str>| v.filter(|_| !windows);
            let (p_user, p_seccomp, host_users) =
                (linux(p_user), linux(p_seccomp), linux(host_users));
            let (c_priv, c_ape, c_user, c_seccomp) =
                (linux(c_priv), linux(c_ape), linux(c_user), linux(c_seccomp));
            let (drop, add, proc_mount) = (linux(drop), linux(add), linux(proc_mount));
            let mut s = String::new();
            s += &opt("hostNetwork", host_network, "  ");
            s += &opt("hostIPC", p_flag, "  ");
            s += &opt("hostUsers", host_users, "  ");
            if windows {
                s += "  os: {name: windows}\n";
            }
            s += "  securityContext:\n";
            s += &opt("runAsNonRoot", p_nonroot, "    ");
            s += &opt("runAsUser", p_user, "    ");
            s += &opt("seccompProfile", p_seccomp, "    ");
            s += "  containers:\n  - name: app\n    image: app\n    securityContext:\n";
            s += &opt("privileged", c_priv, "      ");
            s += &opt("allowPrivilegeEscalation", c_ape, "      ");
            s += &opt("runAsNonRoot", c_nonroot, "      ");
            s += &opt("runAsUser", c_user, "      ");
            s += &opt("seccompProfile", c_seccomp, "      ");
            s += &opt("procMount", proc_mount, "      ");
            if drop.is_some() || add.is_some() {
                s += "      capabilities:\n";
                s += &opt("drop", drop, "        ");
                s += &opt("add", add, "        ");
            }
            if let Some(v) = volume {
                s += &format!("  volumes:\n  - name: v\n    {v}\n");
            }
            s
        })
}

fn pod_yaml(spec: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}")
}

fn deployment_yaml(spec: &str) -> String {
    let indented: String = spec.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    metadata: {{labels: {{a: b}}}}\n    spec:\n{indented}"
    )
}

fn verdict(yaml: &str, level: Level, minor: u32) -> Verdict {
    evaluate_object(&object(yaml), LevelVersion::new(level, Version::V1(minor))).unwrap()
}

fn checks(v: &Verdict) -> Vec<(&'static str, String)> {
    v.violations
        .iter()
        .map(|x| (x.check, x.detail.clone()))
        .collect()
}

proptest! {
    #[test]
    fn restricted_allowed_implies_baseline_allowed(spec in spec(), minor in 0u32..=40) {
        let yaml = pod_yaml(&spec);
        if verdict(&yaml, Level::Restricted, minor).allowed() {
            prop_assert!(verdict(&yaml, Level::Baseline, minor).allowed());
        }
        prop_assert!(verdict(&yaml, Level::Privileged, minor).allowed());
    }

    #[test]
    fn adding_a_violation_never_allows(spec in spec(), minor in 0u32..=40, strict in any::<bool>()) {
        let level = if strict { Level::Restricted } else { Level::Baseline };
        let before = verdict(&pod_yaml(&spec), level, minor);
        let worse = spec.replacen("  securityContext:\n", "  hostPID: true\n  securityContext:\n", 1);
        let after = verdict(&pod_yaml(&worse), level, minor);
        prop_assert!(!after.allowed());
        for v in &before.violations {
            prop_assert!(after.violations.iter().any(|a| a.check == v.check), "{} vanished", v.check);
        }
    }

    #[test]
    fn deployment_verdict_equals_its_template_as_a_pod(spec in spec(), minor in 0u32..=40, strict in any::<bool>()) {
        let level = if strict { Level::Restricted } else { Level::Baseline };
        let pod = verdict(&pod_yaml(&spec), level, minor);
        let deployment = verdict(&deployment_yaml(&spec), level, minor);
        prop_assert_eq!(pod.allowed(), deployment.allowed());
        prop_assert_eq!(checks(&pod), checks(&deployment));
    }
}
