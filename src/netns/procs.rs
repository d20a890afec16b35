//! Which processes are in which network namespace: one scan of /proc, a `readlink` of
//! `/proc/PID/ns/net` for each process (`ip netns pids`, a zone's "in use by pids ...").
//!
//! A scan costs some 6 µs a process here (procfs makes the entry anew at each lookup): with
//! 3,000 processes, a scan for each zone made `down --all` 29 ms a zone instead of 2.5. So a
//! run over many zones may make one scan stand for all of them ([`pin_run_scan`]): `down
//! --all` after it holds every zone's lock (a process that entered a zone before its lock was
//! taken is then seen, as by a scan made under that lock alone), `up --all` at its start (`up`
//! only reports the processes it finds). Otherwise each look is a scan of its own, made then.

use std::collections::BTreeMap;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::sync::Mutex;

use crate::netns::Ident;

/// Every process's network namespace, as one pass over /proc found them, in /proc order.
#[derive(Debug, Clone, Default)]
pub struct Procs {
    /// By the namespace's inode: every namespace's inode is on the kernel's one nsfs.
    by_ns: BTreeMap<u64, Vec<i32>>,
}

impl Procs {
    /// One pass over /proc. A process that exits meanwhile, or whose namespace cannot be read,
    /// is passed over (as by iproute2); /proc that cannot be listed is an error, never "no
    /// process". A process's namespace is read from its link's text (`net:[INODE]`), a quarter
    /// cheaper than a stat through the link.
    pub fn scan() -> io::Result<Procs> {
        let mut by_ns: BTreeMap<u64, Vec<i32>> = BTreeMap::new();
        for e in std::fs::read_dir("/proc")?.filter_map(Result::ok) {
            let Some(pid) = std::str::from_utf8(e.file_name().as_bytes())
                .ok()
                .and_then(|p| p.parse::<i32>().ok())
            else {
                continue;
            };
            let link = std::fs::read_link(format!("/proc/{pid}/ns/net"));
            if let Some(ino) = link.ok().and_then(|l| net_inode(l.as_os_str().as_bytes())) {
                by_ns.entry(ino).or_default().push(pid);
            }
        }
        Ok(Procs { by_ns })
    }

    /// The processes in the network namespace `id` (an nsfs inode's identity).
    pub fn pids_in(&self, id: Ident) -> Vec<i32> {
        self.by_ns.get(&id.ino).cloned().unwrap_or_default()
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

/// The processes in the network namespace `id`, from one scan made now (`ip netns pids`).
pub fn pids_in(id: Ident) -> io::Result<Vec<i32>> {
    Ok(Procs::scan()?.pids_in(id))
}

/// The scan made to stand for the rest of this run, if one was.
static RUN_SCAN: Mutex<Option<Procs>> = Mutex::new(None);

/// Scans /proc now and makes that scan stand for every later [`pids_in_run`] of this process.
/// The caller answers for it: `down --all` holds every zone's lock, `up --all` only reports.
pub fn pin_run_scan() -> io::Result<()> {
    let scan = Procs::scan()?;
    *RUN_SCAN.lock().unwrap_or_else(|p| p.into_inner()) = Some(scan);
    Ok(())
}

/// The processes in the network namespace `id`: from the run's pinned scan ([`pin_run_scan`]),
/// else from a scan made now.
pub fn pids_in_run(id: Ident) -> io::Result<Vec<i32>> {
    match RUN_SCAN.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(scan) => Ok(scan.pids_in(id)),
        None => pids_in(id),
    }
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
    fn a_scan_finds_this_process_in_its_namespace() {
        let me = crate::sys::nsfs::identity(std::path::Path::new("/proc/self/ns/net")).unwrap();
        let pid = std::process::id() as i32;
        assert!(Procs::scan().unwrap().pids_in(me).contains(&pid));
        assert!(pids_in(me).unwrap().contains(&pid));
        assert!(pids_in_run(me).unwrap().contains(&pid));
    }
}
