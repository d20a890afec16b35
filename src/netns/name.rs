//! Named network namespaces, the pure part: names (iproute2's rule), the run dir's and the
//! etc dir's defaults (`Roots` reads the variables), and what a run-dir entry is ([`Entry`],
//! [`Unusable`], [`Ident`]) with the words and hints we say about it. Pure, except
//! [`probe`] and [`check_open`]: `sys::nsfs`'s checks, whose plain answer they turn into an
//! [`Entry`].
#![deny(unsafe_code)]

use std::ffi::OsStr;
use std::fmt;

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;

use crate::report::quote::escape;
use crate::sys::nsfs::{self, NetnsFile};

/// Where `ip netns` keeps its names unless `NETNS_RUN_DIR` says otherwise: `/run/netns`, the
/// spelling of Debian's iproute2 build (upstream's `/var/run/netns` is the same directory
/// wherever `/var/run` links to `/run`). iproute2's messages name this path, so all of ours do.
pub const DEFAULT_RUN_DIR: &str = "/run/netns";
/// Where `ip netns exec` finds per-namespace files for `/etc` unless `NETNS_ETC_DIR` says otherwise.
pub const DEFAULT_ETC_DIR: &str = "/etc/netns";
/// Why a string cannot name a namespace (iproute2's `invalid_name`, plus what it forgets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadName {
    Empty,
    Dot,
    Slash,
    TooLong,
}

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadName::Empty => "the name is empty",
            BadName::Dot => "'.' and '..' are not names",
            BadName::Slash => "a name cannot contain '/'",
            BadName::TooLong => "a name is at most 255 bytes",
        })
    }
}

/// iproute2's rule: not empty, not `.` or `..`, no `/`, at most 255 bytes (NAME_MAX).
pub fn check_name(name: &OsStr) -> Result<(), BadName> {
    let b = name.as_bytes();
    if b.is_empty() {
        Err(BadName::Empty)
    } else if b == b"." || b == b".." {
        Err(BadName::Dot)
    } else if b.contains(&b'/') {
        Err(BadName::Slash)
    } else if b.len() > 255 {
        Err(BadName::TooLong)
    } else {
        Ok(())
    }
}

/// The entry of `name` in `dir` (the name must have passed [`check_name`]).
pub fn entry_path(dir: &Path, name: &OsStr) -> PathBuf {
    dir.join(name)
}

/// A run-dir entry that exists but cannot be entered, and why. Never a reason to fall back to
/// the host's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// A symbolic link whose target does not exist (a link to a namespace is followed).
    Symlink,
    /// An empty regular file with no namespace mounted on it here: the classic stale entry.
    Stale,
    /// Something else that is not a namespace (`what` says: "a directory", "a FIFO", ...).
    NotNamespace { what: &'static str },
    /// A socket: open(2) refuses it with ENXIO, which says nothing useful by itself.
    Socket,
    /// A namespace, but not a network one.
    OtherType { what: &'static str },
    /// The open itself failed (permission, I/O, ...).
    Open(Errno),
    /// An empty file here, with an nsfs mount on it that this path does not reach: the run dir
    /// was bound onto itself after the namespace was mounted (the mount lies beneath).
    Covered,
    /// The host's own network namespace (PID 1's): never what a guest asking for a zone gets.
    /// `pid1`: told by PID 1's namespace (false: PID 1's cannot be read, this process's own
    /// was taken for the host's).
    Host { pid1: bool },
    /// Whether it is the host's own network namespace cannot be told (the errno of reading
    /// `/proc/1/ns/net` and `/proc/self/ns/net`, e.g. no `/proc` mounted): refused as [`Host`].
    ///
    /// [`Host`]: Unusable::Host
    HostUnknown(Errno),
}

impl Unusable {
    /// A one-line explanation naming the path.
    pub fn describe(&self, path: &Path) -> String {
        self.describe_via(path, None)
    }

    /// [`Unusable::describe`], naming the target when the entry is a symbolic link.
    pub fn describe_via(&self, path: &Path, link: Option<&Path>) -> String {
        let p = shown(path, link);
        match self {
            Unusable::Symlink => match link {
                Some(t) => format!(
                    "{} is a symbolic link to {}, which does not exist",
                    escape(path.as_os_str()),
                    escape(t.as_os_str())
                ),
                None => format!("{p} is a symbolic link, not a namespace mount"),
            },
            Unusable::Covered => format!(
                "{p} is an nsfs mount covered by a later mount of the run dir over itself: this path reaches only the empty file beneath"
            ),
            Unusable::Host { pid1 } => {
                format!(
                    "{p} is the host's own network namespace ({}), not a zone of its own",
                    if *pid1 {
                        "PID 1's"
                    } else {
                        "PID 1's cannot be read: this process's own, taken for the host's"
                    }
                )
            }
            Unusable::HostUnknown(e) => format!(
                "cannot tell whether {p} is the host's own network namespace: neither /proc/1/ns/net nor /proc/self/ns/net can be read ({}); refusing rather than risk the host's network",
                e.desc()
            ),
            Unusable::Stale => format!(
                "{p} is an empty file with no namespace mounted on it in this mount namespace (a stale entry)"
            ),
            Unusable::NotNamespace { what } => format!("{p} is {what}, not a namespace mount"),
            Unusable::Socket => format!("{p} is a socket, not a namespace mount"),
            Unusable::OtherType { what } => {
                format!("{p} is {what} namespace, not a network namespace")
            }
            Unusable::Open(e) => format!("cannot open {p}: {}", e.desc()),
        }
    }

    /// What the admin can do about it, when we know.
    pub fn hints(&self, name: &OsStr) -> Vec<String> {
        let n = escape(name);
        match self {
            Unusable::Stale => vec![
                format!(
                    "the namespace was unmounted (a reboot, /run cleaned, util-vserver's namespace-cleanup at a guest's start, or an 'ip netns delete' under way); recreate it with 'vspace-netns up {n}' or 'ip netns delete {n}; ip netns add {n}'"
                ),
                format!(
                    "keep it across guest starts: add the lines '/run/netns' and '/run/netns/{n}' to /etc/vservers/<guest>/namespace-cleanup-skip (that file replaces .defaults/namespace-cleanup-skip)"
                ),
            ],
            Unusable::Covered => vec![format!(
                "'ip-netns-shim delete {n}' removes it (it unlinks the entry from a mount namespace of its own, which detaches the covered mount everywhere)"
            )],
            Unusable::Host { .. } => vec![format!(
                "point the entry at the zone's namespace ('ip netns delete {n}; ip netns add {n}'), or remove the name from the guest's spaces/net to run it in the host's network on purpose"
            )],
            Unusable::HostUnknown(_) => {
                vec!["mount /proc (mount -t proc proc /proc), then run it again".to_string()]
            }
            Unusable::Symlink
            | Unusable::NotNamespace { .. }
            | Unusable::Socket
            | Unusable::OtherType { .. } => {
                vec![format!(
                    "remove the entry, then create the namespace: 'vspace-netns up {n}' when {n} is a zone, else 'ip netns add {n}'"
                )]
            }
            Unusable::Open(_) => Vec::new(),
        }
    }
}

/// `PATH`, or `PATH (a symbolic link to TARGET)`, escaped for a message.
pub fn shown(path: &Path, link: Option<&Path>) -> String {
    match link {
        None => escape(path.as_os_str()),
        Some(t) => format!(
            "{} (a symbolic link to {})",
            escape(path.as_os_str()),
            escape(t.as_os_str())
        ),
    }
}

/// What a run-dir entry is: the one fact every planner takes about an entry. `H` is what the
/// shell holds for a live namespace: an open [`NetnsFile`] where it will be
/// entered, `()` where only the fact matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<H = ()> {
    /// No such entry.
    Missing,
    /// A network namespace (nsfs, NS_GET_NSTYPE == CLONE_NEWNET).
    Netns(H),
    /// Exists, but cannot be entered.
    Unusable(Unusable),
}

impl<H> Entry<H> {
    /// The same fact without the handle.
    pub fn fact(&self) -> Entry {
        match self {
            Entry::Missing => Entry::Missing,
            Entry::Netns(_) => Entry::Netns(()),
            Entry::Unusable(u) => Entry::Unusable(u.clone()),
        }
    }
}

/// A namespace's identity: `sys::nsfs`'s plain data.
pub use crate::sys::nsfs::Ident;

/// An entry with its namespace file open where it is one: what [`probe`] finds.
pub type Probe = Entry<NetnsFile>;

/// Opens and checks a run-dir entry ([`nsfs::probe`]: side-effecting), as an [`Entry`].
pub fn probe(path: &Path) -> Probe {
    nsfs::probe(path).into()
}

/// [`probe`] with the mount table kept in `mounts` across many entries (`list`).
pub fn probe_in(path: &Path, mounts: &mut nsfs::Mounts) -> Probe {
    nsfs::probe_in(path, mounts).into()
}

/// The same checks on a file opened some other way ([`nsfs::check_open`]).
pub fn check_open(file: std::fs::File) -> Probe {
    nsfs::check_open(file).into()
}

impl From<nsfs::Probe> for Probe {
    fn from(p: nsfs::Probe) -> Probe {
        match p {
            nsfs::Probe::Missing => Entry::Missing,
            nsfs::Probe::Netns(f) => Entry::Netns(f),
            nsfs::Probe::Unfit(u) => Entry::Unusable(u.into()),
        }
    }
}

impl From<nsfs::Unfit> for Unusable {
    fn from(u: nsfs::Unfit) -> Unusable {
        match u {
            nsfs::Unfit::Symlink => Unusable::Symlink,
            nsfs::Unfit::Stale => Unusable::Stale,
            nsfs::Unfit::NotNamespace(kind) => Unusable::NotNamespace {
                what: file_kind(kind),
            },
            nsfs::Unfit::Socket => Unusable::Socket,
            nsfs::Unfit::OtherType(nstype) => Unusable::OtherType {
                what: namespace_kind(nstype),
            },
            nsfs::Unfit::Open(e) => Unusable::Open(e),
            nsfs::Unfit::Covered => Unusable::Covered,
        }
    }
}

/// "a directory", "a FIFO", ... for a file that is not a namespace.
pub fn file_kind(kind: nsfs::Kind) -> &'static str {
    match kind {
        nsfs::Kind::Directory => "a directory",
        nsfs::Kind::Fifo => "a FIFO",
        nsfs::Kind::Device => "a device",
        nsfs::Kind::Socket => "a socket",
        nsfs::Kind::Regular => "a regular file with content",
    }
}

/// "a mount", "a pid", ... for a CLONE_NEW* value, to say what an entry is instead.
pub fn namespace_kind(nstype: libc::c_int) -> &'static str {
    match nstype {
        libc::CLONE_NEWNS => "a mount",
        libc::CLONE_NEWUTS => "a uts",
        libc::CLONE_NEWIPC => "an ipc",
        libc::CLONE_NEWUSER => "a user",
        libc::CLONE_NEWPID => "a pid",
        libc::CLONE_NEWCGROUP => "a cgroup",
        libc::CLONE_NEWTIME => "a time",
        _ => "an unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_iproute2() {
        let long = vec![b'a'; 256];
        let max = vec![b'a'; 255];
        let table: &[(&[u8], Result<(), BadName>)] = &[
            (b"db", Ok(())),
            (b"-x", Ok(())),
            (b"\xff", Ok(())),
            (b"1001", Ok(())),
            (&max, Ok(())),
            (b"", Err(BadName::Empty)),
            (b".", Err(BadName::Dot)),
            (b"..", Err(BadName::Dot)),
            (b"...", Ok(())),
            (b"a/b", Err(BadName::Slash)),
            (b"/etc/vservers/web", Err(BadName::Slash)),
            (&long, Err(BadName::TooLong)),
        ];
        for (name, want) in table {
            assert_eq!(
                check_name(OsStr::from_bytes(name)),
                *want,
                "{:?}",
                OsStr::from_bytes(name)
            );
        }
    }
}
