//! The `ip` / `ip-netns-shim` personality's shell: carries out what `ip_args` decided.
//! Side-effecting (setns, mounts, exec, fork for `-all exec`).
//!
//! `exec` follows iproute2's `netns_switch` step for step (open, setns, unshare(CLONE_NEWNS),
//! `/` rslave, `/sys` detached and a sysfs of the namespace mounted, `/etc/netns/NAME/*` bound over
//! `/etc`, exec in place) with iproute2's messages and statuses (255 setup, 1 failed exec), and
//! does better where iproute2 leaves users stuck: the entry is opened with O_NOFOLLOW and checked
//! (nsfs, NS_GET_NSTYPE) before setns, and a bad entry gets iproute2's first line followed by an
//! explanation; the `/sys` submounts that describe no network state (`/sys/fs/cgroup`, bpf,
//! tracing, ...) are carried over onto the new sysfs (`sys_remount`); a bind over a symlinked
//! `/etc` target is warned about. No thread exists before setns; the program gets
//! std's exec (default SIGPIPE, empty signal mask) and no fd of ours.
//!
//! First lines that iproute2 prints are printed as iproute2 prints them (raw operand bytes);
//! the lines we add after them carry our prefix and escape operands.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::ForkResult;

use crate::ip::admin;
use crate::ip::args::{self, IpCommand, NetnsCommand};
use crate::netns::{self, Entry, Unusable};
use crate::quote::escape;
use crate::sys::exec::{self, REAL_IP};
use crate::sys::nsfs;
use crate::sys::nsid::Nsids;
use crate::sys::remount;

/// The run dir Debian's (and most distributions') iproute2 is built with; `/var/run/netns`, the
/// upstream default, is the same directory wherever `/var/run` links to `/run`. iproute2's
/// messages name this path, so ours do too.
pub const IP_RUN_DIR: &str = "/run/netns";

/// Status of every setup failure (iproute2's `exit(-1)` / `return -1` from `do_cmd`).
pub const SETUP_FAILED: u8 = 255;
/// Status of a failed exec and of the subcommands' own failures.
pub const FAILED: u8 = 1;

/// A failure: iproute2's first line (raw bytes), then our explanation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpFail {
    pub status: u8,
    pub line: Vec<u8>,
    pub more: Vec<String>,
}

impl IpFail {
    fn new(status: u8, parts: &[&[u8]]) -> IpFail {
        IpFail {
            status,
            line: parts.concat(),
            more: Vec::new(),
        }
    }

    fn ours(status: u8, prefix: &str, message: &str) -> IpFail {
        IpFail::new(status, &[prefix.as_bytes(), b": ", message.as_bytes()])
    }

    fn print(&self, prefix: &str) {
        let mut err = io::stderr().lock();
        let _ = err.write_all(&self.line);
        let _ = err.write_all(b"\n");
        for m in &self.more {
            let _ = writeln!(err, "{prefix}: {m}");
        }
    }
}

/// Runs one `ip` / `ip-netns-shim` invocation; returns only when no exec replaced the process.
pub fn main(argv: Vec<OsString>, shim: bool) -> ExitCode {
    let prefix = if shim { "ip-netns-shim" } else { "ip" };
    let result = crate::vspace::shell::refuse_setuid(prefix)
        .map_err(|f| IpFail::ours(f.status, prefix, &f.message))
        .and_then(|()| run(prefix, args::parse(&argv, shim)));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            f.print(prefix);
            ExitCode::from(f.status)
        }
    }
}

fn run(prefix: &str, command: IpCommand) -> Result<u8, IpFail> {
    match command {
        IpCommand::Refuse { line, status } => Err(IpFail::new(status, &[&line])),
        IpCommand::PassToRealIp { argv0, args } => {
            let real = exec::locate(&REAL_IP)
                .map_err(|e| IpFail::ours(SETUP_FAILED, prefix, &e.message(&REAL_IP)))?;
            let err = exec::exec(real.as_os_str(), &argv0, &args);
            Err(IpFail::ours(
                SETUP_FAILED,
                prefix,
                &format!(
                    "cannot run the real ip {}: {}",
                    escape(real.as_os_str()),
                    exec::io_reason(&err)
                ),
            ))
        }
        IpCommand::Netns(c) => netns_command(prefix, c),
    }
}

/// `$NETNS_RUN_DIR` (absolute) or [`IP_RUN_DIR`].
pub fn run_dir(prefix: &str) -> Result<PathBuf, IpFail> {
    if std::env::var_os("NETNS_RUN_DIR").is_none() {
        return Ok(PathBuf::from(IP_RUN_DIR));
    }
    netns::run_dir().map_err(|m| IpFail::ours(SETUP_FAILED, prefix, &m))
}

fn etc_dir(prefix: &str) -> Result<PathBuf, IpFail> {
    netns::etc_dir().map_err(|m| IpFail::ours(SETUP_FAILED, prefix, &m))
}

fn netns_command(prefix: &str, c: NetnsCommand) -> Result<u8, IpFail> {
    let run_dir = run_dir(prefix)?;
    match c {
        NetnsCommand::Exec { name, argv } => {
            let etc = etc_dir(prefix)?;
            Err(exec_in(prefix, &run_dir, &etc, &name, &argv))
        }
        NetnsCommand::ExecAll { argv } => {
            let etc = etc_dir(prefix)?;
            exec_all(prefix, &run_dir, &etc, &argv)
        }
        NetnsCommand::List => list(prefix, &run_dir),
        NetnsCommand::Add { name, lo_up } => admin::add(&run_dir, &name, lo_up)
            .map(|_| 0)
            .map_err(admin_fail),
        NetnsCommand::Attach { name, pid } => admin::attach(&run_dir, &name, pid)
            .map(|_| 0)
            .map_err(admin_fail),
        NetnsCommand::Delete { name } => delete(prefix, &run_dir, &name),
        NetnsCommand::DeleteAll => delete_all(prefix, &run_dir),
        NetnsCommand::Identify { pid } => identify(&run_dir, &pid),
        NetnsCommand::Pids { name } => pids(prefix, &run_dir, &name),
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
            exec::strerror(errno as i32).as_bytes(),
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
            exec::strerror(errno as i32).as_bytes(),
        ],
    )
}

/// The first line iproute2 would print for an entry we refuse, then why and what to do.
fn unusable(name: &OsStr, path: &Path, u: &Unusable) -> IpFail {
    let mut f = match u {
        // iproute2 follows a link; O_NOFOLLOW gives ELOOP, reported where iproute2 reports open.
        Unusable::Symlink => cannot_open(name, Errno::ELOOP),
        Unusable::Open(e) => cannot_open(name, *e),
        // iproute2's open fails with ENXIO here too; the lines after it say it is a socket.
        Unusable::Socket => cannot_open(name, Errno::ENXIO),
        // iproute2 opens these fine and setns refuses them with EINVAL (a FIFO would block it).
        Unusable::Stale | Unusable::NotNamespace { .. } | Unusable::OtherType { .. } => {
            setns_failed(name, Errno::EINVAL)
        }
    };
    if !matches!(u, Unusable::Open(_)) {
        f.more.push(u.describe(path));
        f.more.extend(
            crate::host::hints(u, name, path)
                .into_iter()
                .map(|h| format!("hint: {h}")),
        );
    }
    f
}

/// Opens, checks and enters the namespace `name`, then builds its view of the system: a mount
/// namespace of our own, /sys for the namespace, /etc/netns/NAME bound over /etc.
pub fn switch(prefix: &str, run_dir: &Path, etc_dir: &Path, name: &OsStr) -> Result<(), IpFail> {
    let path = netns::entry_path(run_dir, name);
    // Stale here but live as PID 1 sees it (a private mount namespace): the host's namespace.
    let entry = match crate::host::probe(&path).0 {
        Entry::Netns(f) => f,
        Entry::Missing => return Err(cannot_open(name, Errno::ENOENT)),
        Entry::Unusable(u) => return Err(unusable(name, &path, &u)),
    };
    entry.enter().map_err(|e| setns_failed(name, e))?;
    drop(entry);
    unshare(CloneFlags::CLONE_NEWNS).map_err(|e| {
        IpFail::new(
            SETUP_FAILED,
            &[b"unshare failed: ", exec::strerror(e as i32).as_bytes()],
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
                exec::strerror(e as i32).as_bytes(),
            ],
        )
    })?;
    let hidden = remount::remount(name, remount::Strategy::Keep).map_err(|e| {
        IpFail::new(
            SETUP_FAILED,
            &[
                b"mount of /sys failed: ",
                exec::strerror(e as i32).as_bytes(),
            ],
        )
    })?;
    for (point, e) in hidden {
        warn_kept(prefix, &point, &e);
    }
    bind_etc(prefix, etc_dir, name);
    Ok(())
}

fn warn_kept(prefix: &str, point: &OsStr, e: &io::Error) {
    eprintln!(
        "{prefix}: warning: {} stays hidden under the namespace's /sys: {}",
        escape(point),
        exec::io_reason(e)
    );
}

/// Binds every entry of `etc_dir/NAME/` over `/etc/ENTRY` (iproute2's `bind_etc`: a failure is
/// a warning), and warns when `/etc/ENTRY` is a symlink: the bind lands on the link's target,
/// which a resolver that replaces its file (rename) takes away again.
fn bind_etc(prefix: &str, etc_dir: &Path, name: &OsStr) {
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
                let mut err = io::stderr().lock();
                let _ = err.write_all(
                    &[
                        b"Bind ",
                        src.as_os_str().as_bytes(),
                        b" -> ",
                        dst.as_os_str().as_bytes(),
                        b" failed: ",
                        exec::strerror(e as i32).as_bytes(),
                        b"\n",
                    ]
                    .concat(),
                );
            }
            Ok(()) => {
                if let Some(target) = link {
                    eprintln!(
                        "{prefix}: warning: {} is a symbolic link to {}: {} is bound over that file, and a program that replaces it (a resolver renaming a new file into place) drops the bind; make {} a regular file to keep it",
                        escape(dst.as_os_str()),
                        escape(target.as_os_str()),
                        escape(src.as_os_str()),
                        escape(dst.as_os_str()),
                    );
                }
            }
        }
    }
}

/// `exec NAME CMD...`: switch, then become CMD. Returns only the failure.
fn exec_in(
    prefix: &str,
    run_dir: &Path,
    etc_dir: &Path,
    name: &OsStr,
    argv: &[OsString],
) -> IpFail {
    if let Err(f) = switch(prefix, run_dir, etc_dir, name) {
        return f;
    }
    let err = exec::exec(&argv[0], &argv[0], &argv[1..]);
    IpFail::new(
        FAILED,
        &[
            b"exec of \"",
            argv[0].as_bytes(),
            b"\" failed: ",
            exec::io_reason(&err).as_bytes(),
        ],
    )
}

/// `-all exec CMD...`: for every name, `\nnetns: NAME\n`, then CMD in a child switched into it.
/// Statuses are ignored (0), but a child killed by a signal stops the loop with 1, as iproute2.
fn exec_all(prefix: &str, run_dir: &Path, etc_dir: &Path, argv: &[OsString]) -> Result<u8, IpFail> {
    let names = names_in(run_dir)?;
    for name in names {
        {
            let mut out = io::stdout().lock();
            let _ = out.write_all(&[b"\nnetns: ", name.as_bytes(), b"\n"].concat());
            let _ = out.flush();
        }
        // This process never starts a thread on this path.
        match crate::sys::process::fork_single_threaded() {
            Err(e) => {
                return Err(IpFail::new(
                    FAILED,
                    &[b"fork: ", exec::strerror(e as i32).as_bytes()],
                ));
            }
            Ok(ForkResult::Child) => {
                let f = exec_in(prefix, run_dir, etc_dir, &name, argv);
                f.print(prefix);
                std::process::exit(f.status.into());
            }
            Ok(ForkResult::Parent { child }) => match waitpid(child, None) {
                Ok(WaitStatus::Exited(..)) => {}
                Ok(_) => return Ok(FAILED),
                Err(e) => {
                    return Err(IpFail::new(
                        FAILED,
                        &[b"waitpid: ", exec::strerror(e as i32).as_bytes()],
                    ));
                }
            },
        }
    }
    Ok(0)
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
                exec::io_reason(&e).as_bytes(),
            ],
        )
    })
}

/// `list`: every name, with `(id: N)` where the kernel has one; a bad entry is shown as
/// `(stale)` / `(unusable)` with a line on stderr saying why, and the listing goes on.
fn list(prefix: &str, run_dir: &Path) -> Result<u8, IpFail> {
    let names = match nsfs::list_names(run_dir) {
        Ok(n) => n,
        Err(e) => {
            // iproute2 lists nothing and succeeds; we at least say why.
            eprintln!(
                "{prefix}: warning: cannot read {}: {}",
                escape(run_dir.as_os_str()),
                exec::io_reason(&e)
            );
            return Ok(0);
        }
    };
    let mut nsids = Nsids::open().ok();
    let mut out = io::stdout().lock();
    for name in names {
        let path = netns::entry_path(run_dir, &name);
        let suffix = match nsfs::probe(&path) {
            Entry::Netns(f) => match nsids.as_mut().and_then(|s| s.id_of(f.file()).ok()) {
                Some(Some(id)) => format!(" (id: {id})"),
                _ => String::new(),
            },
            Entry::Missing => continue, // deleted while we listed
            Entry::Unusable(u) => {
                eprintln!("{prefix}: {}", u.describe(&path));
                match u {
                    Unusable::Stale => " (stale)".to_string(),
                    _ => " (unusable)".to_string(),
                }
            }
        };
        let line = [name.as_bytes(), suffix.as_bytes(), b"\n"].concat();
        if out.write_all(&line).is_err() {
            return Ok(FAILED);
        }
    }
    Ok(if out.flush().is_err() { FAILED } else { 0 })
}

/// `delete NAME`: every mount layer, then the file; a warning names processes still inside.
fn delete(prefix: &str, run_dir: &Path, name: &OsStr) -> Result<u8, IpFail> {
    let deleted = admin::delete(run_dir, name).map_err(admin_fail)?;
    if !deleted.pids.is_empty() {
        let pids: Vec<String> = deleted.pids.iter().map(i32::to_string).collect();
        eprintln!(
            "{prefix}: warning: processes still live in '{}' and keep it alive: {} (see 'ip netns pids' before deleting)",
            escape(name),
            pids.join(" ")
        );
    }
    Ok(0)
}

/// `-all delete`: every entry, going on after a failure; 1 if any failed (iproute2 stops at the
/// first failure and returns 0).
fn delete_all(prefix: &str, run_dir: &Path) -> Result<u8, IpFail> {
    let mut status = 0;
    for name in names_in(run_dir)? {
        if let Err(f) = delete(prefix, run_dir, &name) {
            f.print(prefix);
            status = FAILED;
        }
    }
    Ok(status)
}

/// `identify [PID]`: every name whose entry is PID's network namespace, one a line (iproute2
/// prints only the last); an empty line when none is, as iproute2.
fn identify(run_dir: &Path, pid: &OsStr) -> Result<u8, IpFail> {
    let proc_path = Path::new("/proc").join(pid).join("ns/net");
    let id = nsfs::identity(&proc_path).map_err(|e| {
        IpFail::new(
            FAILED,
            &[
                b"Cannot open network namespace: ",
                exec::io_reason(&e).as_bytes(),
            ],
        )
    })?;
    let names = match admin::names_of(run_dir, id) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(IpFail::new(
                FAILED,
                &[
                    b"Failed to open directory ",
                    run_dir.as_os_str().as_bytes(),
                    b":",
                    exec::io_reason(&e).as_bytes(),
                ],
            ));
        }
    };
    let mut text: Vec<u8> = Vec::new();
    for n in &names {
        text.extend_from_slice(n.as_bytes());
        text.push(b'\n');
    }
    if names.is_empty() {
        text.push(b'\n');
    }
    let mut out = io::stdout().lock();
    Ok(
        if out.write_all(&text).and_then(|()| out.flush()).is_err() {
            FAILED
        } else {
            0
        },
    )
}

fn pids_cannot_open(errno: Errno) -> IpFail {
    IpFail::new(
        FAILED,
        &[
            b"Cannot open network namespace: ",
            exec::strerror(errno as i32).as_bytes(),
        ],
    )
}

/// `pids NAME`: the processes in the namespace; a bad entry lists none (as iproute2) but says why.
fn pids(prefix: &str, run_dir: &Path, name: &OsStr) -> Result<u8, IpFail> {
    let path = netns::entry_path(run_dir, name);
    let id = match nsfs::probe(&path) {
        Entry::Netns(f) => f.identity().map_err(|e| {
            IpFail::new(
                FAILED,
                &[b"Stat of netns failed: ", exec::io_reason(&e).as_bytes()],
            )
        })?,
        Entry::Missing => return Err(pids_cannot_open(Errno::ENOENT)),
        Entry::Unusable(Unusable::Open(e)) => return Err(pids_cannot_open(e)),
        Entry::Unusable(Unusable::Socket) => return Err(pids_cannot_open(Errno::ENXIO)),
        Entry::Unusable(u) => {
            eprintln!("{prefix}: {}", u.describe(&path));
            for h in crate::host::hints(&u, name, &path) {
                eprintln!("{prefix}: hint: {h}");
            }
            return Ok(0);
        }
    };
    let mut text = String::new();
    for pid in admin::pids_in(id) {
        text.push_str(&format!("{pid}\n"));
    }
    let mut out = io::stdout().lock();
    Ok(
        if out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            FAILED
        } else {
            0
        },
    )
}
