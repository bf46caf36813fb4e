//! Deciding one check on one node: resolve the settings or stat the files
//! it names, compare with what the benchmark expects, and keep the
//! evidence (file and line, or process and flag).

use crate::check::{Cond, Files, Test};
use crate::config_file::ConfigFile;
use crate::host::{Host, Lookup, Resolved, io_reason};
use crate::process::Component;
use crate::setting::Setting;
use crate::settings::{
    CLIENT_CA_FILE, ENCRYPTION_CONFIG, ETCD_TRUSTED_CA, KUBELET_SERVER_TLS_BOOTSTRAP,
    KUBELET_STATIC_POD_PATH, KUBELET_TLS_CERT, KUBELET_TLS_KEY,
};
use serde::Serialize;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The node meets it.
    Pass,
    /// The node does not meet it.
    Fail,
    /// Needs a person: a manual check, or one that cannot be decided from
    /// the root (a file that exists only inside a container).
    Warn,
    /// Does not apply here (component absent, provider-controlled).
    Info,
}

impl Status {
    /// The upper-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::Info => "INFO",
        }
    }
}

/// What deciding a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The verdict.
    pub status: Status,
    /// What was read: `file:line`, or process and flag, or the files statted.
    pub evidence: String,
    /// What the benchmark expects.
    pub expected: String,
    /// What the node has.
    pub actual: String,
    /// The file and line a finding points at.
    pub file: String,
    /// The line in `file`.
    pub line: u32,
}

impl Outcome {
    fn new(status: Status, expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
        Outcome {
            status,
            evidence: String::new(),
            expected: expected.into(),
            actual: actual.into(),
            file: String::new(),
            line: 1,
        }
    }

    fn at(mut self, evidence: impl Into<String>, file: impl Into<String>, line: u32) -> Outcome {
        self.evidence = evidence.into();
        self.file = file.into();
        self.line = line;
        self
    }

    /// A verdict read at `file:line`.
    pub(crate) fn located(
        status: Status,
        expected: String,
        actual: String,
        evidence: String,
        file: String,
        line: u32,
    ) -> Outcome {
        Outcome::new(status, expected, actual).at(evidence, file, line)
    }

    /// Not decidable from the root: why.
    #[must_use]
    pub fn not_checkable(expected: impl Into<String>, why: impl Into<String>) -> Outcome {
        Outcome::new(
            Status::Warn,
            expected,
            format!("not checkable: {}", why.into()),
        )
    }

    /// Does not apply on this node: why.
    #[must_use]
    pub fn not_applicable(expected: impl Into<String>, why: impl Into<String>) -> Outcome {
        Outcome::new(
            Status::Info,
            expected,
            format!("not applicable: {}", why.into()),
        )
    }
}

/// Decides a test on a node.
#[must_use]
pub fn run(test: &Test, host: &Host) -> Outcome {
    match *test {
        Test::Manual => Outcome::new(Status::Warn, "review by hand", "manual check"),
        Test::Setting(component, setting, cond) => setting_test(host, component, setting, cond),
        Test::AllSet(component, settings) => all_set(host, component, settings),
        Test::Mode(files, max) => mode_test(host, files, max),
        Test::Owner(files, user, group) => owner_test(host, files, user, group),
        Test::Custom(f) => f(host),
    }
}

fn setting_test(host: &Host, component: Component, setting: &Setting, cond: Cond) -> Outcome {
    let expected = format!("{} {}", setting_name(setting), describe(cond));
    setting_outcome(host, component, setting, cond, expected)
}

/// Decides a condition on a setting's effective value, with the words for
/// what is expected.
pub(crate) fn setting_outcome(
    host: &Host,
    component: Component,
    setting: &Setting,
    cond: Cond,
    expected: String,
) -> Outcome {
    match host.resolve(component, setting) {
        Lookup::Found(r) => {
            let ok = holds(cond, r.value.as_deref());
            let actual = r.value.clone().unwrap_or_else(|| "not set".to_owned());
            from_resolved(host, &r, ok, expected, actual)
        }
        Lookup::NotRunning(c) => not_running(c, expected),
        Lookup::NotCheckable(why) => Outcome::not_checkable(expected, why),
    }
}

fn from_resolved(host: &Host, r: &Resolved, ok: bool, expected: String, actual: String) -> Outcome {
    let (file, line) = r.source.location(host);
    let status = if ok { Status::Pass } else { Status::Fail };
    Outcome::new(status, expected, actual).at(r.source.to_string(), file, line)
}

fn not_running(c: Component, expected: String) -> Outcome {
    Outcome::not_checkable(expected, format!("{c} is not running on this node"))
}

fn all_set(host: &Host, component: Component, settings: &[&Setting]) -> Outcome {
    let expected = settings
        .iter()
        .map(|s| setting_name(s))
        .collect::<Vec<_>>()
        .join(" and ")
        + " set";
    let mut actual = Vec::new();
    let mut evidence = Vec::new();
    let mut first_missing = None;
    let mut first = None;
    for s in settings {
        match host.resolve(component, s) {
            Lookup::Found(r) => {
                let set = r.value.as_deref().is_some_and(|v| !v.is_empty());
                actual.push(format!(
                    "--{}={}",
                    s.flag,
                    r.value.as_deref().unwrap_or("<unset>")
                ));
                let source = r.source.to_string();
                if !evidence.contains(&source) {
                    evidence.push(source);
                }
                if !set && first_missing.is_none() {
                    first_missing = Some(r.clone());
                }
                first.get_or_insert(r);
            }
            Lookup::NotRunning(c) => return not_running(c, expected),
            Lookup::NotCheckable(why) => return Outcome::not_checkable(expected, why),
        }
    }
    let ok = first_missing.is_none();
    let at = first_missing
        .or(first)
        .expect("a check names at least one setting");
    let (file, line) = at.source.location(host);
    Outcome::new(
        if ok { Status::Pass } else { Status::Fail },
        expected,
        actual.join(" "),
    )
    .at(evidence.join("; "), file, line)
}

/// A setting's flag, and its configuration file key when it has one:
/// `--anonymous-auth (authentication.anonymous.enabled)`.
fn setting_name(setting: &Setting) -> String {
    match setting.config {
        Some(key) => format!("--{} ({key})", setting.flag),
        None => format!("--{}", setting.flag),
    }
}

/// Whether a condition holds for a value (`None`: unset, no default).
#[must_use]
pub fn holds(cond: Cond, value: Option<&str>) -> bool {
    let list = || {
        value
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    match cond {
        Cond::Eq(want) => value.is_some_and(|v| v.eq_ignore_ascii_case(want)),
        Cond::NotEq(bad) => !value.is_some_and(|v| v.eq_ignore_ascii_case(bad)),
        Cond::Set => value.is_some_and(|v| !v.is_empty()),
        Cond::NotSet => value.is_none_or(str::is_empty),
        Cond::Has(item) => list().any(|i| i == item),
        Cond::NotHas(item) => !list().any(|i| i == item),
        Cond::AtLeast(n) => value
            .and_then(|v| v.trim().parse::<f64>().ok())
            .is_some_and(|v| v >= n as f64),
        Cond::NonZeroDuration => value.is_some_and(|v| !is_zero_duration(v)),
        Cond::GateNotFalse(gate) => !list().any(|g| {
            g.split_once('=')
                .is_some_and(|(k, v)| k.trim() == gate && v.trim().eq_ignore_ascii_case("false"))
        }),
        Cond::Loopback => value.is_some_and(is_loopback),
        Cond::OnlyFrom(allowed) => {
            value.is_some() && list().count() > 0 && list().all(|i| allowed.contains(&i))
        }
    }
}

/// What a condition expects, in words.
#[must_use]
pub fn describe(cond: Cond) -> String {
    match cond {
        Cond::Eq(v) => format!("= {v}"),
        Cond::NotEq(v) => format!("not {v}"),
        Cond::Set => "set".to_owned(),
        Cond::NotSet => "not set".to_owned(),
        Cond::Has(v) => format!("includes {v}"),
        Cond::NotHas(v) => format!("does not include {v}"),
        Cond::AtLeast(n) => format!(">= {n}"),
        Cond::NonZeroDuration => "not 0".to_owned(),
        Cond::GateNotFalse(g) => format!("does not set {g}=false"),
        Cond::Loopback => "a loopback address (127.0.0.1)".to_owned(),
        Cond::OnlyFrom(_) => "only strong cipher suites".to_owned(),
    }
}

/// A Go duration of zero (`0`, `0s`, `0h0m0s`).
fn is_zero_duration(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.chars()
            .all(|c| matches!(c, '0' | '.' | 'h' | 'm' | 's' | 'u' | 'n' | 'µ'))
}

/// Whether an address (`host` or `host:port`) is on the loopback interface.
fn is_loopback(v: &str) -> bool {
    let v = v.trim();
    let host = if let Some(rest) = v.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else if v.matches(':').count() == 1 {
        v.split(':').next().unwrap_or("")
    } else {
        v
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

/// The host paths a file check stats, or why there are none.
fn files(host: &Host, which: Files) -> Result<Vec<String>, Outcome> {
    let skip = |o: fn(String, String) -> Outcome, why: String| Err(o(String::new(), why));
    let na = |e: String, w: String| Outcome::not_applicable(e, w);
    let nc = |e: String, w: String| Outcome::not_checkable(e, w);
    match which {
        Files::StaticPod(name) => {
            let Some(dir) = static_pod_dir(host)? else {
                return skip(
                    na,
                    "the kubelet reads no static pod manifests (no staticPodPath)".to_owned(),
                );
            };
            let dir = dir.trim_end_matches('/');
            let found = [".yaml", ".yml", ".json", ".manifest"]
                .iter()
                .map(|ext| format!("{dir}/{name}{ext}"))
                .find(|p| host.root.stat(p).is_ok());
            match found {
                Some(p) => Ok(vec![p]),
                None => skip(
                    na,
                    format!("no {name} manifest in the kubelet's staticPodPath {dir}"),
                ),
            }
        }
        Files::Named(component, setting) => match host.resolve(component, setting) {
            Lookup::Found(Resolved {
                value: Some(path), ..
            }) if !path.is_empty() => {
                if !path.starts_with('/') {
                    return skip(
                        nc,
                        format!(
                            "{component} --{} {path} is relative to the process's working directory",
                            setting.flag
                        ),
                    );
                }
                match host.root.stat(&path) {
                    Ok(_) => Ok(vec![path]),
                    Err(e) => skip(
                        nc,
                        format!(
                            "{component} --{} {path}: {} under the root; it may exist only inside the component's container",
                            setting.flag,
                            io_reason(&e)
                        ),
                    ),
                }
            }
            Lookup::Found(_) => skip(na, format!("{component} does not set --{}", setting.flag)),
            Lookup::NotRunning(c) => skip(na, format!("{c} is not running on this node")),
            Lookup::NotCheckable(why) => skip(nc, why),
        },
        Files::Candidates(paths) => existing(host, paths.iter().map(|p| (*p).to_owned()).collect()),
        Files::KubeletUnits => {
            let mut paths: Vec<String> = [
                "/etc/systemd/system/kubelet.service",
                "/usr/lib/systemd/system/kubelet.service",
                "/lib/systemd/system/kubelet.service",
            ]
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
            for dir in [
                "/etc/systemd/system/kubelet.service.d",
                "/usr/lib/systemd/system/kubelet.service.d",
                "/lib/systemd/system/kubelet.service.d",
            ] {
                let dropins = host.root.read_dir(dir).unwrap_or_default();
                paths.extend(dropins.into_iter().filter(|p| p.ends_with(".conf")));
            }
            existing(host, paths)
        }
        Files::Pki(suffix) => {
            let dir = match host.resolve(Component::ApiServer, &CLIENT_CA_FILE) {
                Lookup::Found(Resolved {
                    value: Some(ca), ..
                }) if ca.starts_with('/') => ca
                    .rsplit_once('/')
                    .map_or("/".to_owned(), |(d, _)| d.to_owned()),
                _ => "/etc/kubernetes/pki".to_owned(),
            };
            let all = host
                .root
                .walk(&dir)
                .map_err(|e| nc(String::new(), format!("{dir}: {}", io_reason(&e))))?;
            let picked: Vec<String> = match suffix {
                Some(s) => all.into_iter().filter(|p| p.ends_with(s)).collect(),
                None => all,
            };
            if picked.is_empty() {
                return skip(na, format!("no {} files in {dir}", suffix.unwrap_or("")));
            }
            Ok(picked)
        }
        Files::CniConf => {
            let dir = "/etc/cni/net.d";
            let all = host.root.read_dir(dir).unwrap_or_default();
            if all.is_empty() {
                return skip(na, format!("no CNI configuration in {dir}"));
            }
            existing(host, all)
        }
    }
}

fn existing(host: &Host, paths: Vec<String>) -> Result<Vec<String>, Outcome> {
    let found: Vec<String> = paths
        .iter()
        .filter(|p| host.root.stat(p).is_ok())
        .cloned()
        .collect();
    if found.is_empty() {
        return Err(Outcome::not_checkable(
            String::new(),
            format!("none of {} exists under the root", paths.join(", ")),
        ));
    }
    Ok(found)
}

/// The kubelet's static pod directory, if it has one.
fn static_pod_dir(host: &Host) -> Result<Option<String>, Outcome> {
    match host.resolve(Component::Kubelet, &KUBELET_STATIC_POD_PATH) {
        Lookup::Found(r) => Ok(r.value.filter(|v| !v.is_empty())),
        Lookup::NotRunning(_) => Ok(Some("/etc/kubernetes/manifests".to_owned())),
        Lookup::NotCheckable(why) => Err(Outcome::not_checkable(String::new(), why)),
    }
}

/// The kubelet's static pod directory, for version detection.
#[must_use]
pub fn static_pod_path(host: &Host) -> Option<String> {
    static_pod_dir(host).ok().flatten()
}

fn with_expected(mut o: Outcome, expected: String) -> Outcome {
    o.expected = expected;
    o
}

fn mode_test(host: &Host, which: Files, max: u32) -> Outcome {
    let expected = format!("permissions {max:o} or stricter");
    let paths = match files(host, which) {
        Ok(p) => p,
        Err(o) => return with_expected(o, expected),
    };
    let mut bad = Vec::new();
    let mut modes = Vec::new();
    for p in &paths {
        match host.stat(p) {
            Ok(info) => {
                modes.push(format!("{p} {:o}", info.mode & 0o777));
                if info.mode & 0o777 & !max != 0 {
                    bad.push(format!("{p} {:o}", info.mode & 0o777));
                }
            }
            Err(e) => return Outcome::not_checkable(expected, format!("{p}: {}", io_reason(&e))),
        }
    }
    file_outcome(paths, bad, modes, expected)
}

fn owner_test(host: &Host, which: Files, user: &str, group: &str) -> Outcome {
    let expected = format!("owned by {user}:{group}");
    let paths = match files(host, which) {
        Ok(p) => p,
        Err(o) => return with_expected(o, expected),
    };
    let mut bad = Vec::new();
    let mut owners = Vec::new();
    for p in &paths {
        match host.stat(p) {
            Ok(info) => {
                let owner = format!(
                    "{p} {}:{}",
                    host.accounts.user_name(info.uid),
                    host.accounts.group_name(info.gid)
                );
                if !(host.accounts.is_user(info.uid, user)
                    && host.accounts.is_group(info.gid, group))
                {
                    bad.push(owner.clone());
                }
                owners.push(owner);
            }
            Err(e) => return Outcome::not_checkable(expected, format!("{p}: {}", io_reason(&e))),
        }
    }
    file_outcome(paths, bad, owners, expected)
}

/// Files shown in `actual` before the rest are counted.
const SHOWN_FILES: usize = 5;

fn file_outcome(
    paths: Vec<String>,
    bad: Vec<String>,
    seen: Vec<String>,
    expected: String,
) -> Outcome {
    let (status, shown) = if bad.is_empty() {
        (Status::Pass, seen)
    } else {
        (Status::Fail, bad)
    };
    let mut actual = shown
        .iter()
        .take(SHOWN_FILES)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if shown.len() > SHOWN_FILES {
        actual.push_str(&format!(" and {} more", shown.len() - SHOWN_FILES));
    }
    let first = shown
        .first()
        .and_then(|s| s.rsplit_once(' ').map(|(p, _)| p.to_owned()))
        .unwrap_or_else(|| paths[0].clone());
    let evidence = if paths.len() == 1 {
        paths[0].clone()
    } else {
        format!("{} files under {}", paths.len(), common_dir(&paths))
    };
    Outcome::new(status, expected, actual).at(evidence, first, 1)
}

fn common_dir(paths: &[String]) -> String {
    let first = &paths[0];
    let mut dir = first.rsplit_once('/').map_or("/", |(d, _)| d).to_owned();
    while !paths
        .iter()
        .all(|p| p.starts_with(&format!("{dir}/")) || *p == dir)
        && !dir.is_empty()
    {
        dir = dir
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned());
    }
    if dir.is_empty() { "/".to_owned() } else { dir }
}

/// 1.2.28: every resource's first encryption provider is aescbc, kms or
/// secretbox (the first provider encrypts; `identity` first stores plain text).
#[must_use]
pub fn encryption_providers(host: &Host) -> Outcome {
    let expected = "first provider of every resource is aescbc, kms or secretbox".to_owned();
    let path = match host.resolve(Component::ApiServer, &ENCRYPTION_CONFIG) {
        Lookup::Found(Resolved { value: Some(p), .. }) => p,
        Lookup::Found(r) => {
            let (file, line) = r.source.location(host);
            return Outcome::new(Status::Fail, expected, "no --encryption-provider-config").at(
                r.source.to_string(),
                file,
                line,
            );
        }
        Lookup::NotRunning(c) => return not_running(c, expected),
        Lookup::NotCheckable(why) => return Outcome::not_checkable(expected, why),
    };
    let text = match host.root.read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::not_checkable(
                expected,
                format!(
                    "{path}: {}; it may exist only inside the container",
                    io_reason(&e)
                ),
            );
        }
    };
    let file = match ConfigFile::parse(&path, &text) {
        Ok(f) => f,
        Err(e) => {
            return Outcome::not_checkable(
                expected,
                format!("{path}:{}: {}", e.pos.line, e.message),
            );
        }
    };
    // `resources.providers` joins each provider map as `kind=...`; the
    // first key of each resource's first provider is its kind.
    let firsts = first_providers(&text);
    let weak: Vec<&String> = firsts
        .iter()
        .filter(|k| !["aescbc", "kms", "secretbox"].contains(&k.as_str()))
        .collect();
    let line = file.get("resources").map_or(1, |v| v.line);
    let status = if !firsts.is_empty() && weak.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let actual = if firsts.is_empty() {
        "no providers".to_owned()
    } else {
        format!("first providers: {}", firsts.join(", "))
    };
    Outcome::new(status, expected, actual).at(format!("{path}:{line}"), path, line)
}

/// The kind of the first provider of each resource of an EncryptionConfiguration.
fn first_providers(text: &str) -> Vec<String> {
    let (docs, _) = kubeguard_load::parse_documents(text);
    let Some(Some(root)) = docs.into_iter().next() else {
        return Vec::new();
    };
    root.get("resources")
        .into_iter()
        .flat_map(|r| r.items())
        .filter_map(|res| {
            let first = res.get("providers")?.items().next()?;
            first.as_map()?.iter().next().map(|(k, _)| k.to_owned())
        })
        .collect()
}

/// 4.2.9: the kubelet serves TLS with a certificate of its own: both
/// `tlsCertFile` and `tlsPrivateKeyFile`, or a certificate it requests from
/// the cluster (`serverTLSBootstrap`); otherwise it generates a self-signed one.
#[must_use]
pub fn kubelet_serving_certificate(host: &Host) -> Outcome {
    let files = all_set(
        host,
        Component::Kubelet,
        &[&KUBELET_TLS_CERT, &KUBELET_TLS_KEY],
    );
    if files.status != Status::Fail {
        return files;
    }
    let expected = format!(
        "{} (or {} = true)",
        files.expected,
        setting_name(&KUBELET_SERVER_TLS_BOOTSTRAP)
    );
    match host.resolve(Component::Kubelet, &KUBELET_SERVER_TLS_BOOTSTRAP) {
        Lookup::Found(r) if holds(Cond::Eq("true"), r.value.as_deref()) => from_resolved(
            host,
            &r,
            true,
            expected,
            "serverTLSBootstrap: true".to_owned(),
        ),
        _ => Outcome { expected, ..files },
    }
}

/// 2.7: etcd trusts a CA of its own, not the cluster CA the API server
/// uses for client certificates.
#[must_use]
pub fn etcd_unique_ca(host: &Host) -> Outcome {
    let expected = "etcd --trusted-ca-file differs from kube-apiserver --client-ca-file".to_owned();
    let etcd = match host.resolve(Component::Etcd, &ETCD_TRUSTED_CA) {
        Lookup::Found(r) => r,
        Lookup::NotRunning(c) => return not_running(c, expected),
        Lookup::NotCheckable(why) => return Outcome::not_checkable(expected, why),
    };
    let Some(etcd_ca) = etcd.value.clone() else {
        return from_resolved(
            host,
            &etcd,
            false,
            expected,
            "etcd has no --trusted-ca-file".to_owned(),
        );
    };
    let api_ca = match host.resolve(Component::ApiServer, &CLIENT_CA_FILE) {
        Lookup::Found(r) => r.value,
        _ => None,
    };
    let same = api_ca.as_deref() == Some(etcd_ca.as_str());
    let actual = format!(
        "etcd CA {etcd_ca}, API server client CA {}",
        api_ca.as_deref().unwrap_or("unknown")
    );
    from_resolved(host, &etcd, !same, expected, actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions() {
        assert!(holds(Cond::Eq("false"), Some("False")));
        assert!(!holds(Cond::Eq("false"), None));
        assert!(holds(Cond::NotEq("true"), None));
        assert!(holds(Cond::Has("Node"), Some("Node,RBAC")));
        assert!(!holds(Cond::Has("Node"), Some("NodeRestriction")));
        assert!(holds(Cond::NotHas("AlwaysAllow"), None));
        assert!(holds(Cond::AtLeast(30), Some("30")));
        assert!(!holds(Cond::AtLeast(30), Some("x")));
        assert!(!holds(Cond::NonZeroDuration, Some("0s")));
        assert!(!holds(Cond::NonZeroDuration, Some("0")));
        assert!(holds(Cond::NonZeroDuration, Some("5m")));
        assert!(holds(Cond::GateNotFalse("X"), Some("X=true,Y=false")));
        assert!(!holds(Cond::GateNotFalse("X"), Some("Y=true, X=false")));
        assert!(holds(Cond::Loopback, Some("127.0.0.1:10249")));
        assert!(holds(Cond::Loopback, Some("[::1]:10249")));
        assert!(holds(Cond::Loopback, Some("::1")));
        assert!(!holds(Cond::Loopback, Some("0.0.0.0")));
        assert!(!holds(Cond::Loopback, Some("")));
        assert!(holds(Cond::OnlyFrom(&["A", "B"]), Some("A,B")));
        assert!(!holds(Cond::OnlyFrom(&["A"]), Some("A,C")));
        assert!(!holds(Cond::OnlyFrom(&["A"]), None));
    }

    #[test]
    fn first_encryption_providers() {
        let text = "kind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: []\n  - identity: {}\n- resources: [configmaps]\n  providers:\n  - identity: {}\n";
        assert_eq!(first_providers(text), ["aescbc", "identity"]);
    }
}
