//! A node's filesystem seen under a root directory: every host path is
//! read under the root, and symbolic links are followed inside it, so an
//! absolute link target never escapes to the machine kubeguard runs on.

use std::fs::{self, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Links followed for one path before giving up (as the kernel's ELOOP).
const MAX_LINKS: usize = 40;

/// The node's filesystem, mounted (or built by a test) at a directory.
#[derive(Debug, Clone)]
pub struct NodeRoot {
    root: PathBuf,
}

impl NodeRoot {
    /// The node whose `/` is `root`.
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        NodeRoot { root: root.into() }
    }

    /// The directory the node's `/` is at.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Where the host path `path` is on this machine, with symbolic links
    /// resolved inside the root. A relative `path` is taken from `/`.
    pub fn locate(&self, path: &str) -> io::Result<PathBuf> {
        let mut out = self.root.clone();
        let mut links = 0;
        // Components still to walk, the next one last.
        let mut stack: Vec<std::ffi::OsString> = Vec::new();
        push_components(&mut stack, Path::new(path));
        while let Some(name) = stack.pop() {
            if name == ".." {
                if out != self.root {
                    out.pop();
                }
                continue;
            }
            let next = out.join(&name);
            match fs::symlink_metadata(&next) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(io::Error::other(format!(
                            "too many levels of symbolic links in {path}"
                        )));
                    }
                    let target = fs::read_link(&next)?;
                    if target.is_absolute() {
                        out = self.root.clone();
                    }
                    push_components(&mut stack, &target);
                }
                _ => out = next,
            }
        }
        Ok(out)
    }

    /// The metadata of the host path (links followed inside the root).
    pub fn stat(&self, path: &str) -> io::Result<Metadata> {
        fs::metadata(self.locate(path)?)
    }

    /// The text of the host path.
    pub fn read_to_string(&self, path: &str) -> io::Result<String> {
        fs::read_to_string(self.locate(path)?)
    }

    /// The host paths of the entries of a host directory, sorted.
    pub fn read_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let base = path.trim_end_matches('/');
        let mut names: Vec<String> = fs::read_dir(self.locate(path)?)?
            .filter_map(Result::ok)
            .map(|e| format!("{base}/{}", e.file_name().to_string_lossy()))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every host path under a host directory (the directory first, then
    /// its entries depth first), following no links to directories.
    pub fn walk(&self, path: &str) -> io::Result<Vec<String>> {
        let mut out = vec![path.trim_end_matches('/').to_owned()];
        let mut i = 0;
        while i < out.len() {
            let here = out[i].clone();
            i += 1;
            let local = self.locate(&here)?;
            let is_dir = fs::symlink_metadata(&local)
                .map(|m| m.is_dir())
                .unwrap_or(false);
            if is_dir {
                out.extend(self.read_dir(&here)?);
            }
        }
        Ok(out)
    }
}

/// Pushes the normal and `..` components of `path` so that the first is
/// popped first.
fn push_components(stack: &mut Vec<std::ffi::OsString>, path: &Path) {
    let parts: Vec<std::ffi::OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    stack.extend(parts.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_links_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = NodeRoot::new(dir.path());
        fs::create_dir_all(dir.path().join("etc/kubernetes")).unwrap();
        fs::write(dir.path().join("etc/kubernetes/real.conf"), "x").unwrap();
        std::os::unix::fs::symlink(
            "/etc/kubernetes/real.conf",
            dir.path().join("etc/link.conf"),
        )
        .unwrap();
        std::os::unix::fs::symlink("../../..", dir.path().join("etc/kubernetes/up")).unwrap();
        assert_eq!(
            root.locate("/etc/link.conf").unwrap(),
            dir.path().join("etc/kubernetes/real.conf")
        );
        assert_eq!(root.read_to_string("/etc/link.conf").unwrap(), "x");
        // `..` never climbs above the root.
        assert_eq!(
            root.locate("/etc/kubernetes/up/etc/kubernetes/real.conf")
                .unwrap(),
            dir.path().join("etc/kubernetes/real.conf")
        );
    }

    #[test]
    fn link_loops_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/a", dir.path().join("a")).unwrap();
        assert!(NodeRoot::new(dir.path()).locate("/a").is_err());
    }
}
