//! `vspace-netns doctor [GUEST|ZONE]`: checks a host's setup, one line per check: `ok WHAT`,
//! `FAIL WHAT: FIX`, or `WARN WHAT: FIX` (said, not counted). Side-effecting only in what it
//! reads (files, `netns::probe`, PID 1's view, the real `ip -o link|addr`); it changes
//! nothing. Exit status 1 when any check fails, else 0.
//!
//! Host: the real vspace is found and is not this binary; `/usr/sbin/vspace` (or
//! `$VSPACE_NETNS_SBIN_VSPACE`) is this wrapper; vprocunhide is present; PID 1's mount
//! namespace can be opened (WARN when not: `up`, `down` and `hook` then work in their own).
//!
//! Guest (`guest` module below): `spaces/net` as util-vserver reads it (newline, a control
//! byte such as a CR is a FAIL naming it); what the name is (zone, guest, namespace made by
//! hand, both a guest and a run-dir entry); its effective namespace-cleanup-skip keeps the
//! run dir (every guest's, zone or not), the fix being the exact `printf ... >> FILE` line
//! (and `vspace-netns up ZONE` for a zone's member); the hook is reached in every phase it is
//! installed for (a guest's own `scripts/PHASE[.d]` makes util-vserver skip `.defaults'`);
//! `spaces/mask` without the net bit, `spaces/pid` and util-vserver's native `netns/` not
//! naming a zone (native `netns/` only with `netns/shared`).
//!
//! Zone: its configuration is valid; its entry is live here, or what PID 1's view says about
//! it; then, per item, what `up --dry-run` would change (`zone::shell::gather` +
//! `zone::plan::plan_up`): `lo` down, a link missing, down or with another MAC, an address
//! missing, each a FAIL naming the step that fixes it; and every member guest's checks.
//! Without an operand: every zone, then every other guest.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::netns::{self, Entry, Unusable};
use crate::quote::escape;
use crate::sys::exec::{self, REAL_VSPACE};
use crate::sys::hostns::{self, Pid1Mnt};
use crate::sys::nsfs;
use crate::zone::config::{self, Kind, Zone};
use crate::zone::plan::{self, Facts, PlanError, Step};
use crate::zone::shell as zone;

mod guest;

/// Where util-vserver calls vspace, unless `VSPACE_NETNS_SBIN_VSPACE` says otherwise.
pub const DEFAULT_SBIN_VSPACE: &str = "/usr/sbin/vspace";

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Said, but no failure (the status stays 0).
    Warn,
    Fail,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub what: String,
    /// What to do (empty for `ok`).
    pub fix: String,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.level {
            Level::Ok => write!(f, "ok {}", self.what),
            Level::Warn => write!(f, "WARN {}: {}", self.what, self.fix),
            Level::Fail => write!(f, "FAIL {}: {}", self.what, self.fix),
        }
    }
}

pub(crate) fn ok(what: String) -> Check {
    Check {
        level: Level::Ok,
        what,
        fix: String::new(),
    }
}

pub(crate) fn bad(what: String, fix: String) -> Check {
    Check {
        level: Level::Fail,
        what,
        fix,
    }
}

pub(crate) fn warn(what: String, fix: String) -> Check {
    Check {
        level: Level::Warn,
        what,
        fix,
    }
}

pub(crate) fn show(p: &Path) -> String {
    escape(p.as_os_str())
}

/// Runs the checks for `target` (or everything) and prints them.
pub fn run(target: Option<&OsStr>) -> u8 {
    let mut checks = Vec::new();
    host_checks(&mut checks);
    match (config::confdir(), config::vservers_dir()) {
        (Ok(confdir), Ok(vservers)) => targets(&mut checks, target, &confdir, &vservers),
        (c, v) => {
            for e in [c.err(), v.err()].into_iter().flatten() {
                checks.push(bad("configuration roots".into(), e));
            }
        }
    }
    let text: String = checks.iter().map(|c| format!("{c}\n")).collect();
    if let Err(f) = crate::out::stdout_or_fail(zone::PREFIX, &text) {
        return crate::fail::report(&f);
    }
    if checks.iter().any(|c| c.level == Level::Fail) {
        1
    } else {
        0
    }
}

fn targets(checks: &mut Vec<Check>, target: Option<&OsStr>, confdir: &Path, vservers: &Path) {
    let named = |t: &OsStr| netns::check_name(t).is_ok();
    match target {
        None => everything(checks, confdir, vservers),
        Some(t) if named(t) && vservers.join(t).is_dir() => {
            guest::checks(checks, t, vservers, true);
        }
        Some(t)
            if named(t)
                && (confdir.join(t).exists()
                    || zone::run_dir().is_ok_and(|d| d.join(t).exists())) =>
        {
            zone_checks(checks, t, vservers);
        }
        Some(t) => checks.push(bad(
            format!("'{}'", escape(t)),
            format!(
                "neither a guest in {} nor a zone in {}",
                show(vservers),
                show(confdir)
            ),
        )),
    }
}

/// Every zone, then every guest that is no zone's member.
fn everything(checks: &mut Vec<Check>, confdir: &Path, vservers: &Path) {
    let zones = crate::zone::all::zones().unwrap_or_default();
    if zones.is_empty() {
        checks.push(bad(
            format!("zones in {}", show(confdir)),
            "none configured; create a zone directory (see vspace-netns-zones(5))".into(),
        ));
    }
    let mut members: Vec<OsString> = Vec::new();
    for z in &zones {
        zone_checks(checks, z, vservers);
        if let Some(name) = z.to_str() {
            let m = config::members(vservers, name).unwrap_or_default();
            members.extend(m.into_iter().map(|m| m.guest));
        }
    }
    // Zone ids give MACs: every zone against every other.
    for clash in zone::mac_clashes() {
        checks.push(bad(
            clash,
            "give each zone its own id (zone ids must be unique per VLAN, across hosts too)".into(),
        ));
    }
    for g in config::guests(vservers).unwrap_or_default() {
        if !members.contains(&g) {
            guest::checks(checks, &g, vservers, false);
        }
    }
}

fn host_checks(checks: &mut Vec<Check>) {
    checks.push(match exec::locate(&REAL_VSPACE) {
        Ok(p) => ok(format!("real vspace: {}", show(&p))),
        Err(e) => bad("real vspace".into(), e.message(&REAL_VSPACE)),
    });
    checks.push(wrapper_check());
    checks.push(match zone::vprocunhide_path() {
        Err(e) => bad("vprocunhide".into(), e),
        Ok(p) => match std::fs::metadata(&p) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {
                ok(format!("vprocunhide: {}", show(&p)))
            }
            _ => bad(
                format!("vprocunhide {} is missing or not executable", show(&p)),
                "install util-vserver (or set VSPACE_NETNS_VPROCUNHIDE): without it /proc/net stays hidden from the guests inside a zone".into(),
            ),
        },
    });
    match hostns::pid1_mount_ns() {
        Pid1Mnt::Same(id) => checks.push(ok(format!(
            "PID 1's mount namespace (mnt:[{}]) is this process's: up, down and hook work in the host's view",
            id.ino
        ))),
        Pid1Mnt::Other { id, .. } => checks.push(ok(format!(
            "PID 1's mount namespace (mnt:[{}]) can be opened: up, down and hook enter it, the host's view",
            id.ino
        ))),
        Pid1Mnt::Unreadable(_) => {}
    }
    match crate::host::host_net() {
        Ok(crate::host::HostNet::OwnOnly) => {}
        Ok(_) => checks.push(ok(
            "PID 1's network namespace can be opened: the host side of every zone (veth host ends, VLAN and macvlan parents) is made there".into(),
        )),
        Err(e) => checks.push(bad("PID 1's network namespace".into(), e)),
    }
    if let Pid1Mnt::Unreadable(e) = hostns::pid1_mount_ns() {
        checks.push(warn(
            format!(
                "PID 1's mount namespace cannot be opened ({}: {})",
                hostns::PID1_MNT,
                e.desc()
            ),
            "up, down and hook then work in their own mount namespace, and a stale entry cannot be checked against the host's view; run them on the host, not under a sandbox or systemd PrivateMounts=".into(),
        ));
    }
}

fn wrapper_check() -> Check {
    match config::absolute_env("VSPACE_NETNS_SBIN_VSPACE", DEFAULT_SBIN_VSPACE) {
        Err(e) => bad("vspace wrapper".into(), e),
        Ok(p) => match exec::is_self(&p) {
            Ok(true) => ok(format!("{} is this wrapper", show(&p))),
            Ok(false) => bad(
                format!("{} is not this wrapper", show(&p)),
                format!(
                    "util-vserver calls it by that path, so its shared-net calls miss the named namespaces; move the original aside and link this one there (dpkg-divert --local --rename --add {p}; ln -s vspace-netns {p}; see /usr/share/doc/vspace-netns/README.util-vserver)",
                    p = show(&p)
                ),
            ),
            Err(e) => bad(
                format!("{} is missing", show(&p)),
                format!(
                    "{}; install util-vserver, then this wrapper in its place",
                    exec::io_reason(&e)
                ),
            ),
        },
    }
}

fn zone_checks(checks: &mut Vec<Check>, ns: &OsStr, vservers: &Path) {
    let Ok(name) = config::check_zone_name(ns) else {
        checks.push(bad(
            format!("zone '{}'", escape(ns)),
            "not a valid zone name".into(),
        ));
        return;
    };
    let name = name.to_string();
    zone_state_checks(checks, &name);
    match config::members(vservers, &name) {
        Ok(members) => {
            for m in members {
                guest::checks(checks, &m.guest, vservers, false);
            }
        }
        Err(e) => checks.push(bad(
            format!("guests in {}", show(vservers)),
            format!("cannot read: {}", exec::io_reason(&e)),
        )),
    }
}

/// The configuration, the entry, then what `up` would change.
pub(crate) fn zone_state_checks(checks: &mut Vec<Check>, ns: &str) {
    let zone = match config::confdir()
        .map_err(|e| e.to_string())
        .and_then(|c| config::read_zone(&c, OsStr::new(ns)).map_err(|e| e.to_string()))
    {
        Ok(z) => {
            checks.push(ok(format!("zone {ns}: configuration is valid")));
            Some(z)
        }
        Err(e) => {
            checks.push(bad(format!("zone {ns}: configuration"), e));
            None
        }
    };
    let run_dir = match zone::run_dir() {
        Ok(d) => d,
        Err(f) => {
            checks.push(bad(format!("zone {ns}: run dir"), f.message));
            return;
        }
    };
    if entry_check(checks, ns, &run_dir.join(ns), true) {
        if let Some(zone) = zone {
            plan_checks(checks, &zone, &run_dir);
        }
    }
}

/// The entry of `ns` here, and PID 1's view when it is stale here; true when live here.
pub(crate) fn entry_check(checks: &mut Vec<Check>, ns: &str, entry: &Path, zone: bool) -> bool {
    let kind = if zone { "zone" } else { "namespace" };
    match nsfs::probe(entry) {
        Entry::Netns(_) if zone => {
            checks.push(ok(format!(
                "zone {ns}: {} is a live network namespace",
                show(entry)
            )));
            true
        }
        Entry::Netns(_) => {
            checks.push(ok(format!(
                "namespace {ns}: a live network namespace made by hand (no zone configuration to check)"
            )));
            true
        }
        Entry::Missing if zone => {
            checks.push(bad(
                format!("zone {ns}: {} does not exist", show(entry)),
                format!("bring the zone up: vspace-netns up {ns}"),
            ));
            false
        }
        Entry::Missing => {
            let zone_dir = config::confdir()
                .map(|c| show(&c.join(ns)))
                .unwrap_or_default();
            checks.push(bad(
                format!("namespace {ns}: neither a zone nor a network namespace"),
                format!(
                    "configure it as a zone (mkdir -p {zone_dir}; see vspace-netns-zones(5)) and run 'vspace-netns up {ns}', or create it with 'ip netns add {ns}'"
                ),
            ));
            false
        }
        Entry::Unusable(Unusable::Stale) => {
            let host = crate::host::host_says(entry);
            let what = match host {
                crate::host::HostSays::Live => format!(
                    "{kind} {ns}: {} is stale in this mount namespace but live as PID 1 sees it (not visible in this mount namespace)",
                    show(entry)
                ),
                _ => format!("{kind} {ns}: {}", Unusable::Stale.describe(entry)),
            };
            let hints = crate::host::stale_hints(OsStr::new(ns), zone, host);
            checks.push(bad(what, hints.join("; ")));
            false
        }
        Entry::Unusable(u) => {
            checks.push(bad(
                format!("{kind} {ns}: {}", u.describe(entry)),
                u.hints(OsStr::new(ns)).join("; "),
            ));
            false
        }
    }
}

/// What `up --dry-run` would change, item by item (the planner's steps), and the links that
/// need nothing.
fn plan_checks(checks: &mut Vec<Check>, zone: &Zone, run_dir: &Path) {
    let ns = &zone.netns;
    // As `up` sees it (routes, sysctls, MACs elsewhere); the guests' files are checked per guest.
    let facts = match zone::gather(zone, run_dir, true) {
        Ok(mut f) => {
            f.skips.clear();
            f
        }
        Err(f) => {
            checks.push(bad(format!("zone {ns}: links"), f.message));
            return;
        }
    };
    let steps = match plan::plan_up(zone, &facts) {
        Ok(s) => s,
        Err(PlanError::Conflict(m)) => {
            checks.push(bad(format!("zone {ns}: up would refuse"), m));
            return;
        }
        Err(PlanError::Busy(_) | PlanError::Unmarked(_)) => Vec::new(),
    };
    for step in &steps {
        if let Some(what) = item(step, &facts) {
            checks.push(bad(
                format!("zone {ns}: {what}"),
                format!("vspace-netns up {ns} runs '{}'", step.line(run_dir)),
            ));
        }
    }
    for (what, fix) in plan::unconfigured_items(zone, &facts) {
        checks.push(bad(format!("zone {ns}: {what}"), fix));
    }
    for (dev, mac, state, place) in link_ends(zone, &facts) {
        let touched = steps.iter().any(|s| step_dev(s) == Some(dev));
        if let (false, Some(_)) = (touched, state) {
            checks.push(ok(format!(
                "zone {ns}: link {dev} is up {place} with MAC {mac}"
            )));
        }
    }
}

/// Each configured link end: name, MAC, what is there, where.
fn link_ends<'a>(
    zone: &'a Zone,
    facts: &'a Facts,
) -> Vec<(
    &'a str,
    crate::zone::mac::Mac,
    Option<&'a plan::LinkState>,
    &'static str,
)> {
    let mut ends = Vec::new();
    for link in &zone.links {
        ends.push((
            link.name.as_str(),
            link.mac,
            facts.inside.get(&link.name),
            "inside",
        ));
        if let Kind::Veth { peer, peer_mac } = &link.kind {
            ends.push((
                peer.as_str(),
                *peer_mac,
                facts.host.get(peer),
                "on the host",
            ));
        }
    }
    ends
}

/// The device a step changes.
fn step_dev(step: &Step) -> Option<&str> {
    match step {
        Step::AddLink { link, .. } => Some(&link.name),
        Step::SetMac { dev, .. }
        | Step::SetMtu { dev, .. }
        | Step::SetAlias { dev, .. }
        | Step::AddAddr { dev, .. }
        | Step::Up { dev, .. } => Some(dev),
        _ => None,
    }
}

/// The item a step of `up` fixes, in words (None for steps that only follow another).
pub(crate) fn item(step: &Step, facts: &Facts) -> Option<String> {
    let place = |ns: &Option<String>| {
        if ns.is_some() {
            "inside"
        } else {
            "on the host"
        }
    };
    let fresh = |dev: &str| !facts.inside.contains_key(dev) && !facts.host.contains_key(dev);
    Some(match step {
        Step::DelNetns { .. } | Step::AddNetns { .. } => {
            format!("{} is no live network namespace", show(&facts.entry))
        }
        Step::Up { ns, dev } if dev == "lo" => format!("lo is down {}", place(ns)),
        Step::AddLink { link, .. } => match link.kind.peer() {
            Some((peer, _)) => format!(
                "link {} is missing inside (and its host end {peer} on the host)",
                link.name
            ),
            None => format!("link {} is missing inside", link.name),
        },
        Step::SetMac {
            dev,
            mac,
            was: Some(old),
            ..
        } => format!("link {dev} has MAC {old}, configured {mac}"),
        Step::SetMtu {
            dev,
            mtu,
            was: Some(old),
            ..
        } => format!("link {dev} has MTU {old}, configured {mtu}"),
        // A link this plan makes gets its addresses, alias and state with it.
        Step::AddAddr { dev, .. } | Step::SetAlias { dev, .. } | Step::Up { dev, .. }
            if fresh(dev) =>
        {
            return None;
        }
        Step::AddAddr { dev, cidr, .. } => format!("link {dev} lacks the address {cidr}"),
        Step::SetAlias { dev, alias, .. } => format!("link {dev} lacks the mark {alias}"),
        Step::Up { ns, dev } => format!("link {dev} is down {}", place(ns)),
        Step::AddRoute { route, .. } => format!("the route '{route}' is missing inside"),
        Step::DelRoute { route, .. } => format!("the route '{route}' is not configured"),
        Step::SetSysctl {
            key, value, was, ..
        } => format!(
            "sysctl {key} is {}, configured {value}",
            was.as_deref().unwrap_or("unset")
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_print_as_their_words() {
        assert_eq!(ok("a".into()).to_string(), "ok a");
        assert_eq!(bad("a".into(), "b".into()).to_string(), "FAIL a: b");
        assert_eq!(warn("a".into(), "b".into()).to_string(), "WARN a: b");
    }
}
