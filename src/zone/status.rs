//! `vspace-netns status [ZONE...] [--json]`: every zone's state as found, in words or JSON.
//! Side-effecting only in what it reads (the entry, `ip -o link|addr|route` inside, the guests'
//! files); [`state`] and [`render`] are pure.
//!
//! Per zone: `up` (live and as configured), `partial` (live, but `up` would change something,
//! or a link inside is not configured: `differs` names each item, as `doctor` does, from `up`'s
//! own planner), `stale` (an entry with no namespace; `differs` names the pids still in a
//! namespace that lives on without it), `down` (no entry), `invalid` (the configuration, or an entry that is no
//! namespace; `error` says why); its namespace's identity, links (name, MAC, state, addresses;
//! every link inside, and a veth's host end), routes (IPv4 and IPv6 main tables, as `ip route`
//! prints them), the PIDs inside, and its member guests, running or stopped (util-vserver's run
//! file `/etc/vservers/GUEST/run` exists while the guest runs). Per guest: its zone. The exit
//! status is 0 when every zone shown is up as configured, else 1. A VLAN or macvlan link that
//! lost its IPv6 addresses but kept its IPv4 ones gets its cause named in `differs` (a trunk
//! set down and up: see [`bounced`]).

use std::ffi::{OsStr, OsString};
use std::path::Path;

use serde::Serialize;

use crate::fail::Fail;
use crate::netns::{Entry, Unusable};
use crate::zone::config::{self, Kind, Zone};
use crate::zone::plan::{self, Facts, PlanError, Step};
use crate::zone::shell::{self as zone, PREFIX};

/// What a zone is, as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Up,
    Partial,
    Stale,
    Down,
    Invalid,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Up => "up",
            State::Partial => "partial",
            State::Stale => "stale",
            State::Down => "down",
            State::Invalid => "invalid",
        }
    }
}

/// One link as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub name: String,
    /// `inside` or `host` (a veth's host end).
    pub place: &'static str,
    pub mac: Option<String>,
    /// `up` or `down` (IFF_UP).
    pub state: &'static str,
    pub addresses: Vec<String>,
}

/// A member guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub name: String,
    pub running: bool,
}

/// One zone's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneStatus {
    pub name: String,
    pub state: State,
    /// `net:[INODE]` of a live namespace.
    pub netns: Option<String>,
    /// What `up` would change, item by item (`partial`).
    pub differs: Vec<String>,
    /// Why the zone is `invalid`.
    pub error: Option<String>,
    pub links: Vec<Link>,
    pub routes: Vec<String>,
    pub pids: Vec<i32>,
    pub guests: Vec<Member>,
}

/// A guest and the zone its `spaces/net` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuestZone {
    pub guest: String,
    pub zone: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every zone shown is up as configured.
    pub as_configured: bool,
    pub zones: Vec<ZoneStatus>,
    pub guests: Vec<GuestZone>,
}

/// The state from the entry and the steps `up` would take (cleanup-skip edits aside).
pub fn state(entry: &Entry, steps: &[Step]) -> State {
    match entry {
        Entry::Missing => State::Down,
        Entry::Unusable(Unusable::Stale) => State::Stale,
        Entry::Unusable(_) => State::Invalid,
        Entry::Netns(()) if steps.is_empty() => State::Up,
        Entry::Netns(()) => State::Partial,
    }
}

/// `vspace-netns status [ZONE...] [--json]`.
pub fn run(zones: &[OsString], json: bool) -> Result<u8, Fail> {
    let names = if zones.is_empty() {
        crate::zone::all::zones()?
    } else {
        zones.to_vec()
    };
    let vservers = config::vservers_dir().map_err(|m| Fail::new(PREFIX, 1, m))?;
    let statuses: Vec<ZoneStatus> = names.iter().map(|n| one(n, &vservers)).collect();
    let guests = guest_zones(&vservers, &statuses);
    let report = Report {
        as_configured: statuses.iter().all(|z| z.state == State::Up),
        zones: statuses,
        guests,
    };
    let text = if json {
        let mut t = serde_json::to_string_pretty(&report)
            .map_err(|e| Fail::new(PREFIX, 1, format!("status: {e}")))?;
        t.push('\n');
        t
    } else {
        render(&report)
    };
    crate::out::stdout_or_fail(PREFIX, &text)?;
    Ok(if report.as_configured { 0 } else { 1 })
}

fn invalid(name: String, error: String) -> ZoneStatus {
    ZoneStatus {
        name,
        state: State::Invalid,
        netns: None,
        differs: Vec::new(),
        error: Some(error),
        links: Vec::new(),
        routes: Vec::new(),
        pids: Vec::new(),
        guests: Vec::new(),
    }
}

/// One zone, gathered.
fn one(name: &OsStr, vservers: &Path) -> ZoneStatus {
    let shown = crate::quote::escape(name);
    let zone = match zone::load(name) {
        Ok(z) => z,
        Err(f) => return invalid(shown, f.message),
    };
    // As `up` sees it; the guests' files are doctor's to check.
    let gathered = zone::run_dir().and_then(|d| {
        let mut f = zone::gather(&zone, &d, true)?;
        f.skips.clear();
        Ok((f, d))
    });
    let (facts, run_dir) = match gathered {
        Ok(x) => x,
        Err(f) => return invalid(shown, f.message),
    };
    let (steps, error) = match plan::plan_up(&zone, &facts) {
        Ok(s) => (s, None),
        Err(PlanError::Conflict(m)) => (Vec::new(), Some(m)),
        Err(PlanError::Busy(_) | PlanError::Unmarked(_)) => (Vec::new(), None),
    };
    let mut st = state(&facts.netns, &steps);
    if error.is_some() {
        st = State::Invalid;
    }
    // A link inside that the configuration does not name differs too (`up` leaves it alone).
    let extra = plan::unconfigured_items(&zone, &facts);
    if st == State::Up && !extra.is_empty() {
        st = State::Partial;
    }
    let differs = if st == State::Partial {
        steps
            .iter()
            .filter_map(|s| crate::zone::doctor::item(s, &facts))
            .chain(extra.into_iter().map(|(what, _)| what))
            .chain(bounced(&zone, &facts))
            .collect()
    } else if st == State::Stale && facts.found.is_some() {
        vec![format!(
            "still in use by pids {}: its namespace lives on without its entry; 'vspace-netns up {}' attaches the entry to it again",
            zone::pid_list(&facts.pids),
            zone.netns
        )]
    } else {
        Vec::new()
    };
    let live = facts.netns == Entry::Netns(());
    ZoneStatus {
        name: zone.netns.clone(),
        state: st,
        netns: live
            .then(|| crate::sys::nsfs::identity(&run_dir.join(&zone.netns)).ok())
            .flatten()
            .map(|id| format!("net:[{}]", id.ino)),
        differs,
        error,
        links: links(&zone, &facts),
        routes: facts.routes.iter().map(ToString::to_string).collect(),
        pids: facts.pids.clone(),
        guests: members(vservers, &zone.netns),
    }
}

/// The cause, for each link with a host parent (VLAN, macvlan) that lost every configured
/// IPv6 address but kept its IPv4 ones: what a link set down (and up again) loses, as the
/// kernel does to a trunk's VLANs when the trunk goes down and up. Pure.
pub fn bounced(zone: &Zone, facts: &Facts) -> Vec<String> {
    zone.links
        .iter()
        .filter_map(|l| {
            let parent = l.kind.parent()?;
            let found = facts.inside.get(&l.name)?;
            let has = |c: &config::Cidr| found.addresses.contains(c);
            let (v6, v4): (Vec<_>, Vec<_>) = l.addresses.iter().partition(|c| c.addr.is_ipv6());
            (!v6.is_empty() && !v6.iter().copied().any(has) && v4.iter().copied().all(has)).then(|| {
                format!(
                    "link {} lost its IPv6 addresses (and the routes through it) but kept its IPv4 ones: it was set {}, as the kernel does to a VLAN when its parent {parent} goes down and up (a trunk bounce); 'vspace-netns up --parent {parent}' puts them back (the ifupdown and networkd-dispatcher hooks run it when {parent} comes up)",
                    l.name,
                    if found.up { "down and up" } else { "down" },
                )
            })
        })
        .collect()
}

fn link(name: &str, place: &'static str, s: &plan::LinkState) -> Link {
    Link {
        name: name.to_string(),
        place,
        mac: s.mac.map(|m| m.to_string()),
        state: if s.up { "up" } else { "down" },
        addresses: s.addresses.iter().map(ToString::to_string).collect(),
    }
}

/// Every link inside, then each veth's host end.
fn links(zone: &Zone, facts: &Facts) -> Vec<Link> {
    let mut out: Vec<Link> = facts
        .inside
        .iter()
        .map(|(n, s)| link(n, "inside", s))
        .collect();
    for l in &zone.links {
        if let Kind::Veth { peer, .. } = &l.kind {
            if let Some(s) = facts.host.get(peer) {
                out.push(link(peer, "host", s));
            }
        }
    }
    out
}

/// The zone's members, running or not (util-vserver's run file exists while a guest runs).
fn members(vservers: &Path, ns: &str) -> Vec<Member> {
    config::members(vservers, ns)
        .unwrap_or_default()
        .into_iter()
        .map(|m| Member {
            name: crate::quote::escape(&m.guest),
            running: vservers.join(&m.guest).join("run").exists(),
        })
        .collect()
}

fn guest_zones(_vservers: &Path, zones: &[ZoneStatus]) -> Vec<GuestZone> {
    let mut out: Vec<GuestZone> = zones
        .iter()
        .flat_map(|z| {
            z.guests.iter().map(|g| GuestZone {
                guest: g.name.clone(),
                zone: z.name.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.guest.cmp(&b.guest));
    out
}

/// The report in words: a line per zone, its links, routes and guests indented.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for z in &r.zones {
        let mut head = format!("zone {}: {}", z.name, z.state.word());
        if let Some(id) = &z.netns {
            head.push_str(&format!(", {id}"));
        }
        if !z.differs.is_empty() {
            head.push_str(&format!(": {}", z.differs.join("; ")));
        }
        if let Some(e) = &z.error {
            head.push_str(&format!(": {e}"));
        }
        out.push_str(&head);
        out.push('\n');
        for l in &z.links {
            let mut line = format!("    link {} ({}): {}", l.name, l.place, l.state);
            if let Some(m) = &l.mac {
                line.push_str(&format!(" {m}"));
            }
            for a in &l.addresses {
                line.push_str(&format!(" {a}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
        for rt in &z.routes {
            out.push_str(&format!("    route: {rt}\n"));
        }
        for g in &z.guests {
            let word = if g.running { "running" } else { "stopped" };
            out.push_str(&format!("    guest {}: {word}\n", g.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_entry_and_the_plan() {
        let step = Step::AddNetns { ns: "z".into() };
        let table = [
            (Entry::Missing, vec![step.clone()], State::Down),
            (Entry::Unusable(Unusable::Stale), vec![], State::Stale),
            (Entry::Unusable(Unusable::Symlink), vec![], State::Invalid),
            (Entry::Netns(()), vec![], State::Up),
            (Entry::Netns(()), vec![step], State::Partial),
        ];
        for (entry, steps, want) in table {
            assert_eq!(state(&entry, &steps), want, "{entry:?}");
        }
    }

    #[test]
    fn the_report_renders_in_words() {
        let r = Report {
            as_configured: false,
            zones: vec![ZoneStatus {
                name: "dmz".into(),
                state: State::Partial,
                netns: Some("net:[7]".into()),
                differs: vec!["lo is down inside".into()],
                error: None,
                links: vec![Link {
                    name: "dmz0".into(),
                    place: "inside",
                    mac: Some("02:00:02:00:02:00".into()),
                    state: "up",
                    addresses: vec!["192.0.2.10/24".into()],
                }],
                routes: vec!["192.0.2.0/24 dev dmz0".into()],
                pids: vec![],
                guests: vec![Member {
                    name: "web".into(),
                    running: false,
                }],
            }],
            guests: vec![],
        };
        assert_eq!(
            render(&r),
            "zone dmz: partial, net:[7]: lo is down inside\n    link dmz0 (inside): up 02:00:02:00:02:00 192.0.2.10/24\n    route: 192.0.2.0/24 dev dmz0\n    guest web: stopped\n"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["zones"][0]["state"], "partial");
        assert_eq!(
            json["zones"][0]["links"][0]["addresses"][0],
            "192.0.2.10/24"
        );
        assert_eq!(json["as_configured"], false);
    }
}
