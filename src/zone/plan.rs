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

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::netns::{Entry, Unusable};
use crate::zone::config::{self, Cidr, Link, Route, SkipEdit, Zone};
use crate::zone::ifaces::GuestAddr;
use crate::zone::mac::Mac;
use crate::zone::script;

/// The alias that marks what `up` made for `zone`.
pub fn mark(zone: &str) -> String {
    format!("vspace-netns:{zone}")
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
    /// For a stale entry: a process (the first of `pids`) in the zone's namespace, which lives
    /// on without its entry (found through `/proc/PID/ns/net`: its `lo` carries the zone's
    /// mark); `inside` and `routes` are then that namespace's.
    pub found: Option<i32>,
    /// Whether the kernel can make 802.1Q VLAN links (probed only for a zone that has VLAN
    /// links to make; `None`: not probed).
    pub vlan: Option<bool>,
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
            sysctls: BTreeMap::new(),
            macs_elsewhere: BTreeMap::new(),
            vprocunhide: None,
            skips: Vec::new(),
            pids: Vec::new(),
            found: None,
            vlan: None,
        }
    }
}

/// One step; `ns: None` means the host's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `cp FROM TO`: a guest's namespace-cleanup-skip started from `.defaults`.
    CopySkip {
        from: PathBuf,
        to: PathBuf,
    },
    /// One line appended to a guest's namespace-cleanup-skip.
    AppendSkip {
        file: PathBuf,
        newline_first: bool,
        line: String,
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
    /// `ip netns attach NS PID`: the entry made again for the namespace `pid` lives in.
    AttachNetns {
        ns: String,
        pid: i32,
    },
    /// Creates the link directly inside `ns` under the name `temp` ([`temp_name`]), with its
    /// MAC and MTU (a veth's host end in the host's namespace, with its final name and own MAC).
    AddLink {
        ns: String,
        link: Link,
        temp: String,
    },
    /// Renames a link inside `ns` (`dev` to `name`): a new link gets its final name.
    Rename {
        ns: String,
        dev: String,
        name: String,
    },
    /// Sets IFLA_IFALIAS (an empty alias removes it).
    SetAlias {
        ns: Option<String>,
        dev: String,
        alias: String,
    },
    SetMac {
        ns: Option<String>,
        dev: String,
        mac: Mac,
        /// The address before, to restore it on rollback.
        was: Option<Mac>,
    },
    SetMtu {
        ns: Option<String>,
        dev: String,
        mtu: u32,
        was: Option<u32>,
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
    AddRoute {
        ns: String,
        route: Route,
    },
    DelRoute {
        ns: String,
        route: Route,
    },
    /// Writes `/proc/sys/KEY` inside `ns`.
    SetSysctl {
        ns: String,
        key: String,
        value: String,
        was: Option<String>,
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
    /// A guest's address (util-vserver's `interfaces/N`) added inside its zone, with
    /// util-vserver's words (`zone::ifaces`).
    AddGuestAddr {
        ns: String,
        addr: GuestAddr,
    },
    DelGuestAddr {
        ns: String,
        addr: GuestAddr,
    },
    /// A guest's `vlandev`: the VLAN device made inside the zone on one of the zone's links,
    /// under its temporary name (`ifaces::vlan_temp_name`), then marked and renamed.
    AddVlanIn {
        ns: String,
        parent: String,
        temp: String,
        vid: u16,
    },
    /// A guest's `interfaces/N/nodev`, created holding `ifaces::NODEV_TEXT` (taken back with
    /// [`Step::RemoveSkip`]).
    WriteNodev {
        file: PathBuf,
    },
}

/// How a printed line names a namespace: by name under the run dir `ip` knows, or by path
/// under another (`NETNS_RUN_DIR`), through `nsenter --net=PATH` and `netns PATH`.
struct Printer<'a> {
    run_dir: &'a Path,
}

impl Printer<'_> {
    fn default_dir(&self) -> bool {
        self.run_dir == Path::new("/var/run/netns") || self.run_dir == Path::new("/run/netns")
    }

    fn path(&self, ns: &str) -> String {
        self.run_dir.join(ns).to_string_lossy().into_owned()
    }

    /// `ip [-n NS] REST`.
    fn ip(&self, ns: &Option<String>, rest: &[&str]) -> Vec<String> {
        let mut v = Vec::new();
        match ns {
            Some(n) if !self.default_dir() => {
                v.push("nsenter".into());
                v.push(format!("--net={}", self.path(n)));
                v.push("ip".into());
            }
            Some(n) => v.extend(["ip".into(), "-n".into(), n.clone()]),
            None => v.push("ip".into()),
        }
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    }

    /// The `netns` operand of `ip link add`.
    fn netns_operand(&self, ns: &str) -> String {
        if self.default_dir() {
            ns.to_string()
        } else {
            self.path(ns)
        }
    }

    /// The words of `ip netns add|delete NS`.
    fn netns_cmd(&self, verb: &str, ns: &str) -> Vec<String> {
        let mut v = Vec::new();
        if !self.default_dir() {
            v.push(format!("NETNS_RUN_DIR={}", self.run_dir.to_string_lossy()));
        }
        v.extend(["ip".into(), "netns".into(), verb.into(), ns.into()]);
        v
    }

    /// A program run inside `ns`.
    fn exec_in(&self, ns: &str, argv: &[&str]) -> Vec<String> {
        let mut v = if self.default_dir() {
            vec!["ip".into(), "netns".into(), "exec".into(), ns.to_string()]
        } else {
            vec!["nsenter".into(), format!("--net={}", self.path(ns))]
        };
        v.extend(argv.iter().map(|s| s.to_string()));
        v
    }

    fn words(&self, step: &Step) -> Vec<String> {
        let host = &None;
        let some = |n: &String| Some(n.clone());
        match step {
            Step::CopySkip { .. }
            | Step::AppendSkip { .. }
            | Step::RemoveSkip { .. }
            | Step::TruncateSkip { .. }
            | Step::WriteNodev { .. } => unreachable!("file steps print themselves"),
            Step::AddNetns { ns } => self.netns_cmd("add", ns),
            Step::DelNetns { ns } => self.netns_cmd("delete", ns),
            Step::AttachNetns { ns, pid } => {
                let mut w = self.netns_cmd("attach", ns);
                w.push(pid.to_string());
                w
            }
            Step::AddLink { ns, link, temp } => {
                let mut w: Vec<String> = vec!["link".into(), "add".into()];
                if let Some(p) = link.kind.parent() {
                    w.extend(["link".into(), p.to_string()]);
                }
                w.extend([
                    "name".into(),
                    temp.clone(),
                    "netns".into(),
                    self.netns_operand(ns),
                    "address".into(),
                    link.mac.to_string(),
                ]);
                let mtu: Vec<String> = link
                    .mtu
                    .map(|m| vec!["mtu".into(), m.to_string()])
                    .unwrap_or_default();
                w.extend(mtu.clone());
                w.extend(["type".into(), link.kind.type_name().into()]);
                w.extend(link.kind.type_args());
                if let Some((peer, pmac)) = link.kind.peer() {
                    w.extend([
                        "peer".into(),
                        "name".into(),
                        peer.to_string(),
                        "address".into(),
                        pmac.to_string(),
                    ]);
                    w.extend(mtu);
                }
                let r: Vec<&str> = w.iter().map(String::as_str).collect();
                self.ip(host, &r)
            }
            Step::SetAlias { ns, dev, alias } => {
                self.ip(ns, &["link", "set", "dev", dev, "alias", alias])
            }
            Step::Rename { ns, dev, name } => {
                self.ip(&some(ns), &["link", "set", "dev", dev, "name", name])
            }
            Step::SetMac { ns, dev, mac, .. } => self.ip(
                ns,
                &["link", "set", "dev", dev, "address", &mac.to_string()],
            ),
            Step::SetMtu { ns, dev, mtu, .. } => {
                self.ip(ns, &["link", "set", "dev", dev, "mtu", &mtu.to_string()])
            }
            Step::AddAddr { ns, dev, cidr } => {
                self.ip(&some(ns), &["addr", "add", &cidr.to_string(), "dev", dev])
            }
            Step::DelAddr { ns, dev, cidr } => {
                self.ip(&some(ns), &["addr", "del", &cidr.to_string(), "dev", dev])
            }
            Step::AddRoute { ns, route } | Step::DelRoute { ns, route } => {
                let verb = if matches!(step, Step::AddRoute { .. }) {
                    "add"
                } else {
                    "del"
                };
                let fam = if route.is_v6() { "-6" } else { "-4" };
                let mut r = vec![fam, "route", verb];
                let words = route.words();
                r.extend(words.iter().map(String::as_str));
                self.ip(&some(ns), &r)
            }
            Step::SetSysctl { ns, key, value, .. } => {
                self.exec_in(ns, &["sysctl", "-q", "-w", &format!("{key}={value}")])
            }
            Step::Up { ns, dev } => self.ip(ns, &["link", "set", "dev", dev, "up"]),
            Step::Down { ns, dev } => self.ip(ns, &["link", "set", "dev", dev, "down"]),
            Step::Unhide { ns, path } => self.exec_in(ns, &[path]),
            Step::DelLink { ns, dev } => self.ip(ns, &["link", "del", "dev", dev]),
            Step::AddGuestAddr { ns, addr } | Step::DelGuestAddr { ns, addr } => {
                let verb = if matches!(step, Step::AddGuestAddr { .. }) {
                    "add"
                } else {
                    "del"
                };
                let words = addr.words(verb == "add");
                let mut r = vec!["addr", verb];
                r.extend(words.iter().map(String::as_str));
                self.ip(&some(ns), &r)
            }
            Step::AddVlanIn {
                ns,
                parent,
                temp,
                vid,
            } => self.ip(
                &some(ns),
                &[
                    "link",
                    "add",
                    "link",
                    parent,
                    "name",
                    temp,
                    "type",
                    "vlan",
                    "id",
                    &vid.to_string(),
                ],
            ),
        }
    }
}

impl Step {
    /// The step as one shell command line, namespaces named under `run_dir`.
    pub fn line(&self, run_dir: &Path) -> String {
        let p = |f: &Path| script::word(&f.to_string_lossy());
        match self {
            Step::CopySkip { from, to } => format!("cp {} {}", p(from), p(to)),
            Step::AppendSkip {
                file,
                newline_first,
                line,
                ..
            } => format!(
                "printf {} {} >> {}",
                if *newline_first {
                    "'\\n%s\\n'"
                } else {
                    "'%s\\n'"
                },
                script::word(line),
                p(file)
            ),
            Step::RemoveSkip { file } => format!("rm {}", p(file)),
            Step::TruncateSkip { file, len } => format!("truncate -s {len} {}", p(file)),
            Step::WriteNodev { file } => format!(
                "printf '%s\\n' {} > {}",
                script::word(crate::zone::ifaces::NODEV_TEXT),
                p(file)
            ),
            other => script::line(&Printer { run_dir }.words(other)),
        }
    }

    /// Whether the step runs in (or creates, or deletes) a network namespace, rather than on
    /// a guest's file.
    pub fn is_network(&self) -> bool {
        !matches!(
            self,
            Step::CopySkip { .. }
                | Step::AppendSkip { .. }
                | Step::RemoveSkip { .. }
                | Step::TruncateSkip { .. }
                | Step::WriteNodev { .. }
        )
    }
}

impl fmt::Display for Step {
    /// The line under the default run dir (`ip -n NAME ...`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line(Path::new(crate::netns::DEFAULT_RUN_DIR)))
    }
}

/// Why a zone cannot be planned as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// A message naming the problem and the fix.
    Conflict(String),
    /// `down` without `--force` while processes live in the namespace.
    Busy(Vec<i32>),
    /// `down` without `--force` would delete these, which carry no mark of this zone.
    Unmarked(Vec<String>),
}

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
                check_peer_free(&zone.netns, link, facts, half_made)?;
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
    check_vlan(zone, facts, &steps)?;
    check_macs(&steps, facts)?;
    plan_routes(zone, facts, &mut steps)?;
    plan_sysctls(zone, facts, &mut steps);
    if created {
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

/// A VLAN link to make where the kernel has no 802.1Q support (probed by the shell).
fn check_vlan(zone: &Zone, facts: &Facts, steps: &[Step]) -> Result<(), PlanError> {
    let vlan = steps.iter().find_map(|s| match s {
        Step::AddLink { link, .. }
            if matches!(link.kind, crate::zone::config::Kind::Vlan { .. }) =>
        {
            Some(&link.name)
        }
        _ => None,
    });
    match (vlan, facts.vlan) {
        (Some(name), Some(false)) => Err(PlanError::Conflict(format!(
            "the VLAN link {name} of zone {} cannot be made: this kernel has no 802.1Q VLAN support (the module 8021q is neither loaded nor loadable); load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)",
            zone.netns
        ))),
        _ => Ok(()),
    }
}

/// A veth whose host end's name is taken on the host cannot be created. What carries this
/// zone's mark is never advised away: the zone's namespace lives on. With `half_made` (the
/// zone end left under its temporary name, deleted first), a veth host end that carries this
/// zone's mark or none is that pair's, and goes with it.
fn check_peer_free(ns: &str, link: &Link, facts: &Facts, half_made: bool) -> Result<(), PlanError> {
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
            if facts.host[p].alias.as_deref() == Some(mark(ns).as_str()) {
                return Err(PlanError::Conflict(format!(
                    "the host end {p} of {name} carries this zone's mark: the zone's namespace lives on, unreachable from {} (no process this host's /proc shows is in it; a mount elsewhere or an open file holds it); take it down with 'vspace-netns down {ns}' (deletes {p} and the pair) and run up again",
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
    let some_ns = Some(ns.clone());
    let name = &link.name;
    let host_end = match link.kind.peer() {
        Some((p, pmac)) => match facts.host.get(p) {
            Some(h) => Some((p, pmac, h)),
            None => {
                // Deleting the inside end takes the pair with it, wherever the host end went
                // (renamed, moved); `down` would refuse an unmarked link, or a zone in use.
                let run_dir = facts.entry.parent().unwrap_or(Path::new("/run/netns"));
                let del = Step::DelLink {
                    ns: some_ns.clone(),
                    dev: name.clone(),
                };
                return Err(PlanError::Conflict(format!(
                    "{name} is in {ns} but its host end {p} is not on the host (renamed, or moved to another namespace); delete the pair with '{}' and run up again to make it anew",
                    del.line(run_dir)
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
    if let Some(mtu) = link.mtu {
        if have.mtu != Some(mtu) {
            steps.push(Step::SetMtu {
                ns: some_ns.clone(),
                dev: name.clone(),
                mtu,
                was: have.mtu,
            });
        }
    }
    if let Some((p, pmac, h)) = host_end {
        if h.mac != Some(pmac) {
            steps.push(Step::SetMac {
                ns: None,
                dev: p.to_string(),
                mac: pmac,
                was: h.mac,
            });
        }
        // The host end gets the same MTU (vspace-netns-zones(5), links/IF/mtu).
        if let Some(mtu) = link.mtu {
            if h.mtu != Some(mtu) {
                steps.push(Step::SetMtu {
                    ns: None,
                    dev: p.to_string(),
                    mtu,
                    was: h.mtu,
                });
            }
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
            ns: some_ns,
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

/// Refuses a MAC this plan would set that another configured zone or a host link uses.
fn check_macs(steps: &[Step], facts: &Facts) -> Result<(), PlanError> {
    for s in steps {
        let set: Vec<(String, Mac)> = match s {
            Step::AddLink { link, .. } => std::iter::once((link.name.clone(), link.mac))
                .chain(link.kind.peer().map(|(p, m)| (p.to_string(), m)))
                .collect(),
            Step::SetMac { dev, mac, .. } => vec![(dev.clone(), *mac)],
            _ => continue,
        };
        for (dev, mac) in set {
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

/// The steps that take `zone` down: its links inside (a veth's host end goes with it), then
/// the entry. Refused while processes live inside, and for links (configured or not) or a
/// namespace that carry no mark of this zone (`up` did not make them), unless `force`.
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

pub fn plan_down(zone: &Zone, facts: &Facts, force: bool) -> Result<Vec<Step>, PlanError> {
    let ns = &zone.netns;
    if !facts.pids.is_empty() && !force {
        return Err(PlanError::Busy(facts.pids.clone()));
    }
    let want = mark(ns);
    let marked = |l: &LinkState| l.alias.as_deref() == Some(want.as_str());
    // A configured link's temporary name: a half-made link of this zone's `up`.
    let temps: Vec<String> = zone.links.iter().map(|l| temp_name(ns, &l.name)).collect();
    let mut unmarked = Vec::new();
    let mut steps = Vec::new();
    // The configured links (last made, first deleted), then any other link inside but lo:
    // deleting the namespace would delete them all, so each must carry the mark too.
    let names = zone
        .links
        .iter()
        .rev()
        .map(|l| l.name.as_str())
        .chain(unconfigured(zone, facts));
    // A stale entry's namespace that lives on is not entered through the entry: see below.
    let live = facts.netns == Entry::Netns(());
    for name in names.filter(|_| live) {
        if let Some(l) = facts.inside.get(name) {
            // A guest's VLAN device under its temporary name (a start killed before its mark)
            // goes with the namespace, as a marked one does: deleted explicitly it might be
            // gone already, with its parent, a link of the zone deleted before it.
            if crate::zone::ifaces::is_vlan_temp(ns, name, l) {
                continue;
            }
            let half_made = temps.iter().any(|t| t == name);
            if !marked(l) && !force && !half_made {
                unmarked.push(format!("link {name} in {ns} ({})", alias_shown(&l.alias)));
                continue;
            }
            steps.push(Step::DelLink {
                ns: Some(ns.clone()),
                dev: name.to_string(),
            });
        }
    }
    match &facts.netns {
        // No entry: nothing, unless the namespace was found alive by its marked lo; then its
        // host ends go (there is no entry to remove).
        Entry::Missing => {
            if facts.found.is_some() {
                steps.extend(marked_host_ends(zone, facts, &marked));
            }
        }
        Entry::Netns(()) => {
            let lo = facts.inside.get("lo").cloned().unwrap_or_default();
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

/// Each unconfigured link inside as a difference and its fix, `(WHAT, FIX)`: `link X inside
/// is not configured`, `delete it: ip -n ZONE link del dev X` (or add it to the configuration).
pub fn unconfigured_items(zone: &Zone, facts: &Facts) -> Vec<(String, String)> {
    let run_dir = facts.entry.parent().unwrap_or(Path::new("/run/netns"));
    unconfigured(zone, facts)
        .map(|dev| {
            let del = Step::DelLink {
                ns: Some(zone.netns.clone()),
                dev: dev.to_string(),
            };
            let half_made = facts
                .inside
                .get(dev)
                .is_some_and(|l| crate::zone::ifaces::is_vlan_temp(&zone.netns, dev, l));
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
        .collect()
}

fn alias_shown(alias: &Option<String>) -> String {
    match alias {
        None => "no alias".into(),
        Some(a) => format!("alias '{}'", crate::quote::escape(std::ffi::OsStr::new(a))),
    }
}

/// The steps that take back `done` (the steps a run completed, in order): links this run
/// made are deleted, changes to links that were there are reverted, and a namespace this run
/// made is deleted last (with everything inside it). A namespace-cleanup-skip file this run
/// created is removed, one it appended to is cut back to its length before.
pub fn undo(done: &[Step]) -> Vec<Step> {
    let made = Made::by(done);
    let mut out: Vec<Step> = Vec::new();
    let mut truncated: Vec<&Path> = Vec::new();
    for (i, step) in done.iter().enumerate() {
        let u = match step {
            // Deleted under the name it has now: its final one once renamed.
            Step::AddLink { ns, temp, .. } | Step::AddVlanIn { ns, temp, .. } => {
                Some(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: renamed(&done[i..], temp).unwrap_or(temp).to_string(),
                })
            }
            Step::AddNetns { ns } => Some(Step::DelNetns { ns: ns.clone() }),
            Step::AddGuestAddr { ns, addr } => Some(Step::DelGuestAddr {
                ns: ns.clone(),
                addr: addr.clone(),
            }),
            Step::WriteNodev { file } => Some(Step::RemoveSkip { file: file.clone() }),
            Step::CopySkip { to, .. } => Some(Step::RemoveSkip { file: to.clone() }),
            Step::AppendSkip { file, was, .. } => {
                undo_append(file, *was, &done[..i], &mut truncated)
            }
            other => restore(other, &made),
        };
        out.extend(u);
    }
    out.reverse();
    out
}

/// The name the link made as `temp` was renamed to by one of `after`.
fn renamed<'a>(after: &'a [Step], temp: &str) -> Option<&'a str> {
    after.iter().find_map(|s| match s {
        Step::Rename { dev, name, .. } if dev == temp => Some(name.as_str()),
        _ => None,
    })
}

/// What a run made (the namespace, links and their veth host ends): changes inside it go
/// with it (links made are deleted explicitly: a veth's host end then goes at once).
struct Made<'a> {
    ns: bool,
    links: Vec<&'a str>,
    peers: Vec<&'a str>,
}

impl<'a> Made<'a> {
    fn by(done: &'a [Step]) -> Made<'a> {
        let added = || {
            done.iter().filter_map(|s| match s {
                Step::AddLink { link, .. } => Some(link),
                _ => None,
            })
        };
        Made {
            ns: done.iter().any(|s| matches!(s, Step::AddNetns { .. })),
            links: done
                .iter()
                .filter_map(|s| match s {
                    Step::AddLink { link, temp, .. } => Some([link.name.as_str(), temp.as_str()]),
                    Step::AddVlanIn { temp, .. } => {
                        Some([temp.as_str(), renamed(done, temp).unwrap_or(temp)])
                    }
                    _ => None,
                })
                .flatten()
                .collect(),
            peers: added()
                .filter_map(|l| l.kind.peer().map(|(p, _)| p))
                .collect(),
        }
    }

    /// Whether `dev` in `ns` (None: the host) goes with what the run made.
    fn owns(&self, ns: &Option<String>, dev: &str) -> bool {
        self.links.contains(&dev) || self.peers.contains(&dev) || (self.ns && ns.is_some())
    }
}

/// An append to a cleanup-skip file is taken back by truncating to its length before (or
/// removing a file it created), once per file, and not at all for a copy this run made (the
/// copy's removal takes it back). `before`: the steps done before it.
fn undo_append<'a>(
    file: &'a PathBuf,
    was: Option<u64>,
    before: &[Step],
    truncated: &mut Vec<&'a Path>,
) -> Option<Step> {
    let copied = before
        .iter()
        .any(|s| matches!(s, Step::CopySkip { to, .. } if to == file));
    if copied || truncated.contains(&file.as_path()) {
        return None;
    }
    truncated.push(file);
    Some(match was {
        Some(len) => Step::TruncateSkip {
            file: file.clone(),
            len,
        },
        None => Step::RemoveSkip { file: file.clone() },
    })
}

/// The step that puts back what `step` changed on something the run did not make.
fn restore(step: &Step, made: &Made) -> Option<Step> {
    match step {
        Step::SetMac {
            ns,
            dev,
            was: Some(old),
            ..
        } if !made.owns(ns, dev) => Some(Step::SetMac {
            ns: ns.clone(),
            dev: dev.clone(),
            mac: *old,
            was: None,
        }),
        Step::SetMtu {
            ns,
            dev,
            was: Some(old),
            ..
        } if !made.owns(ns, dev) => Some(Step::SetMtu {
            ns: ns.clone(),
            dev: dev.clone(),
            mtu: *old,
            was: None,
        }),
        Step::AddAddr { ns, dev, cidr } if !made.owns(&Some(ns.clone()), dev) => {
            Some(Step::DelAddr {
                ns: ns.clone(),
                dev: dev.clone(),
                cidr: *cidr,
            })
        }
        Step::AddRoute { ns, route } if !made.ns => Some(Step::DelRoute {
            ns: ns.clone(),
            route: route.clone(),
        }),
        Step::SetSysctl {
            ns,
            key,
            was: Some(old),
            ..
        } if !made.ns => Some(Step::SetSysctl {
            ns: ns.clone(),
            key: key.clone(),
            value: old.clone(),
            was: None,
        }),
        Step::Up { ns, dev } if !made.owns(ns, dev) => Some(Step::Down {
            ns: ns.clone(),
            dev: dev.clone(),
        }),
        _ => None,
    }
}

/// Each MAC with its users: (zone, who).
pub type MacUsers = BTreeMap<Mac, Vec<(String, String)>>;

/// Every MAC the zones' configurations give, with who gives it (`link X of zone Z`, `host end
/// X of link Y of zone Z`); and the clashes between different zones, as messages.
pub fn zone_macs(zones: &[Zone]) -> (MacUsers, Vec<String>) {
    let mut by_mac: BTreeMap<Mac, Vec<(String, String)>> = BTreeMap::new();
    for z in zones {
        for l in &z.links {
            by_mac.entry(l.mac).or_default().push((
                z.netns.clone(),
                format!("link {} of zone {}", l.name, z.netns),
            ));
            if let Some((p, m)) = l.kind.peer() {
                by_mac.entry(m).or_default().push((
                    z.netns.clone(),
                    format!("host end {p} of link {} of zone {}", l.name, z.netns),
                ));
            }
        }
    }
    let clashes = by_mac
        .iter()
        .filter(|(_, users)| users.iter().any(|u| u.0 != users[0].0))
        .map(|(m, users)| {
            format!(
                "MAC {m} is given to {}",
                users
                    .iter()
                    .map(|u| u.1.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        })
        .collect();
    (by_mac, clashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::Unusable;
    use crate::zone::config::Kind;

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
                    mtu: None,
                    addresses: vec!["192.0.2.10/24".parse().unwrap()],
                },
                Link {
                    name: "v0".into(),
                    kind: Kind::Veth {
                        peer: "ve-z1".into(),
                        peer_mac: mac("02:00:00:00:2a:03"),
                    },
                    mac: mac("02:00:00:00:2a:02"),
                    mtu: Some(1400),
                    addresses: vec![],
                },
            ],
            routes: vec![Route {
                dst: "0.0.0.0/0".parse().unwrap(),
                via: Some("192.0.2.1".parse().unwrap()),
                dev: None,
                metric: None,
                table: None,
            }],
            sysctls: vec![config::Sysctl {
                key: "net.ipv4.ip_forward".into(),
                value: "1".into(),
                optional: false,
            }],
        }
    }

    fn facts() -> Facts {
        let mut f = Facts::empty("/run/netns/z1".into());
        f.vprocunhide = Some("/usr/lib/util-vserver/vprocunhide".into());
        f.host.insert(
            "eth0".into(),
            LinkState {
                up: true,
                mtu: Some(1500),
                ..LinkState::default()
            },
        );
        f
    }

    fn lines(steps: &[Step]) -> Vec<String> {
        steps.iter().map(ToString::to_string).collect()
    }

    fn state(m: &str, addrs: &[&str], alias: Option<&str>) -> LinkState {
        LinkState {
            mac: Some(mac(m)),
            up: true,
            mtu: Some(1400),
            alias: alias.map(str::to_string),
            addresses: addrs.iter().map(|a| a.parse().unwrap()).collect(),
            ..LinkState::default()
        }
    }

    const FROM_NOTHING: &[&str] = &[
        "ip netns add z1",
        "ip -n z1 link set dev lo up",
        "ip -n z1 link set dev lo alias vspace-netns:z1",
        "ip link add link eth0 name vsn77f3e9ec9025 netns z1 address 02:00:00:00:2a:00 type macvlan mode bridge",
        "ip -n z1 link set dev vsn77f3e9ec9025 alias vspace-netns:z1",
        "ip -n z1 link set dev vsn77f3e9ec9025 name m0",
        "ip -n z1 addr add 192.0.2.10/24 dev m0",
        "ip -n z1 link set dev m0 up",
        "ip link add name vsn7818ebec9044 netns z1 address 02:00:00:00:2a:02 mtu 1400 type veth peer name ve-z1 address 02:00:00:00:2a:03 mtu 1400",
        "ip -n z1 link set dev vsn7818ebec9044 alias vspace-netns:z1",
        "ip link set dev ve-z1 alias vspace-netns:z1",
        "ip -n z1 link set dev vsn7818ebec9044 name v0",
        "ip -n z1 link set dev v0 up",
        "ip link set dev ve-z1 up",
        "ip -n z1 -4 route add default via 192.0.2.1",
        "ip netns exec z1 sysctl -q -w net.ipv4.ip_forward=1",
        "ip netns exec z1 /usr/lib/util-vserver/vprocunhide",
    ];

    #[test]
    fn from_nothing_every_step_in_order() {
        assert_eq!(lines(&plan_up(&zone(), &facts()).unwrap()), FROM_NOTHING);
    }

    #[test]
    fn another_run_dir_names_namespaces_by_path() {
        let steps = plan_up(&zone(), &facts()).unwrap();
        let d = Path::new("/tmp/rd");
        let got: Vec<String> = steps.iter().map(|s| s.line(d)).collect();
        assert_eq!(got[0], "NETNS_RUN_DIR=/tmp/rd ip netns add z1");
        assert_eq!(got[1], "nsenter --net=/tmp/rd/z1 ip link set dev lo up");
        assert!(got[3].contains(" netns /tmp/rd/z1 "), "{}", got[3]);
        assert_eq!(
            got[16],
            "nsenter --net=/tmp/rd/z1 /usr/lib/util-vserver/vprocunhide"
        );
    }

    #[test]
    fn temporary_names_are_valid_distinct_and_stable() {
        let a = temp_name("z1", "m0");
        assert_eq!(a, "vsn77f3e9ec9025");
        assert!(a.len() <= 15);
        assert_ne!(a, temp_name("z1", "v0"));
        assert_ne!(a, temp_name("z10", "m0"));
    }

    #[test]
    fn a_half_made_link_is_deleted_and_made_anew() {
        // Killed after the add (and perhaps the marks), before the rename.
        let mut f = all_up();
        let v0 = f.inside.remove("v0").unwrap();
        f.inside
            .insert(temp_name("z1", "v0"), LinkState { alias: None, ..v0 });
        f.host.get_mut("ve-z1").unwrap().alias = None;
        f.host.get_mut("ve-z1").unwrap().kind = Some("veth".into());
        let got = lines(&plan_up(&zone(), &f).unwrap());
        assert_eq!(got[0], "ip -n z1 link del dev vsn7818ebec9044");
        assert_eq!(got[1], FROM_NOTHING[8]);
        assert_eq!(got[4], "ip -n z1 link set dev vsn7818ebec9044 name v0");
        // down deletes it although it carries no mark.
        let down = lines(&plan_down(&zone(), &f, false).unwrap());
        assert!(
            down.contains(&"ip -n z1 link del dev vsn7818ebec9044".to_string()),
            "{down:?}"
        );
        // A host link of that name that is another's still refuses.
        f.host.get_mut("ve-z1").unwrap().alias = Some("mine".into());
        assert!(matches!(plan_up(&zone(), &f), Err(PlanError::Conflict(_))));
    }

    #[test]
    fn what_cannot_succeed_is_refused_before_anything_changes() {
        let z = zone();
        let mut missing = facts();
        missing.host.remove("eth0");
        let mut down = facts();
        down.host.get_mut("eth0").unwrap().up = false;
        let mut mtu = z.clone();
        mtu.links[0].mtu = Some(9000);
        // The parent's MTU lowered under a link that is up: no SetMtu that fails with ERANGE.
        let mut lowered = all_up();
        lowered.host.insert(
            "eth0".into(),
            LinkState {
                up: true,
                mtu: Some(1400),
                ..LinkState::default()
            },
        );
        lowered.inside.get_mut("m0").unwrap().mtu = Some(1400);
        let mut vlan_zone = z.clone();
        vlan_zone.links[0].kind = crate::zone::config::Kind::Vlan {
            parent: "eth0".into(),
            vid: 7,
        };
        let mut no_vlan = facts();
        no_vlan.vlan = Some(false);
        let table = [
            (
                &z,
                missing,
                "the parent eth0 of the macvlan link m0 does not exist on the host",
            ),
            (
                &z,
                down,
                "the parent eth0 of the macvlan link m0 is down on the host",
            ),
            (
                &mtu,
                facts(),
                "the MTU 9000 of the macvlan link m0 is above the MTU 1500 of its parent eth0",
            ),
            (
                &mtu,
                lowered,
                "the MTU 9000 of the macvlan link m0 is above the MTU 1400 of its parent eth0",
            ),
            (
                &vlan_zone,
                no_vlan,
                "the VLAN link m0 of zone z1 cannot be made: this kernel has no 802.1Q VLAN support",
            ),
        ];
        for (zone, f, want) in table {
            match plan_up(zone, &f) {
                Err(PlanError::Conflict(m)) => assert!(m.starts_with(want), "{m}"),
                other => panic!("{want}: {other:?}"),
            }
        }
        let mut vlan_ok = facts();
        vlan_ok.vlan = Some(true);
        assert!(plan_up(&vlan_zone, &vlan_ok).is_ok());
        // A link that is up as configured on a parent that went down plans nothing to refuse.
        let mut parent_down = all_up();
        parent_down.host.get_mut("eth0").unwrap().up = false;
        assert_eq!(plan_up(&zone(), &parent_down).unwrap(), []);
    }

    fn all_up() -> Facts {
        let mut f = facts();
        f.netns = Entry::Netns(());
        let m = Some("vspace-netns:z1");
        f.inside
            .insert("lo".into(), state("00:16:3e:00:00:01", &[], m));
        f.inside.insert(
            "m0".into(),
            state("02:00:00:00:2a:00", &["192.0.2.10/24", "fe80::1/64"], m),
        );
        f.inside
            .insert("v0".into(), state("02:00:00:00:2a:02", &[], m));
        f.host
            .insert("ve-z1".into(), state("02:00:00:00:2a:03", &[], m));
        f.routes = zone().routes;
        f.sysctls
            .insert("net.ipv4.ip_forward".into(), Some("1".into()));
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
    fn skip_edits_come_last_one_printf_a_line_and_are_undone_exactly() {
        let mut f = facts();
        f.skips = skips();
        let steps = plan_up(&zone(), &f).unwrap();
        let n = FROM_NOTHING.len();
        assert_eq!(
            lines(&steps[n..]),
            [
                "cp /v/.defaults/namespace-cleanup-skip /v/web/namespace-cleanup-skip",
                "printf '\\n%s\\n' /run/netns >> /v/web/namespace-cleanup-skip",
                "printf '%s\\n' '/run/netns/*' >> /v/web/namespace-cleanup-skip",
                "printf '%s\\n' /run/netns >> /v/db/namespace-cleanup-skip",
                "printf '%s\\n' /run/netns >> /v/new/namespace-cleanup-skip",
            ]
        );
        let tail = [
            "ip -n z1 link del dev v0",
            "ip -n z1 link del dev m0",
            "ip netns delete z1",
        ];
        // A failed network step: no guest file was touched, none is in the undo.
        assert!(undo(&steps[..10]).iter().all(Step::is_network));
        assert_eq!(
            lines(&undo(&steps[..n + 2])),
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
    fn only_differences_are_planned_and_undone() {
        let mut f = all_up();
        f.inside.get_mut("lo").unwrap().up = false;
        f.inside.get_mut("m0").unwrap().addresses.clear();
        let v0 = f.inside.get_mut("v0").unwrap();
        v0.mac = Some(mac("02:99:00:00:00:01"));
        v0.mtu = Some(1500);
        let host_end = f.host.get_mut("ve-z1").unwrap();
        host_end.up = false;
        host_end.mtu = Some(1300);
        f.routes.clear();
        f.sysctls
            .insert("net.ipv4.ip_forward".into(), Some("0".into()));
        let steps = plan_up(&zone(), &f).unwrap();
        assert_eq!(
            lines(&steps),
            [
                "ip -n z1 link set dev lo up",
                "ip -n z1 addr add 192.0.2.10/24 dev m0",
                "ip -n z1 link set dev v0 address 02:00:00:00:2a:02",
                "ip -n z1 link set dev v0 mtu 1400",
                "ip link set dev ve-z1 mtu 1400",
                "ip link set dev ve-z1 up",
                "ip -n z1 -4 route add default via 192.0.2.1",
                "ip netns exec z1 sysctl -q -w net.ipv4.ip_forward=1",
            ]
        );
        assert_eq!(
            lines(&undo(&steps)),
            [
                "ip netns exec z1 sysctl -q -w net.ipv4.ip_forward=0",
                "ip -n z1 -4 route del default via 192.0.2.1",
                "ip link set dev ve-z1 down",
                "ip link set dev ve-z1 mtu 1300",
                "ip -n z1 link set dev v0 mtu 1500",
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
    fn a_stale_entry_whose_namespace_lives_on_is_attached_again() {
        let mut held = all_up();
        held.netns = Entry::Unusable(Unusable::Stale);
        held.found = Some(42);
        held.pids = vec![42, 7];
        assert_eq!(
            lines(&plan_up(&zone(), &held).unwrap()),
            ["ip netns delete z1", "ip netns attach z1 42"]
        );
        held.inside.get_mut("v0").unwrap().up = false;
        let steps = plan_up(&zone(), &held).unwrap();
        assert_eq!(lines(&steps[2..]), ["ip -n z1 link set dev v0 up"]);
        // Undone, the entry stays attached: only the change to the link is taken back.
        assert_eq!(lines(&undo(&steps)), ["ip -n z1 link set dev v0 down"]);
        // down: busy; forced, the marked host end goes (the pair with it), then the entry.
        assert_eq!(
            plan_down(&zone(), &held, false).unwrap_err(),
            PlanError::Busy(vec![42, 7])
        );
        assert_eq!(
            lines(&plan_down(&zone(), &held, true).unwrap()),
            ["ip link del dev ve-z1", "ip netns delete z1"]
        );
        // Held by no process (a mount elsewhere): up names the zone's mark, never advises
        // deleting the link; down deletes what up made.
        let mut unreachable = facts();
        unreachable.netns = Entry::Unusable(Unusable::Stale);
        unreachable.host = all_up().host;
        match plan_up(&zone(), &unreachable) {
            Err(PlanError::Conflict(m)) => assert!(
                m.starts_with("the host end ve-z1 of v0 carries this zone's mark")
                    && !m.contains("delete or rename"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            lines(&plan_down(&zone(), &unreachable, false).unwrap()),
            ["ip link del dev ve-z1", "ip netns delete z1"]
        );
        // A host link of that name without the mark is not the zone's: left alone.
        unreachable.host.get_mut("ve-z1").unwrap().alias = None;
        assert_eq!(
            lines(&plan_down(&zone(), &unreachable, true).unwrap()),
            ["ip netns delete z1"]
        );
    }

    #[test]
    fn conflicts_are_refused() {
        let mut peer_on_host = facts();
        peer_on_host
            .host
            .insert("ve-z1".into(), LinkState::default());
        let mut peer_gone = all_up();
        peer_gone.host.clear();
        let mut symlink = facts();
        symlink.netns = Entry::Unusable(Unusable::Symlink);
        let mut mac_used = facts();
        mac_used
            .macs_elsewhere
            .insert(mac("02:00:00:00:2a:03"), "link v9 of zone z9".into());
        let mut other_route = all_up();
        other_route.routes[0].via = Some("192.0.2.99".parse().unwrap());
        let table = [
            (
                peer_on_host,
                "a link named ve-z1 (the host end of v0) already exists",
            ),
            (
                peer_gone,
                "v0 is in z1 but its host end ve-z1 is not on the host (renamed, or moved to another namespace); delete the pair with 'ip -n z1 link del dev v0' and run up again",
            ),
            (
                symlink,
                "/run/netns/z1 is a symbolic link, not a namespace mount; remove it with 'vspace-netns down z1'",
            ),
            (
                mac_used,
                "MAC 02:00:00:00:2a:03 of link ve-z1 is already used by link v9 of zone z9; zone ids must be unique",
            ),
            (
                other_route,
                "z1 has the route 'default via 192.0.2.99' where 'default via 192.0.2.1' is configured",
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
    fn a_link_named_like_a_host_link_is_made_inside() {
        let mut f = facts();
        f.host
            .insert("m0".into(), state("02:00:00:00:99:00", &[], None));
        f.host
            .insert("v0".into(), state("02:00:00:00:99:01", &[], None));
        assert_eq!(lines(&plan_up(&zone(), &f).unwrap()), FROM_NOTHING);
    }

    #[test]
    fn undo_deletes_what_was_made() {
        let steps = plan_up(&zone(), &facts()).unwrap();
        assert_eq!(
            lines(&undo(&steps[..10])),
            [
                "ip -n z1 link del dev vsn7818ebec9044",
                "ip -n z1 link del dev m0",
                "ip netns delete z1"
            ]
        );
        assert_eq!(lines(&undo(&steps[..3])), ["ip netns delete z1"]);
        assert_eq!(undo(&[]), []);
    }

    #[test]
    fn down_deletes_only_marked_things() {
        let f = all_up();
        let all = [
            "ip -n z1 link del dev v0",
            "ip -n z1 link del dev m0",
            "ip netns delete z1",
        ];
        assert_eq!(lines(&plan_down(&zone(), &f, false).unwrap()), all);
        assert_eq!(plan_down(&zone(), &facts(), false).unwrap(), []);
        let mut busy = all_up();
        busy.pids = vec![42, 7];
        assert_eq!(
            plan_down(&zone(), &busy, false).unwrap_err(),
            PlanError::Busy(vec![42, 7])
        );
        assert_eq!(plan_down(&zone(), &busy, true).unwrap().len(), 3);
        let mut unmarked = all_up();
        unmarked.inside.get_mut("lo").unwrap().alias = None;
        unmarked.inside.get_mut("m0").unwrap().alias = Some("vspace-netns:z2".into());
        assert_eq!(
            plan_down(&zone(), &unmarked, false).unwrap_err(),
            PlanError::Unmarked(vec![
                "link m0 in z1 (alias 'vspace-netns:z2')".into(),
                "the namespace /run/netns/z1 (its lo: no alias)".into()
            ])
        );
        assert_eq!(lines(&plan_down(&zone(), &unmarked, true).unwrap()), all);
        // A link inside that is not configured: deleted with the zone when it carries the
        // mark, else refused by name (deleting the namespace would delete it).
        let mut foreign = all_up();
        foreign
            .inside
            .insert("x0".into(), state("02:00:00:00:99:09", &[], None));
        assert_eq!(
            plan_down(&zone(), &foreign, false).unwrap_err(),
            PlanError::Unmarked(vec!["link x0 in z1 (no alias)".into()])
        );
        let forced = lines(&plan_down(&zone(), &foreign, true).unwrap());
        assert_eq!(forced[2], "ip -n z1 link del dev x0");
        foreign.inside.get_mut("x0").unwrap().alias = Some("vspace-netns:z1".into());
        assert_eq!(lines(&plan_down(&zone(), &foreign, false).unwrap()), forced);
        assert_eq!(unconfigured(&zone(), &foreign).collect::<Vec<_>>(), ["x0"]);
        assert_eq!(unconfigured(&zone(), &all_up()).count(), 0);
        let mut stale = facts();
        stale.netns = Entry::Unusable(Unusable::Stale);
        assert_eq!(
            lines(&plan_down(&zone(), &stale, false).unwrap()),
            ["ip netns delete z1"]
        );
        let mut symlink = facts();
        symlink.netns = Entry::Unusable(Unusable::Symlink);
        assert!(matches!(
            plan_down(&zone(), &symlink, false),
            Err(PlanError::Unmarked(_))
        ));
    }

    #[test]
    fn odd_names_print_as_words_sh_reads_back() {
        let step = Step::AppendSkip {
            file: "/v/~g\\x/namespace-cleanup-skip".into(),
            newline_first: false,
            line: "/run/netns/~z".into(),
            was: None,
        };
        assert_eq!(
            step.to_string(),
            "printf '%s\\n' '/run/netns/~z' >> '/v/~g\\x/namespace-cleanup-skip'"
        );
    }

    #[test]
    fn mac_clashes_between_zones_are_named() {
        let mut other = zone();
        other.netns = "z2".into();
        other.links.truncate(1);
        let (_, clashes) = zone_macs(&[zone(), other]);
        assert_eq!(
            clashes,
            ["MAC 02:00:00:00:2a:00 is given to link m0 of zone z1 and link m0 of zone z2"]
        );
        assert!(zone_macs(&[zone()]).1.is_empty());
    }
}
