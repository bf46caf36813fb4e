//! The values the Pod Security Standards allow or forbid, one list each.
//! The checks read them from here, and so does every other crate that asks
//! the same question (the manifest rules, admission), so no list is
//! written twice.
//!
//! Lists that grew across policy versions take a [`Version`]: `latest`
//! (and versions newer than this crate knows) get the newest list.

use crate::version::Version;

/// Capabilities a container runtime grants by default. The baseline level
/// lets a container add them back (`capabilities.add`), as that changes
/// nothing; any other added capability fails `capabilities_baseline`.
pub const DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The only capability the restricted level lets a container add.
pub const RESTRICTED_ADDABLE_CAPABILITY: &str = "NET_BIND_SERVICE";

/// The `capabilities.drop` item the restricted level requires of every
/// container (compared exactly: `all` does not count).
pub const DROP_ALL_CAPABILITIES: &str = "ALL";

/// Whether the baseline level lets a container add capability `name`
/// (exact, as written in `capabilities.add`).
#[must_use]
pub fn is_default_capability(name: &str) -> bool {
    DEFAULT_CAPABILITIES.contains(&name)
}

/// Every safe sysctl, in the order the versions allowed them; a version
/// allows a prefix of it (see [`safe_sysctls`]).
const SAFE_SYSCTLS: &[&str] = &[
    // v1.0
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    // v1.27
    "net.ipv4.ip_local_reserved_ports",
    // v1.29
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    // v1.32
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    // v1.37
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// The sysctls the baseline level allows in `spec.securityContext.sysctls`
/// at `version`: namespaced, and unable to affect other pods or the node.
/// The set grows in v1.27, v1.29, v1.32 and v1.37.
#[must_use]
pub fn safe_sysctls(version: Version) -> &'static [&'static str] {
    let len = match version.effective_minor() {
        0..=26 => 5,
        27 | 28 => 6,
        29..=31 => 10,
        32..=36 => 12,
        _ => SAFE_SYSCTLS.len(),
    };
    &SAFE_SYSCTLS[..len]
}

/// Whether sysctl `name` is safe at `version`. Names are compared exactly,
/// as Pod Security admission compares them (`net/ipv4/tcp_syncookies` is
/// not in the list, although the kubelet reads it as the dotted name).
#[must_use]
pub fn is_safe_sysctl(name: &str, version: Version) -> bool {
    safe_sysctls(version).contains(&name)
}

/// The SELinux types the baseline level allows in `seLinuxOptions.type`
/// at `version`, the empty (unset) type included; v1.31 adds
/// `container_engine_t`.
#[must_use]
pub fn selinux_types(version: Version) -> &'static [&'static str] {
    const TYPES: &[&str] = &[
        "",
        "container_t",
        "container_init_t",
        "container_kvm_t",
        // v1.31
        "container_engine_t",
    ];
    if version.effective_minor() >= 31 {
        TYPES
    } else {
        &TYPES[..4]
    }
}

/// Whether `seLinuxOptions.type` may be `value` at `version`. The
/// baseline level also forbids any non-empty `user` or `role`; `level` is
/// free.
#[must_use]
pub fn is_allowed_selinux_type(value: &str, version: Version) -> bool {
    selinux_types(version).contains(&value)
}

/// The `seccompProfile.type` values the standards accept: every other type
/// (`Unconfined`) fails the baseline level, and the restricted level
/// requires one of these for the pod or every container.
pub const SECCOMP_PROFILE_TYPES: &[&str] = &["RuntimeDefault", "Localhost"];

/// Whether `seccompProfile.type` value `value` applies a profile the
/// standards accept (exact: `runtimedefault` does not count).
#[must_use]
pub fn is_allowed_seccomp_type(value: &str) -> bool {
    SECCOMP_PROFILE_TYPES.contains(&value)
}

/// The pod-wide seccomp annotation the standards read before v1.19.
pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";

/// The per-container seccomp annotation the standards read before v1.19,
/// followed by the container name.
pub const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";

/// Whether a seccomp annotation value applies a profile the standards
/// accept: `runtime/default`, `docker/default` or `localhost/<profile>`.
#[must_use]
pub fn is_allowed_seccomp_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// The `appArmorProfile.type` values the baseline level accepts: every
/// other type (`Unconfined`) fails it.
pub const APPARMOR_PROFILE_TYPES: &[&str] = &["RuntimeDefault", "Localhost"];

/// Whether `appArmorProfile.type` value `value` is one the baseline level
/// accepts (exact).
#[must_use]
pub fn is_allowed_apparmor_type(value: &str) -> bool {
    APPARMOR_PROFILE_TYPES.contains(&value)
}

/// The beta AppArmor annotation, followed by the container name.
pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Whether an AppArmor annotation value is one the baseline level accepts:
/// empty (unset), `runtime/default` or `localhost/<profile>`.
#[must_use]
pub fn is_allowed_apparmor_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

/// The only `securityContext.procMount` the standards accept everywhere
/// (the runtime's masked `/proc`); from v1.35 the baseline level accepts
/// any value in a pod with `hostUsers: false`, the restricted level never.
pub const DEFAULT_PROC_MOUNT: &str = "Default";

/// The `spec.os.name` of Windows pods, which the restricted level exempts
/// from its Linux-only checks (from v1.25).
pub const WINDOWS_OS: &str = "windows";

/// The volume sources the restricted level allows; the baseline level
/// forbids only `hostPath`.
pub const RESTRICTED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The volume source the baseline level forbids.
pub const HOST_PATH_VOLUME_SOURCE: &str = "hostPath";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctls_grow_by_version() {
        let len = |v| safe_sysctls(v).len();
        assert_eq!(len(Version::V1(0)), 5);
        assert_eq!(len(Version::V1(26)), 5);
        assert_eq!(len(Version::V1(27)), 6);
        assert_eq!(len(Version::V1(29)), 10);
        assert_eq!(len(Version::V1(32)), 12);
        assert_eq!(len(Version::V1(37)), 14);
        assert_eq!(len(Version::Latest), 14);
        assert_eq!(len(Version::V1(99)), 14);
        assert!(is_safe_sysctl("net.ipv4.tcp_rmem", Version::Latest));
        assert!(!is_safe_sysctl("net.ipv4.tcp_rmem", Version::V1(31)));
        assert!(!is_safe_sysctl("net/ipv4/tcp_syncookies", Version::Latest));
    }

    #[test]
    fn selinux_types_by_version() {
        assert!(is_allowed_selinux_type("", Version::V1(0)));
        assert!(!is_allowed_selinux_type(
            "container_engine_t",
            Version::V1(30)
        ));
        assert!(is_allowed_selinux_type(
            "container_engine_t",
            Version::Latest
        ));
        assert!(!is_allowed_selinux_type("spc_t", Version::Latest));
    }

    #[test]
    fn profiles() {
        assert!(is_allowed_seccomp_type("RuntimeDefault") && is_allowed_seccomp_type("Localhost"));
        assert!(!is_allowed_seccomp_type("Unconfined") && !is_allowed_seccomp_type(""));
        assert!(is_allowed_seccomp_annotation("docker/default"));
        assert!(!is_allowed_seccomp_annotation("") && !is_allowed_seccomp_annotation("localhost"));
        assert!(
            is_allowed_apparmor_annotation("") && is_allowed_apparmor_annotation("localhost/p")
        );
        assert!(!is_allowed_apparmor_annotation("unconfined"));
        assert!(!is_allowed_apparmor_type("Unconfined"));
    }
}
