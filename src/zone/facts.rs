//! The facts a zone's plan needs, gathered once before planning: the namespace's entry
//! (`nsfs::probe`), rtnetlink dumps of the host's and the zone's links, addresses and routes,
//! the zone's sysctl values, the other zones' MACs; and for `up` the guests' cleanup-skip
//! edits, as the guests' part answers them ([`skip_facts`]).
//! Side-effecting (reads only: nothing here changes the system).

use nix::errno::Errno;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netns::Entry;
use crate::netns::Roots;
use crate::netns::host::HostNet;
use crate::netns::{self, host};
use crate::report::fail::Fail;
use crate::report::quote::escape;
use crate::sys::nsfs::NetnsFile;
use crate::sys::rtnl::{NlError, Rtnl};
use crate::sys::{exec, nsfs, rtnl};
use crate::zone::base::{fail, run_dir};
use crate::zone::config::Zone;
use crate::zone::guests::GuestParts;
pub(crate) use crate::zone::lost::fd_path;
use crate::zone::plan::{Facts, LinkState, PlanError, SkipFact};
use crate::zone::survey::{Survey, all_zones, dump_links};
use crate::zone::{config, plan, rtmsg, script};

fn nl(what: &str) -> impl Fn(NlError) -> Fail + '_ {
    move |e| fail(format!("{what}: {e}"))
}

/// Observes the namespace, the links inside and on the host, and, when `for_up`, the routes
/// and sysctl values inside and the MACs in use elsewhere (`down` needs none of these). The
/// guests' files are not read here: `up` adds them ([`skip_facts`]).
pub fn gather(roots: &Roots, zone: &Zone, run_dir: &Path, for_up: bool) -> Result<Facts, Fail> {
    Ok(gather_with(roots, zone, run_dir, for_up, None)?.0)
}

/// [`gather`], and for a zone whose namespace lives on without its entry (`facts.found`), that
/// namespace held open: it is the one its facts were read from and the one `up` attaches the
/// entry to (by this fd, never again by a PID that may have been reused meanwhile).
pub fn gather_pinned(
    roots: &Roots,
    zone: &Zone,
    run_dir: &Path,
    for_up: bool,
) -> Result<(Facts, Option<NetnsFile>), Fail> {
    gather_with(roots, zone, run_dir, for_up, None)
}

/// [`gather`], with the facts every zone shares taken from `survey` when many zones are
/// observed together (`status`, `doctor`): then the host's links and the MACs elsewhere are
/// only those this zone's plan looks up and the pids come from the survey's one scan of
/// /proc. With the facts, the namespace found alive without its entry, held open
/// ([`gather_pinned`]).
pub fn gather_with(
    roots: &Roots,
    zone: &Zone,
    run_dir: &Path,
    for_up: bool,
    survey: Option<&Survey>,
) -> Result<(Facts, Option<NetnsFile>), Fail> {
    let ns = &zone.netns;
    let entry = run_dir.join(ns);
    let probe = crate::netns::probe(&entry);
    let mut id = match &probe {
        Entry::Netns(f) => f.identity().ok(),
        _ => None,
    };
    let mut facts = Facts::empty(entry.clone());
    facts.netns = entry_fact(&probe);
    // For `up` and `down`, which would remove the entry (`status` and `doctor` observe, and
    // say the entry's hints: look on the host). A missing entry with marked host ends: below.
    let pid1_unknown =
        || crate::netns::host::host_says(&entry) == crate::netns::host::HostSays::Unknown;
    facts.pid1_unknown = survey.is_none()
        && facts.netns == Entry::Unusable(netns::Unusable::Stale)
        && pid1_unknown();
    // `up` alone takes back a namespace found (`status` and `doctor`, with a survey, observe).
    let adopt = for_up && survey.is_none();
    let lost = matches!(
        facts.netns,
        Entry::Unusable(netns::Unusable::Stale) | Entry::Missing
    );
    let mut pinned = None;
    if facts.netns == Entry::Unusable(netns::Unusable::Stale) {
        pinned = take_found(
            crate::zone::lost::find_marked(roots, zone, &entry, adopt)?,
            &mut facts,
            &mut id,
        );
    }
    let hn = host::host_net().map_err(fail)?;
    // `down` looks at the host's links only for a stale or missing entry's veth host ends: a
    // dump of them all for each zone made `down --all` grow with the square of the zones.
    if for_up || lost {
        // One dump a run, then the changes since (`up --all`: not every host link per zone).
        (facts.host, facts.macs_elsewhere) = match survey {
            Some(s) if for_up => (s.host_for(zone), s.macs_for(zone)),
            Some(s) => (s.host_for(zone), BTreeMap::new()),
            None => crate::zone::hostview::for_zone(roots, &hn, zone, for_up)?,
        };
    }
    // No entry, but a veth host end of the zone still carries its mark: the zone's namespace
    // may live on in processes (a run killed between removing a stale entry and attaching it
    // again, or `ip netns delete` under a running guest). Found, `up` attaches an entry to it
    // again and `down` removes its host ends, as for a stale entry.
    if facts.netns == Entry::Missing && !marked_ends(zone, &facts).is_empty() {
        // The zone may be live on the host, its entry only missing here: `down` would delete
        // its host ends.
        facts.pid1_unknown = survey.is_none() && pid1_unknown();
        pinned = take_found(
            crate::zone::lost::find_marked(roots, zone, &entry, adopt)?,
            &mut facts,
            &mut id,
        );
    }
    if for_up && survey.is_none() && lost && pinned.is_none() {
        wait_dying_ends(&hn, zone, &mut facts)?;
    }
    if let Some(live) = live_path(&facts, pinned.as_ref()) {
        inside_facts(&live, for_up, &mut facts)?;
    }
    if for_up && survey.is_none() && replaced(zone, &facts) {
        wait_dying_ends(&hn, zone, &mut facts)?;
    }
    if for_up {
        facts.missing_kinds = missing_kinds(zone, &facts, survey.is_none());
        facts.kept_kinds = kept_kinds(zone, &facts.missing_kinds);
    }
    if for_up {
        facts.sysctls = sysctl_values(roots, zone, &facts, pinned.as_ref(), &hn)?;
    }
    facts.vprocunhide = vprocunhide(roots)?;
    if let (true, Some(c)) = (for_up, facts.cookie) {
        facts.unhide_pending =
            crate::zone::cookie::Records::of(roots).is_ok_and(|r| r.unhide_pending(&zone.netns, c));
    }
    (facts.pids, facts.unseen) = pids(&facts, id, survey)?;
    if let (Some(_), Some(id)) = (facts.found, id) {
        // The first in /proc order whose own link leads to the namespace (the found process
        // may have exited since; a leaderless one is found through a thread, whose id stays).
        let leads = |pid: &&i32| {
            nsfs::identity(Path::new(&format!("/proc/{pid}/ns/net"))).is_ok_and(|i| i == id)
        };
        if let Some(first) = facts.pids.iter().find(leads) {
            facts.found = Some(*first);
        }
    }
    Ok((facts, pinned))
}

/// The namespace `lost::find_marked` found, taken into `facts` (its process) and `id` (its
/// identity), and handed back held open.
fn take_found(
    found: Option<(i32, NetnsFile, crate::netns::Ident)>,
    facts: &mut Facts,
    id: &mut Option<crate::netns::Ident>,
) -> Option<NetnsFile> {
    let (pid, file, ident) = found?;
    facts.found = Some(pid);
    *id = Some(ident);
    Some(file)
}

/// The processes in the namespace of identity `id`, and those whose namespace could not be
/// read (any may be in it). The host's own namespace under the zone's name has none of the
/// zone's: its processes are the host's (down says what the entry is, not "in use by pids 1
/// ..."). /proc that cannot be listed fails: "no process" would let `down` take the links from
/// under the guests.
fn pids(
    facts: &Facts,
    id: Option<crate::netns::Ident>,
    survey: Option<&Survey>,
) -> Result<(Vec<i32>, Vec<i32>), Fail> {
    use crate::netns::procs::{Procs, unlisted};
    let host_entry = matches!(
        facts.netns,
        Entry::Unusable(netns::Unusable::Host { .. } | netns::Unusable::HostUnknown(_))
    );
    let Some(id) = id.filter(|_| !host_entry) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let scanned;
    let procs = match survey {
        Some(s) => s.procs(),
        None => {
            scanned = Procs::scan(crate::netns::procs::Threads::Living)
                .map_err(|e| fail(unlisted(&e)))?;
            &scanned
        }
    };
    if procs.hides() {
        return Err(fail(format!(
            "zone {}: whether it is in use cannot be told: {}",
            facts.entry.file_name().unwrap_or_default().to_string_lossy(),
            crate::netns::procs::HIDDEN
        ))
            .hint("nothing was changed: run it unconfined, as the host's root (or with /proc mounted without hidepid=)"));
    }
    Ok((procs.pids_in(id), procs.unseen_pids()))
}

/// The zone's veth host ends on the host that carry its mark and whose pair's zone end is not
/// in `facts.inside` (under its name or its temporary one): with no namespace at hand (inside
/// empty), every marked host end.
fn marked_ends(zone: &Zone, facts: &Facts) -> Vec<String> {
    let ns = &zone.netns;
    let mark = plan::mark(ns);
    let inside = |l: &config::Link| {
        facts.inside.contains_key(&l.name)
            || facts.inside.contains_key(&plan::temp_name(ns, &l.name))
    };
    zone.links
        .iter()
        .filter(|l| !inside(l))
        .filter_map(|l| l.kind.peer())
        .map(|(p, _)| p.to_string())
        .filter(|p| facts.host.get(p).and_then(|h| h.alias.as_deref()) == Some(mark.as_str()))
        .collect()
}

/// A live entry whose namespace holds no end of some marked pair of the zone, and no veth the
/// zone does not configure (a renamed end): the entry was put in the place of the zone's
/// namespace, which may just be going away (`ip netns delete`, `ip netns add`).
fn replaced(zone: &Zone, facts: &Facts) -> bool {
    facts.netns == Entry::Netns(())
        && !marked_ends(zone, facts).is_empty()
        && !plan::holds_unconfigured_veth(zone, facts)
}

/// How long `up` waits for the host ends of a zone's namespace that is going away.
const DYING_WAIT: Duration = Duration::from_secs(10);

/// The zone's marked veth host ends while no namespace of the zone is found: a namespace just
/// released (`ip netns delete`, its entry unmounted, its last process gone) is destroyed by the
/// kernel a little later, from a work queue, and its veth pairs with it. `up` waits for them to
/// go (at most [`DYING_WAIT`]; the RTM_DELLINK notifications end the wait) rather than refuse
/// the zone; those gone leave `facts.host`. One still there is held by something else (a mount
/// in another mount namespace, an open file): the plan's refusal says so.
fn wait_dying_ends(hn: &HostNet, zone: &Zone, facts: &mut Facts) -> Result<(), Fail> {
    let ends = marked_ends(zone, facts);
    if ends.is_empty() {
        return Ok(());
    }
    let (mut watch, mut ask) = Rtnl::open_link_watch(host::host_net_path(hn))
        .map_err(nl("cannot watch the host's links"))?;
    let mut look = |name: &str| match ask.call(rtmsg::get_link(name), 0) {
        Ok(m) => Ok(rtmsg::links(&m).get(name).map(|l| l.index)),
        Err(e) if e.errno == Errno::ENODEV => Ok(None),
        Err(e) => Err(e),
    };
    // Looked up again once the watch is open: a notification cannot be missed in between.
    let mut waited = Vec::new();
    for name in ends {
        match look(&name).map_err(nl("cannot look up a host end"))? {
            Some(i) => waited.push((name, i)),
            None => {
                facts.host.remove(&name);
            }
        }
    }
    let indices: Vec<u32> = waited.iter().map(|(_, i)| *i).collect();
    let name_of = |i: u32| waited.iter().find(|(_, j)| *j == i).map(|(n, _)| n.clone());
    let left = watch
        .wait_links_gone(&indices, DYING_WAIT, |i| {
            name_of(i).is_some_and(|n| look(&n).is_ok_and(|x| x != Some(i)))
        })
        .map_err(nl("cannot watch the host's links"))?;
    for (name, i) in &waited {
        if !left.contains(i) {
            facts.host.remove(name);
        }
    }
    Ok(())
}

/// What the entry `probe` found means for a zone. The host's own network namespace under a
/// zone's name is no zone: up refuses it, the hook never puts a guest's addresses there, down
/// only unmounts it with --force. Unknown is refused too (fail closed).
fn entry_fact(probe: &crate::netns::Probe) -> Entry<()> {
    match probe {
        Entry::Netns(f) => match nsfs::is_host(f) {
            Ok(false) => Entry::Netns(()),
            Ok(true) => Entry::Unusable(netns::Unusable::Host {
                pid1: nsfs::identity(Path::new("/proc/1/ns/net")).is_ok(),
            }),
            Err(e) => Entry::Unusable(netns::Unusable::HostUnknown(e)),
        },
        other => other.fact(),
    }
}

/// The links inside the zone's namespace entered at `live` and, when `for_up`, its routes.
fn inside_facts(live: &Path, for_up: bool, facts: &mut Facts) -> Result<(), Fail> {
    let mut inside =
        Rtnl::open_in(Some(live)).map_err(nl("cannot open rtnetlink inside the zone"))?;
    facts.inside =
        loopback_as_lo(dump_links(&mut inside).map_err(nl("cannot list the zone's links"))?);
    facts.cookie = crate::zone::cookie::of_socket(&inside).ok().flatten();
    for v6 in [false, true].into_iter().filter(|_| for_up) {
        let dump = inside
            .dump(rtmsg::dump_routes(v6))
            .map_err(nl("cannot list the zone's routes"))?;
        facts.routes.extend(rtmsg::routes(&dump, &facts.inside));
        facts
            .managed_routes
            .extend(rtmsg::managed_routes(&dump, &facts.inside));
    }
    Ok(())
}

/// A zone's links with its loopback device as `lo`, whatever it is named: the kernel's
/// loopback (ifindex 1) is the zone's `lo` even when renamed (any holder of CAP_NET_ADMIN
/// inside may), so that `up` and `down` find it and do not take it for a link of their own to
/// delete; a link of another kind named `lo` is left out.
fn loopback_as_lo(mut links: BTreeMap<String, LinkState>) -> BTreeMap<String, LinkState> {
    let renamed = links
        .iter()
        .find(|(name, l)| l.index == rtmsg::LOOPBACK_INDEX && name.as_str() != "lo")
        .map(|(name, _)| name.clone());
    if let Some(name) = renamed {
        let lo = links.remove(&name);
        links.remove("lo");
        links.extend(lo.map(|l| ("lo".to_string(), l)));
    }
    links
}

/// util-vserver's `vprocunhide`, when it exists, as a word a script can hold.
fn vprocunhide(roots: &Roots) -> Result<Option<String>, Fail> {
    let unhide = roots.vprocunhide().map_err(fail)?;
    if !unhide.exists() {
        return Ok(None);
    }
    script::printable(unhide.as_os_str())
        .map(|s| Some(s.to_string()))
        .map_err(|e| fail(format!("VSPACE_NETNS_VPROCUNHIDE {e}")))
}

/// The kinds of the links `up` would make (not inside yet) that this kernel does not make,
/// each once: asked as `up` asks (`hostside::makes`, `acting`), or as `status` and `doctor`
/// observe (`hostside::supported_once`: no module loaded by asking).
fn missing_kinds(zone: &Zone, facts: &Facts, acting: bool) -> Vec<String> {
    use crate::zone::hostside::{makes, supported_once};
    let has: fn(&dyn crate::zone::config::LinkKind) -> bool =
        if acting { makes } else { supported_once };
    let mut out: Vec<String> = Vec::new();
    for l in zone
        .links
        .iter()
        .filter(|l| !facts.inside.contains_key(&l.name))
    {
        let kind = l.kind.type_name();
        if !out.iter().any(|k| k == kind) && !has(&*l.kind) {
            out.push(kind.to_string());
        }
    }
    out
}

/// What keeps the module of each of `missing` (kinds of the zone's links) from loading, where
/// something does (`hostside::kept_from_loading`).
fn kept_kinds(zone: &Zone, missing: &[String]) -> std::collections::BTreeMap<String, String> {
    missing
        .iter()
        .filter_map(|kind| {
            let link = zone.links.iter().find(|l| l.kind.type_name() == kind)?;
            let why = crate::zone::hostside::kept_from_loading(link.kind.kernel().module)?;
            Some((kind.clone(), why))
        })
        .collect()
}

/// Where the zone's live namespace is entered: its entry, or, for an entry whose namespace
/// lives on without it, the namespace found, through the fd that holds it (`/proc/self/fd/N`:
/// the PID it was found by may be another process's by now).
fn live_path(facts: &Facts, pinned: Option<&NetnsFile>) -> Option<PathBuf> {
    match (&facts.netns, pinned) {
        (Entry::Netns(()), _) => Some(facts.entry.clone()),
        (_, Some(f)) => Some(fd_path(f)),
        _ => None,
    }
}

/// The facts of a zone as `up` would see them (doctor compares them with the configuration
/// through `plan::plan_up`).
pub fn observe(roots: &Roots, parts: &dyn GuestParts, zone: &Zone) -> Result<Facts, Fail> {
    let mut facts = gather(roots, zone, &run_dir(roots)?, true)?;
    facts.skips = skip_facts(roots, parts, &zone.netns)?;
    Ok(facts)
}

/// What `up` would do to `zone` now, as printed lines (empty when it is up as configured):
/// the planner's diff between configuration and facts, for `doctor`. A conflict `up` would
/// refuse is the error.
pub fn pending(roots: &Roots, parts: &dyn GuestParts, zone: &Zone) -> Result<Vec<String>, Fail> {
    let run_dir = run_dir(roots)?;
    let mut facts = gather(roots, zone, &run_dir, true)?;
    facts.skips = skip_facts(roots, parts, &zone.netns)?;
    match plan::plan_up(zone, &facts) {
        Ok(steps) => Ok(steps.iter().map(|s| s.line(&run_dir)).collect()),
        Err(PlanError::Conflict(m)) => Err(fail(format!("up {}: {m}", zone.netns))),
        Err(PlanError::Busy(_) | PlanError::Unseen(_) | PlanError::Unmarked(_)) => Ok(Vec::new()),
    }
}

/// The configured sysctl keys' values inside the zone (read from a thread that entered it;
/// the host's when the zone does not exist yet, to check the key). A key that exists nowhere
/// is an error naming it, unless it names one of the zone's links not made yet.
fn sysctl_values(
    roots: &Roots,
    zone: &Zone,
    facts: &Facts,
    pinned: Option<&NetnsFile>,
    hn: &HostNet,
) -> Result<BTreeMap<String, Option<String>>, Fail> {
    if zone.sysctls.is_empty() {
        return Ok(BTreeMap::new());
    }
    let keys: Vec<String> = zone.sysctls.iter().map(|s| s.key.clone()).collect();
    let entry = live_path(facts, pinned);
    let read = keys.clone();
    let at = entry.as_deref().or(host::host_net_path(hn));
    let values = rtnl::in_netns(at, move || {
        Ok(read
            .iter()
            .map(|k| match std::fs::read(config::sysctl_path(k)) {
                Ok(b) => Ok(String::from_utf8_lossy(&b)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")),
                Err(e) => Err(e),
            })
            .collect::<Vec<_>>())
    })
    .map_err(nl("cannot read the zone's sysctls"))?;
    let mut out = BTreeMap::new();
    for ((key, v), s) in keys.into_iter().zip(values).zip(&zone.sysctls) {
        match v {
            Ok(v) if entry.is_some() => {
                out.insert(key, Some(v));
            }
            Ok(_) => {
                out.insert(key, None);
            }
            Err(e) => {
                let names_new_link = zone.links.iter().any(|l| {
                    !facts.inside.contains_key(&l.name)
                        && config::sysctl_parts(&key).contains(&l.name)
                });
                let missing = e.kind() == std::io::ErrorKind::NotFound;
                if missing && names_new_link {
                    out.insert(key, None);
                } else if missing && s.optional {
                    // `-KEY` (sysctl.d(5)): a key the kernel has not is skipped.
                } else if !missing {
                    // Not the file's fault (EMFILE, EACCES, ...): the errno, no hint to edit it.
                    return Err(fail(format!(
                        "zone {}: sysctl '{key}': cannot read {}: {}",
                        zone.netns,
                        config::sysctl_path(&key).display(),
                        exec::io_reason(&e)
                    )));
                } else {
                    return Err(fail(format!(
                        "zone {}: sysctl '{key}': unknown key (no {} in the zone's network namespace)",
                        zone.netns,
                        config::sysctl_path(&key).display()
                    ))
                    .hint(format!(
                        "correct or remove it in {}",
                        escape(
                            roots
                                .zones()
                                .unwrap_or(Path::new(""))
                                .join(&zone.netns)
                                .join("sysctl")
                                .as_os_str()
                        )
                    )));
                }
            }
        }
    }
    Ok(out)
}

/// Clashes of MACs between the configured zones, as messages (doctor's check).
pub fn mac_clashes(roots: &Roots) -> Vec<String> {
    plan::zone_macs(&all_zones(roots)).1
}

/// The namespace-cleanup-skip edits `up` makes, as `parts` answers them (util-vserver's layer:
/// every member guest's file, every other guest's own file and `.defaults`), each path
/// printable as a shell word (the `--dry-run` lines must replay).
pub fn skip_facts(roots: &Roots, parts: &dyn GuestParts, ns: &str) -> Result<Vec<SkipFact>, Fail> {
    let facts = parts.skip_facts(roots, ns)?;
    for f in &facts {
        for p in [&f.own, &f.defaults] {
            script::printable(p.as_os_str()).map_err(fail)?;
        }
    }
    Ok(facts)
}
