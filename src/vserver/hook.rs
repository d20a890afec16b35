//! `vspace-netns hook PHASE GUEST`: what util-vserver's scriptlet phases do for a guest whose
//! `spaces/net` names a zone. Side-effecting through `zone::up`/`zone::down_checked`, the
//! claims and the cleanup-skip files; the phase decision itself (`action`, `decide`) is pure.
//!
//! The admin tool runs the hook in PID 1's mount namespace (`host::enter_pid1`), so a zone it
//! makes from inside util-vserver's private mount namespace of a start is the host's.
//!
//! initialize and prepre-start claim the zone for the starting guest (`vserver::claims`) and bring
//! it up (idempotent: the second is a no-op), which adds the namespace-cleanup-skip lines to
//! every guest and `.defaults`, then apply the guest's util-vserver `interfaces/` inside the
//! zone and write their `nodev` (`vserver::ifaces`); post-start drops the claim; post-stop drops
//! the guest's own claim, takes its interfaces out of the zone, and takes the zone down only
//! when no process lives in its namespace and no other start has claimed it ([`Down`] says
//! which). Processes, not configuration, say whether another guest still uses it. pre-start,
//! pre-stop and postpost-stop do nothing. A guest that shares no named namespace still gets the run-dir lines at initialize and prepre-start
//! (when zones are configured): every guest's start runs util-vserver's namespace cleanup.
//!
//! `spaces/net` is read as util-vserver reads it (`netns::shread`): a control byte that `read`
//! keeps (a CR from a DOS line end) fails initialize and prepre-start, naming the byte.
//!
//! A name in `spaces/net` that is no zone is not necessarily a mistake ([`decide`], pure):
//! util-vserver's own sharing writes another *guest's* name there (that context's network),
//! and an admin may manage a namespace by hand (`ip netns add`). Such guests keep working: a
//! guest's name is left alone; an existing run-dir entry is used as it is (checked with
//! `netns::probe` before the guest starts, failing closed when unusable), gets the
//! cleanup-skip lines exactly as a zone would, and is never deleted. Only a name that is
//! neither fails, naming both fixes.
//!
//! Exit statuses: 0 done or nothing to do, 1 failed (util-vserver then stops the start),
//! 2 usage (unknown phase).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use crate::netns::shread;
use crate::netns::{Entry, Roots};
use crate::report::Status;
use crate::report::fail::Fail;
use crate::report::out;
use crate::report::quote::escape;
use crate::vserver::claims;
use crate::vserver::guest::{self, NetSpace};
use crate::vserver::parts::UtilVserver;
use crate::vserver::{ifaces, skips};
use crate::zone::base::{self, PREFIX};
use crate::zone::config;
use crate::zone::shell as zone;

/// One of util-vserver's phases: its name, what the hook does at it (in words: `hook --help`
/// prints them), and the action that does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    pub name: &'static str,
    pub does: &'static str,
    pub action: Action,
}

/// The phases util-vserver runs scripts for, in order (vserver.start, vserver.stop): the one
/// table the hook's dispatch ([`action`]), its refusal of another word, `hook --help`,
/// doctor's scriptlet checks, the completions and the man page's check
/// (tests/it/synopsis.rs) take them from.
pub const PHASES: &[Phase] = &[
    phase(
        "initialize",
        "claim the guest's zone and bring it up, the guest's interfaces inside",
        Action::Up,
    ),
    phase(
        "prepre-start",
        "the same again (a no-op when done)",
        Action::Up,
    ),
    phase("pre-start", "nothing", Action::Nothing),
    phase(
        "post-start",
        "drop the claim: the guest runs",
        Action::Started,
    ),
    phase("pre-stop", "nothing", Action::Nothing),
    phase(
        "post-stop",
        "drop the claim, the guest's interfaces out, the zone down unless used or claimed",
        Action::DownIfUnused,
    ),
    phase("postpost-stop", "nothing", Action::Nothing),
];

const fn phase(name: &'static str, does: &'static str, action: Action) -> Phase {
    Phase { name, does, action }
}

/// The phases' names, in order.
pub fn phase_names() -> impl Iterator<Item = &'static str> {
    PHASES.iter().map(|p| p.name)
}

/// What a phase does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Claim the zone for this start and bring it up.
    Up,
    /// The guest runs: drop its claim.
    Started,
    Nothing,
    /// Drop the guest's claim; take the zone down unless used or claimed.
    DownIfUnused,
}

/// The action of a phase, or None for a phase util-vserver does not have.
pub fn action(phase: &[u8]) -> Option<Action> {
    PHASES
        .iter()
        .find(|p| p.name.as_bytes() == phase)
        .map(|p| p.action)
}

fn fail(m: String) -> Fail {
    Fail::new(PREFIX, Status::Failed, m)
}

/// Runs one phase for one guest.
pub fn run(roots: &Roots, phase: &OsStr, guest: &OsStr) -> Result<(), Fail> {
    let act = action(phase.as_bytes()).ok_or_else(|| {
        Fail::new(
            PREFIX,
            Status::Usage,
            format!(
                "hook: unknown phase '{}'; util-vserver's phases are {}",
                escape(phase),
                phase_names().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    crate::netns::check_name(guest).map_err(|e| {
        Fail::new(
            PREFIX,
            Status::Usage,
            format!("hook: bad guest name '{}': {e}", escape(guest)),
        )
    })?;
    let vservers = roots.vservers().map_err(fail)?;
    let context = format!("hook {} {}", escape(phase), escape(guest));
    // util-vserver runs scriptlets for its guests only: a name with no configuration is a
    // typo, said as such rather than done silently.
    if !vservers.join(guest).is_dir() {
        return Err(fail(format!(
            "{context}: no guest '{}' (no directory {})",
            escape(guest),
            escape(vservers.join(guest).as_os_str())
        )));
    }
    let Some(name) = shared_name(act, &context, guest, vservers)? else {
        return spare_zones(roots, act, guest);
    };
    let ns = OsStr::from_bytes(&name);
    let shown = escape(ns);
    let (found, paths) = look_up(roots, ns, vservers)?;
    match decide(act, &shown, &paths, &found) {
        Decision::Leave(line) => {
            if let Some(l) = line {
                out::note(&l);
            }
            match (act, &found.entry, found.guest) {
                // A namespace made by hand is spared exactly as a zone is.
                (Action::Up, Entry::Netns(()), false) => {
                    write_skips(roots, || skips::facts(roots, &shown))
                }
                (Action::Up, _, _) => spare_zones(roots, act, guest),
                _ => Ok(()),
            }
        }
        Decision::Refuse(message, hints) => Err(hints
            .into_iter()
            .fold(fail(format!("{context}: {message}")), Fail::hint)),
        Decision::Zone => zone_phase(roots, act, ns, guest),
    }
}

/// The name `spaces/net` shares, read as util-vserver reads it; None when the guest shares
/// none (or util-vserver would not share it: no newline, a control byte), after saying why
/// where that matters.
fn shared_name(
    act: Action,
    context: &str,
    guest: &OsStr,
    vservers: &std::path::Path,
) -> Result<Option<Vec<u8>>, Fail> {
    let file = guest::net_file(vservers, guest);
    let f = escape(file.as_os_str());
    let bytes = config::read_optional(&file).map_err(|e| {
        fail(format!(
            "hook: cannot read {f}: {}",
            crate::sys::exec::io_reason(&e)
        ))
    })?;
    let Some(NetSpace::Shared { name, newline }) =
        bytes.as_deref().map(|b| guest::net_space(Some(b)))
    else {
        return Ok(None);
    };
    let shown = escape(OsStr::from_bytes(&name));
    let problem = if !newline {
        Some(
            fail(format!(
                "{context}: {f} has no trailing newline: util-vserver would give the guest a private network namespace, not '{shown}'"
            ))
            .hint(format!("write it with its newline: echo {shown} > {f}")),
        )
    } else {
        let read = shread::read(bytes.as_deref().unwrap_or_default());
        read.oddities.iter().find(|o| o.is_fatal()).map(|o| {
            let plain = escape(OsStr::from_bytes(&shread::without_controls(&name)));
            fail(format!(
                "{context}: {f}: {}: util-vserver reads the name as '{shown}', not '{plain}'",
                o.describe()
            ))
            .hint(format!("write it again without it: echo {plain} > {f}"))
        })
    };
    match (problem, act) {
        (None, _) => {}
        (Some(p), Action::Up) => return Err(p),
        (Some(p), _) => {
            out::warn(&p.to_string());
            return Ok(None);
        }
    }
    if let Err(e) = crate::netns::check_name(OsStr::from_bytes(&name)) {
        if !matches!(act, Action::Up | Action::DownIfUnused) {
            return Ok(None);
        }
        return Err(fail(format!(
            "{context}: bad namespace name '{shown}' in {f}: {e}"
        )));
    }
    Ok(Some(name))
}

/// A zone's phase: claim and up, drop the claim, or down unless used or claimed.
fn zone_phase(roots: &Roots, act: Action, ns: &OsStr, guest: &OsStr) -> Result<(), Fail> {
    let zone_name = escape(ns);
    match act {
        Action::Nothing => Ok(()),
        Action::Up => {
            claim(roots, &zone_name, guest);
            let r = zone::up_with(roots, &UtilVserver, ns, false, base::Lines::Informative)
                .and_then(|()| ifaces::apply::start(roots, ns, guest));
            if r.is_err() {
                let _ = claims::release(roots, &zone_name, guest);
            }
            r
        }
        Action::Started => {
            claims::release(roots, &zone_name, guest).map_err(|e| fail(e.to_string()))
        }
        Action::DownIfUnused => {
            claims::release(roots, &zone_name, guest).map_err(|e| fail(e.to_string()))?;
            ifaces::apply::stop(roots, ns, guest)?;
            let down = zone::down_checked_with(
                roots,
                ns,
                false,
                false,
                base::Lines::Informative,
                &UtilVserver,
            )?;
            match (down.why_kept(), &down) {
                (Some(why), zone::Down::Host { .. }) => out::note(&format!(
                    "# zone {zone_name} kept: {why}; {}",
                    down.force_hint()
                )),
                (Some(why), _) => out::note(&format!("# zone {zone_name} kept: {why}")),
                (None, _) => {}
            }
            Ok(())
        }
    }
}

/// Claims `zone` for the start running this hook (its parent: util-vserver's vserver script).
/// A claim that cannot be written is a warning: the start goes on, as it did without claims.
fn claim(roots: &Roots, zone: &str, guest: &OsStr) {
    let ppid = nix::unistd::getppid().as_raw();
    let r = match claims::starter(ppid) {
        Some(s) => claims::claim(roots, zone, guest, s).map_err(|e| e.to_string()),
        None => Err(format!("the start's process {ppid} is gone")),
    };
    if let Err(e) = r {
        out::warn(&format!(
            "{PREFIX}: hook: warning: no claim on zone {zone} for {}: {e}; another guest's post-stop may take the zone down before this guest runs in it",
            escape(guest)
        ));
    }
}

/// At initialize and prepre-start of a guest outside every zone, when zones are configured:
/// its namespace-cleanup-skip (its own, or `.defaults` serving it) gets the run-dir lines, so
/// its start's cleanup unmounts no zone on the host.
fn spare_zones(roots: &Roots, act: Action, guest: &OsStr) -> Result<(), Fail> {
    if act != Action::Up {
        return Ok(());
    }
    let confdir = roots.zones().map_err(fail)?;
    let any_zone = std::fs::read_dir(confdir)
        .map(|rd| rd.filter_map(Result::ok).any(|e| e.path().is_dir()))
        .unwrap_or(false);
    if !any_zone {
        return Ok(());
    }
    write_skips(roots, || skips::for_guest(roots, guest))
}

/// Carries out the cleanup-skip edits `facts` finds (under `skips::lock`, as `up` makes its
/// own), printing each as its command line; a failure undoes the edits this run made.
fn write_skips(
    roots: &Roots,
    facts: impl FnOnce() -> Result<Vec<crate::zone::plan::SkipFact>, Fail>,
) -> Result<(), Fail> {
    let _lock = skips::lock(roots)?;
    let steps = skips::steps(&facts()?);
    if steps.is_empty() {
        return Ok(());
    }
    let run_dir = base::run_dir(roots)?;
    let mut runner = crate::zone::perform::Runner::new(&run_dir)?;
    crate::zone::apply::apply(
        &mut runner,
        &steps,
        base::Lines::Informative,
        crate::zone::apply::OnFail::Undo,
        |_, line, reason| fail(format!("hook: {line}: {reason}")),
    )
}

/// Looks at what the name a guest's `spaces/net` holds stands for: a zone's configuration
/// directory, another guest, a run-dir entry (probed). Shared with `doctor`.
pub fn look_up(
    roots: &Roots,
    ns: &OsStr,
    vservers: &std::path::Path,
) -> Result<(Found, Paths), Fail> {
    let zone_dir = roots.zones().map_err(fail)?.join(ns);
    let entry = roots.run_dir().map_err(fail)?.join(ns);
    let found = Found {
        zone: zone_dir.exists(),
        guest: vservers.join(ns).is_dir(),
        entry: crate::netns::probe(&entry).fact(),
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
    if matches!(act, Action::Nothing | Action::Started) {
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
            crate::netns::host::hints(u, &paths.name, &paths.entry_path, false),
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
            (b"post-start", Some(Action::Started)),
            (b"postpost-stop", Some(Action::Nothing)),
            (b"pre-stop", Some(Action::Nothing)),
            (b"post-stop", Some(Action::DownIfUnused)),
            (b"stop", None),
            (b"", None),
            (b"initialize\xff", None),
        ];
        for (phase, want) in table {
            assert_eq!(action(phase), *want, "{phase:?}");
        }
        assert!(
            PHASES
                .iter()
                .all(|p| action(p.name.as_bytes()) == Some(p.action))
        );
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
            (Started, found(false, false, &m), Decision::Leave(None)),
            (Started, found(false, true, &u), Decision::Leave(None)),
            (Started, found(true, false, &m), Decision::Zone),
        ];
        for (act, f, want) in table {
            assert_eq!(decide(act, "db", &paths, &f), want, "{act:?} {f:?}");
        }
    }
}
