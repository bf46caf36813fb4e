//! Pod Security over a whole input: the pods it holds, the policies its
//! Namespace objects set, what `pss check` concludes about each object,
//! what admission does to each object in its namespace, and the migration
//! plan of each namespace. Every function returns plain data.

use crate::config::{AdmissionConfig, Exemptions};
use crate::evaluate::{LevelVersion, Verdict, evaluate};
use crate::level::Level;
use crate::namespace::{
    Admission, Exemption, NamespacePolicy, Request, admit, exemption, resolve_labels,
};
use crate::plan::{NamespacePlan, plan};
use crate::pod::Pod;
use crate::version::Version;
use kubeguard_core::workload::WORKLOAD_KINDS;
use kubeguard_core::{Diagnostic, Object};
use std::collections::BTreeMap;

/// The pods of an input.
#[derive(Debug, Default)]
pub struct Pods<'a> {
    /// Each Pod and workload with its decoded pod, in input order.
    pub pods: Vec<(&'a Object, Pod<'a>)>,
    /// Pods and workloads the API server could not decode, in input order.
    pub errors: Vec<Diagnostic>,
}

/// Decodes the pod of every Pod and workload of `objects`, as the API
/// server would; an object it could not decode is an error naming the
/// object and the offending field.
#[must_use]
pub fn pods(objects: &[Object]) -> Pods<'_> {
    let mut out = Pods::default();
    for obj in objects
        .iter()
        .filter(|o| WORKLOAD_KINDS.contains(&o.kind.as_str()))
    {
        match Pod::of(obj) {
            Ok(pod) => out.pods.push((obj, pod)),
            Err(e) => out.errors.push(Diagnostic::new(
                &obj.source.name,
                e.pos().unwrap_or(obj.root.span.start),
                format!("{}: {e}", obj.object_ref()),
            )),
        }
    }
    out
}

/// The namespace an object lands in.
fn namespace_of(obj: &Object) -> &str {
    obj.effective_namespace().unwrap_or("default")
}

/// The policy of each Namespace object of the input, by name, its labels
/// resolved over the configuration's defaults (a later object of the same
/// name wins).
#[must_use]
pub fn namespace_policies(
    objects: &[Object],
    config: &AdmissionConfig,
) -> BTreeMap<String, NamespacePolicy> {
    let mut out = BTreeMap::new();
    for obj in objects
        .iter()
        .filter(|o| o.kind == "Namespace" && o.group().is_empty())
    {
        let Some(name) = &obj.name else { continue };
        out.insert(
            name.clone(),
            resolve_labels(|k| obj.label(k), &config.defaults),
        );
    }
    out
}

/// The level and version `pss check` evaluates: those asked for, else the
/// enforce default of the admission configuration when there is one, else
/// `restricted:latest`.
#[must_use]
pub fn check_policy(
    level: Option<Level>,
    version: Option<Version>,
    config: Option<&AdmissionConfig>,
) -> LevelVersion {
    let defaults = config.map(|c| c.defaults.enforce);
    LevelVersion::new(
        level
            .or(defaults.map(|d| d.level))
            .unwrap_or(Level::Restricted),
        version
            .or(defaults.map(|d| d.version))
            .unwrap_or(Version::Latest),
    )
}

/// What `pss check` concludes about one Pod or workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckResult {
    /// The admission configuration exempts it: it is not evaluated.
    Exempt(Exemption),
    /// It was evaluated.
    Evaluated {
        /// The verdict, holding the violations that are reported.
        verdict: Verdict,
        /// Violations taken out of the verdict because an ignore covers them.
        suppressed: usize,
    },
}

/// One Pod or workload and what `pss check` concludes about it.
#[derive(Debug, Clone)]
pub struct CheckRow<'a> {
    /// The object.
    pub object: &'a Object,
    /// The conclusion.
    pub result: CheckResult,
}

/// Checks the pod of `obj` at `policy`, unless the exemptions cover it in
/// the namespace it lands in.
#[must_use]
pub fn check(
    obj: &Object,
    pod: &Pod<'_>,
    policy: LevelVersion,
    exemptions: &Exemptions,
    request: Request<'_>,
) -> CheckResult {
    match exemption(pod, namespace_of(obj), exemptions, request) {
        Some(e) => CheckResult::Exempt(e),
        None => CheckResult::Evaluated {
            verdict: evaluate(pod, policy),
            suppressed: 0,
        },
    }
}

/// One object and what admission does to it.
#[derive(Debug, Clone)]
pub struct ObjectAdmission<'a> {
    /// The Pod or workload.
    pub object: &'a Object,
    /// What the three modes do to it.
    pub admission: Admission,
}

/// A namespace and what admission does to the objects placed in it.
#[derive(Debug, Clone)]
pub struct NamespaceAdmissions<'a> {
    /// The namespace.
    pub name: String,
    /// Its policy: from its labels, or the defaults.
    pub policy: NamespacePolicy,
    /// Whether the input holds the Namespace object (else the defaults apply).
    pub declared: bool,
    /// Its Pods and workloads, in input order.
    pub objects: Vec<ObjectAdmission<'a>>,
}

/// What admission does to every Pod and workload of an input.
#[derive(Debug, Default)]
pub struct AdmissionTable<'a> {
    /// The namespaces the input declares or places objects in, by name.
    pub namespaces: Vec<NamespaceAdmissions<'a>>,
    /// Pods and workloads the API server could not decode.
    pub errors: Vec<Diagnostic>,
}

impl AdmissionTable<'_> {
    /// Whether enforce rejects a Pod, or would reject the pods a workload
    /// creates.
    #[must_use]
    pub fn enforce_denies(&self) -> bool {
        self.namespaces
            .iter()
            .flat_map(|ns| &ns.objects)
            .any(|o| o.admission.denied() || o.admission.pods_would_be_denied())
    }
}

/// Runs admission, as `request`, on every Pod and workload of `objects` in
/// the namespace it lands in, with that namespace's labels when the input
/// holds its Namespace object and the configuration's defaults otherwise.
#[must_use]
pub fn admissions<'a>(
    objects: &'a [Object],
    config: &AdmissionConfig,
    request: Request<'_>,
) -> AdmissionTable<'a> {
    let mut by_ns: BTreeMap<String, NamespaceAdmissions<'a>> = namespace_policies(objects, config)
        .into_iter()
        .map(|(name, policy)| {
            let ns = NamespaceAdmissions {
                name: name.clone(),
                policy,
                declared: true,
                objects: Vec::new(),
            };
            (name, ns)
        })
        .collect();
    let Pods { pods, errors } = pods(objects);
    for (obj, pod) in pods {
        let namespace = namespace_of(obj);
        let ns = by_ns
            .entry(namespace.to_owned())
            .or_insert_with(|| NamespaceAdmissions {
                name: namespace.to_owned(),
                policy: resolve_labels(|_| None, &config.defaults),
                declared: false,
                objects: Vec::new(),
            });
        let admission = admit(
            &pod,
            obj.kind == "Pod",
            namespace,
            &ns.policy,
            &config.exemptions,
            request,
        );
        ns.objects.push(ObjectAdmission {
            object: obj,
            admission,
        });
    }
    AdmissionTable {
        namespaces: by_ns.into_values().collect(),
        errors,
    }
}

/// The migration plan of one namespace.
#[derive(Debug, Clone)]
pub struct PlannedNamespace<'a> {
    /// The namespace.
    pub name: String,
    /// The enforce policy its Namespace object sets, when the input holds it.
    pub current_enforce: Option<LevelVersion>,
    /// Its Pods and workloads, in input order; the plan's
    /// [`breaking`](crate::plan::NextLevel::breaking) indexes point here.
    pub objects: Vec<&'a Object>,
    /// The plan.
    pub plan: NamespacePlan,
}

/// The migration plans of an input.
#[derive(Debug, Default)]
pub struct InputPlan<'a> {
    /// One plan per namespace, by name.
    pub namespaces: Vec<PlannedNamespace<'a>>,
    /// Pods and workloads the API server could not decode.
    pub errors: Vec<Diagnostic>,
}

/// Plans every namespace the input declares or places Pods and workloads
/// in; objects in namespaces the configuration exempts are left out.
#[must_use]
pub fn plans<'a>(objects: &'a [Object], config: &AdmissionConfig) -> InputPlan<'a> {
    let declared = namespace_policies(objects, config);
    let mut members: BTreeMap<String, (Vec<&'a Object>, Vec<Pod<'a>>)> = declared
        .keys()
        .map(|name| (name.clone(), (Vec::new(), Vec::new())))
        .collect();
    let Pods { pods, errors } = pods(objects);
    for (obj, pod) in pods {
        let namespace = namespace_of(obj);
        if config.exemptions.namespaces.iter().any(|n| n == namespace) {
            continue;
        }
        let (objects, pods) = members.entry(namespace.to_owned()).or_default();
        objects.push(obj);
        pods.push(pod);
    }
    let namespaces = members
        .into_iter()
        .map(|(name, (objects, pods))| PlannedNamespace {
            current_enforce: declared.get(&name).map(|ns| ns.policy.enforce),
            plan: plan(&pods),
            name,
            objects,
        })
        .collect();
    InputPlan { namespaces, errors }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::Policy;
    use kubeguard_core::Source;

    fn load(yaml: &str) -> Vec<Object> {
        let loaded = kubeguard_load::load_source(Source::new("in.yaml", yaml));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects
    }

    const NAMESPACE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.30
";

    /// A Pod that meets the restricted level (shared with the CLI tests).
    const HARDENED: &str = include_str!("../tests/fixtures/restricted-pod.yaml");

    const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: shop}
spec:
  runtimeClassName: kata
  containers:
  - name: app
    image: app
    securityContext: {privileged: true}
";

    const HOST_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: app
";

    fn input(docs: &[&str]) -> Vec<Object> {
        load(&docs.join("---\n"))
    }

    fn config(yaml: &str) -> AdmissionConfig {
        let objects = load(yaml);
        match crate::config::parse(&objects[0]).unwrap() {
            crate::config::ConfigDocument::Config(c) => c,
            crate::config::ConfigDocument::External(p) => panic!("external {p}"),
        }
    }

    fn names<'a>(objects: impl IntoIterator<Item = &'a Object>) -> Vec<&'a str> {
        objects
            .into_iter()
            .map(|o| o.name.as_deref().unwrap_or_default())
            .collect()
    }

    #[test]
    fn pods_decodes_pods_and_workloads_and_reports_the_rest() {
        let bad = "apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: shop}
spec:
  securityContext: {runAsNonRoot: \"yes\"}
  containers: [{name: app, image: app}]
";
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n";
        let objects = input(&[NAMESPACE, HARDENED, service, bad, HOST_DEPLOYMENT]);
        let decoded = pods(&objects);
        assert_eq!(names(decoded.pods.iter().map(|(o, _)| *o)), ["ok", "web"]);
        let [error] = decoded.errors.as_slice() else {
            panic!("{:?}", decoded.errors);
        };
        assert_eq!(error.file, "in.yaml");
        assert_eq!((error.pos.line, error.pos.col), (33, 35));
        assert!(
            error
                .message
                .starts_with("Pod shop/bad: spec.securityContext.runAsNonRoot: expected a boolean"),
            "{error}"
        );
    }

    #[test]
    fn namespace_policies_come_from_core_namespace_objects() {
        let custom = "apiVersion: example.com/v1
kind: Namespace
metadata:
  name: other
  labels: {pod-security.kubernetes.io/enforce: restricted}
";
        let objects = input(&[NAMESPACE, custom]);
        let policies = namespace_policies(&objects, &AdmissionConfig::default());
        assert_eq!(policies.keys().collect::<Vec<_>>(), ["shop"]);
        assert_eq!(
            policies["shop"].policy.enforce,
            LevelVersion::new(Level::Baseline, Version::V1(30))
        );
        assert_eq!(policies["shop"].policy.warn, Policy::default().warn);
    }

    #[test]
    fn check_policy_prefers_flags_then_the_configuration() {
        let config = config(
            "apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults: {enforce: baseline, enforce-version: v1.25}
",
        );
        let restricted_latest = LevelVersion::new(Level::Restricted, Version::Latest);
        assert_eq!(check_policy(None, None, None), restricted_latest);
        assert_eq!(
            check_policy(None, None, Some(&config)),
            LevelVersion::new(Level::Baseline, Version::V1(25))
        );
        assert_eq!(
            check_policy(Some(Level::Privileged), None, Some(&config)),
            LevelVersion::new(Level::Privileged, Version::V1(25))
        );
        assert_eq!(
            check_policy(None, Some(Version::V1(30)), None),
            LevelVersion::new(Level::Restricted, Version::V1(30))
        );
        assert_eq!(
            check_policy(None, None, Some(&AdmissionConfig::default())),
            LevelVersion::new(Level::Privileged, Version::Latest),
            "a configuration without defaults enforces privileged"
        );
    }

    #[test]
    fn check_honours_exemptions_before_evaluating() {
        let objects = input(&[PRIVILEGED_POD]);
        let decoded = pods(&objects);
        let (obj, pod) = &decoded.pods[0];
        let policy = LevelVersion::new(Level::Baseline, Version::Latest);
        let none = Exemptions::default();
        let CheckResult::Evaluated {
            verdict,
            suppressed,
        } = check(obj, pod, policy, &none, Request::default())
        else {
            panic!("not exempt");
        };
        assert_eq!(suppressed, 0);
        assert_eq!(verdict.policy, policy);
        assert_eq!(verdict.violations[0].check, "privileged");

        let by_runtime_class = Exemptions {
            runtime_classes: vec!["kata".into()],
            ..Exemptions::default()
        };
        assert_eq!(
            check(obj, pod, policy, &by_runtime_class, Request::default()),
            CheckResult::Exempt(Exemption::RuntimeClass("kata".into()))
        );
        let by_user = Exemptions {
            usernames: vec!["admin".into()],
            namespaces: vec!["shop".into()],
            ..Exemptions::default()
        };
        assert_eq!(
            check(
                obj,
                pod,
                policy,
                &by_user,
                Request {
                    username: Some("admin")
                }
            ),
            CheckResult::Exempt(Exemption::Namespace("shop".into())),
            "the namespace is looked at first"
        );
    }

    #[test]
    fn admissions_apply_each_namespace_policy() {
        let objects = input(&[NAMESPACE, HARDENED, PRIVILEGED_POD, HOST_DEPLOYMENT]);
        let table = admissions(&objects, &AdmissionConfig::default(), Request::default());
        assert!(table.errors.is_empty());
        let [default, shop] = table.namespaces.as_slice() else {
            panic!("{:?}", table.namespaces);
        };
        assert_eq!(default.name, "default");
        assert!(!default.declared, "no Namespace object: the defaults apply");
        assert!(default.policy.policy.fully_privileged());
        assert_eq!(names(default.objects.iter().map(|o| o.object)), ["web"]);
        assert!(!default.objects[0].admission.pods_would_be_denied());

        assert_eq!(shop.name, "shop");
        assert!(shop.declared);
        assert_eq!(names(shop.objects.iter().map(|o| o.object)), ["ok", "priv"]);
        assert!(!shop.objects[0].admission.denied());
        assert!(shop.objects[1].admission.denied());
        assert!(table.enforce_denies());

        let exempt = config(
            "apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
exemptions: {runtimeClasses: [kata]}
",
        );
        let table = admissions(&objects, &exempt, Request::default());
        assert_eq!(
            table.namespaces[1].objects[1].admission.exempt,
            Some(Exemption::RuntimeClass("kata".into()))
        );
        assert!(!table.enforce_denies());
    }

    #[test]
    fn plans_cover_declared_namespaces_and_leave_out_exempt_ones() {
        let empty = NAMESPACE.replace("name: shop", "name: empty");
        let objects = input(&[NAMESPACE, &empty, HARDENED, PRIVILEGED_POD, HOST_DEPLOYMENT]);
        let planned = plans(&objects, &AdmissionConfig::default());
        assert!(planned.errors.is_empty());
        let by_name: Vec<&str> = planned.namespaces.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(by_name, ["default", "empty", "shop"]);
        let [default, empty, shop] = planned.namespaces.as_slice() else {
            unreachable!()
        };
        assert_eq!(default.current_enforce, None);
        assert_eq!(default.plan.strictest.level, Level::Privileged);
        assert!(empty.objects.is_empty());
        assert_eq!(empty.plan.strictest.level, Level::Restricted);
        assert_eq!(
            shop.current_enforce,
            Some(LevelVersion::new(Level::Baseline, Version::V1(30)))
        );
        assert_eq!(names(shop.objects.iter().copied()), ["ok", "priv"]);
        let next = shop.plan.next.as_ref().unwrap();
        assert_eq!(next.policy.level, Level::Baseline);
        let breaking: Vec<&str> = next
            .breaking
            .iter()
            .map(|(i, _)| shop.objects[*i].name.as_deref().unwrap())
            .collect();
        assert_eq!(breaking, ["priv"]);

        let exempt = config(
            "apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
exemptions: {namespaces: [shop, default]}
",
        );
        let planned = plans(&objects, &exempt);
        let by_name: Vec<(&str, usize)> = planned
            .namespaces
            .iter()
            .map(|n| (n.name.as_str(), n.objects.len()))
            .collect();
        assert_eq!(by_name, [("empty", 0), ("shop", 0)]);
        assert_eq!(
            planned.namespaces[1].current_enforce.map(|p| p.level),
            Some(Level::Baseline),
            "a declared namespace is planned even when exempt"
        );
    }
}
