//! `vspace-netns hook PHASE GUEST`: what util-vserver's scriptlet phases do for a guest whose
//! `spaces/net` names a zone. Side-effecting through `zone::up`/`zone::down`; the phase
//! decision itself (`action`) is pure.
//!
//! initialize and prepre-start bring the zone up (idempotent: the second is a no-op) and add
//! the namespace-cleanup-skip lines to every member guest; post-stop takes the zone down only
//! when no process lives in its namespace any more. Processes, not configuration, say whether
//! another guest still uses it: a running member guest has processes in it, a stopped one has
//! none, and a shell someone opened with `ip netns exec` counts too. The other phases do
//! nothing. A guest that shares no named namespace is left alone (status 0).
//!
//! Exit statuses: 0 done or nothing to do, 1 failed (util-vserver then stops the start),
//! 2 usage (unknown phase).

use std::ffi::OsStr;

use crate::fail::Fail;
use crate::quote::escape;
use crate::zone::{self, PREFIX};
use crate::zone_config::{self, NetSpace};

/// The phases util-vserver runs scripts for, in order.
pub const PHASES: &[&str] = &[
    "initialize",
    "prepre-start",
    "pre-start",
    "post-start",
    "pre-stop",
    "post-stop",
];

/// What a phase does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Nothing,
    DownIfUnused,
}

/// The action of a phase, or None for a phase util-vserver does not have.
pub fn action(phase: &[u8]) -> Option<Action> {
    Some(match phase {
        b"initialize" | b"prepre-start" => Action::Up,
        b"pre-start" | b"post-start" | b"pre-stop" => Action::Nothing,
        b"post-stop" => Action::DownIfUnused,
        _ => return None,
    })
}

/// Runs one phase for one guest.
pub fn run(phase: &OsStr, guest: &OsStr) -> Result<(), Fail> {
    use std::os::unix::ffi::OsStrExt;
    let act = action(phase.as_bytes()).ok_or_else(|| {
        Fail::new(
            PREFIX,
            2,
            format!(
                "hook: unknown phase '{}'; util-vserver's phases are {}",
                escape(phase),
                PHASES.join(", ")
            ),
        )
    })?;
    crate::netns::check_name(guest).map_err(|e| {
        Fail::new(
            PREFIX,
            2,
            format!("hook: bad guest name '{}': {e}", escape(guest)),
        )
    })?;
    let vservers = zone_config::vservers_dir().map_err(|m| Fail::new(PREFIX, 1, m))?;
    let file = zone_config::net_file(&vservers, guest);
    let space = zone_config::read_guest_net(&vservers, guest).map_err(|e| {
        Fail::new(
            PREFIX,
            1,
            format!(
                "hook: cannot read {}: {}",
                escape(file.as_os_str()),
                crate::exec::io_reason(&e)
            ),
        )
    })?;
    let (name, newline) = match space {
        NetSpace::Shared { name, newline } => (name, newline),
        _ => return Ok(()),
    };
    let shown = escape(OsStr::from_bytes(&name));
    if !newline {
        let f = Fail::new(
            PREFIX,
            1,
            format!(
                "hook {} {}: {} has no trailing newline: util-vserver would give the guest a private network namespace, not '{shown}'",
                escape(phase),
                escape(guest),
                escape(file.as_os_str())
            ),
        )
        .hint(format!("write it with its newline: echo {shown} > {}", escape(file.as_os_str())));
        if act == Action::Up {
            return Err(f);
        }
        eprintln!("{f}");
        return Ok(());
    }
    let ns = OsStr::from_bytes(&name);
    match act {
        Action::Nothing => Ok(()),
        Action::Up => zone::up(ns, false),
        Action::DownIfUnused => match zone::down(ns, false, false) {
            Err(f) if f.status == zone::BUSY => {
                println!(
                    "# zone {shown} kept: {}",
                    f.message
                        .split_once(": refused: ")
                        .map_or("in use", |(_, r)| r)
                );
                Ok(())
            }
            other => other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_map_to_actions() {
        let table: &[(&[u8], Option<Action>)] = &[
            (b"initialize", Some(Action::Up)),
            (b"prepre-start", Some(Action::Up)),
            (b"pre-start", Some(Action::Nothing)),
            (b"post-start", Some(Action::Nothing)),
            (b"pre-stop", Some(Action::Nothing)),
            (b"post-stop", Some(Action::DownIfUnused)),
            (b"stop", None),
            (b"", None),
            (b"initialize\xff", None),
        ];
        for (phase, want) in table {
            assert_eq!(action(phase), *want, "{phase:?}");
        }
        assert!(PHASES.iter().all(|p| action(p.as_bytes()).is_some()));
    }
}
