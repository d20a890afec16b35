//! The steps that apply a guest's interfaces inside its zone at its start
//! ([`plan_start`]) and take them back at its stop ([`plan_stop`]), and the checks they
//! share (broken directories, addresses two guests claim, addresses outside the zone). Pure.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;

use super::{Entry, Iface, State};
use crate::report::quote::escape;
use crate::zone::config::{Cidr, Zone};
use crate::zone::plan::{LinkState, Step, vlan_mark, vlan_temp_name};
/// The zone's links in words, for a message.
fn zone_links(zone: &Zone) -> String {
    let names: Vec<&str> = zone.links.iter().map(|l| l.name.as_str()).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// A broken entry's refusal, as one message with its fix.
pub fn broken(entries: &[Entry]) -> Option<(String, String)> {
    entries.iter().find_map(|e| match &e.state {
        State::Broken(m, f) => Some((m.clone(), f.clone())),
        _ => None,
    })
}

/// Addresses `guest`'s entries share with other guests' (each: address, other guest, its
/// directory).
pub fn clashes(
    mine: &[Entry],
    others: &[(OsString, Vec<Entry>)],
) -> Vec<(IpAddr, String, PathBuf)> {
    let mut out = Vec::new();
    for i in mine.iter().filter_map(Entry::iface) {
        for (g, es) in others {
            for e in es {
                if e.iface().is_some_and(|o| o.addr.local == i.addr.local) {
                    out.push((i.addr.local, escape(g), e.dir.clone()));
                }
            }
        }
    }
    out
}

/// Whether `ip` lies outside every subnet of the zone's own addresses and every route of the
/// zone but a default route (which reaches everything, so says nothing). A zone that
/// configures no address and no such route of `ip`'s family says nothing either: its guests'
/// addresses are then its only ones.
pub fn outside_routes(zone: &Zone, ip: IpAddr) -> bool {
    let same = |c: &Cidr| c.addr.is_ipv4() == ip.is_ipv4();
    let addrs = || {
        zone.links
            .iter()
            .flat_map(|l| &l.addresses)
            .filter(|c| same(c))
    };
    let routes = || {
        zone.routes
            .iter()
            .filter(|r| r.dst.prefix > 0 && same(&r.dst))
    };
    if addrs().next().is_none() && routes().next().is_none() {
        return false;
    }
    !addrs().any(|c| c.contains(ip)) && !routes().any(|r| r.dst.contains(ip))
}

/// The steps that apply `entries` (one guest's) inside the zone from what is `inside` it:
/// VLAN devices `vlandev` asks for on a zone link, addresses not there yet, links up, and
/// `nodev` in every directory applied that lacks it. Err: the message and its fix (a broken
/// directory, a `dev` the zone lacks, an address another guest has too).
pub fn plan_start(
    zone: &Zone,
    guest: &str,
    entries: &[Entry],
    inside: &BTreeMap<String, LinkState>,
    others: &[(OsString, Vec<Entry>)],
) -> Result<Vec<Step>, (String, String)> {
    if let Some(b) = broken(entries) {
        return Err(b);
    }
    if let Some((ip, g, dir)) = clashes(entries, others).into_iter().next() {
        return Err((
            format!(
                "guest {guest}'s address {ip} is guest {g}'s too ({})",
                escape(dir.as_os_str())
            ),
            "give each guest its own address (or disable one: touch DIR/disabled)".into(),
        ));
    }
    let ns = &zone.netns;
    let mut steps = Vec::new();
    let mut made: BTreeSet<String> = BTreeSet::new();
    let mut up: BTreeSet<String> = BTreeSet::new();
    for e in entries {
        let Some(i) = e.iface() else { continue };
        let dev = &i.addr.dev;
        let present = inside.get(dev);
        if let Some(temp) = own_temp(ns, guest, i, inside) {
            // Left by a start killed before the rename: deleted (and made anew below).
            if made.insert(temp.clone()) {
                steps.push(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: temp,
                });
            }
        }
        if present.is_none() && !made.contains(dev) {
            steps.extend(make_vlan(zone, guest, e, i, inside)?);
            made.insert(dev.clone());
        }
        let has_addr = present.is_some_and(|l| l.addresses.contains(&i.addr.cidr()));
        if !has_addr {
            steps.push(Step::AddGuestAddr {
                ns: ns.clone(),
                addr: i.addr.clone(),
            });
        }
        let is_up = present.is_some_and(|l| l.up);
        if i.up && !is_up && up.insert(dev.clone()) {
            steps.push(Step::Up {
                ns: Some(ns.clone()),
                dev: dev.clone(),
            });
        }
    }
    for e in entries {
        if let Some(i) = e.iface() {
            if !i.nodev_ours {
                steps.push(Step::WriteFile {
                    file: e.dir.join("nodev"),
                    text: super::NODEV_TEXT,
                });
            }
        }
    }
    Ok(steps)
}

/// The longest interface alias the kernel takes (IFLA_IFALIAS), a guest's VLAN device's mark.
const MAX_MARK: usize = 254;

/// The steps that make `e`'s missing device `dev` inside the zone: a VLAN device its
/// `vlandev` asks for on a zone link; Err when the zone has neither it nor that parent.
fn make_vlan(
    zone: &Zone,
    guest: &str,
    e: &Entry,
    i: &Iface,
    inside: &BTreeMap<String, LinkState>,
) -> Result<Vec<Step>, (String, String)> {
    let ns = &zone.netns;
    let dev = &i.addr.dev;
    match &i.vlan {
        Some((parent, vid)) if inside.contains_key(parent) => {
            let mark = vlan_mark(ns, guest);
            if mark.len() > MAX_MARK {
                return Err((
                    format!(
                        "{}: the mark of guest {guest}'s VLAN device in zone {ns}, '{}...', is {} bytes: an interface alias is at most {MAX_MARK}",
                        escape(e.dir.as_os_str()),
                        mark.chars().take(40).collect::<String>(),
                        mark.len()
                    ),
                    "shorten the zone's or the guest's name, or give the guest a device of the zone instead of a VLAN device".to_string(),
                ));
            }
            // Made under its temporary name, marked, then renamed: a device under
            // its final name always carries the mark.
            let temp = vlan_temp_name(ns, guest, dev);
            Ok(vec![
                Step::AddVlanIn {
                    ns: ns.clone(),
                    parent: parent.clone(),
                    temp: temp.clone(),
                    vid: *vid,
                },
                Step::SetAlias {
                    ns: Some(ns.clone()),
                    dev: temp.clone(),
                    alias: mark,
                },
                Step::Rename {
                    ns: ns.clone(),
                    dev: temp,
                    name: dev.clone(),
                },
            ])
        }
        _ => {
            let d = escape(e.dir.as_os_str());
            let via = match &i.vlan {
                Some((p, _)) => format!(" (nor its VLAN parent '{p}')"),
                None => String::new(),
            };
            Err((
                format!(
                    "{d}/dev: the zone {ns} has no link '{dev}'{via}; its links: {}",
                    zone_links(zone)
                ),
                format!(
                    "name one of the zone's links in {d}/dev, or add the link to the zone (vspace-netns-zones(5))"
                ),
            ))
        }
    }
}

/// The steps that take `entries` (one guest's) back at its stop: its addresses still inside
/// (not one the zone configures on that link itself, nor one another guest configures), the
/// VLAN devices its `vlandev` made (by their mark), and the `nodev` files vspace-netns wrote.
/// util-vserver brings no link down at stop, nor does this.
pub fn plan_stop(
    zone: &Zone,
    guest: &str,
    entries: &[Entry],
    inside: &BTreeMap<String, LinkState>,
    others: &[(OsString, Vec<Entry>)],
) -> Vec<Step> {
    let ns = &zone.netns;
    let shared: Vec<IpAddr> = clashes(entries, others).into_iter().map(|c| c.0).collect();
    let mut steps = Vec::new();
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for e in entries.iter().rev() {
        let Some(i) = e.iface() else { continue };
        let dev = i.addr.dev.as_str();
        if let Some(temp) = own_temp(ns, guest, i, inside) {
            if gone.insert(temp.clone()) {
                steps.push(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: temp,
                });
            }
        }
        let Some(link) = inside.get(dev) else {
            continue;
        };
        let zones_own = zone
            .links
            .iter()
            .any(|l| l.name == dev && l.addresses.contains(&i.addr.cidr()));
        if link.addresses.contains(&i.addr.cidr()) && !zones_own && !shared.contains(&i.addr.local)
        {
            steps.push(Step::DelGuestAddr {
                ns: ns.clone(),
                addr: i.addr.clone(),
            });
        }
        if i.vlan.is_some()
            && link.alias.as_deref() == Some(vlan_mark(ns, guest).as_str())
            && gone.insert(dev.to_string())
        {
            match still_used_by(dev, link, others) {
                // Another running guest of the zone has its addresses on the device: it stays,
                // marked as that guest's now, whose stop then deletes it.
                Some(other) => steps.push(Step::SetAlias {
                    ns: Some(ns.clone()),
                    dev: dev.to_string(),
                    alias: vlan_mark(ns, &other),
                }),
                None => steps.push(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: dev.to_string(),
                }),
            }
        }
    }
    // A VLAN device goes after every address on it.
    steps.sort_by_key(|s| matches!(s, Step::DelLink { .. }));
    steps.extend(nodev_back(entries));
    steps
}

/// The first other guest (in `others`' order) whose `interfaces/` names `dev` with an address
/// the device carries now: a guest running in the zone that uses the device (a stopped guest's
/// addresses are gone with its stop).
fn still_used_by(dev: &str, link: &LinkState, others: &[(OsString, Vec<Entry>)]) -> Option<String> {
    others.iter().find_map(|(g, es)| {
        es.iter()
            .filter_map(Entry::iface)
            .any(|o| o.addr.dev == dev && link.addresses.contains(&o.addr.cidr()))
            .then(|| escape(g))
    })
}

/// The half-made VLAN device of `i`'s `vlandev` inside the zone (its temporary name, found
/// as a VLAN), if a start was killed before renaming it.
fn own_temp(
    ns: &str,
    guest: &str,
    i: &Iface,
    inside: &BTreeMap<String, LinkState>,
) -> Option<String> {
    i.vlan.as_ref()?;
    let temp = vlan_temp_name(ns, guest, &i.addr.dev);
    inside
        .get(&temp)
        .is_some_and(|l| l.kind.as_deref() == Some("vlan"))
        .then_some(temp)
}

/// The `rm` of every `nodev` vspace-netns wrote among `entries`.
pub fn nodev_back(entries: &[Entry]) -> Vec<Step> {
    entries
        .iter()
        .filter(|e| e.iface().is_some_and(|i| i.nodev_ours))
        .map(|e| Step::RemoveSkip {
            file: e.dir.join("nodev"),
        })
        .collect()
}
