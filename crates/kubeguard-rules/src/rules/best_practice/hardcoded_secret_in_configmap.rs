use super::credential_value::is_high_entropy_credential;
use super::hardcoded_secret_in_env::{is_credential_name, secret_kind};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags entries of a ConfigMap's `data` that hold a credential. The
    /// value is never reported; the finding points at the entry's key.
    ///
    /// An entry holds a credential when its value has the shape of one
    /// whatever the key (a PEM private key, an AWS access key id, a bearer
    /// token, a JSON Web Token, a URL with a password in it), or when its
    /// key is credential-like (as `hardcoded-secret-in-env` reads names:
    /// `db.password`, `apiKey`, `CLIENT_SECRET`, `authToken`) and its value
    /// looks random: one line of at least 16 characters without spaces
    /// whose Shannon entropy is at least 3.5 bits per character, as
    /// generated keys, tokens and passwords are.
    ///
    /// Values under credential-like keys that are not credentials are
    /// skipped: settings (`auth: oidc`, `token.ttl: 1h`), numbers,
    /// booleans, paths, URLs without a password, references resolved
    /// elsewhere (`$(VAR)`, `${VAR}`, `{{ .Values.x }}`) and dummy values
    /// (`changeme`, `<api-key>`, `xxxx`, `your-token-here`). Values of many
    /// lines (embedded configuration files) are judged by shape only.
    ///
    /// ## Why it matters
    /// ConfigMaps are meant for what is not secret: they are readable by
    /// many more identities than Secrets (`view` grants them, Secrets are
    /// excluded), they are not encrypted at rest when only Secrets are,
    /// and tools print them freely. A credential in one is stored in plain
    /// text in the repository, in etcd and in every copy of the manifest.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   stripe.apiKey: sk_live_4eC39HqLyjWDarjtT1zdp7dc
    /// ```
    ///
    /// ## How to fix
    /// Move the entry into a Secret (or an external secret manager), read
    /// it from there, and rotate the credential that was committed.
    code: "KG071",
    name: "hardcoded-secret-in-configmap",
    severity: High,
    summary: "ConfigMap holds a credential",
    remediation: "Move the credential into a Secret (or an external secret store), read it from there, and rotate the value that was committed.",
    kinds: &["ConfigMap"],
    references: ["NSA-CISA:secrets", "MITRE:T1552.007"],
    check: Check::Object(&check),
}

/// What `value` under `key` is, when it is a credential: its shape, or a
/// random value under a credential-like key.
pub(crate) fn credential_entry(key: &str, value: &str) -> Option<&'static str> {
    secret_kind(value).or_else(|| {
        (is_credential_name(key) && is_high_entropy_credential(value))
            .then_some("a random value under a credential-like key")
    })
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(data) = obj.located().get("data") else {
        return;
    };
    for (key, value) in data.entries() {
        let Some(kind) = value
            .node
            .scalar_text()
            .and_then(|v| credential_entry(key, v))
        else {
            continue;
        };
        cx.report(
            &value,
            format!(
                "ConfigMap key {key:?} holds {kind}: ConfigMaps are readable by far more identities than Secrets and are not encrypted at rest"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Policy, Selection, Settings};
    use kubeguard_core::Source;

    #[test]
    fn values_never_appear_in_findings() {
        let key = "q1Xy7vK2m0c9ZB4nT8rW3sLd6Fh5Jg";
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: fixtures}}\ndata:\n  api.key: {key}\n  DATABASE_DSN: postgres://app:{key}@db:5432/app\n"
        );
        let loaded = kubeguard_load::load_source(Source::new("cm.yaml", text));
        let selection = Selection {
            select: vec!["hardcoded-secret-in-configmap".into()],
            ..Selection::default()
        };
        let engine = Engine::new(&Policy::new(&selection).unwrap(), Settings::default());
        let (findings, _) = engine.check_all(&loaded.objects);
        assert_eq!(findings.len(), 2, "{findings:?}");
        for f in &findings {
            assert!(!f.message.contains(key), "{}", f.message);
            assert!(f.snippet.is_none(), "{:?}", f.snippet);
        }
        assert_eq!(findings[0].path, "data[\"api.key\"]");
        assert!(findings[1].message.contains("a URL with a password"));
    }
}
