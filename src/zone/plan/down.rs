//! Planning `down`: the zone's links inside (a veth's host end goes with it), its marked host
//! ends, then the entry; and the links inside that the configuration does not name. Pure.
//! Invariant: only what carries the zone's mark is deleted, unless forced.

use std::path::Path;

use crate::netns::Entry;
use crate::zone::config::{Cidr, MAIN_TABLE, Route, Zone};

use super::facts::{Facts, LinkState};
use super::guest_addr::GuestAddr;
use super::step::Step;
use super::{PlanError, mark, temp_name};

/// The deletions of the zone's veth host ends on the host that carry its mark, last made first.
fn marked_host_ends(zone: &Zone, facts: &Facts, marked: &impl Fn(&LinkState) -> bool) -> Vec<Step> {
    zone.links
        .iter()
        .rev()
        .filter_map(|l| l.kind.peer())
        .filter(|(p, _)| facts.host.get(*p).is_some_and(marked))
        .map(|(p, _)| Step::DelLink {
            ns: None,
            dev: p.to_string(),
        })
        .collect()
}

/// The links inside a live namespace that `down` deletes: the configured links (last made,
/// first deleted), then any other link but lo (deleting the namespace would delete them all,
/// so each must carry the mark too); those without this zone's mark go to `unmarked` instead,
/// unless `force`.
fn inside_links(zone: &Zone, facts: &Facts, force: bool, unmarked: &mut Vec<String>) -> Vec<Step> {
    let ns = &zone.netns;
    let want = mark(ns);
    let marked = |l: &LinkState| l.alias.as_deref() == Some(want.as_str());
    // A configured link's temporary name: a half-made link of this zone's `up`.
    let temps: Vec<String> = zone.links.iter().map(|l| temp_name(ns, &l.name)).collect();
    let mut steps = Vec::new();
    // The ifindexes deleted so far: a link whose veth peer or lower device is one of them is
    // gone with it (deleted again, the step would fail: no such device).
    let mut gone: Vec<u32> = Vec::new();
    let names = zone
        .links
        .iter()
        .rev()
        .map(|l| l.name.as_str())
        .chain(unconfigured(zone, facts));
    // A stale entry's namespace that lives on is not entered through the entry.
    let live = facts.netns == Entry::Netns(());
    for name in names.filter(|_| live) {
        if let Some(l) = facts.inside.get(name) {
            // A guest's VLAN device under its temporary name (a start killed before its mark)
            // goes with the namespace, as a marked one does: deleted explicitly it might be
            // gone already, with its parent, a link of the zone deleted before it.
            if super::is_vlan_temp(ns, name, l) {
                continue;
            }
            let half_made = temps.iter().any(|t| t == name);
            if !marked(l) && !force && !half_made {
                unmarked.push(format!("link {name} in {ns} ({})", alias_shown(&l.alias)));
                continue;
            }
            gone.push(l.index);
            if l.lower.is_some_and(|i| gone.contains(&i)) {
                continue;
            }
            steps.push(Step::DelLink {
                ns: Some(ns.clone()),
                dev: name.to_string(),
            });
        }
    }
    steps
}

/// The steps that take `zone` down: its links inside (a veth's host end goes with it), then
/// the entry. Refused while processes live inside (or may: see `Facts::unseen`), and for links (configured or not) or a
/// namespace that carry no mark of this zone (`up` did not make them), unless `force`.
pub fn plan_down(zone: &Zone, facts: &Facts, force: bool) -> Result<Vec<Step>, PlanError> {
    let ns = &zone.netns;
    if !facts.pids.is_empty() && !force {
        return Err(PlanError::Busy(facts.pids.clone()));
    }
    if !facts.unseen.is_empty() && !force {
        return Err(PlanError::Unseen(facts.unseen.clone()));
    }
    let want = mark(ns);
    let marked = |l: &LinkState| l.alias.as_deref() == Some(want.as_str());
    let mut unmarked = Vec::new();
    let mut steps = inside_links(zone, facts, force, &mut unmarked);
    match &facts.netns {
        // No entry, but host ends that carry the zone's mark: its namespace lives on, in
        // processes (refused above, unless forced) or held by a mount elsewhere or an open
        // file; its host ends go, and the pairs with them (there is no entry to remove).
        // Missing here, and the host's view unknown: the zone may be live there.
        Entry::Missing if facts.pid1_unknown && !force => {
            return Err(PlanError::Conflict(super::missing_pid1_unknown(
                &facts.entry,
            )));
        }
        Entry::Missing => steps.extend(marked_host_ends(zone, facts, &marked)),
        Entry::Netns(()) => {
            let lo = facts.inside.get("lo").cloned().unwrap_or_default();
            // Forced while processes live on in it (or may): the namespace stays theirs, no
            // longer the zone's, and loses the mark, so that no later `up` takes it for the
            // zone's.
            if marked(&lo) && !(facts.pids.is_empty() && facts.unseen.is_empty()) {
                steps.push(Step::SetAlias {
                    ns: Some(ns.clone()),
                    dev: "lo".into(),
                    alias: String::new(),
                });
            }
            if marked(&lo) || force {
                steps.push(Step::DelNetns { ns: ns.clone() });
            } else {
                unmarked.push(format!(
                    "the namespace {} (its lo: {})",
                    facts.entry.to_string_lossy(),
                    alias_shown(&lo.alias)
                ));
            }
        }
        // Stale here, and the host's view unknown: the entry may be live there.
        Entry::Unusable(crate::netns::Unusable::Stale) if facts.pid1_unknown && !force => {
            return Err(PlanError::Conflict(super::stale_pid1_unknown(
                ns,
                &facts.entry,
                "down",
            )));
        }
        // The namespace may live on without its entry (processes in it are refused above):
        // the zone's marked veth host ends still on the host go, and the pairs with them.
        Entry::Unusable(crate::netns::Unusable::Stale) => {
            steps.extend(marked_host_ends(zone, facts, &marked));
            steps.push(Step::DelNetns { ns: ns.clone() })
        }

        Entry::Unusable(u) => {
            if force {
                steps.push(Step::DelNetns { ns: ns.clone() });
            } else {
                unmarked.push(u.describe(&facts.entry));
            }
        }
    }
    if !unmarked.is_empty() {
        return Err(PlanError::Unmarked(unmarked));
    }
    Ok(steps)
}

/// The links inside the zone other than `lo` that its configuration does not name, in name
/// order: a difference from the configuration `up` leaves alone (`status` partial, a `doctor`
/// FAIL) and `down` deletes only when they carry the zone's mark, or with `--force`. A guest's
/// VLAN device (`vlandev`, marked `vspace-netns:ZONE:guest:GUEST`) is no such difference: it
/// comes and goes with the guest, and with the namespace.
pub fn unconfigured<'a>(zone: &'a Zone, facts: &'a Facts) -> impl Iterator<Item = &'a str> {
    let guests = format!("{}:guest:", mark(&zone.netns));
    facts
        .inside
        .iter()
        .filter(move |(_, l)| !l.alias.as_deref().is_some_and(|a| a.starts_with(&guests)))
        .map(|(n, _)| n.as_str())
        .filter(|n| *n != "lo" && !zone.links.iter().any(|l| l.name == *n))
}

/// Each difference from the configuration that `up` leaves alone, with its fix, `(WHAT,
/// FIX)`: a link inside that the configuration does not name (`link X inside is not
/// configured`, `delete it (ip -n ZONE link del dev X), or configure it ...`), and, on the
/// configured links, an address or a route no file names ([`unconfigured_addresses`],
/// [`unconfigured_routes`]): `up` adds what is configured and removes nothing, so a line
/// taken out of a file stays in the zone until deleted by hand or the zone goes down.
/// `guests`: the addresses the member guests' interfaces put inside (`None`: they cannot all
/// be read, and no address is told a difference).
pub fn unconfigured_items(
    zone: &Zone,
    facts: &Facts,
    guests: Option<&[GuestAddr]>,
) -> Vec<(String, String)> {
    let run_dir = facts.entry.parent().unwrap_or(Path::new("/run/netns"));
    let ns = || Some(zone.netns.clone());
    let mut items: Vec<(String, String)> = unconfigured(zone, facts)
        .map(|dev| {
            let del = Step::DelLink {
                ns: ns(),
                dev: dev.to_string(),
            };
            let half_made = facts
                .inside
                .get(dev)
                .is_some_and(|l| super::is_vlan_temp(&zone.netns, dev, l));
            if half_made {
                return (
                    format!(
                        "link {dev} inside is a guest's half-made VLAN device (its start was killed before the device was marked)"
                    ),
                    format!(
                        "the guest's next start or stop, or down, deletes it; or delete it now ({})",
                        del.line(run_dir)
                    ),
                );
            }
            (
                format!("link {dev} inside is not configured"),
                format!(
                    "delete it ({}), or configure it under links/{dev}",
                    del.line(run_dir)
                ),
            )
        })
        .collect();
    for (dev, cidr) in guests
        .map(|g| unconfigured_addresses(zone, facts, g))
        .unwrap_or_default()
    {
        let found = facts.inside.get(dev);
        let peer = found
            .and_then(|l| l.details.get(&cidr))
            .and_then(|d| d.peer);
        // As `ip address` shows it, and deleted naming it so: a peer address needs its peer.
        let (shown, del) = match peer {
            Some(p) => (
                format!("{} peer {p}/{}", cidr.addr, cidr.prefix),
                Step::DelGuestAddr {
                    ns: zone.netns.clone(),
                    addr: GuestAddr {
                        dev: dev.to_string(),
                        local: cidr.addr,
                        prefix: cidr.prefix,
                        peer: Some(p),
                        broadcast: None,
                        label: None,
                        local_word: cidr.addr.to_string(),
                        peer_word: Some(format!("{p}/{}", cidr.prefix)),
                    },
                },
            ),
            None => (
                cidr.to_string(),
                Step::DelAddr {
                    ns: zone.netns.clone(),
                    dev: dev.to_string(),
                    cidr,
                },
            ),
        };
        let mut fix = format!("delete it ({})", del.line(run_dir));
        let after: Vec<String> = found
            .map(|l| secondaries(l, cidr))
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        if !after.is_empty() {
            let sysctl = Step::SetSysctl {
                ns: zone.netns.clone(),
                // sysctl(8) reads a dot as a slash: a name with dots goes in the slash form.
                key: if dev.contains('.') {
                    format!("net/ipv4/conf/{dev}/promote_secondaries")
                } else {
                    format!("net.ipv4.conf.{dev}.promote_secondaries")
                },
                value: "1".into(),
                was: None,
            };
            fix = format!(
                "delete it ({}), but it is the primary address of its subnet, and the kernel deletes the subnet's other addresses with it ({}) unless promote_secondaries is on: first {}",
                del.line(run_dir),
                after.join(", "),
                sysctl.line(run_dir)
            );
        }
        items.push((
            format!("address {shown} on link {dev} inside is not configured"),
            format!(
                "{fix}; or add it to links/{dev}/address: up adds what is configured and removes nothing"
            ),
        ));
    }
    for route in unconfigured_routes(zone, facts) {
        // As the routes file would say it: no default metric (0, IPv6's 1024), no main table.
        let mut shown = route.clone();
        let default_metric = if route.is_v6() { 1024 } else { 0 };
        shown.metric = shown.metric.filter(|m| *m != default_metric);
        shown.table = shown.table.filter(|t| *t != MAIN_TABLE);
        let del = Step::DelRoute {
            ns: zone.netns.clone(),
            route: route.clone(),
        };
        items.push((
            format!("route {shown} inside is not configured"),
            format!(
                "delete it ({}), or add it to routes: up adds what is configured and removes nothing",
                del.line(run_dir)
            ),
        ));
    }
    items
}

/// The addresses on the zone's configured links inside that neither the link's `address`
/// file nor a member guest's interfaces (`guests`) name, by link: an admin's or the
/// configuration's of before. Not one: an address with a lifetime (IPv6 autoconfiguration,
/// a DHCP client) or an IPv6 link-local one (the kernel's).
pub fn unconfigured_addresses<'a>(
    zone: &'a Zone,
    facts: &'a Facts,
    guests: &[GuestAddr],
) -> Vec<(&'a str, Cidr)> {
    let mut out = Vec::new();
    for link in &zone.links {
        let Some(found) = facts.inside.get(&link.name) else {
            continue;
        };
        for cidr in &found.addresses {
            let theirs = link.addresses.contains(cidr)
                || found.details.get(cidr).is_some_and(|d| d.dynamic)
                || is_link_local_v6(cidr)
                || guests
                    .iter()
                    .any(|g| g.dev == link.name && g.cidr() == *cidr);
            if !theirs {
                out.push((link.name.as_str(), *cidr));
            }
        }
    }
    out
}

/// The routes inside through the zone's configured links that no line of `routes` names
/// (by the kernel's key: destination, metric, table) and that no daemon keeps: neither of a
/// daemon's protocol nor through a gateway that only addresses with a lifetime reach (a DHCP
/// client's script adds its routes as `ip route add` does).
pub fn unconfigured_routes<'a>(zone: &'a Zone, facts: &'a Facts) -> Vec<&'a Route> {
    // Whether only addresses with a lifetime reach `gateway` (at least one does).
    let leased = |gateway: std::net::IpAddr| {
        let mut reach = facts.inside.values().flat_map(|l| {
            l.addresses
                .iter()
                .filter(move |c| c.contains(gateway))
                .map(move |c| l.details.get(c).is_some_and(|d| d.dynamic))
        });
        reach.clone().next().is_some() && reach.all(|dynamic| dynamic)
    };
    facts
        .routes
        .iter()
        .filter(|r| !facts.managed_routes.contains(r))
        .filter(|r| !r.via.is_some_and(leased))
        .filter(|r| {
            r.dev
                .as_deref()
                .is_none_or(|d| zone.links.iter().any(|l| l.name == d))
        })
        .filter(|r| !zone.routes.iter().any(|c| c.same_key(r)))
        .collect()
}

/// The addresses the kernel deletes with `cidr` when it is an IPv4 primary address and
/// `promote_secondaries` is off: the secondary addresses (IFA_F_SECONDARY) of its subnet on
/// `link`, in the order found. None for a secondary, a peer or an IPv6 address.
fn secondaries(link: &LinkState, cidr: Cidr) -> Vec<Cidr> {
    let detail = |c: &Cidr| link.details.get(c).copied().unwrap_or_default();
    if !cidr.addr.is_ipv4() || detail(&cidr).secondary || detail(&cidr).peer.is_some() {
        return Vec::new();
    }
    link.addresses
        .iter()
        .filter(|c| {
            c.addr.is_ipv4()
                && detail(c).secondary
                && c.prefix == cidr.prefix
                && c.network() == cidr.network()
        })
        .copied()
        .collect()
}

/// Whether `cidr` is an IPv6 link-local address (fe80::/10), which the kernel gives a link.
fn is_link_local_v6(cidr: &Cidr) -> bool {
    matches!(cidr.addr, std::net::IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80)
}

fn alias_shown(alias: &Option<String>) -> String {
    match alias {
        None => "no alias".into(),
        Some(a) => format!(
            "alias '{}'",
            crate::report::quote::escape(std::ffi::OsStr::new(a))
        ),
    }
}
