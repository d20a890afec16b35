//! rtnetlink messages for the zone steps, and the zone facts read back from dumps. Pure: it
//! builds `netlink-packet-route` values and decodes them; `sys::rtnl` sends them.
//!
//! The requests are the ones `ip` sends for the printed command lines (so the `--dry-run`
//! script, run by `sh`, and `up` leave the same state): links created with RTM_NEWLINK
//! (NLM_F_CREATE|NLM_F_EXCL) directly in the zone's namespace (IFLA_NET_NS_FD) under a
//! temporary name (renamed inside the zone by a later request), with their MAC and MTU;
//! routes with protocol `boot`, scope `link` when there is no
//! gateway (IPv4), type unicast; addresses with IFA_LOCAL and IFA_ADDRESS.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::fd::RawFd;

use netlink_packet_route::AddressFamily;
use netlink_packet_route::RouteNetlinkMessage as Msg;
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage,
};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVlan, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};

use crate::zone::config::{Cidr, Link, MAIN_TABLE, Route};
use crate::zone::mac::Mac;
use crate::zone::plan::GuestAddr;
use crate::zone::plan::{AddrDetail, LinkState};

/// RTM_GETLINK dump.
pub fn dump_links() -> Msg {
    Msg::GetLink(LinkMessage::default())
}

/// RTM_GETADDR dump.
pub fn dump_addresses() -> Msg {
    Msg::GetAddress(AddressMessage::default())
}

/// RTM_GETROUTE dump of one family.
pub fn dump_routes(v6: bool) -> Msg {
    let mut m = RouteMessage::default();
    m.header.address_family = family(v6);
    Msg::GetRoute(m)
}

/// RTM_GETLINK of one link by name (IFLA_IFNAME).
pub fn get_link(name: &str) -> Msg {
    let mut m = LinkMessage::default();
    m.attributes.push(LinkAttribute::IfName(name.to_string()));
    Msg::GetLink(m)
}

/// The ifindex the kernel gives the loopback device of every network namespace, whatever it
/// is named (LOOPBACK_IFINDEX).
pub const LOOPBACK_INDEX: u32 = 1;

/// RTM_GETLINK of the link `index`.
pub fn get_link_index(index: u32) -> Msg {
    let mut m = LinkMessage::default();
    m.header.index = index;
    Msg::GetLink(m)
}

fn family(v6: bool) -> AddressFamily {
    if v6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

/// RTM_NEWLINK creating `link` named `name` in the namespace `ns_fd` (send it on the host's
/// socket: a parent's index and a veth's host end are the host's).
pub fn new_link(link: &Link, name: &str, ns_fd: RawFd, parent_index: Option<u32>) -> Msg {
    let mut m = LinkMessage::default();
    m.attributes.push(LinkAttribute::IfName(name.to_string()));
    m.attributes.push(LinkAttribute::NetNsFd(ns_fd));
    if let Some(mac) = link.mac {
        m.attributes.push(LinkAttribute::Address(mac.0.to_vec()));
    }
    if let Some(mtu) = link.mtu {
        m.attributes.push(LinkAttribute::Mtu(mtu));
    }
    if let Some(i) = parent_index {
        m.attributes.push(LinkAttribute::Link(i));
    }
    // The kind's own IFLA_LINKINFO (config::kind: the one place a kind's attributes are).
    m.attributes
        .push(LinkAttribute::LinkInfo(link.kind.link_info(link.mtu)));
    Msg::NewLink(m)
}

/// What to change on an existing link.
pub enum Change<'a> {
    Up(bool),
    Mac(Mac),
    Mtu(u32),
    Alias(&'a str),
    /// A new name (IFLA_IFNAME with the link's index).
    Name(&'a str),
}

/// RTM_NEWLINK changing the link `index`.
pub fn set_link(index: u32, change: Change) -> Msg {
    let mut m = LinkMessage::default();
    m.header.index = index;
    match change {
        Change::Up(up) => {
            m.header.change_mask = LinkFlags::Up;
            if up {
                m.header.flags = LinkFlags::Up;
            }
        }
        Change::Mac(mac) => m.attributes.push(LinkAttribute::Address(mac.0.to_vec())),
        Change::Mtu(mtu) => m.attributes.push(LinkAttribute::Mtu(mtu)),
        Change::Alias(a) => m.attributes.push(LinkAttribute::IfAlias(a.to_string())),
        Change::Name(n) => m.attributes.push(LinkAttribute::IfName(n.to_string())),
    }
    Msg::NewLink(m)
}

/// RTM_DELLINK of the link `index`.
pub fn del_link(index: u32) -> Msg {
    let mut m = LinkMessage::default();
    m.header.index = index;
    Msg::DelLink(m)
}

/// RTM_NEWADDR / RTM_DELADDR of `cidr` on the link `index`.
pub fn addr(add: bool, index: u32, cidr: Cidr) -> Msg {
    let mut m = AddressMessage::default();
    m.header.family = family(cidr.addr.is_ipv6());
    m.header.prefix_len = cidr.prefix;
    m.header.index = index;
    m.attributes.push(AddressAttribute::Local(cidr.addr));
    m.attributes.push(AddressAttribute::Address(cidr.addr));
    if add {
        Msg::NewAddress(m)
    } else {
        Msg::DelAddress(m)
    }
}

/// RTM_NEWADDR / RTM_DELADDR of a guest's address on the link `index`, as `ip addr add|del`
/// sends util-vserver's words: IFA_LOCAL, IFA_ADDRESS (the peer, else the address),
/// IFA_BROADCAST (adding only), IFA_LABEL.
pub fn guest_addr(add: bool, index: u32, a: &GuestAddr) -> Msg {
    let mut m = AddressMessage::default();
    m.header.family = family(a.local.is_ipv6());
    m.header.prefix_len = a.prefix;
    m.header.index = index;
    m.attributes.push(AddressAttribute::Local(a.local));
    m.attributes
        .push(AddressAttribute::Address(a.peer.unwrap_or(a.local)));
    if let (true, Some(b)) = (add, a.broadcast_addr()) {
        m.attributes.push(AddressAttribute::Broadcast(b));
    }
    if let Some(l) = &a.label {
        m.attributes.push(AddressAttribute::Label(l.clone()));
    }
    if add {
        Msg::NewAddress(m)
    } else {
        Msg::DelAddress(m)
    }
}

/// RTM_NEWLINK creating the VLAN `name` (id `vid`) on the link `parent` of the same
/// namespace (send it on that namespace's socket).
pub fn new_vlan(name: &str, parent: u32, vid: u16) -> Msg {
    let mut m = LinkMessage::default();
    m.attributes.push(LinkAttribute::IfName(name.to_string()));
    m.attributes.push(LinkAttribute::Link(parent));
    m.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::Vlan),
        LinkInfo::Data(InfoData::Vlan(vec![InfoVlan::Id(vid)])),
    ]));
    Msg::NewLink(m)
}

/// RTM_NEWROUTE / RTM_DELROUTE of `route`, `dev` resolved to `oif`.
pub fn route(add: bool, r: &Route, oif: Option<u32>) -> Msg {
    let v6 = r.is_v6();
    let table = r.effective_table();
    let mut h = RouteHeader {
        address_family: family(v6),
        destination_prefix_length: r.dst.prefix,
        table: if table < 256 { table as u8 } else { 0 },
        ..RouteHeader::default()
    };
    if add {
        h.protocol = RouteProtocol::Boot;
        h.kind = RouteType::Unicast;
        h.scope = if !v6 && r.via.is_none() {
            RouteScope::Link
        } else {
            RouteScope::Universe
        };
    } else {
        h.scope = RouteScope::NoWhere;
    }
    let mut m = RouteMessage::default();
    m.header = h;
    if r.dst.prefix > 0 {
        m.attributes
            .push(RouteAttribute::Destination(RouteAddress::from(r.dst.addr)));
    }
    if let Some(g) = r.via {
        m.attributes
            .push(RouteAttribute::Gateway(RouteAddress::from(g)));
    }
    if let Some(i) = oif {
        m.attributes.push(RouteAttribute::Oif(i));
    }
    if let Some(p) = r.metric {
        m.attributes.push(RouteAttribute::Priority(p));
    }
    if table >= 256 {
        m.attributes.push(RouteAttribute::Table(table));
    }
    if add {
        Msg::NewRoute(m)
    } else {
        Msg::DelRoute(m)
    }
}

/// The links of a RTM_GETLINK dump, by name.
pub fn links(dump: &[Msg]) -> BTreeMap<String, LinkState> {
    let mut out = BTreeMap::new();
    for m in dump {
        let Msg::NewLink(l) = m else { continue };
        let mut name = None;
        let (mut lower, mut elsewhere) = (None, false);
        let mut s = LinkState {
            index: l.header.index,
            up: l.header.flags.contains(LinkFlags::Up),
            ..LinkState::default()
        };
        for a in &l.attributes {
            match a {
                LinkAttribute::IfName(n) => name = Some(n.clone()),
                LinkAttribute::Address(b) if b.len() == 6 => {
                    let mut x = [0u8; 6];
                    x.copy_from_slice(b);
                    s.mac = Some(Mac(x));
                }
                LinkAttribute::Mtu(v) => s.mtu = Some(*v),
                LinkAttribute::IfAlias(v) if !v.is_empty() => s.alias = Some(v.clone()),
                LinkAttribute::Link(i) if *i != 0 && *i != l.header.index => lower = Some(*i),
                LinkAttribute::LinkNetNsId(_) => elsewhere = true,
                LinkAttribute::LinkInfo(infos) => {
                    for i in infos {
                        if let LinkInfo::Kind(k) = i {
                            s.kind = Some(k.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        s.lower = lower.filter(|_| !elsewhere);
        // lo's all-zero address is no MAC.
        if s.mac == Some(Mac([0; 6])) {
            s.mac = None;
        }
        if let Some(n) = name {
            out.insert(n, s);
        }
    }
    out
}

/// Adds the addresses of a RTM_GETADDR dump to the links they belong to.
pub fn add_addresses(links: &mut BTreeMap<String, LinkState>, dump: &[Msg]) {
    for m in dump {
        let Msg::NewAddress(a) = m else { continue };
        let Some((index, cidr, detail)) = address_of(a) else {
            continue;
        };
        if let Some(l) = links.values_mut().find(|l| l.index == index) {
            l.addresses.push(cidr);
            l.details.insert(cidr, detail);
        }
    }
}

/// Whether an address message's address is permanent (IFA_F_PERMANENT: added without a
/// lifetime, as `up`, the hook and `ip address add` add it), not one with a lifetime that
/// IPv6 autoconfiguration or a DHCP client keeps.
fn permanent(a: &AddressMessage) -> bool {
    let flags = a.attributes.iter().find_map(|at| match at {
        AddressAttribute::Flags(f) => Some(f.contains(AddressFlags::Permanent)),
        _ => None,
    });
    flags.unwrap_or(a.header.flags.contains(AddressHeaderFlags::Permanent))
}

/// The link index, address (IFA_LOCAL, else IFA_ADDRESS) and details of an address message.
fn address_of(a: &AddressMessage) -> Option<(u32, Cidr, AddrDetail)> {
    let mut local = None;
    let mut address = None;
    for at in &a.attributes {
        match at {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            _ => {}
        }
    }
    let ip = local.or(address)?;
    let detail = AddrDetail {
        dynamic: !permanent(a),
        secondary: a.header.flags.contains(AddressHeaderFlags::Secondary),
        peer: address.filter(|p| local.is_some_and(|l| l != *p)),
    };
    Some((
        a.header.index,
        Cidr {
            addr: ip,
            prefix: a.header.prefix_len,
        },
        detail,
    ))
}

/// The links of one namespace with their addresses, kept current from a dump of each and
/// the notifications that follow (RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR, in the
/// order the kernel sent them): the same links as a fresh [`links`] + [`add_addresses`]
/// dump, without one. A dump's answers are the same messages as the notifications.
#[derive(Debug, Clone, Default)]
pub struct LinkTable {
    links: BTreeMap<String, LinkState>,
    names: BTreeMap<u32, String>,
}

impl LinkTable {
    /// Applies dump answers or notifications, in order.
    pub fn apply(&mut self, msgs: &[Msg]) {
        for m in msgs {
            match m {
                Msg::NewLink(_) => {
                    for (name, mut state) in links(std::slice::from_ref(m)) {
                        // Renamed: the index's entry under its old name goes; a link message
                        // carries no addresses, the ones known stay.
                        if let Some(old) = self.names.insert(state.index, name.clone()) {
                            if let Some(was) = self.links.remove(&old) {
                                state.addresses = was.addresses;
                                state.details = was.details;
                            }
                        }
                        let index = state.index;
                        if let Some(prev) = self.links.insert(name, state) {
                            if prev.index != index {
                                self.names.remove(&prev.index);
                            }
                        }
                    }
                }
                Msg::DelLink(l) => {
                    if let Some(old) = self.names.remove(&l.header.index) {
                        self.links.remove(&old);
                    }
                }
                Msg::NewAddress(a) | Msg::DelAddress(a) => {
                    let Some((index, cidr, detail)) = address_of(a) else {
                        continue;
                    };
                    let Some(l) = self.names.get(&index).and_then(|n| self.links.get_mut(n)) else {
                        continue;
                    };
                    let new = matches!(m, Msg::NewAddress(_));
                    let at = l.addresses.iter().position(|c| *c == cidr);
                    match (new, at) {
                        (true, None) => l.addresses.push(cidr),
                        (false, Some(i)) => {
                            l.addresses.remove(i);
                        }
                        _ => {}
                    }
                    if new {
                        l.details.insert(cidr, detail);
                    } else {
                        l.details.remove(&cidr);
                    }
                }
                _ => {}
            }
        }
    }

    /// The links, by name.
    pub fn links(&self) -> &BTreeMap<String, LinkState> {
        &self.links
    }
}

/// The routes of a RTM_GETROUTE dump that a zone's `routes` file can describe: unicast, not
/// made by the kernel itself, not in the local table; `dev` named through `links`.
pub fn routes(dump: &[Msg], links: &BTreeMap<String, LinkState>) -> Vec<Route> {
    routes_where(dump, links, |_| true)
}

/// Of [`routes`], those a daemon or the kernel's IPv6 autoconfiguration keeps: any protocol
/// but `boot` (what `ip route add` and `up` give) and `static` (an admin's word for a route
/// of their own).
pub fn managed_routes(dump: &[Msg], links: &BTreeMap<String, LinkState>) -> Vec<Route> {
    routes_where(dump, links, |p| {
        !matches!(p, RouteProtocol::Boot | RouteProtocol::Static)
    })
}

/// [`routes`] of the protocols `protocol` says yes to.
fn routes_where(
    dump: &[Msg],
    links: &BTreeMap<String, LinkState>,
    protocol: impl Fn(RouteProtocol) -> bool,
) -> Vec<Route> {
    let mut out = Vec::new();
    for m in dump {
        let Msg::NewRoute(r) = m else { continue };
        let h = &r.header;
        if h.kind != RouteType::Unicast
            || h.protocol == RouteProtocol::Kernel
            || !protocol(h.protocol)
        {
            continue;
        }
        let v6 = h.address_family == AddressFamily::Inet6;
        let mut dst = None;
        let (mut via, mut oif, mut metric) = (None, None, None);
        let mut table = h.table as u32;
        for a in &r.attributes {
            match a {
                RouteAttribute::Destination(d) => dst = ip_of(d),
                RouteAttribute::Gateway(g) => via = ip_of(g),
                RouteAttribute::Oif(i) => oif = Some(*i),
                RouteAttribute::Priority(p) => metric = Some(*p),
                RouteAttribute::Table(t) => table = *t,
                _ => {}
            }
        }
        if table == 255 {
            continue;
        }
        let unspecified = if v6 {
            IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        };
        out.push(Route {
            dst: Cidr {
                addr: dst.unwrap_or(unspecified),
                prefix: h.destination_prefix_length,
            },
            via,
            dev: oif.and_then(|i| {
                links
                    .iter()
                    .find(|(_, l)| l.index == i)
                    .map(|(n, _)| n.clone())
            }),
            metric: Some(metric.unwrap_or(0)),
            table: Some(if table == 0 { MAIN_TABLE } else { table }),
        });
    }
    out
}

fn ip_of(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v) => Some(IpAddr::V4(*v)),
        RouteAddress::Inet6(v) => Some(IpAddr::V6(*v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::config::Kind;

    fn route_of(text: &str) -> Route {
        let links = vec![Link {
            name: "e0".into(),
            kind: Kind::new(crate::zone::config::kind::Veth {
                peer: "p0".into(),
                peer_mac: "02:00:00:00:00:01".parse().unwrap(),
            }),
            mac: Some("02:00:00:00:00:00".parse().unwrap()),
            mtu: None,
            addresses: vec!["192.0.2.10/24".parse().unwrap()],
        }];
        crate::zone::config::parse_routes(std::path::Path::new("r"), text.as_bytes(), &links)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn routes_are_sent_as_ip_sends_them_and_read_back() {
        let Msg::NewRoute(m) = route(true, &route_of("10.1.0.0/16 dev e0 table 1000"), Some(7))
        else {
            panic!("not a new route")
        };
        assert_eq!(m.header.protocol, RouteProtocol::Boot);
        assert_eq!(m.header.scope, RouteScope::Link);
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RouteAttribute::Table(1000)));
        assert!(m.attributes.contains(&RouteAttribute::Oif(7)));
        let r = route_of("default via 192.0.2.1 metric 5");
        let Msg::NewRoute(m) = route(true, &r, None) else {
            panic!("not a new route")
        };
        assert_eq!(m.header.scope, RouteScope::Universe);
        assert_eq!(m.header.table, 254);
        let Msg::DelRoute(d) = route(false, &r, None) else {
            panic!("not a del route")
        };
        assert_eq!(d.header.scope, RouteScope::NoWhere);
        // A dump of that route reads back as the same key, device named.
        let mut dumped = m.clone();
        dumped.attributes.push(RouteAttribute::Oif(3));
        let mut links = BTreeMap::new();
        links.insert(
            "e0".to_string(),
            LinkState {
                index: 3,
                ..LinkState::default()
            },
        );
        let back = routes(&[Msg::NewRoute(dumped)], &links);
        assert_eq!(back.len(), 1);
        assert!(back[0].same_key(&r) && back[0].via == r.via);
        assert_eq!(back[0].dev.as_deref(), Some("e0"));
    }

    #[test]
    fn links_are_read_from_a_dump() {
        let mut m = LinkMessage::default();
        m.header.index = 4;
        m.header.flags = LinkFlags::Up;
        m.attributes = vec![
            LinkAttribute::IfName("e0".into()),
            LinkAttribute::Address(vec![2, 0, 0, 0, 0, 1]),
            LinkAttribute::Mtu(1400),
            LinkAttribute::IfAlias("vspace-netns:z".into()),
            LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Veth)]),
        ];
        let mut lo = LinkMessage::default();
        lo.attributes = vec![
            LinkAttribute::IfName("lo".into()),
            LinkAttribute::Address(vec![0; 6]),
        ];
        let mut got = links(&[Msg::NewLink(m), Msg::NewLink(lo)]);
        let mut a = AddressMessage::default();
        a.header.index = 4;
        a.header.prefix_len = 24;
        a.attributes = vec![AddressAttribute::Local("192.0.2.10".parse().unwrap())];
        add_addresses(&mut got, &[Msg::NewAddress(a)]);
        let e0 = &got["e0"];
        assert_eq!(
            (
                e0.index,
                e0.up,
                e0.mtu,
                e0.alias.as_deref(),
                e0.kind.as_deref()
            ),
            (4, true, Some(1400), Some("vspace-netns:z"), Some("veth"))
        );
        assert_eq!(e0.mac, Some(Mac([2, 0, 0, 0, 0, 1])));
        assert_eq!(e0.addresses, ["192.0.2.10/24".parse().unwrap()]);
        assert_eq!(got["lo"].mac, None);
    }

    fn link(index: u32, name: &str, mac: u8) -> LinkMessage {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.attributes.push(LinkAttribute::IfName(name.into()));
        m.attributes
            .push(LinkAttribute::Address(vec![2, 0, 0, 0, 0, mac]));
        m
    }

    fn address(index: u32, cidr: &str) -> AddressMessage {
        let c: Cidr = cidr.parse().unwrap();
        let mut m = AddressMessage::default();
        m.header.index = index;
        m.header.prefix_len = c.prefix;
        m.attributes.push(AddressAttribute::Local(c.addr));
        m
    }

    #[test]
    fn a_link_table_follows_notifications_as_a_fresh_dump_would_read() {
        let mut t = LinkTable::default();
        t.apply(&[
            Msg::NewLink(link(1, "lo", 0)),
            Msg::NewLink(link(2, "eth0", 1)),
            Msg::NewAddress(address(2, "192.0.2.1/24")),
        ]);
        // Changes: a rename keeps the addresses, a link goes, one comes, addresses come and go.
        t.apply(&[
            Msg::NewLink(link(2, "wan0", 1)),
            Msg::NewAddress(address(2, "192.0.2.1/24")),
            Msg::NewAddress(address(2, "2001:db8::1/64")),
            Msg::NewLink(link(3, "ve-z1", 3)),
            Msg::NewAddress(address(3, "198.51.100.1/24")),
            Msg::DelAddress(address(2, "192.0.2.1/24")),
            Msg::DelLink(link(3, "ve-z1", 3)),
            Msg::NewLink(link(4, "ve-z2", 4)),
            Msg::NewAddress(address(9, "203.0.113.1/24")),
        ]);
        let mut fresh = links(&[
            Msg::NewLink(link(1, "lo", 0)),
            Msg::NewLink(link(2, "wan0", 1)),
            Msg::NewLink(link(4, "ve-z2", 4)),
        ]);
        add_addresses(&mut fresh, &[Msg::NewAddress(address(2, "2001:db8::1/64"))]);
        assert_eq!(t.links(), &fresh);
    }

    #[test]
    fn an_ipvlan_is_sent_with_its_mode_its_parent_and_no_address() {
        use netlink_packet_route::link::{InfoData, InfoIpVlan, InfoKind, IpVlanMode};
        for (mode, want) in [
            ("l2", IpVlanMode::L2),
            ("l3", IpVlanMode::L3),
            ("l3s", IpVlanMode::L3S),
        ] {
            let link = Link {
                name: "i0".into(),
                kind: Kind::new(crate::zone::config::kind::Ipvlan {
                    parent: "eth1".into(),
                    mode: mode.into(),
                }),
                mac: None,
                mtu: Some(1400),
                addresses: vec![],
            };
            let Msg::NewLink(m) = new_link(&link, "tmp0", 9, Some(4)) else {
                panic!("not a new link")
            };
            assert!(m.attributes.contains(&LinkAttribute::Link(4)));
            assert!(m.attributes.contains(&LinkAttribute::Mtu(1400)));
            assert!(
                !m.attributes
                    .iter()
                    .any(|a| matches!(a, LinkAttribute::Address(_))),
                "an ipvlan has its parent's MAC: none is sent"
            );
            assert!(m.attributes.contains(&LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::IpVlan),
                LinkInfo::Data(InfoData::IpVlan(vec![InfoIpVlan::Mode(want)])),
            ])));
        }
    }
}
