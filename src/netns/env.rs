//! Paths from the environment, and the one rule they must pass before anything uses them.
//! Reads the environment and stats the path and its parents; changes nothing.
//!
//! This binary runs as root (a guest start, `sudo ip ...`), often with an environment it did
//! not choose: `sudo` with a kept environment hands a user's NETNS_RUN_DIR or
//! VSPACE_NETNS_REAL_VSPACE to root. So a path variable (run dir, etc dir, the real vspace and
//! ip, the zones and guests roots, vprocunhide, ...) is used only when:
//!
//! - the real and effective user ids are both root; otherwise every such variable is ignored
//!   and the compiled-in default is used ([`path`] gives `Ok(None)`);
//! - it is absolute;
//! - neither it nor what it resolves to lies under `/proc` (no `/proc/PID/root/...` of some
//!   other process's files);
//! - it and every directory above it (symlinks resolved) are owned by root and not writable by
//!   group or others, except that a directory above it may be sticky (`/tmp`): sshd's
//!   StrictModes rule. A path that does not exist yet is judged by its nearest existing
//!   ancestor, which then may not be sticky (anyone could create the rest).
//!
//! A refusal names the variable, the path that broke the rule, and the rule.

#![deny(unsafe_code)]

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::report::quote::escape;

/// Why a variable's path is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvError {
    /// Set to a relative (or empty) path.
    NotAbsolute { var: String, value: OsString },
    /// Set, but the path breaks the ownership rule (`why` says where and how).
    Unsafe {
        var: String,
        value: OsString,
        why: String,
    },
}

impl EnvError {
    /// One sentence, naming the variable and the rule.
    pub fn message(&self) -> String {
        match self {
            EnvError::NotAbsolute { var, value } => {
                format!("{var}='{}' is not an absolute path", escape(value))
            }
            EnvError::Unsafe { var, value, why } => format!(
                "{var}={} is not used: {why} (a path from the environment must lie outside /proc and, with every directory above it, be owned by root and writable by no one else; a sticky directory such as /tmp may be above it: sshd's StrictModes rule)",
                escape(value)
            ),
        }
    }
}

/// Whether the real and effective user ids are both root: only then is the environment
/// trusted with paths at all.
pub fn trusted() -> bool {
    nix::unistd::getuid().is_root() && nix::unistd::geteuid().is_root()
}

/// `$var` as a path that passes the rule: `Ok(None)` when unset or not trusted (not root),
/// `Ok(Some(path))` when it passes, else why not.
pub fn path(var: &str) -> Result<Option<PathBuf>, EnvError> {
    let Some(value) = std::env::var_os(var) else {
        return Ok(None);
    };
    if !trusted() {
        return Ok(None);
    }
    if value.as_bytes().first() != Some(&b'/') {
        return Err(EnvError::NotAbsolute {
            var: var.into(),
            value,
        });
    }
    let p = PathBuf::from(&value);
    check(&p).map_err(|why| EnvError::Unsafe {
        var: var.into(),
        value: value.clone(),
        why,
    })?;
    Ok(Some(p))
}

fn under_proc(p: &Path) -> bool {
    p.starts_with("/proc")
}

/// Resolves the symlinks in `path` one by one, as the kernel would, refusing any step that
/// passes through /proc (`/proc/PID/root` is a magic link: canonicalize would hide it).
/// Components past the first missing one are kept as they are.
fn resolve(path: &Path) -> Result<PathBuf, String> {
    use std::path::Component;
    let mut todo: Vec<OsString> = path
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut done = PathBuf::from("/");
    let mut hops = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            done.pop();
            continue;
        }
        let next = done.join(&c);
        if under_proc(&next) {
            return Err(format!(
                "{} leads through {}, under /proc",
                escape(path.as_os_str()),
                escape(next.as_os_str())
            ));
        }
        match std::fs::read_link(&next) {
            Ok(target) => {
                hops += 1;
                if hops > 40 {
                    return Err(format!(
                        "{}: too many symbolic links",
                        escape(path.as_os_str())
                    ));
                }
                if target.is_absolute() {
                    done = PathBuf::from("/");
                }
                todo.extend(target.components().rev().filter_map(|c| match c {
                    Component::Normal(n) => Some(n.to_owned()),
                    Component::ParentDir => Some("..".into()),
                    _ => None,
                }));
            }
            Err(_) => done = next,
        }
    }
    Ok(done)
}

/// The rule itself, for an absolute path: `Err(why)` names the offending path.
pub fn check(path: &Path) -> Result<(), String> {
    let real = resolve(path)?;
    // The nearest existing ancestor (the path itself when it exists) is judged as the path.
    let mut existing: &Path = &real;
    while std::fs::symlink_metadata(existing).is_err() {
        existing = match existing.parent() {
            Some(p) => p,
            None => break,
        };
    }
    for (i, dir) in existing.ancestors().enumerate() {
        let m = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", escape(dir.as_os_str())))?;
        let shown = escape(dir.as_os_str());
        if m.uid() != 0 {
            return Err(format!("{shown} is owned by uid {}, not root", m.uid()));
        }
        let sticky_above = i > 0 && m.is_dir() && m.mode() & 0o1000 != 0;
        if m.mode() & 0o022 != 0 && !sticky_above {
            return Err(format!(
                "{shown} is writable by group or others (mode {:04o})",
                m.mode() & 0o7777
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path, m: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    }

    #[test]
    fn the_rule_is_sshds() {
        assert!(nix::unistd::geteuid().is_root(), "run the tests as root");
        let top = tempfile::tempdir().unwrap(); // in /tmp: sticky above, 0700 itself
        let ok = top.path().join("ok");
        std::fs::create_dir(&ok).unwrap();
        mode(&ok, 0o755);
        assert_eq!(check(&ok), Ok(()));
        assert_eq!(check(&ok.join("not-yet/there")), Ok(()));
        let open = top.path().join("open");
        std::fs::create_dir(&open).unwrap();
        mode(&open, 0o777);
        let why = check(&open).unwrap_err();
        assert!(
            why.contains("is writable by group or others (mode 0777)"),
            "{why}"
        );
        assert!(
            check(&open.join("below"))
                .unwrap_err()
                .contains("open is writable")
        );
        let sticky = top.path().join("sticky");
        std::fs::create_dir(&sticky).unwrap();
        mode(&sticky, 0o1777);
        // Sticky above a path that exists: fine; as the path itself, or as what stands for a
        // path not made yet: refused.
        let inside = sticky.join("inside");
        assert!(check(&inside).is_err());
        std::fs::create_dir(&inside).unwrap();
        mode(&inside, 0o700);
        assert_eq!(check(&inside), Ok(()));
        assert!(check(&sticky).is_err());
        let theirs = top.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
        assert!(
            check(&theirs)
                .unwrap_err()
                .contains("is owned by uid 65534, not root")
        );
        assert!(
            check(Path::new("/proc/1/root/etc"))
                .unwrap_err()
                .contains("under /proc")
        );
        let link = top.path().join("to-proc");
        std::os::unix::fs::symlink("/proc/self/root/etc", &link).unwrap();
        assert!(
            check(&link).unwrap_err().contains("under /proc"),
            "{link:?}"
        );
    }
}
