//! The `ip` / `ip-netns-shim` personality's shell: carries out what `ip_args` decided.
//! Side-effecting (setns, mounts, exec, fork for `-all exec`).
//!
//! `exec` follows iproute2's `netns_switch` step for step (open, setns, unshare(CLONE_NEWNS),
//! `/` rslave, `/sys` detached and a sysfs of the namespace mounted, `/etc/netns/NAME/*` bound over
//! `/etc`, exec in place) with iproute2's messages and statuses (255 setup, 1 failed exec). A
//! symlinked entry is followed, as iproute2 follows it; the opened fd is checked (nsfs,
//! NS_GET_NSTYPE) before setns, and a bad entry gets iproute2's first line followed by an
//! explanation; the `/sys` submounts that describe no network state (`/sys/fs/cgroup`, bpf,
//! tracing, ...) are carried over onto the new sysfs (`sys_remount`). No thread exists before
//! setns; the program gets the caller's signal state and no fd of ours.
//!
//! Two voices ([`Voice`]): under the name `ip` nothing is added where the call succeeds (stdout,
//! stderr and status as iproute2 6.1's: no warnings, `identify` prints the last match, a failed
//! write to stdout is ignored as iproute2 ignores it); under `ip-netns-shim` the richer output
//! is the default (warnings, every name for `identify`, `(stale)` marks, a failed write is one
//! message and status 1). First lines that iproute2 prints are printed as iproute2 prints them
//! (raw operand bytes); the lines we add after them carry our prefix and escape operands.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::ForkResult;

use crate::ip::args::{self, IpCommand, NetnsCommand};
use crate::netns::registry as admin;
use crate::netns::{self, Entry, Roots, Unusable};
use crate::report::errno;
use crate::report::out;
use crate::report::quote::escape;
use crate::report::status::Status;
use crate::sys::exec::{self, REAL_IP};
use crate::sys::nsfs;
use crate::sys::nsid::Nsids;
use crate::sys::remount;

/// Status of every setup failure (iproute2's `exit(-1)` / `return -1` from `do_cmd`).
const SETUP_FAILED: Status = Status::Setup;
/// Status of a failed exec and of the subcommands' own failures.
const FAILED: Status = Status::Failed;

/// A failure: iproute2's first line (raw bytes), then our explanation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpFail {
    pub status: Status,
    pub line: Vec<u8>,
    pub more: Vec<String>,
}

impl IpFail {
    fn new(status: Status, parts: &[&[u8]]) -> IpFail {
        IpFail {
            status,
            line: parts.concat(),
            more: Vec::new(),
        }
    }

    fn ours(status: Status, prefix: &str, message: &str) -> IpFail {
        IpFail::new(status, &[prefix.as_bytes(), b": ", message.as_bytes()])
    }

    fn print(&self, prefix: &str) {
        let mut text = self.line.clone();
        text.push(b'\n');
        for m in &self.more {
            text.extend_from_slice(format!("{prefix}: {m}\n").as_bytes());
        }
        out::stderr_bytes(&text);
    }
}

/// Who speaks: `ip` (exactly iproute2 where the call succeeds) or `ip-netns-shim` (richer).
#[derive(Debug, Clone, Copy)]
pub struct Voice<'r> {
    pub prefix: &'static str,
    /// `ip-netns-shim`: warnings, all names, marks, write errors reported.
    pub shim: bool,
    /// The roots, read once at the edge (`main`): under `ip` the run and etc dirs are
    /// iproute2's compiled-in ones.
    pub roots: &'r Roots,
}

impl Voice<'_> {
    /// A warning line, said only under `ip-netns-shim`.
    fn warn(&self, line: &str) {
        if self.shim {
            out::warn(&format!("{}: {line}", self.prefix));
        }
    }

    /// Writes `bytes` on stdout. Under `ip` a failed write is ignored, as iproute2's printf is
    /// (status 0 with stdout on /dev/full); under `ip-netns-shim` it is one message and 1.
    fn print(&self, bytes: &[u8]) -> Result<(), IpFail> {
        match out::stdout_bytes(bytes) {
            Err(e) if self.shim => Err(IpFail::ours(
                FAILED,
                self.prefix,
                &format!("write error on stdout: {}", errno::io_reason(&e)),
            )),
            _ => Ok(()),
        }
    }
}

/// Runs one `ip` / `ip-netns-shim` invocation; returns (the exit status) only when no exec
/// replaced the process.
pub fn main(argv: Vec<OsString>, shim: bool) -> u8 {
    let roots = if shim {
        Roots::from_env()
    } else {
        Roots::iproute2()
    };
    let voice = Voice {
        prefix: if shim { "ip-netns-shim" } else { "ip" },
        shim,
        roots: &roots,
    };
    let result = crate::netns::guard::refuse_setuid(voice.prefix)
        .map_err(|f| IpFail::ours(f.status, voice.prefix, &f.message))
        .and_then(|()| run(voice, args::parse(&argv, shim)));
    match result {
        Ok(status) => status.code(),
        Err(f) => {
            f.print(voice.prefix);
            f.status.code()
        }
    }
}

fn run(voice: Voice, command: IpCommand) -> Result<Status, IpFail> {
    let prefix = voice.prefix;
    match command {
        IpCommand::Refuse { line, status } => Err(IpFail::new(status, &[&line])),
        IpCommand::PassToRealIp { argv0, args } => {
            let real = crate::netns::realtool::locate(&REAL_IP, voice.roots)
                .map_err(|e| IpFail::ours(SETUP_FAILED, prefix, &e.message(&REAL_IP)))?;
            let err = exec::exec(real.as_os_str(), &argv0, &args);
            Err(IpFail::ours(
                SETUP_FAILED,
                prefix,
                &format!(
                    "cannot run the real ip {}: {}",
                    escape(real.as_os_str()),
                    errno::io_reason(&err)
                ),
            ))
        }
        IpCommand::Netns(c) => netns_command(voice, c),
    }
}

/// The run dir: under `ip` always [`netns::DEFAULT_RUN_DIR`] (iproute2 compiles it in and
/// ignores `NETNS_RUN_DIR`); under `ip-netns-shim` `$NETNS_RUN_DIR` when it passes the
/// environment rule ([`Roots`]).
pub fn run_dir(voice: Voice) -> Result<PathBuf, IpFail> {
    voice
        .roots
        .run_dir()
        .map(Path::to_path_buf)
        .map_err(|m| IpFail::ours(SETUP_FAILED, voice.prefix, &m))
}

/// The per-namespace `/etc` dir, with the same rule as [`run_dir`].
fn etc_dir(voice: Voice) -> Result<PathBuf, IpFail> {
    voice
        .roots
        .etc_dir()
        .map(Path::to_path_buf)
        .map_err(|m| IpFail::ours(SETUP_FAILED, voice.prefix, &m))
}

fn netns_command(voice: Voice, c: NetnsCommand) -> Result<Status, IpFail> {
    let run_dir = run_dir(voice)?;
    match c {
        NetnsCommand::Exec { name, argv } => {
            let etc = etc_dir(voice)?;
            Err(exec_in(voice, &run_dir, &etc, &name, &argv))
        }
        NetnsCommand::ExecAll { argv } => {
            let etc = etc_dir(voice)?;
            exec_all(voice, &run_dir, &etc, &argv)
        }
        NetnsCommand::List => list(voice, &run_dir),
        NetnsCommand::Add { name, lo_up } => admin::add(&run_dir, &name, lo_up)
            .map(|_| Status::Ok)
            .map_err(admin_fail),
        NetnsCommand::Attach { name, pid } => admin::attach(&run_dir, &name, pid)
            .map(|_| Status::Ok)
            .map_err(admin_fail),
        NetnsCommand::Delete { name } => delete(voice, &run_dir, &name),
        NetnsCommand::DeleteAll => delete_all(voice, &run_dir),
        NetnsCommand::Identify { pid } => identify(voice, &run_dir, &pid),
        NetnsCommand::Pids { name } => pids(voice, &run_dir, &name),
    }
}

fn admin_fail(e: admin::AdminError) -> IpFail {
    IpFail::new(FAILED, &[e.message.as_bytes()])
}

fn cannot_open(name: &OsStr, errno: Errno) -> IpFail {
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

fn setns_failed(name: &OsStr, errno: Errno) -> IpFail {
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
fn unusable(voice: Voice, name: &OsStr, path: &Path, u: &Unusable) -> IpFail {
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
fn bind_etc(voice: Voice, etc_dir: &Path, name: &OsStr) {
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
fn exec_in(
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
fn exec_all(
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

/// The names in the run dir (readdir order); a missing dir has none.
fn names_in(run_dir: &Path) -> Result<Vec<OsString>, IpFail> {
    nsfs::list_names(run_dir).map_err(|e| {
        IpFail::new(
            FAILED,
            &[
                b"Failed to open directory ",
                run_dir.as_os_str().as_bytes(),
                b": ",
                errno::io_reason(&e).as_bytes(),
            ],
        )
    })
}

/// `list`: every name, with `(id: N)` where the kernel has one. A bad entry is listed by name;
/// under `ip` with iproute2's two `Error: Peer netns reference is invalid.` lines on stderr,
/// under `ip-netns-shim` marked `(stale)` / `(covered)` / `(unusable)` with a line saying why.
fn list(voice: Voice, run_dir: &Path) -> Result<Status, IpFail> {
    let names = match nsfs::list_names(run_dir) {
        Ok(n) => n,
        Err(e) => {
            // iproute2 lists nothing and succeeds; the shim at least says why.
            voice.warn(&format!(
                "warning: cannot read {}: {}",
                escape(run_dir.as_os_str()),
                errno::io_reason(&e)
            ));
            return Ok(Status::Ok);
        }
    };
    let mut nsids = Nsids::open().ok();
    let mut text: Vec<u8> = Vec::new();
    // The mount table once for all entries (read only if one is stale): not once per entry.
    let mut mounts = nsfs::Mounts::default();
    for name in names {
        let path = netns::entry_path(run_dir, &name);
        let suffix = match crate::netns::probe_in(&path, &mut mounts) {
            Entry::Netns(f) => match nsids.as_mut().and_then(|s| s.id_of(f.file()).ok()) {
                Some(Some(id)) => format!(" (id: {id})"),
                _ => String::new(),
            },
            Entry::Missing => continue, // deleted while we listed
            Entry::Unusable(u) if voice.shim => {
                let link = std::fs::read_link(&path).ok();
                voice.warn(&u.describe_via(&path, link.as_deref()));
                match u {
                    Unusable::Stale => " (stale)".to_string(),
                    Unusable::Covered => " (covered)".to_string(),
                    _ => " (unusable)".to_string(),
                }
            }
            // iproute2 asks for the id only of what it could open: a dangling link or an entry
            // it may not open gets the bare name.
            Entry::Unusable(Unusable::Symlink | Unusable::Open(_)) => String::new(),
            Entry::Unusable(_) => {
                out::stderr_bytes(PEER_INVALID);
                out::stderr_bytes(PEER_INVALID);
                String::new()
            }
        };
        text.extend_from_slice(&[name.as_bytes(), suffix.as_bytes(), b"\n"].concat());
    }
    voice.print(&text).map(|()| Status::Ok)
}

/// What iproute2 6.1's `list` says (twice) for an entry that is no namespace.
const PEER_INVALID: &[u8] = b"Error: Peer netns reference is invalid.\n";

/// `delete NAME`: every mount layer, then the file; only namespaces (see [`admin::delete`]).
/// Under `ip-netns-shim` a warning names processes still inside, or the link's target.
fn delete(voice: Voice, run_dir: &Path, name: &OsStr) -> Result<Status, IpFail> {
    let deleted = admin::delete(run_dir, name).map_err(delete_fail)?;
    if !deleted.pids.is_empty() {
        let pids: Vec<String> = deleted.pids.iter().map(i32::to_string).collect();
        voice.warn(&format!(
            "warning: processes still live in '{}' and keep it alive: {} (see 'ip netns pids' before deleting)",
            escape(name),
            pids.join(" ")
        ));
    }
    if let Some(target) = deleted.link {
        voice.warn(&format!(
            "removed the symbolic link '{}'; its target {} is left as it is",
            escape(name),
            escape(target.as_os_str())
        ));
    }
    Ok(Status::Ok)
}

/// A refused or failed delete: iproute2's first line, then what the entry is.
fn delete_fail(e: admin::DeleteError) -> IpFail {
    match e {
        admin::DeleteError::Failed(e) => admin_fail(e),
        admin::DeleteError::Refused(n) => {
            let errno = match n.what {
                Unusable::NotNamespace {
                    what: "a directory",
                } => libc::EISDIR,
                Unusable::Open(e) => e as i32,
                _ => libc::EINVAL,
            };
            let mut f = IpFail::new(
                FAILED,
                &[
                    b"Cannot remove namespace file \"",
                    n.path.as_os_str().as_bytes(),
                    b"\": ",
                    errno::strerror(errno).as_bytes(),
                ],
            );
            f.more.push(format!(
                "{}; only a namespace (an nsfs mount or an empty file) is deleted",
                n.what.describe_via(&n.path, n.link.as_deref())
            ));
            f
        }
    }
}

/// `-all delete`: every namespace entry, going on after a failure; 1 if any failed (iproute2
/// stops at the first failure and returns 0). Entries that are no namespace are skipped (said
/// under `ip-netns-shim`).
fn delete_all(voice: Voice, run_dir: &Path) -> Result<Status, IpFail> {
    let mut status = Status::Ok;
    for name in names_in(run_dir)? {
        match admin::delete(run_dir, &name) {
            Ok(_) => {}
            Err(admin::DeleteError::Refused(n)) => voice.warn(&format!(
                "skipped: {}",
                n.what.describe_via(&n.path, n.link.as_deref())
            )),
            Err(e) => {
                delete_fail(e).print(voice.prefix);
                status = FAILED;
            }
        }
    }
    Ok(status)
}

/// `identify [PID]`: the names whose entry is PID's network namespace (symlinked entries
/// followed). Under `ip` the last one, as iproute2 6.1 prints it; under `ip-netns-shim` all of
/// them, one a line. An empty line when none is, as iproute2.
fn identify(voice: Voice, run_dir: &Path, pid: &OsStr) -> Result<Status, IpFail> {
    let proc_path = Path::new("/proc").join(pid).join("ns/net");
    let id = nsfs::identity(&proc_path).map_err(|e| {
        IpFail::new(
            FAILED,
            &[
                b"Cannot open network namespace: ",
                errno::io_reason(&e).as_bytes(),
            ],
        )
    })?;
    let mut names = match admin::names_of(run_dir, id) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(IpFail::new(
                FAILED,
                &[
                    b"Failed to open directory ",
                    run_dir.as_os_str().as_bytes(),
                    b":",
                    errno::io_reason(&e).as_bytes(),
                ],
            ));
        }
    };
    if !voice.shim && names.len() > 1 {
        names.drain(..names.len() - 1);
    }
    let mut text: Vec<u8> = Vec::new();
    for n in &names {
        text.extend_from_slice(n.as_bytes());
        text.push(b'\n');
    }
    if names.is_empty() {
        text.push(b'\n');
    }
    voice.print(&text).map(|()| Status::Ok)
}

fn pids_cannot_open(errno: Errno) -> IpFail {
    IpFail::new(
        FAILED,
        &[
            b"Cannot open network namespace: ",
            errno::strerror(errno as i32).as_bytes(),
        ],
    )
}

/// `pids NAME`: the processes in the namespace (a symlinked entry followed). An entry that is no
/// namespace lists none and succeeds, as iproute2; under `ip-netns-shim` with the reason.
fn pids(voice: Voice, run_dir: &Path, name: &OsStr) -> Result<Status, IpFail> {
    let path = netns::entry_path(run_dir, name);
    let id = match crate::netns::probe(&path) {
        Entry::Netns(f) => f.identity().map_err(|e| {
            IpFail::new(
                FAILED,
                &[b"Stat of netns failed: ", errno::io_reason(&e).as_bytes()],
            )
        })?,
        Entry::Missing | Entry::Unusable(Unusable::Symlink) => {
            return Err(pids_cannot_open(Errno::ENOENT));
        }
        Entry::Unusable(Unusable::Open(e)) => return Err(pids_cannot_open(e)),
        Entry::Unusable(Unusable::Socket) => return Err(pids_cannot_open(Errno::ENXIO)),
        Entry::Unusable(u) => {
            let link = std::fs::read_link(&path).ok();
            voice.warn(&u.describe_via(&path, link.as_deref()));
            for h in crate::netns::host::hints(&u, name, &path, voice.roots.is_zone(name)) {
                voice.warn(&format!("hint: {h}"));
            }
            return Ok(Status::Ok);
        }
    };
    let mut text = String::new();
    for pid in admin::pids_in(id) {
        text.push_str(&format!("{pid}\n"));
    }
    voice.print(text.as_bytes()).map(|()| Status::Ok)
}
