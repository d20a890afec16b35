//! `vspace-netns up|down NETNS`: the zone lifecycle's shell. Side-effecting: gathers the
//! facts (`nsfs::probe`, rtnetlink dumps of the host's and the zone's links, addresses and
//! routes, the zone's sysctl values, the other zones' MACs, the member guests' files), asks
//! `zone::plan` for the steps and carries them out, printing each as its shell command line.
//!
//! Namespaces are made and removed with `ip::admin` (the ip personality's add and delete);
//! links, addresses, routes and link state through rtnetlink (`sys::rtnl`), from sockets
//! opened inside the zone's namespace; sysctls by writing `/proc/sys/net/...` from a thread
//! that entered it. No `ip` is run: zones honour `NETNS_RUN_DIR` like the ip personality. A
//! failed step ends `up`: the steps this run completed are undone in reverse (`plan::undo`)
//! and the failure names the step and the kernel's reason (extack message and errno). `down`
//! refuses while processes live in the namespace, and for what carries no mark of `up`,
//! unless forced. For a stale entry, the zone's namespace that lives on in processes is
//! looked for through `/proc/PID/ns/net` (its `lo` carries the zone's mark): `up` attaches
//! the entry to it again, `down` counts its processes.
//!
//! The host side of every step (a veth's host end, a VLAN's or macvlan's parent, the host's
//! links looked up and dumped) is PID 1's network namespace, whichever one the caller runs in
//! (`host::host_net`): every host socket is opened there. A new namespace's entry is mounted
//! only after its `lo` carries the mark, so a killed run never leaves an unmarked zone.
//!
//! `down` deletes links by a detached process and is done when each link's RTM_DELLINK
//! notification arrives (its name and MAC are free then); the kernel's RCU barrier before
//! the memory is freed, some 20 ms a link, is not waited for (see [`Runner::for_down`]).
//!
//! `up` and `down` of one zone hold flock on its configuration directory, so guests of the
//! zone that start or stop together take turns.
//!
//! Exit statuses: 0 done (or nothing to do), 1 failed (a failed `up` has been undone),
//! 3 `down` refused because processes still use the namespace.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::RouteNetlinkMessage as Msg;

use nix::errno::Errno;

use crate::fail::Fail;
use crate::host::{self, HostNet};
use crate::ip::admin;
use crate::netns::{self, Entry};
use crate::out;
use crate::quote::escape;
use crate::report::Status;
use crate::sys::exec;
use crate::sys::nsfs;
use crate::sys::rtnl::{self, NlError, Rtnl};
use crate::zone::config::{self, Zone};
use crate::zone::plan::{self, Facts, LinkState, PlanError, SkipFact, Step};
use crate::zone::rtmsg::{self, Change};
use crate::zone::script;
use crate::zone::survey::Survey;

/// Prefix of every message.
pub const PREFIX: &str = "vspace-netns";
/// util-vserver's vprocunhide, unless `VSPACE_NETNS_VPROCUNHIDE` names another path.
pub const DEFAULT_VPROCUNHIDE: &str = "/usr/lib/util-vserver/vprocunhide";

fn fail(message: String) -> Fail {
    Fail::new(PREFIX, Status::Failed, message)
}

/// Where vprocunhide is looked for.
pub fn vprocunhide_path() -> Result<PathBuf, String> {
    config::absolute_env("VSPACE_NETNS_VPROCUNHIDE", DEFAULT_VPROCUNHIDE)
}

/// The run dir: `$NETNS_RUN_DIR` or `/run/netns`, as for the ip personality.
pub fn run_dir() -> Result<PathBuf, Fail> {
    let dir = netns::run_dir().map_err(fail)?;
    script::printable(dir.as_os_str()).map_err(|e| fail(format!("NETNS_RUN_DIR {e}")))?;
    Ok(dir)
}

/// Validates the operand and reads the zone.
pub fn load(netns: &OsStr) -> Result<Zone, Fail> {
    config::check_zone_name(netns).map_err(|e| fail(format!("bad zone name {e}")))?;
    let confdir = config::confdir().map_err(fail)?;
    config::read_zone(&confdir, netns).map_err(|e| fail(e.to_string()))
}

fn nl(what: &str) -> impl Fn(NlError) -> Fail + '_ {
    move |e| fail(format!("{what}: {e}"))
}

/// An rtnetlink socket in the host's network namespace (PID 1's).
pub(crate) fn host_sock(h: &HostNet) -> Result<Rtnl, Fail> {
    Rtnl::open_in(host::host_net_path(h))
        .map_err(nl("cannot open rtnetlink in the host's network namespace"))
}

/// Whether the kernel makes 802.1Q VLAN links: a request that would make one, with the VLAN
/// id 4095, is refused by the VLAN code's own check (ERANGE) before anything is made when the
/// kernel has it (the module autoloaded if need be), by rtnetlink with EOPNOTSUPP when not.
/// None when the answer says neither.
fn vlan_support(sock: &mut Rtnl) -> Option<bool> {
    match sock.call(rtmsg::vlan_probe(), NLM_F_CREATE | NLM_F_EXCL) {
        Err(e) if e.errno == Errno::ERANGE => Some(true),
        Err(e) if e.errno == Errno::EOPNOTSUPP => Some(false),
        _ => None,
    }
}

/// The links of a namespace (the host's when `entry` is None), with their addresses.
pub(crate) fn dump_links(sock: &mut Rtnl) -> Result<BTreeMap<String, LinkState>, NlError> {
    let mut links = rtmsg::links(&sock.dump(rtmsg::dump_links())?);
    rtmsg::add_addresses(&mut links, &sock.dump(rtmsg::dump_addresses())?);
    Ok(links)
}

/// Observes the namespace, the links inside and on the host, and, when `for_up`, the routes
/// and sysctl values inside, the MACs in use elsewhere and the member guests' files (`down`
/// needs none of these).
pub fn gather(zone: &Zone, run_dir: &Path, for_up: bool) -> Result<Facts, Fail> {
    gather_with(zone, run_dir, for_up, None)
}

/// [`gather`], with the facts every zone shares taken from `survey` when many zones are
/// observed together (`status`, `doctor`): then the host's links and the MACs elsewhere are
/// only those this zone's plan looks up, the pids come from the survey's one scan of /proc,
/// and the guests' skip files are not read (those callers check them per guest).
pub fn gather_with(
    zone: &Zone,
    run_dir: &Path,
    for_up: bool,
    survey: Option<&Survey>,
) -> Result<Facts, Fail> {
    let ns = &zone.netns;
    let entry = run_dir.join(ns);
    let probe = crate::netns::probe(&entry);
    let mut id = match &probe {
        Entry::Netns(f) => f.identity().ok(),
        _ => None,
    };
    let mut facts = Facts::empty(entry.clone());
    facts.netns = match &probe {
        // The host's own network namespace under a zone's name is no zone: up refuses it, the
        // hook never puts a guest's addresses there, down only unmounts it with --force.
        // Unknown is refused too (fail closed).
        Entry::Netns(f) => match nsfs::is_host(f) {
            Ok(false) => Entry::Netns(()),
            Ok(true) => Entry::Unusable(netns::Unusable::Host {
                pid1: nsfs::identity(Path::new("/proc/1/ns/net")).is_ok(),
            }),
            Err(e) => Entry::Unusable(netns::Unusable::HostUnknown(e)),
        },
        other => other.fact(),
    };
    if facts.netns == Entry::Unusable(netns::Unusable::Stale) {
        if let Some((pid, ident)) = find_marked(ns) {
            facts.found = Some(pid);
            id = Some(ident);
        }
    }
    let hn = host::host_net().map_err(fail)?;
    // `down` looks at the host's links only for a stale or missing entry's veth host ends: a
    // dump of them all for each zone made `down --all` grow with the square of the zones.
    if for_up
        || matches!(
            facts.netns,
            Entry::Unusable(netns::Unusable::Stale) | Entry::Missing
        )
    {
        // One dump a run, then the changes since (`up --all`: not every host link per zone).
        (facts.host, facts.macs_elsewhere) = match survey {
            Some(s) if for_up => (s.host_for(zone), s.macs_for(zone)),
            Some(s) => (s.host_for(zone), BTreeMap::new()),
            None => crate::zone::hostview::for_zone(&hn, zone, for_up)?,
        };
    }
    // No entry, but a veth host end of the zone still carries its mark: the zone's namespace
    // may live on in processes (a run killed between removing a stale entry and attaching it
    // again, or `ip netns delete` under a running guest). Found, `up` attaches an entry to it
    // again and `down` removes its host ends, as for a stale entry.
    let marked_end = zone
        .links
        .iter()
        .filter_map(|l| l.kind.peer())
        .any(|(p, _)| {
            facts.host.get(p).and_then(|h| h.alias.as_deref()) == Some(plan::mark(ns).as_str())
        });
    if facts.netns == Entry::Missing && marked_end {
        if let Some((pid, ident)) = find_marked(ns) {
            facts.found = Some(pid);
            id = Some(ident);
        }
    }
    if let Some(live) = live_path(&facts) {
        let mut inside =
            Rtnl::open_in(Some(&live)).map_err(nl("cannot open rtnetlink inside the zone"))?;
        facts.inside = dump_links(&mut inside).map_err(nl("cannot list the zone's links"))?;
        for v6 in [false, true].into_iter().filter(|_| for_up) {
            let dump = inside
                .dump(rtmsg::dump_routes(v6))
                .map_err(nl("cannot list the zone's routes"))?;
            facts.routes.extend(rtmsg::routes(&dump, &facts.inside));
        }
    }
    let vlans = zone.links.iter().any(|l| {
        matches!(l.kind, config::Kind::Vlan { .. }) && !facts.inside.contains_key(&l.name)
    });
    if for_up && vlans {
        facts.vlan = vlan_support(&mut host_sock(&hn)?);
    }
    if for_up {
        facts.sysctls = sysctl_values(zone, &facts, &hn)?;
    }
    let unhide = vprocunhide_path().map_err(fail)?;
    if unhide.exists() {
        facts.vprocunhide = Some(
            script::printable(unhide.as_os_str())
                .map_err(|e| fail(format!("VSPACE_NETNS_VPROCUNHIDE {e}")))?
                .to_string(),
        );
    }
    if for_up && survey.is_none() {
        facts.skips = skip_facts(ns)?;
    }
    facts.pids = match survey {
        Some(s) => id.map(|i| s.pids_in(i)).unwrap_or_default(),
        None => id.map(admin::pids_in).unwrap_or_default(),
    };
    if let Some(first) = facts.pids.first() {
        // The first in /proc order (the found process may have exited since).
        facts.found = facts.found.map(|_| *first);
    }
    Ok(facts)
}

/// Where the zone's live namespace is entered: its entry, or, for a stale entry whose
/// namespace lives on, `/proc/PID/ns/net` of a process in it.
fn live_path(facts: &Facts) -> Option<PathBuf> {
    match (&facts.netns, facts.found) {
        (Entry::Netns(()), _) => Some(facts.entry.clone()),
        (_, Some(pid)) => Some(PathBuf::from(format!("/proc/{pid}/ns/net"))),
        _ => None,
    }
}

/// The network namespace of the zone `ns` that lives on in processes without its entry: the
/// first (in /proc order) whose `lo` carries the zone's mark, as a process in it and its
/// identity. Namespaces that cannot be entered or read are passed over; this process's own
/// is never the zone's.
fn find_marked(ns: &str) -> Option<(i32, crate::netns::Ident)> {
    use std::os::unix::ffi::OsStrExt;
    let own = nsfs::identity(Path::new("/proc/self/ns/net")).ok();
    let host = nsfs::identity(Path::new(host::PID1_NET)).ok();
    let want = plan::mark(ns);
    let mut seen = Vec::new();
    for e in std::fs::read_dir("/proc").ok()?.filter_map(Result::ok) {
        let Some(pid) = std::str::from_utf8(e.file_name().as_bytes())
            .ok()
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let path = PathBuf::from(format!("/proc/{pid}/ns/net"));
        let Ok(ident) = nsfs::identity(&path) else {
            continue;
        };
        if Some(ident) == own || Some(ident) == host || seen.contains(&ident) {
            continue;
        }
        seen.push(ident);
        let lo = Rtnl::open_in(Some(&path)).and_then(|mut s| s.call(rtmsg::get_link("lo"), 0));
        let marked = lo.is_ok_and(|got| {
            rtmsg::links(&got)
                .get("lo")
                .is_some_and(|l| l.alias.as_deref() == Some(want.as_str()))
        });
        if marked {
            return Some((pid, ident));
        }
    }
    None
}

/// The facts of a zone as `up` would see them (doctor compares them with the configuration
/// through `plan::plan_up`).
pub fn observe(zone: &Zone) -> Result<Facts, Fail> {
    gather(zone, &run_dir()?, true)
}

/// What `up` would do to `zone` now, as printed lines (empty when it is up as configured):
/// the planner's diff between configuration and facts, for `doctor`. A conflict `up` would
/// refuse is the error.
pub fn pending(zone: &Zone) -> Result<Vec<String>, Fail> {
    let run_dir = run_dir()?;
    let facts = gather(zone, &run_dir, true)?;
    match plan::plan_up(zone, &facts) {
        Ok(steps) => Ok(steps.iter().map(|s| s.line(&run_dir)).collect()),
        Err(PlanError::Conflict(m)) => Err(fail(format!("up {}: {m}", zone.netns))),
        Err(PlanError::Busy(_) | PlanError::Unmarked(_)) => Ok(Vec::new()),
    }
}

/// The configured sysctl keys' values inside the zone (read from a thread that entered it;
/// the host's when the zone does not exist yet, to check the key). A key that exists nowhere
/// is an error naming it, unless it names one of the zone's links not made yet.
fn sysctl_values(
    zone: &Zone,
    facts: &Facts,
    hn: &HostNet,
) -> Result<BTreeMap<String, Option<String>>, Fail> {
    if zone.sysctls.is_empty() {
        return Ok(BTreeMap::new());
    }
    let keys: Vec<String> = zone.sysctls.iter().map(|s| s.key.clone()).collect();
    let entry = live_path(facts);
    let read = keys.clone();
    let at = entry.as_deref().or(host::host_net_path(hn));
    let values = rtnl::in_netns(at, move || {
        Ok(read
            .iter()
            .map(|k| match std::fs::read(config::sysctl_path(k)) {
                Ok(b) => Ok(String::from_utf8_lossy(&b)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")),
                Err(e) => Err(e),
            })
            .collect::<Vec<_>>())
    })
    .map_err(nl("cannot read the zone's sysctls"))?;
    let mut out = BTreeMap::new();
    for ((key, v), s) in keys.into_iter().zip(values).zip(&zone.sysctls) {
        match v {
            Ok(v) if entry.is_some() => {
                out.insert(key, Some(v));
            }
            Ok(_) => {
                out.insert(key, None);
            }
            Err(e) => {
                let names_new_link = zone.links.iter().any(|l| {
                    !facts.inside.contains_key(&l.name)
                        && config::sysctl_parts(&key).contains(&l.name)
                });
                let missing = e.kind() == std::io::ErrorKind::NotFound;
                if missing && names_new_link {
                    out.insert(key, None);
                } else if missing && s.optional {
                    // `-KEY` (sysctl.d(5)): a key the kernel has not is skipped.
                } else if !missing {
                    // Not the file's fault (EMFILE, EACCES, ...): the errno, no hint to edit it.
                    return Err(fail(format!(
                        "zone {}: sysctl '{key}': cannot read {}: {}",
                        zone.netns,
                        config::sysctl_path(&key).display(),
                        exec::io_reason(&e)
                    )));
                } else {
                    return Err(fail(format!(
                        "zone {}: sysctl '{key}': unknown key (no {} in the zone's network namespace)",
                        zone.netns,
                        config::sysctl_path(&key).display()
                    ))
                    .hint(format!(
                        "correct or remove it in {}",
                        escape(
                            config::confdir()
                                .unwrap_or_default()
                                .join(&zone.netns)
                                .join("sysctl")
                                .as_os_str()
                        )
                    )));
                }
            }
        }
    }
    Ok(out)
}

/// Every zone in the configuration root that reads and validates (a broken one is doctor's
/// to report), in name order.
pub fn all_zones() -> Vec<Zone> {
    let Ok(confdir) = config::confdir() else {
        return Vec::new();
    };
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&confdir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .filter_map(|n| config::read_zone(&confdir, n).ok())
        .collect()
}

/// Clashes of MACs between the configured zones, as messages (doctor's check).
pub fn mac_clashes() -> Vec<String> {
    plan::zone_macs(&all_zones()).1
}

/// The namespace-cleanup-skip edits `up` makes: every member guest's file, every other
/// guest's own file and `.defaults` (see `zone::skips`), each path printable as a shell word
/// (the `--dry-run` lines must replay).
pub fn skip_facts(ns: &str) -> Result<Vec<SkipFact>, Fail> {
    let facts = crate::zone::skips::facts(ns)?;
    for f in &facts {
        for p in [&f.own, &f.defaults] {
            script::printable(p.as_os_str()).map_err(fail)?;
        }
    }
    Ok(facts)
}

/// Carries steps out: the host's rtnetlink socket, and the zone's, opened when first needed
/// (and closed before the namespace is deleted, so that it does not keep it alive).
pub(crate) struct Runner {
    run_dir: PathBuf,
    host: Rtnl,
    zones: BTreeMap<String, Rtnl>,
    /// The errno of the last failed kernel request (the hint for a failed step is chosen by it).
    errno: Option<Errno>,
    /// Link deletions are sent by a detached process and done when the link has left the
    /// kernel's lists (`down`): see [`Runner::for_down`].
    detached: bool,
    /// Sockets receiving the link notifications of the host (`None`) and of zones.
    watches: BTreeMap<Option<String>, Rtnl>,
    /// PID 1's network namespace, where the host's link notifications are watched (`None`: this
    /// process's own is the host's).
    host_path: Option<&'static Path>,
}

impl Runner {
    pub(crate) fn new(run_dir: &Path) -> Result<Runner, Fail> {
        let hn = host::host_net().map_err(fail)?;
        Ok(Runner {
            run_dir: run_dir.to_owned(),
            host: host_sock(&hn)?,
            zones: BTreeMap::new(),
            errno: None,
            detached: false,
            watches: BTreeMap::new(),
            host_path: host::host_net_path(&hn),
        })
    }

    /// The kernel's refusal in words, its errno kept for [`hint_for`].
    fn refused(&mut self, e: NlError) -> String {
        self.errno = Some(e.errno);
        e.to_string()
    }

    /// The errno of the last failed step's kernel request, if it was one.
    pub(crate) fn errno(&self) -> Option<Errno> {
        self.errno
    }

    /// A runner whose link deletions do not wait for the kernel's RCU barrier (about 20 ms a
    /// request, the whole cost of a `down` otherwise): each is sent by a detached process
    /// (`Rtnl::call_detached`) and is done when its RTM_DELLINK notification arrives, i.e.
    /// when the link (and a veth's other end) has left every list of the kernel and its name
    /// is free; the memory is freed after the barrier, by then nothing sees it. The state
    /// after each step is the one a synchronous deletion leaves.
    pub(crate) fn for_down(run_dir: &Path) -> Result<Runner, Fail> {
        let mut r = Runner::new(run_dir)?;
        r.detached = true;
        Ok(r)
    }

    /// `link del dev DEV` in `ns` by a detached process: done once its RTM_DELLINK
    /// notification arrives (or the request's answer, whichever comes first). The watch and
    /// the request's socket are made on one thread, and the link looked up on the latter.
    fn del_link_detached(&mut self, ns: &Option<String>, dev: &str) -> Result<(), String> {
        // The host's side is PID 1's network namespace, as every host socket's.
        let entry = match ns {
            Some(n) => Some(self.run_dir.join(n)),
            None => self.host_path.map(Path::to_path_buf),
        };
        let opened = if self.watches.contains_key(ns) {
            Rtnl::open_in(entry.as_deref())
        } else {
            // The watch first: a notification is only seen by a socket subscribed before it.
            Rtnl::open_link_watch(entry.as_deref()).map(|(watch, request)| {
                self.watches.insert(ns.clone(), watch);
                request
            })
        };
        let mut request = opened.map_err(|e| format!("cannot open rtnetlink: {e}"))?;
        let index = link_index(&mut request, dev)?;
        let pending = request
            .call_detached(rtmsg::del_link(index), 0)
            .map_err(|e| e.to_string())?;
        let watch = self.watches.get_mut(ns).expect("opened above");
        pending
            .wait_deleted(watch, index)
            .map_err(|e| e.to_string())
    }

    fn sock(&mut self, ns: &Option<String>) -> Result<&mut Rtnl, String> {
        match ns {
            None => Ok(&mut self.host),
            Some(n) => {
                if !self.zones.contains_key(n) {
                    let s = Rtnl::open_in(Some(&self.run_dir.join(n)))
                        .map_err(|e| format!("cannot open rtnetlink inside {n}: {e}"))?;
                    self.zones.insert(n.clone(), s);
                }
                Ok(self.zones.get_mut(n).expect("just inserted"))
            }
        }
    }

    /// The ifindex of `dev` in `ns`, in ip's words when it is missing.
    fn index(&mut self, ns: &Option<String>, dev: &str) -> Result<u32, String> {
        let s = self.sock(ns)?;
        let got = match s.call(rtmsg::get_link(dev), 0) {
            Ok(got) => got,
            Err(e) if e.errno == Errno::ENODEV => {
                self.errno = Some(e.errno);
                return Err(format!("Cannot find device \"{dev}\" ({e})"));
            }
            Err(e) => return Err(self.refused(e)),
        };
        rtmsg::links(&got)
            .get(dev)
            .map(|l| l.index)
            .ok_or_else(|| format!("Cannot find device \"{dev}\""))
    }

    fn set(&mut self, ns: &Option<String>, dev: &str, c: Change) -> Result<(), String> {
        let i = self.index(ns, dev)?;
        match self.sock(ns)?.call(rtmsg::set_link(i, c), 0) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.refused(e)),
        }
    }

    fn send(&mut self, ns: &Option<String>, m: Msg, flags: u16) -> Result<(), String> {
        match self.sock(ns)?.call(m, flags) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.refused(e)),
        }
    }

    /// Carries out one step.
    pub(crate) fn perform(&mut self, step: &Step) -> Result<(), String> {
        self.errno = None;
        let io = |e: std::io::Error| exec::io_reason(&e);
        let create = NLM_F_CREATE | NLM_F_EXCL;
        match step {
            Step::CopySkip { from, to } => copy_new(from, to).map_err(io),
            Step::AppendSkip {
                file,
                newline_first,
                line,
                was,
            } => {
                let text = format!("{}{line}\n", if *newline_first { "\n" } else { "" });
                append(file, text.as_bytes(), was.is_none()).map_err(io)
            }
            Step::RemoveSkip { file } => std::fs::remove_file(file).map_err(io),
            Step::TruncateSkip { file, len } => open_regular(file, false, false)
                .and_then(|f| f.set_len(*len))
                .map_err(io),
            Step::AddNetns { ns } => {
                // lo marked before the entry is mounted: the namespace is this zone's from
                // the moment it can be seen (the printed lo steps follow, and change nothing).
                let alias = plan::mark(ns);
                admin::add_prepared(&self.run_dir, OsStr::new(ns), move || {
                    let mut s = Rtnl::open()?;
                    let lo = rtmsg::links(&s.call(rtmsg::get_link("lo"), 0)?)
                        .get("lo")
                        .map(|l| l.index)
                        .unwrap_or(1);
                    s.call(rtmsg::set_link(lo, Change::Alias(&alias)), 0)
                        .map(|_| ())
                })
                .map(|_| ())
                .map_err(|e| e.to_string())
            }
            Step::AttachNetns { ns, pid } => admin::attach(&self.run_dir, OsStr::new(ns), *pid)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Step::DelNetns { ns } => self.del_netns(ns),
            Step::AddLink { ns, link, temp } => self.add_link(ns, link, temp),
            Step::Rename { ns, dev, name } => self.set(&Some(ns.clone()), dev, Change::Name(name)),
            Step::SetAlias { ns, dev, alias } => self.set(ns, dev, Change::Alias(alias)),
            Step::SetMac { ns, dev, mac, .. } => self.set(ns, dev, Change::Mac(*mac)),
            Step::SetMtu { ns, dev, mtu, .. } => self.set(ns, dev, Change::Mtu(*mtu)),
            Step::Up { ns, dev } => self.set(ns, dev, Change::Up(true)),
            Step::Down { ns, dev } => self.set(ns, dev, Change::Up(false)),
            Step::AddAddr { ns, dev, cidr } | Step::DelAddr { ns, dev, cidr } => {
                let ns = Some(ns.clone());
                let i = self.index(&ns, dev)?;
                let add = matches!(step, Step::AddAddr { .. });
                self.send(
                    &ns,
                    rtmsg::addr(add, i, *cidr),
                    if add { create } else { 0 },
                )
            }
            Step::AddRoute { ns, route } | Step::DelRoute { ns, route } => {
                let ns = Some(ns.clone());
                let oif = match &route.dev {
                    Some(d) => Some(self.index(&ns, d)?),
                    None => None,
                };
                let add = matches!(step, Step::AddRoute { .. });
                self.send(
                    &ns,
                    rtmsg::route(add, route, oif),
                    if add { create } else { 0 },
                )
            }
            Step::SetSysctl { ns, key, value, .. } => {
                self.set_sysctl(ns, key, value).map_err(|e| self.refused(e))
            }
            Step::Unhide { ns, path } => self.unhide(ns, path),
            Step::DelLink { ns, dev } if self.detached => self.del_link_detached(ns, dev),
            Step::DelLink { ns, dev } => {
                let i = self.index(ns, dev)?;
                self.send(ns, rtmsg::del_link(i), 0)
            }
            Step::AddGuestAddr { ns, addr } | Step::DelGuestAddr { ns, addr } => {
                let ns = Some(ns.clone());
                let i = self.index(&ns, &addr.dev)?;
                let add = matches!(step, Step::AddGuestAddr { .. });
                self.send(
                    &ns,
                    rtmsg::guest_addr(add, i, addr),
                    if add { create } else { 0 },
                )
            }
            Step::AddVlanIn {
                ns,
                parent,
                temp,
                vid,
            } => {
                let ns = Some(ns.clone());
                let p = self.index(&ns, parent)?;
                self.send(&ns, rtmsg::new_vlan(temp, p, *vid), create)
            }
            Step::WriteNodev { file } => write_new(
                file,
                format!("{}\n", crate::zone::ifaces::NODEV_TEXT).as_bytes(),
            )
            .map_err(io),
        }
    }

    /// `ip netns delete`, every mount layer, without admin::delete's scan of /proc for the
    /// pids still inside (gather has looked already).
    fn del_netns(&mut self, ns: &str) -> Result<(), String> {
        self.zones.remove(ns);
        self.watches.remove(&Some(ns.to_string()));
        let path = self.run_dir.join(ns);
        admin::unmount_all(&path).map_err(|e| {
            format!(
                "umount {}: {}",
                escape(path.as_os_str()),
                exec::strerror(e as i32)
            )
        })?;
        std::fs::remove_file(&path).map_err(|e| {
            format!(
                "Cannot remove namespace file \"{}\": {}",
                escape(path.as_os_str()),
                exec::io_reason(&e)
            )
        })
    }

    /// The link made from the host's namespace (its parent's index looked up there) under the
    /// name `temp` and moved into `ns` by the same request (IFLA_NET_NS_FD).
    fn add_link(&mut self, ns: &str, link: &config::Link, temp: &str) -> Result<(), String> {
        let parent = match link.kind.parent() {
            Some(p) => Some(self.index(&None, p)?),
            None => None,
        };
        let fd = File::open(self.run_dir.join(ns))
            .map_err(|e| format!("cannot open the zone's namespace: {}", exec::io_reason(&e)))?;
        let m = rtmsg::new_link(link, temp, fd.as_raw_fd(), parent);
        self.send(&None, m, NLM_F_CREATE | NLM_F_EXCL)
    }

    /// `/proc/sys/KEY` written from a thread inside `ns`.
    fn set_sysctl(&self, ns: &str, key: &str, value: &str) -> Result<(), NlError> {
        let path = config::sysctl_path(key);
        let text = format!("{value}\n");
        rtnl::in_netns(Some(&self.run_dir.join(ns)), move || {
            write_sysctl(&path, text.as_bytes()).map_err(|e| {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("unknown key: no {}", path.display())
                } else {
                    format!("cannot write {}", path.display())
                };
                io_failure(&e, message)
            })
        })
    }

    /// util-vserver's vprocunhide, run from a thread inside `ns`.
    fn unhide(&self, ns: &str, path: &str) -> Result<(), String> {
        let prog = PathBuf::from(path);
        rtnl::in_netns(Some(&self.run_dir.join(ns)), move || {
            let st = std::process::Command::new(&prog)
                .status()
                .map_err(|e| io_failure(&e, format!("cannot run {}", prog.display())))?;
            if st.success() {
                Ok(())
            } else {
                Err(NlError {
                    errno: nix::errno::Errno::EIO,
                    message: Some(format!("{} exited with {st}", prog.display())),
                })
            }
        })
        .map_err(|e| e.to_string())
    }
}

/// The ifindex of `dev` on the socket's namespace, in ip's words when it is missing.
fn link_index(s: &mut Rtnl, dev: &str) -> Result<u32, String> {
    let got = s.call(rtmsg::get_link(dev), 0).map_err(|e| {
        if e.errno == nix::errno::Errno::ENODEV {
            format!("Cannot find device \"{dev}\" ({e})")
        } else {
            e.to_string()
        }
    })?;
    rtmsg::links(&got)
        .get(dev)
        .map(|l| l.index)
        .ok_or_else(|| format!("Cannot find device \"{dev}\""))
}

/// A failed file or program step inside a namespace, as an [`NlError`]: the system's errno
/// (EIO when it gave none) and what failed.
fn io_failure(e: &std::io::Error, message: String) -> NlError {
    NlError {
        errno: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        message: Some(message),
    }
}

/// Writes a sysctl file of the calling thread's network namespace.
fn write_sysctl(path: &Path, text: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(text)
}

/// Opens a guest's file for writing, refusing a symlink (O_NOFOLLOW) and anything but a
/// regular file (O_NONBLOCK, then fstat): a FIFO can neither block nor be written to.
fn open_regular(path: &Path, append: bool, create: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).append(append).create(create);
    crate::sys::regular::open(path, options, crate::sys::regular::Purpose::Write)
}

/// `cp FROM TO` for a TO that must not exist (O_EXCL: never through a symlink), with FROM's
/// mode; FROM is read as every guest file is (`config::read_regular`). A copy that fails
/// half-way is removed: the step applies whole or not at all.
fn copy_new(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let content = config::read_regular(from)?;
    let mode = std::fs::symlink_metadata(from)?.permissions().mode();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o7777)
        .open(to)?;
    f.write_all(&content).inspect_err(|_| {
        let _ = std::fs::remove_file(to);
    })
}

/// Creates `file` (it must not exist: O_EXCL, never through a symlink) holding `text`, mode
/// 0644; a write that fails half-way removes it.
fn write_new(file: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(file)?;
    f.write_all(text).inspect_err(|_| {
        let _ = std::fs::remove_file(file);
    })
}

/// Appends `text` to `file` (created when `create`), a regular file only. A write that fails
/// half-way is cut back to the length before (a file it created is removed): whole or not at all.
fn append(file: &Path, text: &[u8], create: bool) -> std::io::Result<()> {
    let mut f = open_regular(file, true, create)?;
    let before = f.metadata()?.len();
    f.write_all(text).inspect_err(|_| {
        let _ = if create && before == 0 {
            std::fs::remove_file(file)
        } else {
            f.set_len(before)
        };
    })
}

fn say(line: &str) -> Result<(), Fail> {
    crate::fail::stdout_or_fail(PREFIX, &format!("{line}\n"))
}

/// What the kernel's refusal of `step` means, chosen by its errno (never by the text, which
/// differs between kernels and is often absent): the cause a check before the run could not
/// rule out, and its fix.
fn hint_for(step: &Step, errno: Option<Errno>) -> Option<String> {
    use config::Kind;
    let errno = errno?;
    Some(match (step, errno) {
        (_, Errno::EPERM | Errno::EACCES) => {
            "the kernel refused the change to this process: run it as root (CAP_NET_ADMIN in the host's user namespace), not in a container or under a unit that drops capabilities".into()
        }
        (Step::AddVlanIn { .. }, Errno::EOPNOTSUPP) => "this kernel has no 802.1Q VLAN support: load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)".into(),
        (Step::AddLink { link, .. }, Errno::EOPNOTSUPP) => match link.kind {
            Kind::Vlan { .. } => "this kernel has no 802.1Q VLAN support: load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)".into(),
            _ => format!(
                "this kernel has no {} links: load the module (modprobe {}) or build it in",
                link.kind.type_name(),
                link.kind.type_name()
            ),
        },
        (Step::AddLink { link, .. }, Errno::ENODEV) => format!(
            "the parent {} of {} does not exist in the host's network namespace (PID 1's); create it, or name the right one in links/{}/link",
            link.kind.parent().unwrap_or("device"),
            link.name,
            link.name
        ),
        (Step::AddLink { link, temp, .. }, Errno::EEXIST) => format!(
            "a link named {temp} (the temporary name of {}) already exists in the zone{}",
            link.name,
            link.kind
                .peer()
                .map(|(p, _)| format!(", or {p} on the host"))
                .unwrap_or_default()
        ),
        (Step::AddLink { link, .. }, Errno::EBUSY) if link.kind.parent().is_some() => format!(
            "the parent {} already carries a link of this kind with this VLAN id or MAC (or is a slave that takes none); ip -d link show shows which",
            link.kind.parent().unwrap_or_default()
        ),
        (Step::AddLink { link, .. }, Errno::EINVAL | Errno::ERANGE) if link.mtu.is_some() => {
            format!(
                "the kernel refused the {} link {} as configured: its MTU {} is out of range ({}below 68), or its MAC {}: check links/{}/",
                link.kind.type_name(),
                link.name,
                link.mtu.unwrap_or_default(),
                link.kind
                    .parent()
                    .map(|p| format!("above the MTU of its parent {p}, or "))
                    .unwrap_or_default(),
                link.mac,
                link.name
            )
        }
        (Step::SetMtu { dev, mtu, .. }, Errno::EINVAL | Errno::ERANGE) => format!(
            "the MTU {mtu} is out of range for {dev} (above its parent's, or below 68): lower it in the link's mtu file, or raise the parent's"
        ),
        (Step::AddLink { link, .. }, Errno::EINVAL) => format!(
            "the kernel refused the {} link {} as configured (its MAC {}, MTU or {} settings): check links/{}/",
            link.kind.type_name(),
            link.name,
            link.mac,
            link.kind.type_name(),
            link.name
        ),
        (Step::Up { dev, .. }, Errno::ENETDOWN) => format!(
            "{dev} cannot go up while the link it sits on is down: bring the parent up on the host (ip link set dev PARENT up) and run up again"
        ),
        (Step::SetMac { dev, mac, .. }, Errno::EADDRNOTAVAIL | Errno::EINVAL) => format!(
            "the kernel refused the MAC {mac} for {dev} (a multicast or all-zero address): give the link another 'mac'"
        ),
        (Step::SetMac { dev, .. }, Errno::EBUSY) => format!(
            "{dev} is up and its kind cannot change its MAC while up: take it down first"
        ),
        (Step::Rename { name, .. }, Errno::EEXIST) => format!(
            "a link named {name} already exists in the zone (not made by up): delete or rename it there"
        ),
        (Step::AddAddr { cidr, dev, .. }, Errno::EEXIST) => format!(
            "{dev} already has {cidr} (with other flags or another prefix): delete it inside the zone and run up again"
        ),
        (Step::AddAddr { cidr, .. }, Errno::EINVAL | Errno::EADDRNOTAVAIL) => format!(
            "the kernel refused the address {cidr} (IPv6 disabled in the zone, or not a host address): check the link's address file and the zone's sysctl"
        ),
        (Step::AddRoute { route, .. }, Errno::ENETUNREACH | Errno::EHOSTUNREACH) => format!(
            "the gateway of '{route}' is on no subnet of a link that is up in the zone: check the zone's routes and the links' addresses"
        ),
        (Step::AddRoute { route, .. }, Errno::EEXIST) => format!(
            "the zone has a route with the key of '{route}' already: delete it inside the zone and run up again"
        ),
        (Step::AddRoute { route, .. }, Errno::ENODEV) => format!(
            "the device of '{route}' is not in the zone"
        ),
        (Step::AddRoute { .. } | Step::AddAddr { .. }, Errno::EAFNOSUPPORT) => {
            "IPv6 is disabled in this kernel or zone (ipv6.disable=1, or net.ipv6.conf.*.disable_ipv6=1 in the zone's sysctl)".into()
        }
        (Step::SetSysctl { key, value, .. }, Errno::EINVAL | Errno::ERANGE) => format!(
            "the kernel refused the value {value} for {key}: correct it in the zone's sysctl file"
        ),
        (Step::SetSysctl { key, .. }, Errno::ENOENT) => format!(
            "{key} does not exist in the zone: its module is not loaded, or it names a link the zone does not have"
        ),
        (_, Errno::ENOMEM | Errno::ENOBUFS | Errno::EAGAIN) => {
            "the kernel is short of memory or netlink buffers: try again".into()
        }
        _ => return None,
    })
}

/// Holds flock(LOCK_EX) on the zone's configuration directory: guests of one zone starting
/// or stopping at the same time run their hooks one after the other, each seeing the facts
/// the previous one left.
pub(crate) fn lock_zone(netns: &OsStr) -> Result<nix::fcntl::Flock<std::fs::File>, Fail> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = config::confdir().map_err(fail)?.join(netns);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
        .open(&dir)
        .map_err(|e| {
            fail(format!(
                "cannot open {}: {}",
                escape(dir.as_os_str()),
                exec::io_reason(&e)
            ))
        })?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| {
        fail(format!(
            "cannot lock {}: {}",
            escape(dir.as_os_str()),
            e.desc()
        ))
    })
}

/// What a line of `up` or `down` on stdout is to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// The admin's own `up`/`down`: a line that cannot be written fails the run (status 1)
    /// before its step.
    Required,
    /// The hook's: the lines only inform (util-vserver discards them); a line that cannot be
    /// written (`/dev/full`, a closed pipe) is lost, the work goes on.
    Informative,
}

impl Lines {
    pub(crate) fn say(self, line: &str) -> Result<(), Fail> {
        match self {
            Lines::Required => say(line),
            Lines::Informative => {
                out::note(line);
                Ok(())
            }
        }
    }
}

/// `vspace-netns up NETNS [--dry-run]`.
pub fn up(netns: &OsStr, dry_run: bool) -> Result<(), Fail> {
    up_with(netns, dry_run, Lines::Required)
}

/// [`up`], its lines on stdout counting as `lines` says.
pub fn up_with(netns: &OsStr, dry_run: bool, lines: Lines) -> Result<(), Fail> {
    let zone = load(netns)?;
    let run_dir = run_dir()?;
    let _lock = lock_zone(netns)?;
    // After the zone's lock, always in this order: the guests' files are shared by all zones.
    let _skips = crate::zone::skips::lock()?;
    let facts = gather(&zone, &run_dir, true)?;
    if dry_run {
        // Before planning: said even where the plan refuses.
        dry_run_warnings(&zone, &facts);
    }
    let steps = match plan::plan_up(&zone, &facts) {
        Ok(s) => s,
        Err(PlanError::Conflict(m)) => return Err(fail(format!("up {}: {m}", zone.netns))),
        Err(PlanError::Busy(_) | PlanError::Unmarked(_)) => {
            unreachable!("up never refuses a namespace in use or unmarked")
        }
    };
    // What the member guests' starts then do inside (their interfaces/), as comments.
    let guests = || -> Result<(), Fail> {
        for l in crate::zone::ifaces::apply::dry_run_lines(&zone, &facts.inside) {
            lines.say(&l)?;
        }
        Ok(())
    };
    if steps.is_empty() {
        lines.say(&format!(
            "# nothing to do: zone {} is up as configured",
            zone.netns
        ))?;
        return if dry_run { guests() } else { Ok(()) };
    }
    if dry_run {
        for s in &steps {
            lines.say(&s.line(&run_dir))?;
        }
        return guests();
    }
    let mut runner = Runner::new(&run_dir)?;
    let n = steps.len();
    apply(
        &mut runner,
        &steps,
        lines,
        OnFail::Undo,
        |i, line, reason| {
            fail(format!(
                "up {}: step {} of {n} failed: {line}: {reason}",
                zone.netns,
                i + 1,
            ))
        },
    )
}

/// What [`apply`] does when a step fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFail {
    /// Undo the steps done before it, in reverse (`plan::undo`), each named in a hint.
    Undo,
    /// Stop there: what is done stays (a guest's stop: doctor names what is left).
    Stop,
}

/// The one executor: carries `steps` out with `runner`, each printed first as its command
/// line (through `lines`: a line the admin's run cannot print fails before its step). The
/// first failure becomes `failed(index, line, reason)`, with a hint chosen by the kernel's
/// errno and the step ([`hint_for`]), and then `on_fail`.
pub(crate) fn apply(
    runner: &mut Runner,
    steps: &[Step],
    lines: Lines,
    on_fail: OnFail,
    failed: impl FnOnce(usize, &str, &str) -> Fail,
) -> Result<(), Fail> {
    let run_dir = runner.run_dir.clone();
    for (i, step) in steps.iter().enumerate() {
        let line = step.line(&run_dir);
        let result = lines
            .say(&line)
            .map_err(|f| f.message)
            .and_then(|()| runner.perform(step));
        let Err(reason) = result else { continue };
        let mut f = failed(i, &line, &reason);
        if let Some(h) = hint_for(step, runner.errno()) {
            f = f.hint(h);
        }
        if on_fail == OnFail::Undo {
            for u in plan::undo(&steps[..i]) {
                match runner.perform(&u) {
                    Ok(()) => f = f.hint(format!("undone: {}", u.line(&run_dir))),
                    Err(e) => f = f.hint(format!("could not undo: {}: {e}", u.line(&run_dir))),
                }
            }
        }
        return Err(f);
    }
    Ok(())
}

/// The host side the zone needs and lacks (`zone::hostside`, which doctor reports as
/// failures), each a warning with its fix on stderr: the printed lines stay a script.
fn dry_run_warnings(zone: &Zone, facts: &Facts) {
    let support = crate::zone::hostside::Support::of([zone]);
    let issues = crate::zone::hostside::link_issues(zone, &facts.host, &support)
        .into_iter()
        .chain(crate::zone::hostside::vprocunhide_issue());
    for i in issues {
        out::warn(&format!("{PREFIX}: WARN {}\n    fix: {}", i.what, i.fix));
    }
}

/// What `down` did, or why it left the zone up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Down {
    /// Taken down (or nothing was left to take down).
    Done,
    /// Processes still live in the namespace (their pids).
    Busy(Vec<i32>),
    /// Guests whose start claimed the zone and has not finished (their names).
    Claimed(Vec<String>),
}

impl Down {
    /// Why the zone was kept, as every message about it says so; `None` when it went down.
    pub fn why_kept(&self) -> Option<String> {
        match self {
            Down::Done => None,
            Down::Busy(pids) => Some(format!("processes still use it (pids {})", pid_list(pids))),
            Down::Claimed(guests) => Some(format!(
                "the start of {} claimed it and has not finished",
                guests.join(" ")
            )),
        }
    }

    /// What `--force` does about a kept zone.
    pub fn force_hint(&self) -> &'static str {
        match self {
            Down::Busy(_) => "--force takes it down under them",
            Down::Claimed(_) | Down::Done => "--force takes it down",
        }
    }
}

/// `vspace-netns down NETNS [--force] [--dry-run]`: a zone in use or claimed is refused with
/// status [`Status::Busy`].
pub fn down(netns: &OsStr, force: bool, dry_run: bool) -> Result<(), Fail> {
    let refused =
        |m: String| {
            Fail::new(PREFIX, Status::Busy, format!("down {}: refused: {m}", escape(netns))).hint(
            "stop the guests (or the processes) first, or use --force to take it down under them",
        )
        };
    match down_checked(netns, force, dry_run)?.why_kept() {
        None => Ok(()),
        Some(why) => Err(refused(why)),
    }
}

/// `down`, telling a zone in use ([`Down::Busy`]) or claimed by a starting guest
/// ([`Down::Claimed`], see `zone::claims`) from one taken down; both checked under the zone's
/// lock, skipped with `force`.
pub fn down_checked(netns: &OsStr, force: bool, dry_run: bool) -> Result<Down, Fail> {
    down_checked_with(netns, force, dry_run, Lines::Required)
}

/// [`down_checked`], its lines on stdout counting as `lines` says.
pub fn down_checked_with(
    netns: &OsStr,
    force: bool,
    dry_run: bool,
    lines: Lines,
) -> Result<Down, Fail> {
    let zone = load(netns)?;
    let run_dir = run_dir()?;
    let _lock = lock_zone(netns)?;
    let facts = gather(&zone, &run_dir, false)?;
    if !force && facts.pids.is_empty() {
        let claimed = crate::zone::claims::live(&zone.netns).map_err(fail)?;
        if !claimed.is_empty() {
            return Ok(Down::Claimed(claimed));
        }
    }
    let steps = match plan::plan_down(&zone, &facts, force) {
        Ok(s) => s,
        Err(PlanError::Busy(pids)) => return Ok(Down::Busy(pids)),
        Err(PlanError::Unmarked(what)) => {
            return Err(fail(format!(
                "down {}: refused: {} carries no mark of this zone (alias {}): 'up' did not make it",
                zone.netns,
                what.join(", "),
                plan::mark(&zone.netns)
            ))
            .hint("delete it by hand, or use --force to delete it all the same"));
        }
        Err(PlanError::Conflict(m)) => return Err(fail(format!("down {}: {m}", zone.netns))),
    };
    // The guests' `nodev` files vspace-netns wrote go too, unless a process (a guest) still
    // lives in the zone: util-vserver's stop of a running guest reads them.
    let nodev = if facts.pids.is_empty() {
        crate::zone::ifaces::apply::nodev_steps(&zone.netns)
    } else {
        Vec::new()
    };
    if steps.is_empty() && nodev.is_empty() {
        lines.say(&format!("# nothing to do: zone {} is down", zone.netns))?;
        return Ok(Down::Done);
    }
    if dry_run {
        for s in steps.iter().chain(&nodev) {
            lines.say(&s.line(&run_dir))?;
        }
        return Ok(Down::Done);
    }
    if !facts.pids.is_empty() {
        out::warn(&format!(
            "{PREFIX}: down {}: --force: pids {} lose the zone's links; the namespace lives on until they exit",
            zone.netns,
            pid_list(&facts.pids)
        ));
    }
    let mut runner = Runner::for_down(&run_dir)?;
    for (i, step) in steps.iter().enumerate() {
        let line = step.line(&run_dir);
        lines.say(&line)?;
        runner.perform(step).map_err(|reason| {
            fail(format!(
                "down {}: step {} of {} failed: {line}: {reason}",
                zone.netns,
                i + 1,
                steps.len()
            ))
        })?;
    }
    crate::zone::ifaces::apply::perform(&nodev, &format!("down {}", zone.netns), false)?;
    Ok(Down::Done)
}

/// `1 2 3`.
pub fn pid_list(pids: &[i32]) -> String {
    pids.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::config::{Kind, Link};

    fn link(kind: Kind, mtu: Option<u32>) -> Link {
        Link {
            name: "e0".into(),
            kind,
            mac: "02:00:00:00:00:01".parse().unwrap(),
            mtu,
            addresses: vec![],
        }
    }

    #[test]
    fn hints_are_chosen_by_errno_and_step() {
        let vlan = Kind::Vlan {
            parent: "eth1".into(),
            vid: 7,
        };
        let add = |kind: Kind, mtu| Step::AddLink {
            ns: "z".into(),
            link: link(kind, mtu),
            temp: plan::temp_name("z", "e0"),
        };
        let up = Step::Up {
            ns: Some("z".into()),
            dev: "e0".into(),
        };
        let table: [(Step, Errno, &str); 5] = [
            (
                add(vlan.clone(), None),
                Errno::EOPNOTSUPP,
                "no 802.1Q VLAN support",
            ),
            (
                add(vlan.clone(), None),
                Errno::ENODEV,
                "the parent eth1 of e0 does not exist",
            ),
            (
                add(vlan.clone(), Some(9000)),
                Errno::EINVAL,
                "its MTU 9000 is out of range (above the MTU of its parent eth1, or below 68)",
            ),
            (
                up.clone(),
                Errno::ENETDOWN,
                "e0 cannot go up while the link it sits on is down",
            ),
            (up, Errno::EPERM, "run it as root"),
        ];
        for (step, errno, want) in table {
            let h = hint_for(&step, Some(errno)).unwrap_or_default();
            assert!(h.contains(want), "{errno:?}: {h}");
        }
        // No errno (a file step), no guess.
        assert_eq!(hint_for(&add(vlan, None), None), None);
    }
}
