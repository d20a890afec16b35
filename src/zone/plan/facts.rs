//! What the planner knows of the world: the namespace's entry, the links inside it and on the
//! host (MAC, MTU, flags, alias, addresses), routes, sysctl values, guests' cleanup-skip files.
//! Plain data, gathered by the shell before planning.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::netns::Entry;
use crate::zone::config::{Cidr, Route};
use crate::zone::mac::Mac;

/// One link as observed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkState {
    /// The ifindex in its namespace.
    pub index: u32,
    pub mac: Option<Mac>,
    /// IFF_UP (administratively up).
    pub up: bool,
    pub mtu: Option<u32>,
    /// IFLA_IFALIAS.
    pub alias: Option<String>,
    /// IFLA_INFO_KIND (`veth`, `macvlan`, ...), when the link has one.
    pub kind: Option<String>,
    pub addresses: Vec<Cidr>,
    /// What each of `addresses` is besides its CIDR.
    pub details: BTreeMap<Cidr, AddrDetail>,
    /// IFLA_LINK when it names a link of the same namespace (no IFLA_LINK_NETNSID): a veth's
    /// other end, or the lower device of a macvlan, ipvlan or VLAN device. Deleting either
    /// deletes this link too.
    pub lower: Option<u32>,
}

/// What an address of a link is besides its CIDR, as the kernel lists it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddrDetail {
    /// It has a lifetime (no IFA_F_PERMANENT): IPv6 autoconfiguration's or a DHCP client's,
    /// never `up`'s, the hook's or an admin's.
    pub dynamic: bool,
    /// IFA_F_SECONDARY: an IPv4 address of a subnet whose primary address is another (the
    /// kernel deletes it with the primary, unless `promote_secondaries`).
    pub secondary: bool,
    /// The peer of a point-to-point address (IFA_ADDRESS other than IFA_LOCAL): the prefix is
    /// the peer's, and the address is deleted naming it.
    pub peer: Option<IpAddr>,
}

/// What must change in a file of lines (a guest's `namespace-cleanup-skip`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipEdit {
    /// The guest's own file is missing: start it as a copy of `.defaults` (it replaces it).
    pub copy_defaults: bool,
    /// The file's last line has no newline: add one before appending.
    pub newline_first: bool,
    /// Lines to append, in order.
    pub append: Vec<String>,
}

/// A guest's namespace-cleanup-skip as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipFact {
    pub own: PathBuf,
    pub defaults: PathBuf,
    /// The length of the guest's own file, None when it does not exist (undo restores it).
    pub own_len: Option<u64>,
    pub edit: SkipEdit,
}

/// Everything the planner needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The zone's run-dir entry, and what it is.
    pub entry: PathBuf,
    pub netns: Entry,
    /// Links inside the namespace (empty when it is missing).
    pub inside: BTreeMap<String, LinkState>,
    /// Links in the host's namespace.
    pub host: BTreeMap<String, LinkState>,
    /// Routes inside (those the kernel did not make itself), with `dev` as a name.
    pub routes: Vec<Route>,
    /// Of `routes`, those a daemon or IPv6 autoconfiguration keeps (`rtmsg::managed_routes`):
    /// theirs, never a difference from the configuration.
    pub managed_routes: Vec<Route>,
    /// The configured sysctl keys' values inside (blanks collapsed); `None` for a key that
    /// does not exist yet (it names a link this run makes).
    pub sysctls: BTreeMap<String, Option<String>>,
    /// MACs in use elsewhere (other configured zones, the host's links that are not this
    /// zone's), each with who uses it: a MAC `up` would set must not be among them.
    pub macs_elsewhere: BTreeMap<Mac, String>,
    /// vprocunhide, when it exists.
    pub vprocunhide: Option<String>,
    /// Edits the member guests' namespace-cleanup-skip files need.
    pub skips: Vec<SkipFact>,
    /// Processes living in the namespace.
    pub pids: Vec<i32>,
    /// Processes (but PID 1) whose network namespace this process may not read, when the zone
    /// has a namespace: any may live in it.
    pub unseen: Vec<i32>,
    /// For a stale or missing entry: a process (the first of `pids`) in the zone's namespace,
    /// which lives on without its entry (found through `/proc/PID/ns/net`: its `lo` carries the
    /// zone's mark, its cookie is the one recorded: `zone::cookie`); `inside` and `routes` are then that namespace's. Only printed (`ip netns
    /// attach ZONE PID`): the shell holds the namespace open from its finding and attaches the
    /// entry from that fd, never by this PID, which may be another process's by then.
    pub found: Option<i32>,
    /// The kinds of link (`type` words) of the links `up` would make that this kernel does not
    /// make, nor can load (`zone::hostside::makes`; asked only for links to make).
    pub missing_kinds: Vec<String>,
    /// Of `missing_kinds`, those whose module something keeps from loading, with what
    /// (`zone::hostside::kept_from_loading`: a modprobe.d `blacklist` or `install MOD
    /// /bin/false`, ...).
    pub kept_kinds: BTreeMap<String, String>,
    /// The cookie of the live namespace `inside` was read from (`zone::cookie`): `up` records
    /// it when the record says otherwise. `None`: no live namespace, or a kernel without one.
    pub cookie: Option<u64>,
    /// The entry is stale here (or missing, with the zone's marked host ends there) and PID
    /// 1's view of it cannot be read (this process is not in PID 1's mount namespace and
    /// cannot look into it): removing it might detach an entry the host sees live, so neither
    /// `up` nor `down` does; nor does `down` delete the host ends of a zone that may be live
    /// there (`down --force` does both). Set for `up` and `down` only.
    pub pid1_unknown: bool,
    /// `vprocunhide` has still to run in the live namespace: the `up` that made it was killed
    /// before it ran (`zone::cookie::Records::to_unhide`).
    pub unhide_pending: bool,
}

impl Facts {
    /// Facts for a zone that does not exist, on an empty host.
    pub fn empty(entry: PathBuf) -> Facts {
        Facts {
            entry,
            netns: Entry::Missing,
            inside: BTreeMap::new(),
            host: BTreeMap::new(),
            routes: Vec::new(),
            managed_routes: Vec::new(),
            sysctls: BTreeMap::new(),
            macs_elsewhere: BTreeMap::new(),
            vprocunhide: None,
            skips: Vec::new(),
            pids: Vec::new(),
            unseen: Vec::new(),
            found: None,
            missing_kinds: Vec::new(),
            kept_kinds: BTreeMap::new(),
            cookie: None,
            unhide_pending: false,
            pid1_unknown: false,
        }
    }
}
