//! Settings that rules read.

/// Rule settings from configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Registry prefixes images may come from (`untrusted-registry` is
    /// active only when this is non-empty). Entries are matched against the
    /// normalised image reference (`nginx` is `docker.io/library/nginx`).
    pub allowed_registries: Vec<String>,
}
