//! Named network namespaces: names, the run dir, and opening an entry safely. Side-effecting
//! (open, fstatfs, ioctl, setns) except for the pure name and path rules.
//!
//! Same order as util-linux nsenter and youki: open the file first, check it, and only then
//! setns. An entry is opened with O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (a symlink or a FIFO can
//! neither redirect nor block us), must live on nsfs (NSFS_MAGIC) and must be a network
//! namespace (NS_GET_NSTYPE == CLONE_NEWNET). The fd is a `File`: CLOEXEC, never leaked into
//! the program we exec.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sched::{CloneFlags, setns};
use nix::sys::statfs::fstatfs;

use crate::quote::escape;

/// Where `ip netns` keeps its names unless `NETNS_RUN_DIR` says otherwise.
pub const DEFAULT_RUN_DIR: &str = "/var/run/netns";
/// Where `ip netns exec` finds per-namespace files for `/etc` unless `NETNS_ETC_DIR` says otherwise.
pub const DEFAULT_ETC_DIR: &str = "/etc/netns";
/// `statfs.f_type` of the namespace filesystem.
pub const NSFS_MAGIC: i64 = 0x6e73_6673;

nix::ioctl_none!(ns_get_nstype, 0xb7, 3);

/// The run dir: `$NETNS_RUN_DIR` or `/var/run/netns`; a set but relative (or empty) value is
/// refused rather than resolved against whatever the cwd happens to be.
pub fn run_dir() -> Result<PathBuf, String> {
    dir_from_env("NETNS_RUN_DIR", DEFAULT_RUN_DIR)
}

/// The per-namespace `/etc` dir: `$NETNS_ETC_DIR` or `/etc/netns`, with the same rule.
pub fn etc_dir() -> Result<PathBuf, String> {
    dir_from_env("NETNS_ETC_DIR", DEFAULT_ETC_DIR)
}

/// `$var` when set (it must be absolute), else `default`.
pub fn dir_from_env(var: &str, default: &str) -> Result<PathBuf, String> {
    match std::env::var_os(var) {
        None => Ok(PathBuf::from(default)),
        Some(v) if v.as_bytes().first() == Some(&b'/') => Ok(PathBuf::from(v)),
        Some(v) => Err(format!(
            "{var}='{}' is not an absolute path; set it to one (or unset it for {default})",
            escape(&v)
        )),
    }
}

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
    /// A symbolic link: refused, it could point anywhere.
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
}

impl Unusable {
    /// A one-line explanation naming the path.
    pub fn describe(&self, path: &Path) -> String {
        let p = escape(path.as_os_str());
        match self {
            Unusable::Symlink => format!("{p} is a symbolic link, not a namespace mount"),
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
            Unusable::Symlink
            | Unusable::NotNamespace { .. }
            | Unusable::Socket
            | Unusable::OtherType { .. } => {
                vec![format!(
                    "remove the entry and create the namespace with 'vspace-netns up {n}' or 'ip netns add {n}'"
                )]
            }
            Unusable::Open(_) => Vec::new(),
        }
    }
}

/// What a run-dir entry turned out to be.
#[derive(Debug)]
pub enum Probe {
    Missing,
    Netns(NetnsFile),
    Unusable(Unusable),
}

/// An open, checked network namespace file: entering it is all that is left to do.
#[derive(Debug)]
pub struct NetnsFile {
    file: File,
}

impl NetnsFile {
    /// setns(2) into this network namespace.
    pub fn enter(&self) -> Result<(), Errno> {
        setns(self.file.as_fd(), CloneFlags::CLONE_NEWNET)
    }

    /// The namespace's identity (st_dev, st_ino), as `/proc/PID/ns/net` shows it.
    pub fn identity(&self) -> io::Result<(u64, u64)> {
        let m = self.file.metadata()?;
        Ok((m.dev(), m.ino()))
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

/// Opens and checks `path` without following a symlink or blocking on a FIFO.
pub fn probe(path: &Path) -> Probe {
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            return match Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)) {
                Errno::ENOENT => Probe::Missing,
                Errno::ELOOP => Probe::Unusable(Unusable::Symlink),
                // open(2) refuses a socket with ENXIO: say what it is, not the errno.
                Errno::ENXIO
                    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) =>
                {
                    Probe::Unusable(Unusable::Socket)
                }
                errno => Probe::Unusable(Unusable::Open(errno)),
            };
        }
    };
    match classify(&file) {
        Ok(()) => Probe::Netns(NetnsFile { file }),
        Err(u) => Probe::Unusable(u),
    }
}

/// The checks on an open file: nsfs, then the namespace type.
fn classify(file: &File) -> Result<(), Unusable> {
    let fs = fstatfs(file.as_fd()).map_err(Unusable::Open)?;
    if fs.filesystem_type().0 as i64 != NSFS_MAGIC {
        let meta = file
            .metadata()
            .map_err(|e| Unusable::Open(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
        let t = meta.file_type();
        return Err(if t.is_file() && meta.len() == 0 {
            Unusable::Stale
        } else {
            Unusable::NotNamespace {
                what: if t.is_dir() {
                    "a directory"
                } else if t.is_fifo() {
                    "a FIFO"
                } else if t.is_char_device() || t.is_block_device() {
                    "a device"
                } else {
                    "a regular file with content"
                },
            }
        });
    }
    use std::os::fd::AsRawFd;
    // SAFETY: NS_GET_NSTYPE takes no argument and only reads the fd, which `file` keeps open.
    let nstype = unsafe { ns_get_nstype(file.as_raw_fd()) }.map_err(Unusable::Open)?;
    if nstype != libc::CLONE_NEWNET {
        return Err(Unusable::OtherType {
            what: namespace_kind(nstype),
        });
    }
    Ok(())
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

/// The names in a run dir, in readdir order (missing dir: none).
pub fn list_names(dir: &Path) -> io::Result<Vec<OsString>> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.map(|e| e.file_name())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
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

    #[test]
    fn probe_sorts_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        let full = dir.path().join("full");
        std::fs::write(&full, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&empty, &link).unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let sock = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let cases = [
            (dir.path().join("missing"), "Missing"),
            (sock, "Unusable(Socket)"),
            (empty, "Unusable(Stale)"),
            (
                full,
                "Unusable(NotNamespace { what: \"a regular file with content\" })",
            ),
            (link, "Unusable(Symlink)"),
            (fifo, "Unusable(NotNamespace { what: \"a FIFO\" })"),
            (
                dir.path().to_owned(),
                "Unusable(NotNamespace { what: \"a directory\" })",
            ),
        ];
        for (path, want) in cases {
            assert_eq!(format!("{:?}", probe(&path)), want, "{}", path.display());
        }
    }

    #[test]
    fn magic_links_are_refused_too() {
        // /proc/PID/ns/net is a symlink: a run-dir entry is a bind mount, never a link.
        assert!(matches!(
            probe(Path::new("/proc/self/ns/net")),
            Probe::Unusable(Unusable::Symlink)
        ));
    }
}
