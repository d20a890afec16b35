//! Claims of starting guests on their zone, so that another guest's post-stop never takes a
//! zone down under a start that has brought it up but has no process in it yet.
//! Side-effecting (files under the state dir, `/proc`); [`parse_claim`] and [`start_time`] are
//! pure.
//!
//! A claim is the file `STATE/claims/ZONE/GUEST` (STATE: `$VSPACE_NETNS_STATE_DIR`, default
//! `/run/vspace-netns`), holding `PID STARTTIME` of the process running the guest's start (the
//! hook's parent: util-vserver's `vserver ... start`), STARTTIME being field 22 of
//! `/proc/PID/stat` so that a reused PID never keeps a claim alive. The hook writes it at
//! initialize and prepre-start, before `up` takes the zone's lock, and removes it at post-start
//! (the guest's processes are in the namespace by then) and at the guest's own post-stop. A
//! claim whose start no longer runs (a start that failed half-way) has expired: [`live`] removes
//! it. `down` (and so the hook's post-stop) refuses a zone with a live claim unless forced.
//! zone's `down` asks through its caller ([`live_names`]): zone never names this module.
//! A claim is written in `STATE/tmp` and renamed into place, so the claims directory holds
//! claims only (any guest name is a claim's name); it is read as configuration files are
//! (no symlink followed, no FIFO blocking, regular files only). A temporary left by a hook
//! killed before the rename is removed by the next claim, once its process is gone.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::netns::Roots;
use crate::report::quote::escape;

pub use crate::netns::roots::DEFAULT_STATE_DIR;

/// A claim that could not be made, removed or read: the state dir's variable refused, or a
/// file operation the system refused (what, the path, its reason).
#[derive(Debug)]
pub enum ClaimError {
    /// `VSPACE_NETNS_STATE_DIR` names no absolute directory (the message says why).
    StateDir(String),
    /// The system refused `what` on `path`.
    Io {
        what: &'static str,
        path: PathBuf,
        error: io::Error,
    },
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::StateDir(m) => f.write_str(m),
            ClaimError::Io { what, path, error } => write!(
                f,
                "{what} {}: {}",
                escape(path.as_os_str()),
                crate::sys::exec::io_reason(error)
            ),
        }
    }
}

impl std::error::Error for ClaimError {}

/// The state dir.
pub fn state_dir(roots: &Roots) -> Result<PathBuf, ClaimError> {
    roots
        .state_dir()
        .map(Path::to_path_buf)
        .map_err(ClaimError::StateDir)
}

/// `STATE/claims/ZONE`.
pub fn zone_dir(roots: &Roots, zone: &str) -> Result<PathBuf, ClaimError> {
    Ok(state_dir(roots)?.join("claims").join(zone))
}

/// A process, told apart from a later one with the same PID by its start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Starter {
    pub pid: i32,
    /// Field 22 of `/proc/PID/stat` (clock ticks after boot).
    pub start: u64,
}

/// Field 22 (starttime) of a `/proc/PID/stat` line; the command name (field 2, in
/// parentheses) may hold spaces and parentheses, so fields are counted after its last `)`.
pub fn start_time(stat: &[u8]) -> Option<u64> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(&stat[close + 1..]).ok()?;
    // After ')': field 3 (state) is the first; starttime is field 22.
    rest.split_ascii_whitespace().nth(19)?.parse().ok()
}

/// The starter of `pid`, if it runs.
pub fn starter(pid: i32) -> Option<Starter> {
    let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
    Some(Starter {
        pid,
        start: start_time(&stat)?,
    })
}

/// `PID STARTTIME` as written in a claim.
pub fn parse_claim(text: &[u8]) -> Option<Starter> {
    let t = std::str::from_utf8(text).ok()?;
    let mut w = t.split_ascii_whitespace();
    let s = Starter {
        pid: w.next()?.parse().ok()?,
        start: w.next()?.parse().ok()?,
    };
    w.next().is_none().then_some(s)
}

/// The system's refusal of `what` on `path`, for [`ClaimError`]'s message.
fn io_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ClaimError + use<> {
    let path = path.to_owned();
    move |error| ClaimError::Io { what, path, error }
}

/// Claims `zone` for `guest`'s start, run by `by` (written whole: a temporary file in
/// `STATE/tmp`, named for this process, renamed into place: `netns::state::write_whole`).
pub fn claim(roots: &Roots, zone: &str, guest: &OsStr, by: Starter) -> Result<(), ClaimError> {
    let file = zone_dir(roots, zone)?.join(guest);
    let text = format!("{} {}\n", by.pid, by.start);
    crate::netns::state::write_whole(&state_dir(roots)?, "claim", &file, text.as_bytes())
        .map_err(io_err("cannot write the claim", &file))
}

/// Removes `guest`'s claim on `zone` (none: nothing to do).
pub fn release(roots: &Roots, zone: &str, guest: &OsStr) -> Result<(), ClaimError> {
    let dir = zone_dir(roots, zone)?;
    let file = dir.join(guest);
    // The zone's directory stays: removed with its last claim, it could vanish between
    // another start's making it and the rename of that start's claim into it.
    match std::fs::remove_file(&file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("cannot remove the claim", &file)(e)),
    }
}

/// The most a claim file holds (`PID STARTTIME\n` is far shorter).
const MAX_CLAIM: u64 = 256;

/// [`live`] as zone's `down` asks it (`zone::shell::Claims`): a claim that cannot be read
/// fails the `down`.
pub fn live_names(roots: &Roots, zone: &str) -> Result<Vec<String>, crate::report::fail::Fail> {
    live(roots, zone).map_err(|e| crate::zone::base::fail(e.to_string()))
}

/// The guests holding a live claim on `zone`, in name order; expired claims (their start no
/// longer runs, or the file is not a claim) are removed. Claims are read as configuration
/// files are (`sys::regular`: never following a symlink, never blocking on a FIFO, regular
/// files only): anything else is no claim, left in place with a warning naming it, so that a
/// stray file never hangs the caller while it holds the zone's lock.
pub fn live(roots: &Roots, zone: &str) -> Result<Vec<String>, ClaimError> {
    let dir = zone_dir(roots, zone)?;
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("cannot read", &dir)(e)),
    };
    let mut out = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let text = match read_claim(&e.path()) {
            Ok(t) => t,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => {
                let p = escape(e.path().as_os_str());
                let why = if err.kind() == io::ErrorKind::InvalidData {
                    format!("{p} {err}: it is no claim and is ignored; remove it")
                } else {
                    format!(
                        "cannot read the claim {p}: {}; it is ignored",
                        crate::sys::exec::io_reason(&err)
                    )
                };
                crate::report::out::warn(&format!("{}: warning: {why}", crate::zone::PREFIX));
                continue;
            }
        };
        let held = parse_claim(&text).is_some_and(|s| starter(s.pid) == Some(s));
        if held {
            out.push(escape(&name));
        } else {
            let _ = std::fs::remove_file(e.path());
        }
    }
    out.sort();
    Ok(out)
}

/// A claim file's bytes, read by the one rule for such files (see [`live`]); at most
/// [`MAX_CLAIM`] bytes (more is no claim: it fails to parse).
fn read_claim(path: &std::path::Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    let f = crate::sys::regular::open(path, options, crate::sys::regular::Purpose::Read)?;
    let mut buf = Vec::new();
    f.take(MAX_CLAIM).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_counts_fields_after_the_command_name() {
        let line = b"4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200 18446744073709551615";
        assert_eq!(start_time(line), Some(987654));
        assert_eq!(start_time(b"1 (x) S 0"), None);
        assert_eq!(start_time(b"no parenthesis"), None);
        let me = starter(std::process::id() as i32).unwrap();
        assert_eq!(starter(me.pid), Some(me));
    }

    #[test]
    fn claims_parse_strictly() {
        let table: &[(&[u8], Option<Starter>)] = &[
            (
                b"12 345\n",
                Some(Starter {
                    pid: 12,
                    start: 345,
                }),
            ),
            (
                b"12 345",
                Some(Starter {
                    pid: 12,
                    start: 345,
                }),
            ),
            (b"12", None),
            (b"12 345 6", None),
            (b"x 345", None),
            (b"", None),
            (b"\xff", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_claim(text), *want, "{text:?}");
        }
    }
}
