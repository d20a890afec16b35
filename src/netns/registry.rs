//! Creating, attaching and removing named network namespaces, and finding the processes in
//! one: iproute2's `ip netns add|attach|delete|pids` semantics, shared by the ip personality and
//! the zone lifecycle. Side-effecting.
//!
//! add, as iproute2 (>= 7.0) does it: make the run dir, take flock on it (parallel adds must
//! not multiply mounts), make it a shared mount with a peer group of its own (bind it onto itself
//! first when it is no mount point), create the entry with O_EXCL, create the namespace on a
//! short-lived thread (the caller's own netns never changes) and bind-mount the thread's
//! `/proc/thread-self/ns/net` onto the entry. Any failure after the entry exists removes it again:
//! a failed add leaves nothing behind. Messages are iproute2's.

use crate::sys::nsfs::errno_of;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io;

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::netns::Ident;
use crate::netns::procs::Threads;
use crate::sys::nsfs::identity;

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, unshare};

use crate::report::quote::escape;

/// A failed step, worded as iproute2 words it (the first line scripts see).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    pub message: String,
    pub errno: Errno,
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AdminError {}

fn err(errno: Errno, message: String) -> AdminError {
    AdminError { message, errno }
}

fn show(p: &Path) -> String {
    escape(p.as_os_str())
}

/// Holds flock(LOCK_EX) on the run dir while alive, as iproute2 does around add.
pub struct RunDirLock {
    _lock: Flock<File>,
}

/// Makes the run dir (0755) and locks it.
pub fn lock_run_dir(run_dir: &Path) -> Result<RunDirLock, AdminError> {
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(run_dir)
    {
        Ok(()) => {}
        Err(e) => {
            return Err(err(
                errno_of(&e),
                format!(
                    "mkdir {} failed: {}",
                    show(run_dir),
                    crate::report::errno::strerror(errno_of(&e) as i32)
                ),
            ));
        }
    }
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(run_dir)
        .map_err(|e| {
            err(
                errno_of(&e),
                format!(
                    "Cannot open netns runtime directory \"{}\": {}",
                    show(run_dir),
                    crate::report::errno::strerror(errno_of(&e) as i32)
                ),
            )
        })?;
    let lock = Flock::lock(dir, FlockArg::LockExclusive).map_err(|(_, e)| {
        err(
            e,
            format!(
                "Warning: could not flock netns runtime directory \"{}\": {}",
                show(run_dir),
                crate::report::errno::strerror(e as i32)
            ),
        )
    })?;
    Ok(RunDirLock { _lock: lock })
}

/// Makes the run dir a shared mount with its own peer group, so that entries mounted in it
/// propagate to mount namespaces made later and are not tied to /run's peers.
pub fn share_run_dir(run_dir: &Path) -> Result<(), AdminError> {
    let none: Option<&str> = None;
    match mount(
        none,
        run_dir,
        Some("none"),
        MsFlags::MS_SHARED | MsFlags::MS_REC,
        none,
    ) {
        Ok(()) => return Ok(()),
        Err(Errno::EINVAL) => {}
        Err(e) => {
            return Err(err(
                e,
                format!(
                    "mount --make-shared {} failed: {}",
                    show(run_dir),
                    crate::report::errno::strerror(e as i32)
                ),
            ));
        }
    }
    // Not a mount point yet: bind it onto itself, then private and shared for a new peer group.
    mount(
        Some(run_dir),
        run_dir,
        Some("none"),
        MsFlags::MS_BIND | MsFlags::MS_REC,
        none,
    )
    .map_err(|e| {
        err(
            e,
            format!(
                "mount --bind {} {} failed: {}",
                show(run_dir),
                show(run_dir),
                crate::report::errno::strerror(e as i32)
            ),
        )
    })?;
    // As iproute2 >= 7.0: private first, so that the shared step opens a peer group of its own.
    for (flags, what) in [
        (MsFlags::MS_PRIVATE | MsFlags::MS_REC, "--make-private"),
        (MsFlags::MS_SHARED | MsFlags::MS_REC, "--make-shared"),
    ] {
        mount(none, run_dir, Some("none"), flags, none).map_err(|e| {
            err(
                e,
                format!(
                    "mount {what} {} failed: {}",
                    show(run_dir),
                    crate::report::errno::strerror(e as i32)
                ),
            )
        })?;
    }
    Ok(())
}

/// Work done inside a new namespace before its entry is mounted.
type Prepare = Box<dyn FnOnce() -> Result<(), crate::sys::rtnl::NlError> + Send>;

/// What the new entry is bound to.
enum Source<'a> {
    /// A new namespace, with `lo` up or not, prepared (on the thread inside it) or not.
    New {
        lo_up: bool,
        prepare: Option<Prepare>,
    },
    /// An existing process's namespace.
    Pid(i32),
    /// The namespace an open file holds (bound from `/proc/self/fd/N`), checked after the
    /// mount to be that namespace.
    File(&'a File),
}

/// `ip netns add NAME`, plus `lo` up when asked (new namespaces start with it down).
pub fn add(run_dir: &Path, name: &OsStr, lo_up: bool) -> Result<PathBuf, AdminError> {
    create(
        run_dir,
        name,
        Source::New {
            lo_up,
            prepare: None,
        },
    )
}

/// `ip netns add NAME`, with `prepare` run inside the new namespace before its entry is
/// mounted: what it does is there from the moment the namespace can be seen (a process killed
/// before the mount leaves only the empty entry file, which reads as stale).
pub fn add_prepared(
    run_dir: &Path,
    name: &OsStr,
    prepare: impl FnOnce() -> Result<(), crate::sys::rtnl::NlError> + Send + 'static,
) -> Result<PathBuf, AdminError> {
    create(
        run_dir,
        name,
        Source::New {
            lo_up: false,
            prepare: Some(Box::new(prepare)),
        },
    )
}

/// `ip netns attach NAME PID`.
pub fn attach(run_dir: &Path, name: &OsStr, pid: i32) -> Result<PathBuf, AdminError> {
    create(run_dir, name, Source::Pid(pid))
}

/// `ip netns attach NAME` to the namespace `file` holds (an open `/proc/PID/ns/net`): the
/// namespace that was found and checked, whatever became of its process since (a PID may be
/// reused by then, and a bind by PID would mount the new process's namespace, maybe the
/// host's). The entry is checked after the mount to be that namespace, and removed if not.
pub fn attach_file(run_dir: &Path, name: &OsStr, file: &File) -> Result<PathBuf, AdminError> {
    create(run_dir, name, Source::File(file))
}

fn create(run_dir: &Path, name: &OsStr, source: Source) -> Result<PathBuf, AdminError> {
    let _lock = lock_run_dir(run_dir)?;
    share_run_dir(run_dir)?;
    let path = run_dir.join(name);
    // O_RDONLY|O_CREAT|O_EXCL with mode 0, as iproute2 (std refuses create_new without write).
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CREAT | libc::O_EXCL)
        .mode(0o000)
        .open(&path)
        .map_err(|e| {
            err(
                errno_of(&e),
                format!(
                    "Cannot create namespace file \"{}\": {}",
                    show(&path),
                    crate::report::errno::strerror(errno_of(&e) as i32)
                ),
            )
        })?;
    let bound = match source {
        Source::New { lo_up, prepare } => bind_new(&path, name, lo_up, prepare),
        Source::Pid(pid) => bind(Path::new(&format!("/proc/{pid}/ns/net")), &path),
        Source::File(file) => bind_file(file, &path),
    };
    if let Err(e) = bound {
        let _ = remove_entry(&path);
        return Err(e);
    }
    Ok(path)
}

fn bind(source: &Path, target: &Path) -> Result<(), AdminError> {
    let none: Option<&str> = None;
    mount(Some(source), target, Some("none"), MsFlags::MS_BIND, none).map_err(|e| {
        err(
            e,
            format!(
                "Bind {} -> {} failed: {}",
                show(source),
                show(target),
                crate::report::errno::strerror(e as i32)
            ),
        )
    })
}

/// Binds the namespace `file` holds onto `target`, and checks the mount is that namespace.
fn bind_file(file: &File, target: &Path) -> Result<(), AdminError> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let source = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    bind(&source, target)?;
    let want = file.metadata().map_err(|e| {
        err(
            errno_of(&e),
            format!(
                "Cannot read the namespace to attach: {}",
                crate::report::errno::strerror(errno_of(&e) as i32)
            ),
        )
    })?;
    let got = identity(target).ok();
    if got
        != Some(Ident {
            dev: want.dev(),
            ino: want.ino(),
        })
    {
        return Err(err(
            Errno::ESTALE,
            format!(
                "Bind {} -> {}: the entry is not the namespace that was found; removed",
                show(&source),
                show(target)
            ),
        ));
    }
    Ok(())
}

/// Creates the namespace on a thread of its own, so the caller's netns never changes.
fn bind_new(
    path: &Path,
    name: &OsStr,
    lo_up: bool,
    prepare: Option<Prepare>,
) -> Result<(), AdminError> {
    let no_thread = |e: io::Error| {
        err(
            errno_of(&e),
            format!(
                "Failed to create a new network namespace \"{}\": {}",
                escape(name),
                crate::sys::rtnl::no_thread(&e)
            ),
        )
    };
    let path = path.to_owned();
    let name = name.to_owned();
    std::thread::Builder::new()
        .spawn(move || {
            unshare(CloneFlags::CLONE_NEWNET).map_err(|e| {
                err(
                    e,
                    format!(
                        "Failed to create a new network namespace \"{}\": {}",
                        escape(&name),
                        crate::report::errno::strerror(e as i32)
                    ),
                )
            })?;
            if lo_up {
                crate::sys::link::set_up("lo").map_err(|e| {
                    err(
                        e,
                        format!(
                            "Cannot bring up lo in \"{}\": {}",
                            escape(&name),
                            crate::report::errno::strerror(e as i32)
                        ),
                    )
                })?;
            }
            if let Some(prepare) = prepare {
                prepare().map_err(|e| {
                    err(
                        e.errno,
                        format!("Cannot prepare the namespace \"{}\": {e}", escape(&name)),
                    )
                })?;
            }
            bind(Path::new("/proc/thread-self/ns/net"), &path)
        })
        .map_err(no_thread)?
        .join()
        .unwrap_or_else(|_| Err(err(Errno::EIO, "namespace thread panicked".into())))
}

/// Unmounts every layer mounted on `path` (stacked mounts must not leave it busy). A symlink is
/// not followed: an entry that is a link must never unmount what it points to.
pub fn unmount_all(path: &Path) -> Result<usize, Errno> {
    let mut layers = 0;
    loop {
        match umount2(path, MntFlags::MNT_DETACH | MntFlags::UMOUNT_NOFOLLOW) {
            Ok(()) => layers += 1,
            Err(Errno::EINVAL) | Err(Errno::ENOENT) => return Ok(layers),
            Err(e) => return Err(e),
        }
    }
}

fn remove_entry(path: &Path) -> Result<(), AdminError> {
    let _ = unmount_all(path);
    remove_file(path)
}

/// What `delete` did besides removing the entry.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Processes that still live in the namespace and keep it alive.
    pub pids: Vec<i32>,
    /// The entry was a symbolic link: the link went, its target was left alone.
    pub link: Option<PathBuf>,
    /// The namespace mount was covered by a later mount of the run dir and was detached by
    /// unlinking the entry from a mount namespace of our own.
    pub covered: bool,
}

/// Why `delete` refused an entry: it is not a namespace, so it is not ours to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotNamespace {
    pub path: PathBuf,
    pub link: Option<PathBuf>,
    pub what: crate::netns::Unusable,
}

/// The ways `delete` fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteError {
    /// A step failed (iproute2's words).
    Failed(AdminError),
    /// The entry is no namespace (a directory, a file with content, a FIFO, ...): left alone.
    Refused(NotNamespace),
}

impl From<AdminError> for DeleteError {
    fn from(e: AdminError) -> Self {
        DeleteError::Failed(e)
    }
}

impl fmt::Display for DeleteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeleteError::Failed(e) => e.fmt(f),
            DeleteError::Refused(n) => {
                f.write_str(&n.what.describe_via(&n.path, n.link.as_deref()))
            }
        }
    }
}

/// `ip netns delete NAME`, touching only namespaces: an nsfs mount (every layer goes; iproute2
/// removes one) or an empty file (a stale entry) is removed; a symbolic link is removed itself,
/// its target left alone; anything else (a directory, a file with content, a FIFO, a device, a
/// socket, an entry that cannot be opened) is refused with what it is. An nsfs mount covered by
/// a later mount of the run dir over itself (EBUSY from unlink) is detached by unlinking the
/// entry from a private mount namespace, where it is no mount point (Linux >= 3.18 then
/// detaches the mounts on it in every namespace). The processes still inside are looked up
/// through the checked open.
pub fn delete(run_dir: &Path, name: &OsStr) -> Result<Deleted, DeleteError> {
    use crate::netns::{Entry, Unusable};
    let path = run_dir.join(name);
    let link = std::fs::read_link(&path).ok();
    let probe = crate::netns::probe(&path);
    let pids = match &probe {
        // Only for the warning that names them: iproute2 deletes whoever is inside.
        Entry::Netns(f) => f
            .identity()
            .ok()
            .and_then(|id| crate::netns::procs::pids_in(id, Threads::Living).ok())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if link.is_some() {
        // The link itself goes, whatever it points at (nothing is unmounted through it).
        remove_file(&path)?;
        return Ok(Deleted {
            pids,
            link,
            covered: false,
        });
    }
    match probe {
        Entry::Netns(_)
        | Entry::Unusable(Unusable::Stale)
        | Entry::Unusable(Unusable::Covered)
        | Entry::Unusable(Unusable::OtherType { .. }) => {}
        Entry::Missing => {
            return Err(DeleteError::Failed(err(
                Errno::ENOENT,
                format!(
                    "Cannot remove namespace file \"{}\": {}",
                    show(&path),
                    crate::report::errno::strerror(libc::ENOENT)
                ),
            )));
        }
        Entry::Unusable(what) => {
            return Err(DeleteError::Refused(NotNamespace { path, link, what }));
        }
    }
    let _ = unmount_all(&path);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Deleted {
            pids,
            link: None,
            covered: false,
        }),
        // Still a mount point, though nothing is left on the path: namespace mounts beneath a
        // later mount of the run dir. Only nsfs is detached this way, never another mount.
        Err(e) if errno_of(&e) == Errno::EBUSY && crate::sys::nsfs::covered_nsfs_mount(&path) => {
            unlink_beneath(run_dir, &path)?;
            Ok(Deleted {
                pids,
                link: None,
                covered: true,
            })
        }
        Err(e) => Err(DeleteError::Failed(cannot_remove(&path, &e))),
    }
}

fn cannot_remove(path: &Path, e: &io::Error) -> AdminError {
    err(
        errno_of(e),
        format!(
            "Cannot remove namespace file \"{}\": {}",
            show(path),
            crate::report::errno::strerror(errno_of(e) as i32)
        ),
    )
}

fn remove_file(path: &Path) -> Result<(), AdminError> {
    std::fs::remove_file(path).map_err(|e| cannot_remove(path, &e))
}

/// Unlinks `path` from a mount namespace of a short-lived thread's own, everything made private
/// first (nothing done there propagates back), with the mounts covering the entry and the
/// entry's own copies peeled off there: the dentry is then no mount point in that namespace, so
/// unlink(2) succeeds and the kernel detaches the (covered) mounts on it everywhere.
fn unlink_beneath(run_dir: &Path, path: &Path) -> Result<(), AdminError> {
    let no_thread = |e: io::Error| {
        err(
            errno_of(&e),
            format!(
                "Cannot remove namespace file \"{}\": {}",
                show(path),
                crate::sys::rtnl::no_thread(&e)
            ),
        )
    };
    let (run_dir, path) = (run_dir.to_owned(), path.to_owned());
    std::thread::Builder::new()
        .spawn(move || -> Result<(), AdminError> {
            let none: Option<&str> = None;
            let step = |what: &str, e: Errno| {
                err(
                    e,
                    format!(
                        "Cannot remove namespace file \"{}\": {what}: {}",
                        show(&path),
                        crate::report::errno::strerror(e as i32)
                    ),
                )
            };
            unshare(CloneFlags::CLONE_NEWNS).map_err(|e| step("unshare", e))?;
            mount(none, "/", none, MsFlags::MS_PRIVATE | MsFlags::MS_REC, none)
                .map_err(|e| step("mount --make-rprivate /", e))?;
            for _ in 0..64 {
                match std::fs::remove_file(&path) {
                    Ok(()) => return Ok(()),
                    Err(e) if errno_of(&e) == Errno::EBUSY => {}
                    Err(e) => return Err(cannot_remove(&path, &e)),
                }
                // Peel what is mounted on the entry, else the top mount of the run dir over it.
                let nofollow = MntFlags::MNT_DETACH | MntFlags::UMOUNT_NOFOLLOW;
                if umount2(&path, nofollow).is_err() {
                    umount2(&run_dir, nofollow).map_err(|e| step("umount of the run dir", e))?;
                }
            }
            Err(step("still busy", Errno::EBUSY))
        })
        .map_err(no_thread)?
        .join()
        .unwrap_or_else(|_| Err(err(Errno::EIO, "unlink thread panicked".into())))
}

/// The names in `run_dir` whose entry is the namespace `id` (`ip netns identify`), symlinked
/// entries followed; only what probes as a network namespace counts, as for exec and pids.
pub fn names_of(run_dir: &Path, id: Ident) -> io::Result<Vec<OsString>> {
    Ok(crate::sys::nsfs::list_names(run_dir)?
        .into_iter()
        .filter(|n| {
            let p = run_dir.join(n);
            // The cheap stat first; the full probe only for a candidate.
            identity(&p).ok() == Some(id)
                && matches!(crate::netns::probe(&p), crate::netns::Entry::Netns(_))
        })
        .collect())
}
