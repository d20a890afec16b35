//! A /sys for the current network namespace that keeps /sys's other submounts. Side-effecting
//! (mounts in the caller's mount namespace, which must be a private one: `ip netns exec` calls
//! this after unshare(CLONE_NEWNS) and making `/` rslave).
//!
//! iproute2 detaches /sys and mounts a new sysfs, and every submount (`/sys/fs/cgroup`, bpf,
//! tracing, securityfs, ...) vanishes with the old one: systemd and podman break. None of them
//! describes network state, so we keep them, in the cheapest way the kernel allows:
//! - kernel >= 6.5: the new sysfs is made detached (fsopen/fsmount), slid beneath the old one
//!   (MOVE_MOUNT_BENEATH), the old one's submounts are moved onto it (no copies), and the old
//!   sysfs, now bare, is detached: no more mounts than iproute2 leaves, no extra teardown;
//! - otherwise (>= 5.2): the submount trees are cloned (open_tree OPEN_TREE_CLONE|AT_RECURSIVE)
//!   before the detach and attached on the new sysfs (move_mount);
//! - older kernels, or no submounts: iproute2's two steps.
//!
//! The new sysfs is read-only (and nosuid/nodev/noexec) when the old one was: iproute2 only
//! keeps read-only when the detach failed. A submount that cannot be kept is reported, never
//! fatal; only the sysfs mount itself failing is an error (`mount of /sys failed`).

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::statvfs::{FsFlags, statvfs};

use crate::mountinfo;

const OPEN_TREE_CLONE: libc::c_uint = 1;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;
const MOVE_MOUNT_BENEATH: libc::c_uint = 0x200;
const FSOPEN_CLOEXEC: libc::c_uint = 1;
const FSCONFIG_SET_STRING: libc::c_uint = 1;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSMOUNT_CLOEXEC: libc::c_uint = 1;

/// A submount of the old /sys that stays hidden, and why.
pub type Hidden = (OsString, io::Error);

fn cstr(s: &OsStr) -> io::Result<CString> {
    Ok(CString::new(s.as_bytes())?)
}

/// Wraps a syscall's return value: a new fd.
fn fd_result(r: libc::c_long) -> io::Result<OwnedFd> {
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this fd to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

fn unit_result(r: libc::c_long) -> io::Result<()> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// open_tree(2): an fd on the mount at `path`, a detached recursive copy of it when `clone`.
fn open_tree(path: &OsStr, clone: bool) -> io::Result<OwnedFd> {
    let c = cstr(path)?;
    let mut flags = libc::O_CLOEXEC as libc::c_uint;
    if clone {
        flags |= OPEN_TREE_CLONE | libc::AT_RECURSIVE as libc::c_uint;
    }
    // SAFETY: the path is NUL-terminated and outlives the call; the result is a new fd or -1.
    fd_result(unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, c.as_ptr(), flags) })
}

/// move_mount(2) of the mount `from` to `to` (relative to `to_dir`, or the cwd's AT_FDCWD).
fn move_mount(
    from: &OwnedFd,
    to_dir: Option<&OwnedFd>,
    to: &OsStr,
    beneath: bool,
) -> io::Result<()> {
    let c = cstr(to)?;
    let dir = to_dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    let mut flags = MOVE_MOUNT_F_EMPTY_PATH;
    if beneath {
        flags |= MOVE_MOUNT_BENEATH;
    }
    // SAFETY: both paths are NUL-terminated and outlive the call; the fds are open.
    unit_result(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from.as_raw_fd(),
            c"".as_ptr(),
            dir,
            c.as_ptr(),
            flags,
        )
    })
}

/// A new sysfs (of the caller's network namespace), not attached anywhere yet.
fn detached_sysfs(source: &OsStr, ro_etc: MsFlags) -> io::Result<OwnedFd> {
    let src = cstr(source)?;
    // SAFETY: the strings are NUL-terminated and outlive each call; results are fds or -1.
    let fs =
        fd_result(unsafe { libc::syscall(libc::SYS_fsopen, c"sysfs".as_ptr(), FSOPEN_CLOEXEC) })?;
    unit_result(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_SET_STRING,
            c"source".as_ptr(),
            src.as_ptr(),
            0,
        )
    })?;
    // SAFETY: as above; CMD_CREATE takes no key or value.
    unit_result(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<libc::c_char>(),
            std::ptr::null::<libc::c_void>(),
            0,
        )
    })?;
    let mut attrs: libc::c_uint = 0;
    for (ms, attr) in [
        (MsFlags::MS_RDONLY, 0x1),
        (MsFlags::MS_NOSUID, 0x2),
        (MsFlags::MS_NODEV, 0x4),
        (MsFlags::MS_NOEXEC, 0x8),
    ] {
        if ro_etc.contains(ms) {
            attrs |= attr;
        }
    }
    // SAFETY: the fs context fd is open; the result is a new fd or -1.
    fd_result(unsafe { libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), FSMOUNT_CLOEXEC, attrs) })
}

/// The old /sys's flags that the new one keeps.
fn old_flags() -> MsFlags {
    let mut flags = MsFlags::empty();
    if let Ok(old) = statvfs("/sys") {
        for (fs, ms) in [
            (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
            (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
            (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
            (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        ] {
            if old.flags().contains(fs) {
                flags |= ms;
            }
        }
    }
    flags
}

/// The mount points directly on /sys that are not sysfs, looked up in `source`.
fn submounts(source: mountinfo::Source) -> Vec<OsString> {
    match mountinfo::submounts_from(b"/sys", source) {
        Ok(mounts) => mounts
            .into_iter()
            .filter(|m| !m.sysfs)
            .map(|m| m.mount_point)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// How the submounts of the old /sys are carried over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The cheapest the kernel allows: beneath, else clones.
    Keep,
    /// Cloned trees only, the submounts found in mountinfo: what kernels 5.2 to 6.4 get (no
    /// MOVE_MOUNT_BENEATH, no listmount), forced on any kernel.
    KeepByCloning,
    /// iproute2's: the submounts vanish.
    Drop,
}

/// Mounts a sysfs named `source` on /sys for the caller's network namespace, carrying the old
/// /sys's submounts over as `strategy` says. Returns the submounts that stay hidden; `Err` only
/// when the new sysfs could not be mounted.
pub fn remount(source: &OsStr, strategy: Strategy) -> Result<Vec<Hidden>, Errno> {
    let flags = old_flags();
    let kids = match strategy {
        Strategy::Drop => Vec::new(),
        Strategy::Keep => submounts(mountinfo::Source::Auto),
        Strategy::KeepByCloning => submounts(mountinfo::Source::Mountinfo),
    };
    if kids.is_empty() {
        return classic(source, flags).map(|()| Vec::new());
    }
    if strategy == Strategy::Keep {
        if let Some(hidden) = beneath(source, flags, &kids)? {
            return Ok(hidden);
        }
    }
    let mut hidden = Vec::new();
    let clones: Vec<(OsString, OwnedFd)> = kids
        .into_iter()
        .filter_map(|k| match open_tree(&k, true) {
            Ok(fd) => Some((k, fd)),
            Err(e) => {
                hidden.push((k, e));
                None
            }
        })
        .collect();
    classic(source, flags)?;
    for (point, tree) in clones {
        if let Err(e) = move_mount(&tree, None, &point, false) {
            hidden.push((point, e));
        }
    }
    Ok(hidden)
}

/// iproute2's way: detach the old /sys (a failure is fine: maybe none was mounted), mount anew.
fn classic(source: &OsStr, flags: MsFlags) -> Result<(), Errno> {
    let _ = umount2("/sys", MntFlags::MNT_DETACH);
    mount(Some(source), "/sys", Some("sysfs"), flags, None::<&str>)
}

/// The move-beneath way; `Ok(None)` when the kernel cannot do it and nothing was changed.
fn beneath(
    source: &OsStr,
    flags: MsFlags,
    kids: &[OsString],
) -> Result<Option<Vec<Hidden>>, Errno> {
    let Ok(new) = detached_sysfs(source, flags) else {
        return Ok(None);
    };
    // fds on the submounts themselves (no copies), taken while their paths still reach them.
    let mut hidden = Vec::new();
    let held: Vec<(&OsString, OwnedFd)> = kids
        .iter()
        .filter_map(|k| match open_tree(k, false) {
            Ok(fd) => Some((k, fd)),
            Err(e) => {
                hidden.push((k.clone(), e));
                None
            }
        })
        .collect();
    if move_mount(&new, None, OsStr::new("/sys"), true).is_err() {
        return Ok(None);
    }
    for (point, fd) in held {
        let rel = OsStr::from_bytes(&point.as_bytes()[b"/sys/".len()..]);
        if let Err(e) = move_mount(&fd, Some(&new), rel, false) {
            hidden.push((point.clone(), e));
        }
    }
    // The old sysfs is on top now, without the submounts we moved: detach it. Should that fail,
    // the program would see the old namespace's /sys: fail instead.
    umount2("/sys", MntFlags::MNT_DETACH)?;
    Ok(Some(hidden))
}
