//! User and group names of the node, from `ROOT/etc/passwd` and
//! `ROOT/etc/group` (never the machine kubeguard runs on).

use crate::root::NodeRoot;

/// The node's users and groups: `(name, id)` in file order.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    users: Vec<(String, u32)>,
    groups: Vec<(String, u32)>,
}

impl Accounts {
    /// Reads the node's `/etc/passwd` and `/etc/group`; a missing file
    /// gives no names (ids are then shown as numbers).
    #[must_use]
    pub fn load(root: &NodeRoot) -> Self {
        let read = |path| {
            root.read_to_string(path)
                .map(|t| parse(&t))
                .unwrap_or_default()
        };
        Accounts {
            users: read("/etc/passwd"),
            groups: read("/etc/group"),
        }
    }

    /// The name of a user id, or the id as a number.
    #[must_use]
    pub fn user_name(&self, uid: u32) -> String {
        name_of(&self.users, uid)
    }

    /// The name of a group id, or the id as a number.
    #[must_use]
    pub fn group_name(&self, gid: u32) -> String {
        name_of(&self.groups, gid)
    }

    /// Whether `uid` is the user `name` on the node (`root` is always uid 0).
    #[must_use]
    pub fn is_user(&self, uid: u32, name: &str) -> bool {
        (name == "root" && uid == 0) || self.users.iter().any(|(n, id)| n == name && *id == uid)
    }

    /// Whether `gid` is the group `name` on the node (`root` is always gid 0).
    #[must_use]
    pub fn is_group(&self, gid: u32, name: &str) -> bool {
        (name == "root" && gid == 0) || self.groups.iter().any(|(n, id)| n == name && *id == gid)
    }
}

fn name_of(entries: &[(String, u32)], id: u32) -> String {
    entries
        .iter()
        .find(|(_, i)| *i == id)
        .map_or_else(|| id.to_string(), |(n, _)| n.clone())
}

/// `name:x:id:...` lines; comments and malformed lines are skipped.
fn parse(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut fields = l.split(':');
            let name = fields.next()?.trim();
            let id = fields.nth(1)?.trim().parse().ok()?;
            (!name.is_empty()).then(|| (name.to_owned(), id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_node_files() {
        let a = Accounts {
            users: parse("root:x:0:0::/root:/bin/sh\n# c\netcd:x:998:996::/:/sbin/nologin\nbad\n"),
            groups: parse("root:x:0:\netcd:x:996:\n"),
        };
        assert_eq!(a.user_name(998), "etcd");
        assert_eq!(a.user_name(5), "5");
        assert_eq!(a.group_name(996), "etcd");
        assert!(a.is_user(998, "etcd"));
        assert!(!a.is_user(0, "etcd"));
        assert!(Accounts::default().is_user(0, "root"));
        assert!(!Accounts::default().is_group(7, "etcd"));
    }
}
