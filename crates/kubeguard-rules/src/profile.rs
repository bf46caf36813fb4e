//! Rule profiles: which rules run when none are selected by name.
//!
//! `security` (the default) holds every rule whose finding is a weakness an
//! attacker can use or a defence that limits the damage of one.
//! `best-practice` adds the rules about hygiene, reliability and efficiency:
//! findings worth fixing that open no way in by themselves. Rules named by
//! `select` run whatever the profile. `docs/profiles.md` lists both.

use kubeguard_core::RuleMeta;
use std::fmt;
use std::str::FromStr;

/// A set of rules run when `select` names none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// The security rules (the default).
    #[default]
    Security,
    /// The security rules and the best-practice ones.
    BestPractice,
}

/// The rules only the `best-practice` profile runs.
pub const BEST_PRACTICE_RULES: &[&str] = &[
    "low-user-id",
    "missing-cpu-request",
    "missing-cpu-limit",
    "missing-memory-request",
    "missing-memory-limit",
    "missing-liveness-probe",
    "missing-readiness-probe",
    "image-without-digest",
    "image-pull-policy-not-always",
    "default-namespace",
    "deprecated-service-account-field",
    "namespace-without-resource-quota",
    "namespace-without-limit-range",
];

impl Profile {
    /// Every profile, in the order the docs list them.
    pub const ALL: [Profile; 2] = [Profile::Security, Profile::BestPractice];

    /// The name written in configuration and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Profile::Security => "security",
            Profile::BestPractice => "best-practice",
        }
    }

    /// Whether this profile runs `rule`.
    #[must_use]
    pub fn includes(self, rule: &RuleMeta) -> bool {
        self == Profile::BestPractice || !BEST_PRACTICE_RULES.contains(&rule.name)
    }

    /// The narrowest profile that runs `rule`.
    #[must_use]
    pub fn of(rule: &RuleMeta) -> Profile {
        if Profile::Security.includes(rule) {
            Profile::Security
        } else {
            Profile::BestPractice
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile {s:?}; expected security or best-practice"))
    }
}

#[cfg(test)]
mod tests {
    use super::{BEST_PRACTICE_RULES, Profile};
    use crate::registry;

    #[test]
    fn best_practice_rules_are_rules() {
        let names: Vec<&str> = registry::all().into_iter().map(|r| r.meta.name).collect();
        for rule in BEST_PRACTICE_RULES {
            assert!(names.contains(rule), "{rule} is no rule");
        }
    }

    #[test]
    fn names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>(), Ok(p));
        }
        assert!("all".parse::<Profile>().is_err());
    }
}
