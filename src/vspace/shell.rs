//! The vspace personality's shell: gathers the facts the planner needs, then carries the plan
//! out (setns, exec). Side-effecting; every decision is in `vspace_plan`.
//!
//! Order, as nsenter does it: everything that can fail without changing us (the setuid check,
//! the run dir, opening and checking the entry, finding the real vspace) happens before setns;
//! after setns only exec is left. Failures print one `vspace: ...` message and exit 255, as
//! vspace does.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use nix::errno::Errno;

use crate::fail::{self, Fail};
use crate::netns;
use crate::quote::escape;
use crate::sys::exec::{self, REAL_VSPACE};
use crate::sys::nsfs::NetnsFile;
use crate::vspace::plan::{self, Plan, Then};

const PREFIX: &str = "vspace";
/// vspace's status for every failure of its own.
pub const FAILURE: u8 = 255;

fn fail(message: String) -> Fail {
    Fail::new(PREFIX, FAILURE, message)
}

/// Runs one vspace invocation; returns only when no exec happened.
pub fn main(argv: Vec<OsString>) -> ExitCode {
    match run(&argv) {
        Ok(never) => match never {},
        Err(f) => fail::report(&f),
    }
}

fn run(argv: &[OsString]) -> Result<std::convert::Infallible, Fail> {
    refuse_setuid(PREFIX)?;
    let plan = decide(argv);
    carry_out(argv, plan)
}

/// Gathers the facts and decides (also what `explain` shows).
pub fn decide(argv: &[OsString]) -> Plan<NetnsFile> {
    let run_dir = netns::run_dir();
    let plan = plan::plan(
        argv,
        run_dir.as_deref().map_err(String::as_str),
        crate::vspace::hostview::probe,
    );
    crate::vspace::hostview::amend(argv, run_dir.as_deref().ok(), plan)
}

/// Refuses to run with real and effective ids that differ: this binary is not a setuid helper.
pub fn refuse_setuid(prefix: &'static str) -> Result<(), Fail> {
    let (uid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    let (gid, egid) = (nix::unistd::getgid(), nix::unistd::getegid());
    if uid != euid || gid != egid {
        return Err(Fail::new(
            prefix,
            FAILURE,
            format!(
                "refusing to run setuid or setgid (uid {uid}, euid {euid}, gid {gid}, egid {egid}); remove the set-id bits (chmod u-s,g-s) and run it as root"
            ),
        ));
    }
    Ok(())
}

/// The real vspace, or the message that says why it cannot be used.
pub fn real_vspace() -> Result<PathBuf, Fail> {
    exec::locate(&REAL_VSPACE).map_err(|e| fail(e.message(&REAL_VSPACE)))
}

fn carry_out(argv: &[OsString], plan: Plan<NetnsFile>) -> Result<std::convert::Infallible, Fail> {
    let argv0 = argv.first().cloned().unwrap_or_else(|| "vspace".into());
    // The real vspace is located (or the call refused) before anything changes, never after setns.
    let real = match plan::real_vspace_args(argv, &plan) {
        Some(args) => Some((real_vspace()?, args.to_vec())),
        None => None,
    };
    let program = match plan {
        Plan::Refuse {
            message,
            prefixed,
            hints,
        } => {
            let mut f = Fail::new(if prefixed { PREFIX } else { "" }, FAILURE, message);
            f.hints = hints;
            return Err(f);
        }
        Plan::PassThrough { .. } => None,
        Plan::Enter {
            name, entry, then, ..
        } => {
            enter(&name, &entry)?;
            match then {
                Then::Program { program } => Some(program),
                Then::RealVspace { .. } => None,
            }
        }
    };
    // Only exec is left.
    let err = match (real, program) {
        (Some((real, args)), _) => {
            let err = exec::exec(real.as_os_str(), &argv0, &args);
            format!(
                "execv(\"{}\"): {}",
                escape(real.as_os_str()),
                exec::io_reason(&err)
            )
        }
        (None, Some(program)) => {
            let prog = &argv[program];
            let err = exec::exec(prog, prog, &argv[program + 1..]);
            format!("execvp(\"{}\"): {}", escape(prog), exec::io_reason(&err))
        }
        (None, None) => {
            unreachable!("a plan that is not refused runs the real vspace or a program")
        }
    };
    Err(fail(err))
}

/// setns into the checked namespace, with a hint when we lack the privilege for it.
pub fn enter(name: &std::ffi::OsStr, entry: &NetnsFile) -> Result<(), Fail> {
    entry.enter().map_err(|errno| {
        let f = fail(format!(
            "cannot enter network namespace '{}': setns: {}",
            escape(name),
            errno.desc()
        ));
        let privileged = caps::has_cap(
            None,
            caps::CapSet::Effective,
            caps::Capability::CAP_SYS_ADMIN,
        )
        .unwrap_or(false);
        if errno == Errno::EPERM && !privileged {
            f.hint("entering a network namespace needs CAP_SYS_ADMIN: run it as root")
        } else {
            f
        }
    })
}
