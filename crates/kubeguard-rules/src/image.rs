//! Container image references, normalised as the container runtime reads
//! them: `nginx` is `docker.io/library/nginx`.

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (`docker.io` when none is written).
    pub registry: String,
    /// Repository path (`library/nginx` for an official Docker Hub image).
    pub repository: String,
    /// Tag, if written.
    pub tag: Option<String>,
    /// Digest (`sha256:...`), if written.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference such as `ghcr.io/acme/api:v1@sha256:abc`.
    #[must_use]
    pub fn parse(image: &str) -> Self {
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (image, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (
                &name[..last_slash + i],
                Some(name[last_slash + i + 1..].to_owned()),
            ),
            None => (name, None),
        };
        let (registry, repository) = split_registry(name);
        ImageRef {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// `registry/repository`, without tag or digest.
    #[must_use]
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// Splits `name` into registry and repository, applying Docker Hub defaults.
fn split_registry(name: &str) -> (String, String) {
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (first.to_owned(), rest.to_owned())
        }
        _ => ("docker.io".to_owned(), name.to_owned()),
    };
    let registry = if registry == "index.docker.io" {
        "docker.io".to_owned()
    } else {
        registry
    };
    let repository = if registry == "docker.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    (registry, repository)
}

/// Normalises an allowlist entry: a bare host stays a host; anything else
/// is read as an image name prefix.
#[must_use]
pub fn normalize_prefix(entry: &str) -> String {
    let entry = entry.trim_end_matches('/');
    let first = entry.split('/').next().unwrap_or(entry);
    let is_host = first.contains(['.', ':']) || first == "localhost";
    if is_host && !entry.contains('/') {
        return if entry == "index.docker.io" {
            "docker.io".into()
        } else {
            entry.to_owned()
        };
    }
    let (registry, repository) = split_registry(entry);
    format!("{registry}/{repository}")
}

/// Whether `image` comes from one of the allowed prefixes (matched on whole
/// path components: `ghcr.io/acme` allows `ghcr.io/acme/api`, not
/// `ghcr.io/acmecorp/api`).
#[must_use]
pub fn is_allowed(image: &ImageRef, allowed: &[String]) -> bool {
    let name = image.name();
    allowed.iter().any(|entry| {
        let prefix = normalize_prefix(entry);
        name == prefix
            || name
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("nginx");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag, r.digest),
            ("docker.io", "library/nginx", None, None)
        );
        let r = ImageRef::parse("localhost:5000/app:1.0@sha256:abc");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("acme/api:latest");
        assert_eq!(r.name(), "docker.io/acme/api");
        let r = ImageRef::parse("registry:5000/team/app");
        assert_eq!((r.registry.as_str(), r.tag), ("registry:5000", None));
    }

    #[test]
    fn allowlist_matches_whole_components() {
        let allowed = vec![
            "ghcr.io/acme".to_owned(),
            "nginx".to_owned(),
            "registry.k8s.io".to_owned(),
        ];
        assert!(is_allowed(&ImageRef::parse("ghcr.io/acme/api:1"), &allowed));
        assert!(!is_allowed(
            &ImageRef::parse("ghcr.io/acmecorp/api:1"),
            &allowed
        ));
        assert!(is_allowed(
            &ImageRef::parse("docker.io/library/nginx:1.25"),
            &allowed
        ));
        assert!(is_allowed(
            &ImageRef::parse("registry.k8s.io/pause:3.9"),
            &allowed
        ));
        assert!(!is_allowed(&ImageRef::parse("redis"), &allowed));
    }
}
