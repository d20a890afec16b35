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
//! Kept after `down`: a cookie is never given again, so a record outliving its namespace
//! matches nothing. A kernel without SO_NETNS_COOKIE (before Linux 5.14) records nothing, and
//! a namespace found without its entry is then refused, never guessed.

use std::path::PathBuf;

use nix::errno::Errno;

use crate::netns::Roots;
use crate::netns::state;
use crate::report::fail::Fail;
use crate::zone::base::fail;

/// The directory of the records, under the state dir.
const DIR: &str = "netns-cookie";

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

    /// The cookie recorded for `zone`: `None` when none is. A record that is not root's own,
    /// not a regular file or not one number is an error naming the file.
    pub fn read(&self, zone: &str) -> Result<Option<u64>, String> {
        let path = self.path(zone);
        let Some(bytes) = state::read_own(&self.state, &path).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.strip_suffix('\n'))
            .and_then(|t| t.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "{} holds no namespace cookie (one decimal number and a newline)",
                    crate::report::quote::escape(path.as_os_str())
                )
            })
    }

    /// Records `cookie` for `zone` (written whole).
    pub fn write(&self, zone: &str, cookie: u64) -> std::io::Result<()> {
        state::write_whole(
            &self.state,
            DIR,
            &self.path(zone),
            format!("{cookie}\n").as_bytes(),
        )
    }

    /// Records `cookie` for `zone` unless it is recorded already: `up` on a zone whose entry is
    /// live (the entry is root's, so its namespace is the zone's whatever the record said).
    pub fn keep(&self, zone: &str, cookie: u64) -> Result<(), Fail> {
        if self.read(zone).ok().flatten() == Some(cookie) {
            return Ok(());
        }
        self.write(zone, cookie).map_err(|e| {
            fail(format!(
                "zone {zone}: cannot record its namespace's cookie in {}: {}",
                crate::report::quote::escape(self.path(zone).as_os_str()),
                crate::sys::exec::io_reason(&e)
            ))
        })
    }
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
