//! The record of the network namespace `up` made for a zone: its cookie (SO_NETNS_COOKIE,
//! `sys::rtnl::Rtnl::netns_cookie`), a number the kernel gives one namespace and never another.
//! Side-effecting (reads and writes `STATE/netns-cookie/ZONE`, through `netns::state`).
//!
//! Why: a namespace found alive without its entry (`ip netns delete` under a running guest, a
//! run killed between removing a stale entry and attaching it again) is known by the mark on
//! its `lo`, and any process with CAP_NET_ADMIN in a network namespace of its own (a container
//! given NET_ADMIN, a service with `PrivateNetwork=`, another zone's guest) can put that alias
//! on its `lo`. The cookie it cannot give its namespace. `up` records the cookie before the new
//! namespace's entry is mounted (in the same thread that marks `lo`), and again whenever it
//! finds the zone's entry live with another or none (a zone made by hand, or before records
//! were kept); a found namespace is taken only when its cookie is the one recorded.
//!
//! Removed by `down` (after `down --force` the namespace may live on in the processes it was
//! forced from: it is not to be taken back). A record holds the boot id too: cookies are
//! unique within a boot, and a state dir that outlives one must not match a namespace of the
//! next. Root's alone (`netns::state`): one another user could have written is refused. A
//! kernel without SO_NETNS_COOKIE (before Linux 5.14) records nothing, and a namespace found
//! without its entry is then refused, never guessed.

use std::path::PathBuf;

use nix::errno::Errno;

use crate::netns::Roots;
use crate::netns::state;
use crate::report::fail::Fail;
use crate::zone::base::{PREFIX, fail};

/// The directory of the records, under the state dir.
const DIR: &str = "netns-cookie";

/// The directory of the namespaces `vprocunhide` has still to run in, under the state dir.
const UNHIDE: &str = "vprocunhide-pending";

/// Where records are kept: the state dir and the records' directory in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    state: PathBuf,
}

impl Records {
    /// The records under the state dir of `roots`.
    pub fn of(roots: &Roots) -> Result<Records, Fail> {
        let state = roots.state_dir().map_err(fail)?;
        Ok(Records {
            state: state.to_path_buf(),
        })
    }

    /// `STATE/netns-cookie/ZONE`.
    pub fn path(&self, zone: &str) -> PathBuf {
        self.state.join(DIR).join(zone)
    }

    /// The cookie recorded for `zone` in this boot: `None` when none is (or the record is a
    /// previous boot's: the kernel may give its cookie again). A record that is not root's
    /// own, not a regular file or not a cookie and a boot id is an error naming the file.
    pub fn read(&self, zone: &str) -> Result<Option<u64>, String> {
        let path = self.path(zone);
        let Some(bytes) = state::read_own(&self.state, &path).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let parsed = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.strip_suffix('\n'))
            .and_then(|t| t.split_once(' '))
            .and_then(|(c, b)| Some((c.parse::<u64>().ok()?, b)));
        match parsed {
            Some((cookie, boot)) if boot == boot_id() && boot != UNKNOWN => Ok(Some(cookie)),
            Some(_) => Ok(None),
            None => Err(format!(
                "{} holds no namespace cookie (a decimal number, a space, the boot id and a newline)",
                crate::report::quote::escape(path.as_os_str())
            )),
        }
    }

    /// Records `cookie` for `zone` in this boot (written whole).
    pub fn write(&self, zone: &str, cookie: u64) -> std::io::Result<()> {
        state::write_whole(
            &self.state,
            DIR,
            &self.path(zone),
            format!("{cookie} {}\n", boot_id()).as_bytes(),
        )
    }

    /// Records `cookie` for `zone` unless it is recorded already: `up` on a zone whose entry is
    /// live (the entry is root's, so its namespace is the zone's whatever the record said). A
    /// record that cannot be written is a warning: the zone works, only a later `up` could not
    /// take its namespace back should its entry be lost (it refuses then, naming the repair).
    pub fn keep(&self, zone: &str, cookie: u64) {
        if self.read(zone).ok().flatten() == Some(cookie) {
            return;
        }
        if let Err(e) = self.write(zone, cookie) {
            crate::report::out::warn(&format!(
                "{PREFIX}: warning: zone {zone}: cannot record its namespace's cookie in {}: {}; should its entry be lost, up cannot take the namespace back",
                crate::report::quote::escape(self.path(zone).as_os_str()),
                crate::sys::exec::io_reason(&e)
            ));
        }
    }

    /// Marks the new namespace of `zone` (its `cookie`) as one `vprocunhide` has still to run
    /// in: written before its entry is mounted, removed once it ran ([`Records::unhidden`]),
    /// so that an `up` killed between the two leaves the next one to run it.
    pub fn to_unhide(&self, zone: &str, cookie: u64) -> std::io::Result<()> {
        state::write_whole(
            &self.state,
            UNHIDE,
            &self.state.join(UNHIDE).join(zone),
            format!("{cookie} {}\n", boot_id()).as_bytes(),
        )
    }

    /// Whether `vprocunhide` has still to run in the namespace of `zone` whose cookie is
    /// `cookie` (a mark for another namespace, or unreadable, is none).
    pub fn unhide_pending(&self, zone: &str, cookie: u64) -> bool {
        let path = self.state.join(UNHIDE).join(zone);
        let Ok(Some(bytes)) = state::read_own(&self.state, &path) else {
            return false;
        };
        bytes == format!("{cookie} {}\n", boot_id()).as_bytes()
    }

    /// `vprocunhide` ran in the namespace of `zone`, or the zone went down: its mark goes. One
    /// that cannot be removed only makes a later `up` run vprocunhide once more.
    pub fn unhidden(&self, zone: &str) {
        let _ = state::remove(&self.state.join(UNHIDE).join(zone));
    }

    /// Removes the record of `zone` (`down`: the namespace the zone had is not to be taken
    /// back). One that cannot be removed is a warning: `down` also clears the mark of a
    /// namespace it forces processes out of, so a record left names no marked namespace.
    pub fn remove(&self, zone: &str) {
        self.unhidden(zone);
        if let Err(e) = state::remove(&self.path(zone)) {
            crate::report::out::warn(&format!(
                "{PREFIX}: warning: zone {zone}: cannot remove the record of its namespace: {e}; remove it by hand"
            ));
        }
    }
}

/// The boot id of a record written when this boot's could not be read.
const UNKNOWN: &str = "unknown";

/// This boot's id (`/proc/sys/kernel/random/boot_id`), [`UNKNOWN`] when it cannot be read (a
/// record then never matches, not even one written so: what cannot be told is refused).
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
        .unwrap_or_else(|| UNKNOWN.into())
}

/// The cookie of the namespace a socket was made in, `None` when the kernel gives none
/// (ENOPROTOOPT: before Linux 5.14).
pub fn of_socket(sock: &crate::sys::rtnl::Rtnl) -> Result<Option<u64>, Errno> {
    match sock.netns_cookie() {
        Ok(c) => Ok(Some(c)),
        Err(Errno::ENOPROTOOPT) => Ok(None),
        Err(e) => Err(e),
    }
}
