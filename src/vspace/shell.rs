//! The vspace personality's shell: gathers the facts the planner needs, then carries the plan
//! out (setns, exec). Side-effecting; every decision is in `vspace_plan`.
//!
//! Order, as nsenter does it: everything that can fail without changing us (the setuid check,
//! the run dir, opening and checking the entry, finding the real vspace) happens before setns;
//! after setns only exec is left. Failures print one `vspace: ...` message and exit 255, as
//! vspace does.

use std::ffi::OsString;
use std::path::PathBuf;

use nix::errno::Errno;

use crate::netns::Roots;
use crate::report::errno;
use crate::report::fail::{self, Fail};
use crate::report::quote::escape;
use crate::report::status::Status;
use crate::sys::exec::{self, REAL_VSPACE};
use crate::sys::nsfs::NetnsFile;
use crate::vspace::facts;
use crate::vspace::plan::{self, Plan, Then};

const PREFIX: &str = "vspace";
fn fail(message: String) -> Fail {
    Fail::new(PREFIX, Status::Setup, message)
}

/// Runs one vspace invocation; returns (the exit status) only when no exec happened.
pub fn main(argv: Vec<OsString>) -> u8 {
    match run(&argv, &Roots::from_env()) {
        Ok(never) => match never {},
        Err(f) => fail::report(&f),
    }
}

fn run(argv: &[OsString], roots: &Roots) -> Result<std::convert::Infallible, Fail> {
    crate::netns::guard::refuse_setuid(PREFIX)?;
    let plan = decide(argv, roots);
    carry_out(argv, plan, roots)
}

/// Decides (also what `explain` shows): the planner, with the facts about the candidate's
/// entry gathered by [`facts::gather`] (an entry that is the host's own network namespace is
/// refused whatever it is: a guest that asked for a zone never runs in the host's network).
pub fn decide(argv: &[OsString], roots: &Roots) -> Plan<NetnsFile> {
    let run_dir = roots.run_dir();
    plan::decide(
        argv,
        run_dir.as_deref().map_err(String::as_str),
        |name, path| facts::gather(roots, name, path),
    )
}

/// The real vspace, or the message that says why it cannot be used.
pub fn real_vspace(roots: &Roots) -> Result<PathBuf, Fail> {
    crate::netns::realtool::locate(&REAL_VSPACE, roots).map_err(|e| fail(e.message(&REAL_VSPACE)))
}

fn carry_out(
    argv: &[OsString],
    plan: Plan<NetnsFile>,
    roots: &Roots,
) -> Result<std::convert::Infallible, Fail> {
    let argv0 = argv.first().cloned().unwrap_or_else(|| "vspace".into());
    match plan {
        Plan::Refuse {
            message,
            prefixed,
            hints,
        } => {
            let mut f = Fail::new(if prefixed { PREFIX } else { "" }, Status::Setup, message);
            f.hints = hints;
            Err(f)
        }
        Plan::PassThrough { args, .. } => {
            let real = real_vspace(roots)?;
            Err(exec_real(&real, &argv0, &args))
        }
        Plan::Enter {
            name, entry, then, ..
        } => match then {
            Then::Program { program } => {
                enter(&name, &entry)?;
                drop(entry);
                // Only exec is left.
                let prog = &argv[program];
                let err = exec::exec(prog, prog, &argv[program + 1..]);
                Err(fail(format!(
                    "execvp(\"{}\"): {}",
                    escape(prog),
                    errno::io_reason(&err)
                )))
            }
            Then::RealVspace { args } => {
                // Located (or the call refused) before anything changes, never after setns.
                let real = real_vspace(roots)?;
                enter(&name, &entry)?;
                drop(entry);
                Err(exec_real(&real, &argv0, &args))
            }
        },
    }
}

/// Execs the real vspace; returns the failure.
fn exec_real(real: &std::path::Path, argv0: &std::ffi::OsStr, args: &[OsString]) -> Fail {
    let err = exec::exec(real.as_os_str(), argv0, args);
    fail(format!(
        "execv(\"{}\"): {}",
        escape(real.as_os_str()),
        errno::io_reason(&err)
    ))
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
