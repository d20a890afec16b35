//! What every part of the zones shares: the message prefix and a failure in its words, the
//! run dir, a zone loaded and locked by name, how a printed line counts. Side-effecting
//! (reads the zone's files under the roots it is given; `lock_zone` takes a lock).

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::netns::Roots;
use crate::report::Status;
use crate::report::fail::Fail;
use crate::report::out;
use crate::report::quote::escape;
use crate::sys::exec;
use crate::zone::config::{self, Zone};
use crate::zone::script;

/// `1 2 3`.
pub fn pid_list(pids: &[i32]) -> String {
    pids.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first ten of `pids`, and how many more: for lists that can hold every process of the
/// host (those whose namespace may not be read).
pub fn some_pids(pids: &[i32]) -> String {
    const SHOWN: usize = 10;
    match pids.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!("{} and {more} more", pid_list(&pids[..SHOWN])),
        _ => pid_list(pids),
    }
}

/// Prefix of every message.
pub const PREFIX: &str = "vspace-netns";
pub use crate::netns::roots::DEFAULT_VPROCUNHIDE;

pub(crate) fn fail(message: String) -> Fail {
    Fail::new(PREFIX, Status::Failed, message)
}

/// The run dir: `$NETNS_RUN_DIR` or `/run/netns` (`Roots`), as for the ip personality, and
/// printable in a shell line.
pub fn run_dir(roots: &Roots) -> Result<PathBuf, Fail> {
    let dir = roots.run_dir().map_err(fail)?.to_path_buf();
    script::printable(dir.as_os_str()).map_err(|e| fail(format!("NETNS_RUN_DIR {e}")))?;
    Ok(dir)
}

/// Validates the operand and reads the zone.
pub fn load(roots: &Roots, netns: &OsStr) -> Result<Zone, Fail> {
    config::check_zone_name(netns).map_err(|e| fail(format!("bad zone name {e}")))?;
    let confdir = roots.zones().map_err(fail)?;
    config::read_zone(confdir, netns).map_err(|e| fail(e.to_string()))
}

/// A line on stdout; one that cannot be written fails the run.
pub(crate) fn say(line: &str) -> Result<(), Fail> {
    crate::report::fail::stdout_or_fail(PREFIX, &format!("{line}\n"))
}

/// Holds flock(LOCK_EX) on the zone's configuration directory: guests of one zone starting
/// or stopping at the same time run their hooks one after the other, each seeing the facts
/// the previous one left.
pub(crate) fn lock_zone(
    roots: &Roots,
    netns: &OsStr,
) -> Result<nix::fcntl::Flock<std::fs::File>, Fail> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = roots.zones().map_err(fail)?.join(netns);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
        .open(&dir)
        .map_err(|e| {
            fail(format!(
                "cannot open {}: {}",
                escape(dir.as_os_str()),
                exec::io_reason(&e)
            ))
        })?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| {
        fail(format!(
            "cannot lock {}: {}",
            escape(dir.as_os_str()),
            e.desc()
        ))
    })
}

/// What a line of `up` or `down` on stdout is to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// The admin's own `up`/`down`: a line that cannot be written fails the run (status 1)
    /// before its step.
    Required,
    /// The hook's: the lines only inform (util-vserver discards them); a line that cannot be
    /// written (`/dev/full`, a closed pipe) is lost, the work goes on.
    Informative,
}

impl Lines {
    pub(crate) fn say(self, line: &str) -> Result<(), Fail> {
        match self {
            Lines::Required => say(line),
            Lines::Informative => {
                out::note(line);
                Ok(())
            }
        }
    }
}
