//! Property tests of the evaluator over random models: no policy means
//! everything is allowed; adding a policy opens only what its own rules
//! allow (so a policy without rules, pure isolation, never opens
//! anything); and the equivalence classes agree with pair-by-pair checks.

use kubeguard_netpol::{
    Analysis, Classes, ContainerPort, Direction, Endpoint, Model, Namespace, Origin, Peer, Pod,
    Policy, PortRef, PortSet, PortSpec, Protocol, Requirement, Rule, Selector,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const NAMESPACES: [&str; 3] = ["n0", "n1", "n2"];

fn selector() -> impl Strategy<Value = Selector> {
    prop_oneof![
        Just(Selector::default()),
        prop::sample::select(vec!["a", "b"]).prop_map(|v| Selector {
            labels: vec![("app".into(), v.into())],
            exprs: vec![],
        }),
        (
            prop::sample::select(vec!["app", "tier", "team"]),
            prop::sample::select(vec![0usize, 1, 2, 3]),
        )
            .prop_map(|(key, op)| {
                let op = [
                    kubeguard_netpol::Op::In,
                    kubeguard_netpol::Op::NotIn,
                    kubeguard_netpol::Op::Exists,
                    kubeguard_netpol::Op::DoesNotExist,
                ][op];
                let values = match op {
                    kubeguard_netpol::Op::In | kubeguard_netpol::Op::NotIn => {
                        vec!["a".into(), "x".into()]
                    }
                    _ => vec![],
                };
                Selector {
                    labels: vec![],
                    exprs: vec![Requirement {
                        key: key.into(),
                        op,
                        values,
                    }],
                }
            }),
    ]
}

fn peer() -> impl Strategy<Value = Peer> {
    (prop::option::of(selector()), prop::option::of(selector()))
        .prop_filter("a peer sets a selector", |(n, p)| {
            n.is_some() || p.is_some()
        })
        .prop_map(|(namespaces, pods)| Peer::Pods { namespaces, pods })
}

fn port() -> impl Strategy<Value = PortSpec> {
    (
        prop::sample::select(vec![Protocol::Tcp, Protocol::Udp]),
        prop_oneof![
            Just(None),
            Just(Some(PortRef::Number(80))),
            Just(Some(PortRef::Number(81))),
            Just(Some(PortRef::Name("http".into()))),
        ],
    )
        .prop_map(|(protocol, port)| PortSpec {
            protocol,
            port,
            end_port: None,
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::collection::vec(peer(), 0..3),
        prop::collection::vec(port(), 0..2),
    )
        .prop_map(|(peers, ports)| Rule {
            peers,
            ports,
            peer_base: 0,
            origin: Origin::default(),
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop::sample::select(NAMESPACES.to_vec()),
        selector(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(rule(), 0..3),
        prop::collection::vec(rule(), 0..3),
    )
        .prop_map(|(ns, selector, ing, eg, ingress, egress)| Policy {
            namespace: ns.into(),
            name: "p".into(),
            selector,
            isolates_ingress: ing || !eg,
            isolates_egress: eg,
            ingress,
            egress,
            origin: Origin::default(),
        })
}

fn pod() -> impl Strategy<Value = Pod> {
    (
        prop::sample::select(NAMESPACES.to_vec()),
        prop::option::of(prop::sample::select(vec!["a", "b"])),
        prop::option::of(prop::sample::select(vec!["x", "y"])),
        prop::sample::select(vec![80u16, 81]),
    )
        .prop_map(|(ns, app, tier, http)| {
            let mut labels = BTreeMap::new();
            if let Some(a) = app {
                labels.insert("app".to_owned(), a.to_owned());
            }
            if let Some(t) = tier {
                labels.insert("tier".to_owned(), t.to_owned());
            }
            Pod {
                namespace: ns.into(),
                name: String::new(),
                kind: "Pod".into(),
                labels,
                ports: vec![ContainerPort {
                    name: Some("http".into()),
                    port: http,
                    protocol: Protocol::Tcp,
                }],
                host_network: false,
                ip: None,
                origin: Origin::default(),
            }
        })
}

fn build(mut pods: Vec<Pod>, policies: Vec<Policy>) -> Model {
    for (i, p) in pods.iter_mut().enumerate() {
        p.name = format!("pod{i}");
    }
    let mut model = Model::default();
    model.pods = pods;
    model.policies = policies;
    model.namespaces = NAMESPACES
        .iter()
        .enumerate()
        .map(|(i, n)| Namespace {
            name: (*n).into(),
            labels: BTreeMap::from([
                ("kubernetes.io/metadata.name".to_owned(), (*n).to_owned()),
                ("team".to_owned(), if i == 0 { "a" } else { "b" }.to_owned()),
            ]),
            declared: true,
        })
        .collect();
    model.reindex();
    model
}

fn pairs(n: usize) -> impl Iterator<Item = (Endpoint, Endpoint)> {
    (0..n).flat_map(move |s| (0..n).map(move |d| (Endpoint::Pod(s), Endpoint::Pod(d))))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_policies_allow_everything(pods in prop::collection::vec(pod(), 1..8)) {
        let model = build(pods, vec![]);
        let a = Analysis::new(&model);
        for (s, d) in pairs(model.pods.len()) {
            prop_assert!(a.allowed(&s, &d).is_all());
        }
    }

    #[test]
    fn a_policy_opens_only_what_its_rules_allow(
        pods in prop::collection::vec(pod(), 1..7),
        policies in prop::collection::vec(policy(), 0..4),
        added in policy(),
    ) {
        let before_model = build(pods.clone(), policies.clone());
        let mut with = policies;
        with.push(added);
        let after_model = build(pods, with);
        let added_idx = after_model.policies.len() - 1;
        let (before, after) = (Analysis::new(&before_model), Analysis::new(&after_model));
        for (s, d) in pairs(before_model.pods.len()) {
            let old = before.check(&s, &d, true);
            let new = after.check(&s, &d, true);
            for (o, n) in [(&old.egress, &new.egress), (&old.ingress, &new.ingress)] {
                let own = n
                    .allowed_by
                    .iter()
                    .filter(|(r, _)| r.policy == added_idx)
                    .fold(PortSet::empty(), |acc, (_, p)| acc.union(p));
                prop_assert!(n.allowed.subtract(&o.allowed).subtract(&own).is_empty());
            }
        }
    }

    #[test]
    fn pure_isolation_never_opens_a_connection(
        pods in prop::collection::vec(pod(), 1..7),
        policies in prop::collection::vec(policy(), 0..4),
        mut added in policy(),
    ) {
        added.ingress.clear();
        added.egress.clear();
        let before_model = build(pods.clone(), policies.clone());
        let mut with = policies;
        with.push(added.clone());
        let after_model = build(pods, with);
        let (before, after) = (Analysis::new(&before_model), Analysis::new(&after_model));
        for (s, d) in pairs(before_model.pods.len()) {
            let (o, n) = (before.allowed(&s, &d), after.allowed(&s, &d));
            prop_assert!(n.subtract(&o).is_empty());
            // And the pods it selects are closed in the directions it isolates.
            if let (Endpoint::Pod(si), Endpoint::Pod(di)) = (s, d) {
                let selected = |i: usize| {
                    let p = &after_model.pods[i];
                    p.namespace == added.namespace && added.selector.matches(&p.labels)
                };
                let iso = |i: usize, dir| after.isolating(i, dir).len() == 1 && after.isolating(i, dir)[0] as usize == after_model.policies.len() - 1;
                if selected(di) && added.isolates_ingress && iso(di, Direction::Ingress) {
                    prop_assert!(n.is_empty());
                }
                if selected(si) && added.isolates_egress && iso(si, Direction::Egress) {
                    prop_assert!(n.is_empty());
                }
            }
        }
    }

    #[test]
    fn classes_agree_with_pairwise_evaluation(
        pods in prop::collection::vec(pod(), 1..9),
        policies in prop::collection::vec(policy(), 0..5),
    ) {
        let model = build(pods, policies);
        let a = Analysis::new(&model);
        let classes = Classes::new(&a);
        for s in 0..model.pods.len() {
            for d in 0..model.pods.len() {
                prop_assert_eq!(&a.allowed(&Endpoint::Pod(s), &Endpoint::Pod(d)), classes.allowed(s, d));
            }
        }
    }
}
