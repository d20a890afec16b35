//! Carrying a zone guest's interfaces out: at its start (the hook's `initialize` and
//! `prepre-start`) and its stop (`post-stop`), and the `nodev` files taken back by `down`.
//! Side-effecting: it reads the guest's files, observes the zone (`facts::gather`), and
//! performs the pure planner's steps with the zones' executor (`zone::apply::perform`), printing
//! each as its command line; a failed start undoes what the run did (`plan::undo`), under the
//! zone's lock as `up` and `down` work.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;

use crate::netns::Entry as NsEntry;
use crate::netns::Roots;
use crate::report::Status;
use crate::report::fail::Fail;
use crate::report::quote::escape;
use crate::vserver::guest;
use crate::vserver::ifaces::{self, Entry};
use crate::zone::apply;
use crate::zone::base::{self, PREFIX};
use crate::zone::config::Zone;
use crate::zone::facts;
use crate::zone::plan::{LinkState, Step};

fn fail(m: String) -> Fail {
    Fail::new(PREFIX, Status::Failed, m)
}

/// The guest's entries, or a failure naming the guest.
fn guest_entries(vservers: &Path, guest: &OsStr, context: &str) -> Result<Vec<Entry>, Fail> {
    ifaces::entries(vservers, guest).map_err(|m| fail(format!("{context}: {m}")))
}

/// The steps of `guest`'s start in `zone` as found now (the zone must be up). Err: why not.
pub fn start_steps(roots: &Roots, zone: &Zone, guest: &OsStr) -> Result<Vec<Step>, Fail> {
    let context = format!("guest {} in zone {}", escape(guest), zone.netns);
    let vservers = roots.vservers().map_err(fail)?;
    let entries = guest_entries(vservers, guest, &context)?;
    if entries.iter().all(|e| e.iface().is_none()) {
        return match ifaces::broken(&entries) {
            Some((m, fix)) => Err(fail(format!("{context}: {m}")).hint(fix)),
            None => Ok(Vec::new()),
        };
    }
    let run_dir = base::run_dir(roots)?;
    let facts = facts::gather(roots, zone, &run_dir, false)?;
    let others = ifaces::others(vservers, &zone.netns, guest);
    ifaces::plan_start(zone, &escape(guest), &entries, &facts.inside, &others)
        .map_err(|(m, fix)| fail(format!("{context}: {m}")).hint(fix))
}

/// At the guest's start: its interfaces inside its zone, and `nodev` for util-vserver. A
/// failure undoes this run's steps and fails the start.
pub fn start(roots: &Roots, ns: &OsStr, guest: &OsStr) -> Result<(), Fail> {
    let zone = base::load(roots, ns)?;
    let _lock = base::lock_zone(roots, ns)?;
    let steps = start_steps(roots, &zone, guest)?;
    apply::perform(
        roots,
        &steps,
        &format!("hook: guest {}", escape(guest)),
        true,
    )
}

/// At the guest's stop: its own addresses (and VLAN devices) out of the zone, and the `nodev`
/// files vspace-netns wrote. A zone whose namespace is gone has only the files left to take.
pub fn stop(roots: &Roots, ns: &OsStr, guest: &OsStr) -> Result<(), Fail> {
    let zone = base::load(roots, ns)?;
    let vservers = roots.vservers().map_err(fail)?;
    let context = format!("guest {} in zone {}", escape(guest), zone.netns);
    let entries = guest_entries(vservers, guest, &context)?;
    if entries.iter().all(|e| e.iface().is_none()) {
        return Ok(());
    }
    let _lock = base::lock_zone(roots, ns)?;
    let run_dir = base::run_dir(roots)?;
    let facts = facts::gather(roots, &zone, &run_dir, false)?;
    let steps = if matches!(facts.netns, NsEntry::Netns(())) {
        let others = ifaces::others(vservers, &zone.netns, guest);
        ifaces::plan_stop(&zone, &escape(guest), &entries, &facts.inside, &others)
    } else {
        ifaces::nodev_back(&entries)
    };
    apply::perform(
        roots,
        &steps,
        &format!("hook: guest {}", escape(guest)),
        false,
    )
}

/// For `up --dry-run`: what each member guest's start would then do inside the zone, as
/// comment lines (`up` itself does none of it, so the script, run by `sh`, still leaves what
/// `up` leaves): planned against the links `inside` now plus the zone's configured links as
/// `up` leaves them. A guest whose start would fail says why.
pub fn dry_run_lines(
    roots: &Roots,
    zone: &Zone,
    inside: &BTreeMap<String, LinkState>,
) -> Vec<String> {
    let Ok(vservers) = roots.vservers() else {
        return Vec::new();
    };
    let Ok(run_dir) = base::run_dir(roots) else {
        return Vec::new();
    };
    let mut after = inside.clone();
    for l in &zone.links {
        let s = after.entry(l.name.clone()).or_default();
        s.up = true;
        for a in &l.addresses {
            if !s.addresses.contains(a) {
                s.addresses.push(*a);
            }
        }
    }
    let mut out = Vec::new();
    for m in guest::members(vservers, &zone.netns).unwrap_or_default() {
        let g = escape(&m.guest);
        let Ok(entries) = ifaces::entries(vservers, &m.guest) else {
            continue;
        };
        if entries
            .iter()
            .all(|e| e.iface().is_none() && ifaces::broken(std::slice::from_ref(e)).is_none())
        {
            continue;
        }
        let others = ifaces::others(vservers, &zone.netns, &m.guest);
        match ifaces::plan_start(zone, &g, &entries, &after, &others) {
            Ok(steps) if steps.is_empty() => {}
            Ok(steps) => {
                out.push(format!(
                    "# at guest {g}'s start, the hook (initialize) does:"
                ));
                out.extend(steps.iter().map(|s| format!("#   {}", s.line(&run_dir))));
            }
            Err((m, fix)) => out.push(format!("# guest {g}'s start would fail: {m}: {fix}")),
        }
    }
    out
}

/// The `nodev` files vspace-netns wrote for every member of `zone` (for `down`).
pub fn nodev_steps(roots: &Roots, zone: &str) -> Vec<Step> {
    let Ok(vservers) = roots.vservers() else {
        return Vec::new();
    };
    guest::members(vservers, zone)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| ifaces::entries(vservers, &m.guest).ok())
        .flat_map(|e| ifaces::nodev_back(&e))
        .collect()
}
