//! `vspace-netns up|down NETNS`: the zone lifecycle's shell. Side-effecting: loads the zone,
//! locks it, gathers the facts once (`zone::facts`), asks `zone::plan` for the steps and hands
//! them to the one executor (`zone::apply`, each step carried out by `zone::perform`),
//! printing each as its shell command line.
//!
//! Namespaces are made and removed with `netns::registry` (add, attach and delete, shared with ip netns);
//! links, addresses, routes and link state through rtnetlink (`sys::rtnl`), from sockets
//! opened inside the zone's namespace; sysctls by writing `/proc/sys/net/...` from a thread
//! that entered it. No `ip` is run: zones honour `NETNS_RUN_DIR` like the ip personality. A
//! failed step ends `up`: the steps this run completed are undone in reverse (`plan::undo`)
//! and the failure names the step and the kernel's reason (extack message and errno). `down`
//! refuses while processes live in the namespace, and for what carries no mark of `up`,
//! unless forced. For a stale entry, the zone's namespace that lives on in processes is
//! looked for through `/proc/PID/ns/net` (its `lo` carries the zone's mark, its cookie is the
//! one recorded when `up` made it: `zone::cookie`) and held open:
//! `up` attaches the entry to it again from that fd (never by the PID), `down` counts its
//! processes; a search that cannot tell refuses, changing nothing.
//!
//! The host side of every step (a veth's host end, a VLAN's or macvlan's parent, the host's
//! links looked up and dumped) is PID 1's network namespace, whichever one the caller runs in
//! (`host::host_net`): every host socket is opened there. A new namespace's entry is mounted
//! only after its `lo` carries the mark and its cookie is recorded, so a killed run never
//! leaves an unmarked zone, nor one a later `up` could not take back.
//!
//! `down` deletes links by a detached process and is done when each link's RTM_DELLINK
//! notification arrives (its name and MAC are free then); the kernel's RCU barrier before
//! the memory is freed, some 20 ms a link, is not waited for (see [`Runner::for_down`]).
//!
//! `up` and `down` of one zone hold flock on its configuration directory, so guests of the
//! zone that start or stop together take turns.
//!
//! Exit statuses: 0 done (or nothing to do), 1 failed (a failed `up` has been undone),
//! 3 `down` refused because processes still use the namespace.

use std::ffi::OsStr;

use crate::netns::{Entry, Roots, Unusable};
use crate::report::Status;
use crate::report::fail::Fail;
use crate::report::out;
use crate::report::quote::escape;
use crate::zone::apply::{OnFail, apply};
use crate::zone::base::{Lines, PREFIX, fail, load, lock_zone, pid_list, run_dir};
use crate::zone::config::Zone;
use crate::zone::facts::{gather, gather_pinned, skip_facts};
use crate::zone::guests::GuestParts;
use crate::zone::perform::Runner;
use crate::zone::plan::{self, Facts, PlanError};

/// `vspace-netns up NETNS [--dry-run]`; the guests' part as `parts` answers it.
pub fn up(roots: &Roots, parts: &dyn GuestParts, netns: &OsStr, dry_run: bool) -> Result<(), Fail> {
    up_with(roots, parts, netns, dry_run, Lines::Required)
}

/// [`up`], its lines on stdout counting as `lines` says.
pub fn up_with(
    roots: &Roots,
    parts: &dyn GuestParts,
    netns: &OsStr,
    dry_run: bool,
    lines: Lines,
) -> Result<(), Fail> {
    let zone = load(roots, netns)?;
    let run_dir = run_dir(roots)?;
    let _lock = lock_zone(roots, netns)?;
    // After the zone's lock, always in this order: the guests' files are shared by all zones.
    let _skips = parts.lock(roots)?;
    // The namespace found alive without its entry stays held from here to its attach.
    let (mut facts, pinned) = gather_pinned(roots, &zone, &run_dir, true)?;
    facts.skips = skip_facts(roots, parts, &zone.netns)?;
    if dry_run {
        // Before planning: said even where the plan refuses.
        dry_run_warnings(roots, &zone, &facts);
    }
    let steps = match plan::plan_up(&zone, &facts) {
        Ok(s) => s,
        Err(PlanError::Conflict(m)) => return Err(fail(format!("up {}: {m}", zone.netns))),
        Err(PlanError::Busy(_) | PlanError::Unseen(_) | PlanError::Unmarked(_)) => {
            unreachable!("up never refuses a namespace in use or unmarked")
        }
    };
    // What the member guests' starts then do inside (their interfaces/), as comments.
    let guests = || -> Result<(), Fail> {
        for l in parts.start_lines(roots, &zone, &facts.inside) {
            lines.say(&l)?;
        }
        Ok(())
    };
    let records = crate::zone::cookie::Records::of(roots)?;
    let keep = || {
        keep_record(&records, &zone, &facts, &steps);
        Ok(())
    };
    // What up leaves alone (it removes nothing), as comments before any step: like a step's
    // line, one that cannot be written fails the run before anything changes.
    let left = || -> Result<(), Fail> {
        // The hook's lines are discarded: its guest's start reads no more files for them.
        if matches!(lines, Lines::Informative) {
            return Ok(());
        }
        for what in left_alone(roots, parts, &zone, &facts, &steps) {
            lines.say(&format!("# left alone: {what}"))?;
        }
        Ok(())
    };
    if steps.is_empty() {
        lines.say(&format!(
            "# nothing to do: zone {} is up as configured",
            zone.netns
        ))?;
        left()?;
        return if dry_run { guests() } else { keep() };
    }
    left()?;
    if dry_run {
        for s in &steps {
            lines.say(&s.line(&run_dir))?;
        }
        return guests();
    }
    let mut runner = Runner::new(&run_dir)?;
    let unhide = steps.iter().any(|s| matches!(s, plan::Step::Unhide { .. }));
    runner.record_in(records.clone(), unhide);
    if let Some(f) = pinned {
        runner.pin(&zone.netns, f);
    }
    let n = steps.len();
    apply(
        &mut runner,
        &steps,
        lines,
        OnFail::Undo,
        |i, line, reason| {
            fail(format!(
                "up {}: step {} of {n} failed: {line}: {reason}",
                zone.netns,
                i + 1,
            ))
        },
    )?;
    keep()
}

/// What differs from the configuration in the zone's live namespace and `up` leaves alone (a
/// link inside, an address or a route on its links, that no file configures), each as
/// `plan::unconfigured_items` says it, with where its fix is: nothing in a namespace this run
/// makes, and no address when the member guests' files cannot be read.
fn left_alone(
    roots: &Roots,
    parts: &dyn GuestParts,
    zone: &Zone,
    facts: &Facts,
    steps: &[plan::Step],
) -> Vec<String> {
    if steps
        .iter()
        .any(|s| matches!(s, plan::Step::AddNetns { .. }))
    {
        return Vec::new();
    }
    // The guests' files are read only when an address could be a guest's (at boot, before
    // any guest starts, none is: `up --all` reads no more files for this).
    let guests = if plan::unconfigured_addresses(zone, facts, &[]).is_empty() {
        Some(Vec::new())
    } else {
        roots
            .vservers()
            .ok()
            .and_then(|v| parts.member_addresses(v, &zone.netns))
    };
    plan::unconfigured_items(zone, facts, guests.as_deref())
        .into_iter()
        .map(|(what, _)| {
            format!(
                "{what} (up removes nothing: vspace-netns doctor {} gives the line that deletes it)",
                zone.netns
            )
        })
        .collect()
}

/// Records the cookie of the zone's live namespace when the record says otherwise: the entry
/// is root's, so its namespace is the zone's. Not one this run made (recorded as it was made),
/// and only one that carries the zone's mark: one made by hand is not up's (down refuses it),
/// and a search finds only marked ones.
fn keep_record(
    records: &crate::zone::cookie::Records,
    zone: &Zone,
    facts: &Facts,
    steps: &[plan::Step],
) {
    let made = steps
        .iter()
        .any(|s| matches!(s, plan::Step::AddNetns { .. }));
    if let (Some(c), false, true) = (facts.cookie, made, plan::lo_marked(&zone.netns, facts)) {
        records.keep(&zone.netns, c);
    }
}

/// The host side the zone needs and lacks (`zone::hostside`, which doctor reports as
/// failures), each a warning with its fix on stderr: the printed lines stay a script.
fn dry_run_warnings(roots: &Roots, zone: &Zone, facts: &Facts) {
    let support = crate::zone::hostside::Support::of([zone]);
    let issues = crate::zone::hostside::link_issues(zone, &facts.host, &support)
        .into_iter()
        .chain(crate::zone::hostside::vprocunhide_issue(roots));
    for i in issues {
        out::warn(&format!("{PREFIX}: WARN {}\n    fix: {}", i.what, i.fix));
    }
}

/// What `down` did, or why it left the zone up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Down {
    /// Taken down (or nothing was left to take down).
    Done,
    /// Processes still live in the namespace (their pids).
    Busy(Vec<i32>),
    /// Whether processes live in the namespace cannot be told: these processes' namespace may
    /// not be read (a security module's policy).
    Unseen(Vec<i32>),
    /// The entry is stale or missing here and PID 1's view cannot be read: the zone may be
    /// live on the host (`Facts::pid1_unknown`); what, and where to look.
    HostUnknown(String),
    /// Guests whose start claimed the zone and has not finished (their names).
    Claimed(Vec<String>),
    /// The entry is the host's own network namespace (or whether it is cannot be told): what
    /// it is (`Unusable::describe`) and the zone's name. Its processes are the host's, not the
    /// zone's.
    Host { what: String, zone: String },
}

impl Down {
    /// Why the zone was kept, as every message about it says so; `None` when it went down.
    pub fn why_kept(&self) -> Option<String> {
        match self {
            Down::Done => None,
            Down::Busy(pids) => Some(format!("processes still use it (pids {})", pid_list(pids))),
            Down::Unseen(pids) => Some(format!(
                "whether processes use it cannot be told: this command may not read the network namespace of pids {} (a security module's policy, such as Landlock's, AppArmor's or SELinux's, or a missing CAP_SYS_PTRACE denies it)",
                crate::zone::base::some_pids(pids)
            )),
            Down::Claimed(guests) => Some(format!(
                "the start of {} claimed it and has not finished",
                guests.join(" ")
            )),
            Down::Host { what, .. } | Down::HostUnknown(what) => Some(what.clone()),
        }
    }

    /// What `--force` (or the admin) does about a kept zone.
    pub fn force_hint(&self) -> String {
        match self {
            Down::Busy(_) => "--force takes it down under them".into(),
            // (Not --force: a confinement that hides processes may forbid the unmount too.)
            Down::Unseen(_) => "run it unconfined, as the host's root".into(),
            Down::HostUnknown(_) => "where it is not live there, --force takes it down".into(),
            Down::Claimed(_) | Down::Done => "--force takes it down".into(),
            Down::Host { zone, .. } => format!(
                "remove the entry (ip netns delete {zone}, or down --force: it unmounts the entry, the host's namespace stays)"
            ),
        }
    }
}

/// `vspace-netns down NETNS [--force] [--dry-run]`: a zone in use or claimed (as
/// `parts.claims` answers) is refused with status [`Status::Busy`].
pub fn down(
    roots: &Roots,
    netns: &OsStr,
    force: bool,
    dry_run: bool,
    parts: &dyn GuestParts,
) -> Result<(), Fail> {
    let refused =
        |m: String| {
            Fail::new(PREFIX, Status::Busy, format!("down {}: refused: {m}", escape(netns))).hint(
            "stop the guests (or the processes) first, or use --force to take it down under them",
        )
        };
    let down = down_checked(roots, netns, force, dry_run, parts)?;
    match (down.why_kept(), &down) {
        (None, _) => Ok(()),
        (Some(why), Down::HostUnknown(_)) => {
            Err(fail(format!("down {}: {why}", escape(netns))).hint(down.force_hint()))
        }
        (Some(why), Down::Host { .. } | Down::Unseen(_)) => Err(Fail::new(
            PREFIX,
            Status::Busy,
            format!("down {}: refused: {why}", escape(netns)),
        )
        .hint(down.force_hint())),
        (Some(why), _) => Err(refused(why)),
    }
}

/// What `down --force` leaves, said before it acts: the host's own namespace under the zone's
/// name (`host`: only the entry goes), the processes that lose the zone's links (or may), an
/// entry or host ends that may be the host's live zone's.
fn force_warning(ns: &str, host: bool, facts: &Facts) {
    let warn = |what: String| out::warn(&format!("{PREFIX}: down {ns}: --force: {what}"));
    if host {
        warn("the entry is the host's own network namespace: only the entry is removed, the host's network stays".into());
        return;
    }
    if !facts.pids.is_empty() {
        warn(format!(
            "pids {} lose the zone's links; the namespace lives on until they exit",
            pid_list(&facts.pids)
        ));
    }
    if !facts.unseen.is_empty() {
        warn(format!(
            "whether processes use it cannot be told (the network namespace of pids {} may not be read): any inside lose the zone's links",
            crate::zone::base::some_pids(&facts.unseen)
        ));
    }
    if facts.pid1_unknown {
        warn("PID 1's mount namespace cannot be opened: what is removed here may be the host's live zone".into());
    }
}

/// `down`'s plan, or why the zone is kept (processes in it); a namespace `up` did not make is
/// refused unless `force`.
fn plan_down(
    zone: &Zone,
    facts: &Facts,
    force: bool,
) -> Result<Result<Vec<plan::Step>, Down>, Fail> {
    Ok(match plan::plan_down(zone, facts, force) {
        Ok(s) => Ok(s),
        Err(PlanError::Busy(pids)) => Err(Down::Busy(pids)),
        Err(PlanError::Unseen(pids)) => Err(Down::Unseen(pids)),
        Err(PlanError::Unmarked(what)) => {
            return Err(fail(format!(
                "down {}: refused: {} carries no mark of this zone (alias {}): 'up' did not make it",
                zone.netns,
                what.join(", "),
                plan::mark(&zone.netns)
            ))
            .hint("delete it by hand, or use --force to delete it all the same"));
        }
        // (down's only conflicts: the zone may be live on the host.)
        Err(PlanError::Conflict(m)) if facts.pid1_unknown => Err(Down::HostUnknown(m)),
        Err(PlanError::Conflict(m)) => return Err(fail(format!("down {}: {m}", zone.netns))),
    })
}

/// The zone `down` takes down. Without its directory there is nothing to go by, and `up`'s
/// advice (create it) is not `down`'s: a name that is no zone is said to be none, and a run-dir
/// entry left under it (its directory removed while it was up) gets the way to take it down.
fn load_for_down(roots: &Roots, netns: &OsStr) -> Result<Zone, Fail> {
    let missing = |confdir: &std::path::Path| !confdir.join(netns).exists();
    match roots.zones() {
        Ok(confdir) if missing(confdir) && crate::zone::config::check_zone_name(netns).is_ok() => {
            let dir = escape(confdir.join(netns).as_os_str());
            let name = escape(netns);
            let entry = run_dir(roots)?.join(netns);
            if std::fs::symlink_metadata(&entry).is_ok() {
                Err(fail(format!(
                    "{dir}: no such zone directory, but {} is there: a zone whose directory was removed while it was up?",
                    escape(entry.as_os_str())
                ))
                .hint(format!(
                    "make the directory again (mkdir {dir}) and run down again: it takes what carries the zone's mark ('up' made it), and refuses the rest unless --force; a namespace that is no zone: ip netns delete {name}"
                )))
            } else {
                Err(fail(format!(
                    "{dir}: no such zone directory, and no namespace {name} in {}",
                    escape(entry.parent().unwrap_or(&entry).as_os_str())
                ))
                .hint("check the name: 'vspace-netns status' lists the zones"))
            }
        }
        _ => load(roots, netns),
    }
}

/// `down`, telling a zone in use ([`Down::Busy`]) or claimed by a starting guest
/// ([`Down::Claimed`], as `parts.claims` answers) from one taken down; both checked under the
/// zone's lock, skipped with `force`.
pub fn down_checked(
    roots: &Roots,
    netns: &OsStr,
    force: bool,
    dry_run: bool,
    parts: &dyn GuestParts,
) -> Result<Down, Fail> {
    down_checked_with(roots, netns, force, dry_run, Lines::Required, parts)
}

/// [`down_checked`], its lines on stdout counting as `lines` says.
pub fn down_checked_with(
    roots: &Roots,
    netns: &OsStr,
    force: bool,
    dry_run: bool,
    lines: Lines,
    parts: &dyn GuestParts,
) -> Result<Down, Fail> {
    let zone = load_for_down(roots, netns)?;
    let run_dir = run_dir(roots)?;
    let _lock = lock_zone(roots, netns)?;
    let facts = gather(roots, &zone, &run_dir, false)?;
    let host = match &facts.netns {
        Entry::Unusable(u @ (Unusable::Host { .. } | Unusable::HostUnknown(_))) => {
            Some(u.describe(&facts.entry))
        }
        _ => None,
    };
    if let (Some(what), false) = (&host, force) {
        return Ok(Down::Host {
            what: what.clone(),
            zone: zone.netns.clone(),
        });
    }
    if !force && facts.pids.is_empty() && facts.unseen.is_empty() {
        let claimed = parts.claims(roots, &zone.netns)?;
        if !claimed.is_empty() {
            return Ok(Down::Claimed(claimed));
        }
    }
    let steps = match plan_down(&zone, &facts, force)? {
        Ok(steps) => steps,
        Err(kept) => return Ok(kept),
    };
    // The guests' files their starts wrote go too, unless a process (a guest) still lives in
    // the zone: util-vserver's stop of a running guest reads them.
    let nodev = if facts.pids.is_empty() && facts.unseen.is_empty() {
        parts.down_steps(roots, &zone.netns)
    } else {
        Vec::new()
    };
    // The namespace the zone had is not to be taken back by a later `up` (after --force it may
    // live on in the processes it was forced from).
    let records = crate::zone::cookie::Records::of(roots)?;
    if steps.is_empty() && nodev.is_empty() {
        lines.say(&format!("# nothing to do: zone {} is down", zone.netns))?;
        if !dry_run {
            records.remove(&zone.netns);
        }
        return Ok(Down::Done);
    }
    if dry_run {
        for s in steps.iter().chain(&nodev) {
            lines.say(&s.line(&run_dir))?;
        }
        return Ok(Down::Done);
    }
    force_warning(&zone.netns, host.is_some(), &facts);
    // First: a run killed after this is finished by the next `down`; one killed before the
    // record went could have left it naming a namespace forced from the zone.
    records.remove(&zone.netns);
    let mut runner = Runner::for_down(&run_dir)?;
    let n = steps.len();
    apply(
        &mut runner,
        &steps,
        lines,
        OnFail::Stop,
        |i, line, reason| {
            fail(format!(
                "down {}: step {} of {n} failed: {line}: {reason}",
                zone.netns,
                i + 1,
            ))
        },
    )?;
    crate::zone::apply::perform(roots, &nodev, &format!("down {}", zone.netns), false)?;
    Ok(Down::Done)
}
