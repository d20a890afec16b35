//! The host's links as `up` and `down` see them, kept for the whole run: one dump of the
//! host's links and addresses, then only the rtnetlink notifications that came since
//! (`rtmsg::LinkTable`), read before each zone is gathered. Side-effecting (a socket in the
//! host's network namespace subscribed to its link and address notifications, kept open).
//!
//! `up --all` of N zones used to dump every host link for each zone, and the host's links grow
//! with the zones (a veth host end each): N dumps of N links. Now each zone pays for what
//! changed since the last (its own steps, mostly). What a zone is given is what a fresh dump
//! would say at that moment: every change after the socket subscribed is queued on it, in the
//! kernel's order, and the dump is taken after the subscription. When notifications were lost
//! (the queue overflowed: ENOBUFS), the next zone dumps afresh.
//!
//! A zone's facts hold only the host links its plan looks up (its links' names, veth host ends
//! and parents, `survey::host_for`), and the MACs it configures that are in use elsewhere
//! (`survey::macs_for`, against every zone's configuration, read once a run, and every host
//! link): what `status` and `doctor` give a zone through their survey.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use crate::netns::host::{self, HostNet};
use crate::report::fail::Fail;
use crate::sys::rtnl::{NlError, Rtnl};
use crate::zone::base::PREFIX;
use crate::zone::config::Zone;
use crate::zone::mac::Mac;
use crate::zone::plan::{self, LinkState, MacUsers};
use crate::zone::rtmsg::{self, LinkTable};
use crate::zone::survey;

/// The host's links for the run: where they were read, the subscribed socket, the table.
struct View {
    at: Option<PathBuf>,
    watch: Rtnl,
    table: LinkTable,
}

/// Host links by name.
pub type HostLinks = BTreeMap<String, LinkState>;

static VIEW: Mutex<Option<View>> = Mutex::new(None);

fn nl(what: &'static str) -> impl Fn(NlError) -> Fail {
    move |e| {
        Fail::new(
            PREFIX,
            crate::report::Status::Failed,
            format!("{what}: {e}"),
        )
    }
}

/// The host's links now (PID 1's network namespace, `hn`), given to `f`.
fn with_links<T>(
    hn: &HostNet,
    f: impl FnOnce(&BTreeMap<String, LinkState>) -> T,
) -> Result<T, Fail> {
    let at = host::host_net_path(hn).map(PathBuf::from);
    let mut view = VIEW.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(v) = view.as_mut().filter(|v| v.at == at) {
        // Lost or undecodable notifications: dump afresh below.
        if let Ok(changes) = v.watch.drain() {
            v.table.apply(&changes);
            return Ok(f(v.table.links()));
        }
    }
    *view = None;
    let (watch, mut req) = Rtnl::open_watch(
        at.as_deref(),
        &[
            libc::RTNLGRP_LINK,
            libc::RTNLGRP_IPV4_IFADDR,
            libc::RTNLGRP_IPV6_IFADDR,
        ],
    )
    .map_err(nl("cannot open rtnetlink in the host's network namespace"))?;
    let mut v = View {
        at,
        watch,
        table: LinkTable::default(),
    };
    let list = nl("cannot list the host's links");
    v.table
        .apply(&req.dump(rtmsg::dump_links()).map_err(&list)?);
    v.table
        .apply(&req.dump(rtmsg::dump_addresses()).map_err(&list)?);
    let changes = v.watch.drain().map_err(&list)?;
    v.table.apply(&changes);
    let out = f(v.table.links());
    *view = Some(v);
    Ok(out)
}

/// The host's links the plan for `zone` looks up, and, with `macs`, the MACs it configures
/// that are in use elsewhere (another zone's configuration, a host link that is not its own
/// host end; empty without).
pub fn for_zone(
    roots: &crate::netns::Roots,
    hn: &HostNet,
    zone: &Zone,
    macs: bool,
) -> Result<(HostLinks, BTreeMap<Mac, String>), Fail> {
    // Every zone's configuration, read once a run: `up --all` asks for every zone.
    static MACS: OnceLock<MacUsers> = OnceLock::new();
    with_links(hn, |host| {
        if !macs {
            return (survey::host_for(host, zone), BTreeMap::new());
        }
        let macs = MACS.get_or_init(|| plan::zone_macs(&crate::zone::survey::all_zones(roots)).0);
        let wanted: Vec<Mac> = survey::wanted_macs(zone).collect();
        let mut host_macs: BTreeMap<Mac, Vec<String>> = BTreeMap::new();
        for (name, l) in host {
            if let Some(m) = l.mac.filter(|m| wanted.contains(m)) {
                host_macs.entry(m).or_default().push(name.clone());
            }
        }
        (
            survey::host_for(host, zone),
            survey::macs_for(zone, macs, &host_macs),
        )
    })
}
