//! Aggregated ClusterRoles, expanded as the clusterrole-aggregation
//! controller does: an aggregated ClusterRole's rules are replaced by the
//! union of the rules of every other ClusterRole its
//! `aggregationRule.clusterRoleSelectors` select (in name order, without
//! duplicates), repeated until nothing changes, so aggregated roles that
//! select other aggregated roles (`admin` selects `edit`, which selects
//! `view`) see their final rules.

use crate::model::{LabelSelector, Operator, PolicyRule, Role, RoleKind};
use std::collections::BTreeMap;

/// Whether `labels` satisfy `selector`. An empty selector selects
/// everything, as Kubernetes label selectors do.
#[must_use]
pub fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    selector
        .match_labels
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
        && selector.match_expressions.iter().all(|(k, op, values)| {
            let value = labels.get(k);
            match op {
                Operator::In => value.is_some_and(|v| values.contains(v)),
                Operator::NotIn => value.is_none_or(|v| !values.contains(v)),
                Operator::Exists => value.is_some(),
                Operator::DoesNotExist => value.is_none(),
            }
        })
}

/// Replaces the rules of every aggregated ClusterRole in `roles` by the
/// rules it aggregates.
pub fn expand(roles: &mut [Role]) {
    let aggregated: Vec<usize> = roles
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == RoleKind::ClusterRole && r.aggregation.is_some())
        .map(|(i, _)| i)
        .collect();
    if aggregated.is_empty() {
        return;
    }
    // For each aggregated role, the ClusterRoles it selects, in name order.
    let mut sources: Vec<(usize, Vec<usize>)> = Vec::new();
    for &i in &aggregated {
        let selectors = roles[i].aggregation.as_deref().unwrap_or_default();
        let mut picked: Vec<usize> = roles
            .iter()
            .enumerate()
            .filter(|(j, r)| {
                *j != i
                    && r.kind == RoleKind::ClusterRole
                    && r.name != roles[i].name
                    && selectors.iter().any(|s| selects(s, &r.labels))
            })
            .map(|(j, _)| j)
            .collect();
        picked.sort_by(|a, b| roles[*a].name.cmp(&roles[*b].name));
        sources.push((i, picked));
    }
    for &i in &aggregated {
        roles[i].rules.clear();
    }
    // Rules only ever grow, so this reaches a fixed point.
    loop {
        let mut changed = false;
        for (i, picked) in &sources {
            let mut rules: Vec<PolicyRule> = Vec::new();
            for &j in picked {
                for rule in &roles[j].rules {
                    if !rules.iter().any(|r| r.same_grant(rule)) {
                        rules.push(rule.clone());
                    }
                }
            }
            if rules.len() != roles[*i].rules.len() {
                roles[*i].rules = rules;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    fn role(
        name: &str,
        labels: &[(&str, &str)],
        rules: Vec<PolicyRule>,
        agg: Option<Vec<LabelSelector>>,
    ) -> Role {
        Role {
            kind: RoleKind::ClusterRole,
            name: name.into(),
            namespace: None,
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            rules,
            aggregation: agg,
            origin: Origin::builtin(),
        }
    }

    fn sel(k: &str, v: &str) -> LabelSelector {
        LabelSelector {
            match_labels: vec![(k.into(), v.into())],
            match_expressions: vec![],
        }
    }

    #[test]
    fn selectors() {
        let labels: BTreeMap<String, String> = [("a".to_string(), "1".to_string())].into();
        let expr = |k: &str, op, vals: &[&str]| LabelSelector {
            match_labels: vec![],
            match_expressions: vec![(k.into(), op, vals.iter().map(|s| (*s).into()).collect())],
        };
        assert!(selects(&LabelSelector::default(), &labels));
        assert!(selects(&sel("a", "1"), &labels));
        assert!(!selects(&sel("a", "2"), &labels));
        assert!(selects(&expr("a", Operator::In, &["1", "2"]), &labels));
        assert!(!selects(&expr("a", Operator::NotIn, &["1"]), &labels));
        assert!(selects(&expr("b", Operator::NotIn, &["1"]), &labels));
        assert!(selects(&expr("a", Operator::Exists, &[]), &labels));
        assert!(selects(&expr("b", Operator::DoesNotExist, &[]), &labels));
    }

    #[test]
    fn chains_and_replaces_own_rules() {
        let get = PolicyRule::resource(&["get"], &[""], &["pods"]);
        let del = PolicyRule::resource(&["delete"], &[""], &["pods"]);
        let own = PolicyRule::resource(&["*"], &["*"], &["*"]);
        let mut roles = vec![
            role("admin", &[], vec![own], Some(vec![sel("to-admin", "true")])),
            role(
                "edit",
                &[("to-admin", "true")],
                vec![],
                Some(vec![sel("to-edit", "true")]),
            ),
            role("view-pods", &[("to-edit", "true")], vec![get.clone()], None),
            role(
                "delete-pods",
                &[("to-admin", "true")],
                vec![del.clone(), get.clone()],
                None,
            ),
        ];
        expand(&mut roles);
        // admin: delete-pods then edit (name order), duplicates dropped, own rule gone.
        assert_eq!(roles[0].rules, vec![del, get.clone()]);
        assert_eq!(roles[1].rules, vec![get]);
    }

    #[test]
    fn self_selection_and_cycles_terminate() {
        let get = PolicyRule::resource(&["get"], &[""], &["pods"]);
        let mut roles = vec![
            role("a", &[("x", "1")], vec![], Some(vec![sel("x", "1")])),
            role(
                "b",
                &[("x", "1")],
                vec![get.clone()],
                Some(vec![sel("x", "1")]),
            ),
            role("c", &[("x", "1")], vec![get.clone()], None),
        ];
        expand(&mut roles);
        assert_eq!(roles[0].rules, vec![get.clone()]);
        assert_eq!(roles[1].rules, vec![get]);
    }
}
