//! The zone planner: a validated zone plus observed facts (does the namespace exist, which
//! links are where, with which MAC, MTU, flags, alias and addresses, which routes and sysctl
//! values the namespace has) -> the ordered steps that bring the zone up or down. Pure.
//!
//! Every step prints as the equivalent shell command line (`ip ...`, `ip netns exec ... sysctl`,
//! or `cp`/`printf` for the namespace-cleanup-skip edits, `rm`/`truncate` to take them back),
//! so `--dry-run` shows what a real run does, and the printed lines run by `sh` do the same
//! (see `zone::script` for the quoting). Planning only what differs from the facts makes `up`
//! idempotent: after a successful `up`, a second plan is empty. [`undo`] turns the steps a run
//! completed into the steps that take them back, guest files included: the skip edits come
//! last in `up` (after every network step, still before the guest starts), so a failing link
//! step never touches a guest's file, and a failing edit takes back the namespace and links too.
//!
//! What `up` makes carries a mark, [`mark`] (`vspace-netns:ZONE`): the IFLA_IFALIAS of each
//! link it creates (both ends of a veth) and of the namespace's `lo`, which lives exactly as
//! long as the namespace. `down` deletes only what carries its zone's mark, unless forced.
//! The mark is part of the creation, so that a run killed at any point leaves nothing the
//! next run takes for another's: the namespace's entry is mounted only after its `lo` is
//! marked (`zone::shell`), and a link is created inside the zone under a temporary name
//! derived from the zone and the link ([`temp_name`]), marked, and only then renamed to its
//! final name. A link found under its temporary name is this zone's half-made link: `up`
//! deletes it and makes it anew, `down` deletes it. The temporary name also lets a zone's link
//! be named like one of the host's: kernels before 6.18 check a new link's name in the
//! requesting namespace even when it is created in another (IFLA_NET_NS_FD).
//!
//! Before anything changes, the plan refuses what cannot succeed, naming the cause: a VLAN
//! or macvlan parent missing or down on the host, an MTU above the parent's, a VLAN where the
//! kernel has no 802.1Q support.

mod down;
mod facts;
mod guest_addr;
mod guest_link;
mod left;
mod macs;
mod step;
#[cfg(test)]
mod tests;
mod undo;
mod up;

pub use down::plan_down;
pub use facts::{AddrDetail, Facts, LinkState, SkipEdit, SkipFact};
pub use guest_addr::{Bcast, GuestAddr};
pub use guest_link::{is_vlan_temp, vlan_mark, vlan_temp_name};
pub use left::{unconfigured, unconfigured_addresses, unconfigured_items};
pub use macs::{MacUsers, zone_macs};
pub use step::Step;
pub use undo::undo;
pub use up::{plan_up, skip_steps};

/// The alias that marks what `up` made for `zone`.
pub fn mark(zone: &str) -> String {
    format!("vspace-netns:{zone}")
}

/// The zone a mark names (`vspace-netns:ZONE`), if `alias` is one.
pub fn marked_zone(alias: &str) -> Option<&str> {
    alias
        .strip_prefix(mark("").as_str())
        .filter(|z| !z.is_empty())
}

/// Whether the zone's namespace in `facts` has its `lo` marked for `zone` (made by `up`: one
/// made by hand is not, and `down` refuses it).
pub fn lo_marked(zone: &str, facts: &Facts) -> bool {
    facts.inside.get("lo").and_then(|l| l.alias.as_deref()) == Some(mark(zone).as_str())
}

/// Whether the namespace in `facts` holds a veth `zone` does not configure: a pair's end
/// renamed there (or in the configuration), most likely.
pub fn holds_unconfigured_veth(zone: &crate::zone::config::Zone, facts: &Facts) -> bool {
    facts
        .inside
        .iter()
        .any(|(n, l)| l.kind.as_deref() == Some("veth") && !zone.links.iter().any(|c| &c.name == n))
}

/// The name a link of `zone` is created under before it is renamed to `link` inside the
/// zone: `vsn` and 12 hex digits of the FNV-1a hash of `ZONE/LINK`, a valid interface name
/// (15 bytes) that the next run recognises as this link's (neither name holds a `/`).
pub fn temp_name(zone: &str, link: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in zone.bytes().chain(*b"/").chain(link.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("vsn{:012x}", h >> 16)
}

/// The refusal of `up` and `down` (`sub`) for an entry stale here whose state as PID 1 sees
/// it cannot be told: removing it, the first step of both, would detach the host's entry if
/// it is live there (an unlink detaches the mounts on the file in every mount namespace).
pub fn stale_pid1_unknown(ns: &str, entry: &std::path::Path, sub: &str) -> String {
    format!(
        "{} is stale in this mount namespace, and whether the host sees it live cannot be told (PID 1's mount namespace cannot be opened): removing it could detach the host's live entry; look on the host (nsenter -t 1 -m ip netns list), and where it is stale there too remove it (ip netns delete {ns}) and run {sub} again",
        crate::report::quote::escape(entry.as_os_str())
    )
}

/// The refusal of `down` for an entry missing here while the zone's marked host ends are
/// there and PID 1's view cannot be read: the zone may be live on the host, its entry only
/// missing in this mount namespace, and deleting its host ends would cut it off.
pub fn missing_pid1_unknown(entry: &std::path::Path) -> String {
    format!(
        "{} does not exist in this mount namespace while the zone's host ends are there, and whether the host sees the zone live cannot be told (PID 1's mount namespace cannot be opened): deleting its host ends could cut off the host's live zone; look on the host (nsenter -t 1 -m ip netns list)",
        crate::report::quote::escape(entry.as_os_str())
    )
}

/// Why a zone cannot be planned as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// A message naming the problem and the fix.
    Conflict(String),
    /// `down` without `--force` while processes live in the namespace.
    Busy(Vec<i32>),
    /// `down` without `--force` while whether processes live in the namespace cannot be told:
    /// the namespace of these may not be read.
    Unseen(Vec<i32>),
    /// `down` without `--force` would delete these, which carry no mark of this zone.
    Unmarked(Vec<String>),
}
