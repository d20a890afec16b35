//! What `up` leaves alone: the differences from the configuration that it does not remove
//! (it adds and changes, and removes nothing), each with its fix, as `status` (partial),
//! `doctor` (a FAIL) and `up` (a `# left alone:` line) say them. A link inside that no file
//! configures (`down` deletes it only when marked, or forced), and on the configured links an
//! address or a route no file names. Not differences: a member guest's address, an address
//! with a lifetime, an IPv6 link-local one, a route a daemon keeps. Pure.

use std::path::Path;

use crate::zone::config::{Cidr, MAIN_TABLE, Route, Zone};

use super::facts::{Facts, LinkState};
use super::guest_addr::GuestAddr;
use super::mark;
use super::step::Step;

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
    let mut items: Vec<(String, String)> = unconfigured(zone, facts)
        .map(|dev| link_item(zone, facts, dev, run_dir))
        .collect();
    for (dev, cidr) in guests
        .map(|g| unconfigured_addresses(zone, facts, g))
        .unwrap_or_default()
    {
        items.push(address_item(zone, facts, dev, cidr, run_dir));
    }
    for route in unconfigured_routes(zone, facts) {
        items.push(route_item(zone, route, run_dir));
    }
    items
}

/// An unconfigured link inside as a difference and its fix (a guest's half-made VLAN device
/// says so).
fn link_item(zone: &Zone, facts: &Facts, dev: &str, run_dir: &Path) -> (String, String) {
    let del = Step::DelLink {
        ns: Some(zone.netns.clone()),
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
}

/// An unconfigured address as a difference and its fix: the line that deletes it (with its
/// peer, for a point-to-point address), and for an IPv4 primary address the secondaries the
/// kernel deletes with it and the sysctl that keeps them.
fn address_item(
    zone: &Zone,
    facts: &Facts,
    dev: &str,
    cidr: Cidr,
    run_dir: &Path,
) -> (String, String) {
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
    let after: Vec<String> = found
        .map(|l| secondaries(l, cidr))
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect();
    let fix = if after.is_empty() {
        format!("delete it ({})", del.line(run_dir))
    } else {
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
        format!(
            "delete it ({}), but it is the primary address of its subnet, and the kernel deletes the subnet's other addresses with it ({}) unless promote_secondaries is on: first {}",
            del.line(run_dir),
            after.join(", "),
            sysctl.line(run_dir)
        )
    };
    (
        format!("address {shown} on link {dev} inside is not configured"),
        format!(
            "{fix}; or add it to links/{dev}/address: up adds what is configured and removes nothing"
        ),
    )
}

/// An unconfigured route as a difference and its fix, said as the routes file would say it:
/// no default metric (0, IPv6's 1024), no main table.
fn route_item(zone: &Zone, route: &Route, run_dir: &Path) -> (String, String) {
    let mut shown = route.clone();
    let default_metric = if route.is_v6() { 1024 } else { 0 };
    shown.metric = shown.metric.filter(|m| *m != default_metric);
    shown.table = shown.table.filter(|t| *t != MAIN_TABLE);
    let del = Step::DelRoute {
        ns: zone.netns.clone(),
        route: route.clone(),
    };
    (
        format!("route {shown} inside is not configured"),
        format!(
            "delete it ({}), or add it to routes: up adds what is configured and removes nothing",
            del.line(run_dir)
        ),
    )
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
