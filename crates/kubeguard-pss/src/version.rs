//! Policy versions: `v1.N` or `latest`.

use crate::error::PssError;
use std::fmt;
use std::str::FromStr;

/// The newest minor version whose checks this crate knows. Newer versions
/// (`v1.99`) evaluate like `latest`, as upstream does for future versions.
pub const LATEST_MINOR: u32 = 37;

/// A policy version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `v1.N`.
    V1(u32),
    /// `latest`: the newest checks.
    Latest,
}

impl Version {
    /// The minor version whose checks apply: `latest` and future versions
    /// use [`LATEST_MINOR`].
    #[must_use]
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::V1(minor) => minor.min(LATEST_MINOR),
            Version::Latest => LATEST_MINOR,
        }
    }

    /// Whether this version is newer than every version this crate knows.
    #[must_use]
    pub fn is_future(self) -> bool {
        matches!(self, Version::V1(minor) if minor > LATEST_MINOR)
    }

    /// Orders versions as upstream does: `latest` is newer than any `v1.N`.
    #[must_use]
    pub fn order_key(self) -> u64 {
        match self {
            Version::V1(minor) => u64::from(minor),
            Version::Latest => u64::MAX,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::V1(minor) => write!(f, "v1.{minor}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

impl FromStr for Version {
    type Err = PssError;

    /// Parses `latest` or `v1.N` with no leading zeros, exactly the values the
    /// admission plugin accepts in a `-version` label.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let bad = || PssError::UnknownVersion(s.to_owned());
        let digits = s.strip_prefix("v1.").ok_or_else(bad)?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(bad());
        }
        digits.parse().map(Version::V1).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_the_label_regexp() {
        assert_eq!("latest".parse::<Version>().unwrap(), Version::Latest);
        assert_eq!("v1.0".parse::<Version>().unwrap(), Version::V1(0));
        assert_eq!("v1.37".parse::<Version>().unwrap(), Version::V1(37));
        assert_eq!("v1.99".parse::<Version>().unwrap(), Version::V1(99));
        for bad in [
            "",
            "1.25",
            "v1.",
            "v1.025",
            "v2.0",
            "v1.2.3",
            "Latest",
            "v1.-1",
            "v1.99999999999",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn future_versions_use_the_latest_checks() {
        assert_eq!(Version::V1(99).effective_minor(), LATEST_MINOR);
        assert!(Version::V1(99).is_future());
        assert!(!Version::Latest.is_future());
        assert_eq!(Version::V1(20).effective_minor(), 20);
        assert!(Version::V1(99).order_key() < Version::Latest.order_key());
    }
}
