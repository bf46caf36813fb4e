use super::credential_value::is_url_with_password;
use super::{describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Located, Node, Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags `env` items of any container that set a literal, non-empty
    /// `value` under a credential-like name. The value is never reported;
    /// the finding points at the item's `name`.
    ///
    /// A name is split into words at `_`, `-`, `.` and lower-to-upper case
    /// changes (`dbPassword` is `db`, `password`), compared without case. It
    /// is credential-like when a word contains `password`, `passwd`,
    /// `passphrase`, `secret` or `credential`; is `pass`, `pwd`, `auth`,
    /// `authorization`, `apikey`, `accesskey`, `privatekey` or `authkey`;
    /// ends in `token`; or is `key` after `api`, `access`, `private`, `auth`,
    /// `client`, `signing`, `encryption`, `master` or `ssh`. Names whose last
    /// word says the value is about the credential rather than the credential
    /// itself are not flagged: `TOKEN_URL`, `PASSWORD_FILE`, `SECRET_NAME`,
    /// `AWS_ACCESS_KEY_ID`, `AUTH_ENABLED`, `MAX_TOKENS` (see the list in the
    /// source). `PWD` alone is the working directory, not a password.
    ///
    /// Values that cannot be credentials are skipped: booleans (`"true"`,
    /// `"off"`, ...), absolute file paths (`/var/run/secrets/key.json`, as in
    /// `GOOGLE_APPLICATION_CREDENTIALS`) and references resolved elsewhere
    /// (`$(OTHER_VAR)`, which Kubernetes expands from another variable, and
    /// `${VAR}` references).
    ///
    /// Whatever the name, a literal value is also flagged when its shape
    /// says it is a credential: a PEM private key (`-----BEGIN ... PRIVATE
    /// KEY-----`), an AWS access key id (`AKIA` or `ASIA` and 16 upper-case
    /// letters or digits), a bearer token (`Bearer ` and at least 16
    /// characters) or a JSON Web Token (three base64url parts, the first
    /// starting `eyJ`) or a URL with a password in it
    /// (`postgres://app:s3cret@db:5432/app`, under `DATABASE_URL` as well).
    /// The message names the shape, never the value.
    ///
    /// ## Why it matters
    /// A literal value lives in plain text in the repository, in CI logs, in
    /// the object stored in etcd (readable by anyone who can `get` the
    /// workload, a much wider group than who can read Secrets) and in every
    /// copy of the manifest. Rotating it means changing and redeploying code.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    /// - name: DB_PASSWORD
    ///   value: "hunter2"
    /// ```
    ///
    /// ## How to fix
    /// Store the credential in a Secret (or an external secret manager) and
    /// mount it as a file; rotate the credential that was committed.
    code: "KG061",
    name: "hardcoded-secret-in-env",
    severity: High,
    summary: "Credential written as a literal environment variable value",
    remediation: "Move the credential into a Secret (or an external secret store), mount it as a file, and rotate the value that was committed.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:secrets", "MITRE:T1552.001"],
    check: Check::Object(&check),
}

/// Single words that name a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "auth",
    "authorization",
    "apikey",
    "accesskey",
    "privatekey",
    "authkey",
];

/// Parts of a word that make it name a credential (`dbpassword`, `clientsecret`).
const CREDENTIAL_PARTS: &[&str] = &["password", "passwd", "passphrase", "secret", "credential"];

/// Words that, followed by `key`, name a credential (`API_KEY`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "private",
    "auth",
    "client",
    "signing",
    "encryption",
    "master",
    "ssh",
];

/// Last words that make a name describe a credential rather than hold one
/// (`TOKEN_URL`, `PASSWORD_FILE`, `ACCESS_KEY_ID`).
const NOT_A_VALUE: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "port",
    "path",
    "file",
    "dir",
    "directory",
    "name",
    "type",
    "kind",
    "id",
    "ref",
    "enabled",
    "enable",
    "disabled",
    "disable",
    "mode",
    "method",
    "user",
    "username",
    "header",
    "ttl",
    "expiry",
    "expiration",
    "expires",
    "timeout",
    "interval",
    "duration",
    "lifetime",
    "length",
    "size",
    "limit",
    "min",
    "max",
    "count",
    "provider",
    "issuer",
    "audience",
    "scope",
    "scopes",
    "realm",
    "format",
    "policy",
    "version",
    "prefix",
    "suffix",
    "location",
    "region",
    "server",
    "service",
    "namespace",
    "field",
    "label",
    "algorithm",
    "source",
    "store",
    "backend",
    "required",
    "rotation",
    "tokens",
];

/// Values that cannot be a credential: booleans, as Kubernetes users write them.
const BOOLEAN_VALUES: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "enabled", "disabled",
];

/// The words of an environment variable name, lowercased.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            out.extend((!cur.is_empty()).then(|| std::mem::take(&mut cur)));
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    out.extend((!cur.is_empty()).then_some(cur));
    out
}

/// Whether an environment variable name says it holds a credential.
pub(crate) fn is_credential_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_A_VALUE.contains(&last.as_str()) || words == ["pwd"] {
        return false;
    }
    words.iter().enumerate().any(|(i, w)| {
        CREDENTIAL_WORDS.contains(&w.as_str())
            || CREDENTIAL_PARTS.iter().any(|p| w.contains(p))
            || w.ends_with("token")
            || (w == "key" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str()))
    })
}

/// Whether a literal value may be a credential: not empty, not a boolean,
/// not an absolute path, not a `$(VAR)` or `${VAR}` reference.
fn may_be_credential(value: &str) -> bool {
    let reference = |open: &str, close: char| {
        value
            .strip_prefix(open)
            .and_then(|v| v.strip_suffix(close))
            .is_some_and(|inner| {
                !inner.is_empty()
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            })
    };
    !value.is_empty()
        && !value.starts_with('/')
        && !BOOLEAN_VALUES.iter().any(|b| value.eq_ignore_ascii_case(b))
        && !reference("$(", ')')
        && !reference("${", '}')
}

/// What a literal value is, when its shape says it is a credential: a PEM
/// private key, an AWS access key id, a bearer token or a JSON Web Token.
pub(crate) fn secret_kind(value: &str) -> Option<&'static str> {
    let value = value.trim();
    let base64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
    };
    let aws_id = value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let jwt = {
        let parts: Vec<&str> = value.split('.').collect();
        parts.len() == 3
            && parts[0].starts_with("eyJ")
            && parts[..2].iter().all(|p| p.len() >= 10 && base64url(p))
            && base64url(parts[2])
    };
    let bearer = value
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
        && value[7..].trim().len() >= 16
        && !value[7..].trim().starts_with('$');
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----") {
        Some("a PEM private key")
    } else if is_url_with_password(value) {
        Some("a URL with a password")
    } else if aws_id {
        Some("an AWS access key id")
    } else if jwt {
        Some("a JSON Web Token")
    } else if bearer {
        Some("a bearer token")
    } else {
        None
    }
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |_, c| {
        for item in c.get("env").iter().flat_map(Located::items) {
            let Some(name) = item.node.get("name").and_then(Node::scalar_text) else {
                continue;
            };
            let literal = item.node.get("value").and_then(Node::scalar_text);
            if let Some(kind) = literal.and_then(secret_kind) {
                let at = item.get("name").unwrap_or(item);
                cx.report(
                    &at,
                    format!(
                        "{} sets environment variable {name:?} to a literal value that is {kind}: the credential is stored in plain text in the manifest and the pod spec",
                        describe(c)
                    ),
                );
            } else if literal.is_some_and(may_be_credential) && is_credential_name(name) {
                let at = item.get("name").unwrap_or(item);
                cx.report(
                    &at,
                    format!(
                        "{} sets environment variable {name:?} to a literal value: the credential is stored in plain text in the manifest and the pod spec",
                        describe(c)
                    ),
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{is_credential_name, may_be_credential, secret_kind};
    use crate::{Engine, Policy, Selection, Settings};
    use kubeguard_core::Source;

    #[test]
    fn credential_names() {
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "PASSWORD",
            "MYSQL_ROOT_PASSWD",
            "REDIS_PASS",
            "DB_PWD",
            "JWT_SECRET",
            "CLIENT_SECRET",
            "SECRET_KEY_BASE",
            "GITHUB_TOKEN",
            "authToken",
            "API_KEY",
            "apiKey",
            "APIKEY",
            "AWS_SECRET_ACCESS_KEY",
            "PRIVATE_KEY",
            "SSH_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "BASIC_AUTH",
            "AUTHORIZATION",
            "ACCESS_TOKEN",
        ] {
            assert!(is_credential_name(name), "{name} should be credential-like");
        }
        for name in [
            "TOKEN_URL",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "AWS_ACCESS_KEY_ID",
            "AUTH_ENABLED",
            "MAX_TOKENS",
            "PWD",
            "OLDPWD",
            "PASSTHROUGH",
            "KEY",
            "CACHE_KEY",
            "AUTHOR",
            "TOKENIZER",
            "LOG_LEVEL",
            "OAUTH_CLIENT_ID",
            "PASSWORD_MIN_LENGTH",
            "",
        ] {
            assert!(
                !is_credential_name(name),
                "{name} should not be credential-like"
            );
        }
    }

    #[test]
    fn credential_values() {
        assert!(may_be_credential("hunter2"));
        assert!(may_be_credential("$(A)b"));
        for value in [
            "",
            "true",
            "False",
            "off",
            "/var/run/secrets/gcp/key.json",
            "$(DB_PASSWORD)",
            "${DB_PASSWORD}",
        ] {
            assert!(!may_be_credential(value), "{value:?}");
        }
    }

    #[test]
    fn credentials_by_shape() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(secret_kind(jwt), Some("a JSON Web Token"));
        assert_eq!(
            secret_kind("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            secret_kind("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"),
            Some("a PEM private key")
        );
        assert_eq!(
            secret_kind("Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
            Some("a bearer token")
        );
        assert_eq!(
            secret_kind("amqp://orders:Wq8vB3nZ@rabbitmq:5672/"),
            Some("a URL with a password")
        );
        for not_secret in [
            "AKIA-not-a-key",
            "akiaiosfodnn7example",
            "-----BEGIN CERTIFICATE-----",
            "Bearer $(TOKEN)",
            "Bearer short",
            "eyJ.a.b",
            "v1.2.3",
            "https://example.com",
            "https://user@example.com",
            "amqp://orders:$(RABBITMQ_PASSWORD)@rabbitmq:5672/",
        ] {
            assert_eq!(secret_kind(not_secret), None, "{not_secret}");
        }
    }

    #[test]
    fn a_value_known_by_shape_never_appears_in_a_finding() {
        let key = "AKIAIOSFODNN7EXAMPLE";
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: fixtures}}\nspec:\n  containers:\n  - name: app\n    image: registry.example.com/app:1.0\n    env:\n    - {{name: S3_UPLOADER, value: {key}}}\n"
        );
        let loaded = kubeguard_load::load_source(Source::new("pod.yaml", text));
        let selection = Selection {
            select: vec!["hardcoded-secret-in-env".into()],
            ..Selection::default()
        };
        let engine = Engine::new(&Policy::new(&selection).unwrap(), Settings::default());
        let (findings, _) = engine.check_all(&loaded.objects);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("an AWS access key id"));
        assert!(!findings[0].message.contains(key));
        assert!(findings[0].snippet.is_none(), "{:?}", findings[0].snippet);
    }

    #[test]
    fn the_value_never_appears_in_a_finding() {
        let value = "hunter2-s3cr3t-value";
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: fixtures}}\nspec:\n  containers:\n  - name: app\n    image: registry.example.com/app:1.0\n    env:\n    - name: DB_PASSWORD\n      value: {value}\n    - name: API_KEY\n      value: \"{value}\"\n"
        );
        // A live object's snippet shows the lines around the field too.
        for source in [
            Source::new("pod.yaml", text.clone()),
            Source::live("cluster://ctx/fixtures/Pod/p", text),
        ] {
            let loaded = kubeguard_load::load_source(source);
            let selection = Selection {
                select: vec!["hardcoded-secret-in-env".into()],
                ..Selection::default()
            };
            let engine = Engine::new(&Policy::new(&selection).unwrap(), Settings::default());
            let (findings, _) = engine.check_all(&loaded.objects);
            assert_eq!(findings.len(), 2);
            for f in &findings {
                assert!(
                    !f.message.contains(value) && !f.message.contains("hunter2"),
                    "message leaks the value: {}",
                    f.message
                );
                let snippet = f.snippet.as_ref().expect("the name line is shown");
                assert!(
                    snippet
                        .numbered(f.pos.line)
                        .all(|(_, l)| !l.contains("hunter2")),
                    "snippet leaks the value: {snippet:?}"
                );
                assert!(f.path.ends_with(".name"), "{}", f.path);
            }
            assert!(findings[0].message.contains("\"DB_PASSWORD\""));
        }
    }
}
