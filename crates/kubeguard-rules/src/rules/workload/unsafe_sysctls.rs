use super::pod_level;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Node, Object};
use kubeguard_pss::Version;
use kubeguard_pss::values::is_safe_sysctl;

declare_rule! {
    /// ## What it does
    /// Flags each item of the pod's `securityContext.sysctls` whose name is
    /// not in the baseline Pod Security Standard's safe set (latest
    /// revision): `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
    /// `net.ipv4.ip_local_reserved_ports`, `net.ipv4.ip_unprivileged_port_start`,
    /// `net.ipv4.ping_group_range`, `net.ipv4.tcp_fin_timeout`,
    /// `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`,
    /// `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_notsent_lowat`,
    /// `net.ipv4.tcp_rmem`, `net.ipv4.tcp_slow_start_after_idle`,
    /// `net.ipv4.tcp_syncookies` and `net.ipv4.tcp_wmem`. A name written
    /// with `/` separators (`net/ipv4/tcp_syncookies`) is read as the
    /// kubelet reads it, the same as the dotted form.
    ///
    /// ## Why it matters
    /// A sysctl outside the safe set is either not namespaced, so setting it
    /// would change the node for every pod, or namespaced but able to
    /// exhaust the node's memory or weaken isolation (`kernel.msgmax`,
    /// `kernel.shmmax`, `net.core.somaxconn`, ...). The kubelet refuses such
    /// a pod unless an administrator allowed the sysctl node-wide with
    /// `--allowed-unsafe-sysctls`, and then nothing stops it.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - name: kernel.msgmax
    ///       value: "65536"
    /// ```
    ///
    /// ## How to fix
    /// Remove the sysctl, or tune the node instead of the pod.
    code: "KG013",
    name: "unsafe-sysctls",
    severity: High,
    summary: "Pod sets a sysctl outside the safe set",
    remediation: "Remove sysctls outside the safe set from spec.securityContext.sysctls; tune the node instead.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/sysctls", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

/// A sysctl name in dotted form. Like the kubelet: when the first
/// separator is `/`, slashes and dots swap (`net/ipv4/conf/eth0.1/x` is
/// `net.ipv4.conf.eth0/1.x`).
fn normalize(name: &str) -> String {
    match name.find(['.', '/']) {
        Some(i) if name.as_bytes()[i] == b'/' => name
            .chars()
            .map(|ch| match ch {
                '/' => '.',
                '.' => '/',
                other => other,
            })
            .collect(),
        _ => name.to_owned(),
    }
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(sysctls) = PodSpec::of(obj).and_then(|pod| pod_level(&pod, &["sysctls"])) else {
        return;
    };
    for item in sysctls.items() {
        let Some(name) = item.node.get("name").and_then(Node::scalar_text) else {
            continue;
        };
        if !is_safe_sysctl(&normalize(name), Version::Latest) {
            cx.report(
                &item,
                format!("pod sets sysctl {name:?}, which is not in the safe set"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use kubeguard_pss::Version;
    use kubeguard_pss::values::safe_sysctls;

    #[test]
    fn docs_name_every_safe_sysctl() {
        for name in safe_sysctls(Version::Latest) {
            assert!(
                super::RULE.meta.docs.contains(&format!("`{name}`")),
                "{name}"
            );
        }
    }

    #[test]
    fn slash_separated_names_read_as_dotted() {
        assert_eq!(
            normalize("net/ipv4/tcp_syncookies"),
            "net.ipv4.tcp_syncookies"
        );
        assert_eq!(
            normalize("net/ipv4/conf/eth0.1/rp_filter"),
            "net.ipv4.conf.eth0/1.rp_filter"
        );
        assert_eq!(
            normalize("net.ipv4.conf.eth0/1.rp_filter"),
            "net.ipv4.conf.eth0/1.rp_filter"
        );
        assert_eq!(
            normalize("kernel.shm_rmid_forced"),
            "kernel.shm_rmid_forced"
        );
    }
}
