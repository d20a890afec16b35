//! The vspace personality and the host's mount namespace: what changes in a plan when the
//! caller's mount namespace is not the host's, and for configured zones. Side-effecting only
//! in what it looks at (`host::pid1_view`, the zones root).
//!
//! - An entry stale here but live as PID 1 sees it is entered as PID 1 sees it (the probe,
//!   [`probe`]): a guest's start runs in util-vserver's private mount namespace, which may not
//!   receive the host's mount of a zone made after it was copied.
//! - A `--enter NAME --net` that names a configured zone (a directory under the zones root)
//!   whose entry is missing fails closed (255, `vspace-netns up NAME`) instead of reaching the
//!   real vspace, which would read NAME as a context name ([`amend`]).
//! - A stale entry's hints say what is true given PID 1's view and whether NAME is a zone
//!   (`host::stale_hints`).

use std::ffi::{OsStr, OsString};
use std::path::Path;

use crate::netns::host;
use crate::netns::{self, Entry, Roots, Unusable};
use crate::report::quote::escape;
use crate::sys::nsfs::{self, NetnsFile};
use crate::vspace::plan::{self, Plan};

/// The probe the planner uses: ours, then PID 1's view of an entry stale here.
pub fn probe(path: &Path) -> Entry<NetnsFile> {
    host::probe(path).0
}

/// The plan, amended for configured zones and for what PID 1's view says.
pub fn amend(argv: &[OsString], roots: &Roots, plan: Plan<NetnsFile>) -> Plan<NetnsFile> {
    let (Ok((name, _)), Ok(dir)) = (plan::candidate(argv), roots.run_dir()) else {
        return plan;
    };
    let path = netns::entry_path(dir, &name);
    match plan {
        Plan::PassThrough { .. } if roots.is_zone(&name) => missing_zone(&name, &path),
        Plan::Refuse {
            message,
            prefixed,
            hints,
        } => {
            let hints = match nsfs::probe(&path) {
                Entry::Unusable(u @ Unusable::Stale) => {
                    host::hints(&u, &name, &path, roots.is_zone(&name))
                }
                _ => hints,
            };
            Plan::Refuse {
                message,
                prefixed,
                hints,
            }
        }
        other => other,
    }
}

fn missing_zone(name: &OsStr, path: &Path) -> Plan<NetnsFile> {
    let n = escape(name);
    Plan::Refuse {
        message: format!(
            "cannot enter network namespace '{n}': '{n}' is a configured zone but {} does not exist (the zone is down)",
            escape(path.as_os_str())
        ),
        prefixed: true,
        hints: vec![
            format!("bring it up: vspace-netns up {n} (util-vserver's hook does it at prepre-start)"),
            "a zone's guest never starts outside its zone: the call is not handed to the real vspace, which would read the name as a context".into(),
        ],
    }
}

/// For `explain`: a line when the namespace entered is not the entry this mount namespace
/// shows (stale here, live as PID 1 sees it).
pub fn view_line(path: &Path) -> Option<String> {
    match nsfs::probe(path) {
        Entry::Unusable(Unusable::Stale) => Some(format!(
            "{} is stale in this mount namespace (not visible here: a private mount namespace that receives no mounts from the host); entered as PID 1 sees it (/proc/1/root, RESOLVE_IN_ROOT), a live network namespace",
            escape(path.as_os_str())
        )),
        _ => None,
    }
}
