//! The parameterised check behind every control-plane rule: one flag of one
//! component and what its value must satisfy, with the component's default
//! standing in for an absent flag.

use super::describe;
use super::flags::{CommandLine, Component, File, Given, Occurrence, Setting};
use crate::{Ctx, ObjectCheck};
use kubeguard_cis::STRONG_CIPHERS_APISERVER;
use kubeguard_core::workload::PodSpec;
use kubeguard_core::{Located, Object};
use std::cmp::Ordering;
use std::net::IpAddr;

/// What a flag's value must satisfy. Scalar flags take their last
/// occurrence; list flags (`Includes`, `Excludes`, `StrongCiphers`) append
/// repeated occurrences as pflag's string slices do, the first replacing the
/// default; `--feature-gates` merges them, later gates winning.
#[derive(Debug)]
pub(super) enum Require {
    /// A boolean that must have this value (Go's `strconv.ParseBool` spellings).
    Bool(bool),
    /// A flag that must be given, with a value that is not empty.
    Set,
    /// Like `Set`, for a flag whose absence is a deviation from the CIS
    /// Benchmark rather than a risk: the component falls back on something
    /// sound, which this says (for messages).
    Explicit(&'static str),
    /// An integer that must be given and be above 0: 0 or less turns off
    /// what the flag sizes, which this names (for messages).
    SetPositive(&'static str),
    /// Like `Set`, unless this boolean flag is `true` (it provides the
    /// value another way).
    SetUnless(&'static str),
    /// A flag that must not be set (or be empty).
    Unset,
    /// An integer that must have this value.
    Int(i64),
    /// An integer of at least this value.
    AtLeast(i64),
    /// An integer of at least this value, or 0 (no limit, or the built-in size).
    ZeroOrAtLeast(i64),
    /// An IP address on the loopback interface.
    Loopback,
    /// A Go duration greater than zero.
    PositiveDuration,
    /// A comma-separated list that must include this item.
    Includes(&'static str),
    /// A comma-separated list that must not include this item.
    Excludes(&'static str),
    /// A value that must be something else than this.
    NotEqual(&'static str),
    /// A cipher suite list of strong suites only; absent, Go's defaults
    /// (which include CBC-mode suites) apply.
    StrongCiphers,
    /// A `--feature-gates` gate that must not be turned off (it defaults on).
    GateNotFalse(&'static str),
    /// No admission plugin of kube-apiserver in both
    /// `--enable-admission-plugins` and `--disable-admission-plugins`.
    PluginConflict,
    /// An admission plugin of kube-apiserver that must (or must not) be
    /// enabled, worked out from `--enable-admission-plugins`,
    /// `--disable-admission-plugins`, the deprecated `--admission-control`
    /// (which replaces the default set) and the default set.
    Plugin {
        /// The plugin's name.
        name: &'static str,
        /// Whether kube-apiserver enables it by default.
        on_by_default: bool,
        /// Whether it must be enabled.
        enabled: bool,
    },
}

/// One rule's check: a flag of a component and what it must satisfy.
#[derive(Debug)]
pub(super) struct FlagCheck {
    /// The component whose containers are checked.
    pub component: &'static Component,
    /// The flag, without dashes.
    pub flag: &'static str,
    /// What its value must satisfy.
    pub require: Require,
    /// The component's default for an absent flag (`None`: unset).
    pub default: Option<&'static str>,
    /// Overrides the component's configuration file handling.
    pub file: Option<File>,
}

impl ObjectCheck for FlagCheck {
    fn check(&self, obj: &Object, cx: &mut Ctx<'_>) {
        let Some(pod) = PodSpec::of(obj) else {
            return;
        };
        for c in pod.containers() {
            let Some(line) = CommandLine::of(self.component, &pod, &c) else {
                continue;
            };
            if let Some((at, problem)) = self.evaluate(&line) {
                cx.report(
                    &at,
                    format!("{} in {}: {problem}", self.component.binary, describe(&c)),
                );
            }
        }
    }
}

/// A value as the check sees it, with where it came from.
struct Current<'l, 'a> {
    /// The value's text (the default's, for an absent flag).
    text: Option<String>,
    /// The occurrence it came from; `None` for an absent flag.
    from: Option<&'l Occurrence<'a>>,
}

impl FlagCheck {
    /// The problem with `line`, if any, and where it is.
    fn evaluate<'a>(&self, line: &CommandLine<'a>) -> Option<(Located<'a>, String)> {
        let file = self.file.unwrap_or(self.component.file);
        let file_set = |flags: &[&str]| flags.iter().any(|f| line.is_set(f));
        if matches!(file, File::Replaces(flags) if file_set(flags)) {
            return None;
        }
        if let Require::Plugin {
            name,
            on_by_default,
            enabled,
        } = self.require
        {
            return plugin(line, name, on_by_default, enabled);
        }
        if let Require::PluginConflict = self.require {
            return plugin_conflict(line);
        }
        let occurrences = match line.get(self.flag) {
            Setting::Unknown => return None,
            Setting::Absent if matches!(file, File::FillsAbsent(flags) if file_set(flags)) => {
                return None;
            }
            Setting::Absent => Vec::new(),
            Setting::Given(occurrences) => occurrences,
        };
        if occurrences.iter().any(|o| o.given == Given::Unreadable) {
            return None;
        }
        match self.require {
            Require::Includes(_) | Require::Excludes(_) | Require::StrongCiphers => {
                self.list(line, &occurrences)
            }
            Require::GateNotFalse(gate) => gate_off(gate, &occurrences).map(|o| {
                let problem = format!("{} sets {gate}=false; the gate must be true", self.shown(o));
                (o.at.clone(), problem)
            }),
            _ => {
                let current = Current {
                    text: match occurrences.last() {
                        Some(o) => Some(self.text_of(o)),
                        None => self.default.map(str::to_owned),
                    },
                    from: occurrences.last().copied(),
                };
                let ok = self.scalar_ok(line, &current);
                let at = current
                    .from
                    .map_or_else(|| line.anchor.clone(), |o| o.at.clone());
                (!ok).then(|| {
                    (
                        at,
                        format!("{}; {}", self.state(&current), self.requirement()),
                    )
                })
            }
        }
    }

    /// The text of an occurrence: a bare boolean flag means `true`.
    fn text_of(&self, o: &Occurrence<'_>) -> String {
        match &o.given {
            Given::Value(v) => v.clone(),
            Given::Bare if matches!(self.require, Require::Bool(_)) => "true".to_owned(),
            Given::Bare | Given::Unreadable => String::new(),
        }
    }

    /// Whether a scalar value passes.
    fn scalar_ok(&self, line: &CommandLine<'_>, current: &Current<'_, '_>) -> bool {
        let text = current.text.as_deref().unwrap_or("");
        let given = current.from.is_some() && !text.is_empty();
        match self.require {
            Require::Bool(want) => parse_bool(text) == Some(want),
            Require::Set | Require::Explicit(_) => given,
            Require::SetPositive(_) => given && text.parse::<i64>().is_ok_and(|n| n > 0),
            Require::SetUnless(flag) => given || is_true(line, flag),
            Require::Unset => text.is_empty(),
            Require::Int(want) => text.parse::<i64>() == Ok(want),
            Require::AtLeast(min) => text.parse::<i64>().is_ok_and(|n| n >= min),
            Require::ZeroOrAtLeast(min) => text.parse::<i64>().is_ok_and(|n| n == 0 || n >= min),
            Require::Loopback => text.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()),
            Require::PositiveDuration => duration_sign(text) == Some(Ordering::Greater),
            Require::NotEqual(bad) => text != bad,
            Require::Includes(_)
            | Require::Excludes(_)
            | Require::StrongCiphers
            | Require::GateNotFalse(_)
            | Require::Plugin { .. }
            | Require::PluginConflict => true,
        }
    }

    /// `--flag`, naming the environment variable that set it.
    fn shown(&self, o: &Occurrence<'_>) -> String {
        match o.env {
            Some(var) => format!("--{} (set by {var})", self.flag),
            None => format!("--{}", self.flag),
        }
    }

    /// What the flag is now: its value, or that it is unset and defaults.
    /// Only values of checked kinds are shown (booleans, numbers, addresses,
    /// durations, lists of names), never file paths.
    fn state(&self, current: &Current<'_, '_>) -> String {
        let flag = self.flag;
        let shows_value = !matches!(
            self.require,
            Require::Set | Require::Explicit(_) | Require::SetUnless(_) | Require::Unset
        );
        match (current.from, current.text.as_deref()) {
            (None, Some(default)) => format!("--{flag} is not set and defaults to {default}"),
            (None, None) => format!("--{flag} is not set"),
            (Some(o), _) if o.given == Given::Bare && !matches!(self.require, Require::Bool(_)) => {
                format!("{} is given without a value", self.shown(o))
            }
            (Some(o), Some("")) => format!("{} is empty", self.shown(o)),
            (Some(o), Some(text)) if shows_value => format!("{} is {text}", self.shown(o)),
            (Some(o), _) => format!("{} is set", self.shown(o)),
        }
    }

    /// What the flag must be, for messages.
    fn requirement(&self) -> String {
        match self.require {
            Require::Bool(want) => format!("it must be {want}"),
            Require::Set => "it must be set".to_owned(),
            Require::Explicit(fallback) => format!(
                "a deviation from the CIS Benchmark, which asks for it explicitly, not a risk: {fallback}"
            ),
            Require::SetPositive(what) => {
                format!("it must be set above 0 (0 or less turns off {what})")
            }
            Require::SetUnless(flag) => format!("it must be set (or --{flag}=true)"),
            Require::Int(want) => format!("it must be {want}"),
            Require::Unset => "it must not be set".to_owned(),
            Require::AtLeast(min) | Require::ZeroOrAtLeast(min) => {
                format!("it must be at least {min}")
            }
            Require::Loopback => "it must be a loopback address such as 127.0.0.1".to_owned(),
            Require::PositiveDuration => "it must be a positive duration such as 5m".to_owned(),
            Require::Includes(item) => format!("it must include {item}"),
            Require::Excludes(item) => format!("it must not include {item}"),
            Require::NotEqual(item) => format!("it must not be {item}"),
            Require::StrongCiphers => "it must list only strong suites (ECDHE with AES-GCM or \
                 ChaCha20-Poly1305, or TLS 1.3 suites)"
                .to_owned(),
            Require::GateNotFalse(_) | Require::Plugin { .. } | Require::PluginConflict => {
                String::new()
            }
        }
    }

    /// Checks a list flag.
    fn list<'a>(
        &self,
        line: &CommandLine<'a>,
        occurrences: &[&Occurrence<'a>],
    ) -> Option<(Located<'a>, String)> {
        let items = list_items(occurrences);
        let given = !occurrences.is_empty() && !items.is_empty();
        let last_at = || {
            occurrences
                .last()
                .map_or_else(|| line.anchor.clone(), |o| o.at.clone())
        };
        let state = || match occurrences.last() {
            Some(o) if given => format!("{} is {}", self.shown(o), join(&items)),
            _ => match self.default {
                Some(default) => format!("--{} is not set and defaults to {default}", self.flag),
                None => format!("--{} is not set", self.flag),
            },
        };
        let items: Vec<(&str, Option<&Occurrence<'a>>)> = if given {
            items
                .iter()
                .map(|(item, o)| (item.as_str(), Some(*o)))
                .collect()
        } else {
            self.default
                .into_iter()
                .flat_map(|d| d.split(','))
                .map(|item| (item, None))
                .collect()
        };
        match self.require {
            Require::Includes(want) if !items.iter().any(|(item, _)| *item == want) => {
                Some((last_at(), format!("{}; {}", state(), self.requirement())))
            }
            Require::Excludes(bad) => {
                let (_, from) = items.iter().find(|(item, _)| *item == bad)?;
                let at = from.map_or_else(|| line.anchor.clone(), |o| o.at.clone());
                Some((at, format!("{}; {}", state(), self.requirement())))
            }
            Require::StrongCiphers if !given => Some((
                line.anchor.clone(),
                format!(
                    "--{} is not set, so Go's default suites, which include CBC-mode suites, are accepted; {}",
                    self.flag,
                    self.requirement()
                ),
            )),
            Require::StrongCiphers => {
                let weak: Vec<_> = items
                    .iter()
                    .filter(|(item, _)| !STRONG_CIPHERS_APISERVER.contains(item))
                    .collect();
                let (_, from) = weak.first()?;
                let at = from.map_or_else(|| line.anchor.clone(), |o| o.at.clone());
                let names: Vec<&str> = weak.iter().map(|(item, _)| *item).collect();
                Some((
                    at,
                    format!(
                        "--{} allows {}; {}",
                        self.flag,
                        names.join(", "),
                        self.requirement()
                    ),
                ))
            }
            _ => None,
        }
    }
}

/// The items of a list flag's occurrences, appended in order, each with the
/// occurrence that gave it.
fn list_items<'l, 'a>(occurrences: &[&'l Occurrence<'a>]) -> Vec<(String, &'l Occurrence<'a>)> {
    occurrences
        .iter()
        .flat_map(|o| {
            let text = match &o.given {
                Given::Value(v) => v.as_str(),
                Given::Bare | Given::Unreadable => "",
            };
            text.split(',')
                .filter(|item| !item.is_empty())
                .map(move |item| (item.to_owned(), *o))
        })
        .collect()
}

/// `a,b,c`.
fn join(items: &[(String, &Occurrence<'_>)]) -> String {
    items
        .iter()
        .map(|(item, _)| item.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The occurrence of `--feature-gates` that last sets `gate`, if it turns
/// it off. Gates merge across occurrences; names and values are trimmed.
fn gate_off<'l, 'a>(gate: &str, occurrences: &[&'l Occurrence<'a>]) -> Option<&'l Occurrence<'a>> {
    let mut last = None;
    for o in occurrences {
        let Given::Value(text) = &o.given else {
            continue;
        };
        for pair in text.split(',') {
            if let Some((name, value)) = pair.split_once('=')
                && name.trim() == gate
            {
                last = Some((*o, parse_bool(value.trim())));
            }
        }
    }
    last.filter(|(_, value)| *value == Some(false))
        .map(|(o, _)| o)
}

/// Whether the admission plugin `name` is enabled as required.
fn plugin<'a>(
    line: &CommandLine<'a>,
    name: &str,
    on_by_default: bool,
    want_enabled: bool,
) -> Option<(Located<'a>, String)> {
    let list = |flag| match line.get(flag) {
        Setting::Given(occurrences) => occurrences,
        Setting::Absent | Setting::Unknown => Vec::new(),
    };
    let containing = |occurrences: &[&Occurrence<'a>]| {
        list_items(occurrences)
            .into_iter()
            .rev()
            .find(|(item, _)| item == name)
            .map(|(_, o)| o.at.clone())
    };
    let last = |occurrences: &[&Occurrence<'a>]| occurrences.last().map(|o| o.at.clone());
    let legacy = list("admission-control");
    let enable = list("enable-admission-plugins");
    let disable = list("disable-admission-plugins");
    let (enabled, at, why) = if !legacy.is_empty() {
        match containing(&legacy) {
            Some(at) => (true, at, "is listed in --admission-control"),
            None => (
                false,
                last(&legacy)?,
                "is not in --admission-control, which replaces the default plugin list",
            ),
        }
    } else if let Some(at) = containing(&enable) {
        (true, at, "is enabled by --enable-admission-plugins")
    } else if let Some(at) = containing(&disable) {
        (false, at, "is disabled by --disable-admission-plugins")
    } else if on_by_default {
        (true, line.anchor.clone(), "is enabled by default")
    } else {
        let at = last(&enable).unwrap_or_else(|| line.anchor.clone());
        (
            false,
            at,
            "is off by default and not in --enable-admission-plugins",
        )
    };
    (enabled != want_enabled).then(|| {
        let must = if want_enabled {
            "it must be enabled"
        } else {
            "it must not be enabled"
        };
        (at, format!("admission plugin {name} {why}; {must}"))
    })
}

/// The first admission plugin `--disable-admission-plugins` names that
/// `--enable-admission-plugins` also names: kube-apiserver refuses to
/// start with such a pair.
fn plugin_conflict<'a>(line: &CommandLine<'a>) -> Option<(Located<'a>, String)> {
    let list = |flag| match line.get(flag) {
        Setting::Given(occurrences) => occurrences,
        Setting::Absent | Setting::Unknown => Vec::new(),
    };
    let enable = list("enable-admission-plugins");
    let disable = list("disable-admission-plugins");
    let enabled: Vec<String> = list_items(&enable).into_iter().map(|(i, _)| i).collect();
    list_items(&disable)
        .into_iter()
        .find(|(item, _)| enabled.contains(item))
        .map(|(item, o)| {
            (
                o.at.clone(),
                format!(
                    "admission plugin {item} is in both --enable-admission-plugins and --disable-admission-plugins: kube-apiserver refuses to start"
                ),
            )
        })
}

/// Whether the boolean flag `flag` is `true` on the command line.
fn is_true(line: &CommandLine<'_>, flag: &str) -> bool {
    match line.get(flag) {
        Setting::Given(occurrences) => occurrences.last().is_some_and(|o| match &o.given {
            Given::Value(v) => parse_bool(v) == Some(true),
            Given::Bare => true,
            Given::Unreadable => false,
        }),
        Setting::Absent | Setting::Unknown => false,
    }
}

/// A boolean as Go's `strconv.ParseBool` reads it.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The sign of a Go duration (`4h`, `1m30s`, `0`, `-5s`), or `None` if it
/// is not one.
fn duration_sign(text: &str) -> Option<Ordering> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(Ordering::Equal);
    }
    if rest.is_empty() {
        return None;
    }
    let mut nonzero = false;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..unit_len],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return None;
        }
        rest = &rest[unit_len..];
        nonzero |= number > 0.0;
    }
    Some(match (nonzero, negative) {
        (false, _) => Ordering::Equal,
        (true, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(duration_sign("0"), Some(Ordering::Equal));
        assert_eq!(duration_sign("0s"), Some(Ordering::Equal));
        assert_eq!(duration_sign("0h0m0s"), Some(Ordering::Equal));
        assert_eq!(duration_sign("4h0m0s"), Some(Ordering::Greater));
        assert_eq!(duration_sign("1.5m"), Some(Ordering::Greater));
        assert_eq!(duration_sign("-5s"), Some(Ordering::Less));
        assert_eq!(duration_sign("5"), None);
        assert_eq!(duration_sign("5x"), None);
        assert_eq!(duration_sign(""), None);
    }

    #[test]
    fn go_booleans() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
