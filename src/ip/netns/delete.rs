//! `ip netns delete NAME` and `-all delete`: through `netns::registry`, with iproute2's
//! messages. Side-effecting.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::netns::Unusable;
use crate::netns::registry as admin;
use crate::report::errno;
use crate::report::quote::escape;
use crate::report::status::Status;

use super::list::names_in;
use super::{FAILED, IpFail, Voice, admin_fail};

/// `delete NAME`: every mount layer, then the file; only namespaces (see [`admin::delete`]).
/// Under `ip-netns-shim` a warning names processes still inside, or the link's target.
pub(super) fn delete(voice: Voice, run_dir: &Path, name: &OsStr) -> Result<Status, IpFail> {
    let deleted = admin::delete(run_dir, name).map_err(delete_fail)?;
    if !deleted.pids.is_empty() {
        let pids: Vec<String> = deleted.pids.iter().map(i32::to_string).collect();
        voice.warn(&format!(
            "warning: processes still live in '{}' and keep it alive: {} (see 'ip netns pids' before deleting)",
            escape(name),
            pids.join(" ")
        ));
    }
    if let Some(target) = deleted.link {
        voice.warn(&format!(
            "removed the symbolic link '{}'; its target {} is left as it is",
            escape(name),
            escape(target.as_os_str())
        ));
    }
    Ok(Status::Ok)
}

/// A refused or failed delete: iproute2's first line, then what the entry is.
pub(super) fn delete_fail(e: admin::DeleteError) -> IpFail {
    match e {
        admin::DeleteError::Failed(e) => admin_fail(e),
        admin::DeleteError::Refused(n) => {
            let errno = match n.what {
                Unusable::NotNamespace {
                    what: "a directory",
                } => libc::EISDIR,
                Unusable::Open(e) => e as i32,
                _ => libc::EINVAL,
            };
            let mut f = IpFail::new(
                FAILED,
                &[
                    b"Cannot remove namespace file \"",
                    n.path.as_os_str().as_bytes(),
                    b"\": ",
                    errno::strerror(errno).as_bytes(),
                ],
            );
            f.more.push(format!(
                "{}; only a namespace (an nsfs mount or an empty file) is deleted",
                n.what.describe_via(&n.path, n.link.as_deref())
            ));
            f
        }
    }
}

/// `-all delete`: every namespace entry, going on after a failure; 1 if any failed (iproute2
/// stops at the first failure and returns 0). Entries that are no namespace are skipped (said
/// under `ip-netns-shim`).
pub(super) fn delete_all(voice: Voice, run_dir: &Path) -> Result<Status, IpFail> {
    let mut status = Status::Ok;
    for name in names_in(run_dir)? {
        match admin::delete(run_dir, &name) {
            Ok(_) => {}
            Err(admin::DeleteError::Refused(n)) => voice.warn(&format!(
                "skipped: {}",
                n.what.describe_via(&n.path, n.link.as_deref())
            )),
            Err(e) => {
                delete_fail(e).print(voice.prefix);
                status = FAILED;
            }
        }
    }
    Ok(status)
}
