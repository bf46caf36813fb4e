//! Custom rules in CEL, with the variables of ValidatingAdmissionPolicy
//! (`object`, `oldObject`, `request`, `params`, and `namespaceObject` with
//! the namespace's name and labels) and the Kubernetes CEL
//! library functions the `kube-cel` crate provides. Expressions are
//! parsed once when the engine is built; a runtime error is a policy
//! error. Error messages never carry values from the object (a Secret's
//! data must not leak through them), only types and names.

use super::Findings;
use crate::cluster::ClusterView;
use crate::policy::{CustomRule, PolicyError};
use kube_cel::KubeCelExt as _;
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, ExecutionError, Program, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A compiled custom rule.
pub(crate) struct Compiled {
    rule: CustomRule,
    program: Program,
    params: Value,
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
    /// Parses every rule's expression; errors name the rule and where its
    /// expression is in the policy file.
    pub(crate) fn compile(file: &str, rules: &[CustomRule]) -> Result<CustomRules, PolicyError> {
        let mut out = Vec::new();
        let mut uses_namespace_object = false;
        for rule in rules {
            let program = Program::compile(&rule.expression).map_err(|e| {
                let detail = e
                    .errors
                    .iter()
                    .map(|p| format!("at {}:{}: {}", p.pos.0, p.pos.1, p.msg))
                    .collect::<Vec<_>>()
                    .join("; ");
                PolicyError {
                    file: file.to_owned(),
                    pos: Some(rule.expression_at),
                    message: format!(
                        "custom rule {:?}: the expression does not parse ({detail})",
                        rule.name
                    ),
                }
            })?;
            check_references(file, rule, &program)?;
            uses_namespace_object |= program.references().has_variable("namespaceObject");
            out.push(Compiled {
                params: from_json(&rule.params),
                rule: rule.clone(),
                program,
            });
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
            let name = &c.rule.name;
            match c.program.execute(&rule_scope) {
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
                Err(e) => out.errors.push(format!(
                    "custom rule {name}: evaluation failed: {}",
                    describe(&e)
                )),
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

/// Rejects references to variables VAP has but this engine does not
/// provide, so the mistake shows at start rather than on each request.
fn check_references(file: &str, rule: &CustomRule, program: &Program) -> Result<(), PolicyError> {
    let refs = program.references();
    for unsupported in ["authorizer", "variables"] {
        if refs.has_variable(unsupported) {
            return Err(PolicyError {
                file: file.to_owned(),
                pos: Some(rule.expression_at),
                message: format!(
                    "custom rule {:?}: the variable {unsupported} is not supported; use {}",
                    rule.name,
                    VARIABLES.join(", ")
                ),
            });
        }
    }
    Ok(())
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
