//! The `pod-security-standard` finding that `kubeguard scan --pss` adds for
//! each violated check.

use kubeguard_core::{RuleMeta, Severity};

/// Metadata of the findings `kubeguard scan --pss LEVEL[:VERSION]` reports.
pub static POD_SECURITY_STANDARD: RuleMeta = RuleMeta {
    code: "KG500",
    name: "pod-security-standard",
    group: "pod-security",
    severity: Severity::High,
    summary: "Pod violates the Pod Security Standard level it must meet",
    docs: " ## What it does
 Active with `kubeguard scan --pss LEVEL[:VERSION]`: evaluates every Pod
 and workload pod template against the Pod Security Standards exactly as
 the API server's Pod Security admission does, and reports one finding per
 violated check, pointing at the offending field. A namespace's
 `pod-security.kubernetes.io/enforce` label (and `-version` label), when the
 input declares the namespace, takes precedence over `--pss` for the
 objects in it.

 ## Why it matters
 An object that violates its namespace's enforced level is rejected at
 admission (a workload is accepted, but its pods are not created); at a
 level that is not enforced yet, the finding shows what would break.

 ## Example
 ```yaml
 # kubeguard scan --pss restricted
 spec:
   containers:
   - name: app
     securityContext: {}   # runAsNonRoot != true, allowPrivilegeEscalation != false, ...
 ```

 ## How to fix
 Change the field each finding names; `kubeguard pss check` prints the
 full verdict per object and `kubeguard pss plan` the level each namespace
 already meets.
",
    remediation: "Set the field the finding names to a value the level allows (see `kubeguard pss check` for the object's full verdict).",
    kinds: &[],
    references: &["PSS:https://kubernetes.io/docs/concepts/security/pod-security-standards/"],
};
