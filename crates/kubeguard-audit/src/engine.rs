//! Loaded definitions compiled into a rule set, and a rule set evaluated on
//! events. Every distinct field and every distinct check of every rule is
//! compiled once; on each event a field is extracted at most once and a
//! check (such as the `kevt` stage test most rules share) is tested at most
//! once, whatever number of rules use it. Rules that cannot match an event
//! for its verb, resource or stage are not looked at (see [`crate::index`]).

use crate::check::Test;
use crate::condition::{self, Ast, Item, Operand};
use crate::event::{Event, EventView};
use crate::fields::{self, Field, Values};
use crate::index::Index;
use crate::loader::{Definitions, RuleDef, SOURCE};
use crate::priority::Priority;
use crate::projection::Projection;
use kubeguard_core::Diagnostic;
use std::collections::HashMap;

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    And(Box<[Expr]>),
    Or(Box<[Expr]>),
    Not(Box<Expr>),
    Check(u32),
}

/// One piece of an output template.
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Field(u32),
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's name.
    pub name: String,
    /// Its description.
    pub desc: String,
    /// Its priority.
    pub priority: Priority,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its event source (`k8s_audit`).
    pub source: String,
    condition: Expr,
    output: Vec<Part>,
    /// Whether the output reads the whole event (`%jevt.obj`): rendered
    /// from the whole event when the rule matches a projected one.
    output_whole: bool,
}

/// An alert: a rule that matched an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert<'r> {
    /// The rule that matched.
    pub rule: &'r Rule,
    /// The rule's output with its fields filled in.
    pub output: String,
    /// The event's time (ns since the epoch).
    pub time_ns: i64,
    /// The event's `auditID`.
    pub audit_id: Option<String>,
}

impl Rule {
    /// A rule raised by code rather than by a condition (the baseline's
    /// first-seen alerts), so its alerts are written like any other.
    #[must_use]
    pub fn native(name: &str, desc: &str, priority: Priority, tags: &[&str]) -> Rule {
        Rule {
            name: name.to_owned(),
            desc: desc.to_owned(),
            priority,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            source: SOURCE.to_owned(),
            condition: Expr::And(Box::new([])),
            output: Vec::new(),
            output_whole: false,
        }
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A set of compiled rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    fields: Vec<Field>,
    checks: Vec<(u32, Test)>,
    index: Index,
    projection: Projection,
    /// Notes: rules not evaluated (other sources, disabled by unknown fields) and items ignored.
    pub notes: Vec<Diagnostic>,
}

/// Compiles definitions once all files are loaded.
struct Compiler<'d> {
    defs: &'d Definitions,
    macros: HashMap<String, Ast>,
    fields: Vec<Field>,
    field_ids: HashMap<Field, u32>,
    checks: Vec<(u32, Test)>,
    check_ids: HashMap<String, u32>,
}

/// Why a condition did not compile.
enum CompileError {
    UnknownField(String),
    Other(String),
}

impl CompileError {
    fn message(self) -> String {
        match self {
            CompileError::UnknownField(m) | CompileError::Other(m) => m,
        }
    }
}

impl RuleSet {
    /// Compiles the enabled `k8s_audit` rules of `defs`; rules of other
    /// sources are left out with a note. Every rule that does not compile is
    /// an error, located at the rule.
    pub fn compile(defs: &Definitions) -> Result<RuleSet, Vec<Diagnostic>> {
        let mut c = Compiler {
            defs,
            macros: HashMap::new(),
            fields: Vec::new(),
            field_ids: HashMap::new(),
            checks: Vec::new(),
            check_ids: HashMap::new(),
        };
        let mut notes = defs.notes.clone();
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        for def in defs.rules() {
            if def.source != SOURCE {
                notes.push(Diagnostic::new(
                    &def.file,
                    def.pos,
                    format!(
                        "rule {:?} is for source {}, not {SOURCE}; not evaluated",
                        def.name, def.source
                    ),
                ));
                continue;
            }
            if !def.enabled {
                continue;
            }
            match c.rule(def) {
                Ok(rule) => rules.push(rule),
                Err(CompileError::UnknownField(m)) if def.skip_if_unknown_filter => {
                    notes.push(Diagnostic::new(
                        &def.file,
                        def.pos,
                        format!("rule {:?} skipped: {m}", def.name),
                    ))
                }
                Err(e) => errors.push(Diagnostic::new(
                    &def.file,
                    def.pos,
                    format!("rule {:?}: {}", def.name, e.message()),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let conditions: Vec<&Expr> = rules.iter().map(|r| &r.condition).collect();
        let index = Index::build(&conditions, &c.fields, &c.checks);
        let projection = project(&mut rules, &c.fields, &c.checks);
        Ok(RuleSet {
            rules,
            fields: c.fields,
            checks: c.checks,
            index,
            projection,
            notes,
        })
    }

    /// The parts of an event the rules read, with what every event keeps:
    /// every field of every condition, and every output field but those
    /// that read the whole event (`%jevt.obj`, rendered from the whole
    /// event by [`evaluate`](Self::evaluate) from the line). Events
    /// read with it (see
    /// [`read_input_projected`](crate::reader::read_input_projected)) give
    /// every rule the same result and output as whole events.
    #[must_use]
    pub fn projection(&self) -> &Projection {
        &self.projection
    }

    /// The rules, in load order.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Keeps only the rules `keep` accepts (`--select`, `--ignore` and the
    /// configuration); the index and the projection shrink with them.
    pub fn retain(&mut self, keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(keep);
        let conditions: Vec<&Expr> = self.rules.iter().map(|r| &r.condition).collect();
        self.index = Index::build(&conditions, &self.fields, &self.checks);
        self.projection = project(&mut self.rules, &self.fields, &self.checks);
    }

    /// Evaluates every rule at or above `min` on `ev`, in load order.
    /// `ev` is whole, or projected on at least [`projection`](Self::projection);
    /// then outputs that read the whole event (`%jevt.obj`) are rendered
    /// from the line it was read from ([`EventView::line`]), parsed whole.
    pub fn evaluate<'r>(
        &'r self,
        ev: EventView<'_>,
        min: Priority,
        out: &mut dyn FnMut(Alert<'r>),
    ) {
        let mut whole: Option<Event> = None;
        let mut state = State::new(self, ev);
        let candidates = self.index.candidates(&mut state);
        for i in candidates.iter() {
            let rule = &self.rules[i];
            if rule.priority.at_least(min) && state.eval(&rule.condition) {
                let output = match ev.line {
                    Some(line) if rule.output_whole && self.projection != Projection::All => {
                        let whole = whole.get_or_insert_with(|| Event {
                            json: serde_json::from_str(line).unwrap_or_else(|_| ev.json.to_value()),
                            time_ns: ev.time_ns,
                        });
                        State::new(self, whole.view()).render(&rule.output)
                    }
                    _ => state.render(&rule.output),
                };
                out(Alert {
                    rule,
                    output,
                    time_ns: ev.time_ns,
                    audit_id: ev.audit_id().map(str::to_owned),
                });
            }
        }
    }
}

/// The per-event cache of field values and check results.
pub(crate) struct State<'r, 'e> {
    set: &'r RuleSet,
    ev: EventView<'e>,
    /// Which fields and checks this event has seen (kept from event to event).
    seen: Seen,
    /// The values of the fields extracted so far, in the order extracted.
    values: Vec<Option<Values<'e>>>,
}

/// Which fields were extracted and which checks tested for the current
/// event, stamped with its number so nothing is cleared between events.
#[derive(Default)]
struct Seen {
    /// The current event's stamp (never 0, which no slot is stamped with
    /// for a live event).
    event: u32,
    /// Per field: the stamp of the event it was extracted for, and where
    /// its values are in [`State::values`].
    fields: Vec<(u32, u32)>,
    /// Per check: the stamp of the event it was tested for, and its result.
    checks: Vec<(u32, bool)>,
}

thread_local! {
    /// The room of [`Seen`], reused by every event evaluated on a thread.
    static SEEN: std::cell::Cell<Seen> = std::cell::Cell::default();
}

impl Seen {
    /// Room for a rule set's fields and checks, and a new stamp.
    fn begin(&mut self, fields: usize, checks: usize) {
        self.event = self.event.wrapping_add(1);
        if self.event == 0 {
            self.fields.fill((0, 0));
            self.checks.fill((0, false));
            self.event = 1;
        }
        if self.fields.len() < fields {
            self.fields.resize(fields, (0, 0));
        }
        if self.checks.len() < checks {
            self.checks.resize(checks, (0, false));
        }
    }
}

impl<'r, 'e> State<'r, 'e> {
    fn new(set: &'r RuleSet, ev: EventView<'e>) -> Self {
        let mut seen = SEEN.take();
        seen.begin(set.fields.len(), set.checks.len());
        State {
            set,
            ev,
            seen,
            values: Vec::with_capacity(16),
        }
    }

    pub(crate) fn field(&mut self, id: u32) -> Option<&Values<'e>> {
        let slot = &mut self.seen.fields[id as usize];
        if slot.0 != self.seen.event {
            let at = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
            *slot = (self.seen.event, at);
            self.values
                .push(self.set.fields[id as usize].extract(&self.ev));
        }
        self.values[slot.1 as usize].as_ref()
    }

    fn eval(&mut self, e: &Expr) -> bool {
        match e {
            Expr::And(items) => items.iter().all(|i| self.eval(i)),
            Expr::Or(items) => items.iter().any(|i| self.eval(i)),
            Expr::Not(inner) => !self.eval(inner),
            Expr::Check(id) => {
                let i = *id as usize;
                let (stamp, pass) = self.seen.checks[i];
                if stamp == self.seen.event {
                    return pass;
                }
                let set = self.set;
                let (field, test) = &set.checks[i];
                let pass = test.passes(self.field(*field));
                self.seen.checks[i] = (self.seen.event, pass);
                pass
            }
        }
    }

    fn render(&mut self, parts: &[Part]) -> String {
        let mut out = String::with_capacity(256);
        for p in parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Field(id) => match self.field(*id) {
                    Some(v) => v.write_to(&mut out),
                    None => out.push_str("<NA>"),
                },
            }
        }
        out
    }
}

impl Drop for State<'_, '_> {
    /// Gives the room back for the next event.
    fn drop(&mut self) {
        SEEN.set(std::mem::take(&mut self.seen));
    }
}

impl Compiler<'_> {
    fn rule(&mut self, def: &RuleDef) -> Result<Rule, CompileError> {
        let ast = condition::parse(&def.condition).map_err(|e| {
            CompileError::Other(format!("condition: {} at column {}", e.message, e.at + 1))
        })?;
        let mut condition = self.expr(&ast, &mut Vec::new())?;
        let clauses: Vec<&Ast> = def.exceptions.iter().flat_map(|e| &e.clauses).collect();
        if !clauses.is_empty() {
            let mut exempt = Vec::new();
            for clause in clauses {
                exempt.push(self.expr(clause, &mut Vec::new())?);
            }
            let not = Expr::Not(Box::new(Expr::Or(exempt.into_boxed_slice())));
            condition = Expr::And(vec![condition, not].into_boxed_slice());
        }
        let output = self.output(&def.output)?;
        Ok(Rule {
            name: def.name.clone(),
            desc: def.desc.clone(),
            priority: def.priority,
            tags: def.tags.clone(),
            source: def.source.clone(),
            condition,
            output,
            output_whole: false,
        })
    }

    fn expr(&mut self, ast: &Ast, stack: &mut Vec<String>) -> Result<Expr, CompileError> {
        Ok(match ast {
            Ast::And(items) => Expr::And(
                items
                    .iter()
                    .map(|i| self.expr(i, stack))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Or(items) => Expr::Or(
                items
                    .iter()
                    .map(|i| self.expr(i, stack))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Not(inner) => Expr::Not(Box::new(self.expr(inner, stack)?)),
            Ast::Name(name, _) => {
                if stack.contains(name) {
                    return Err(CompileError::Other(format!(
                        "macro {name} refers to itself"
                    )));
                }
                let body = self.macro_ast(name)?;
                stack.push(name.clone());
                let e = self.expr(&body, stack);
                stack.pop();
                e?
            }
            Ast::Check {
                field,
                arg,
                op,
                operand,
                ..
            } => {
                let f =
                    fields::resolve(field, arg.as_deref()).map_err(CompileError::UnknownField)?;
                let test = match operand {
                    Operand::None => Test::Exists,
                    Operand::Value(v) => {
                        Test::value(*op, v.clone()).map_err(CompileError::Other)?
                    }
                    Operand::List(items) => Test::list(*op, self.expand(items)),
                };
                let key = format!("{field}[{arg:?}] {op:?} {operand:?}");
                let field_id = self.field_id(f);
                let next = u32::try_from(self.checks.len()).unwrap_or(u32::MAX);
                let id = *self.check_ids.entry(key).or_insert(next);
                if id == next {
                    self.checks.push((field_id, test));
                }
                Expr::Check(id)
            }
        })
    }

    fn macro_ast(&mut self, name: &str) -> Result<Ast, CompileError> {
        if let Some(ast) = self.macros.get(name) {
            return Ok(ast.clone());
        }
        let def = self
            .defs
            .macros
            .get(name)
            .ok_or_else(|| CompileError::Other(format!("undefined macro {name}")))?;
        let ast = condition::parse(&def.condition).map_err(|e| {
            CompileError::Other(format!(
                "macro {name} ({}:{}): {} at column {}",
                def.file,
                def.pos.line,
                e.message,
                e.at + 1
            ))
        })?;
        self.macros.insert(name.to_owned(), ast.clone());
        Ok(ast)
    }

    /// List items with list names replaced by their items (lists of lists
    /// too); an unknown bare name is a literal.
    fn expand(&self, items: &[Item]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for item in items {
            match item {
                Item::Quoted(v) => out.push(v.clone()),
                Item::Bare(v) => self.expand_name(v, &mut out, &mut seen),
            }
        }
        out
    }

    fn expand_name(&self, name: &str, out: &mut Vec<String>, seen: &mut Vec<String>) {
        match self.defs.lists.get(name) {
            Some(list) if !seen.iter().any(|s| s == name) => {
                seen.push(name.to_owned());
                for item in &list.items {
                    self.expand_name(item, out, seen);
                }
                seen.pop();
            }
            _ => out.push(name.to_owned()),
        }
    }

    fn field_id(&mut self, f: Field) -> u32 {
        let next = u32::try_from(self.fields.len()).unwrap_or(u32::MAX);
        let id = *self.field_ids.entry(f.clone()).or_insert(next);
        if id == next {
            self.fields.push(f);
        }
        id
    }

    /// An output template: `%field` and `%field[arg]` filled in per alert.
    fn output(&mut self, text: &str) -> Result<Vec<Part>, CompileError> {
        let text = text.trim_end();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('%') {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let len = after
                .bytes()
                .position(|c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.'))
                .unwrap_or(after.len());
            let mut name = after[..len].trim_end_matches('.');
            let mut arg = None;
            let mut used = name.len();
            if after[used..].starts_with('[')
                && let Some(close) = after[used..].find(']')
            {
                arg = Some(&after[used + 1..used + close]);
                used += close + 1;
            }
            // The longest known field name wins (`%ka.target.name.` ends at `name`).
            let resolved = loop {
                match fields::resolve(name, arg) {
                    Ok(f) => break Some(f),
                    Err(_) if arg.is_none() && name.contains('.') => {
                        name = &name[..name.rfind('.').unwrap_or(0)];
                        used = name.len();
                    }
                    Err(_) => break None,
                }
            };
            match resolved {
                Some(f) => {
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Field(self.field_id(f)));
                    rest = &after[used..];
                }
                None if after[..len].contains('.') => {
                    return Err(CompileError::UnknownField(format!(
                        "output: unknown field %{}",
                        &after[..len]
                    )));
                }
                None => {
                    lit.push('%');
                    rest = after;
                }
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(parts)
    }
}

/// The projection of compiled rules (see [`RuleSet::projection`]); marks
/// the rules whose outputs read the whole event.
fn project(rules: &mut [Rule], fields: &[Field], checks: &[(u32, Test)]) -> Projection {
    fn condition_fields(e: &Expr, checks: &[(u32, Test)], out: &mut Vec<u32>) {
        match e {
            Expr::And(items) | Expr::Or(items) => {
                items.iter().for_each(|i| condition_fields(i, checks, out));
            }
            Expr::Not(inner) => condition_fields(inner, checks, out),
            Expr::Check(id) => out.push(checks[*id as usize].0),
        }
    }
    let reads_whole = |f: &Field| {
        let mut p = Projection::event();
        f.project(&mut p);
        p == Projection::All
    };
    let mut p = Projection::event();
    let mut ids = Vec::new();
    for rule in rules.iter() {
        condition_fields(&rule.condition, checks, &mut ids);
    }
    for id in ids {
        fields[id as usize].project(&mut p);
    }
    for rule in rules.iter_mut() {
        for part in &rule.output {
            if let Part::Field(id) = part {
                let f = &fields[*id as usize];
                if reads_whole(f) {
                    rule.output_whole = true;
                } else {
                    f.project(&mut p);
                }
            }
        }
    }
    p
}

/// Loads rules files in order and compiles them. Errors name the file,
/// line and column.
pub fn load_rules(files: &[(String, String)]) -> Result<RuleSet, Vec<Diagnostic>> {
    let mut defs = Definitions::default();
    let mut errors = Vec::new();
    for (name, text) in files {
        if let Err(mut e) = defs.load(name, text) {
            errors.append(&mut e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    RuleSet::compile(&defs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(rules: &str) -> Result<RuleSet, Vec<Diagnostic>> {
        load_rules(&[("r.yaml".to_owned(), rules.to_owned())])
    }

    fn outputs(set: &RuleSet, json: serde_json::Value) -> Vec<String> {
        let ev = Event { json, time_ns: 0 };
        let mut out = Vec::new();
        set.evaluate(ev.view(), Priority::Debug, &mut |a| out.push(a.output));
        out
    }

    const RULE: &str = "  desc: d\n  output: hit\n  priority: WARNING\n  source: k8s_audit\n";

    #[test]
    fn lists_of_lists_and_unknown_names_are_literals() {
        let s = set(&format!(
            "- list: a\n  items: [x]\n- list: b\n  items: [a, y]\n\
             - rule: r\n  condition: ka.verb in (b, z)\n{RULE}"
        ))
        .unwrap();
        for (verb, hits) in [("x", 1), ("y", 1), ("z", 1), ("a", 0), ("b", 0)] {
            assert_eq!(outputs(&s, json!({"verb": verb})).len(), hits, "{verb}");
        }
    }

    #[test]
    fn later_definitions_replace_earlier_ones_for_every_rule() {
        let mut d = Definitions::default();
        d.load("a.yaml", &format!(
            "- list: l\n  items: [get]\n- macro: m\n  condition: ka.verb in (l)\n- rule: r\n  condition: m\n{RULE}"
        ))
        .unwrap();
        d.load("b.yaml", "- list: l\n  items: [list]\n").unwrap();
        let s = RuleSet::compile(&d).unwrap();
        assert!(outputs(&s, json!({"verb": "get"})).is_empty());
        assert_eq!(outputs(&s, json!({"verb": "list"})).len(), 1);
    }

    #[test]
    fn exceptions_exempt_matching_events() {
        let s = set(&format!(
            "- rule: r\n  condition: ka.verb=get\n{RULE}  exceptions:\n\
             \x20 - name: ops\n    fields: [ka.user.name, ka.target.namespace]\n    comps: [=, in]\n\
             \x20   values:\n      - [bob, [dev, test]]\n\
             \x20 - name: ns\n    fields: ka.target.namespace\n    values: [kube-system]\n"
        ))
        .unwrap();
        let ev = |user: &str, ns: &str| json!({"verb": "get", "user": {"username": user}, "objectRef": {"namespace": ns}});
        assert!(outputs(&s, ev("bob", "dev")).is_empty());
        assert_eq!(outputs(&s, ev("bob", "prod")).len(), 1);
        assert_eq!(outputs(&s, ev("eve", "dev")).len(), 1);
        assert!(outputs(&s, ev("eve", "kube-system")).is_empty());
    }

    #[test]
    fn outputs_fill_fields_and_mark_missing_ones() {
        let s = set(
            "- rule: r\n  desc: d\n  condition: ka.user.groups intersects (devs)\n  \
             output: \"%ka.user.name in %ka.user.groups ns=%ka.target.namespace 100% %ka.target.name.\"\n  \
             priority: INFO\n  source: k8s_audit\n",
        )
        .unwrap();
        let got = outputs(
            &s,
            json!({"user": {"username": "bob", "groups": ["devs", "ops"]}, "objectRef": {"name": "p"}}),
        );
        assert_eq!(got, ["bob in (devs,ops) ns=<NA> 100% p."]);
        assert!(outputs(&s, json!({"user": {"username": "bob", "groups": ["ops"]}})).is_empty());
    }

    #[test]
    fn other_sources_are_noted_and_errors_located() {
        let s = set(
            "- rule: sys\n  desc: d\n  condition: proc.name=sh\n  output: o\n  priority: ERROR\n",
        )
        .unwrap();
        assert!(s.rules().is_empty());
        assert!(
            s.notes[0].message.contains("source syscall"),
            "{:?}",
            s.notes
        );
        let err = set(&format!(
            "- rule: r\n  condition: nope and ka.verb=get\n{RULE}"
        ))
        .unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "r.yaml:1:3: rule \"r\": undefined macro nope"
        );
        let err = set(&format!("- rule: r\n  condition: ka.verbb=get\n{RULE}")).unwrap_err();
        assert!(err[0].message.contains("unknown field \"ka.verbb\""));
        let err = set(&format!(
            "- macro: m\n  condition: m\n- rule: r\n  condition: m\n{RULE}"
        ))
        .unwrap_err();
        assert!(err[0].message.contains("refers to itself"));
        let skip = set(&format!(
            "- rule: r\n  condition: ka.verbb=get\n  skip-if-unknown-filter: true\n{RULE}"
        ))
        .unwrap();
        assert!(skip.rules().is_empty() && skip.notes.len() == 1);
    }

    #[test]
    fn retained_rules_are_the_only_ones_evaluated() {
        let mut s = set(&format!(
            "- rule: a\n  condition: ka.verb=get\n{RULE}- rule: b\n  condition: ka.user.name=bob\n{RULE}"
        ))
        .unwrap();
        let ev = json!({"verb": "get", "user": {"username": "bob"}});
        assert_eq!(outputs(&s, ev.clone()).len(), 2);
        s.retain(|r| r.name == "b");
        assert_eq!(outputs(&s, ev).len(), 1);
        assert_eq!(s.rules().len(), 1);
        let mut keys = crate::projection::Projection::event();
        keys.keep(&["user", "username"]);
        assert_eq!(s.projection(), &keys);
    }

    #[test]
    fn minimum_priority_filters_rules() {
        let s = set(&format!("- rule: r\n  condition: ka.verb=get\n{RULE}")).unwrap();
        let ev = Event {
            json: json!({"verb": "get"}),
            time_ns: 0,
        };
        let mut n = 0;
        s.evaluate(ev.view(), Priority::Error, &mut |_| n += 1);
        assert_eq!(n, 0);
        s.evaluate(ev.view(), Priority::Warning, &mut |_| n += 1);
        assert_eq!(n, 1);
    }
}
