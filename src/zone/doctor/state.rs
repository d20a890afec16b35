//! doctor's checks of one zone's state: its entry here and as PID 1 sees it, the running
//! member guests, and what `up --dry-run` would change, item by item (the planner's steps in
//! words). Side-effecting only in what it reads.

use std::ffi::OsStr;
use std::path::Path;

use crate::netns::{Entry, Unusable};
use crate::report::quote::escape;
use crate::zone::base as zone;
use crate::zone::config::{self, Zone};
use crate::zone::cookie::Records;
use crate::zone::hostside::{self};
use crate::zone::plan::{self, Facts, PlanError, Step};

use super::{Check, Ctx, bad, ok, show, warn};

/// The configuration, the host side, the entry, then what `up` would change.
pub(crate) fn zone_state_checks(checks: &mut Vec<Check>, ns: &str, ctx: &Ctx) {
    // Read once, for the survey; a zone that is not there is read again for its error.
    let read = match ctx.survey.as_ref().and_then(|s| s.zone(OsStr::new(ns))) {
        Some(z) => Ok(z.clone()),
        None => ctx
            .roots
            .zones()
            .and_then(|c| config::read_zone(c, OsStr::new(ns)).map_err(|e| e.to_string())),
    };
    let zone = match read {
        Ok(z) => {
            checks.push(ok(format!("zone {ns}: configuration is valid")));
            Some(z)
        }
        Err(e) => {
            let entry = zone::run_dir(ctx.roots).map(|d| d.join(ns)).ok();
            let dir = ctx.roots.zones().map(|c| c.join(ns)).ok();
            match (entry, dir) {
                (Some(entry), Some(dir))
                    if !dir.exists() && marked_for(&entry).is_some_and(|(z, _)| z == ns) =>
                {
                    let (what, fix) = orphan(ns, &dir, &entry);
                    checks.push(bad(format!("zone {ns}: {what}"), fix));
                }
                _ => checks.push(bad(format!("zone {ns}: configuration"), e)),
            }
            None
        }
    };
    if let (Some(z), Some(s)) = (&zone, &ctx.survey) {
        for i in hostside::link_issues(z, &s.host, &ctx.support) {
            checks.push(bad(i.what, i.fix));
        }
    }
    let run_dir = match zone::run_dir(ctx.roots) {
        Ok(d) => d,
        Err(f) => {
            checks.push(bad(format!("zone {ns}: run dir"), f.message));
            return;
        }
    };
    let entry = run_dir.join(ns);
    if let Some(found) = zone
        .as_ref()
        .and_then(|z| lives_on_check(z, &entry, &run_dir, ctx))
    {
        checks.push(found);
        return;
    }
    if entry_check(checks, ns, &entry, true, ctx) {
        if let Some(zone) = zone {
            plan_checks(checks, &zone, &run_dir, ctx);
        }
    }
}

/// The zone whose mark the `lo` of the live namespace at `entry` carries (`up` made it for
/// that zone), if any, and the namespace's cookie (`None`: the kernel gives none).
pub(crate) fn marked_for(entry: &Path) -> Option<(String, Option<u64>)> {
    use crate::zone::rtmsg;
    // Through the file probed: the entry may be another file by the time it is opened again.
    let Entry::Netns(file) = crate::netns::probe(entry) else {
        return None;
    };
    let held = crate::zone::lost::fd_path(&file);
    let mut s = crate::sys::rtnl::Rtnl::open_in(Some(&held)).ok()?;
    let lo = s
        .call(rtmsg::get_link_index(rtmsg::LOOPBACK_INDEX), 0)
        .ok()?;
    let links = rtmsg::links(&lo);
    let alias = links
        .values()
        .find(|l| l.index == rtmsg::LOOPBACK_INDEX)?
        .alias
        .as_deref()?;
    let zone = plan::marked_zone(alias)?.to_string();
    Some((zone, crate::zone::cookie::of_socket(&s).ok().flatten()))
}

/// What is wrong, and the fix, for the namespace at `entry` that carries the mark of `zone`
/// ('up' made it for that zone) while the zone's directory `dir` is gone: a zone whose
/// directory was removed while it was up.
pub(crate) fn orphan(zone: &str, dir: &Path, entry: &Path) -> (String, String) {
    (
        format!(
            "{}: no such zone directory, but {} carries the mark of zone {zone} ('up' made it): a zone whose directory was removed while it was up",
            show(dir),
            show(entry)
        ),
        format!(
            "make the directory again (mkdir -p {}) and run 'vspace-netns down {zone}' (it takes what up made), or restore the zone's configuration",
            show(dir)
        ),
    )
}

/// A zone whose entry is gone, or stale (nothing mounted on it, here and as PID 1 sees it),
/// while its namespace lives on in processes (`ip netns delete` under a running guest): what
/// `status` calls stale, said with the repair that works (`up` takes back only a namespace it
/// recorded); never `idle`. `None` when the entry is live, or where that repair is not the one
/// to give (`status::lives_on_applies`: then the entry's own check says why), or no namespace
/// of the zone is found; and without the survey (its failure is a finding of its own): the
/// search then would be `up`'s, which takes back.
fn lives_on_check(zone: &Zone, entry: &Path, run_dir: &Path, ctx: &Ctx) -> Option<Check> {
    let survey = ctx.survey.as_ref()?;
    let probe = crate::netns::probe(entry);
    let gone = match probe {
        Entry::Missing => "does not exist",
        Entry::Unusable(Unusable::Stale) => "is stale (nothing mounted on it)",
        _ => return None,
    };
    // Live as PID 1 sees it, or stale here with PID 1's view unknown: the entry's own check
    // says so.
    if !crate::zone::status::lives_on_applies(&probe, entry) {
        return None;
    }
    let ns = &zone.netns;
    // As `down` looks (not `up`: nothing of what up would change is asked here).
    let gathered = crate::zone::facts::gather_with(ctx.roots, zone, run_dir, false, Some(survey));
    let mut facts = match gathered {
        Ok((facts, _)) => facts,
        Err(f) => {
            let fix = if f.hints.is_empty() {
                format!("run 'vspace-netns status {ns}' on the host once the cause is gone")
            } else {
                f.hints.join("; ")
            };
            return Some(bad(
                format!(
                    "zone {ns}: {} {gone}, and whether its namespace lives on cannot be told: {}",
                    show(entry),
                    f.message
                ),
                fix,
            ));
        }
    };
    facts.pids = crate::zone::status::holders(&facts)?;
    let (situation, repair) = crate::zone::status::lives_on_parts(ctx.roots, ns, &facts);
    Some(bad(
        format!("zone {ns}: {} {gone}, {situation}", show(entry)),
        repair,
    ))
}

/// The member guests of `ns` whose run file exists (a zone without its namespace has no
/// processes to look at).
fn running_members(ns: &str, ctx: &Ctx) -> Vec<String> {
    let vservers = ctx.roots.vservers().unwrap_or(Path::new(""));
    match &ctx.survey {
        Some(s) => s
            .members(ns)
            .iter()
            .filter(|g| g.run_file)
            .map(|g| escape(&g.name))
            .collect(),
        None => ctx
            .parts
            .members(vservers, ns)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| ctx.parts.traces(vservers, &m.guest).run_file)
            .map(|m| escape(&m.guest))
            .collect(),
    }
}

/// The entry of `ns` here, and PID 1's view when it is stale here; true when live here.
pub(crate) fn entry_check(
    checks: &mut Vec<Check>,
    ns: &str,
    entry: &Path,
    zone: bool,
    ctx: &Ctx,
) -> bool {
    let kind = if zone { "zone" } else { "namespace" };
    match crate::netns::probe(entry) {
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
        // Live as PID 1 sees it: the zone is up, this mount namespace does not see it.
        Entry::Missing
            if zone
                && crate::netns::host::host_says(entry) == crate::netns::host::HostSays::Live =>
        {
            let hints = crate::netns::host::stale_hints(
                OsStr::new(ns),
                zone,
                crate::netns::host::HostSays::Live,
            );
            checks.push(bad(
                format!(
                    "zone {ns}: {} does not exist in this mount namespace but is live as PID 1 sees it (not visible in this mount namespace)",
                    show(entry)
                ),
                hints.join("; "),
            ));
            false
        }
        Entry::Missing if zone => {
            checks.push(missing_zone_check(ns, entry, ctx));
            false
        }
        Entry::Missing => {
            let zone_dir = ctx
                .roots
                .zones()
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
            let host = crate::netns::host::host_says(entry);
            let what = match host {
                crate::netns::host::HostSays::Live => format!(
                    "{kind} {ns}: {} is stale in this mount namespace but live as PID 1 sees it (not visible in this mount namespace)",
                    show(entry)
                ),
                _ => format!("{kind} {ns}: {}", Unusable::Stale.describe(entry)),
            };
            let hints = crate::netns::host::stale_hints(OsStr::new(ns), zone, host);
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

/// A zone whose entry is missing: idle (an OK, unless zones must be up), or a FAIL while one
/// of its guests runs.
fn missing_zone_check(ns: &str, entry: &Path, ctx: &Ctx) -> Check {
    let running = running_members(ns, ctx);
    if running.is_empty() && !ctx.expect_up {
        ok(format!(
            "zone {ns}: idle: {} does not exist and none of its guests runs (the hook brings it up at the next start)",
            show(entry)
        ))
    } else if running.is_empty() {
        bad(
            format!(
                "zone {ns}: idle: {} does not exist (none of its guests runs), and zones must be up",
                show(entry)
            ),
            format!("bring the zone up: vspace-netns up {ns}"),
        )
    } else {
        bad(
            format!(
                "zone {ns}: {} does not exist while {} runs",
                show(entry),
                running.join(" and ")
            ),
            format!(
                "bring the zone up: vspace-netns up {ns}; a guest that started without it is outside the zone: restart it (vserver GUEST restart)"
            ),
        )
    }
}

/// What `up --dry-run` would change, item by item (the planner's steps), and the links that
/// need nothing.
fn plan_checks(checks: &mut Vec<Check>, zone: &Zone, run_dir: &Path, ctx: &Ctx) {
    let ns = &zone.netns;
    // As `up` sees it (routes, sysctls, MACs elsewhere); the guests' files are checked per guest.
    let facts = match crate::zone::facts::gather_with(
        ctx.roots,
        zone,
        run_dir,
        true,
        ctx.survey.as_ref(),
    ) {
        // Without the survey, `up`'s own reading of the guests' files too (its warnings and
        // its refusal), though the files are checked per guest.
        Ok((f, _)) if ctx.survey.is_none() => {
            match crate::zone::facts::skip_facts(ctx.roots, ctx.parts, ns) {
                Ok(_) => f,
                Err(e) => {
                    checks.push(bad(format!("zone {ns}: links"), e.message));
                    return;
                }
            }
        }
        Ok((f, _)) => f,
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
        Err(PlanError::Busy(_) | PlanError::Unseen(_) | PlanError::Unmarked(_)) => Vec::new(),
    };
    for step in &steps {
        if let Some(what) = item(step, &facts) {
            checks.push(bad(
                format!("zone {ns}: {what}"),
                format!("vspace-netns up {ns} runs '{}'", step.line(run_dir)),
            ));
        }
    }
    let guests = super::guest_addresses(ns, ctx);
    for (what, fix) in plan::unconfigured_items(zone, &facts, guests.as_deref()) {
        checks.push(bad(format!("zone {ns}: {what}"), fix));
    }
    for (dev, mac, state, place) in link_ends(zone, &facts) {
        let touched = steps.iter().any(|s| step_dev(s) == Some(dev));
        if let (false, Some(_)) = (touched, state) {
            let mac = match mac {
                Some(m) => format!("MAC {m}"),
                None => "its parent's MAC".into(),
            };
            checks.push(ok(format!(
                "zone {ns}: link {dev} is up {place} with {mac}"
            )));
        }
    }
    record_check(checks, ns, &facts, ctx);
}

/// A live zone whose namespace's cookie is not the one recorded (made by hand, or before
/// records were kept): should its entry be lost under a running guest, `up` would refuse to
/// take the namespace back. Said as a WARN (the zone works); nothing when all is well or the
/// kernel gives no cookie.
fn record_check(checks: &mut Vec<Check>, ns: &str, facts: &Facts, ctx: &Ctx) {
    if !plan::lo_marked(ns, facts) {
        checks.push(warn(
            format!("zone {ns}: its namespace was not made by up (its lo carries no mark of the zone): down refuses to delete it, and should its entry be lost under a running process, up cannot find it again"),
            format!("to hand it to up, mark it: ip -n {ns} link set dev lo alias vspace-netns:{ns}; then vspace-netns up {ns} records it"),
        ));
        return;
    }
    let (Some(cookie), Ok(records)) = (facts.cookie, Records::of(ctx.roots)) else {
        return;
    };
    let what = match records.read(ns) {
        Ok(Some(r)) if r == cookie => return,
        Ok(_) => format!(
            "zone {ns}: its namespace is not recorded as the one up made ({} is missing or names another)",
            show(&records.path(ns))
        ),
        Err(e) => format!("zone {ns}: the record of its namespace cannot be believed: {e}"),
    };
    checks.push(warn(
        what,
        format!(
            "vspace-netns up {ns} records it: should the entry be lost under a running guest, up takes a namespace back only when it is the one recorded"
        ),
    ));
}

/// Each configured link end: name, MAC, what is there, where.
fn link_ends<'a>(
    zone: &'a Zone,
    facts: &'a Facts,
) -> Vec<(
    &'a str,
    Option<crate::zone::mac::Mac>,
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
        if let Some((peer, peer_mac)) = link.kind.peer() {
            ends.push((peer, Some(peer_mac), facts.host.get(peer), "on the host"));
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
        Step::Unhide { path, .. } => format!(
            "{path} has not run inside (the up that made the namespace was killed before it did): /proc/net may stay hidden from its guests"
        ),
        _ => return None,
    })
}
