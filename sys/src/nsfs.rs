//! Opening a run-dir entry safely, entering it, and naming namespaces by identity.
//! Side-effecting: open, fstatfs, ioctl(NS_GET_NSTYPE), setns, readdir.
//!
//! Same order as util-linux nsenter and youki: open the file first, check it, and only then
//! setns. A symlinked entry (`ln -s /proc/PID/ns/net /run/netns/NAME`) is followed, as iproute2
//! follows it: what makes an entry safe is not where it lives but what the opened fd is. Only a
//! regular file is opened at all (stat first: a FIFO, device or socket is named, never opened),
//! with O_CLOEXEC|O_NONBLOCK|O_NOCTTY; the fd must live on nsfs (NSFS_MAGIC) and be a network
//! namespace (NS_GET_NSTYPE == CLONE_NEWNET). The fd is a `File`: CLOEXEC, never leaked into
//! the program we exec. An empty file that is no namespace here is looked up in the mount table
//! once more: an nsfs mount covered by a later mount of the run dir over itself is named so.
//!
//! What a probe finds is plain data ([`Probe`], [`Unfit`], [`Kind`], [`Ident`]); the words
//! said about it are `netns`'s.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sched::{CloneFlags, setns};
use nix::sys::statfs::fstatfs;

/// `statfs.f_type` of the namespace filesystem.
pub const NSFS_MAGIC: i64 = 0x6e73_6673;

nix::ioctl_none!(ns_get_nstype, 0xb7, 3);
nix::ioctl_none!(ns_get_userns, 0xb7, 1);

/// A namespace's identity, `(st_dev, st_ino)` of its nsfs inode, as `/proc/PID/ns/net` and a
/// bind mount of it both show it: two paths name the same namespace when these are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident {
    pub dev: u64,
    pub ino: u64,
}

/// What [`probe`] finds at a path.
#[derive(Debug)]
pub enum Probe {
    /// Nothing there.
    Missing,
    /// A network namespace, open and checked.
    Netns(NetnsFile),
    /// Something that exists but is no network namespace to enter.
    Unfit(Unfit),
}

/// Why what exists at a path is no network namespace to enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// A symbolic link whose target does not exist.
    Symlink,
    /// An empty regular file with no namespace mounted on it here.
    Stale,
    /// Some other file that is not a namespace.
    NotNamespace(Kind),
    /// A socket (never opened).
    Socket,
    /// A namespace of another type: its `CLONE_NEW*` value (NS_GET_NSTYPE).
    OtherType(libc::c_int),
    /// The open (or fstat, fstatfs, ioctl) failed.
    Open(Errno),
    /// An empty file with an nsfs mount on it that this path does not reach (the run dir was
    /// bound onto itself after the namespace was mounted).
    Covered,
}

/// The type of a file that is not a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Directory,
    Fifo,
    Device,
    Socket,
    /// A regular file with content (not nsfs).
    Regular,
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
    pub fn identity(&self) -> io::Result<Ident> {
        let m = self.file.metadata()?;
        Ok(Ident {
            dev: m.dev(),
            ino: m.ino(),
        })
    }

    /// The identity of the user namespace that owns this network namespace (NS_GET_USERNS):
    /// one made by root on the host is owned by the initial user namespace; one made inside
    /// `unshare --user` by any user is owned by that user's namespace.
    pub fn owner(&self) -> Result<Ident, Errno> {
        // SAFETY: NS_GET_USERNS takes no argument, only reads the fd `self.file` keeps open,
        // and returns a new fd (or -1), which is owned at once below.
        let fd = unsafe { ns_get_userns(self.file.as_raw_fd()) }?;
        // SAFETY: `fd` was just returned by the kernel, is open, and nothing else owns it.
        let owner = unsafe { OwnedFd::from_raw_fd(fd) };
        let m = File::from(owner).metadata().map_err(|e| errno_of(&e))?;
        Ok(Ident {
            dev: m.dev(),
            ino: m.ino(),
        })
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

/// The errno of a failed system call (EIO where there is none).
pub fn errno_of(e: &io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

/// Opens and checks `path`, following a symlink, never opening anything but a regular file
/// (nsfs files are regular files): a FIFO cannot block us, a device is never opened.
pub fn probe(path: &Path) -> Probe {
    probe_in(path, &mut Mounts::default())
}

/// [`probe`], the mount table (read only for an empty file, to tell covered from stale) taken
/// from `mounts`: many entries probed in one run (`list`) read it once.
pub fn probe_in(path: &Path, mounts: &mut Mounts) -> Probe {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return match errno_of(&e) {
                // A link to nothing: an entry that exists, but is no namespace.
                Errno::ENOENT if std::fs::symlink_metadata(path).is_ok() => {
                    Probe::Unfit(Unfit::Symlink)
                }
                Errno::ENOENT => Probe::Missing,
                errno => Probe::Unfit(Unfit::Open(errno)),
            };
        }
    };
    let t = meta.file_type();
    if !t.is_file() {
        return Probe::Unfit(if t.is_socket() {
            Unfit::Socket
        } else {
            Unfit::NotNamespace(kind_of(&meta))
        });
    }
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            return match errno_of(&e) {
                Errno::ENOENT => Probe::Missing,
                errno => Probe::Unfit(Unfit::Open(errno)),
            };
        }
    };
    match classify(&file) {
        Ok(()) => Probe::Netns(NetnsFile { file }),
        Err(Unfit::Stale) if mounts.covered_nsfs(path) => Probe::Unfit(Unfit::Covered),
        Err(u) => Probe::Unfit(u),
    }
}

/// The type of what is not a namespace file.
fn kind_of(meta: &std::fs::Metadata) -> Kind {
    let t = meta.file_type();
    if t.is_dir() {
        Kind::Directory
    } else if t.is_fifo() {
        Kind::Fifo
    } else if t.is_char_device() || t.is_block_device() {
        Kind::Device
    } else if t.is_socket() {
        Kind::Socket
    } else {
        Kind::Regular
    }
}

/// The mount table, read when first asked and then kept: each mount point's filesystem
/// types, in mountinfo order. `None` inside when it could not be read (no mounts known).
#[derive(Debug, Default)]
pub struct Mounts {
    table: Option<BTreeMap<Vec<u8>, Vec<String>>>,
    /// Whether the table has an nsfs mount at all (set with it).
    any_nsfs: bool,
    /// Each directory resolved (symlinks followed) once: the run dir of many entries.
    dirs: BTreeMap<PathBuf, Option<PathBuf>>,
}

impl Mounts {
    fn table(&mut self) -> &BTreeMap<Vec<u8>, Vec<String>> {
        if self.table.is_none() {
            let mut by_point: BTreeMap<Vec<u8>, Vec<String>> = BTreeMap::new();
            for m in crate::mountinfo::read_self().unwrap_or_default() {
                by_point
                    .entry(m.mount_point.into_vec())
                    .or_default()
                    .push(m.fs_type);
            }
            self.any_nsfs = by_point.values().flatten().any(|t| t == "nsfs");
            self.table = Some(by_point);
        }
        self.table.get_or_insert_default()
    }

    /// `path` with every symlink resolved: the resolved directory (kept) joined with the
    /// file's name when the file itself is no symlink, else `canonicalize`.
    fn real(&mut self, path: &Path) -> Option<PathBuf> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return std::fs::canonicalize(path).ok();
        };
        if std::fs::symlink_metadata(path)
            .ok()?
            .file_type()
            .is_symlink()
            || name == ".."
        {
            return std::fs::canonicalize(path).ok();
        }
        let dir = self
            .dirs
            .entry(dir.to_path_buf())
            .or_insert_with(|| std::fs::canonicalize(dir).ok())
            .clone()?;
        Some(dir.join(name))
    }

    /// The filesystem types of every mount in the mount table whose mount point is `path`
    /// (symlinks resolved), reachable or not, in mountinfo order.
    pub fn on(&mut self, path: &Path) -> Vec<String> {
        use std::os::unix::ffi::OsStrExt;
        let Some(real) = self.real(path) else {
            return Vec::new();
        };
        self.table()
            .get(real.as_os_str().as_bytes())
            .cloned()
            .unwrap_or_default()
    }

    /// Whether the mount table has an nsfs mount on `path` that this path does not reach (it
    /// lies under a later mount of the directory: a run dir bound onto itself), and nothing
    /// but nsfs.
    pub fn covered_nsfs(&mut self, path: &Path) -> bool {
        // No nsfs mount anywhere (a run dir of stale entries alone): nothing to resolve.
        self.table();
        if !self.any_nsfs {
            return false;
        }
        let types = self.on(path);
        !types.is_empty() && types.iter().all(|t| t == "nsfs")
    }
}

/// The filesystem types of every mount in the mount table whose mount point is `path`
/// (symlinks resolved), reachable or not, in mountinfo order.
pub fn mounts_on(path: &Path) -> Vec<String> {
    Mounts::default().on(path)
}

/// Whether the mount table has an nsfs mount on `path` that this path does not reach (it lies
/// under a later mount of the directory: a run dir bound onto itself), and nothing but nsfs.
pub fn covered_nsfs_mount(path: &Path) -> bool {
    Mounts::default().covered_nsfs(path)
}

/// The same checks as [`probe`] on a file opened some other way (PID 1's view of an entry,
/// `sys::hostns::open_as_pid1`).
pub fn check_open(file: File) -> Probe {
    match classify(&file) {
        Ok(()) => Probe::Netns(NetnsFile { file }),
        Err(u) => Probe::Unfit(u),
    }
}

/// The checks on an open regular file: nsfs, then the namespace type.
fn classify(file: &File) -> Result<(), Unfit> {
    let fs = fstatfs(file.as_fd()).map_err(Unfit::Open)?;
    if fs.filesystem_type().0 as i64 != NSFS_MAGIC {
        let meta = file.metadata().map_err(|e| Unfit::Open(errno_of(&e)))?;
        return Err(if meta.len() == 0 {
            Unfit::Stale
        } else {
            Unfit::NotNamespace(kind_of(&meta))
        });
    }
    use std::os::fd::AsRawFd;
    // SAFETY: NS_GET_NSTYPE takes no argument and only reads the fd, which `file` keeps open.
    let nstype = unsafe { ns_get_nstype(file.as_raw_fd()) }.map_err(Unfit::Open)?;
    if nstype != libc::CLONE_NEWNET {
        return Err(Unfit::OtherType(nstype));
    }
    Ok(())
}

/// The host's network namespace: PID 1's (`/proc/1/ns/net`); where that cannot be read (a
/// sandbox that hides PID 1), this process's own, read before any setns: a run-dir entry that
/// leads back to where the caller already is enters nothing.
pub fn host_identity() -> io::Result<Ident> {
    identity(Path::new("/proc/1/ns/net")).or_else(|_| identity(Path::new("/proc/self/ns/net")))
}

/// Whether `f` is the host's network namespace ([`host_identity`]). `Err` (the errno) when it
/// cannot be told (no `/proc` in this mount namespace, neither `/proc/1/ns/net` nor
/// `/proc/self/ns/net` readable): the caller refuses, unknown never counts as "not the host".
pub fn is_host(f: &NetnsFile) -> Result<bool, Errno> {
    let a = f.identity().map_err(|e| errno_of(&e))?;
    let b = host_identity().map_err(|e| errno_of(&e))?;
    Ok(a == b)
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
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nothing"), &dangling).unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let sock = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let cases = [
            (dir.path().join("missing"), "Missing"),
            (sock, "Unfit(Socket)"),
            (empty, "Unfit(Stale)"),
            (full, "Unfit(NotNamespace(Regular))"),
            (link, "Unfit(Stale)"),
            (dangling, "Unfit(Symlink)"),
            (fifo, "Unfit(NotNamespace(Fifo))"),
            (dir.path().to_owned(), "Unfit(NotNamespace(Directory))"),
        ];
        for (path, want) in cases {
            assert_eq!(format!("{:?}", probe(&path)), want, "{}", path.display());
        }
    }

    #[test]
    fn links_are_followed_and_the_target_checked() {
        // /proc/PID/ns/net is a (magic) link: followed, it is a network namespace.
        assert!(matches!(
            probe(Path::new("/proc/self/ns/net")),
            Probe::Netns(_)
        ));
        let dir = tempfile::tempdir().unwrap();
        let to_ns = dir.path().join("to-ns");
        std::os::unix::fs::symlink("/proc/self/ns/net", &to_ns).unwrap();
        let own = identity(Path::new("/proc/self/ns/net")).unwrap();
        match probe(&to_ns) {
            Probe::Netns(f) => assert_eq!(f.identity().unwrap(), own),
            other => panic!("{other:?}"),
        }
        let to_uts = dir.path().join("to-uts");
        std::os::unix::fs::symlink("/proc/self/ns/uts", &to_uts).unwrap();
        assert_eq!(
            format!("{:?}", probe(&to_uts)),
            format!("Unfit(OtherType({}))", libc::CLONE_NEWUTS)
        );
        let to_dev = dir.path().join("to-dev");
        std::os::unix::fs::symlink("/dev/null", &to_dev).unwrap();
        assert_eq!(
            format!("{:?}", probe(&to_dev)),
            "Unfit(NotNamespace(Device))"
        );
    }
}
