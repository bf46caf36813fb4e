//! Whether a literal value under a credential-like name looks like a real
//! credential rather than a setting, a reference or a dummy value: long
//! enough, random enough (Shannon entropy), and not one of the shapes that
//! cannot be a secret.

/// Fewest characters a value needs before its entropy says anything.
const MIN_LEN: usize = 16;

/// Fewest bits of Shannon entropy per character: random base64 and hex
/// strings of 16 characters or more score about 3.7 to 5.5, words and
/// settings (`password123`, `read-only-user`, `ClusterIP`) under 3.5.
const MIN_BITS_PER_CHAR: f64 = 3.5;

/// Words that mark a value as a dummy standing in for the real one (matched
/// as data in the value, lowercased).
const DUMMY_MARKERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "replaceme",
    "replace-me",
    "replace_me",
    "placeholder",
    "example",
    "your-",
    "your_",
    "dummy",
    "redacted",
    "todo",
    "fixme",
];

/// The Shannon entropy of `value` in bits per character.
pub(crate) fn bits_per_char(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in value.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = f64::from(u32::try_from(value.len()).unwrap_or(u32::MAX));
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = f64::from(n) / len;
            -p * p.log2()
        })
        .sum()
}

/// Whether `value` stands in for a credential: `changeme`, `<password>`,
/// `xxxxxxxx`, `***`, `your-api-key`, `REPLACE_ME`.
pub(crate) fn is_dummy_value(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let mut chars = lower.chars().filter(|c| c.is_ascii_alphanumeric());
    let repeated = chars.next().is_some_and(|first| chars.all(|c| c == first));
    (value.starts_with('<') && value.ends_with('>'))
        || (value.starts_with('[') && value.ends_with(']'))
        || repeated
        || lower.contains("xxx")
        || DUMMY_MARKERS.iter().any(|w| lower.contains(w))
}

/// Whether `value` is a reference to a value kept elsewhere: `$(VAR)`
/// (Kubernetes expands it), `${VAR}` (shells and config templating),
/// `{{ ... }}` (templates left unrendered), `%(name)s`.
pub(crate) fn is_reference(value: &str) -> bool {
    ["$(", "${", "{{", "%("]
        .iter()
        .any(|open| value.contains(open))
}

/// Whether `value` is a URL that carries no password (`https://host/path`):
/// the location of a credential, not the credential.
fn is_url_without_password(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| u.has_host() && u.password().is_none())
}

/// Whether `value` is a URL that carries a password
/// (`postgres://app:s3cret@db:5432/app`).
pub(crate) fn is_url_with_password(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| {
        u.password()
            .is_some_and(|p| !p.is_empty() && !is_reference(p))
    })
}

/// Whether a single-line literal under a credential-like name looks like a
/// real credential: a URL with a password in it, or at least
/// [`MIN_LEN`] characters with no spaces, letters and digits mixed (words
/// joined by dots, dashes and slashes, such as type names, have no
/// digits), random enough ([`MIN_BITS_PER_CHAR`]), and not a number, a
/// reference, a dummy value, a path or a URL without a password.
pub(crate) fn is_high_entropy_credential(value: &str) -> bool {
    let value = value.trim();
    if value.contains('\n') || is_reference(value) || is_dummy_value(value) {
        return false;
    }
    if is_url_with_password(value) {
        return true;
    }
    value.len() >= MIN_LEN
        && !value.contains(char::is_whitespace)
        && value.parse::<f64>().is_err()
        && !is_url_without_password(value)
        && !value.starts_with('/')
        && value.contains(|c: char| c.is_ascii_digit())
        && value.contains(|c: char| c.is_ascii_alphabetic())
        && bits_per_char(value) >= MIN_BITS_PER_CHAR
}

#[cfg(test)]
mod tests {
    use super::{bits_per_char, is_dummy_value, is_high_entropy_credential};

    #[test]
    fn entropy_of_known_strings() {
        assert!(bits_per_char("").abs() < f64::EPSILON);
        assert!(bits_per_char("aaaa").abs() < f64::EPSILON);
        assert!((bits_per_char("abcd") - 2.0).abs() < 1e-9);
        assert!((bits_per_char("0123456789abcdef") - 4.0).abs() < 1e-9);
    }

    #[test]
    fn real_looking_credentials() {
        for value in [
            // A random API key, a hex token, a base64 secret (as generated
            // by `openssl rand`), a connection string with its password.
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "9f86d081884c7d659a2feaa0c55ad015",
            "q1Xy7vK2m0c9ZB4nT8rW3sLd6Fh5Jg==",
            "postgres://app:Sup3rS3cret@db.shop.svc:5432/orders",
            "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
        ] {
            assert!(is_high_entropy_credential(value), "{value}");
        }
    }

    #[test]
    fn settings_references_and_dummy_values() {
        for value in [
            "changeme",
            "CHANGE_ME_IN_PRODUCTION_PLEASE",
            "<your-api-key-here>",
            "xxxxxxxxxxxxxxxxxxxx",
            "********************",
            "your-secret-token-goes-here",
            "$(DB_PASSWORD)",
            "${VAULT_TOKEN}",
            "{{ .Values.apiKey }}",
            "true",
            "1234567890123456789",
            "https://auth.example.com/oauth2/token",
            "postgres://app@db.shop.svc:5432/orders",
            "postgres://app:$(DB_PASSWORD)@db:5432/orders",
            "/var/run/secrets/tokens/vault-token",
            "password123",
            "kubernetes.io/service-account-token",
            "read-only-user-account",
            "the token is issued by dex",
        ] {
            assert!(!is_high_entropy_credential(value), "{value}");
        }
        assert!(is_dummy_value("[REDACTED]"));
        assert!(!is_dummy_value("q1Xy7vK2m0c9ZB4nT8rW3sLd6Fh5Jg=="));
    }
}
