//! What every zone shares, read once when many zones are observed together (`status`,
//! `doctor`): the host's links (one rtnetlink dump), every configured zone (for the MACs in use
//! elsewhere), the network namespace of every process (one scan of /proc) and the guests with
//! the zone each names and what tells their processes apart (as the guests' part answers:
//! `zone::guests::GuestParts`, once a run). Side-effecting only in
//! what it reads; built once per run, so observing N zones costs N namespace dumps plus these
//! few scans, never a scan per zone (`zone::facts::gather_with`). Its readers of the host's
//! links (`host_sock`, `dump_links`) and of every zone (`all_zones`) are the ones a single
//! zone's gathering uses too.
//!
//! A process belongs to a guest when its root (`/proc/PID/root`) is the guest's root (for
//! util-vserver, its `vdir`) or, on a Linux-VServer kernel, its context (`XID:` of
//! `/proc/PID/vinfo`) is the guest's static context.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::netns::Roots;
use crate::netns::host::{self, HostNet};
use crate::report::Status;
use crate::report::fail::Fail;
use crate::sys::rtnl::{NlError, Rtnl};
use crate::zone::base::{PREFIX, fail};
use crate::zone::config::{self, Zone};
use crate::zone::guests::GuestParts;
use crate::zone::mac::Mac;
use crate::zone::plan::{self, LinkState, MacUsers};
use crate::zone::rtmsg;

/// A guest that names a zone, with what tells its processes apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    pub name: OsString,
    /// Its line naming the zone is complete.
    pub newline: bool,
    /// Its run file exists (`zone::guests::Traces`).
    pub run_file: bool,
    /// The guest's root, resolved (None when it does not resolve).
    pub root: Option<PathBuf>,
    /// Its static context id, when it has one.
    pub xid: Option<u32>,
}

/// The shared facts.
#[derive(Debug, Default)]
pub struct Survey {
    /// The host's links, with their addresses.
    pub host: BTreeMap<String, LinkState>,
    /// Every zone that reads and validates, in name order.
    pub zones: Vec<Zone>,
    macs: MacUsers,
    /// MAC clashes between zones, as messages.
    pub clashes: Vec<String>,
    /// The host's links by MAC, in name order.
    host_macs: BTreeMap<Mac, Vec<String>>,
    /// The processes of every network namespace, in /proc order.
    pids: crate::netns::procs::Procs,
    /// Each zone name's member guests, in name order.
    members: BTreeMap<Vec<u8>, Vec<Guest>>,
    /// Every guest under the vservers root, in name order.
    pub guests: Vec<OsString>,
}

impl Survey {
    /// Reads the shared facts; `vservers` is the guests' root, the guests and the zone each
    /// names as `parts` answers.
    pub fn read(roots: &Roots, parts: &dyn GuestParts, vservers: &Path) -> Result<Survey, Fail> {
        let nl =
            |what: &'static str| move |e| Fail::new(PREFIX, Status::Failed, format!("{what}: {e}"));
        // The host's links as PID 1's network namespace has them, whichever the caller is in.
        let hn =
            crate::netns::host::host_net().map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
        let mut sock = host_sock(&hn)?;
        let host = dump_links(&mut sock).map_err(nl("cannot list the host's links"))?;
        let zones = all_zones(roots);
        let (macs, clashes) = plan::zone_macs(&zones);
        let mut host_macs: BTreeMap<Mac, Vec<String>> = BTreeMap::new();
        for (name, l) in &host {
            if let Some(m) = l.mac {
                host_macs.entry(m).or_default().push(name.clone());
            }
        }
        let guests = parts.names(vservers).unwrap_or_default();
        let mut members: BTreeMap<Vec<u8>, Vec<Guest>> = BTreeMap::new();
        for g in &guests {
            // An unreadable spaces/net is that guest's problem (doctor names it).
            if let Some((name, newline)) = parts.zone_of(vservers, g) {
                members
                    .entry(name)
                    .or_default()
                    .push(guest(parts, vservers, g, newline));
            }
        }
        Ok(Survey {
            host,
            zones,
            macs,
            clashes,
            host_macs,
            pids: crate::netns::procs::Procs::scan(crate::netns::procs::Threads::Living)
                .map_err(|e| fail(crate::netns::procs::unlisted(&e)))?,
            members,
            guests,
        })
    }

    /// The host's links a plan for `zone` looks up: its links' names, veth host ends and
    /// parents.
    pub fn host_for(&self, zone: &Zone) -> BTreeMap<String, LinkState> {
        host_for(&self.host, zone)
    }

    /// The MACs `zone` configures that another zone gives or a host link (not one of its
    /// own veth host ends) carries, with who: `facts::macs_elsewhere` limited to the MACs
    /// the plan looks up.
    pub fn macs_for(&self, zone: &Zone) -> BTreeMap<Mac, String> {
        macs_for(zone, &self.macs, &self.host_macs)
    }

    /// The zone named `name`, as read for the survey (None when it is not a valid zone).
    pub fn zone(&self, name: &std::ffi::OsStr) -> Option<&Zone> {
        // In name order: the order of the directory names' bytes.
        self.zones
            .binary_search_by(|z| z.netns.as_bytes().cmp(name.as_bytes()))
            .ok()
            .map(|i| &self.zones[i])
    }

    /// The processes whose network namespace could not be read (`Procs::unseen`).
    pub fn procs(&self) -> &crate::netns::procs::Procs {
        &self.pids
    }

    /// The guests whose `spaces/net` names `zone`, in name order.
    pub fn members(&self, zone: &str) -> &[Guest] {
        self.members
            .get(zone.as_bytes())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn guest(parts: &dyn GuestParts, vservers: &Path, name: &OsString, newline: bool) -> Guest {
    let t = parts.traces(vservers, name);
    Guest {
        name: name.clone(),
        newline,
        run_file: t.run_file,
        root: t.root,
        xid: t.xid,
    }
}

/// The Linux-VServer context of a process (`XID:` in `/proc/PID/vinfo`), on kernels that have
/// one.
fn xid_of(pid: i32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/vinfo")).ok()?;
    xid_in(&text)
}

/// `XID:\tN` of a vinfo text.
pub fn xid_in(vinfo: &str) -> Option<u32> {
    vinfo
        .lines()
        .find_map(|l| l.strip_prefix("XID:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Which of `guests` each of `pids` belongs to (by root, then by context); the pids of none
/// stay out.
pub fn owners(pids: &[i32], guests: &[Guest]) -> BTreeMap<OsString, Vec<i32>> {
    let mut out: BTreeMap<OsString, Vec<i32>> = BTreeMap::new();
    for &pid in pids {
        let root = std::fs::read_link(format!("/proc/{pid}/root")).ok();
        let xid = guests.iter().any(|g| g.xid.is_some()).then(|| xid_of(pid));
        let owner = guests.iter().find(|g| {
            (g.root.is_some() && g.root == root)
                || (g.xid.is_some() && xid.flatten() == g.xid && g.xid != Some(0))
        });
        if let Some(g) = owner {
            out.entry(g.name.clone()).or_default().push(pid);
        }
    }
    out
}

/// The links of `host` a plan for `zone` looks up: its links' names, veth host ends and
/// parents.
pub fn host_for(host: &BTreeMap<String, LinkState>, zone: &Zone) -> BTreeMap<String, LinkState> {
    let mut out = BTreeMap::new();
    for l in &zone.links {
        let names = [
            Some(l.name.as_str()),
            l.kind.peer().map(|p| p.0),
            l.kind.parent(),
        ];
        for n in names.into_iter().flatten() {
            if let Some(s) = host.get(n) {
                out.insert(n.to_string(), s.clone());
            }
        }
    }
    out
}

/// The MACs `zone` configures (its links' and their host ends') that another zone gives
/// (`macs`: every zone's) or a host link carries (`host_macs`: the host's links by MAC, in
/// name order) that is not one of the zone's own veth host ends, with who (another zone
/// first).
pub fn macs_for(
    zone: &Zone,
    macs: &MacUsers,
    host_macs: &BTreeMap<Mac, Vec<String>>,
) -> BTreeMap<Mac, String> {
    let peers: Vec<&str> = zone
        .links
        .iter()
        .filter_map(|l| l.kind.peer().map(|p| p.0))
        .collect();
    let mut out = BTreeMap::new();
    for mac in wanted_macs(zone) {
        let other_zone = macs
            .get(&mac)
            .and_then(|users| users.iter().find(|u| u.0 != zone.netns))
            .map(|u| u.1.clone());
        let host = || {
            host_macs.get(&mac).and_then(|names| {
                names
                    .iter()
                    .find(|n| !peers.contains(&n.as_str()))
                    .map(|n| format!("the host's link {n}"))
            })
        };
        if let Some(who) = other_zone.or_else(host) {
            out.insert(mac, who);
        }
    }
    out
}

/// Every MAC `zone` configures: its links' and their veth host ends'.
pub fn wanted_macs(zone: &Zone) -> impl Iterator<Item = Mac> + '_ {
    zone.links
        .iter()
        .flat_map(|l| l.mac.into_iter().chain(l.kind.peer().map(|p| p.1)))
}

/// An rtnetlink socket in the host's network namespace (PID 1's).
pub(crate) fn host_sock(h: &HostNet) -> Result<Rtnl, Fail> {
    Rtnl::open_in(host::host_net_path(h)).map_err(|e| {
        fail(format!(
            "cannot open rtnetlink in the host's network namespace: {e}"
        ))
    })
}

/// The links of a namespace (the host's when `entry` is None), with their addresses.
pub(crate) fn dump_links(sock: &mut Rtnl) -> Result<BTreeMap<String, LinkState>, NlError> {
    let mut links = rtmsg::links(&sock.dump(rtmsg::dump_links())?);
    rtmsg::add_addresses(&mut links, &sock.dump(rtmsg::dump_addresses())?);
    Ok(links)
}

/// Every zone in the configuration root that reads and validates (a broken one is doctor's
/// to report), in name order.
pub fn all_zones(roots: &Roots) -> Vec<Zone> {
    let Ok(confdir) = roots.zones() else {
        return Vec::new();
    };
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(confdir)
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
        .filter_map(|n| config::read_zone(confdir, n).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_found_by_name() {
        let zone = |n: &str| Zone {
            netns: n.into(),
            ..Zone::default()
        };
        let s = Survey {
            zones: vec![zone("a"), zone("b-1"), zone("dmz"), zone("lan")],
            ..Survey::default()
        };
        for n in ["a", "b-1", "dmz", "lan"] {
            assert_eq!(
                s.zone(std::ffi::OsStr::new(n)).map(|z| z.netns.as_str()),
                Some(n)
            );
        }
        assert!(s.zone(std::ffi::OsStr::new("dm")).is_none());
    }

    #[test]
    fn the_context_is_read_from_vinfo() {
        assert_eq!(xid_in("XID:\t1001\nBCaps:\t0\n"), Some(1001));
        assert_eq!(xid_in("BCaps:\t0\n"), None);
        assert_eq!(xid_in("XID:\tx\n"), None);
    }

    #[test]
    fn a_process_rooted_in_a_guests_vdir_is_that_guests() {
        let me = std::process::id() as i32;
        let root = std::fs::read_link(format!("/proc/{me}/root")).unwrap();
        let g = |name: &str, root: Option<PathBuf>| Guest {
            name: name.into(),
            newline: true,
            run_file: false,
            root,
            xid: None,
        };
        let guests = [g("a", Some("/nowhere".into())), g("b", Some(root))];
        let found = owners(&[me], &guests);
        assert_eq!(found.len(), 1);
        assert_eq!(found[&OsString::from("b")], vec![me]);
        assert!(owners(&[me], &guests[..1]).is_empty());
    }
}
