//! `vspace-netns status [ZONE...] [--json|--format FORMAT] [--expect-up]`: every zone's state
//! as found, in words, JSON or the Prometheus text format. Side-effecting only in what it reads
//! (one `zone::survey::Survey` of what all zones share, then each zone's namespace dumped
//! once); [`state`], [`health`] and the renderers are pure.
//!
//! Per zone: `up` (live and as configured), `partial` (live, but `up` would change something,
//! or a link inside, or an address or route on its links, is not configured
//! (`plan::unconfigured_items`): `differs` names each item, as `doctor` does, from `up`'s
//! own planner), `stale` (an entry with no namespace; `differs` names the pids still in a
//! namespace that lives on without it), `idle` (no entry and none of its guests runs: the hook
//! took it down after the last guest stopped, by design), `down` (no entry while a guest runs),
//! `invalid` (the configuration, or an entry that is no namespace; `error` says why); its
//! namespace's identity, links (name, MAC, state, addresses; every link inside, and a veth's
//! host end), routes (as `ip route` prints them, the table by name as configured), the PIDs
//! inside, and its member guests: running when a process in the zone's namespace has the
//! guest's root (`vdir`) or context, or util-vserver's run file `/etc/vservers/GUEST/run`
//! exists, with the PIDs found and the addresses of their util-vserver `interfaces/` found
//! inside (as the guests' part answers: `vserver::ifaces`). Per guest: its zone. A VLAN or macvlan link that lost its IPv6
//! addresses but kept its IPv4 ones gets its cause named in `differs` (a trunk set down and
//! up: see [`bounced`]).
//!
//! The exit status is 0 when every zone shown is up as configured or idle (with
//! `--expect-up`: up as configured), else 1.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use serde::Serialize;

use crate::netns::{Entry, Roots, Unusable};
use crate::report::Status;
use crate::report::fail::Fail;
use crate::zone::base::{self as zone, PREFIX};
use crate::zone::config::{self, MAIN_TABLE, Route, Zone};
use crate::zone::guests::GuestParts;
use crate::zone::plan::{self, Facts, GuestAddr, PlanError, Step};
use crate::zone::survey::{self, Survey};

mod prometheus;
pub use prometheus::{label, prometheus};

/// What a zone is, as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Up,
    Partial,
    Stale,
    Idle,
    Down,
    Invalid,
}

/// Every state, in the order the Prometheus output lists them.
pub const STATES: [State; 6] = [
    State::Up,
    State::Partial,
    State::Stale,
    State::Idle,
    State::Down,
    State::Invalid,
];

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Up => "up",
            State::Partial => "partial",
            State::Stale => "stale",
            State::Idle => "idle",
            State::Down => "down",
            State::Invalid => "invalid",
        }
    }
}

/// Whether a zone in `state` is healthy: up as configured, or idle unless zones must be up.
pub fn health(state: State, expect_up: bool) -> bool {
    match state {
        State::Up => true,
        State::Idle => !expect_up,
        _ => false,
    }
}

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Prometheus,
}

impl Format {
    /// The `--format` values.
    pub const NAMES: [&'static str; 3] = ["text", "json", "prometheus"];

    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "prometheus" => Some(Format::Prometheus),
            _ => None,
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
    /// Its processes found in the zone's namespace.
    pub pids: Vec<i32>,
    /// Its util-vserver `interfaces/` addresses found inside the zone (`ADDR/PREFIX dev DEV`);
    /// left out of the JSON when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
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
    /// Every zone shown is up as configured or idle (with `--expect-up`: up): the exit status
    /// is 0 exactly then.
    pub healthy: bool,
    pub zones: Vec<ZoneStatus>,
    pub guests: Vec<GuestZone>,
}

/// The state from the entry and the steps `up` would take (cleanup-skip edits aside), and
/// whether a member guest runs. `lives_on`: the zone's namespace was found alive without its
/// entry (stale, as for a stale entry: `up` attaches it again), never idle.
pub fn state(entry: &Entry, steps: &[Step], guest_runs: bool, lives_on: bool) -> State {
    match entry {
        Entry::Missing if lives_on => State::Stale,
        Entry::Missing if guest_runs => State::Down,
        Entry::Missing => State::Idle,
        Entry::Unusable(Unusable::Stale) => State::Stale,
        Entry::Unusable(_) => State::Invalid,
        Entry::Netns(()) if steps.is_empty() => State::Up,
        Entry::Netns(()) => State::Partial,
    }
}

/// Every zone (or `zones`) observed, sharing one survey; the guests as `parts` answers them.
pub fn gather(roots: &Roots, parts: &dyn GuestParts, zones: &[OsString]) -> Result<Report, Fail> {
    let names = if zones.is_empty() {
        crate::zone::all::zones(roots)?
    } else {
        zones.to_vec()
    };
    let vservers = roots
        .vservers()
        .map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
    let survey = Survey::read(roots, parts, vservers)?;
    let unseen = survey.procs().unseen_pids();
    if !unseen.is_empty() {
        crate::report::out::warn(&format!(
            "{PREFIX}: warning: this command may not read the network namespace of pids {} (a security module's policy or a missing CAP_SYS_PTRACE denies it): a zone's pids and running guests may miss them",
            crate::zone::base::some_pids(&unseen)
        ));
    }
    let statuses: Vec<ZoneStatus> = names
        .iter()
        .map(|n| one(roots, parts, n, &survey))
        .collect();
    let guests = guest_zones(&statuses);
    Ok(Report {
        as_configured: statuses.iter().all(|z| z.state == State::Up),
        healthy: false,
        zones: statuses,
        guests,
    })
}

/// `vspace-netns status [ZONE...] [--format FORMAT] [--expect-up]`.
pub fn run(
    roots: &Roots,
    parts: &dyn GuestParts,
    zones: &[OsString],
    format: Format,
    expect_up: bool,
) -> Result<u8, Fail> {
    let mut report = gather(roots, parts, zones)?;
    report.healthy = report.zones.iter().all(|z| health(z.state, expect_up));
    let text = match format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&report)
                .map_err(|e| Fail::new(PREFIX, Status::Failed, format!("status: {e}")))?;
            t.push('\n');
            t
        }
        Format::Text => render(&report),
        Format::Prometheus => prometheus(&report, expect_up),
    };
    crate::report::fail::stdout_or_fail(PREFIX, &text)?;
    Ok(if report.healthy {
        Status::Ok
    } else {
        Status::Failed
    }
    .code())
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

/// What `differs` says of a stale zone whose namespace lives on: its processes, and whether
/// `up` takes it back (its cookie is the one recorded) or it must be attached by hand; where
/// that repair is not the one to give ([`lives_on_applies`]), the entry's own first hint.
fn lives_on(roots: &Roots, ns: &str, facts: &Facts, entry: &Path) -> String {
    if !lives_on_applies(&facts.netns, entry) {
        let host = crate::netns::host::host_says(entry);
        let hints = crate::netns::host::stale_hints(OsStr::new(ns), true, host);
        return hints.into_iter().next().unwrap_or_default();
    }
    let (situation, repair) = lives_on_parts(roots, ns, facts);
    format!("{situation}; {repair}")
}

/// The processes that hold a zone's namespace found living on without its entry
/// (`facts.found`): those the look at /proc saw in it, else the one it was found through,
/// seen by a look made before it started (the survey's) or through a thread; `None` when that
/// one has exited since (nothing is left to repair).
pub(crate) fn holders(facts: &Facts) -> Option<Vec<i32>> {
    let found = facts.found?;
    if !facts.pids.is_empty() {
        return Some(facts.pids.clone());
    }
    Path::new(&format!("/proc/{found}"))
        .exists()
        .then(|| vec![found])
}

/// Whether a namespace of the zone found living on without its entry (`fact`: the entry as
/// probed here) is the finding, with its repair: the entry is missing or stale here and dead
/// as PID 1 sees it too. Otherwise the entry's own finding stands: live on the host and only
/// not visible here, or PID 1's view unknown, where `up` and `down` refuse (removing the
/// entry, the first step of both and of the by-hand repair, could detach the host's live
/// entry; deleting a missing entry's host ends could cut off the host's live zone).
pub(crate) fn lives_on_applies<H>(fact: &Entry<H>, entry: &Path) -> bool {
    use crate::netns::host::HostSays;
    match fact {
        Entry::Missing => crate::netns::host::host_says(entry) == HostSays::Dead,
        Entry::Unusable(Unusable::Stale) => crate::netns::host::host_says(entry) == HostSays::Dead,
        _ => false,
    }
}

/// Whether the namespace found is the one `up` recorded for the zone: `up` takes it back.
fn taken_back(roots: &Roots, ns: &str, facts: &Facts) -> bool {
    let recorded = crate::zone::cookie::Records::of(roots)
        .ok()
        .and_then(|r| r.read(ns).ok().flatten());
    matches!((facts.cookie, recorded), (Some(c), Some(r)) if c == r)
}

/// The two halves of [`lives_on`]: what is found (the processes in the zone's namespace, and
/// whether `up` made it) and the repair that works. `doctor` says them as a finding and its fix.
pub(crate) fn lives_on_parts(roots: &Roots, ns: &str, facts: &Facts) -> (String, String) {
    let pids = zone::pid_list(&facts.pids);
    if taken_back(roots, ns, facts) {
        (
            format!("still in use by pids {pids}: its namespace lives on without its entry"),
            format!("'vspace-netns up {ns}' attaches the entry to it again"),
        )
    } else {
        (
            format!(
                "pids {pids} are in a namespace that carries the zone's mark without its entry, but no record says up made it"
            ),
            format!(
                "'vspace-netns up {ns}' refuses it; if it is the zone's, attach it by hand: ip netns delete {ns}; ip netns attach {ns} PID"
            ),
        )
    }
}

/// One zone, gathered.
fn one(roots: &Roots, parts: &dyn GuestParts, name: &OsStr, survey: &Survey) -> ZoneStatus {
    let shown = crate::report::quote::escape(name);
    // Read once, for the survey; a zone that is not there is read again for its error.
    let zone = match survey.zone(name) {
        Some(z) => z.clone(),
        None => match zone::load(roots, name) {
            Ok(z) => z,
            Err(f) => return invalid(shown, f.message),
        },
    };
    // As `up` sees it; the guests' files are doctor's to check.
    let gathered = zone::run_dir(roots).and_then(|d| {
        let (f, _) = crate::zone::facts::gather_with(roots, &zone, &d, true, Some(survey))?;
        Ok((f, d))
    });
    let (mut facts, run_dir) = match gathered {
        Ok(x) => x,
        Err(f) => return invalid(shown, f.message),
    };
    let (steps, error) = match plan::plan_up(&zone, &facts) {
        Ok(s) => (s, None),
        Err(PlanError::Conflict(m)) => (Vec::new(), Some(m)),
        Err(PlanError::Busy(_) | PlanError::Unseen(_) | PlanError::Unmarked(_)) => {
            (Vec::new(), None)
        }
    };
    if facts.found.is_some() {
        match holders(&facts) {
            Some(pids) => facts.pids = pids,
            None => facts.found = None,
        }
    }
    let (guests, guest_addrs) = members(roots, parts, survey, &zone.netns, &facts);
    let mut st = state(
        &facts.netns,
        &steps,
        guests.iter().any(|g| g.running),
        facts.found.is_some(),
    );
    if error.is_some() {
        st = State::Invalid;
    }
    // A link inside that the configuration does not name differs too (`up` leaves it alone).
    let extra = plan::unconfigured_items(&zone, &facts, guest_addrs.as_deref());
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
        vec![lives_on(
            roots,
            &zone.netns,
            &facts,
            &run_dir.join(&zone.netns),
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
        routes: facts
            .routes
            .iter()
            .map(|r| route_text(r, &zone.routes))
            .collect(),
        pids: facts.pids.clone(),
        guests,
    }
}

/// A route found, as `ip route` prints it, with the metric and the table as the configured
/// route of the same key says them (`table main` where the file says so, never `table 254`);
/// a route no file names gets its metric when not the default, its table when not main.
pub fn route_text(found: &Route, configured: &[Route]) -> String {
    let like = configured.iter().find(|c| c.same_key(found));
    let mut shown = found.clone();
    shown.table = None;
    shown.metric = match like {
        Some(c) => c.metric,
        None if found.metric == Some(if found.is_v6() { 1024 } else { 0 }) => None,
        None => found.metric,
    };
    let mut words = shown.words();
    match (like.and_then(|c| c.table), found.effective_table()) {
        (Some(MAIN_TABLE), _) => words.extend(["table".into(), "main".into()]),
        (_, MAIN_TABLE) => {}
        (_, t) => words.extend(["table".into(), t.to_string()]),
    }
    words.join(" ")
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
        if let Some((peer, _)) = l.kind.peer() {
            if let Some(s) = facts.host.get(peer) {
                out.push(link(peer, "host", s));
            }
        }
    }
    out
}

/// The zone's members: running when a process in the zone (`facts.pids`) is theirs, or their
/// run file exists; with their `interfaces/` addresses found inside.
/// The zone's member guests as status shows them, and the addresses their interfaces put
/// inside (`None`: a member's cannot be read).
fn members(
    roots: &Roots,
    parts: &dyn GuestParts,
    survey: &Survey,
    ns: &str,
    facts: &Facts,
) -> (Vec<Member>, Option<Vec<GuestAddr>>) {
    let guests = survey.members(ns);
    let mut owned = survey::owners(&facts.pids, guests);
    let vservers = roots.vservers().ok();
    let mut all = Some(Vec::new());
    let members = guests
        .iter()
        .map(|g| {
            let pids = owned.remove(&g.name).unwrap_or_default();
            let own = vservers.and_then(|v| parts.addresses(v, &g.name));
            let addresses = own.iter().flatten().filter(|a| {
                facts
                    .inside
                    .get(&a.dev)
                    .is_some_and(|l| l.addresses.contains(&a.cidr()))
            });
            let addresses = addresses
                .map(|a| format!("{} dev {}", a.cidr(), a.dev))
                .collect();
            match (&mut all, own) {
                (Some(all), Some(own)) => all.extend(own),
                _ => all = None,
            }
            Member {
                name: crate::report::quote::escape(&g.name),
                running: g.run_file || !pids.is_empty(),
                pids,
                addresses,
            }
        })
        .collect();
    (members, all)
}

fn guest_zones(zones: &[ZoneStatus]) -> Vec<GuestZone> {
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

/// The report in words: a line per zone, its PIDs, links, routes and guests indented.
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
        if !z.pids.is_empty() {
            out.push_str(&format!("    pids: {}\n", zone::pid_list(&z.pids)));
        }
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
            let word = match (g.running, g.pids.is_empty()) {
                (false, _) => "stopped".to_string(),
                (true, true) => "running".to_string(),
                (true, false) => format!("running, pids {}", zone::pid_list(&g.pids)),
            };
            out.push_str(&format!("    guest {}: {word}\n", g.name));
            if !g.addresses.is_empty() {
                let a = g.addresses.join(", ");
                out.push_str(&format!("    guest {} addresses inside: {a}\n", g.name));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_entry_the_plan_and_the_guests() {
        let step = Step::AddNetns { ns: "z".into() };
        let table = [
            (Entry::Missing, vec![step.clone()], false, State::Idle),
            (Entry::Missing, vec![step.clone()], true, State::Down),
            (
                Entry::Unusable(Unusable::Stale),
                vec![],
                false,
                State::Stale,
            ),
            (
                Entry::Unusable(Unusable::Symlink),
                vec![],
                false,
                State::Invalid,
            ),
            (Entry::Netns(()), vec![], false, State::Up),
            (Entry::Netns(()), vec![step], true, State::Partial),
        ];
        for (entry, steps, runs, want) in table {
            assert_eq!(state(&entry, &steps, runs, false), want, "{entry:?}");
        }
        // No entry, but the zone's namespace found alive: stale, never idle.
        assert_eq!(state(&Entry::Missing, &[], false, true), State::Stale);
        let healthy: Vec<(State, bool, bool)> = STATES
            .iter()
            .flat_map(|s| [(*s, false, health(*s, false)), (*s, true, health(*s, true))])
            .filter(|x| x.2)
            .collect();
        assert_eq!(
            healthy,
            vec![
                (State::Up, false, true),
                (State::Up, true, true),
                (State::Idle, false, true)
            ]
        );
    }

    fn route(dst: &str, metric: Option<u32>, table: Option<u32>) -> Route {
        let (addr, prefix) = dst.split_once('/').unwrap();
        Route {
            dst: config::Cidr {
                addr: addr.parse().unwrap(),
                prefix: prefix.parse().unwrap(),
            },
            via: Some("192.0.2.1".parse().unwrap()),
            dev: None,
            metric,
            table,
        }
    }

    #[test]
    fn routes_print_their_table_by_name_as_configured() {
        // As the kernel reports it: metric and table always there.
        let found = route("0.0.0.0/0", Some(0), Some(MAIN_TABLE));
        let cases = [
            (
                route("0.0.0.0/0", None, Some(MAIN_TABLE)),
                "default via 192.0.2.1 table main",
            ),
            (route("0.0.0.0/0", None, None), "default via 192.0.2.1"),
            (
                route("0.0.0.0/0", Some(0), Some(MAIN_TABLE)),
                "default via 192.0.2.1 metric 0 table main",
            ),
        ];
        for (conf, want) in cases {
            assert_eq!(route_text(&found, &[conf]), want);
        }
        assert_eq!(route_text(&found, &[]), "default via 192.0.2.1");
        let other = route("198.51.100.0/24", Some(5), Some(100));
        assert_eq!(
            route_text(&other, &[]),
            "198.51.100.0/24 via 192.0.2.1 metric 5 table 100"
        );
    }

    fn report() -> Report {
        Report {
            as_configured: false,
            healthy: false,
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
                pids: vec![41, 42],
                guests: vec![
                    Member {
                        name: "web".into(),
                        running: false,
                        pids: vec![],
                        addresses: vec![],
                    },
                    Member {
                        name: "d\"b\\".into(),
                        running: true,
                        pids: vec![42],
                        addresses: vec!["192.0.2.11/24 dev dmz0".into()],
                    },
                ],
            }],
            guests: vec![],
        }
    }

    #[test]
    fn the_report_renders_in_words() {
        let r = report();
        assert_eq!(
            render(&r),
            "zone dmz: partial, net:[7]: lo is down inside\n    pids: 41 42\n    link dmz0 (inside): up 02:00:02:00:02:00 192.0.2.10/24\n    route: 192.0.2.0/24 dev dmz0\n    guest web: stopped\n    guest d\"b\\: running, pids 42\n    guest d\"b\\ addresses inside: 192.0.2.11/24 dev dmz0\n"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["zones"][0]["guests"][1]["addresses"][0],
            "192.0.2.11/24 dev dmz0"
        );
        assert!(json["zones"][0]["guests"][0].get("addresses").is_none());
        assert_eq!(json["zones"][0]["state"], "partial");
        assert_eq!(
            json["zones"][0]["links"][0]["addresses"][0],
            "192.0.2.10/24"
        );
        assert_eq!(json["zones"][0]["guests"][1]["pids"][0], 42);
        assert_eq!(json["as_configured"], false);
        assert_eq!(json["healthy"], false);
    }

    #[test]
    fn the_prometheus_text_has_help_type_and_escaped_labels() {
        let text = prometheus(&report(), false);
        assert!(text.starts_with(
            "# HELP vspace_netns_zone_state The zone's state as found: 1 for its state, 0 for the others.\n# TYPE vspace_netns_zone_state gauge\n"
        ));
        assert!(text.contains("vspace_netns_zone_state{zone=\"dmz\",state=\"partial\"} 1\n"));
        assert!(text.contains("vspace_netns_zone_state{zone=\"dmz\",state=\"idle\"} 0\n"));
        assert!(text.contains("vspace_netns_zone_pids{zone=\"dmz\"} 2\n"));
        assert!(
            text.contains("vspace_netns_link_up{zone=\"dmz\",link=\"dmz0\",place=\"inside\"} 1\n")
        );
        assert!(text.contains("vspace_netns_guest_running{zone=\"dmz\",guest=\"d\\\"b\\\\\"} 1\n"));
        assert_eq!(label("a\nb"), "a\\nb");
        assert!(text.ends_with('\n'));
    }
}
