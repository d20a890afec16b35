//! The guests' side of the zone commands, answered from util-vserver's files: [`UtilVserver`]
//! implements `zone::guests::GuestParts` (which guests there are and the zone each names in
//! `spaces/net`, what tells their processes apart, their claims on a zone, the namespace-cleanup-skip edits `up` makes under
//! their lock, what their own `interfaces/` do inside a zone). The personalities hand it to
//! `up`, `down`, `status`, `show` and `doctor`. Side-effecting only in what it reads.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;

use crate::netns::Roots;
use crate::report::fail::Fail;
use crate::vserver::claims;
use crate::vserver::guest::{self, NetSpace};
use crate::vserver::{ifaces, skips};
use crate::zone::config::Zone;
use crate::zone::guests::{GuestLock, GuestParts, Member, Traces};
use crate::zone::plan::{GuestAddr, LinkState, SkipFact, Step};

/// util-vserver's guests under the vservers root.
pub struct UtilVserver;

impl GuestParts for UtilVserver {
    fn names(&self, vservers: &Path) -> io::Result<Vec<OsString>> {
        guest::guests(vservers)
    }

    fn zone_of(&self, vservers: &Path, guest: &OsStr) -> Option<(Vec<u8>, bool)> {
        match guest::read_guest_net(vservers, guest) {
            Ok(NetSpace::Shared { name, newline }) => Some((name, newline)),
            _ => None,
        }
    }

    fn members(&self, vservers: &Path, netns: &str) -> io::Result<Vec<Member>> {
        guest::members(vservers, netns)
    }

    /// util-vserver's run file, `vdir` (where it chroots the guest's processes) and `context`.
    fn traces(&self, vservers: &Path, guest: &OsStr) -> Traces {
        let dir = vservers.join(guest);
        let xid = std::fs::read(dir.join("context"))
            .ok()
            .and_then(|b| std::str::from_utf8(&b).ok()?.trim().parse().ok());
        Traces {
            run_file: dir.join("run").exists(),
            root: std::fs::canonicalize(dir.join("vdir")).ok(),
            xid,
        }
    }

    fn claims(&self, roots: &Roots, netns: &str) -> Result<Vec<String>, Fail> {
        claims::live_names(roots, netns)
    }

    fn lock(&self, roots: &Roots) -> Result<Option<GuestLock>, Fail> {
        Ok(skips::lock(roots)?.map(|l| Box::new(l) as GuestLock))
    }

    fn skip_facts(&self, roots: &Roots, netns: &str) -> Result<Vec<SkipFact>, Fail> {
        skips::facts(roots, netns)
    }

    fn start_lines(
        &self,
        roots: &Roots,
        zone: &Zone,
        inside: &BTreeMap<String, LinkState>,
    ) -> Vec<String> {
        ifaces::apply::dry_run_lines(roots, zone, inside)
    }

    fn down_steps(&self, roots: &Roots, netns: &str) -> Vec<Step> {
        ifaces::apply::nodev_steps(roots, netns)
    }

    fn addresses(&self, vservers: &Path, guest: &OsStr) -> Option<Vec<GuestAddr>> {
        let entries = ifaces::entries(vservers, guest).ok()?;
        Some(
            entries
                .iter()
                .filter_map(ifaces::Entry::iface)
                .map(|i| i.addr.clone())
                .collect(),
        )
    }
}
