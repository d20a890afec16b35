//! `ip netns list`: every name in the run dir, with its id where the kernel has one.
//! Side-effecting (reads the run dir, asks the kernel).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::netns::{self, Entry, Unusable};
use crate::report::errno;
use crate::report::out;
use crate::report::quote::escape;
use crate::report::status::Status;
use crate::sys::nsfs;
use crate::sys::nsid::Nsids;

use super::{FAILED, IpFail, Voice};

/// What iproute2 6.1's `list` says (twice) for an entry that is no namespace.
pub(super) const PEER_INVALID: &[u8] = b"Error: Peer netns reference is invalid.\n";

/// The names in the run dir (readdir order); a missing dir has none.
pub(super) fn names_in(run_dir: &Path) -> Result<Vec<OsString>, IpFail> {
    nsfs::list_names(run_dir).map_err(|e| {
        IpFail::new(
            FAILED,
            &[
                b"Failed to open directory ",
                run_dir.as_os_str().as_bytes(),
                b": ",
                errno::io_reason(&e).as_bytes(),
            ],
        )
    })
}

/// `list`: every name, with `(id: N)` where the kernel has one. A bad entry is listed by name;
/// under `ip` with iproute2's two `Error: Peer netns reference is invalid.` lines on stderr,
/// under `ip-netns-shim` marked `(stale)` / `(covered)` / `(unusable)` with a line saying why.
pub(super) fn list(voice: Voice, run_dir: &Path) -> Result<Status, IpFail> {
    let names = match nsfs::list_names(run_dir) {
        Ok(n) => n,
        Err(e) => {
            // iproute2 lists nothing and succeeds; the shim at least says why.
            voice.warn(&format!(
                "warning: cannot read {}: {}",
                escape(run_dir.as_os_str()),
                errno::io_reason(&e)
            ));
            return Ok(Status::Ok);
        }
    };
    let mut nsids = Nsids::open().ok();
    let mut text: Vec<u8> = Vec::new();
    // The mount table once for all entries (read only if one is stale): not once per entry.
    let mut mounts = nsfs::Mounts::default();
    for name in names {
        let path = netns::entry_path(run_dir, &name);
        let suffix = match crate::netns::probe_in(&path, &mut mounts) {
            Entry::Netns(f) => match nsids.as_mut().and_then(|s| s.id_of(f.file()).ok()) {
                Some(Some(id)) => format!(" (id: {id})"),
                _ => String::new(),
            },
            Entry::Missing => continue, // deleted while we listed
            Entry::Unusable(u) if voice.shim => {
                let link = std::fs::read_link(&path).ok();
                voice.warn(&u.describe_via(&path, link.as_deref()));
                match u {
                    Unusable::Stale => " (stale)".to_string(),
                    Unusable::Covered => " (covered)".to_string(),
                    _ => " (unusable)".to_string(),
                }
            }
            // iproute2 asks for the id only of what it could open: a dangling link or an entry
            // it may not open gets the bare name.
            Entry::Unusable(Unusable::Symlink | Unusable::Open(_)) => String::new(),
            Entry::Unusable(_) => {
                out::stderr_bytes(PEER_INVALID);
                out::stderr_bytes(PEER_INVALID);
                String::new()
            }
        };
        text.extend_from_slice(&[name.as_bytes(), suffix.as_bytes(), b"\n"].concat());
    }
    voice.print(&text).map(|()| Status::Ok)
}
