//! The L3/L4 subset of Cilium `CiliumNetworkPolicy` (`cilium.io/v2`),
//! mapped onto the NetworkPolicy model.
//!
//! Modelled: `endpointSelector` (label keys may carry the `k8s:` or `any:`
//! source prefix); an `ingress` (`egress`) section puts the selected pods
//! into default deny for that direction, as in Cilium; per rule
//! `fromEndpoints`/`toEndpoints` (scoped to the policy's namespace unless
//! the selector names `k8s:io.kubernetes.pod.namespace`, or selects
//! namespace labels through `k8s:io.cilium.k8s.namespace.labels.KEY`),
//! `fromCIDR`/`toCIDR`, `fromCIDRSet`/`toCIDRSet` with `except`,
//! `fromEntities`/`toEntities` `all`, `cluster` and `world`, and
//! `toPorts` ports (numbers, names, `endPort`, TCP/UDP/SCTP/ANY). A rule
//! with only `toPorts` allows those ports from (to) every peer; an empty
//! rule allows nothing.
//!
//! Not modelled: L7 rules under `toPorts[].rules` (the port is treated as
//! allowed for every request), `ingressDeny`/`egressDeny` (a policy with
//! them is reported as an error and left out), other entities (`host`,
//! `remote-node`, `kube-apiserver`, `health`, `ingress`, ...; they match
//! nothing), `toServices`, `toFQDNs`, `toGroups`, `icmps`, node selectors,
//! the multi-rule `specs` form and `CiliumClusterwideNetworkPolicy`.

use crate::model::{ModelError, Origin, Policy, Rule, err, selector};
use crate::peer::Peer;
use crate::port::{PortRef, PortSpec, Protocol};
use crate::selector::{Requirement, Selector};
use ipnet::IpNet;
use kubeguard_core::{Located, Object};

const NS_KEY: &str = "io.kubernetes.pod.namespace";
const NS_LABELS: &str = "io.cilium.k8s.namespace.labels.";

fn strip(key: &str) -> &str {
    key.strip_prefix("k8s:")
        .or_else(|| key.strip_prefix("any:"))
        .unwrap_or(key)
}

/// Splits a Cilium endpoint selector into a namespace part (`None` when it
/// names no namespace) and a pod part.
fn endpoint_selector(
    obj: &Object,
    at: &Located<'_>,
) -> Result<(Option<Selector>, Selector), ModelError> {
    let sel = selector(obj, at)?;
    let mut ns = Selector::default();
    let mut pods = Selector::default();
    for (k, v) in sel.labels {
        let k = strip(&k).to_owned();
        if k == NS_KEY {
            ns.labels
                .push((crate::model::NAMESPACE_NAME_LABEL.to_owned(), v));
        } else if let Some(label) = k.strip_prefix(NS_LABELS) {
            ns.labels.push((label.to_owned(), v));
        } else {
            pods.labels.push((k, v));
        }
    }
    for r in sel.exprs {
        let key = strip(&r.key).to_owned();
        if key == NS_KEY {
            ns.exprs.push(Requirement {
                key: crate::model::NAMESPACE_NAME_LABEL.to_owned(),
                ..r
            });
        } else if let Some(label) = key.strip_prefix(NS_LABELS) {
            ns.exprs.push(Requirement {
                key: label.to_owned(),
                ..r
            });
        } else {
            pods.exprs.push(Requirement { key, ..r });
        }
    }
    Ok(((!ns.is_empty()).then_some(ns), pods))
}

fn cidr(obj: &Object, at: &Located<'_>) -> Result<IpNet, ModelError> {
    at.node
        .scalar_text()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| err(obj, at, "not a CIDR such as 10.0.0.0/8"))
}

fn everywhere() -> Vec<Peer> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .filter_map(|c| c.parse().ok())
        .map(|cidr| Peer::IpBlock {
            cidr,
            except: Vec::new(),
        })
        .collect()
}

fn read_rule(obj: &Object, item: &Located<'_>, prefix: &str) -> Result<Option<Rule>, ModelError> {
    let mut peers = Vec::new();
    let mut has_l3 = false;
    if let Some(list) = item.get(&format!("{prefix}Endpoints")) {
        has_l3 = true;
        for sel in list.items() {
            let (namespaces, pods) = endpoint_selector(obj, &sel)?;
            peers.push(Peer::Pods {
                namespaces,
                pods: Some(pods),
            });
        }
    }
    if let Some(list) = item.get(&format!("{prefix}CIDR")) {
        has_l3 = true;
        for c in list.items() {
            peers.push(Peer::IpBlock {
                cidr: cidr(obj, &c)?,
                except: Vec::new(),
            });
        }
    }
    if let Some(list) = item.get(&format!("{prefix}CIDRSet")) {
        has_l3 = true;
        for set in list.items() {
            let c = set
                .get("cidr")
                .ok_or_else(|| err(obj, &set, "a CIDR set needs a cidr"))?;
            let mut except = Vec::new();
            for e in set.get("except").iter().flat_map(Located::items) {
                except.push(cidr(obj, &e)?);
            }
            peers.push(Peer::IpBlock {
                cidr: cidr(obj, &c)?,
                except,
            });
        }
    }
    if let Some(list) = item.get(&format!("{prefix}Entities")) {
        has_l3 = true;
        for e in list.items() {
            match e.node.scalar_text() {
                Some("all") => {
                    peers.push(Peer::Pods {
                        namespaces: Some(Selector::default()),
                        pods: None,
                    });
                    peers.extend(everywhere());
                }
                Some("cluster") => peers.push(Peer::Pods {
                    namespaces: Some(Selector::default()),
                    pods: None,
                }),
                Some("world") => peers.extend(everywhere()),
                _ => {}
            }
        }
    }
    let mut ports = Vec::new();
    let to_ports = item.get("toPorts");
    for tp in to_ports.iter().flat_map(Located::items) {
        for p in tp.get("ports").iter().flat_map(Located::items) {
            let port_at = p.get("port");
            let port = match port_at.as_ref().and_then(|a| a.node.scalar_text()) {
                None | Some("0") => None,
                Some(s) => Some(match s.parse::<u16>() {
                    Ok(n) => PortRef::Number(n),
                    Err(_) => PortRef::Name(s.to_owned()),
                }),
            };
            let end_port = p
                .get("endPort")
                .and_then(|e| e.node.as_i64())
                .and_then(|n| u16::try_from(n).ok());
            let protos: Vec<Protocol> = match p
                .get("protocol")
                .and_then(|x| x.node.as_str().map(str::to_owned))
            {
                None => Protocol::ALL.to_vec(),
                Some(s) if s.eq_ignore_ascii_case("ANY") => Protocol::ALL.to_vec(),
                Some(s) => vec![
                    Protocol::parse(&s)
                        .ok_or_else(|| err(obj, &p, "protocol must be TCP, UDP, SCTP or ANY"))?,
                ],
            };
            for protocol in protos {
                ports.push(PortSpec {
                    protocol,
                    port: port.clone(),
                    end_port,
                });
            }
        }
    }
    if !has_l3 && to_ports.is_none() {
        return Ok(None);
    }
    if has_l3 && peers.is_empty() {
        // Only unmodelled entities: the rule matches nothing here.
        return Ok(None);
    }
    Ok(Some(Rule {
        peers,
        ports,
        peer_base: 0,
        origin: Origin {
            file: obj.source.name.clone(),
            pos: item.at,
            path: item.path(),
        },
    }))
}

/// Reads a CiliumNetworkPolicy as a NetworkPolicy of the same namespace.
///
/// # Errors
/// A malformed policy, or one using deny sections or the `specs` form.
pub fn read(obj: &Object) -> Result<Policy, ModelError> {
    let root = obj.located();
    let name = obj
        .name
        .clone()
        .ok_or_else(|| err(obj, &root, "the policy has no metadata.name"))?;
    if let Some(specs) = root.get("specs") {
        return Err(err(
            obj,
            &specs,
            "the multi-rule `specs` form is not modelled",
        ));
    }
    let spec = root
        .get("spec")
        .ok_or_else(|| err(obj, &root, "the policy has no spec"))?;
    for deny in ["ingressDeny", "egressDeny"] {
        if let Some(at) = spec.get(deny) {
            return Err(err(
                obj,
                &at,
                format!("{deny} is not modelled; the policy is left out"),
            ));
        }
    }
    let selector_at = spec
        .get("endpointSelector")
        .ok_or_else(|| err(obj, &spec, "only endpointSelector policies are modelled"))?;
    let (_, selector) = endpoint_selector(obj, &selector_at)?;
    let mut rules = [Vec::new(), Vec::new()];
    for (i, (field, prefix)) in [("ingress", "from"), ("egress", "to")]
        .into_iter()
        .enumerate()
    {
        for item in spec.get(field).iter().flat_map(Located::items) {
            if let Some(rule) = read_rule(obj, &item, prefix)? {
                rules[i].push(rule);
            }
        }
    }
    let [ingress, egress] = rules;
    Ok(Policy {
        namespace: obj.effective_namespace().unwrap_or("default").to_owned(),
        name: format!("cilium:{name}"),
        selector,
        isolates_ingress: spec.get("ingress").is_some(),
        isolates_egress: spec.get("egress").is_some(),
        ingress,
        egress,
        origin: Origin {
            file: obj.source.name.clone(),
            pos: root.at,
            path: String::new(),
        },
    })
}
