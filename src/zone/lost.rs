//! The network namespace of a zone that lives on in processes without its entry (`ip netns
//! delete` under a running guest, a run killed between removing a stale entry and attaching it
//! again): found through `/proc/PID/ns/net` by the mark on its `lo` and the cookie `up`
//! recorded when it made it (`zone::cookie`); a process whose first thread has exited is looked
//! at through its other threads. Side-effecting (reads only).
//!
//! Rules: every namespace looked at is held open from the moment it is first seen, and its
//! identity, its `lo` and its cookie are read through that fd, so what was checked is what is
//! held (a PID may be another process's by then). This process's own namespace, the host's
//! (PID 1's) and one another user namespace owns (any user's `unshare --user --net`) are never
//! a zone's. A marked namespace with another cookie is passed over with a warning; for `up`,
//! a marked one found while no record exists is refused, naming its processes (which is the
//! zone's cannot be told); `down` and `status`, which only observe, take it for the zone's. What cannot be told (`/proc` unreadable, a namespace that cannot be opened or
//! entered, no thread for it, a record that is not root's) fails: a namespace passed over
//! unseen may be the zone's, with a running guest in it, and `up` would then make a new one
//! beside it.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;

use crate::netns::procs::look;
use crate::netns::{Ident, Roots, host};
use crate::report::fail::Fail;
use crate::report::out;
use crate::report::quote::escape;
use crate::sys::nsfs::errno_of;
use crate::sys::nsfs::{self, NetnsFile};
use crate::sys::rtnl::{NlError, Rtnl};
use crate::zone::base::{PREFIX, fail};
use crate::zone::config::Zone;
use crate::zone::cookie::Records;
use crate::zone::{plan, rtmsg};

/// A process in the zone's namespace (a thread of it, for a process whose first thread has
/// exited: `/proc/TID/ns/net` leads there, `/proc/PID/ns/net` nowhere), the namespace held
/// open, and its identity.
pub(crate) type Found = (i32, NetnsFile, Ident);

/// One search for a zone's namespace: what its failures name.
struct Search<'a> {
    ns: &'a str,
    entry: &'a Path,
}

impl Search<'_> {
    /// The refusal when whether the namespace lives on cannot be told: `why`, what failed and
    /// the system's reason for it.
    fn unknown(&self, why: String) -> Fail {
        self.unknown_for(why, LIMITS)
    }

    /// [`Search::unknown`] with `hint` after "nothing was changed: a running guest may be in
    /// that namespace; ".
    fn unknown_for(&self, why: String, hint: &str) -> Fail {
        fail(format!(
            "zone {}: {} has no namespace mounted on it (stale or missing), and whether the zone's namespace lives on in a process cannot be told: {why}",
            self.ns,
            escape(self.entry.as_os_str()),
        ))
        .hint(format!(
            "nothing was changed: a running guest may be in that namespace; {hint}"
        ))
    }

    /// [`Search::unknown`] for a failed system call on `what`: refused a look at a process,
    /// the hint names who refuses it.
    fn io(&self, what: &str, errno: Errno) -> Fail {
        let why = format!("{what}: {}", errno.desc());
        match errno {
            Errno::EACCES | Errno::EPERM => self.unknown_for(why, DENIED),
            _ => self.unknown(why),
        }
    }
}

/// The hint for a search that failed for want of a resource.
const LIMITS: &str = "remove the cause (a pids or memory limit: the cgroup's pids.max, systemd TasksMax=, ulimit; /proc mounted) and run it again";

/// The hint for a search refused a look at a process that is still there.
const DENIED: &str = "a security module's policy (Landlock, AppArmor, SELinux) or a missing CAP_SYS_PTRACE denies this command a look at that process: run it unconfined, as the host's root, and run it again";

/// The zone's namespace that lives on without its entry, if one does (see the file's header).
/// `adopt`: for `up`, which attaches the entry to it: only the recorded namespace is taken,
/// and a marked one found while no record exists is refused. Else (`down`, `status`), where
/// what is found is only observed (its processes keep the zone from going down): without a
/// record, or with one that cannot be believed, the first marked namespace stands for the zone.
pub(crate) fn find_marked(
    roots: &Roots,
    zone: &Zone,
    entry: &Path,
    adopt: bool,
) -> Result<Option<Found>, Fail> {
    let ns = &zone.netns;
    let search = Search { ns, entry };
    let want = plan::mark(ns);
    let records = Records::of(roots)?;
    // The cookie of the namespace `up` made: the only one taken back (a mark alone can be
    // put on any namespace's lo by whoever has CAP_NET_ADMIN there). Read once a marked
    // namespace is found: a plain stale entry needs no record.
    let mut recorded: Option<Option<u64>> = None;
    let mut unrecorded: Vec<i32> = Vec::new();
    let found = each_namespace(&search, |pid, file| {
        let (marked, cookie) = look_at(&search, pid, file, &want)?;
        if !marked {
            return Ok(false);
        }
        let record = match recorded {
            Some(r) => r,
            None => {
                let r = match records.read(ns) {
                    Ok(r) => r,
                    Err(why) if adopt => return Err(unbelieved(&search, &records, &why)),
                    Err(_) => None,
                };
                *recorded.insert(r)
            }
        };
        match record {
            Some(r) if cookie == Some(r) => return Ok(true),
            // Marked, but not the namespace `up` made (the record says another): a mark put
            // there by whoever may.
            Some(_) => out::warn(&format!(
                "{PREFIX}: warning: zone {ns}: the network namespace of process {pid} carries the zone's mark but is not the namespace up made for it (its cookie is not the one recorded in {}): passed over",
                escape(records.path(ns).as_os_str())
            )),
            None if !adopt => return Ok(true),
            None => unrecorded.push(pid),
        }
        Ok(false)
    })?;
    if found.is_some() || unrecorded.is_empty() {
        return Ok(found);
    }
    Err(unrecorded_refusal(&search, &records, &unrecorded))
}

/// The refusal of `up` when the record cannot be believed (`why`: whose it may be, the fix).
fn unbelieved(search: &Search, records: &Records, why: &str) -> Fail {
    fail(format!(
        "zone {}: {} has no namespace mounted on it (stale or missing), a network namespace carries the zone's mark, and the record of the namespace up made cannot be believed: {why}",
        search.ns,
        escape(search.entry.as_os_str()),
    ))
    .hint(format!(
        "nothing was changed: make the record and its directories root's alone as said, or remove {} (a zone whose namespace lives on must then be attached by hand), and run it again",
        escape(records.path(search.ns).as_os_str())
    ))
}

/// No record to tell the zone's namespace from another carrying its mark: none is taken.
fn unrecorded_refusal(search: &Search, records: &Records, pids: &[i32]) -> Fail {
    let ns = search.ns;
    let whose = match pids {
        [one] => format!("the network namespace of process {one} carries"),
        more => format!(
            "the network namespaces of processes {} carry",
            more.iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    fail(format!(
        "zone {ns}: {} has no namespace mounted on it (stale or missing), and {whose} the zone's mark, but no record says up made it ({} records no namespace of this boot: made by hand, by an older version, taken down with down --force, or on a kernel without SO_NETNS_COOKIE)",
        escape(search.entry.as_os_str()),
        escape(records.path(ns).as_os_str()),
    ))
    .hint(format!(
        "nothing was changed: if one is the zone's namespace (see its links: nsenter -t PID -n ip link), attach it by hand and run up again, which records it: ip netns delete {ns} (for a stale entry); ip netns attach {ns} PID; if none is, stop their processes (or remove the mark: nsenter -t PID -n ip link set lo alias '') and run up again"
    ))
}

/// Whether the namespace `file` holds (process `pid`'s) has its loopback device marked `want`,
/// and its cookie (`None`: the kernel gives none). The loopback device is asked for by its
/// ifindex, which no one can change: by name, a namespace whose `lo` was renamed (any holder
/// of CAP_NET_ADMIN there may) answered ENODEV, and that refused every stale zone's search.
fn look_at(
    search: &Search,
    pid: i32,
    file: &NetnsFile,
    want: &str,
) -> Result<(bool, Option<u64>), Fail> {
    let looked = Rtnl::open_in(Some(&fd_path(file))).and_then(|mut s| {
        let lo = s.call(rtmsg::get_link_index(rtmsg::LOOPBACK_INDEX), 0)?;
        let cookie =
            crate::zone::cookie::of_socket(&s).map_err(|e| NlError::local(e, "SO_NETNS_COOKIE"))?;
        Ok((lo, cookie))
    });
    let (lo, cookie) = looked.map_err(|e| {
        search.unknown(format!(
            "cannot look at lo in the network namespace of process {pid}: {e}"
        ))
    })?;
    let marked = rtmsg::links(&lo)
        .values()
        .any(|l| l.index == rtmsg::LOOPBACK_INDEX && l.alias.as_deref() == Some(want));
    Ok((marked, cookie))
}

/// Hands each network namespace of a process to `take`, once, held open, in /proc order:
/// those the host's user namespace owns, but this process's and the host's. The first `take`
/// says yes to is the answer.
fn each_namespace(
    search: &Search,
    mut take: impl FnMut(i32, &NetnsFile) -> Result<bool, Fail>,
) -> Result<Option<Found>, Fail> {
    let own = nsfs::identity(Path::new("/proc/self/ns/net"))
        .map_err(|e| search.io("cannot read /proc/self/ns/net", errno_of(&e)))?;
    let host = nsfs::identity(Path::new(host::PID1_NET)).ok();
    // `up` makes a zone's namespace in its own user namespace (the host's): one owned by
    // another (any user's `unshare --user --net`, which may put any alias on its lo) is never
    // taken for the zone.
    let own_user = nsfs::identity(Path::new("/proc/self/ns/user"))
        .map_err(|e| search.io("cannot read /proc/self/ns/user", errno_of(&e)))?;
    let mut seen = Vec::new();
    let mut pid1 = false;
    let procs =
        std::fs::read_dir("/proc").map_err(|e| search.io("cannot list /proc", errno_of(&e)))?;
    for e in procs {
        let e = e.map_err(|e| search.io("cannot list /proc", errno_of(&e)))?;
        let Some(pid) = std::str::from_utf8(e.file_name().as_bytes())
            .ok()
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // PID 1's namespace is the host's side of every zone, never a zone (and a sandbox's
        // PID 1 may refuse even root).
        if pid == 1 {
            pid1 = true;
            continue;
        }
        // Its own namespace; where that leads nowhere while the process lives on (its first
        // thread has exited), each of its other threads'.
        // Each with the id it is looked at through (a thread's for a thread's link: the one an
        // `ip netns attach` by hand can name).
        let mut links = vec![(pid, PathBuf::from(format!("/proc/{pid}/ns/net")))];
        let mut next = 0;
        while let Some((by, path)) = links.get(next).cloned() {
            next += 1;
            let skip = |i: Ident| i == own || Some(i) == host || seen.contains(&i);
            let (file, ident) =
                match open_unseen(search, pid, &path, skip)? {
                    Look::Held(file, ident) => (file, ident),
                    Look::Gone if next == 1 => {
                        links.extend(crate::netns::procs::other_threads(pid).into_iter().map(
                            |tid| (tid, PathBuf::from(format!("/proc/{pid}/task/{tid}/ns/net"))),
                        ));
                        continue;
                    }
                    Look::Gone | Look::Passed => continue,
                };
            seen.push(ident);
            let shown = path.display();
            let owner = file.owner().map_err(|e| {
                search.io(
                    &format!("cannot tell the owner of {shown} (NS_GET_USERNS)"),
                    e,
                )
            })?;
            if owner == own_user && take(pid, &file)? {
                return Ok(Some((by, file, ident)));
            }
        }
    }
    // (After the walk: PID 1 comes first where /proc lists it.)
    if !pid1 {
        return Err(search.unknown_for(crate::netns::procs::HIDDEN.into(), DENIED));
    }
    Ok(None)
}

/// What a look at one namespace link of a process found.
enum Look {
    /// The namespace, held open, with its identity.
    Held(NetnsFile, Ident),
    /// One seen already, or never a zone's.
    Passed,
    /// The link leads nowhere: the process (or thread) is gone, or a zombie.
    Gone,
}

/// The network namespace that `path`, a namespace link of process `pid`, leads to, held open
/// with its identity, unless `skip` says it was seen (or is never a zone's).
fn open_unseen(
    search: &Search,
    pid: i32,
    path: &Path,
    skip: impl Fn(Ident) -> bool,
) -> Result<Look, Fail> {
    let shown = path.display();
    // Gone since the listing (or a zombie, which has no namespace): not this zone's. The
    // cheap stat first; only a namespace not seen yet is opened.
    match look(pid, || nsfs::identity(path).map_err(|e| errno_of(&e))) {
        Ok(Some(i)) if skip(i) => return Ok(Look::Passed),
        Ok(Some(_)) => {}
        Ok(None) => return Ok(Look::Gone),
        Err(e) => return Err(search.io(&format!("cannot read {shown}"), e)),
    }
    let opened = look(pid, || match nsfs::probe(path) {
        nsfs::Probe::Netns(f) => Ok(Some(f)),
        // A process that became a zombie since the stat: its link is there but leads nowhere.
        nsfs::Probe::Missing | nsfs::Probe::Unfit(nsfs::Unfit::Symlink) => Err(Errno::ENOENT),
        nsfs::Probe::Unfit(nsfs::Unfit::Open(e)) => Err(e),
        nsfs::Probe::Unfit(_) => Ok(None),
    });
    let file = match opened {
        Ok(Some(Some(f))) => f,
        Ok(Some(None)) => {
            return Err(search.unknown(format!("{shown} opens as no network namespace")));
        }
        Ok(None) => return Ok(Look::Gone),
        Err(e) => return Err(search.io(&format!("cannot open {shown}"), e)),
    };
    // The namespace held, which the process may have left since the stat.
    let ident = file.identity().map_err(|e| {
        search.io(
            &format!("cannot read the identity of {shown}"),
            errno_of(&e),
        )
    })?;
    Ok(if skip(ident) {
        Look::Passed
    } else {
        Look::Held(file, ident)
    })
}

/// `/proc/self/fd/N` of an open namespace file: the namespace it holds, whatever happens to
/// the process it was opened through.
pub(crate) fn fd_path(f: &NetnsFile) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}", f.file().as_raw_fd()))
}
