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
//! A name in `spaces/net` that is no zone is not necessarily a mistake ([`decide`], pure):
//! util-vserver's own sharing writes another *guest's* name there (that context's network),
//! and an admin may manage a namespace by hand (`ip netns add`). Such guests keep working: a
//! guest's name is left alone; an existing run-dir entry is used as it is (checked with
//! `netns::probe` before the guest starts, failing closed when unusable) and never deleted.
//! Only a name that is neither fails, naming both fixes.
//!
//! Exit statuses: 0 done or nothing to do, 1 failed (util-vserver then stops the start),
//! 2 usage (unknown phase).

use std::ffi::OsStr;

use crate::fail::Fail;
use crate::netns::Entry;
use crate::quote::escape;
use crate::zone::config::{self, NetSpace};
use crate::zone::shell::{self as zone, PREFIX};

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
    let vservers = config::vservers_dir().map_err(|m| Fail::new(PREFIX, 1, m))?;
    let file = config::net_file(&vservers, guest);
    let space = config::read_guest_net(&vservers, guest).map_err(|e| {
        Fail::new(
            PREFIX,
            1,
            format!(
                "hook: cannot read {}: {}",
                escape(file.as_os_str()),
                crate::sys::exec::io_reason(&e)
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
        crate::out::warn(&f.to_string());
        return Ok(());
    }
    let ns = OsStr::from_bytes(&name);
    let context = format!("hook {} {}", escape(phase), escape(guest));
    if let Err(e) = crate::netns::check_name(ns) {
        if act == Action::Nothing {
            return Ok(());
        }
        return Err(Fail::new(
            PREFIX,
            1,
            format!(
                "{context}: bad namespace name '{shown}' in {}: {e}",
                escape(file.as_os_str())
            ),
        ));
    }
    let (found, paths) = look_up(ns, &vservers).map_err(|m| Fail::new(PREFIX, 1, m))?;
    match decide(act, &shown, &paths, &found) {
        Decision::Leave(line) => {
            if let Some(l) = line {
                crate::out::note(&l);
            }
            Ok(())
        }
        Decision::Refuse(message, hints) => Err(hints.into_iter().fold(
            Fail::new(PREFIX, 1, format!("{context}: {message}")),
            Fail::hint,
        )),
        Decision::Zone => match act {
            Action::Nothing => Ok(()),
            Action::Up => zone::up(ns, false),
            Action::DownIfUnused => match zone::down(ns, false, false) {
                Err(f) if f.status == zone::BUSY => {
                    crate::out::note(&format!(
                        "# zone {shown} kept: {}",
                        f.message
                            .split_once(": refused: ")
                            .map_or("in use", |(_, r)| r)
                    ));
                    Ok(())
                }
                other => other,
            },
        },
    }
}

/// Looks at what the name a guest's `spaces/net` holds stands for: a zone's configuration
/// directory, another guest, a run-dir entry (probed). Shared with `doctor`.
pub fn look_up(ns: &OsStr, vservers: &std::path::Path) -> Result<(Found, Paths), String> {
    let zone_dir = config::confdir()?.join(ns);
    let entry = crate::netns::run_dir()?.join(ns);
    let found = Found {
        zone: zone_dir.exists(),
        guest: vservers.join(ns).is_dir(),
        entry: crate::sys::nsfs::probe(&entry).fact(),
    };
    let paths = Paths {
        zone_dir: escape(zone_dir.as_os_str()),
        entry: escape(entry.as_os_str()),
        name: ns.to_owned(),
        entry_path: entry,
    };
    Ok((found, paths))
}

/// What is found under the name a guest's `spaces/net` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The zone's configuration directory exists.
    pub zone: bool,
    /// A guest of that name exists (`/etc/vservers/NAME` is a directory).
    pub guest: bool,
    /// The run-dir entry of that name.
    pub entry: Entry,
}

/// The name and the paths a message names (`zone_dir`, `entry`: already escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub zone_dir: String,
    pub entry: String,
    pub name: std::ffi::OsString,
    pub entry_path: std::path::PathBuf,
}

/// What the hook does with a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A configured zone: the phase's action runs on it.
    Zone,
    /// Not ours: status 0, and this line on stdout says why.
    Leave(Option<String>),
    /// Status 1 with this message and hints.
    Refuse(String, Vec<String>),
}

/// Decides what the hook does with `name` (shown escaped): a zone first; then a guest's name
/// (util-vserver shares that context's network); then a namespace made by hand, used as it is
/// when it is usable and never deleted; a name that is none of these fails before the guest
/// starts, as the zone path would.
pub fn decide(act: Action, name: &str, paths: &Paths, found: &Found) -> Decision {
    if found.zone {
        return Decision::Zone;
    }
    if act == Action::Nothing {
        return Decision::Leave(None);
    }
    if found.guest {
        return Decision::Leave(Some(format!(
            "# hook: '{name}' is a guest, not a zone: util-vserver shares its context's network"
        )));
    }
    let entry = &paths.entry;
    match (&found.entry, act) {
        (Entry::Missing, _) => Decision::Refuse(
            format!(
                "'{name}' is neither a zone (no {}) nor a network namespace (no {entry})",
                paths.zone_dir
            ),
            vec![
                format!(
                    "to make it a zone, create {} (see vspace-netns-zones(5))",
                    paths.zone_dir
                ),
                format!("to manage the namespace yourself, create it: ip netns add {name}"),
            ],
        ),
        (_, Action::DownIfUnused) => Decision::Leave(Some(format!(
            "# hook: '{name}' is not a zone: {entry} was not made by vspace-netns and is left as it is"
        ))),
        (Entry::Netns(()), _) => Decision::Leave(Some(format!(
            "# hook: '{name}' is not a zone: the network namespace {entry} is used as it is"
        ))),
        (Entry::Unusable(u), _) => Decision::Refuse(
            format!(
                "'{name}' is not a zone, and {}",
                u.describe(&paths.entry_path)
            ),
            u.hints(&paths.name),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::Unusable;

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

    #[test]
    fn names_that_are_no_zone_are_left_alone_or_refused() {
        use Action::*;
        let paths = Paths {
            zone_dir: "/c/db".into(),
            entry: "/run/netns/db".into(),
            name: "db".into(),
            entry_path: "/run/netns/db".into(),
        };
        let found = |zone, guest, entry: &Entry| Found {
            zone,
            guest,
            entry: entry.clone(),
        };
        let bad = Entry::Unusable(Unusable::Symlink);
        let (m, u) = (Entry::Missing, Entry::Netns(()));
        let leave = |l: &str| Decision::Leave(Some(l.to_string()));
        let guest =
            leave("# hook: 'db' is a guest, not a zone: util-vserver shares its context's network");
        let neither = Decision::Refuse(
            "'db' is neither a zone (no /c/db) nor a network namespace (no /run/netns/db)".into(),
            vec![
                "to make it a zone, create /c/db (see vspace-netns-zones(5))".into(),
                "to manage the namespace yourself, create it: ip netns add db".into(),
            ],
        );
        let kept = leave(
            "# hook: 'db' is not a zone: /run/netns/db was not made by vspace-netns and is left as it is",
        );
        let table = [
            // A zone is a zone, whatever else has the name.
            (Up, found(true, true, &bad), Decision::Zone),
            (DownIfUnused, found(true, false, &m), Decision::Zone),
            (Nothing, found(true, false, &u), Decision::Zone),
            // A guest's name: util-vserver's own sharing.
            (Up, found(false, true, &m), guest.clone()),
            (Up, found(false, true, &bad), guest.clone()),
            (DownIfUnused, found(false, true, &u), guest),
            (Nothing, found(false, true, &m), Decision::Leave(None)),
            // A namespace made by hand: checked before start, never deleted.
            (
                Up,
                found(false, false, &u),
                leave(
                    "# hook: 'db' is not a zone: the network namespace /run/netns/db is used as it is",
                ),
            ),
            (
                Up,
                found(false, false, &bad),
                Decision::Refuse(
                    "'db' is not a zone, and /run/netns/db is a symbolic link, not a namespace mount"
                        .into(),
                    Unusable::Symlink.hints(OsStr::new("db")),
                ),
            ),
            (DownIfUnused, found(false, false, &u), kept.clone()),
            (DownIfUnused, found(false, false, &bad), kept),
            (Nothing, found(false, false, &bad), Decision::Leave(None)),
            // Nothing of that name.
            (Up, found(false, false, &m), neither.clone()),
            (DownIfUnused, found(false, false, &m), neither),
            (Nothing, found(false, false, &m), Decision::Leave(None)),
        ];
        for (act, f, want) in table {
            assert_eq!(decide(act, "db", &paths, &f), want, "{act:?} {f:?}");
        }
    }
}
