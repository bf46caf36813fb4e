use super::{describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Located, Node, Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) that put a Secret in
    /// their environment: an `env` item with `valueFrom.secretKeyRef`, or an
    /// `envFrom` item with `secretRef`. The finding points at the item.
    ///
    /// ## Why it matters
    /// Environment variables leak: applications log them on startup or in
    /// error reports, crash dumps and debug endpoints include them, child
    /// processes inherit them, and anyone who can read `/proc/<pid>/environ`
    /// on the node sees them. A Secret mounted as a file is read only when
    /// needed, can be limited by file permissions, and is updated in place
    /// when the Secret changes.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: DB_PASSWORD
    ///   valueFrom:
    ///     secretKeyRef: {name: db, key: password}
    /// ```
    ///
    /// ## How to fix
    /// Mount the Secret as a volume and have the application read the file:
    /// ```yaml
    /// volumes:
    /// - name: db
    ///   secret: {secretName: db}
    /// ```
    code: "KG060",
    name: "secret-as-env-var",
    severity: Low,
    summary: "Secret is exposed as an environment variable",
    remediation: "Mount the Secret as a volume (secret: {secretName: ...}) and read it from the file instead of the environment.",
    kinds: WORKLOAD_KINDS,
    references: ["CIS-5.4.1", "NSA-CISA:secrets", "MITRE:T1552.007"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let text = |at: &Located<'_>, path: &[&str]| {
        at.node
            .get_path(path)
            .and_then(Node::scalar_text)
            .unwrap_or("")
            .to_owned()
    };
    each_container(obj, |_, c| {
        for item in c.get("env").iter().flat_map(Located::items) {
            if item
                .node
                .get_path(&["valueFrom", "secretKeyRef"])
                .is_some_and(|r| !r.is_null())
            {
                let secret = text(&item, &["valueFrom", "secretKeyRef", "name"]);
                let key = text(&item, &["valueFrom", "secretKeyRef", "key"]);
                cx.report(
                    &item,
                    format!(
                        "{} sets environment variable {:?} from key {key:?} of secret {secret:?}",
                        describe(c),
                        text(&item, &["name"])
                    ),
                );
            }
        }
        for item in c.get("envFrom").iter().flat_map(Located::items) {
            if item.node.get("secretRef").is_some_and(|r| !r.is_null()) {
                let secret = text(&item, &["secretRef", "name"]);
                cx.report(
                    &item,
                    format!(
                        "{} imports every key of secret {secret:?} as environment variables",
                        describe(c)
                    ),
                );
            }
        }
    });
}
