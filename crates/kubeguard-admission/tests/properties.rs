//! Properties: mutation never overrides a value that is set, its patch
//! applies and is idempotent; arbitrary bodies never panic the engine.

mod common;

use common::*;
use kubeguard_admission::{Endpoint, StaticCluster};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn opt_bool() -> impl Strategy<Value = Option<bool>> {
    prop::option::of(any::<bool>())
}

fn container_sc() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(
            0.8,
            (
                opt_bool(),
                opt_bool(),
                prop::option::of(prop::sample::select(vec![0i64, 1000])),
                prop::option::of((
                    prop::option::of(prop::sample::subsequence(
                        vec!["NET_ADMIN", "SYS_ADMIN"],
                        0..=2,
                    )),
                    prop::option::of(prop::sample::subsequence(vec!["ALL", "NET_RAW"], 0..=2)),
                )),
            ),
        ),
        any::<bool>(),
    )
        .prop_map(|(sc, null)| match sc {
            None if null => Value::Null,
            None => Value::Object(Map::new()),
            Some((privileged, ape, run_as_user, caps)) => {
                let mut m = Map::new();
                if let Some(p) = privileged {
                    m.insert("privileged".into(), json!(p));
                }
                if let Some(a) = ape {
                    m.insert("allowPrivilegeEscalation".into(), json!(a));
                }
                if let Some(u) = run_as_user {
                    m.insert("runAsUser".into(), json!(u));
                }
                if let Some((add, drop)) = caps {
                    let mut c = Map::new();
                    if let Some(add) = add {
                        c.insert("add".into(), json!(add));
                    }
                    if let Some(drop) = drop {
                        c.insert("drop".into(), json!(drop));
                    }
                    m.insert("capabilities".into(), Value::Object(c));
                }
                Value::Object(m)
            }
        })
}

fn pod_spec() -> impl Strategy<Value = Value> {
    (
        prop::option::of((
            opt_bool(),
            prop::option::of(prop::sample::select(vec![
                "Unconfined",
                "RuntimeDefault",
                "Localhost",
            ])),
            prop::option::of(prop::sample::select(vec![0i64, 1000])),
        )),
        prop::collection::vec(container_sc(), 0..3),
        prop::collection::vec(container_sc(), 0..2),
        prop::option::weighted(0.1, prop::sample::select(vec!["linux", "windows"])),
    )
        .prop_map(|(pod_sc, containers, init, os)| {
            let mut spec = Map::new();
            if let Some((non_root, seccomp, user)) = pod_sc {
                let mut sc = Map::new();
                if let Some(n) = non_root {
                    sc.insert("runAsNonRoot".into(), json!(n));
                }
                if let Some(t) = seccomp {
                    sc.insert("seccompProfile".into(), json!({"type": t}));
                }
                if let Some(u) = user {
                    sc.insert("runAsUser".into(), json!(u));
                }
                spec.insert("securityContext".into(), Value::Object(sc));
            }
            let list = |scs: Vec<Value>, prefix: &str| -> Value {
                Value::Array(
                    scs.into_iter()
                        .enumerate()
                        .map(|(i, sc)| {
                            let mut c = json!({"name": format!("{prefix}{i}"), "image": "nginx:1"});
                            if !(sc.is_object() && sc.as_object().is_some_and(Map::is_empty)) {
                                c["securityContext"] = sc;
                            }
                            c
                        })
                        .collect(),
                )
            };
            spec.insert("containers".into(), list(containers, "c"));
            if !init.is_empty() {
                spec.insert("initContainers".into(), list(init, "i"));
            }
            if let Some(os) = os {
                spec.insert("os".into(), json!({"name": os}));
            }
            Value::Object(spec)
        })
}

fn object() -> impl Strategy<Value = Value> {
    (pod_spec(), prop::sample::select(vec!["Pod", "Deployment", "CronJob"])).prop_map(|(spec, kind)| {
        let meta = json!({"name": "x", "namespace": "prod"});
        match kind {
            "Pod" => json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}),
            "Deployment" => json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                "spec": {"template": {"spec": spec}}}),
            _ => json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}),
        }
    })
}

/// Every non-null scalar leaf with its JSON pointer.
fn leaves(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                leaves(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, format!("{at}/{i}"), out);
            }
        }
        Value::Null => {}
        other => out.push((at, other.clone())),
    }
}

const MUTATE: &str = "mutation: {enabled: true}\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutation_never_overrides_a_set_value(obj in object()) {
        let e = engine(MUTATE);
        let (resp, _) = review(&e, &create(&obj, "alice"), Endpoint::Mutate, &StaticCluster::default());
        prop_assert_eq!(&resp["allowed"], &json!(true));
        let Some(patch) = patch_of(&resp) else {
            return Ok(());
        };
        let patch: json_patch::Patch = serde_json::from_value(patch).expect("a JSONPatch");
        for op in &patch.0 {
            prop_assert!(matches!(op, json_patch::PatchOperation::Add(_)), "only adds: {:?}", op);
        }
        let mut out = obj.clone();
        json_patch::patch(&mut out, &patch).expect("the patch applies");
        let mut before = Vec::new();
        leaves(&obj, String::new(), &mut before);
        for (ptr, value) in before {
            prop_assert_eq!(out.pointer(&ptr), Some(&value), "{} changed", ptr);
        }
        // Idempotent: the mutated object needs no further patch.
        let (again, _) = review(&e, &create(&out, "alice"), Endpoint::Mutate, &StaticCluster::default());
        prop_assert!(again.get("patch").is_none(), "second patch: {}", again);
    }

    #[test]
    fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let e = engine("podSecurity: {}\nrules: [{minSeverity: info, action: warn}]\n");
        let _ = e.review_body(&body, Endpoint::Validate, &StaticCluster::default());
    }

    #[test]
    fn arbitrary_objects_never_panic(object in arbitrary_json(), kind in prop::sample::select(vec!["Pod", "Deployment", "Secret", "CronJob"])) {
        let e = engine("podSecurity: {defaults: {enforce: restricted}}\nrules: [{minSeverity: info, action: deny}]\nimages: {forbidLatest: true, action: deny}\nmutation: {enabled: true}\n");
        let mut obj = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, "spec": object.clone()});
        let _ = e.review_body(&create(&obj, "alice"), Endpoint::Validate, &StaticCluster::default());
        obj["spec"] = json!({"template": {"spec": object}});
        let _ = e.review_body(&create(&obj, "alice"), Endpoint::Mutate, &StaticCluster::default());
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        "[a-zA-Z]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let key = prop::sample::select(vec![
            "containers",
            "initContainers",
            "securityContext",
            "privileged",
            "image",
            "name",
            "hostPID",
            "capabilities",
            "drop",
            "add",
            "seccompProfile",
            "type",
            "volumes",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}
