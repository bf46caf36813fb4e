//! Falco rules files to definitions, loaded in order exactly as Falco
//! loads them: `rule`, `macro` and `list` items; `append: true` and
//! `override:` on lists, macros and rules; `enabled`-only items that turn a
//! rule on or off; exceptions; `required_engine_version` and
//! `required_plugin_versions` accepted. A later macro or list of a name
//! replaces the earlier one everywhere, also in rules loaded before it,
//! because conditions are compiled only once every file is loaded.

use crate::condition::{Ast, Item, Op, Operand};
use crate::priority::Priority;
use kubeguard_core::{Diagnostic, Map, Node, Pos};
use std::collections::HashMap;

/// The event source this engine evaluates.
pub const SOURCE: &str = "k8s_audit";

/// A list definition.
#[derive(Debug, Clone)]
pub(crate) struct ListDef {
    pub items: Vec<String>,
}

/// A macro definition: its condition text (appends concatenated).
#[derive(Debug, Clone)]
pub(crate) struct MacroDef {
    pub condition: String,
    pub file: String,
    pub pos: Pos,
}

/// One exception of a rule, its values already turned into conditions.
#[derive(Debug, Clone)]
pub(crate) struct ExceptionDef {
    pub name: String,
    pub fields: ExceptionFields,
    pub comps: Vec<String>,
    pub clauses: Vec<Ast>,
}

/// An exception's fields: one field (values are a plain list) or a tuple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExceptionFields {
    One(String),
    Tuple(Vec<String>),
}

/// A rule definition as loaded.
#[derive(Debug, Clone)]
pub(crate) struct RuleDef {
    pub name: String,
    pub desc: String,
    pub condition: String,
    pub output: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub source: String,
    pub enabled: bool,
    pub skip_if_unknown_filter: bool,
    pub exceptions: Vec<ExceptionDef>,
    pub file: String,
    pub pos: Pos,
}

/// Everything loaded from the rules files so far.
#[derive(Debug, Default, Clone)]
pub struct Definitions {
    pub(crate) lists: HashMap<String, ListDef>,
    pub(crate) macros: HashMap<String, MacroDef>,
    pub(crate) rules: Vec<RuleDef>,
    rule_index: HashMap<String, usize>,
    /// Notes about what was accepted but not used (other sources, unknown items).
    pub notes: Vec<Diagnostic>,
}

/// How an `override:` key changes a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Append,
    Replace,
}

/// Errors of one item, collected while the rest of the file loads.
struct Errors<'a> {
    file: &'a str,
    list: Vec<Diagnostic>,
}

impl Errors<'_> {
    fn at(&mut self, node: &Node, message: impl Into<String>) {
        self.list
            .push(Diagnostic::new(self.file, node.span.start, message));
    }
}

impl Definitions {
    /// Loads one rules file on top of what is loaded. Returns every error of
    /// the file, each located; items without errors are kept.
    pub fn load(&mut self, file: &str, text: &str) -> Result<(), Vec<Diagnostic>> {
        let (docs, syntax) = kubeguard_load::parse_documents(text);
        let mut errors = Errors {
            file,
            list: Vec::new(),
        };
        if let Some(e) = syntax {
            errors
                .list
                .push(Diagnostic::new(file, e.pos, format!("YAML: {}", e.message)));
        }
        for doc in docs.into_iter().flatten() {
            match doc.as_seq() {
                Some(items) => {
                    for item in items {
                        self.load_item(item, &mut errors);
                    }
                }
                None if doc.is_null() => {}
                None => errors.at(
                    &doc,
                    "a rules file is a YAML list of rule, macro and list items",
                ),
            }
        }
        if errors.list.is_empty() {
            Ok(())
        } else {
            Err(errors.list)
        }
    }

    fn load_item(&mut self, item: &Node, errors: &mut Errors<'_>) {
        let Some(map) = item.as_map() else {
            errors.at(item, "expected a mapping (a rule, macro or list item)");
            return;
        };
        if map.get("rule").is_some() {
            self.load_rule(item, map, errors);
        } else if map.get("macro").is_some() {
            self.load_macro(item, map, errors);
        } else if map.get("list").is_some() {
            self.load_list(item, map, errors);
        } else if map.get("required_engine_version").is_some()
            || map.get("required_plugin_versions").is_some()
        {
            // Accepted: this engine implements the k8saudit and json fields itself.
        } else {
            let key = map.iter().next().map_or("", |(k, _)| k);
            self.notes.push(Diagnostic::new(
                errors.file,
                item.span.start,
                format!("unknown item {key:?} ignored (expected rule, macro or list)"),
            ));
        }
    }

    fn load_list(&mut self, item: &Node, map: &Map, errors: &mut Errors<'_>) {
        let Some(name) = string(map, "list", item, errors) else {
            return;
        };
        let items = match map.get("items") {
            Some(node) => match strings(node) {
                Some(v) => v,
                None => {
                    return errors.at(
                        node,
                        format!("list {name}: items must be a list of strings"),
                    );
                }
            },
            None => return errors.at(item, format!("list {name}: no items")),
        };
        let Some(change) = change_of(map, "items", item, errors) else {
            return;
        };
        if change == Change::Append {
            match self.lists.get_mut(&name) {
                Some(list) => list.items.extend(items),
                None => errors.at(
                    item,
                    format!("list {name}: append to a list that no file defined"),
                ),
            }
        } else {
            self.lists.insert(name, ListDef { items });
        }
    }

    fn load_macro(&mut self, item: &Node, map: &Map, errors: &mut Errors<'_>) {
        let Some(name) = string(map, "macro", item, errors) else {
            return;
        };
        let Some(condition) = string(map, "condition", item, errors) else {
            return;
        };
        let Some(change) = change_of(map, "condition", item, errors) else {
            return;
        };
        if change == Change::Append {
            match self.macros.get_mut(&name) {
                Some(m) => append_text(&mut m.condition, &condition),
                None => errors.at(
                    item,
                    format!("macro {name}: append to a macro that no file defined"),
                ),
            }
        } else {
            let def = MacroDef {
                condition,
                file: errors.file.to_owned(),
                pos: item.span.start,
            };
            self.macros.insert(name, def);
        }
    }

    fn load_rule(&mut self, item: &Node, map: &Map, errors: &mut Errors<'_>) {
        let Some(name) = string(map, "rule", item, errors) else {
            return;
        };
        let legacy_append = map.get("append").is_some_and(Node::is_true);
        let overrides = map.get("override");
        if legacy_append || overrides.is_some() {
            let Some(&index) = self.rule_index.get(&name) else {
                return errors.at(
                    item,
                    format!("rule {name}: append or override of a rule that no file defined"),
                );
            };
            let mut rule = self.rules[index].clone();
            if legacy_append {
                self.change_rule(&mut rule, map, "condition", Change::Append, item, errors);
                self.change_rule(&mut rule, map, "exceptions", Change::Append, item, errors);
                if let Some(enabled) = map.get("enabled") {
                    rule.enabled = enabled.is_true();
                }
            } else if let Some(overrides) = overrides {
                let Some(omap) = overrides.as_map() else {
                    return errors.at(
                        overrides,
                        format!("rule {name}: override must map keys to append or replace"),
                    );
                };
                for (key, how) in omap.iter() {
                    let change = match how.as_str() {
                        Some("append") => Change::Append,
                        Some("replace") => Change::Replace,
                        _ => {
                            errors.at(
                                how,
                                format!("rule {name}: override of {key} must be append or replace"),
                            );
                            continue;
                        }
                    };
                    if map.get(key).is_none() {
                        errors.at(
                            overrides,
                            format!("rule {name}: override of {key} without a {key} key"),
                        );
                        continue;
                    }
                    self.change_rule(&mut rule, map, key, change, item, errors);
                }
            }
            self.rules[index] = rule;
            return;
        }
        // An item with only `enabled` turns an existing rule on or off.
        if map.len() == 2
            && let Some(enabled) = map.get("enabled")
            && let Some(&index) = self.rule_index.get(&name)
        {
            self.rules[index].enabled = enabled.is_true();
            return;
        }
        let Some(rule) = self.new_rule(name.clone(), item, map, errors) else {
            return;
        };
        match self.rule_index.get(&name) {
            Some(&index) => self.rules[index] = rule,
            None => {
                self.rule_index.insert(name, self.rules.len());
                self.rules.push(rule);
            }
        }
    }

    fn new_rule(
        &mut self,
        name: String,
        item: &Node,
        map: &Map,
        errors: &mut Errors<'_>,
    ) -> Option<RuleDef> {
        let before = errors.list.len();
        let condition = string(map, "condition", item, errors);
        let output = string(map, "output", item, errors);
        let priority = priority(map, &name, item, errors);
        let desc = map
            .get("desc")
            .and_then(Node::scalar_text)
            .unwrap_or_default()
            .trim()
            .to_owned();
        let tags = tags(map, &name, errors);
        let source = map
            .get("source")
            .and_then(Node::scalar_text)
            .unwrap_or("syscall")
            .to_owned();
        let enabled = map.get("enabled").is_none_or(Node::is_true);
        let skip = map.get("skip-if-unknown-filter").is_some_and(Node::is_true);
        let mut rule = RuleDef {
            name,
            desc,
            condition: condition.unwrap_or_default(),
            output: output.unwrap_or_default(),
            priority: priority.unwrap_or(Priority::Debug),
            tags,
            source,
            enabled,
            skip_if_unknown_filter: skip,
            exceptions: Vec::new(),
            file: errors.file.to_owned(),
            pos: item.span.start,
        };
        if let Some(node) = map.get("exceptions") {
            add_exceptions(&mut rule, node, errors);
        }
        (errors.list.len() == before).then_some(rule)
    }

    fn change_rule(
        &mut self,
        rule: &mut RuleDef,
        map: &Map,
        key: &str,
        change: Change,
        item: &Node,
        errors: &mut Errors<'_>,
    ) {
        let Some(node) = map.get(key) else { return };
        let name = rule.name.clone();
        match (key, change) {
            ("condition", Change::Append) => match node.scalar_text() {
                Some(c) => append_text(&mut rule.condition, c),
                None => errors.at(node, format!("rule {name}: condition must be a string")),
            },
            ("exceptions", Change::Append) => add_exceptions(rule, node, errors),
            ("exceptions", Change::Replace) => {
                rule.exceptions.clear();
                add_exceptions(rule, node, errors);
            }
            ("tags", change) => {
                let new = tags(map, &name, errors);
                if change == Change::Replace {
                    rule.tags.clear();
                }
                rule.tags.extend(new);
            }
            ("output", Change::Append) => match node.scalar_text() {
                Some(o) => append_text(&mut rule.output, o),
                None => errors.at(node, format!("rule {name}: output must be a string")),
            },
            ("condition" | "output" | "desc" | "source", Change::Replace) => {
                match node.scalar_text() {
                    Some(text) => {
                        let slot = match key {
                            "condition" => &mut rule.condition,
                            "output" => &mut rule.output,
                            "desc" => &mut rule.desc,
                            _ => &mut rule.source,
                        };
                        text.clone_into(slot);
                    }
                    None => errors.at(node, format!("rule {name}: {key} must be a string")),
                }
            }
            ("priority", Change::Replace) => {
                if let Some(p) = priority(map, &name, item, errors) {
                    rule.priority = p;
                }
            }
            ("enabled", Change::Replace) => rule.enabled = node.is_true(),
            _ => errors.at(
                node,
                format!("rule {name}: {key} cannot be overridden with {change:?}"),
            ),
        }
    }

    /// The rules defined, in the order they were first defined.
    pub(crate) fn rules(&self) -> &[RuleDef] {
        &self.rules
    }
}

/// Appends condition or output text as Falco does: with a space between.
fn append_text(to: &mut String, more: &str) {
    to.push(' ');
    to.push_str(more);
}

/// How an item changes the definition of its name: `append: true`, or
/// `override: {key: append|replace}`, or (neither) a new definition.
fn change_of(map: &Map, key: &str, item: &Node, errors: &mut Errors<'_>) -> Option<Change> {
    if map.get("append").is_some_and(Node::is_true) {
        return Some(Change::Append);
    }
    let Some(o) = map.get("override") else {
        return Some(Change::Replace);
    };
    match o.get(key).and_then(Node::as_str) {
        Some("append") => Some(Change::Append),
        Some("replace") | None => Some(Change::Replace),
        Some(other) => {
            errors.at(
                item,
                format!("override of {key} must be append or replace, not {other:?}"),
            );
            None
        }
    }
}

fn string(map: &Map, key: &str, item: &Node, errors: &mut Errors<'_>) -> Option<String> {
    match map.get(key) {
        Some(n) => match n.scalar_text() {
            Some(t) => Some(t.to_owned()),
            None => {
                errors.at(n, format!("{key} must be a string"));
                None
            }
        },
        None => {
            let what = ["rule", "macro", "list"]
                .iter()
                .find_map(|k| {
                    map.get(k)
                        .and_then(Node::scalar_text)
                        .map(|n| format!("{k} {n}: "))
                })
                .unwrap_or_default();
            errors.at(item, format!("{what}missing {key}"));
            None
        }
    }
}

/// The scalar texts of a sequence (an empty value is an empty list).
fn strings(node: &Node) -> Option<Vec<String>> {
    if node.is_null() {
        return Some(Vec::new());
    }
    node.as_seq()?
        .iter()
        .map(|n| n.scalar_text().map(str::to_owned))
        .collect()
}

fn priority(map: &Map, name: &str, item: &Node, errors: &mut Errors<'_>) -> Option<Priority> {
    let node = match map.get("priority") {
        Some(n) => n,
        None => {
            errors.at(item, format!("rule {name}: missing priority"));
            return None;
        }
    };
    let p = node.scalar_text().and_then(Priority::parse);
    if p.is_none() {
        errors.at(node, format!(
            "rule {name}: unknown priority (expected EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL or DEBUG)"
        ));
    }
    p
}

fn tags(map: &Map, name: &str, errors: &mut Errors<'_>) -> Vec<String> {
    match map.get("tags") {
        None => Vec::new(),
        Some(n) => strings(n).unwrap_or_else(|| {
            errors.at(n, format!("rule {name}: tags must be a list of strings"));
            Vec::new()
        }),
    }
}

/// A field as written in an exception: `name` or `name[arg]`.
fn split_field(field: &str) -> (String, Option<String>) {
    match field.split_once('[') {
        Some((name, rest)) => (name.to_owned(), Some(rest.trim_end_matches(']').to_owned())),
        None => (field.to_owned(), None),
    }
}

/// A check `field comp value` of an exception.
fn exception_check(field: &str, comp: &str, value: &Node) -> Result<Ast, String> {
    let op = Op::from_word(comp).ok_or_else(|| format!("unknown comparison operator {comp:?}"))?;
    let (name, arg) = split_field(field);
    let operand = match (value.as_seq(), value.scalar_text()) {
        (Some(items), _) => Operand::List(
            items
                .iter()
                .map(|i| i.scalar_text().map(|t| Item::Bare(t.to_owned())))
                .collect::<Option<_>>()
                .ok_or("exception values must be strings")?,
        ),
        (None, Some(v)) if op.takes_list() => Operand::List(vec![Item::Bare(v.to_owned())]),
        (None, Some(v)) => Operand::Value(v.to_owned()),
        (None, None) => return Err("exception values must be strings".into()),
    };
    Ok(Ast::Check {
        field: name,
        arg,
        op,
        operand,
        at: 0,
    })
}

/// Adds (or extends, by name) the exceptions of `node` to a rule.
fn add_exceptions(rule: &mut RuleDef, node: &Node, errors: &mut Errors<'_>) {
    let Some(items) = node.as_seq() else {
        return errors.at(
            node,
            format!("rule {}: exceptions must be a list", rule.name),
        );
    };
    for item in items {
        let Some(name) = item.get("name").and_then(Node::scalar_text) else {
            errors.at(
                item,
                format!("rule {}: an exception needs a name", rule.name),
            );
            continue;
        };
        let existing = rule.exceptions.iter().position(|e| e.name == name);
        let (fields, comps) = match existing {
            Some(i) => (
                rule.exceptions[i].fields.clone(),
                rule.exceptions[i].comps.clone(),
            ),
            None => match exception_shape(item) {
                Ok(shape) => shape,
                Err(m) => {
                    errors.at(item, format!("rule {} exception {name}: {m}", rule.name));
                    continue;
                }
            },
        };
        let values = item.get("values").map(|v| v.as_seq().map(<[Node]>::to_vec));
        let values = match values {
            None => Vec::new(),
            Some(Some(v)) => v,
            Some(None) => {
                errors.at(
                    item,
                    format!("rule {} exception {name}: values must be a list", rule.name),
                );
                continue;
            }
        };
        let mut clauses = Vec::new();
        for value in &values {
            match exception_clause(&fields, &comps, value) {
                Ok(c) => clauses.push(c),
                Err(m) => errors.at(value, format!("rule {} exception {name}: {m}", rule.name)),
            }
        }
        match existing {
            Some(i) => rule.exceptions[i].clauses.extend(clauses),
            None => rule.exceptions.push(ExceptionDef {
                name: name.to_owned(),
                fields,
                comps,
                clauses,
            }),
        }
    }
}

/// An exception's fields and comparison operators (defaults: `in` for one
/// field, `=` for each field of a tuple).
fn exception_shape(item: &Node) -> Result<(ExceptionFields, Vec<String>), String> {
    let fields = item.get("fields").ok_or("missing fields")?;
    if let Some(one) = fields.scalar_text() {
        let comp = item
            .get("comps")
            .and_then(Node::scalar_text)
            .unwrap_or("in")
            .to_owned();
        return Ok((ExceptionFields::One(one.to_owned()), vec![comp]));
    }
    let fields = strings(fields).ok_or("fields must be a string or a list of strings")?;
    let comps = match item.get("comps") {
        None => vec!["=".to_owned(); fields.len()],
        Some(c) => strings(c).ok_or("comps must be a list of operators")?,
    };
    if comps.len() != fields.len() {
        return Err(format!("{} fields but {} comps", fields.len(), comps.len()));
    }
    Ok((ExceptionFields::Tuple(fields), comps))
}

/// One exception value as a condition that, when true, exempts the event.
fn exception_clause(
    fields: &ExceptionFields,
    comps: &[String],
    value: &Node,
) -> Result<Ast, String> {
    match fields {
        ExceptionFields::One(field) => exception_check(field, &comps[0], value),
        ExceptionFields::Tuple(fields) => {
            let values = value
                .as_seq()
                .ok_or("each value must be a list, one item per field")?;
            if values.len() != fields.len() {
                return Err(format!(
                    "{} fields but a value of {} items",
                    fields.len(),
                    values.len()
                ));
            }
            let checks = fields
                .iter()
                .zip(comps)
                .zip(values)
                .map(|((f, c), v)| exception_check(f, c, v))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Ast::And(checks))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[&str]) -> Result<Definitions, Vec<Diagnostic>> {
        let mut d = Definitions::default();
        for (i, f) in files.iter().enumerate() {
            d.load(&format!("f{i}.yaml"), f)?;
        }
        Ok(d)
    }

    #[test]
    fn append_to_an_undefined_list_is_located() {
        let err = load(&["- list: a\n  items: [x]\n- list: b\n  items: [y]\n  append: true\n"])
            .unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "f0.yaml:3:3: list b: append to a list that no file defined"
        );
    }

    #[test]
    fn appends_and_overrides() {
        let d = load(&[
            "- list: l\n  items: [a]\n- macro: m\n  condition: ka.verb=get\n\
             - rule: r\n  desc: d\n  condition: m\n  output: o\n  priority: WARNING\n  source: k8s_audit\n  tags: [t]\n",
            "- list: l\n  items: [b]\n  override: {items: append}\n- macro: m\n  condition: or ka.verb=list\n  append: true\n\
             - rule: r\n  condition: and ka.user.name=x\n  tags: [u]\n  override: {condition: append, tags: append}\n\
             - rule: r\n  enabled: false\n",
        ])
        .unwrap();
        assert_eq!(d.lists["l"].items, ["a", "b"]);
        assert_eq!(d.macros["m"].condition, "ka.verb=get or ka.verb=list");
        let r = &d.rules()[0];
        assert_eq!(r.condition, "m and ka.user.name=x");
        assert_eq!(r.tags, ["t", "u"]);
        assert!(!r.enabled);
    }

    #[test]
    fn missing_keys_and_bad_priority() {
        let err = load(&["- rule: r\n  desc: d\n  condition: x\n  priority: LOUD\n"]).unwrap_err();
        let text: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert!(text[0].contains("rule r: missing output"), "{text:?}");
        assert!(text[1].contains("unknown priority"), "{text:?}");
    }
}
