//! Custom rules in CEL, with the variables of ValidatingAdmissionPolicy
//! (`object`, `oldObject`, `request`, `params`, `namespaceObject` with the
//! namespace's name and labels, and `variables`: the rule's named
//! expressions), the optional syntax (`?.`, `[?]`) and the Kubernetes CEL
//! library functions the `kube-cel` crate provides. Expressions are
//! parsed once when the engine is built; a runtime error is a policy
//! error. Error messages never carry values from the object (a Secret's
//! data must not leak through them), only types and names.

use super::Findings;
use crate::cluster::ClusterView;
use crate::policy::{CustomRule, PolicyError};
use kube_cel::KubeCelExt as _;
use kube_cel::cel::common::ast::{EntryExpr, Expr, IdedEntryExpr, LiteralValue};
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::parser::{Expression, Parser};
use kube_cel::cel::{Context, ExecutionError, Value};
use kubeguard_core::Pos;
use std::collections::HashMap;
use std::sync::Arc;

/// A compiled custom rule.
pub(crate) struct Compiled {
    rule: CustomRule,
    expression: Expression,
    params: Value,
    /// The rule's variables, parsed, in order.
    variables: Vec<Expression>,
    /// Indices of the variables the expression reads, directly or through
    /// other variables, ascending: only these are evaluated.
    needed: Vec<usize>,
}

/// Every custom rule, compiled, with the function library.
pub(crate) struct CustomRules {
    rules: Vec<Compiled>,
    base: Context<'static>,
    uses_namespace_object: bool,
}

impl std::fmt::Debug for CustomRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomRules")
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

/// The request attributes CEL sees, besides the objects.
pub(crate) struct Input<'r> {
    /// `request.kind.kind`.
    pub kind: &'r str,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: &'r str,
    /// The `request` variable.
    pub request: serde_json::Value,
    /// The `object` variable (`null` on DELETE).
    pub object: Option<&'r serde_json::Value>,
    /// The `oldObject` variable (`null` on CREATE).
    pub old_object: Option<&'r serde_json::Value>,
    /// The request's namespace (empty for cluster-scoped objects).
    pub namespace: &'r str,
}

impl CustomRules {
    /// Parses every rule's expression and variables; errors name the rule
    /// and where the expression is in the policy file.
    pub(crate) fn compile(file: &str, rules: &[CustomRule]) -> Result<CustomRules, PolicyError> {
        let mut out = Vec::new();
        let mut uses_namespace_object = false;
        for rule in rules {
            let c = Compiled::new(file, rule)?;
            uses_namespace_object |= std::iter::once(&c.expression)
                .chain(&c.variables)
                .any(|e| e.references().has_variable("namespaceObject"));
            out.push(c);
        }
        Ok(CustomRules {
            rules: out,
            base: Context::default().with_all(),
            uses_namespace_object,
        })
    }

    /// Whether any rule is defined.
    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether an expression reads `namespaceObject` (namespaces must be watched).
    pub(crate) fn uses_namespace_object(&self) -> bool {
        self.uses_namespace_object
    }

    /// Runs the rules that apply to `input`.
    pub(crate) fn check(&self, input: &Input<'_>, cluster: &dyn ClusterView, out: &mut Findings) {
        let applicable: Vec<&Compiled> = self
            .rules
            .iter()
            .filter(|c| applies(&c.rule, input.kind, input.operation))
            .collect();
        if applicable.is_empty() {
            return;
        }
        let mut scope = self.base.new_inner_scope();
        scope.add_variable_from_value("object", input.object.map_or(Value::Null, from_json));
        scope.add_variable_from_value("oldObject", input.old_object.map_or(Value::Null, from_json));
        scope.add_variable_from_value("request", from_json(&input.request));
        if self.uses_namespace_object {
            scope.add_variable_from_value(
                "namespaceObject",
                namespace_object(input.namespace, cluster),
            );
        }
        for c in applicable {
            let mut rule_scope = scope.new_inner_scope();
            rule_scope.add_variable_from_value("params", c.params.clone());
            let failed = c.bind_variables(&mut rule_scope);
            let name = &c.rule.name;
            match rule_scope.resolve(&c.expression) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => out.add(
                    c.rule.action,
                    &format!("custom-rule.{name}"),
                    format!("custom rule {name}: {}", c.rule.message),
                ),
                Ok(other) => out.errors.push(format!(
                    "custom rule {name}: the expression must evaluate to a bool, got {}",
                    other.type_of()
                )),
                // A variable that failed fails the rule only when the rule
                // reads it, as the API server's lazily evaluated variables do.
                Err(e) => out.errors.push(match failed {
                    Some((variable, e)) => format!(
                        "custom rule {name}: evaluation failed: variable {variable}: {}",
                        describe(&e)
                    ),
                    None => format!("custom rule {name}: evaluation failed: {}", describe(&e)),
                }),
            }
        }
    }
}

impl Compiled {
    /// Parses a rule and its variables and checks what they reference.
    fn new(file: &str, rule: &CustomRule) -> Result<Compiled, PolicyError> {
        let what = format!("custom rule {:?}", rule.name);
        let names: Vec<&str> = rule.variables.iter().map(|v| v.name.as_str()).collect();
        let mut variables = Vec::new();
        // reads[i]: the variables variable i reads (all defined before it).
        let mut reads: Vec<Vec<usize>> = Vec::new();
        for (i, v) in rule.variables.iter().enumerate() {
            let what = format!("{what} variable {:?}", v.name);
            let at = Located::new(file, &what, v.expression_at);
            let (expression, read) = at.parse(&v.expression, &names[..i])?;
            reads.push(read);
            variables.push(expression);
        }
        let at = Located::new(file, &what, rule.expression_at);
        let (expression, read) = at.parse(&rule.expression, &names)?;
        // Variables read only earlier ones: one pass from the last down
        // closes the set.
        let mut needed = vec![false; names.len()];
        for i in read {
            needed[i] = true;
        }
        for i in (0..names.len()).rev() {
            if needed[i] {
                for &j in &reads[i] {
                    needed[j] = true;
                }
            }
        }
        Ok(Compiled {
            params: from_json(&rule.params),
            rule: rule.clone(),
            expression,
            variables,
            needed: (0..names.len()).filter(|&i| needed[i]).collect(),
        })
    }

    /// Evaluates the variables the rule needs, in order, each seeing the
    /// ones before it, and binds them as `variables`. A variable that
    /// fails is left out; the first failure is returned.
    fn bind_variables(&self, scope: &mut Context<'_>) -> Option<(&str, ExecutionError)> {
        if self.needed.is_empty() {
            return None;
        }
        let mut values: HashMap<Key, Value> = HashMap::new();
        let mut failed = None;
        for &i in &self.needed {
            let mut inner = scope.new_inner_scope();
            inner.add_variable_from_value("variables", variables_map(&values));
            let name = &self.rule.variables[i].name;
            match inner.resolve(&self.variables[i]) {
                Ok(v) => {
                    values.insert(Key::String(Arc::new(name.clone())), v);
                }
                Err(e) => {
                    failed.get_or_insert((name.as_str(), e));
                }
            }
        }
        scope.add_variable_from_value("variables", variables_map(&values));
        failed
    }
}

/// The `variables` map.
fn variables_map(values: &HashMap<Key, Value>) -> Value {
    Value::Map(Map {
        map: Arc::new(values.clone()),
    })
}

/// An expression of the policy file, for compiling it with errors that
/// name it (`what`) and point at it (`file`, `at`).
struct Located<'a> {
    file: &'a str,
    what: &'a str,
    at: Pos,
}

impl<'a> Located<'a> {
    fn new(file: &'a str, what: &'a str, at: Pos) -> Self {
        Located { file, what, at }
    }

    fn error(&self, message: String) -> PolicyError {
        PolicyError {
            file: self.file.to_owned(),
            pos: Some(self.at),
            message: format!("{}: {message}", self.what),
        }
    }

    /// Parses `source` with the optional syntax (`?.`, `[?]`) on, as the
    /// API server does, and refuses the variables this engine does not
    /// provide, so the mistake shows at start rather than on each request.
    /// Also returns the indices in `defined` of the `variables.NAME` the
    /// expression reads; a name not in `defined` (undefined, or defined
    /// after the variable that reads it) is an error.
    fn parse(
        &self,
        source: &str,
        defined: &[&str],
    ) -> Result<(Expression, Vec<usize>), PolicyError> {
        let mut expression = Parser::new()
            .enable_optional_syntax(true)
            .parse(source)
            .map_err(|e| {
                let detail = e
                    .errors
                    .iter()
                    .map(|p| format!("at {}:{}: {}", p.pos.0, p.pos.1, p.msg))
                    .collect::<Vec<_>>()
                    .join("; ");
                self.error(format!("the expression does not parse ({detail})"))
            })?;
        let mut fields = Vec::new();
        prepare(&mut expression, &mut fields);
        if expression.references().has_variable("authorizer") {
            return Err(self.error(format!(
                "the variable authorizer is not supported; use {}",
                VARIABLES.join(", ")
            )));
        }
        let mut read = Vec::new();
        for field in fields {
            let Some(i) = defined.iter().position(|d| *d == field) else {
                let before = if defined.is_empty() {
                    "none".to_owned()
                } else {
                    defined.join(", ")
                };
                return Err(self.error(format!(
                    "variables.{field} is not defined before this expression (defined: {before})"
                )));
            };
            if !read.contains(&i) {
                read.push(i);
            }
        }
        Ok((expression, read))
    }
}

/// The parser's name of `a[?b]`, and of `a.?b` once rewritten.
const OPT_INDEX: &str = "_[?_]";

/// One walk over a parsed expression that
/// - rewrites every optional field selection `a.?f` as the optional index
///   `a[?'f']`: the two mean the same on the maps that JSON objects become,
///   and the interpreter evaluates the latter as the CEL spec says (a
///   missing field gives `optional.none()`) where it fails the former;
/// - collects the fields read from the `variables` identifier
///   (`variables.x`, `has(variables.x)`, `variables.?x`, `variables[?'x']`).
fn prepare(e: &mut Expression, variables_read: &mut Vec<String>) {
    let is_variables = |e: &Expression| matches!(&e.expr, Expr::Ident(n) if n == "variables");
    match &mut e.expr {
        Expr::Select(s) => {
            if is_variables(&s.operand) {
                variables_read.push(s.field.clone());
            }
            prepare(&mut s.operand, variables_read);
        }
        Expr::Call(call) => {
            if call.func_name == "_?._" {
                call.func_name = OPT_INDEX.to_owned();
            }
            if let [target, field] = call.args.as_slice()
                && call.func_name == OPT_INDEX
                && is_variables(target)
                && let Expr::Literal(LiteralValue::String(name)) = &field.expr
            {
                variables_read.push(name.inner().to_owned());
            }
            if let Some(target) = &mut call.target {
                prepare(target, variables_read);
            }
            for arg in &mut call.args {
                prepare(arg, variables_read);
            }
        }
        Expr::Comprehension(c) => {
            for part in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                prepare(part, variables_read);
            }
        }
        Expr::List(list) => {
            for x in &mut list.elements {
                prepare(x, variables_read);
            }
        }
        Expr::Map(map) => prepare_entries(&mut map.entries, variables_read),
        Expr::Struct(s) => prepare_entries(&mut s.entries, variables_read),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// [`prepare`] over map and struct entries.
fn prepare_entries(entries: &mut [IdedEntryExpr], variables_read: &mut Vec<String>) {
    for entry in entries {
        match &mut entry.expr {
            EntryExpr::StructField(f) => prepare(&mut f.value, variables_read),
            EntryExpr::MapEntry(m) => {
                prepare(&mut m.key, variables_read);
                prepare(&mut m.value, variables_read);
            }
        }
    }
}

/// Variables an expression may use besides the ones macros bind.
const VARIABLES: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "params",
    "namespaceObject",
    "variables",
];

/// `namespaceObject`: the request's Namespace with its name and labels
/// (what the cluster view knows), `null` for cluster-scoped requests and
/// unknown namespaces.
fn namespace_object(namespace: &str, cluster: &dyn ClusterView) -> Value {
    if namespace.is_empty() {
        return Value::Null;
    }
    match cluster.namespace_labels(namespace) {
        Some(labels) => from_json(&serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": labels},
        })),
        None => Value::Null,
    }
}

/// Whether `rule` applies to a request for `kind` with `operation`.
fn applies(rule: &CustomRule, kind: &str, operation: &str) -> bool {
    let kind_ok = rule.kinds.is_empty() || rule.kinds.iter().any(|k| k == kind);
    let op_ok = if rule.operations.is_empty() {
        matches!(operation, "CREATE" | "UPDATE")
    } else {
        rule.operations.iter().any(|o| o == operation)
    };
    kind_ok && op_ok
}

/// A runtime error without the values involved (only their types).
fn describe(e: &ExecutionError) -> String {
    match e {
        ExecutionError::InvalidArgumentCount { .. }
        | ExecutionError::UnexpectedType { .. }
        | ExecutionError::NoSuchKey(_)
        | ExecutionError::NoSuchOverload
        | ExecutionError::UndeclaredReference(_)
        | ExecutionError::MissingArgumentOrTarget => e.to_string(),
        ExecutionError::UnsupportedTargetType { target } => {
            format!("invalid argument type {}", target.type_of())
        }
        ExecutionError::NotSupportedAsMethod { method, target } => {
            format!(
                "method {method:?} not supported on type {}",
                target.type_of()
            )
        }
        ExecutionError::ValuesNotComparable(a, b) => {
            format!("{} can not be compared to {}", a.type_of(), b.type_of())
        }
        ExecutionError::UnsupportedBinaryOperator(op, a, b)
        | ExecutionError::Overflow(op, a, b) => {
            format!(
                "operator {op:?} not supported on {} and {}",
                a.type_of(),
                b.type_of()
            )
        }
        ExecutionError::UnsupportedUnaryOperator(op, a) => {
            format!("operator {op:?} not supported on {}", a.type_of())
        }
        ExecutionError::DivisionByZero(_) => "division by zero".to_owned(),
        ExecutionError::RemainderByZero(_) => "remainder by zero".to_owned(),
        ExecutionError::IndexOutOfBounds(_) => "index out of bounds".to_owned(),
        ExecutionError::FunctionError { function, .. } => {
            format!("function {function:?} failed on its arguments")
        }
        _ => "the expression cannot be evaluated on this object".to_owned(),
    }
}

/// A JSON value as a CEL value (integers as `int`, as Kubernetes does).
pub(crate) fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(from_json).collect())),
        serde_json::Value::Object(o) => {
            let map: HashMap<Key, Value> = o
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), from_json(v)))
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_numbers_become_ints_and_maps_keep_their_keys() {
        assert_eq!(from_json(&json!(3)), Value::Int(3));
        assert_eq!(from_json(&json!(u64::MAX)), Value::UInt(u64::MAX));
        assert_eq!(from_json(&json!(1.5)), Value::Float(1.5));
        let Value::Map(m) = from_json(&json!({"a": [true, null]})) else {
            panic!("a map");
        };
        assert_eq!(m.map.len(), 1);
    }

    #[test]
    fn runtime_error_descriptions_carry_types_not_values() {
        let secret = Value::String(Arc::new("hunter2".to_owned()));
        let errors = [
            ExecutionError::UnsupportedBinaryOperator("add", secret.clone(), Value::Int(1)),
            ExecutionError::ValuesNotComparable(secret.clone(), Value::Int(1)),
            ExecutionError::UnsupportedTargetType {
                target: secret.clone(),
            },
            ExecutionError::NotSupportedAsMethod {
                method: "m".into(),
                target: secret.clone(),
            },
            ExecutionError::UnsupportedUnaryOperator("minus", secret.clone()),
            ExecutionError::FunctionError {
                function: "f".into(),
                message: "bad hunter2".into(),
            },
            ExecutionError::UnsupportedMapIndex(secret.clone()),
            ExecutionError::DivisionByZero(secret),
        ];
        for e in errors {
            let d = describe(&e);
            assert!(!d.contains("hunter2"), "{d}");
            assert!(!d.is_empty());
        }
    }
}
