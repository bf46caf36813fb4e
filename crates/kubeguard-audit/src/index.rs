//! Which rules can match an event, decided from a few of its fields before
//! any condition is evaluated. Most rules require a verb (`kcreate`,
//! `kmodify`), a resource (`pod`, `secret`) or a stage (`kevt`): a check
//! `field = value` or `field in (values)` that the whole condition needs
//! (a term of its top-level `and`, macros expanded). For the fields most
//! rules require this way, each value the rules name maps to the set of
//! rules it lets through; any other value, and a missing field, lets
//! through only the rules that require nothing of that field. A rule let
//! through is evaluated in full, so the index changes no result: it only
//! skips rules whose required check would be false.

use crate::check::{QuickHash, StrSet, Test};
use crate::engine::{Expr, State};
use crate::fields::{Field, Values};
use std::collections::HashMap;

/// How many fields are indexed at most: each costs a lookup per event.
const MAX_FIELDS: usize = 3;

/// A set of rules (by position), as bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleBits(Box<[u64]>);

impl RuleBits {
    fn empty(rules: usize) -> RuleBits {
        RuleBits(vec![0; rules.div_ceil(64)].into_boxed_slice())
    }

    fn full(rules: usize) -> RuleBits {
        let mut bits = RuleBits(vec![u64::MAX; rules.div_ceil(64)].into_boxed_slice());
        if let Some(last) = bits.0.last_mut()
            && !rules.is_multiple_of(64)
        {
            *last = (1 << (rules % 64)) - 1;
        }
        bits
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn intersect(&mut self, other: &RuleBits) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a &= *b;
        }
    }

    /// The rules in the set, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

/// One indexed field.
#[derive(Debug, Clone)]
struct FieldIndex {
    field: u32,
    /// The rules each named value lets through.
    by_value: HashMap<String, RuleBits, QuickHash>,
    /// The rules any other value (or a missing field) lets through.
    other: RuleBits,
}

/// The index of a rule set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    rules: usize,
    fields: Vec<FieldIndex>,
}

/// The values a single-valued field must have for a check to pass, if the
/// check is `=` or `in`.
fn required_values(field: &Field, test: &Test) -> Option<StrSet> {
    if field.is_list {
        return None;
    }
    match test {
        Test::Eq(v) => Some(std::iter::once(v.clone()).collect()),
        Test::In(set) => Some(set.clone()),
        _ => None,
    }
}

/// The checks a condition needs: the terms of its top-level `and`.
fn required_checks(e: &Expr, out: &mut Vec<u32>) {
    match e {
        Expr::And(items) => items.iter().for_each(|i| required_checks(i, out)),
        Expr::Check(id) => out.push(*id),
        Expr::Or(_) | Expr::Not(_) => {}
    }
}

impl Index {
    /// Indexes rules (their conditions, in order) on the fields most of
    /// them require a value of.
    pub(crate) fn build(conditions: &[&Expr], fields: &[Field], checks: &[(u32, Test)]) -> Index {
        // Per rule, per field: the values the rule allows (the intersection
        // of its required checks on that field).
        let mut allowed: Vec<HashMap<u32, StrSet>> = Vec::new();
        for condition in conditions {
            let mut ids = Vec::new();
            required_checks(condition, &mut ids);
            let mut per_field: HashMap<u32, StrSet> = HashMap::new();
            for id in ids {
                let (field, test) = &checks[id as usize];
                if let Some(values) = required_values(&fields[*field as usize], test) {
                    per_field
                        .entry(*field)
                        .and_modify(|have| have.retain(|v| values.contains(v)))
                        .or_insert(values);
                }
            }
            allowed.push(per_field);
        }
        let mut uses: HashMap<u32, usize> = HashMap::new();
        for per_field in &allowed {
            for field in per_field.keys() {
                *uses.entry(*field).or_default() += 1;
            }
        }
        let mut chosen: Vec<(u32, usize)> = uses.into_iter().filter(|(_, n)| *n > 1).collect();
        chosen.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        chosen.truncate(MAX_FIELDS);
        let rules = conditions.len();
        let fields = chosen
            .into_iter()
            .map(|(field, _)| {
                let mut other = RuleBits::empty(rules);
                let mut by_value: HashMap<String, RuleBits, QuickHash> = HashMap::default();
                for (i, per_field) in allowed.iter().enumerate() {
                    match per_field.get(&field) {
                        None => other.insert(i),
                        Some(values) => {
                            for v in values {
                                by_value
                                    .entry(v.clone())
                                    .or_insert_with(|| RuleBits::empty(rules))
                                    .insert(i);
                            }
                        }
                    }
                }
                for bits in by_value.values_mut() {
                    for i in other.iter().collect::<Vec<_>>() {
                        bits.insert(i);
                    }
                }
                FieldIndex {
                    field,
                    by_value,
                    other,
                }
            })
            .collect();
        Index { rules, fields }
    }

    /// The rules that can match the event of `state`, in order.
    pub(crate) fn candidates(&self, state: &mut State<'_, '_>) -> RuleBits {
        let mut bits = RuleBits::full(self.rules);
        for f in &self.fields {
            let let_through = match state.field(f.field) {
                Some(Values::One(v)) => f.by_value.get(v.as_ref()).unwrap_or(&f.other),
                // Not single-valued (never for an indexed field): no restriction.
                Some(Values::Many(_)) => continue,
                None => &f.other,
            };
            bits.intersect(let_through);
        }
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_bits_iterate_in_order() {
        let mut b = RuleBits::empty(130);
        for i in [129, 0, 64, 3] {
            b.insert(i);
        }
        assert_eq!(b.iter().collect::<Vec<_>>(), [0, 3, 64, 129]);
        let mut f = RuleBits::full(70);
        f.intersect(&b);
        assert_eq!(f.iter().collect::<Vec<_>>(), [0, 3, 64]);
    }
}
