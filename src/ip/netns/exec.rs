//! `ip netns exec` (one name, or `-all`): iproute2's `netns_switch` step for step (open,
//! check, setns, unshare the mount namespace, `/` rslave, a sysfs of the namespace, the
//! `/etc/netns/NAME` binds), then exec in place. Side-effecting.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::ForkResult;

use crate::netns::{self, Entry, Unusable};
use crate::report::errno;
use crate::report::out;
use crate::report::quote::escape;
use crate::report::status::Status;
use crate::sys::exec::{self};
use crate::sys::remount;

use super::list::names_in;
use super::{FAILED, IpFail, SETUP_FAILED, Voice};

pub(super) fn cannot_open(name: &OsStr, errno: Errno) -> IpFail {
    IpFail::new(
        SETUP_FAILED,
        &[
            b"Cannot open network namespace \"",
            name.as_bytes(),
            b"\": ",
            errno::strerror(errno as i32).as_bytes(),
        ],
    )
}

pub(super) fn setns_failed(name: &OsStr, errno: Errno) -> IpFail {
    IpFail::new(
        SETUP_FAILED,
        &[
            b"setting the network namespace \"",
            name.as_bytes(),
            b"\" failed: ",
            errno::strerror(errno as i32).as_bytes(),
        ],
    )
}

/// The first line iproute2 would print for an entry we refuse, then why and what to do.
pub(super) fn unusable(voice: Voice, name: &OsStr, path: &Path, u: &Unusable) -> IpFail {
    let mut f = match u {
        // A link to nothing: iproute2's open fails with ENOENT.
        Unusable::Symlink => cannot_open(name, Errno::ENOENT),
        Unusable::Open(e) => cannot_open(name, *e),
        // iproute2's open fails with ENXIO here too; the lines after it say it is a socket.
        Unusable::Socket => cannot_open(name, Errno::ENXIO),
        // iproute2 opens these fine and setns refuses them with EINVAL (a FIFO would block it).
        Unusable::Stale
        | Unusable::Covered
        | Unusable::Host { .. }
        | Unusable::HostUnknown(_)
        | Unusable::NotNamespace { .. }
        | Unusable::OtherType { .. } => setns_failed(name, Errno::EINVAL),
    };
    if !matches!(u, Unusable::Open(_)) {
        let link = std::fs::read_link(path).ok();
        f.more.push(u.describe_via(path, link.as_deref()));
        f.more.extend(
            crate::netns::host::hints(u, name, path, voice.roots.is_zone(name))
                .into_iter()
                .map(|h| format!("hint: {h}")),
        );
    }
    f
}

/// Opens, checks and enters the namespace `name`, then builds its view of the system: a mount
/// namespace of our own, /sys for the namespace, /etc/netns/NAME bound over /etc.
pub fn switch(voice: Voice, run_dir: &Path, etc_dir: &Path, name: &OsStr) -> Result<(), IpFail> {
    let path = netns::entry_path(run_dir, name);
    // Stale here but live as PID 1 sees it (a private mount namespace): the host's namespace.
    let entry = match crate::netns::host::probe(&path).0 {
        Entry::Netns(f) => f,
        Entry::Missing => return Err(cannot_open(name, Errno::ENOENT)),
        Entry::Unusable(u) => return Err(unusable(voice, name, &path, &u)),
    };
    entry.enter().map_err(|e| setns_failed(name, e))?;
    drop(entry);
    unshare(CloneFlags::CLONE_NEWNS).map_err(|e| {
        IpFail::new(
            SETUP_FAILED,
            &[b"unshare failed: ", errno::strerror(e as i32).as_bytes()],
        )
    })?;
    // Nothing we mount from here on may propagate back to the caller's mount namespace.
    let none: Option<&str> = None;
    mount(
        Some(""),
        "/",
        Some("none"),
        MsFlags::MS_SLAVE | MsFlags::MS_REC,
        none,
    )
    .map_err(|e| {
        IpFail::new(
            SETUP_FAILED,
            &[
                b"\"mount --make-rslave /\" failed: ",
                errno::strerror(e as i32).as_bytes(),
            ],
        )
    })?;
    let hidden = remount::remount(name, remount::Strategy::Keep).map_err(|e| {
        IpFail::new(
            SETUP_FAILED,
            &[
                b"mount of /sys failed: ",
                errno::strerror(e as i32).as_bytes(),
            ],
        )
    })?;
    for (point, e) in hidden {
        voice.warn(&format!(
            "warning: {} stays hidden under the namespace's /sys: {}",
            escape(&point),
            errno::io_reason(&e)
        ));
    }
    bind_etc(voice, etc_dir, name);
    Ok(())
}

/// Binds every entry of `etc_dir/NAME/` over `/etc/ENTRY` (iproute2's `bind_etc`: a failure is
/// a warning), and warns when `/etc/ENTRY` is a symlink: the bind lands on the link's target,
/// which a resolver that replaces its file (rename) takes away again.
pub(super) fn bind_etc(voice: Voice, etc_dir: &Path, name: &OsStr) {
    if name.len() >= 255 {
        return;
    }
    let dir = etc_dir.join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let none: Option<&str> = None;
    for entry in entries.flatten() {
        let file = entry.file_name();
        let src = dir.join(&file);
        let dst = Path::new("/etc").join(&file);
        let link = std::fs::read_link(&dst).ok();
        match mount(Some(&src), &dst, Some("none"), MsFlags::MS_BIND, none) {
            Err(e) => {
                out::stderr_bytes(
                    &[
                        b"Bind ",
                        src.as_os_str().as_bytes(),
                        b" -> ",
                        dst.as_os_str().as_bytes(),
                        b" failed: ",
                        errno::strerror(e as i32).as_bytes(),
                        b"\n",
                    ]
                    .concat(),
                );
            }
            Ok(()) => {
                if let Some(target) = link {
                    voice.warn(&format!(
                        "warning: {} is a symbolic link to {}: {} is bound over that file, and a program that replaces it (a resolver renaming a new file into place) drops the bind; make {} a regular file to keep it",
                        escape(dst.as_os_str()),
                        escape(target.as_os_str()),
                        escape(src.as_os_str()),
                        escape(dst.as_os_str()),
                    ));
                }
            }
        }
    }
}

/// `exec NAME CMD...`: switch, then become CMD. Returns only the failure.
pub(super) fn exec_in(
    voice: Voice,
    run_dir: &Path,
    etc_dir: &Path,
    name: &OsStr,
    argv: &[OsString],
) -> IpFail {
    if let Err(f) = switch(voice, run_dir, etc_dir, name) {
        return f;
    }
    let err = exec::exec(&argv[0], &argv[0], &argv[1..]);
    IpFail::new(
        FAILED,
        &[
            b"exec of \"",
            argv[0].as_bytes(),
            b"\" failed: ",
            errno::io_reason(&err).as_bytes(),
        ],
    )
}

/// `-all exec CMD...`: for every name, `\nnetns: NAME\n`, then CMD in a child switched into it.
/// Statuses are ignored (0), but a child killed by a signal stops the loop with 1, as iproute2.
pub(super) fn exec_all(
    voice: Voice,
    run_dir: &Path,
    etc_dir: &Path,
    argv: &[OsString],
) -> Result<Status, IpFail> {
    let names = names_in(run_dir)?;
    for name in names {
        // A header that cannot be written stops nothing (iproute2's printf neither), under
        // either name: the commands are the work, the header only informs.
        let _ = out::stdout_bytes(&[b"\nnetns: ", name.as_bytes(), b"\n"].concat());
        // This process never starts a thread on this path.
        match crate::sys::process::fork_single_threaded() {
            Err(e) => {
                return Err(IpFail::new(
                    FAILED,
                    &[b"fork: ", errno::strerror(e as i32).as_bytes()],
                ));
            }
            Ok(ForkResult::Child) => {
                let f = exec_in(voice, run_dir, etc_dir, &name, argv);
                f.print(voice.prefix);
                std::process::exit(f.status.into());
            }
            Ok(ForkResult::Parent { child }) => match waitpid(child, None) {
                Ok(WaitStatus::Exited(..)) => {}
                Ok(_) => return Ok(FAILED),
                Err(e) => {
                    return Err(IpFail::new(
                        FAILED,
                        &[b"waitpid: ", errno::strerror(e as i32).as_bytes()],
                    ));
                }
            },
        }
    }
    Ok(Status::Ok)
}
