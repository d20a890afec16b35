//! The vspace personality's facts: what the planner asks about the one entry a candidate
//! names, gathered in one call before it decides. Side-effecting only in what it looks at (the
//! entry here and as PID 1 sees it, the zones root); changes nothing.
//!
//! - An entry stale here but live as PID 1 sees it is that live namespace (`host::probe`): a
//!   guest's start runs in util-vserver's private mount namespace, which may not receive the
//!   host's mount of a zone made after it was copied.
//! - An entry that is the host's own network namespace (PID 1's, see `nsfs::is_host`) is
//!   unusable whatever it is; where that cannot be told (no `/proc` here) it is unusable too.
//! - Whether the name is a configured zone, and PID 1's view of an entry stale here, are looked
//!   at only when the planner can use them (a missing or stale entry).

use std::ffi::OsStr;
use std::path::Path;

use crate::netns::host;
use crate::netns::{Entry, Roots, Unusable};
use crate::report::quote::escape;
use crate::sys::nsfs::{self, NetnsFile};
use crate::vspace::plan::Facts;

/// The facts about the entry `path` of `name`.
pub fn gather(roots: &Roots, name: &OsStr, path: &Path) -> Facts<NetnsFile> {
    let entry = match host::probe(path).0 {
        Entry::Netns(f) => match nsfs::is_host(&f) {
            Ok(false) => Entry::Netns(f),
            Ok(true) => Entry::Unusable(Unusable::Host {
                pid1: nsfs::identity(Path::new("/proc/1/ns/net")).is_ok(),
            }),
            // Unknown is refused: fail closed.
            Err(e) => Entry::Unusable(Unusable::HostUnknown(e)),
        },
        other => other,
    };
    let stale = matches!(entry, Entry::Unusable(Unusable::Stale));
    Facts {
        link: match entry {
            Entry::Unusable(_) => std::fs::read_link(path).ok(),
            _ => None,
        },
        zone: (stale || matches!(entry, Entry::Missing)) && roots.is_zone(name),
        host: stale.then(|| host::host_says(path)),
        entry,
    }
}

/// For `explain`: a line when the namespace entered is not the entry this mount namespace
/// shows (stale here, live as PID 1 sees it).
pub fn view_line(path: &Path) -> Option<String> {
    match crate::netns::probe(path) {
        Entry::Unusable(Unusable::Stale) => Some(format!(
            "{} is stale in this mount namespace (not visible here: a private mount namespace that receives no mounts from the host); entered as PID 1 sees it (/proc/1/root, RESOLVE_IN_ROOT), a live network namespace",
            escape(path.as_os_str())
        )),
        _ => None,
    }
}
