//! Which processes are in which network namespace: one scan of /proc, a `readlink` of
//! `/proc/PID/ns/net` for each process (`ip netns pids`, a zone's "in use by pids ...").
//!
//! A scan costs some 6 µs a process here (procfs makes the entry anew at each lookup): with
//! 3,000 processes, a scan for each zone made `down --all` 29 ms a zone instead of 2.5. So a
//! run over many zones reuses one: [`pids_in_recent`] takes the run's last scan while the time
//! since it ended is no longer than it took, a new one otherwise. Any scan misses a process
//! that enters a namespace after its PID was looked at; a reused scan is at most twice as old
//! for the first PIDs it looked at as a scan in progress is, and scanning takes at most half
//! of the run. (A guest's start is seen all the same: its claim is checked under the zone's
//! lock.)

use std::collections::BTreeMap;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::netns::Ident;
use crate::sys::nsfs::identity;

/// Every process's network namespace, as one pass over /proc found them, in /proc order.
#[derive(Debug, Clone)]
pub struct Procs {
    by_ns: BTreeMap<Ident, Vec<i32>>,
    /// When the pass ended, and how long it took.
    ended: Instant,
    took: Duration,
}

impl Procs {
    /// One pass over /proc. A process that exits meanwhile, or whose namespace cannot be read,
    /// is passed over (as by iproute2); /proc that cannot be listed is an error, never "no
    /// process".
    pub fn scan() -> io::Result<Procs> {
        let start = Instant::now();
        // Every namespace's inode is on the kernel's one nsfs, whose device our own link shows;
        // a process's inode is read from its link's text (`net:[INODE]`), a quarter cheaper
        // than a stat through the link.
        let nsfs = identity(Path::new("/proc/self/ns/net"))?.dev;
        let mut by_ns: BTreeMap<Ident, Vec<i32>> = BTreeMap::new();
        for e in std::fs::read_dir("/proc")?.filter_map(Result::ok) {
            let Some(pid) = std::str::from_utf8(e.file_name().as_bytes())
                .ok()
                .and_then(|p| p.parse::<i32>().ok())
            else {
                continue;
            };
            let link = std::fs::read_link(format!("/proc/{pid}/ns/net"));
            if let Some(ino) = link.ok().and_then(|l| net_inode(l.as_os_str().as_bytes())) {
                by_ns.entry(Ident { dev: nsfs, ino }).or_default().push(pid);
            }
        }
        let ended = Instant::now();
        Ok(Procs {
            by_ns,
            ended,
            took: ended - start,
        })
    }

    /// The processes in the network namespace `id`.
    pub fn pids_in(&self, id: Ident) -> Vec<i32> {
        self.by_ns.get(&id).cloned().unwrap_or_default()
    }

    /// Whether this scan may still stand for /proc now: see [`fresh`].
    fn is_fresh(&self) -> bool {
        fresh(self.ended.elapsed(), self.took)
    }
}

/// The inode of a network namespace link's text, `net:[INODE]`.
fn net_inode(text: &[u8]) -> Option<u64> {
    let digits = text.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// No process at all: only what a survey made by hand in a unit test holds.
impl Default for Procs {
    fn default() -> Procs {
        Procs {
            by_ns: BTreeMap::new(),
            ended: Instant::now(),
            took: Duration::ZERO,
        }
    }
}

/// A scan that ended `age` ago and took `took` to make stands for /proc now while `age` is no
/// longer than `took` (a scan in progress is as old, for the processes it looked at first).
pub fn fresh(age: Duration, took: Duration) -> bool {
    age <= took
}

/// The processes in the network namespace `id`, from one scan made now (`ip netns pids`).
pub fn pids_in(id: Ident) -> io::Result<Vec<i32>> {
    Ok(Procs::scan()?.pids_in(id))
}

/// The processes in the network namespace `id`, from the run's last scan while [`fresh`],
/// else from a new one (kept for the next call): a zone's facts, for `up --all` and `down
/// --all` over many zones (a single `up` or `down` scans once).
pub fn pids_in_recent(id: Ident) -> io::Result<Vec<i32>> {
    static LAST: Mutex<Option<Procs>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match last.as_ref() {
        Some(p) if p.is_fresh() => Ok(p.pids_in(id)),
        _ => {
            let p = Procs::scan()?;
            let pids = p.pids_in(id);
            *last = Some(p);
            Ok(pids)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_stands_for_as_long_as_it_took() {
        let ms = Duration::from_millis;
        assert!(fresh(ms(0), ms(0)));
        assert!(fresh(ms(20), ms(25)));
        assert!(fresh(ms(25), ms(25)));
        assert!(!fresh(ms(26), ms(25)));
        // A scan of a handful of processes is taken again for every zone.
        assert!(!fresh(ms(2), Duration::from_micros(300)));
    }

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
    fn a_scan_finds_this_process_in_its_namespace() {
        let me = identity(Path::new("/proc/self/ns/net")).unwrap();
        let p = Procs::scan().unwrap();
        assert!(p.pids_in(me).contains(&(std::process::id() as i32)));
        assert!(pids_in(me).unwrap().contains(&(std::process::id() as i32)));
        assert!(
            pids_in_recent(me)
                .unwrap()
                .contains(&(std::process::id() as i32))
        );
    }
}
