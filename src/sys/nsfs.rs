//! Opening a run-dir entry safely, entering it, and naming namespaces by identity.
//! Side-effecting: open, fstatfs, ioctl(NS_GET_NSTYPE), setns, readdir.
//!
//! Same order as util-linux nsenter and youki: open the file first, check it, and only then
//! setns. An entry is opened with O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (a symlink or a FIFO can
//! neither redirect nor block us), must live on nsfs (NSFS_MAGIC) and must be a network
//! namespace (NS_GET_NSTYPE == CLONE_NEWNET). The fd is a `File`: CLOEXEC, never leaked into
//! the program we exec.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use nix::errno::Errno;
use nix::sched::{CloneFlags, setns};
use nix::sys::statfs::fstatfs;

use crate::netns::{Entry, Ident, Unusable, namespace_kind};

/// `statfs.f_type` of the namespace filesystem.
pub const NSFS_MAGIC: i64 = 0x6e73_6673;

nix::ioctl_none!(ns_get_nstype, 0xb7, 3);

/// What [`probe`] returns: the entry, with the open namespace file when it is one.
pub type Probe = Entry<NetnsFile>;

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
    pub fn identity(&self) -> io::Result<Ident> {
        let m = self.file.metadata()?;
        Ok(Ident {
            dev: m.dev(),
            ino: m.ino(),
        })
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
                Errno::ENOENT => Entry::Missing,
                Errno::ELOOP => Entry::Unusable(Unusable::Symlink),
                // open(2) refuses a socket with ENXIO: say what it is, not the errno.
                Errno::ENXIO
                    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) =>
                {
                    Entry::Unusable(Unusable::Socket)
                }
                errno => Entry::Unusable(Unusable::Open(errno)),
            };
        }
    };
    match classify(&file) {
        Ok(()) => Entry::Netns(NetnsFile { file }),
        Err(u) => Entry::Unusable(u),
    }
}

/// The same checks as [`probe`] on a file opened some other way (PID 1's view of an entry,
/// `sys::hostns::open_as_pid1`).
pub fn check_open(file: File) -> Probe {
    match classify(&file) {
        Ok(()) => Entry::Netns(NetnsFile { file }),
        Err(u) => Entry::Unusable(u),
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

/// The names in a run dir, in readdir order (missing dir: none).
pub fn list_names(dir: &Path) -> io::Result<Vec<OsString>> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.map(|e| e.file_name())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The identity of the namespace behind `path` (following links, as `/proc/PID/ns/net` is one).
pub fn identity(path: &Path) -> io::Result<Ident> {
    let m = std::fs::metadata(path)?;
    Ok(Ident {
        dev: m.dev(),
        ino: m.ino(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
            Entry::Unusable(Unusable::Symlink)
        ));
    }
}
