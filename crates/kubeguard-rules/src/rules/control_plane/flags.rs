//! A control-plane component's command line, read from a container the way
//! the component reads it.
//!
//! The component is found by the basename of the command (`kube-apiserver`,
//! `/usr/local/bin/kube-apiserver`), behind one wrapper (`tini --
//! kube-apiserver`), or inside a shell script (`sh -c "exec kube-apiserver
//! ..."`). A container with only `args` is the component when its name, the
//! last path segment of its image repository, or (for a single-container
//! pod) the pod's `component` label names it: the image's entrypoint runs it.
//!
//! Flags are read as `spf13/pflag` and Go's `flag` package read them:
//! `--flag=value` and `--flag value`, a boolean flag without `=value` means
//! `true` and takes no separate value, words that are not flags are skipped,
//! and `--` ends the flags. Every occurrence is kept in order; how repeated
//! occurrences combine (last wins, lists append, maps merge) is decided by
//! the check that reads the flag.

use crate::image::ImageRef;
use kubeguard_core::workload::{Container, ContainerKind, PodSpec};
use kubeguard_core::{Located, Node};
use std::borrow::Cow;

/// A control-plane component: how kubeguard recognises its containers and
/// how the component reads its flags.
#[derive(Debug)]
pub(super) struct Component {
    /// The binary, matched against the basename of the command.
    pub binary: &'static str,
    /// Boolean flags: written without `=value` they mean `true` and do not
    /// take the next word as their value.
    pub bool_flags: &'static [&'static str],
    /// Prefix of environment variables that set flags (`ETCD_` for etcd:
    /// `ETCD_CLIENT_CERT_AUTH` sets `--client-cert-auth`); flags on the
    /// command line win over them.
    pub env_prefix: Option<&'static str>,
    /// Whether `-flag` (one dash) is a flag too, as for Go's `flag` package.
    pub single_dash: bool,
    /// How a configuration file interacts with this component's flags,
    /// unless a check says otherwise.
    pub file: File,
}

/// How a configuration file named by another flag interacts with a flag.
#[derive(Debug, Clone, Copy)]
pub(super) enum File {
    /// No configuration file is involved.
    None,
    /// When one of these flags is set, the file supplies the value of an
    /// absent flag; a flag on the command line still wins.
    FillsAbsent(&'static [&'static str]),
    /// When one of these flags is set, the flag is ignored (or refused) and
    /// the file decides.
    Replaces(&'static [&'static str]),
}

/// How a flag was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Given {
    /// `--flag=value`, `--flag value`, or an environment variable's value.
    Value(String),
    /// `--flag` without a value.
    Bare,
    /// An environment variable whose value kubeguard cannot see (`valueFrom`).
    Unreadable,
}

/// One occurrence of a flag.
#[derive(Debug, Clone)]
pub(super) struct Occurrence<'a> {
    /// The flag's name, without dashes.
    pub name: String,
    /// Its value.
    pub given: Given,
    /// The `command`/`args` item it was written in, or its `env` entry.
    pub at: Located<'a>,
    /// The environment variable that set it, if it came from one.
    pub env: Option<&'a str>,
}

/// What the command line says about one flag.
#[derive(Debug)]
pub(super) enum Setting<'l, 'a> {
    /// Not given: the component's default applies.
    Absent,
    /// Possibly given where kubeguard cannot see it (`envFrom`).
    Unknown,
    /// Given: its occurrences in order (one, for an environment variable).
    Given(Vec<&'l Occurrence<'a>>),
}

/// A container's command line, as its component reads it.
#[derive(Debug)]
pub(super) struct CommandLine<'a> {
    occurrences: Vec<Occurrence<'a>>,
    /// `envFrom` may set flags through environment variables.
    env_from: bool,
    /// Where a finding about an absent flag points: `args` or `command`, or
    /// the shell script that runs the component.
    pub anchor: Located<'a>,
}

/// A word of the command line and the item it was written in.
struct Word<'a> {
    text: Cow<'a, str>,
    at: Located<'a>,
}

/// Shells whose `-c` script kubeguard reads.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "ksh", "zsh"];

/// Where the component's flags start in the container's argv.
enum Start {
    /// At this index of argv.
    Flags(usize),
    /// In the shell script at this index of argv.
    Script(usize),
}

impl<'a> CommandLine<'a> {
    /// The command line of `c` if it runs `component`.
    pub(super) fn of(component: &Component, pod: &PodSpec<'a>, c: &Container<'a>) -> Option<Self> {
        let non_empty = |key| {
            c.get(key)
                .filter(|l| l.node.as_seq().is_some_and(|s| !s.is_empty()))
        };
        let command = non_empty("command");
        let args = non_empty("args");
        let anchor = args.clone().or_else(|| command.clone())?;
        let start = if command.is_some() {
            locate(component.binary, command.as_ref(), args.as_ref())?
        } else if runs_by_entrypoint(component.binary, pod, c) {
            Start::Flags(0)
        } else {
            return None;
        };
        let argv: Vec<Word<'a>> = [command, args]
            .iter()
            .flatten()
            .flat_map(Located::items)
            .map(|at| Word {
                text: Cow::Borrowed(at.node.scalar_text().unwrap_or("")),
                at,
            })
            .collect();
        let (words, anchor) = match start {
            Start::Flags(i) => (argv.into_iter().skip(i).collect(), anchor),
            Start::Script(i) => {
                let script = argv.into_iter().nth(i)?;
                let words = shell_commands(&script.text)
                    .into_iter()
                    .find_map(|words| after_binary(words, component.binary))?;
                let words = words
                    .into_iter()
                    .map(|text| Word {
                        text: Cow::Owned(text),
                        at: script.at.clone(),
                    })
                    .collect();
                (words, script.at)
            }
        };
        let mut occurrences = parse(component, words);
        let mut env_from = false;
        if let Some(prefix) = component.env_prefix {
            occurrences.extend(env_occurrences(prefix, c));
            env_from = c
                .get("envFrom")
                .is_some_and(|l| l.node.as_seq().is_some_and(|s| !s.is_empty()));
        }
        Some(CommandLine {
            occurrences,
            env_from,
            anchor,
        })
    }

    /// What the command line says about `flag`: its occurrences on the
    /// command line, else the last environment variable that sets it.
    pub(super) fn get(&self, flag: &str) -> Setting<'_, 'a> {
        let on_line: Vec<_> = self
            .occurrences
            .iter()
            .filter(|o| o.env.is_none() && o.name == flag)
            .collect();
        if !on_line.is_empty() {
            return Setting::Given(on_line);
        }
        let env = self
            .occurrences
            .iter()
            .rev()
            .find(|o| o.env.is_some() && o.name == flag);
        match env {
            Some(o) => Setting::Given(vec![o]),
            None if self.env_from => Setting::Unknown,
            None => Setting::Absent,
        }
    }

    /// Whether `flag` is set to a non-empty value (or to one kubeguard
    /// cannot see).
    pub(super) fn is_set(&self, flag: &str) -> bool {
        match self.get(flag) {
            Setting::Given(occurrences) => occurrences.last().is_some_and(|o| match &o.given {
                Given::Value(v) => !v.is_empty(),
                Given::Bare => false,
                Given::Unreadable => true,
            }),
            Setting::Absent | Setting::Unknown => false,
        }
    }
}

/// The last path segment.
fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Finds `binary` in a container that has a `command`: the command itself,
/// behind one wrapper (`tini kube-apiserver`, `tini -- kube-apiserver`), or
/// in the script of `sh -c`.
fn locate<'a>(
    binary: &str,
    command: Option<&Located<'a>>,
    args: Option<&Located<'a>>,
) -> Option<Start> {
    let mut argv = [None; 3];
    let words = [command, args]
        .into_iter()
        .flatten()
        .flat_map(|l| l.node.items());
    for (slot, node) in argv.iter_mut().zip(words) {
        *slot = Some(node.scalar_text().unwrap_or(""));
    }
    let name = |i: usize| argv[i].map(basename);
    if name(0) == Some(binary) {
        return Some(Start::Flags(1));
    }
    if name(0).is_some_and(|s| SHELLS.contains(&s)) && argv[1].is_some_and(is_dash_c) {
        return argv[2].map(|_| Start::Script(2));
    }
    if name(1) == Some(binary) {
        return Some(Start::Flags(2));
    }
    if argv[1] == Some("--") && name(2) == Some(binary) {
        return Some(Start::Flags(3));
    }
    None
}

/// `-c`, or combined shell options that include it (`-ec`, `-xc`).
fn is_dash_c(word: &str) -> bool {
    word.strip_prefix('-').is_some_and(|opts| {
        !opts.is_empty() && opts.bytes().all(|b| b.is_ascii_alphabetic()) && opts.contains('c')
    })
}

/// Whether a container without `command` runs `binary` through its image's
/// entrypoint: its name or its image repository's last segment is the
/// binary, or it is the pod's only container and the pod's `component`
/// label names the binary.
fn runs_by_entrypoint(binary: &str, pod: &PodSpec<'_>, c: &Container<'_>) -> bool {
    if c.name == binary {
        return true;
    }
    if c.image()
        .is_some_and(|image| basename(&ImageRef::parse(image).repository) == binary)
    {
        return true;
    }
    let label = pod
        .metadata
        .as_ref()
        .and_then(|m| m.node.get_path(&["labels", "component"]))
        .and_then(Node::scalar_text);
    label == Some(binary)
        && c.kind == ContainerKind::Regular
        && pod
            .containers()
            .filter(|c| c.kind == ContainerKind::Regular)
            .count()
            == 1
}

/// Whether `word` is a flag rather than a value: `--x`, or `-x` with a
/// letter (so `-1` is a value).
fn looks_like_flag(word: &str) -> bool {
    word.strip_prefix('-').is_some_and(|rest| {
        rest.starts_with('-') || rest.starts_with(|c: char| c.is_ascii_alphabetic())
    })
}

/// The flag's text without its dashes, if `word` is a flag.
fn flag_body(word: &str, single_dash: bool) -> Option<&str> {
    match word.strip_prefix("--") {
        Some(body) => Some(body),
        None if single_dash && looks_like_flag(word) => word.strip_prefix('-'),
        None => None,
    }
}

/// Reads the flags from the words after the binary.
fn parse<'a>(component: &Component, words: Vec<Word<'a>>) -> Vec<Occurrence<'a>> {
    let mut out = Vec::new();
    let mut words = words.into_iter().peekable();
    while let Some(word) = words.next() {
        if word.text == "--" {
            break;
        }
        let Some(body) = flag_body(&word.text, component.single_dash) else {
            continue;
        };
        let (name, given) = match body.split_once('=') {
            Some((name, value)) => (name.to_owned(), Given::Value(value.to_owned())),
            None if component.bool_flags.contains(&body) => (body.to_owned(), Given::Bare),
            None => match words.next_if(|next| !looks_like_flag(&next.text)) {
                Some(value) => (body.to_owned(), Given::Value(value.text.into_owned())),
                None => (body.to_owned(), Given::Bare),
            },
        };
        if !name.is_empty() {
            out.push(Occurrence {
                name,
                given,
                at: word.at,
                env: None,
            });
        }
    }
    out
}

/// Flags set through environment variables named `<prefix><FLAG>`, with
/// `-` written as `_`.
fn env_occurrences<'a>(prefix: &str, c: &Container<'a>) -> Vec<Occurrence<'a>> {
    let Some(env) = c.get("env") else {
        return Vec::new();
    };
    env.items()
        .filter_map(|item| {
            let var = item.node.get("name").and_then(Node::as_str)?;
            let flag = var
                .strip_prefix(prefix)?
                .to_ascii_lowercase()
                .replace('_', "-");
            let (given, at) = match (item.get("value"), item.get("valueFrom")) {
                (Some(v), _) => (
                    Given::Value(v.node.scalar_text().unwrap_or("").to_owned()),
                    v,
                ),
                (None, Some(from)) => (Given::Unreadable, from),
                (None, None) => (Given::Value(String::new()), item),
            };
            Some(Occurrence {
                name: flag,
                given,
                at,
                env: Some(var),
            })
        })
        .collect()
}

/// The words after `binary` when `words` is a simple command running it,
/// possibly behind `exec`, `env`, `nohup`, `command` and `NAME=value`
/// assignments.
fn after_binary(words: Vec<String>, binary: &str) -> Option<Vec<String>> {
    let is_assignment = |w: &str| {
        w.split_once('=').is_some_and(|(name, _)| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    };
    let skip = words
        .iter()
        .take_while(|w| {
            matches!(w.as_str(), "exec" | "env" | "nohup" | "command") || is_assignment(w)
        })
        .count();
    if basename(words.get(skip)?) != binary {
        return None;
    }
    Some(words.into_iter().skip(skip + 1).collect())
}

/// Splits a shell script into simple commands, each a list of words, as a
/// POSIX shell would: single and double quotes, backslash escapes and line
/// continuations, `#` comments; `;`, `&`, `|`, `(`, `)` and newlines end a
/// command; redirections (`2>&1`, `> file`) are dropped. Expansions are
/// kept as written.
fn shell_commands(script: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let end_word = |words: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(next) => {
                    word.push(next);
                    in_word = true;
                }
            },
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`' | '\n')) => {
                            if let Some(escaped) = chars.next().filter(|&e| e != '\n') {
                                word.push(escaped);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '#' if !in_word => {
                chars.by_ref().take_while(|&c| c != '\n').for_each(drop);
                end_word(&mut words, &mut word, &mut in_word);
                commands.push(std::mem::take(&mut words));
            }
            '>' | '<' => {
                if in_word && word.bytes().all(|b| b.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                end_word(&mut words, &mut word, &mut in_word);
                chars.next_if(|&c| c == '>' || c == '&');
                while chars.next_if(|&c| c == ' ' || c == '\t').is_some() {}
                while chars
                    .next_if(|&c| !c.is_whitespace() && !matches!(c, ';' | '|' | '(' | ')'))
                    .is_some()
                {}
            }
            ';' | '&' | '|' | '(' | ')' | '\n' => {
                end_word(&mut words, &mut word, &mut in_word);
                commands.push(std::mem::take(&mut words));
            }
            c if c.is_whitespace() => end_word(&mut words, &mut word, &mut in_word),
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut words, &mut word, &mut in_word);
    commands.push(words);
    commands.retain(|c| !c.is_empty());
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_scripts_split_into_commands() {
        let script = "set -e; exec /usr/local/bin/kube-apiserver \\\n  --profiling=false --audit-log-path='/var/log/a b.log' \"--x=\\\"q\\\"\" 2>&1 | tee /tmp/log # done";
        let commands = shell_commands(script);
        assert_eq!(
            commands,
            vec![
                vec!["set", "-e"],
                vec![
                    "exec",
                    "/usr/local/bin/kube-apiserver",
                    "--profiling=false",
                    "--audit-log-path=/var/log/a b.log",
                    "--x=\"q\""
                ],
                vec!["tee", "/tmp/log"],
            ]
        );
        let words = commands
            .into_iter()
            .find_map(|c| after_binary(c, "kube-apiserver"));
        assert_eq!(
            words.unwrap(),
            vec![
                "--profiling=false",
                "--audit-log-path=/var/log/a b.log",
                "--x=\"q\""
            ]
        );
    }

    #[test]
    fn redirections_and_assignments_are_skipped() {
        let commands =
            shell_commands("GOGC=50 etcd --name=a >/var/log/etcd.log 2> err --auto-tls=false");
        assert_eq!(
            after_binary(commands[0].clone(), "etcd").unwrap(),
            vec!["--name=a", "--auto-tls=false"]
        );
        assert!(after_binary(vec!["etcdctl".into()], "etcd").is_none());
    }

    #[test]
    fn dash_c_may_be_combined_with_other_options() {
        assert!(is_dash_c("-c") && is_dash_c("-ec") && is_dash_c("-xec"));
        assert!(!is_dash_c("--c") && !is_dash_c("-e") && !is_dash_c("-"));
    }

    #[test]
    fn flags_are_told_from_values() {
        assert!(looks_like_flag("--x") && looks_like_flag("-v"));
        assert!(!looks_like_flag("-1") && !looks_like_flag("x") && !looks_like_flag("-"));
        assert_eq!(flag_body("-name", true), Some("name"));
        assert_eq!(flag_body("-name", false), None);
        assert_eq!(flag_body("--name=x", false), Some("name=x"));
    }
}

#[cfg(test)]
mod command_line_tests {
    use super::*;
    use kubeguard_core::Source;

    static APISERVER: Component = Component {
        binary: "kube-apiserver",
        bool_flags: &["profiling"],
        env_prefix: None,
        single_dash: false,
        file: File::None,
    };

    /// The flags `(name, value)` kube-apiserver reads from the only
    /// container of `pod_spec` (YAML of a pod's `spec`), if it runs it.
    fn flags(pod_spec: &str) -> Option<Vec<(String, Given)>> {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{pod_spec}");
        let loaded = kubeguard_load::load_source(Source::new("p.yaml", text));
        let obj = &loaded.objects[0];
        let pod = PodSpec::of(obj).unwrap();
        let c = pod.containers().next().unwrap();
        let line = CommandLine::of(&APISERVER, &pod, &c)?;
        Some(
            line.occurrences
                .into_iter()
                .map(|o| (o.name, o.given))
                .collect(),
        )
    }

    fn value(v: &str) -> Given {
        Given::Value(v.to_owned())
    }

    #[test]
    fn both_forms_and_bare_booleans() {
        let got = flags(
            "  containers:\n  - name: a\n    command: [kube-apiserver, --a=1, --b, '2', --profiling, 'false', --c, --d, -1, x, --, --e=3]\n",
        );
        assert_eq!(
            got.unwrap(),
            vec![
                ("a".into(), value("1")),
                ("b".into(), value("2")),
                ("profiling".into(), Given::Bare),
                ("c".into(), Given::Bare),
                ("d".into(), value("-1")),
            ]
        );
    }

    #[test]
    fn wrappers_and_entrypoints() {
        let hyperkube = "  containers:\n  - name: a\n    command: [/hyperkube, kube-apiserver]\n    args: [--a=1]\n";
        assert_eq!(flags(hyperkube).unwrap(), vec![("a".into(), value("1"))]);
        let by_image = "  containers:\n  - name: a\n    image: registry.k8s.io/kube-apiserver:v1.32.0\n    args: [--a=1]\n";
        assert_eq!(flags(by_image).unwrap(), vec![("a".into(), value("1"))]);
        let other_image = "  containers:\n  - name: a\n    image: nginx:1.27\n    args: [--a=1]\n";
        assert!(flags(other_image).is_none());
        let no_flags_seen = "  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.32.0\n";
        assert!(flags(no_flags_seen).is_none());
        let other_script =
            "  containers:\n  - name: a\n    command: [sh, -c, 'kube-apiserver-proxy --a=1']\n";
        assert!(flags(other_script).is_none());
    }
}
