//! The zone planner: a validated zone plus observed facts (does the namespace exist, which
//! links are where, with which MAC, flags and addresses) -> the ordered steps that bring the
//! zone up or down. Pure.
//!
//! Every step prints as the equivalent shell command line (`ip ...`, or `cp`/`printf` for the
//! namespace-cleanup-skip edits, `rm`/`truncate` to take them back), so `--dry-run` shows
//! exactly what a real run does. Planning only what differs from the facts makes `up`
//! idempotent: after a successful `up`, a second plan is empty. [`undo`] turns the steps a run
//! completed into the steps that take them back, guest files included: the skip edits come
//! last in `up` (after every link step, still before the guest starts), so a failing link step
//! never touches a guest's file, and a failing edit takes back the namespace and links too.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::netns::{Entry, Unusable};
use crate::quote::{command_line, shell_word};
use crate::zone::config::{Cidr, Kind, SkipEdit, Zone};
use crate::zone::mac::Mac;

/// One link as observed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkState {
    pub mac: Option<Mac>,
    /// IFF_UP (administratively up).
    pub up: bool,
    /// What `ip link` shows after `@`: the peer or parent (`v0@ve0`), or `ifN` elsewhere.
    pub at: Option<String>,
    pub addresses: Vec<Cidr>,
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
    /// vprocunhide, when it exists.
    pub vprocunhide: Option<String>,
    /// Edits the member guests' namespace-cleanup-skip files need.
    pub skips: Vec<SkipFact>,
    /// Processes living in the namespace.
    pub pids: Vec<i32>,
}

/// One step; `ns: None` means the host's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CopySkip {
        from: PathBuf,
        to: PathBuf,
    },
    AppendSkip {
        file: PathBuf,
        newline_first: bool,
        lines: Vec<String>,
        /// The file's length before this run, None when this run creates it.
        was: Option<u64>,
    },
    /// Takes back a file this run created.
    RemoveSkip {
        file: PathBuf,
    },
    /// Takes back lines this run appended.
    TruncateSkip {
        file: PathBuf,
        len: u64,
    },
    AddNetns {
        ns: String,
    },
    AddLink {
        name: String,
        kind: Kind,
    },
    SetMac {
        ns: Option<String>,
        dev: String,
        mac: Mac,
        /// The address before, to restore it on rollback (None for a link made by this run).
        was: Option<Mac>,
    },
    MoveIn {
        dev: String,
        ns: String,
    },
    AddAddr {
        ns: String,
        dev: String,
        cidr: Cidr,
    },
    DelAddr {
        ns: String,
        dev: String,
        cidr: Cidr,
    },
    Up {
        ns: Option<String>,
        dev: String,
    },
    Down {
        ns: Option<String>,
        dev: String,
    },
    Unhide {
        ns: String,
        path: String,
    },
    DelLink {
        ns: Option<String>,
        dev: String,
    },
    DelNetns {
        ns: String,
    },
}

fn ip(ns: &Option<String>, rest: &[&str]) -> Vec<String> {
    let mut v = vec!["ip".to_string()];
    if let Some(n) = ns {
        v.push("-n".into());
        v.push(n.clone());
    }
    v.extend(rest.iter().map(|s| s.to_string()));
    v
}

impl Step {
    /// The `ip` command line (argv, "ip" first), for steps that are `ip` commands.
    pub fn ip_argv(&self) -> Option<Vec<String>> {
        let host = &None;
        Some(match self {
            Step::CopySkip { .. }
            | Step::AppendSkip { .. }
            | Step::RemoveSkip { .. }
            | Step::TruncateSkip { .. } => return None,
            Step::AddNetns { ns } => ip(host, &["netns", "add", ns]),
            Step::DelNetns { ns } => ip(host, &["netns", "delete", ns]),
            Step::AddLink { name, kind } => match kind {
                Kind::Vlan { parent, vid } => ip(
                    host,
                    &[
                        "link",
                        "add",
                        "link",
                        parent,
                        "name",
                        name,
                        "type",
                        "vlan",
                        "id",
                        &vid.to_string(),
                    ],
                ),
                Kind::Macvlan { parent, mode } => ip(
                    host,
                    &[
                        "link", "add", "link", parent, "name", name, "type", "macvlan", "mode",
                        mode,
                    ],
                ),
                Kind::Veth { peer, .. } => ip(
                    host,
                    &[
                        "link", "add", "name", name, "type", "veth", "peer", "name", peer,
                    ],
                ),
            },
            Step::SetMac { ns, dev, mac, .. } => ip(
                ns,
                &["link", "set", "dev", dev, "address", &mac.to_string()],
            ),
            Step::MoveIn { dev, ns } => ip(host, &["link", "set", "dev", dev, "netns", ns]),
            Step::AddAddr { ns, dev, cidr } => ip(
                &Some(ns.clone()),
                &["addr", "add", &cidr.to_string(), "dev", dev],
            ),
            Step::DelAddr { ns, dev, cidr } => ip(
                &Some(ns.clone()),
                &["addr", "del", &cidr.to_string(), "dev", dev],
            ),
            Step::Up { ns, dev } => ip(ns, &["link", "set", "dev", dev, "up"]),
            Step::Down { ns, dev } => ip(ns, &["link", "set", "dev", dev, "down"]),
            Step::Unhide { ns, path } => ip(host, &["netns", "exec", ns, path]),
            Step::DelLink { ns, dev } => ip(ns, &["link", "del", "dev", dev]),
        })
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CopySkip { from, to } => write!(
                f,
                "cp {} {}",
                shell_word(from.as_os_str()),
                shell_word(to.as_os_str())
            ),
            Step::AppendSkip {
                file,
                newline_first,
                lines,
                ..
            } => {
                let fmt = if *newline_first {
                    "'\\n%s\\n'"
                } else {
                    "'%s\\n'"
                };
                let words: Vec<String> = lines
                    .iter()
                    .map(|l| shell_word(std::ffi::OsStr::new(l)))
                    .collect();
                write!(
                    f,
                    "printf {fmt} {} >> {}",
                    words.join(" "),
                    shell_word(file.as_os_str())
                )
            }
            Step::RemoveSkip { file } => write!(f, "rm {}", shell_word(file.as_os_str())),
            Step::TruncateSkip { file, len } => {
                write!(f, "truncate -s {len} {}", shell_word(file.as_os_str()))
            }
            other => f.write_str(&command_line(
                &other.ip_argv().expect("every other step is an ip command"),
            )),
        }
    }
}

/// Why a zone cannot be planned as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// A message naming the problem and the fix.
    Conflict(String),
    /// `down` without `--force` while processes live in the namespace.
    Busy(Vec<i32>),
}

/// The steps that bring `zone` up from `facts`. Empty when it is up as configured.
pub fn plan_up(zone: &Zone, facts: &Facts) -> Result<Vec<Step>, PlanError> {
    let ns = &zone.netns;
    let some_ns = Some(ns.clone());
    let mut steps = Vec::new();
    let created = match &facts.netns {
        // The zone's own entry, dead here (up runs in the host's mount namespace): remade.
        Entry::Unusable(Unusable::Stale) => {
            steps.push(Step::DelNetns { ns: ns.clone() });
            steps.push(Step::AddNetns { ns: ns.clone() });
            steps.push(Step::Up {
                ns: some_ns.clone(),
                dev: "lo".into(),
            });
            true
        }
        Entry::Unusable(u) => {
            return Err(PlanError::Conflict(format!(
                "{}; remove it with 'vspace-netns down {ns}' and run up again",
                u.describe(&facts.entry)
            )));
        }
        Entry::Missing => {
            steps.push(Step::AddNetns { ns: ns.clone() });
            steps.push(Step::Up {
                ns: some_ns.clone(),
                dev: "lo".into(),
            });
            true
        }
        Entry::Netns(()) => {
            if !facts.inside.get("lo").is_some_and(|l| l.up) {
                steps.push(Step::Up {
                    ns: some_ns.clone(),
                    dev: "lo".into(),
                });
            }
            false
        }
    };
    for link in &zone.links {
        let name = &link.name;
        let peer = match &link.kind {
            Kind::Veth { peer, peer_mac } => Some((peer, *peer_mac)),
            _ => None,
        };
        match facts.inside.get(name) {
            None => {
                if facts.host.contains_key(name) {
                    return Err(PlanError::Conflict(format!(
                        "a link named {name} already exists on the host, outside {ns}; delete or rename it, or give the zone's link another name"
                    )));
                }
                if let Some((p, _)) = peer {
                    if facts.host.contains_key(p) {
                        return Err(PlanError::Conflict(format!(
                            "a link named {p} (the host end of {name}) already exists on the host; delete or rename it, or change {name}'s peer"
                        )));
                    }
                }
                steps.push(Step::AddLink {
                    name: name.clone(),
                    kind: link.kind.clone(),
                });
                steps.push(Step::SetMac {
                    ns: None,
                    dev: name.clone(),
                    mac: link.mac,
                    was: None,
                });
                if let Some((p, pmac)) = peer {
                    steps.push(Step::SetMac {
                        ns: None,
                        dev: p.clone(),
                        mac: pmac,
                        was: None,
                    });
                }
                steps.push(Step::MoveIn {
                    dev: name.clone(),
                    ns: ns.clone(),
                });
                for cidr in &link.addresses {
                    steps.push(Step::AddAddr {
                        ns: ns.clone(),
                        dev: name.clone(),
                        cidr: *cidr,
                    });
                }
                steps.push(Step::Up {
                    ns: some_ns.clone(),
                    dev: name.clone(),
                });
                if let Some((p, _)) = peer {
                    steps.push(Step::Up {
                        ns: None,
                        dev: p.clone(),
                    });
                }
            }
            Some(have) => {
                let host_end = match peer {
                    Some((p, pmac)) => match facts.host.get(p) {
                        Some(h) => Some((p, pmac, h)),
                        None => {
                            return Err(PlanError::Conflict(format!(
                                "{name} is in {ns} but its host end {p} is not on the host; recreate the pair with 'vspace-netns down {ns}' and up"
                            )));
                        }
                    },
                    None => None,
                };
                if have.mac != Some(link.mac) {
                    steps.push(Step::SetMac {
                        ns: some_ns.clone(),
                        dev: name.clone(),
                        mac: link.mac,
                        was: have.mac,
                    });
                }
                if let Some((p, pmac, h)) = host_end {
                    if h.mac != Some(pmac) {
                        steps.push(Step::SetMac {
                            ns: None,
                            dev: p.clone(),
                            mac: pmac,
                            was: h.mac,
                        });
                    }
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
                        ns: some_ns.clone(),
                        dev: name.clone(),
                    });
                }
                if let Some((p, _, h)) = host_end {
                    if !h.up {
                        steps.push(Step::Up {
                            ns: None,
                            dev: p.clone(),
                        });
                    }
                }
            }
        }
    }
    if created {
        if let Some(path) = &facts.vprocunhide {
            steps.push(Step::Unhide {
                ns: ns.clone(),
                path: path.clone(),
            });
        }
    }
    // Last: a failing link step then never touches a guest's file, and a failing edit is
    // undone with the rest. util-vserver's cleanup reads these files after the hook's phase.
    for s in &facts.skips {
        if s.edit.copy_defaults {
            steps.push(Step::CopySkip {
                from: s.defaults.clone(),
                to: s.own.clone(),
            });
        }
        if !s.edit.append.is_empty() {
            steps.push(Step::AppendSkip {
                file: s.own.clone(),
                newline_first: s.edit.newline_first,
                lines: s.edit.append.clone(),
                was: s.own_len,
            });
        }
    }
    Ok(steps)
}

/// The steps that take `zone` down: its links inside (a veth's host end goes with it), a veth
/// pair this tool left on the host, then the entry. Refused while processes live inside,
/// unless `force`.
pub fn plan_down(zone: &Zone, facts: &Facts, force: bool) -> Result<Vec<Step>, PlanError> {
    let ns = &zone.netns;
    if !facts.pids.is_empty() && !force {
        return Err(PlanError::Busy(facts.pids.clone()));
    }
    let mut steps = Vec::new();
    for link in zone.links.iter().rev() {
        if facts.inside.contains_key(&link.name) {
            steps.push(Step::DelLink {
                ns: Some(ns.clone()),
                dev: link.name.clone(),
            });
        } else if let Kind::Veth { peer, .. } = &link.kind {
            // Both ends on the host, each naming the other: the pair an interrupted up left.
            let pair = facts.host.get(&link.name).and_then(|l| l.at.as_deref()) == Some(peer)
                && facts.host.get(peer).and_then(|l| l.at.as_deref()) == Some(&link.name);
            if pair {
                steps.push(Step::DelLink {
                    ns: None,
                    dev: link.name.clone(),
                });
            }
        }
    }
    if facts.netns != Entry::Missing {
        steps.push(Step::DelNetns { ns: ns.clone() });
    }
    Ok(steps)
}

/// The steps that take back `done` (the steps a run completed, in order): links this run
/// made are deleted where they ended up, changes to links that were there are reverted, and a
/// namespace this run made is deleted last. A namespace-cleanup-skip file this run created is
/// removed, one it appended to is cut back to its length before.
pub fn undo(done: &[Step]) -> Vec<Step> {
    // Where each link made by this run is now.
    let mut made: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut out: Vec<(usize, Step)> = Vec::new();
    let mut order: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, step) in done.iter().enumerate() {
        match step {
            Step::AddLink { name, .. } => {
                made.insert(name, None);
                order.insert(name, i);
            }
            Step::MoveIn { dev, ns } => {
                if let Some(at) = made.get_mut(dev.as_str()) {
                    *at = Some(ns.clone());
                }
            }
            Step::AddNetns { ns } => out.push((i, Step::DelNetns { ns: ns.clone() })),
            Step::CopySkip { to, .. } => out.push((i, Step::RemoveSkip { file: to.clone() })),
            Step::AppendSkip {
                file,
                was: Some(len),
                ..
            } => out.push((
                i,
                Step::TruncateSkip {
                    file: file.clone(),
                    len: *len,
                },
            )),
            Step::AppendSkip {
                file, was: None, ..
            } => {
                // A file copied by this run goes with the copy's undo.
                let copied = done[..i]
                    .iter()
                    .any(|s| matches!(s, Step::CopySkip { to, .. } if to == file));
                if !copied {
                    out.push((i, Step::RemoveSkip { file: file.clone() }));
                }
            }
            Step::SetMac {
                ns,
                dev,
                was: Some(old),
                ..
            } if !made.contains_key(dev.as_str()) => out.push((
                i,
                Step::SetMac {
                    ns: ns.clone(),
                    dev: dev.clone(),
                    mac: *old,
                    was: None,
                },
            )),
            Step::AddAddr { ns, dev, cidr } if !made.contains_key(dev.as_str()) => out.push((
                i,
                Step::DelAddr {
                    ns: ns.clone(),
                    dev: dev.clone(),
                    cidr: *cidr,
                },
            )),
            Step::Up { ns, dev }
                if !made.contains_key(dev.as_str()) && !peer_of_made(done, dev) =>
            {
                // lo of a namespace this run made goes with the namespace.
                let fresh = dev == "lo"
                    && done
                        .iter()
                        .any(|s| matches!(s, Step::AddNetns { ns: n } if Some(n) == ns.as_ref()));
                if !fresh {
                    out.push((
                        i,
                        Step::Down {
                            ns: ns.clone(),
                            dev: dev.clone(),
                        },
                    ));
                }
            }
            _ => {}
        }
    }
    for (name, at) in made {
        out.push((
            order[name],
            Step::DelLink {
                ns: at,
                dev: name.to_string(),
            },
        ));
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.0));
    out.into_iter().map(|(_, s)| s).collect()
}

/// Whether `dev` is the host end of a veth this run made (it goes with its pair).
fn peer_of_made(done: &[Step], dev: &str) -> bool {
    done.iter()
        .any(|s| matches!(s, Step::AddLink { kind: Kind::Veth { peer, .. }, .. } if peer == dev))
}

/// Parses `ip -o link show`: name (without `@...`), flags, MAC.
pub fn parse_links(text: &str) -> BTreeMap<String, LinkState> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(_index), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        let name = name.trim_end_matches(':');
        let (name, at) = match name.split_once('@') {
            Some((n, a)) => (n, Some(a.to_string())),
            None => (name, None),
        };
        let flags = line
            .split_once('<')
            .and_then(|(_, r)| r.split_once('>'))
            .map(|(f, _)| f)
            .unwrap_or("");
        let up = flags.split(',').any(|f| f == "UP");
        let mac = line
            .split_once("link/ether ")
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|m| m.parse().ok());
        out.insert(
            name.to_string(),
            LinkState {
                mac,
                up,
                at,
                addresses: Vec::new(),
            },
        );
    }
    out
}

/// Adds the addresses of `ip -o addr show` to the links parsed by [`parse_links`].
pub fn add_addresses(links: &mut BTreeMap<String, LinkState>, text: &str) {
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 4 || !(w[2] == "inet" || w[2] == "inet6") {
            continue;
        }
        if let (Some(l), Ok(c)) = (links.get_mut(w[1]), w[3].parse::<Cidr>()) {
            l.addresses.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::Unusable;
    use crate::zone::config::Link;

    fn mac(s: &str) -> Mac {
        s.parse().unwrap()
    }

    fn zone() -> Zone {
        Zone {
            netns: "z1".into(),
            links: vec![
                Link {
                    name: "m0".into(),
                    kind: Kind::Macvlan {
                        parent: "eth0".into(),
                        mode: "bridge".into(),
                    },
                    mac: mac("02:00:00:00:2a:00"),
                    addresses: vec!["192.0.2.10/24".parse().unwrap()],
                },
                Link {
                    name: "v0".into(),
                    kind: Kind::Veth {
                        peer: "ve-z1".into(),
                        peer_mac: mac("02:00:00:00:2a:03"),
                    },
                    mac: mac("02:00:00:00:2a:02"),
                    addresses: vec![],
                },
            ],
        }
    }

    fn facts() -> Facts {
        Facts {
            entry: "/run/netns/z1".into(),
            netns: Entry::Missing,
            inside: BTreeMap::new(),
            host: BTreeMap::new(),
            vprocunhide: Some("/usr/lib/util-vserver/vprocunhide".into()),
            skips: vec![],
            pids: vec![],
        }
    }

    fn lines(steps: &[Step]) -> Vec<String> {
        steps.iter().map(ToString::to_string).collect()
    }

    fn up_state(m: &str, addrs: &[&str]) -> LinkState {
        LinkState {
            mac: Some(mac(m)),
            up: true,
            at: None,
            addresses: addrs.iter().map(|a| a.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn from_nothing_every_step_in_order() {
        assert_eq!(
            lines(&plan_up(&zone(), &facts()).unwrap()),
            [
                "ip netns add z1",
                "ip -n z1 link set dev lo up",
                "ip link add link eth0 name m0 type macvlan mode bridge",
                "ip link set dev m0 address 02:00:00:00:2a:00",
                "ip link set dev m0 netns z1",
                "ip -n z1 addr add 192.0.2.10/24 dev m0",
                "ip -n z1 link set dev m0 up",
                "ip link add name v0 type veth peer name ve-z1",
                "ip link set dev v0 address 02:00:00:00:2a:02",
                "ip link set dev ve-z1 address 02:00:00:00:2a:03",
                "ip link set dev v0 netns z1",
                "ip -n z1 link set dev v0 up",
                "ip link set dev ve-z1 up",
                "ip netns exec z1 /usr/lib/util-vserver/vprocunhide",
            ]
        );
    }

    fn all_up() -> Facts {
        let mut f = facts();
        f.netns = Entry::Netns(());
        f.inside
            .insert("lo".into(), up_state("00:16:3e:00:00:01", &[]));
        f.inside.insert(
            "m0".into(),
            up_state("02:00:00:00:2a:00", &["192.0.2.10/24", "fe80::1/64"]),
        );
        f.inside
            .insert("v0".into(), up_state("02:00:00:00:2a:02", &[]));
        f.host
            .insert("ve-z1".into(), up_state("02:00:00:00:2a:03", &[]));
        f
    }

    #[test]
    fn up_as_configured_plans_nothing() {
        assert_eq!(plan_up(&zone(), &all_up()).unwrap(), []);
    }

    /// web: no file of its own (copy of .defaults); db: 17 bytes; new: no file anywhere.
    fn skips() -> Vec<SkipFact> {
        let fact = |guest: &str, own_len, copy_defaults, newline_first, append: &[&str]| SkipFact {
            own: format!("/v/{guest}/namespace-cleanup-skip").into(),
            defaults: "/v/.defaults/namespace-cleanup-skip".into(),
            own_len,
            edit: SkipEdit {
                copy_defaults,
                newline_first,
                append: append.iter().map(|l| l.to_string()).collect(),
            },
        };
        vec![
            fact("web", None, true, true, &["/run/netns", "/run/netns/*"]),
            fact("db", Some(17), false, false, &["/run/netns"]),
            fact("new", None, false, false, &["/run/netns"]),
        ]
    }

    #[test]
    fn skip_edits_come_last_and_are_undone_exactly() {
        let mut f = facts();
        f.skips = skips();
        let steps = plan_up(&zone(), &f).unwrap();
        let first_edit = steps
            .iter()
            .position(|s| matches!(s, Step::CopySkip { .. } | Step::AppendSkip { .. }))
            .unwrap();
        assert_eq!(first_edit, 14, "{:?}", lines(&steps));
        assert_eq!(
            lines(&steps[13..15]),
            [
                "ip netns exec z1 /usr/lib/util-vserver/vprocunhide",
                "cp /v/.defaults/namespace-cleanup-skip /v/web/namespace-cleanup-skip",
            ]
        );
        let tail = [
            "ip -n z1 link del dev v0",
            "ip -n z1 link del dev m0",
            "ip netns delete z1",
        ];
        // A failed link step: no guest file was touched, none is in the undo.
        assert!(undo(&steps[..10]).iter().all(|s| s.ip_argv().is_some()));
        // The copy done, its append failed: the copy is removed, then the links and netns.
        assert_eq!(
            lines(&undo(&steps[..15])),
            [&["rm /v/web/namespace-cleanup-skip"][..], &tail].concat()
        );
        // db's append failed: web's copy and lines go with the copy.
        assert_eq!(
            lines(&undo(&steps[..16])),
            [&["rm /v/web/namespace-cleanup-skip"][..], &tail].concat()
        );
        assert_eq!(
            lines(&undo(&steps)),
            [
                &[
                    "rm /v/new/namespace-cleanup-skip",
                    "truncate -s 17 /v/db/namespace-cleanup-skip",
                    "rm /v/web/namespace-cleanup-skip",
                ][..],
                &tail
            ]
            .concat()
        );
    }

    #[test]
    fn only_differences_are_planned() {
        let mut f = all_up();
        f.inside.get_mut("lo").unwrap().up = false;
        f.inside.get_mut("m0").unwrap().addresses.clear();
        f.inside.get_mut("v0").unwrap().mac = Some(mac("02:99:00:00:00:01"));
        f.host.get_mut("ve-z1").unwrap().up = false;
        f.skips = skips();
        let steps = plan_up(&zone(), &f).unwrap();
        assert_eq!(
            lines(&steps),
            [
                "ip -n z1 link set dev lo up",
                "ip -n z1 addr add 192.0.2.10/24 dev m0",
                "ip -n z1 link set dev v0 address 02:00:00:00:2a:02",
                "ip link set dev ve-z1 up",
                "cp /v/.defaults/namespace-cleanup-skip /v/web/namespace-cleanup-skip",
                "printf '\\n%s\\n' /run/netns '/run/netns/*' >> /v/web/namespace-cleanup-skip",
                "printf '%s\\n' /run/netns >> /v/db/namespace-cleanup-skip",
                "printf '%s\\n' /run/netns >> /v/new/namespace-cleanup-skip",
            ]
        );
        assert_eq!(
            lines(&undo(&steps)),
            [
                "rm /v/new/namespace-cleanup-skip",
                "truncate -s 17 /v/db/namespace-cleanup-skip",
                "rm /v/web/namespace-cleanup-skip",
                "ip link set dev ve-z1 down",
                "ip -n z1 link set dev v0 address 02:99:00:00:00:01",
                "ip -n z1 addr del 192.0.2.10/24 dev m0",
                "ip -n z1 link set dev lo down",
            ]
        );
    }

    #[test]
    fn a_stale_entry_of_the_zone_is_remade() {
        let mut stale = facts();
        stale.netns = Entry::Unusable(Unusable::Stale);
        let steps = plan_up(&zone(), &stale).unwrap();
        let mut missing = facts();
        missing.netns = Entry::Missing;
        let fresh = plan_up(&zone(), &missing).unwrap();
        assert_eq!(lines(&steps[..1]), ["ip netns delete z1"]);
        assert_eq!(steps[1..], fresh[..]);
        // Undone, the new namespace goes; the stale entry was dead anyway.
        assert_eq!(lines(&undo(&steps[..3])), ["ip netns delete z1"]);
    }

    #[test]
    fn name_clashes_are_refused() {
        let mut on_host = facts();
        on_host.host.insert("m0".into(), LinkState::default());
        let mut peer_on_host = facts();
        peer_on_host
            .host
            .insert("ve-z1".into(), LinkState::default());
        let mut peer_gone = all_up();
        peer_gone.host.clear();
        let mut symlink = facts();
        symlink.netns = Entry::Unusable(Unusable::Symlink);
        let table = [
            (
                on_host,
                "a link named m0 already exists on the host, outside z1",
            ),
            (
                peer_on_host,
                "a link named ve-z1 (the host end of v0) already exists",
            ),
            (
                peer_gone,
                "v0 is in z1 but its host end ve-z1 is not on the host",
            ),
            (
                symlink,
                "/run/netns/z1 is a symbolic link, not a namespace mount; remove it with 'vspace-netns down z1'",
            ),
        ];
        for (f, want) in table {
            match plan_up(&zone(), &f) {
                Err(PlanError::Conflict(m)) => assert!(m.starts_with(want), "{m}"),
                other => panic!("{want}: {other:?}"),
            }
        }
    }

    #[test]
    fn existing_namespace_without_unhide() {
        let mut f = all_up();
        f.inside.remove("v0");
        f.host.clear();
        assert_eq!(
            lines(&plan_up(&zone(), &f).unwrap()),
            [
                "ip link add name v0 type veth peer name ve-z1",
                "ip link set dev v0 address 02:00:00:00:2a:02",
                "ip link set dev ve-z1 address 02:00:00:00:2a:03",
                "ip link set dev v0 netns z1",
                "ip -n z1 link set dev v0 up",
                "ip link set dev ve-z1 up",
            ]
        );
    }

    #[test]
    fn undo_takes_back_what_was_made_where_it_ended_up() {
        let steps = plan_up(&zone(), &facts()).unwrap();
        // Failed at "ip link set dev v0 netns z1": v0 (and its peer) are still on the host.
        assert_eq!(
            lines(&undo(&steps[..10])),
            [
                "ip link del dev v0",
                "ip -n z1 link del dev m0",
                "ip netns delete z1"
            ]
        );
        assert_eq!(
            lines(&undo(&steps[..3])),
            ["ip link del dev m0", "ip netns delete z1"]
        );
        assert_eq!(
            lines(&undo(&steps)),
            [
                "ip -n z1 link del dev v0",
                "ip -n z1 link del dev m0",
                "ip netns delete z1"
            ]
        );
        assert_eq!(undo(&[]), []);
    }

    #[test]
    fn down_deletes_links_then_the_entry() {
        let f = all_up();
        assert_eq!(
            lines(&plan_down(&zone(), &f, false).unwrap()),
            [
                "ip -n z1 link del dev v0",
                "ip -n z1 link del dev m0",
                "ip netns delete z1"
            ]
        );
        assert_eq!(plan_down(&zone(), &facts(), false).unwrap(), []);
        let mut busy = all_up();
        busy.pids = vec![42, 7];
        assert_eq!(
            plan_down(&zone(), &busy, false).unwrap_err(),
            PlanError::Busy(vec![42, 7])
        );
        assert_eq!(plan_down(&zone(), &busy, true).unwrap().len(), 3);
        let mut stale = facts();
        stale.netns = Entry::Unusable(Unusable::Stale);
        let mut pair = |n: &str, at: &str| {
            stale.host.insert(
                n.into(),
                LinkState {
                    at: Some(at.into()),
                    ..LinkState::default()
                },
            );
        };
        pair("v0", "ve-z1");
        pair("ve-z1", "v0");
        assert_eq!(
            lines(&plan_down(&zone(), &stale, false).unwrap()),
            ["ip link del dev v0", "ip netns delete z1"]
        );
    }

    #[test]
    fn ip_output_is_parsed() {
        let links = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n\
7: zzm0@if6: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000\\    link/ether d2:d5:10:86:09:0f brd ff:ff:ff:ff:ff:ff link-netnsid 0\n\
5: zzp1@zzp0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether 0e:b1:93:c2:4b:ba brd ff:ff:ff:ff:ff:ff\n";
        let mut l = parse_links(links);
        add_addresses(
            &mut l,
            "7: zzm0    inet 10.1.0.2/24 scope global zzm0\\       valid_lft forever preferred_lft forever\n\
7: zzm0    inet6 fd00::1/64 scope global tentative \\       valid_lft forever preferred_lft forever\n",
        );
        assert_eq!(l.len(), 3);
        assert!(l["lo"].up && l["lo"].mac.is_none());
        assert_eq!(
            l["zzm0"],
            LinkState {
                mac: Some(mac("d2:d5:10:86:09:0f")),
                up: true,
                at: Some("if6".into()),
                addresses: vec![
                    "10.1.0.2/24".parse().unwrap(),
                    "fd00::1/64".parse().unwrap()
                ],
            }
        );
        assert!(!l["zzp1"].up);
        assert_eq!(l["zzp1"].at.as_deref(), Some("zzp0"));
    }
}
