//! Which processes are in which network namespace: one scan of /proc, a `readlink` of
//! `/proc/PID/ns/net` for each process (`ip netns pids`, a zone's "in use by pids ...", the
//! survey of `status` and `doctor`).
//!
//! A scan costs some 6 µs a process here (procfs makes the entry anew at each lookup; the
//! link's text is a quarter cheaper than a stat through it). `down` makes one under the zone's
//! lock, for each zone: a scan made earlier, for another zone, would miss a process that entered
//! this zone since (entering a namespace takes no lock of ours).

use std::collections::BTreeMap;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use nix::errno::Errno;

use crate::netns::Ident;
use crate::sys::nsfs::errno_of;

/// A process whose namespace could not be read, and the errno.
pub type Unseen = (i32, Errno);

/// Which threads of a process a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The first thread's link alone, as iproute2 reads it (`ip netns pids` under the name
    /// `ip`): a process whose first thread has exited is in no namespace.
    First,
    /// The first thread's, else (it has exited while others live on) the others', the
    /// process then in each namespace one of them is in: whoever is in a namespace (the zone
    /// commands, `ip-netns-shim`).
    Living,
}

/// Every process's network namespace, as one pass over /proc found them, in /proc order.
#[derive(Debug, Clone, Default)]
pub struct Procs {
    /// By the namespace's inode: every namespace's inode is on the kernel's one nsfs.
    by_ns: BTreeMap<u64, Vec<i32>>,
    /// The processes, but PID 1, whose namespace this process may not read, with the errno.
    unseen: Vec<Unseen>,
    /// /proc listed no PID 1: it hides processes this one may not look at (`hidepid=`).
    hides: bool,
}

impl Procs {
    /// One pass over /proc. A process that exits meanwhile is passed over; one whose namespace
    /// cannot be read is passed over too (as by iproute2) but kept in [`Procs::unseen`]; /proc
    /// that cannot be listed is an error, never "no process". A process's namespace is read
    /// from its link's text (`net:[INODE]`), a quarter cheaper than a stat through the link.
    pub fn scan(threads: Threads) -> io::Result<Procs> {
        let pids: Vec<i32> = std::fs::read_dir("/proc")?
            .filter_map(Result::ok)
            .filter_map(|e| {
                std::str::from_utf8(e.file_name().as_bytes())
                    .ok()?
                    .parse()
                    .ok()
            })
            .collect();
        let mut by_ns: BTreeMap<u64, Vec<i32>> = BTreeMap::new();
        let mut refused = Vec::new();
        let mut unseen = Vec::new();
        // Gone, or a process whose first thread has exited while others live on.
        let mut leaderless = Vec::new();
        for (pid, ino) in pids.iter().zip(net_inodes(&pids, first_inode_of)) {
            match ino {
                Ok(Some(ino)) => by_ns.entry(ino).or_default().push(*pid),
                Ok(None) => leaderless.push(*pid),
                // PID 1's namespace is the host's (and a sandbox's PID 1 may refuse even root).
                Err(_) if *pid == 1 => {}
                Err(e) if is_refusal(e) => refused.push((*pid, e)),
                Err(e) => unseen.push((*pid, e)),
            }
        }
        let (late, still) = ask_again(refused, |pid| first_inode_of(&pid));
        for (pid, ino) in late {
            by_ns.entry(ino).or_default().push(pid);
        }
        unseen.extend(still);
        // Each namespace a leaderless process's threads are in (they may be in several: a
        // thread may setns() alone): the process is in each.
        if threads == Threads::Living {
            let mut refused = Vec::new();
            for pid in leaderless {
                match thread_inodes(pid) {
                    Ok(inos) => inos
                        .into_iter()
                        .for_each(|ino| by_ns.entry(ino).or_default().push(pid)),
                    Err(e) if is_refusal(e) => refused.push((pid, e)),
                    Err(e) => unseen.push((pid, e)),
                }
            }
            let (late, still) = ask_again(refused, |pid| thread_inodes(pid).map(Some));
            for (pid, inos) in late {
                inos.into_iter()
                    .for_each(|ino| by_ns.entry(ino).or_default().push(pid));
            }
            unseen.extend(still);
        }
        // /proc order: ascending PIDs.
        by_ns.values_mut().for_each(|pids| pids.sort_unstable());
        // A kernel thread is in the host's namespace whatever hides it.
        unseen.retain(|(pid, _)| !kernel_thread(*pid));
        unseen.sort_unstable_by_key(|(pid, _)| *pid);
        let hides = !pids.contains(&1);
        Ok(Procs {
            by_ns,
            unseen,
            hides,
        })
    }

    /// The processes, but PID 1, whose network namespace could not be read (a security
    /// module's policy, such as Landlock's, denying this process a look): any may be in any
    /// namespace.
    pub fn unseen(&self) -> &[Unseen] {
        &self.unseen
    }

    /// [`Procs::unseen`]'s PIDs.
    pub fn unseen_pids(&self) -> Vec<i32> {
        self.unseen.iter().map(|(pid, _)| *pid).collect()
    }

    /// Whether /proc hides processes from this one: it lists no PID 1, which every PID
    /// namespace has (a /proc mounted `hidepid=` hides those this process may not look at,
    /// and then lists none of them: not even as [`Procs::unseen`]).
    pub fn hides(&self) -> bool {
        self.hides
    }

    /// The processes in the network namespace `id` (an nsfs inode's identity).
    pub fn pids_in(&self, id: Ident) -> Vec<i32> {
        self.by_ns.get(&id.ino).cloned().unwrap_or_default()
    }
}

/// The processes needed before a look is shared among threads: below it, making them costs
/// more than it saves.
const PIDS_A_THREAD: usize = 256;

/// Each process's namespace inode (`None`: gone meanwhile; an errno: unreadable), in the order
/// given. On a host with many processes the look is shared among threads, one a CPU (at most 8); a
/// thread that cannot be made (a pids limit) leaves its share to this one.
fn net_inodes(
    pids: &[i32],
    look: fn(&i32) -> Result<Option<u64>, Errno>,
) -> Vec<Result<Option<u64>, Errno>> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cpus.min(8).min(pids.len() / PIDS_A_THREAD).max(1);
    if threads == 1 {
        return pids.iter().map(look).collect();
    }
    let shares: Vec<&[i32]> = pids.chunks(pids.len().div_ceil(threads)).collect();
    std::thread::scope(|s| {
        let others: Vec<_> = shares[1..]
            .iter()
            .map(|share| {
                let share: &[i32] = share;
                std::thread::Builder::new()
                    .spawn_scoped(s, move || share.iter().map(look).collect::<Vec<_>>())
            })
            .collect();
        let mut out: Vec<Result<Option<u64>, Errno>> = shares[0].iter().map(look).collect();
        for (made, share) in others.into_iter().zip(&shares[1..]) {
            match made.map(|t| t.join()) {
                Ok(Ok(inos)) => out.extend(inos),
                _ => out.extend(share.iter().map(look)),
            }
        }
        out
    })
}

/// The inode of the network namespace of process `pid`'s first thread (`None`: gone, or the
/// thread has exited), in one look ([`look_once`]).
fn first_inode_of(pid: &i32) -> Result<Option<u64>, Errno> {
    link_inode(*pid, &format!("/proc/{pid}/ns/net"))
}

/// [`look_once`] at the namespace link `path` of process `pid`.
fn link_inode(pid: i32, path: &str) -> Result<Option<u64>, Errno> {
    look_once(pid, || {
        let link = std::fs::read_link(path).map_err(|e| errno_of(&e))?;
        net_inode(link.as_os_str().as_bytes()).ok_or(Errno::EINVAL)
    })
}

/// The network namespaces of process `pid`'s threads but its first, each once, in the order
/// of the threads (none: no thread lives on, or the process is gone).
fn thread_inodes(pid: i32) -> Result<Vec<u64>, Errno> {
    let mut inos = Vec::new();
    for tid in other_threads(pid) {
        if let Some(ino) = link_inode(pid, &format!("/proc/{pid}/task/{tid}/ns/net"))? {
            if !inos.contains(&ino) {
                inos.push(ino);
            }
        }
    }
    Ok(inos)
}

/// The threads of process `pid` but its first, in /proc order (none: the process is gone).
/// Where the first has exited while others live on (a program that called pthread_exit in
/// main), `/proc/PID/ns/net` leads nowhere and theirs are the process's namespaces.
pub(crate) fn other_threads(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| t.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&tid| tid != pid)
        .collect()
}

/// Whether process `pid` is a kernel thread (PF_KTHREAD in the flags of `/proc/PID/stat`,
/// which every process may read): one is never in a zone's namespace.
fn kernel_thread(pid: i32) -> bool {
    const PF_KTHREAD: u64 = 0x0020_0000;
    let Ok(stat) = std::fs::read(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // After the command's closing parenthesis: state, ppid, pgrp, session, tty_nr, tpgid,
    // flags.
    let Some(end) = stat.iter().rposition(|&b| b == b')') else {
        return false;
    };
    std::str::from_utf8(&stat[end + 1..])
        .ok()
        .and_then(|rest| rest.split_ascii_whitespace().nth(6))
        .and_then(|f| f.parse::<u64>().ok())
        .is_some_and(|flags| flags & PF_KTHREAD != 0)
}

/// Whether `e` is a look refused (or a process reaped under it: [`look_once`]).
fn is_refusal(e: Errno) -> bool {
    matches!(e, Errno::EACCES | Errno::EPERM)
}

/// One look at process `pid` in /proc (`look`: a read of its `ns/net`), with a process that
/// exited meanwhile told apart from one this process may not look at. procfs answers EACCES
/// for both: a process reaped between the lookup of its link and the read of it has no task
/// left to ask. `Ok(None)`: gone (ENOENT, ESRCH, or EACCES/EPERM and /proc/PID gone).
fn look_once<T>(pid: i32, look: impl FnOnce() -> Result<T, Errno>) -> Result<Option<T>, Errno> {
    match look() {
        Ok(v) => Ok(Some(v)),
        Err(Errno::ENOENT | Errno::ESRCH) => Ok(None),
        Err(e) if is_refusal(e) && std::fs::symlink_metadata(format!("/proc/{pid}")).is_err() => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The waits before asking again about processes still there that refuse a look (one being
/// made may not be lookable for a moment): some 15 ms in all, however many refuse.
const AGAIN: [Duration; 5] = [
    Duration::from_micros(500),
    Duration::from_millis(1),
    Duration::from_millis(2),
    Duration::from_millis(4),
    Duration::from_millis(8),
];

/// [`look_once`], asked again after each of [`AGAIN`]'s waits while refused; still refused,
/// the errno is the answer (the search for one zone's namespace, which stops at the first).
pub(crate) fn look<T>(
    pid: i32,
    mut look: impl FnMut() -> Result<T, Errno>,
) -> Result<Option<T>, Errno> {
    let mut answer = look_once(pid, &mut look);
    for wait in AGAIN {
        match answer {
            Err(e) if is_refusal(e) => {
                std::thread::sleep(wait);
                answer = look_once(pid, &mut look);
            }
            _ => break,
        }
    }
    answer
}

/// The processes `refused` (each refused a first look) asked again together after each of
/// [`AGAIN`]'s waits (`look`: one [`look_once`]), so that a scan waits some 15 ms at most
/// whatever the number: those seen at last, and those still unseen with the errno.
fn ask_again<T>(
    refused: Vec<Unseen>,
    mut look: impl FnMut(i32) -> Result<Option<T>, Errno>,
) -> (Vec<(i32, T)>, Vec<Unseen>) {
    let (mut refused, mut seen, mut unseen) = (refused, Vec::new(), Vec::new());
    for wait in AGAIN {
        if refused.is_empty() {
            break;
        }
        std::thread::sleep(wait);
        refused.retain_mut(|(pid, errno)| match look(*pid) {
            Ok(Some(v)) => {
                seen.push((*pid, v));
                false
            }
            Ok(None) => false,
            Err(e) if is_refusal(e) => {
                *errno = e;
                true
            }
            Err(e) => {
                unseen.push((*pid, e));
                false
            }
        });
    }
    unseen.extend(refused);
    (seen, unseen)
}

/// The inode of a network namespace link's text, `net:[INODE]`.
fn net_inode(text: &[u8]) -> Option<u64> {
    let digits = text.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// What a zone's command says when /proc hides processes from it ([`Procs::hides`]).
pub const HIDDEN: &str =
    "/proc lists no PID 1: it is mounted to hide the processes this one may not look at (hidepid=)";

/// What a zone's command says when /proc cannot be listed (`ip netns pids` says iproute2's
/// words instead).
pub fn unlisted(e: &io::Error) -> String {
    format!(
        "cannot list the processes in /proc, so whether a zone is in use cannot be told: {}",
        crate::sys::exec::io_reason(e)
    )
}

/// The processes in the network namespace `id`, from one scan made now (`ip netns pids`).
pub fn pids_in(id: Ident, threads: Threads) -> io::Result<Vec<i32>> {
    Ok(Procs::scan(threads)?.pids_in(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_texts_give_their_inode() {
        assert_eq!(net_inode(b"net:[4026531840]"), Some(4026531840));
        for bad in [
            &b"net:[]"[..],
            b"net:[12",
            b"mnt:[4026531840]",
            b"net:[+1]",
            b"net:[1 ]",
            b"net:[99999999999999999999]",
            b"",
        ] {
            assert_eq!(net_inode(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_look_shared_among_threads_keeps_the_order() {
        let me = std::process::id() as i32;
        let pids: Vec<i32> = std::iter::repeat_n(me, PIDS_A_THREAD * 3 + 7).collect();
        let mine = first_inode_of(&me);
        assert!(matches!(mine, Ok(Some(_))));
        assert_eq!(net_inodes(&pids, first_inode_of), vec![mine; pids.len()]);
        // A process that is gone (PID 0 is never one) reads as none, in its place.
        let mut mixed = pids.clone();
        mixed[PIDS_A_THREAD * 2] = 0;
        let got = net_inodes(&mixed, first_inode_of);
        assert_eq!(got[PIDS_A_THREAD * 2], Ok(None));
        assert_eq!(got.iter().filter(|i| *i == &Ok(None)).count(), 1);
    }

    /// procfs's EACCES for a process reaped under a held link, as a scan meets it when a
    /// process exits between the lookup of its `ns/net` and the read: gone, not refused.
    #[test]
    fn a_process_reaped_under_the_look_is_gone_not_refused() {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let held = std::fs::File::options()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_NOFOLLOW)
            .open(format!("/proc/{pid}/ns/net"))
            .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        let read = || nix::fcntl::readlinkat(Some(held.as_raw_fd()), "");
        assert_eq!(
            read().unwrap_err(),
            Errno::EACCES,
            "the kernel's answer changed"
        );
        assert_eq!(look(pid, read), Ok(None));
    }

    /// A process still there that refuses every look (as under a Landlock domain: the
    /// integration tests make one) is asked again, then its errno is the answer; one that
    /// answers the second time is seen.
    #[test]
    fn a_refusing_process_still_there_is_unseen() {
        let me = std::process::id() as i32;
        let mut asked = 0;
        let refused = look(me, || -> Result<(), Errno> {
            asked += 1;
            Err(Errno::EACCES)
        });
        assert_eq!((refused, asked), (Err(Errno::EACCES), AGAIN.len() + 1));
        let mut asked = 0;
        let second = look(me, || {
            asked += 1;
            if asked == 1 { Err(Errno::EPERM) } else { Ok(7) }
        });
        assert_eq!(second, Ok(Some(7)));
        assert_eq!(
            look(me, || -> Result<(), Errno> { Err(Errno::EMFILE) }),
            Err(Errno::EMFILE)
        );
    }

    /// A scan's refusals are asked again together, in as many rounds as a single process
    /// gets: its wait does not grow with their number.
    #[test]
    fn refusals_are_asked_again_together() {
        let me = std::process::id() as i32;
        let many: Vec<Unseen> = vec![(me, Errno::EACCES); 1000];
        let mut asked = 0;
        let (seen, unseen) = ask_again(many, |_| -> Result<Option<()>, Errno> {
            asked += 1;
            Err(Errno::EPERM)
        });
        assert_eq!(asked, 1000 * AGAIN.len());
        assert!(seen.is_empty());
        assert_eq!(unseen, vec![(me, Errno::EPERM); 1000]);
        // Seen at the second round, gone, failed otherwise: each said once.
        let mut round = 0;
        let (seen, unseen) = ask_again(
            vec![
                (10, Errno::EACCES),
                (11, Errno::EACCES),
                (12, Errno::EACCES),
            ],
            |pid| {
                round += 1;
                match (pid, round) {
                    (10, r) if r > 3 => Ok(Some("late")),
                    (11, _) => Ok(None),
                    (12, _) => Err(Errno::EMFILE),
                    _ => Err(Errno::EACCES),
                }
            },
        );
        assert_eq!(seen, vec![(10, "late")]);
        assert_eq!(unseen, vec![(12, Errno::EMFILE)]);
    }

    #[test]
    fn kernel_threads_are_told_by_their_flags() {
        // kthreadd is PID 2 of the initial PID namespace; this process is none.
        let kthreadd = std::fs::read_to_string("/proc/2/comm").is_ok_and(|c| c == "kthreadd\n");
        assert_eq!(kernel_thread(2), kthreadd);
        assert!(!kernel_thread(std::process::id() as i32));
        assert!(!kernel_thread(0));
    }

    #[test]
    fn a_scan_finds_this_process_in_its_namespace() {
        let me = crate::sys::nsfs::identity(std::path::Path::new("/proc/self/ns/net")).unwrap();
        let pid = std::process::id() as i32;
        assert!(
            Procs::scan(Threads::Living)
                .unwrap()
                .pids_in(me)
                .contains(&pid)
        );
        assert!(pids_in(me, Threads::First).unwrap().contains(&pid));
    }
}
