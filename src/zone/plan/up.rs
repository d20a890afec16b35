//! Planning `up`: the namespace and its `lo`, each link (made anew or only what differs), the
//! routes, the sysctls, the guests' cleanup-skip edits last. Pure. Refuses, before anything
//! changes, what cannot succeed (a parent missing or down, an MTU above the parent's, a VLAN
//! without 802.1Q support, a MAC another zone or the host uses).

use std::path::Path;

use crate::netns::{Entry, Unusable};
use crate::zone::config::{self, Link, Zone};
use crate::zone::mac::Mac;

use super::facts::{Facts, LinkState, SkipFact};
use super::step::Step;
use super::{PlanError, mark, temp_name};

/// The steps that bring `zone` up from `facts`. Empty when it is up as configured.
pub fn plan_up(zone: &Zone, facts: &Facts) -> Result<Vec<Step>, PlanError> {
    let mut steps = Vec::new();
    let created = plan_netns(zone, facts, &mut steps)?;
    for link in &zone.links {
        match facts.inside.get(&link.name) {
            None => {
                check_parent(link, facts, true, true)?;
                let temp = temp_name(&zone.netns, &link.name);
                // Left by a run killed before the rename: this zone's, deleted and made anew.
                let half_made = facts.inside.contains_key(&temp);
                if half_made {
                    steps.push(Step::DelLink {
                        ns: Some(zone.netns.clone()),
                        dev: temp.clone(),
                    });
                }
                check_peer_free(zone, link, facts, half_made)?;
                plan_new_link(&zone.netns, link, temp, &mut steps)
            }
            Some(have) => {
                let first = steps.len();
                plan_existing_link(zone, link, have, facts, &mut steps)?;
                let raise = steps[first..]
                    .iter()
                    .any(|s| matches!(s, Step::Up { ns: Some(_), dev } if *dev == link.name));
                let mtu = steps[first..].iter().any(
                    |s| matches!(s, Step::SetMtu { ns: Some(_), dev, .. } if *dev == link.name),
                );
                if raise || mtu {
                    check_parent(link, facts, raise, mtu)?;
                }
            }
        }
    }
    check_kinds(zone, facts, &steps)?;
    check_macs(zone, &steps, facts)?;
    plan_routes(zone, facts, &mut steps)?;
    plan_sysctls(zone, facts, &mut steps);
    if created || facts.unhide_pending {
        if let Some(path) = &facts.vprocunhide {
            steps.push(Step::Unhide {
                ns: zone.netns.clone(),
                path: path.clone(),
            });
        }
    }
    // Last: a failing network step then never touches a guest's file, and a failing edit is
    // undone with the rest. util-vserver's cleanup reads these files after the hook's phase.
    plan_skips(facts, &mut steps);
    Ok(steps)
}

/// The namespace and its `lo`; true when this run creates the namespace.
fn plan_netns(zone: &Zone, facts: &Facts, steps: &mut Vec<Step>) -> Result<bool, PlanError> {
    let ns = &zone.netns;
    let lo = |steps: &mut Vec<Step>| {
        steps.push(Step::Up {
            ns: Some(ns.clone()),
            dev: "lo".into(),
        })
    };
    match &facts.netns {
        // The zone's own entry, dead here, its namespace alive in processes (util-vserver's
        // namespace cleanup unmounted it under a running guest): attached to it again, so the
        // guests still running and those starting share it.
        // The zone's own entry, dead here (up runs in the host's mount namespace): removed,
        // then remade, or attached again to the namespace found alive (the arms of Missing).
        Entry::Unusable(Unusable::Stale) if facts.pid1_unknown => Err(PlanError::Conflict(
            super::stale_pid1_unknown(ns, &facts.entry, "up"),
        )),
        Entry::Unusable(Unusable::Stale) => {
            steps.push(Step::DelNetns { ns: ns.clone() });
            let mut fresh = facts.clone();
            fresh.netns = Entry::Missing;
            plan_netns(zone, &fresh, steps)
        }
        // The host's own namespace under the zone's name: only the entry may go (down would
        // count the host's processes in it and refuse).
        Entry::Unusable(u @ (Unusable::Host { .. } | Unusable::HostUnknown(_))) => {
            Err(PlanError::Conflict(format!(
                "{}; remove the entry (ip netns delete {ns}: it unmounts the entry, the host's namespace stays) and run up again",
                u.describe(&facts.entry)
            )))
        }
        Entry::Unusable(u) => Err(PlanError::Conflict(format!(
            "{}; remove it with 'vspace-netns down {ns}' and run up again",
            u.describe(&facts.entry)
        ))),
        // No entry, the zone's namespace alive in processes (found by its marked lo): an entry
        // is attached to it again.
        Entry::Missing if facts.found.is_some() => {
            steps.push(Step::AttachNetns {
                ns: ns.clone(),
                pid: facts.found.unwrap_or_default(),
            });
            let mut live = facts.clone();
            live.netns = Entry::Netns(());
            plan_netns(zone, &live, steps)
        }
        Entry::Missing => {
            steps.push(Step::AddNetns { ns: ns.clone() });
            lo(steps);
            steps.push(Step::SetAlias {
                ns: Some(ns.clone()),
                dev: "lo".into(),
                alias: mark(ns),
            });
            Ok(true)
        }
        Entry::Netns(()) => {
            if !facts.inside.get("lo").is_some_and(|l| l.up) {
                lo(steps);
            }
            Ok(false)
        }
    }
}

/// A VLAN or macvlan link needs its parent on the host, up when the link is to be raised
/// (a new link, or `raise`), with an MTU at least the link's when the link's MTU is set (a new
/// link, or `mtu`): the kernel's own refusals (ENODEV, ENETDOWN, EINVAL, ERANGE) come only
/// after the zone has been changed and name no parent.
fn check_parent(link: &Link, facts: &Facts, raise: bool, mtu: bool) -> Result<(), PlanError> {
    let Some(p) = link.kind.parent() else {
        return Ok(());
    };
    let (name, kind) = (&link.name, link.kind.type_name());
    let Some(parent) = facts.host.get(p) else {
        return Err(PlanError::Conflict(format!(
            "the parent {p} of the {kind} link {name} does not exist on the host (in PID 1's network namespace); create it, or name the right one in links/{name}/link"
        )));
    };
    if raise && !parent.up {
        return Err(PlanError::Conflict(format!(
            "the parent {p} of the {kind} link {name} is down on the host, and the link cannot go up without it; bring it up (ip link set dev {p} up) and run up again"
        )));
    }
    if let (true, Some(want), Some(have)) = (mtu, link.mtu, parent.mtu) {
        if want > have {
            return Err(PlanError::Conflict(format!(
                "the MTU {want} of the {kind} link {name} is above the MTU {have} of its parent {p}; lower links/{name}/mtu to {have} or less, or raise {p}'s (ip link set dev {p} mtu {want})"
            )));
        }
    }
    Ok(())
}

/// A link to make of a kind this kernel has not got (802.1Q VLAN, ipvlan, ...: looked up by
/// the shell): refused before anything changes, where the kernel would refuse it halfway.
fn check_kinds(zone: &Zone, facts: &Facts, steps: &[Step]) -> Result<(), PlanError> {
    let missing = steps.iter().find_map(|s| match s {
        Step::AddLink { link, .. }
            if facts
                .missing_kinds
                .iter()
                .any(|k| k == link.kind.type_name()) =>
        {
            Some(link)
        }
        _ => None,
    });
    let Some(link) = missing else {
        return Ok(());
    };
    let k = link.kind.kernel();
    let kind = link.kind.type_name();
    let (why, fix) = match facts.kept_kinds.get(kind) {
        Some(kept) => (
            format!("the module {} is kept from loading: {kept}", k.module),
            format!("undo that, then load it (modprobe {})", k.module),
        ),
        None => (
            format!("the module {} is neither loaded nor loadable", k.module),
            format!("load it (modprobe {})", k.module),
        ),
    };
    Err(PlanError::Conflict(format!(
        "the {kind} link {} of zone {} cannot be made: this kernel has no {} support ({why}); {fix} or build it in ({})",
        link.name, zone.netns, k.words, k.config
    )))
}

/// A veth whose host end's name is taken on the host cannot be created. What carries this
/// zone's mark is never advised away: the zone's namespace lives on. With `half_made` (the
/// zone end left under its temporary name, deleted first), a veth host end that carries this
/// zone's mark or none is that pair's, and goes with it.
fn check_peer_free(
    zone: &Zone,
    link: &Link,
    facts: &Facts,
    half_made: bool,
) -> Result<(), PlanError> {
    let ns = &zone.netns;
    match link.kind.peer() {
        Some((p, _))
            if half_made
                && facts.host.get(p).is_some_and(|h| {
                    h.kind.as_deref() == Some("veth")
                        && h.alias.as_deref().is_none_or(|a| a == mark(ns))
                }) =>
        {
            Ok(())
        }
        Some((p, _)) if facts.host.contains_key(p) => {
            let name = &link.name;
            let marked = facts.host[p].alias.as_deref() == Some(mark(ns).as_str());
            // The zone's namespace is here (live, or found without its entry) and holds a veth
            // end that is not configured: the pair's other end, most likely, under another name.
            let renamed = super::holds_unconfigured_veth(zone, facts);
            if marked && renamed && facts.netns == Entry::Netns(()) {
                return Err(PlanError::Conflict(format!(
                    "the host end {p} of {name} carries this zone's mark, but {name} is not in the zone under that name: the pair's other end is there under another name (a link renamed in the configuration, or inside the zone); give it its name again (see ip -n {ns} link; ip -n {ns} link set dev OTHER name {name}) and run up again"
                )));
            }
            if let (true, true, Some(pid)) = (marked, renamed, facts.found) {
                return Err(PlanError::Conflict(format!(
                    "the host end {p} of {name} carries this zone's mark, but {name} is not under that name in the zone's namespace, which lives on without its entry (process {pid} is in it): the pair's other end is there under another name; give it its name again (see nsenter -t {pid} -n ip link; nsenter -t {pid} -n ip link set dev OTHER name {name}) and run up again, which attaches the entry; deleting the pair would cut the zone's guests off"
                )));
            }
            // A live entry that holds no end of the pair: a namespace put in the zone's place
            // (`ip netns delete`, `ip netns add`) while the zone's lives on elsewhere, where a
            // search (which only a missing or stale entry gets) finds it.
            if marked && facts.netns == Entry::Netns(()) {
                return Err(PlanError::Conflict(format!(
                    "the host end {p} of {name} carries this zone's mark, but the namespace at {} holds no end of the pair: the zone's namespace lives on elsewhere (this entry was put in its place, e.g. by ip netns delete and ip netns add); remove this entry (ip netns delete {ns}) and run up again, which looks for the zone's namespace by its mark and record and attaches the entry to it",
                    facts.entry.to_string_lossy()
                )));
            }
            if marked {
                return Err(PlanError::Conflict(format!(
                    "the host end {p} of {name} carries this zone's mark: the zone's namespace lives on, unreachable from {} (no namespace whose lo carries the zone's mark was found: a mount elsewhere or an open file holds it, or it is one up did not make, maybe with processes in it); take it down with 'vspace-netns down {ns}' (deletes {p} and the pair, cutting whatever is in that namespace off) and run up again",
                    facts.entry.to_string_lossy()
                )));
            }
            Err(PlanError::Conflict(format!(
                "a link named {p} (the host end of {name}) already exists on the host; delete or rename it, or change {name}'s peer"
            )))
        }
        _ => Ok(()),
    }
}

/// A link that is not inside yet (its host end's name checked free): created there under
/// its temporary name, marked (both ends), renamed, addressed, raised. The rename comes last
/// of these: a link under its final name always carries the mark.
fn plan_new_link(ns: &str, link: &Link, temp: String, steps: &mut Vec<Step>) {
    let some_ns = Some(ns.to_string());
    let name = &link.name;
    steps.push(Step::AddLink {
        ns: ns.to_string(),
        link: link.clone(),
        temp: temp.clone(),
    });
    steps.push(Step::SetAlias {
        ns: some_ns.clone(),
        dev: temp.clone(),
        alias: mark(ns),
    });
    if let Some((p, _)) = link.kind.peer() {
        steps.push(Step::SetAlias {
            ns: None,
            dev: p.to_string(),
            alias: mark(ns),
        });
    }
    steps.push(Step::Rename {
        ns: ns.to_string(),
        dev: temp,
        name: name.clone(),
    });
    for cidr in &link.addresses {
        steps.push(Step::AddAddr {
            ns: ns.to_string(),
            dev: name.clone(),
            cidr: *cidr,
        });
    }
    steps.push(Step::Up {
        ns: some_ns,
        dev: name.clone(),
    });
    if let Some((p, _)) = link.kind.peer() {
        steps.push(Step::Up {
            ns: None,
            dev: p.to_string(),
        });
    }
}

/// A link that is inside already: only what differs (MAC, MTU, addresses, up; a veth's host
/// end's MAC, MTU and up).
fn plan_existing_link(
    zone: &Zone,
    link: &Link,
    have: &LinkState,
    facts: &Facts,
    steps: &mut Vec<Step>,
) -> Result<(), PlanError> {
    let ns = &zone.netns;
    let name = &link.name;
    let host_end = host_end(zone, link, facts)?;
    set_mac_mtu(Some(ns.clone()), name, link.mac, link.mtu, have, steps);
    if let Some((p, pmac, h)) = host_end {
        // The host end gets the same MTU (vspace-netns-zones(5), links/IF/mtu).
        set_mac_mtu(None, p, Some(pmac), link.mtu, h, steps);
    }
    for cidr in &link.addresses {
        if !have.addresses.contains(cidr) {
            steps.push(Step::AddAddr {
                ns: ns.clone(),
                dev: name.clone(),
                cidr: *cidr,
            });
        }
    }
    if !have.up {
        steps.push(Step::Up {
            ns: Some(ns.clone()),
            dev: name.clone(),
        });
    }
    if let Some((p, _, h)) = host_end {
        if !h.up {
            steps.push(Step::Up {
                ns: None,
                dev: p.to_string(),
            });
        }
    }
    Ok(())
}

/// A veth's host end as found on the host, with the MAC it must have; a veth whose host end
/// is gone is refused (deleting the inside end takes the pair with it, wherever the host end
/// went: renamed, moved; `down` would refuse an unmarked link, or a zone in use).
fn host_end<'a>(
    zone: &Zone,
    link: &'a Link,
    facts: &'a Facts,
) -> Result<Option<(&'a str, Mac, &'a LinkState)>, PlanError> {
    let Some((p, pmac)) = link.kind.peer() else {
        return Ok(None);
    };
    match facts.host.get(p) {
        Some(h) => Ok(Some((p, pmac, h))),
        None => {
            let (ns, name) = (&zone.netns, &link.name);
            let run_dir = facts.entry.parent().unwrap_or(Path::new("/run/netns"));
            let del = Step::DelLink {
                ns: Some(ns.clone()),
                dev: name.clone(),
            };
            Err(PlanError::Conflict(format!(
                "{name} is in {ns} but its host end {p} is not on the host (renamed, or moved to another namespace); delete the pair with '{}' and run up again to make it anew",
                del.line(run_dir)
            )))
        }
    }
}

/// The MAC (when the link owns one) and the MTU (when configured) of `dev` in `ns` where they
/// differ from `have`, MAC first.
fn set_mac_mtu(
    ns: Option<String>,
    dev: &str,
    mac: Option<Mac>,
    mtu: Option<u32>,
    have: &LinkState,
    steps: &mut Vec<Step>,
) {
    if let Some(mac) = mac.filter(|m| have.mac != Some(*m)) {
        steps.push(Step::SetMac {
            ns: ns.clone(),
            dev: dev.to_string(),
            mac,
            was: have.mac,
        });
    }
    if let Some(mtu) = mtu.filter(|m| have.mtu != Some(*m)) {
        steps.push(Step::SetMtu {
            ns,
            dev: dev.to_string(),
            mtu,
            was: have.mtu,
        });
    }
}

/// Refuses a MAC this plan would set that another configured zone or a host link uses, or a
/// link inside the zone that its configuration does not name (a link directory renamed while
/// the zone was up: the old link still holds the MAC, and the kernel refuses a second macvlan
/// with it halfway, EADDRINUSE).
fn check_macs(zone: &Zone, steps: &[Step], facts: &Facts) -> Result<(), PlanError> {
    let ns = &zone.netns;
    let deleted: Vec<&str> = steps
        .iter()
        .filter_map(|s| match s {
            Step::DelLink { ns: Some(_), dev } => Some(dev.as_str()),
            _ => None,
        })
        .collect();
    let unconfigured: Vec<(&str, Mac)> = super::left::unconfigured(zone, facts)
        .filter(|n| !deleted.contains(n))
        .filter_map(|n| Some((n, facts.inside.get(n)?.mac?)))
        .collect();
    for s in steps {
        let set: Vec<(String, Mac)> = match s {
            Step::AddLink { link, .. } => link
                .mac
                .map(|m| (link.name.clone(), m))
                .into_iter()
                .chain(link.kind.peer().map(|(p, m)| (p.to_string(), m)))
                .collect(),
            Step::SetMac { dev, mac, .. } => vec![(dev.clone(), *mac)],
            _ => continue,
        };
        for (dev, mac) in set {
            if let Some((other, _)) = unconfigured.iter().find(|(_, m)| *m == mac) {
                return Err(PlanError::Conflict(format!(
                    "MAC {mac} of link {dev} is the MAC of link {other} inside the zone, which the configuration does not name (its link directory renamed?); take the zone down and up again ('vspace-netns down {ns}' deletes {other} if up made it), or delete it (ip -n {ns} link del dev {other})"
                )));
            }
            if let Some(who) = facts.macs_elsewhere.get(&mac) {
                return Err(PlanError::Conflict(format!(
                    "MAC {mac} of link {dev} is already used by {who}; zone ids must be unique (per VLAN across hosts: the MAC has no host part): give this zone another 'id', or the link an explicit 'mac'"
                )));
            }
        }
    }
    Ok(())
}

/// The configured routes the namespace lacks; a route with the same key but another gateway
/// or device is a conflict.
fn plan_routes(zone: &Zone, facts: &Facts, steps: &mut Vec<Step>) -> Result<(), PlanError> {
    for r in &zone.routes {
        match facts.routes.iter().find(|h| h.same_key(r)) {
            None => steps.push(Step::AddRoute {
                ns: zone.netns.clone(),
                route: r.clone(),
            }),
            Some(h) if h.via == r.via && (r.dev.is_none() || r.dev == h.dev) => {}
            Some(h) => {
                return Err(PlanError::Conflict(format!(
                    "{} has the route '{h}' where '{r}' is configured; delete it (ip -n {} route del {h}) or change the zone's routes",
                    zone.netns, zone.netns
                )));
            }
        }
    }
    Ok(())
}

/// The configured sysctls whose value differs.
fn plan_sysctls(zone: &Zone, facts: &Facts, steps: &mut Vec<Step>) {
    for config::Sysctl {
        key,
        value,
        optional,
    } in &zone.sysctls
    {
        // An optional key (`-KEY`) the kernel has not: skipped (the shell leaves it out of
        // the facts).
        if *optional && !facts.sysctls.contains_key(key) {
            continue;
        }
        let have = facts.sysctls.get(key).cloned().flatten();
        if have.as_deref() != Some(value.as_str()) {
            steps.push(Step::SetSysctl {
                ns: zone.netns.clone(),
                key: key.clone(),
                value: value.clone(),
                was: have,
            });
        }
    }
}

/// The namespace-cleanup-skip edits: a copy of `.defaults` where needed, then one `printf`
/// per line.
fn plan_skips(facts: &Facts, steps: &mut Vec<Step>) {
    steps.extend(skip_steps(&facts.skips));
}

/// The steps of namespace-cleanup-skip edits, in order: a copy of `.defaults` where needed,
/// then one append a line.
pub fn skip_steps(skips: &[SkipFact]) -> Vec<Step> {
    let mut steps = Vec::new();
    for s in skips {
        if s.edit.copy_defaults {
            steps.push(Step::CopySkip {
                from: s.defaults.clone(),
                to: s.own.clone(),
            });
        }
        for (i, line) in s.edit.append.iter().enumerate() {
            steps.push(Step::AppendSkip {
                file: s.own.clone(),
                newline_first: i == 0 && s.edit.newline_first,
                line: line.clone(),
                was: s.own_len,
            });
        }
    }
    steps
}
