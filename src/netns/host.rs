//! The host's mount namespace (PID 1's) as the truth for run-dir entries: entering it for the
//! zone subcommands, looking at an entry as PID 1 sees it, and the hints that follow from what
//! both views show; and the host's network namespace (PID 1's), where the zone subcommands
//! make and look up the host side of every zone ([`host_net`]). Side-effecting through `sys::hostns` and `sys::nsfs`; [`stale_hints`] is
//! pure.
//!
//! Why: util-vserver runs a guest's start in a mount namespace of its own. A namespace mounted
//! there exists only there (the host sees an empty file), and an entry the host has may look
//! stale there. So `up`, `down` and `hook` do their work in PID 1's mount namespace, and a
//! caller that finds a stale entry asks PID 1's view before it calls the namespace dead. Where
//! PID 1's mount namespace cannot be opened (a sandbox's init refuses even root), the tool says
//! so once and works in its own, never silently.
#![deny(unsafe_code)]

use std::ffi::OsStr;
use std::path::Path;

use nix::errno::Errno;

use super::name::{Entry, Ident, Probe, Unusable};
use crate::report::quote::escape;
use crate::sys::hostns::{self, PID1_MNT, Pid1Mnt};
use crate::sys::nsfs;

/// Where the admin tool does its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Where {
    /// Already in PID 1's mount namespace.
    Here,
    /// Entered PID 1's mount namespace `id` from `from` with setns(2).
    Entered { id: Ident, from: Ident },
    /// In this process's own mount namespace, because PID 1's could not be used (the reason).
    OwnOnly(String),
}

impl Where {
    /// The `# ...` line `--dry-run` prints when it entered PID 1's mount namespace (None when
    /// this process already was there; when it could not, stderr has said so).
    pub fn dry_run_line(&self) -> Option<String> {
        match self {
            Where::Here => None,
            Where::Entered { id, from } => Some(format!(
                "# in PID 1's mount namespace (mnt:[{}], entered with setns(2) from mnt:[{}] while single-threaded): what the host and every later guest see",
                id.ino, from.ino
            )),
            // Said on stderr already (`enter_pid1`).
            Where::OwnOnly(_) => None,
        }
    }
}

/// Why PID 1's mount namespace cannot be opened, in words.
pub fn unreadable(errno: Errno) -> String {
    format!(
        "PID 1's mount namespace cannot be opened ({PID1_MNT}: {}); working in this process's own mount namespace, where a namespace made or deleted may not be what the host sees, and taking this process's network namespace for the host's",
        errno.desc()
    )
}

/// PID 1's network namespace, the host side of every zone step.
pub const PID1_NET: &str = "/proc/1/ns/net";

/// Where the host's links are, for the zone subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostNet {
    /// This process is in PID 1's network namespace.
    Here,
    /// PID 1's network namespace is another: entered through [`PID1_NET`] for every host step.
    Pid1,
    /// PID 1's cannot be opened, nor its mount namespace (a sandbox that hides PID 1 whole):
    /// this process's own is taken for the host's, as [`enter_pid1`] said.
    OwnOnly,
}

/// Where the host's network namespace is. PID 1's, whichever namespace the caller runs in
/// (`ip netns exec ZONE vspace-netns up OTHER`, a unit with `PrivateNetwork=`); a refusal
/// (the message) when PID 1's network namespace cannot be opened although its mount namespace
/// can: nothing may land in a namespace that is not the host's.
pub fn host_net() -> Result<HostNet, String> {
    let own = nsfs::identity(Path::new("/proc/self/ns/net"));
    match (nsfs::identity(Path::new(PID1_NET)), own) {
        (Ok(p), Ok(o)) if p == o => Ok(HostNet::Here),
        (Ok(_), Ok(_)) => Ok(HostNet::Pid1),
        (Err(_), _) if matches!(hostns::pid1_mount_ns(), Pid1Mnt::Unreadable(_)) => {
            Ok(HostNet::OwnOnly)
        }
        (Err(e), _) => Err(format!(
            "PID 1's network namespace, the host's, cannot be opened ({PID1_NET}: {}): refusing to take this process's for it; run it as root on the host",
            crate::report::errno::io_reason(&e)
        )),
        // Whether it is this process's own is unknown: entered all the same.
        (Ok(_), Err(_)) => Ok(HostNet::Pid1),
    }
}

/// The path a host step's rtnetlink socket (or thread) enters, None for this process's own.
pub fn host_net_path(h: &HostNet) -> Option<&'static Path> {
    match h {
        HostNet::Pid1 => Some(Path::new(PID1_NET)),
        HostNet::Here | HostNet::OwnOnly => None,
    }
}

/// Enters PID 1's mount namespace for the rest of the process (the admin tool calls this
/// before it starts any thread). When that is impossible, says so once on stderr
/// (`PREFIX: note: ...`) and stays.
pub fn enter_pid1(prefix: &str) -> Where {
    let w = match hostns::pid1_mount_ns() {
        Pid1Mnt::Same(_) => Where::Here,
        Pid1Mnt::Other { file, id, mine } => match hostns::enter(&file) {
            Ok(()) => Where::Entered { id, from: mine },
            Err(e) => Where::OwnOnly(format!(
                "setns into PID 1's mount namespace failed: {}; working in this process's own mount namespace",
                e.desc()
            )),
        },
        Pid1Mnt::Unreadable(e) => Where::OwnOnly(unreadable(e)),
    };
    if let Where::OwnOnly(why) = &w {
        crate::report::out::warn(&format!("{prefix}: note: {why}"));
    }
    w
}

/// An entry as PID 1 sees it.
#[derive(Debug)]
pub enum Pid1View {
    /// This process is in PID 1's mount namespace: its own view is PID 1's.
    Same,
    /// PID 1's view of the entry, checked as [`nsfs::probe`] checks ours.
    Seen(Probe),
    /// PID 1's view cannot be opened (the errno).
    Unknown(Errno),
}

/// Looks at `path` (absolute) as PID 1 sees it: openat2 under `/proc/1/root` with
/// RESOLVE_IN_ROOT, then the nsfs and NS_GET_NSTYPE checks.
pub fn pid1_view(path: &Path) -> Pid1View {
    match hostns::pid1_mount_ns() {
        Pid1Mnt::Same(_) => return Pid1View::Same,
        Pid1Mnt::Unreadable(e) => return Pid1View::Unknown(e),
        Pid1Mnt::Other { .. } => {}
    }
    match hostns::open_as_pid1(path) {
        Ok(f) => Pid1View::Seen(crate::netns::check_open(f)),
        Err(Errno::ENOENT) => Pid1View::Seen(Entry::Missing),
        Err(Errno::ELOOP) => Pid1View::Seen(Entry::Unusable(Unusable::Symlink)),
        Err(e @ (Errno::EACCES | Errno::EPERM)) => Pid1View::Unknown(e),
        Err(e) => Pid1View::Seen(Entry::Unusable(Unusable::Open(e))),
    }
}

/// [`nsfs::probe`], except that an entry stale here but live in PID 1's view is that live
/// namespace (the second value says so).
pub fn probe(path: &Path) -> (Probe, bool) {
    match crate::netns::probe(path) {
        Entry::Unusable(Unusable::Stale) => match pid1_view(path) {
            Pid1View::Seen(Entry::Netns(f)) => (Entry::Netns(f), true),
            _ => (Entry::Unusable(Unusable::Stale), false),
        },
        other => (other, false),
    }
}

/// What PID 1's view says about an entry that is stale here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostSays {
    /// Dead there too (stale or missing), or this process is in PID 1's mount namespace.
    Dead,
    /// Live there: it is only invisible here.
    Live,
    /// Cannot be told (PID 1's mount namespace cannot be opened).
    Unknown,
}

/// Asks PID 1's view about `path`.
pub fn host_says(path: &Path) -> HostSays {
    match pid1_view(path) {
        Pid1View::Same => HostSays::Dead,
        Pid1View::Seen(Entry::Netns(_)) => HostSays::Live,
        Pid1View::Seen(_) => HostSays::Dead,
        Pid1View::Unknown(_) => HostSays::Unknown,
    }
}

/// The hints for the unusable entry `path` of `name`: for a stale one, what PID 1's view and
/// whether `name` is a configured zone (`zone`, the caller's to know: `Roots::is_zone`) make
/// true ([`stale_hints`]); else the entry's own.
pub fn hints(u: &Unusable, name: &OsStr, path: &Path, zone: bool) -> Vec<String> {
    match u {
        Unusable::Stale => stale_hints(name, zone, host_says(path)),
        other => other.hints(name),
    }
}

/// The hints for an entry of `name` that is stale in this mount namespace: what is true given
/// what PID 1's view says and whether `name` is a configured zone. A zone's stale entry is
/// recreated by `vspace-netns up NAME`; `ip netns delete; ip netns add` is offered only when
/// the entry is dead in PID 1's mount namespace too (else it would delete the host's live
/// namespace), never when PID 1's view cannot be opened; a live one is explained as not
/// visible here, with the causes and their fixes.
pub fn stale_hints(name: &OsStr, zone: bool, host: HostSays) -> Vec<String> {
    let n = escape(name);
    let keep = format!(
        "keep it across guest starts: the lines '/run/netns', '/run/netns/{n}' and '/run/netns/*' in /etc/vservers/.defaults/namespace-cleanup-skip and in every guest's own namespace-cleanup-skip (which replaces .defaults'; up and the hook write them)"
    );
    let recreate = if zone {
        format!("recreate it: vspace-netns up {n}")
    } else {
        format!("recreate it: ip netns delete {n}; ip netns add {n}")
    };
    let invisible = "it is not visible in this mount namespace: this process runs in a mount namespace that receives no mounts from the host (systemd PrivateMounts=, nsjail, a guest's start whose namespace-cleanup-skip lacks the run-dir lines); run it in the host's mount namespace (nsenter -t 1 -m)";
    match host {
        HostSays::Dead => vec![
            format!(
                "the namespace was unmounted in the host's mount namespace too (a reboot, /run cleaned, util-vserver's namespace-cleanup at a guest's start, or a deletion under way); {recreate}"
            ),
            keep,
        ],
        HostSays::Live => vec![
            format!("as PID 1 sees it, the entry is a live network namespace: {invisible}"),
            keep,
        ],
        HostSays::Unknown => vec![
            format!(
                "PID 1's mount namespace cannot be opened, so whether '{n}' is live on the host is unknown: look there (nsenter -t 1 -m ip netns list); if it is live there, {invisible}"
            ),
            if zone {
                format!("if it is dead there too, recreate it on the host: vspace-netns up {n}")
            } else {
                "if it is dead there too, run 'vspace-netns doctor' on the host: it names the fix"
                    .into()
            },
            keep,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_and_add_only_when_dead_on_the_host() {
        for zone in [false, true] {
            let dead = stale_hints(OsStr::new("db"), zone, HostSays::Dead).join("\n");
            let live = stale_hints(OsStr::new("db"), zone, HostSays::Live).join("\n");
            let unknown = stale_hints(OsStr::new("db"), zone, HostSays::Unknown).join("\n");
            assert!(!live.contains("ip netns delete"), "{live}");
            assert!(!live.contains("vspace-netns up db"), "{live}");
            assert!(
                live.contains("not visible in this mount namespace"),
                "{live}"
            );
            // Unknown: never a delete that could hit the host's live namespace.
            assert!(unknown.contains("if it is dead there too"), "{unknown}");
            assert!(!unknown.contains("ip netns delete"), "{unknown}");
            if zone {
                assert!(dead.contains("recreate it: vspace-netns up db"), "{dead}");
                assert!(!dead.contains("ip netns delete"), "{dead}");
            } else {
                assert!(dead.contains("recreate it: ip netns delete db; ip netns add db"));
                assert!(!dead.contains("vspace-netns up db"), "{dead}");
            }
        }
    }
}
