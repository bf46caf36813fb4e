//! The one findings pipeline every command runs its findings through:
//! rule selection, severity overrides, suppressions (with warnings about
//! expired and unused ignores), sorting, and the `--fail-on` exit status.

use crate::baseline::Baseline;
use crate::catalog::{self, UnknownRule};
use crate::config::Config;
use crate::profile::Profile;
use crate::suppress::{ConfigIgnore, IGNORE_ANNOTATION, InlineIgnore, rule_matches};
use kubeguard_core::{Diagnostic, Finding, ObjectRef, RuleMeta, Severity};
use kubeguard_report::Triage;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Which rules run and how severe their findings are, by name or code.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Run only these; empty means every rule of `profile`, `all` every
    /// rule of every profile.
    pub select: Vec<String>,
    /// Never run these.
    pub ignore: Vec<String>,
    /// Severity overrides; a later entry for the same rule wins.
    pub severity: Vec<(String, Severity)>,
    /// The rules that run when `select` names none.
    pub profile: Profile,
}

/// What the command line adds to the configuration file.
#[derive(Debug, Clone, Default)]
pub struct CliPolicy {
    /// `--select`: replaces the config's `select` when not empty.
    pub select: Vec<String>,
    /// `--ignore`: added to the config's `disable`.
    pub ignore: Vec<String>,
    /// `--fail-on`: `Some(None)` never fails; `None` takes the config's.
    pub fail_on: Option<Option<Severity>>,
    /// `--report-unused-ignores`.
    pub report_unused_ignores: bool,
    /// `--severity`: report only findings at or above it.
    pub min_severity: Option<Severity>,
    /// `--namespace`: report only findings about objects in these.
    pub namespaces: Vec<String>,
    /// `--baseline`: findings recorded in it are not reported.
    pub baseline: Option<Arc<Baseline>>,
    /// `--write-baseline`: record the reported findings' fingerprints.
    pub record_baseline: bool,
    /// `--profile`: `None` takes the config's.
    pub profile: Option<Profile>,
}

/// Everything that decides what happens to a finding, resolved against
/// the catalog: shared by every command.
#[derive(Debug, Clone)]
pub struct Policy {
    selected: Option<HashSet<&'static str>>,
    profile: Profile,
    disabled: HashSet<&'static str>,
    severity: HashMap<&'static str, Severity>,
    ignores: Vec<ConfigIgnore>,
    /// The lowest severity that fails the run; `None` never fails.
    pub fail_on: Option<Severity>,
    report_unused_ignores: bool,
    today: time::Date,
    min_severity: Option<Severity>,
    namespaces: Vec<String>,
    baseline: Option<Arc<Baseline>>,
    record_baseline: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            selected: None,
            profile: Profile::default(),
            disabled: HashSet::new(),
            severity: HashMap::new(),
            ignores: Vec::new(),
            fail_on: Some(Severity::Low),
            report_unused_ignores: false,
            today: time::OffsetDateTime::now_utc().date(),
            min_severity: None,
            namespaces: Vec::new(),
            baseline: None,
            record_baseline: false,
        }
    }
}

impl Policy {
    /// A policy of a selection only: no ignores, failing at `low`.
    pub fn new(selection: &Selection) -> Result<Self, UnknownRule> {
        let names = |list: &[String]| -> Result<HashSet<&'static str>, UnknownRule> {
            list.iter()
                .filter(|n| *n != "all")
                .map(|n| catalog::resolve(n).map(|m| m.name))
                .collect()
        };
        let selected = names(&selection.select)?;
        let mut severity = HashMap::new();
        for (name, level) in &selection.severity {
            severity.insert(catalog::resolve(name)?.name, *level);
        }
        Ok(Policy {
            selected: (!selected.is_empty()).then_some(selected),
            // `all` asks for every rule, whatever the profile.
            profile: if selection.select.iter().any(|n| n == "all") {
                Profile::BestPractice
            } else {
                selection.profile
            },
            disabled: names(&selection.ignore)?,
            severity,
            ..Policy::default()
        })
    }

    /// The configuration file's policy with the command line's on top.
    pub fn from_config(config: &Config, cli: &CliPolicy) -> Result<Self, UnknownRule> {
        let selection = Selection {
            select: if cli.select.is_empty() {
                config.select.clone()
            } else {
                cli.select.clone()
            },
            ignore: config.disable.iter().chain(&cli.ignore).cloned().collect(),
            severity: config.severity.clone(),
            profile: cli.profile.or(config.profile).unwrap_or_default(),
        };
        Ok(Policy {
            ignores: config.ignores.clone(),
            fail_on: cli
                .fail_on
                .or(config.fail_on)
                .unwrap_or(Some(Severity::Low)),
            report_unused_ignores: cli.report_unused_ignores,
            min_severity: cli.min_severity,
            namespaces: cli.namespaces.clone(),
            baseline: cli.baseline.clone(),
            record_baseline: cli.record_baseline,
            ..Policy::new(&selection)?
        })
    }

    /// Adds `rule` to an explicit selection (a flag that asks for one
    /// engine, such as `--pss`, is not undone by `--select`); `disable`
    /// and `--ignore` still turn it off.
    pub fn also_select(&mut self, rule: &'static RuleMeta) {
        if let Some(selected) = &mut self.selected {
            selected.insert(rule.name);
        }
    }

    /// Whether findings of `rule` are reported (and so whether it runs):
    /// a rule named by `select` runs whatever the profile; with no rule
    /// named, the profile's rules run.
    #[must_use]
    pub fn enabled(&self, rule: &RuleMeta) -> bool {
        let chosen = match &self.selected {
            Some(s) => s.contains(rule.name),
            None => self.profile.includes(rule),
        };
        chosen && !self.disabled.contains(rule.name)
    }

    /// The profile whose rules run when `select` names none.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The severity findings of `rule` are reported at by default.
    #[must_use]
    pub fn severity(&self, rule: &RuleMeta) -> Severity {
        self.severity_override(rule).unwrap_or(rule.severity)
    }

    /// The severity the configuration sets for `rule`, if it sets one
    /// (engines may rate single findings above or below the default).
    #[must_use]
    pub fn severity_override(&self, rule: &RuleMeta) -> Option<Severity> {
        self.severity.get(rule.name).copied()
    }

    /// The enabled rules of `rules` (for SARIF descriptors and listings).
    #[must_use]
    pub fn enabled_of(&self, rules: &[&'static RuleMeta]) -> Vec<&'static RuleMeta> {
        rules.iter().copied().filter(|r| self.enabled(r)).collect()
    }

    /// Whether `--severity` or `--namespace` hides `f`.
    fn hides(&self, f: &Finding) -> bool {
        self.min_severity.is_some_and(|min| f.severity < min)
            || (!self.namespaces.is_empty()
                && !f
                    .object
                    .namespace
                    .as_ref()
                    .is_some_and(|ns| self.namespaces.contains(ns)))
    }

    /// Whether `--severity` or `--namespace` was given.
    fn filters(&self) -> bool {
        self.min_severity.is_some() || !self.namespaces.is_empty()
    }

    /// Whether a finding at `severity` fails the run.
    #[must_use]
    pub fn fails(&self, severity: Severity) -> bool {
        self.fail_on.is_some_and(|t| severity >= t)
    }
}

/// Sorts findings by file, position, rule and message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, a.pos, a.rule, &a.message).cmp(&(&b.file, b.pos, b.rule, &b.message))
    });
}

type ObjectKey = (Arc<str>, Arc<ObjectRef>);

/// A `kubeguard.io/ignore` annotation, with which of its rules matched.
#[derive(Debug)]
struct Inline {
    /// Registration order, for the order of warnings.
    order: usize,
    ignore: InlineIgnore,
    used: Vec<bool>,
}

/// Findings passing through the policy, batch by batch, with the tallies
/// the exit status and the summary need.
#[derive(Debug)]
pub struct Pipeline<'p> {
    policy: &'p Policy,
    active: Vec<&'p ConfigIgnore>,
    config_used: Vec<bool>,
    inline: HashMap<ObjectKey, Vec<Inline>>,
    inline_count: usize,
    /// Objects whose annotations were registered since the last
    /// [`Pipeline::settle_inline`].
    recent: Vec<ObjectKey>,
    /// Warnings about settled annotations, with their registration order.
    settled: Vec<(usize, Diagnostic)>,
    suppressed: usize,
    failing: bool,
    /// Findings hidden by `--severity` and `--namespace`.
    filtered: usize,
    /// What is left of `--baseline` (occurrences not seen yet).
    baseline: Option<Baseline>,
    /// Findings found in the baseline.
    baselined: usize,
    /// Fingerprints of the reported findings, for `--write-baseline`.
    recorded: Option<Baseline>,
}

/// What the pipeline concluded when the run ended.
#[derive(Debug)]
pub struct Outcome {
    /// Expired ignores, and (when asked) ignores that matched nothing.
    pub warnings: Vec<Diagnostic>,
    /// Findings removed by ignores.
    pub suppressed: usize,
    /// A reported finding is at or above `--fail-on`.
    pub failing: bool,
    /// What `--severity`, `--namespace` and `--baseline` held back.
    pub triage: Triage,
    /// The baseline to write, when `--write-baseline` asked for one:
    /// every finding that passed the ignores and filters, baselined or not.
    pub recorded: Option<Baseline>,
}

impl Outcome {
    /// The exit status: 2 when the analysis is incomplete (`errors`), 1
    /// when a finding fails the run, else 0.
    #[must_use]
    pub fn exit_code(&self, errors: bool) -> u8 {
        if errors { 2 } else { u8::from(self.failing) }
    }
}

impl<'p> Pipeline<'p> {
    /// A pipeline applying `policy`.
    #[must_use]
    pub fn new(policy: &'p Policy) -> Self {
        let active: Vec<&ConfigIgnore> = policy
            .ignores
            .iter()
            .filter(|c| c.expires.is_none_or(|d| d >= policy.today))
            .collect();
        Pipeline {
            policy,
            config_used: vec![false; active.len()],
            active,
            inline: HashMap::new(),
            inline_count: 0,
            recent: Vec::new(),
            settled: Vec::new(),
            suppressed: 0,
            failing: false,
            filtered: 0,
            baseline: policy.baseline.as_deref().cloned(),
            baselined: 0,
            recorded: policy.record_baseline.then(Baseline::default),
        }
    }

    /// Registers `kubeguard.io/ignore` annotations; they apply to every
    /// later finding about the same object.
    pub fn add_inline(&mut self, ignores: impl IntoIterator<Item = InlineIgnore>) {
        for ig in ignores {
            let key = (Arc::clone(&ig.file), Arc::clone(&ig.object));
            let inline = Inline {
                order: self.inline_count,
                used: vec![false; ig.rules.len()],
                ignore: ig,
            };
            self.inline_count += 1;
            let list = self.inline.entry(key).or_default();
            if list.is_empty() {
                self.recent.push((
                    Arc::clone(&inline.ignore.file),
                    Arc::clone(&inline.ignore.object),
                ));
            }
            list.push(inline);
        }
    }

    /// Forgets the annotations registered since the last call that no
    /// later finding can be about (`keep` says which still can), noting
    /// those that matched nothing: a streaming scan calls this after each
    /// input's findings, so that annotations do not pile up.
    pub fn settle_inline(&mut self, keep: impl Fn(&str, &ObjectRef) -> bool) {
        for key in std::mem::take(&mut self.recent) {
            if keep(&key.0, &key.1) {
                continue;
            }
            if let Some(list) = self.inline.remove(&key) {
                for inline in list {
                    self.note_unused(&inline);
                }
            }
        }
    }

    /// Notes the rules of `inline` that matched nothing, when asked to.
    fn note_unused(&mut self, inline: &Inline) {
        if !self.policy.report_unused_ignores {
            return;
        }
        let ig = &inline.ignore;
        for (rule, used) in ig.rules.iter().zip(&inline.used) {
            if !used {
                self.settled.push((
                    inline.order,
                    Diagnostic::new(
                        &*ig.file,
                        ig.pos,
                        format!(
                            "{IGNORE_ANNOTATION} of {rule} on {} matched no finding; remove it",
                            ig.object
                        ),
                    ),
                ));
            }
        }
    }

    /// Applies selection, severity overrides and suppressions to one
    /// finding; `false` when it is not reported.
    pub fn admit(&mut self, f: &mut Finding) -> bool {
        let Some(meta) = catalog::find(f.code) else {
            return true;
        };
        if !self.policy.enabled(meta) {
            return false;
        }
        if let Some(severity) = self.policy.severity_override(meta) {
            f.severity = severity;
        }
        let mut hit = false;
        if !self.inline.is_empty() {
            let key = (Arc::clone(f.object_file()), Arc::clone(&f.object));
            if let Some(list) = self.inline.get_mut(&key) {
                for inline in list {
                    let rules = inline.ignore.rules.iter();
                    for (rule, used) in rules.zip(inline.used.iter_mut()) {
                        if rule_matches(rule, f) {
                            *used = true;
                            hit = true;
                        }
                    }
                }
            }
        }
        for (c, used) in self.active.iter().zip(self.config_used.iter_mut()) {
            if c.matches(f) {
                *used = true;
                hit = true;
            }
        }
        if hit {
            self.suppressed += 1;
            return false;
        }
        if self.policy.hides(f) {
            self.filtered += 1;
            return false;
        }
        if let Some(recorded) = &mut self.recorded {
            recorded.add(f);
        }
        if let Some(baseline) = &mut self.baseline
            && baseline.take(f)
        {
            self.baselined += 1;
            return false;
        }
        self.failing |= self.policy.fails(f.severity);
        true
    }

    /// Admits a batch and sorts what is kept.
    #[must_use]
    pub fn process(&mut self, mut batch: Vec<Finding>) -> Vec<Finding> {
        batch.retain_mut(|f| self.admit(f));
        sort(&mut batch);
        batch
    }

    /// Ends the run: expired ignores always, unused ones when asked.
    #[must_use]
    pub fn finish(mut self) -> Outcome {
        let policy = self.policy;
        let mut warnings = Vec::new();
        for c in policy
            .ignores
            .iter()
            .filter(|c| c.expires.is_some_and(|d| d < policy.today))
        {
            warnings.push(Diagnostic::new(
                &c.origin.file,
                c.origin.pos,
                format!(
                    "ignore of {} expired on {}; it no longer applies (reason given: {})",
                    c.rule,
                    c.expires.map(|d| d.to_string()).unwrap_or_default(),
                    c.reason
                ),
            ));
        }
        if policy.report_unused_ignores {
            for (c, used) in self.active.iter().zip(&self.config_used) {
                if !used {
                    warnings.push(Diagnostic::new(
                        &c.origin.file,
                        c.origin.pos,
                        format!("ignore of {} matched no finding; remove it", c.rule),
                    ));
                }
            }
            let mut remaining: Vec<Inline> = std::mem::take(&mut self.inline)
                .into_values()
                .flatten()
                .collect();
            remaining.sort_by_key(|inline| inline.order);
            for inline in &remaining {
                self.note_unused(inline);
            }
            self.settled.sort_by_key(|(order, _)| *order);
            warnings.extend(self.settled.into_iter().map(|(_, d)| d));
        }
        Outcome {
            warnings,
            suppressed: self.suppressed,
            failing: self.failing,
            triage: Triage {
                filtered: policy.filters().then_some(self.filtered),
                baselined: self.baseline.as_ref().map(|_| self.baselined),
                fixed: self.baseline.as_ref().map(Baseline::len),
            },
            recorded: self.recorded,
        }
    }
}
