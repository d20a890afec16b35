//! `ip netns pids NAME`: the processes in the named network namespace. Reads only.

use std::ffi::OsStr;
use std::path::Path;

use nix::errno::Errno;

use crate::netns::procs::Threads;
use crate::netns::{self, Entry, Unusable};
use crate::report::errno;
use crate::report::status::Status;

use super::{FAILED, IpFail, Voice};

pub(super) fn pids_cannot_open(errno: Errno) -> IpFail {
    IpFail::new(
        FAILED,
        &[
            b"Cannot open network namespace: ",
            errno::strerror(errno as i32).as_bytes(),
        ],
    )
}

/// `pids NAME`: the processes in the namespace (a symlinked entry followed). An entry that is no
/// namespace lists none and succeeds, as iproute2; under `ip-netns-shim` with the reason.
pub(super) fn pids(voice: Voice, run_dir: &Path, name: &OsStr) -> Result<Status, IpFail> {
    let path = netns::entry_path(run_dir, name);
    let id = match crate::netns::probe(&path) {
        Entry::Netns(f) => f.identity().map_err(|e| {
            IpFail::new(
                FAILED,
                &[b"Stat of netns failed: ", errno::io_reason(&e).as_bytes()],
            )
        })?,
        Entry::Missing | Entry::Unusable(Unusable::Symlink) => {
            return Err(pids_cannot_open(Errno::ENOENT));
        }
        Entry::Unusable(Unusable::Open(e)) => return Err(pids_cannot_open(e)),
        Entry::Unusable(Unusable::Socket) => return Err(pids_cannot_open(Errno::ENXIO)),
        Entry::Unusable(u) => {
            let link = std::fs::read_link(&path).ok();
            voice.warn(&u.describe_via(&path, link.as_deref()));
            for h in crate::netns::host::hints(&u, name, &path, voice.roots.is_zone(name)) {
                voice.warn(&format!("hint: {h}"));
            }
            return Ok(Status::Ok);
        }
    };
    // Under `ip`, iproute2's look: the first thread's link alone. The shim also lists a
    // process whose first thread has exited while another lives on in the namespace.
    let threads = if voice.shim {
        Threads::Living
    } else {
        Threads::First
    };
    let pids = crate::netns::procs::pids_in(id, threads).map_err(|e| {
        IpFail::new(
            FAILED,
            &[b"Open of /proc failed: ", errno::io_reason(&e).as_bytes()],
        )
    })?;
    let mut text = String::new();
    for pid in pids {
        text.push_str(&format!("{pid}\n"));
    }
    voice.print(text.as_bytes()).map(|()| Status::Ok)
}
