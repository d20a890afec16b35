//! `ip netns identify [PID]`: the names whose entry is PID's network namespace. Reads only.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::netns::registry as admin;
use crate::report::errno;
use crate::report::status::Status;
use crate::sys::nsfs;

use super::{FAILED, IpFail, Voice};

/// `identify [PID]`: the names whose entry is PID's network namespace (symlinked entries
/// followed). Under `ip` the last one, as iproute2 6.1 prints it; under `ip-netns-shim` all of
/// them, one a line. An empty line when none is, as iproute2.
pub(super) fn identify(voice: Voice, run_dir: &Path, pid: &OsStr) -> Result<Status, IpFail> {
    let proc_path = Path::new("/proc").join(pid).join("ns/net");
    let id = nsfs::identity(&proc_path).map_err(|e| {
        IpFail::new(
            FAILED,
            &[
                b"Cannot open network namespace: ",
                errno::io_reason(&e).as_bytes(),
            ],
        )
    })?;
    let mut names = match admin::names_of(run_dir, id) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(IpFail::new(
                FAILED,
                &[
                    b"Failed to open directory ",
                    run_dir.as_os_str().as_bytes(),
                    b":",
                    errno::io_reason(&e).as_bytes(),
                ],
            ));
        }
    };
    if !voice.shim && names.len() > 1 {
        names.drain(..names.len() - 1);
    }
    let mut text: Vec<u8> = Vec::new();
    for n in &names {
        text.extend_from_slice(n.as_bytes());
        text.push(b'\n');
    }
    if names.is_empty() {
        text.push(b'\n');
    }
    voice.print(&text).map(|()| Status::Ok)
}
