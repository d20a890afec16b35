//! The host's mount namespace, which is PID 1's: opening it, entering it, and opening a path
//! as PID 1 sees it. Side-effecting: open, stat, setns(CLONE_NEWNS), openat2.
//!
//! util-vserver runs a guest's start (and its scriptlets) in a mount namespace of its own
//! (`vspace --mount --fs --new`); a namespace mounted there is invisible to the host, and a
//! host's entry may look stale from there. The host's view is PID 1's mount namespace.
//!
//! setns(2) into a mount namespace needs the caller not to share its fs_struct (cwd, root)
//! with another thread (EINVAL otherwise), so [`enter`] is only for a single-threaded process:
//! the admin tool enters before it starts any thread (the namespace thread of `ip netns add`
//! comes later and inherits the namespace). It also resets cwd and root to the namespace's root.
//!
//! A path is opened in PID 1's view with openat2(2) relative to `/proc/1/root` with
//! RESOLVE_IN_ROOT (absolute symlinks such as `/var/run -> /run` resolve inside PID 1's root,
//! never out of it) and RESOLVE_NO_MAGICLINKS, and the last component with O_NOFOLLOW; the
//! caller then applies the same nsfs and NS_GET_NSTYPE checks as to its own entries.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::sched::{CloneFlags, setns};

use crate::nsfs::Ident;

/// PID 1's mount namespace.
pub const PID1_MNT: &str = "/proc/1/ns/mnt";
/// PID 1's root directory, the base of its view of paths.
pub const PID1_ROOT: &str = "/proc/1/root";
/// This process's mount namespace.
pub const SELF_MNT: &str = "/proc/self/ns/mnt";

/// PID 1's mount namespace as seen from here.
#[derive(Debug)]
pub enum Pid1Mnt {
    /// This process already lives in it.
    Same(Ident),
    /// Another mount namespace, open (`mine` is this process's).
    Other { file: File, id: Ident, mine: Ident },
    /// It cannot be opened (a sandbox's init refuses even root: EACCES; no /proc: ENOENT).
    Unreadable(Errno),
}

fn errno_of(e: &io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

fn ident(m: &std::fs::Metadata) -> Ident {
    Ident {
        dev: m.dev(),
        ino: m.ino(),
    }
}

/// Opens PID 1's mount namespace and compares it with this process's.
pub fn pid1_mount_ns() -> Pid1Mnt {
    let file = match File::open(PID1_MNT) {
        Ok(f) => f,
        Err(e) => return Pid1Mnt::Unreadable(errno_of(&e)),
    };
    let id = match file.metadata() {
        Ok(m) => ident(&m),
        Err(e) => return Pid1Mnt::Unreadable(errno_of(&e)),
    };
    let mine = match std::fs::metadata(SELF_MNT) {
        Ok(m) => ident(&m),
        Err(e) => return Pid1Mnt::Unreadable(errno_of(&e)),
    };
    if id == mine {
        Pid1Mnt::Same(id)
    } else {
        Pid1Mnt::Other { file, id, mine }
    }
}

/// The number of threads of this process (`Threads:` of /proc/self/status).
pub fn threads() -> io::Result<usize> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| io::Error::other("no Threads: line in /proc/self/status"))
}

/// setns(2) the whole process into the mount namespace `ns`. The process must be
/// single-threaded (checked: EINVAL otherwise, before anything changes). cwd and root become
/// the namespace's root.
pub fn enter(ns: &File) -> Result<(), Errno> {
    if threads().map_err(|e| errno_of(&e))? != 1 {
        return Err(Errno::EINVAL);
    }
    setns(ns.as_fd(), CloneFlags::CLONE_NEWNS)
}

/// Opens `path` (absolute) as PID 1 sees it: resolved inside `/proc/1/root`, no magic links,
/// the last component not followed, never blocking (O_NONBLOCK), close-on-exec.
pub fn open_as_pid1(path: &Path) -> Result<File, Errno> {
    let root = File::open(PID1_ROOT).map_err(|e| errno_of(&e))?;
    let how = OpenHow::new()
        .flags(
            OFlag::O_RDONLY
                | OFlag::O_NOFOLLOW
                | OFlag::O_NONBLOCK
                | OFlag::O_NOCTTY
                | OFlag::O_CLOEXEC,
        )
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let fd = openat2(root.as_raw_fd(), path, how)?;
    // SAFETY: openat2 just returned this descriptor; nothing else owns it.
    Ok(unsafe { File::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_with_threads_cannot_enter() {
        // setns(CLONE_NEWNS) needs an unshared fs_struct: refuse before setns while a second
        // thread lives.
        let me = File::open(SELF_MNT).unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        assert!(threads().unwrap() >= 2);
        assert_eq!(enter(&me), Err(Errno::EINVAL));
        tx.send(()).unwrap();
        t.join().unwrap().unwrap();
    }
}
