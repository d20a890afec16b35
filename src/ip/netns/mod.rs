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
//!
//! This file reads the roots and dispatches; each verb has its file: `exec` (one name and
//! `-all`), `list`, `delete` (one and `-all`), `identify`, `pids`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::ip::args::{self, IpCommand, NetnsCommand};
use crate::netns::Roots;
use crate::netns::registry as admin;
use crate::report::errno;
use crate::report::out;
use crate::report::quote::escape;
use crate::report::status::Status;
use crate::sys::exec::REAL_IP;

mod delete;
mod exec;
mod identify;
mod list;
mod pids;

use delete::{delete, delete_all};
pub use exec::switch;
use exec::{exec_all, exec_in};
use identify::identify;
use list::list;
use pids::pids;

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
            let err = crate::sys::exec::exec(real.as_os_str(), &argv0, &args);
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
