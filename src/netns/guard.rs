//! The set-ID guard: this binary is no set-user-ID or set-group-ID helper, under any name.
//! Reads the process's ids; changes nothing.
//!
//! Invariant: every personality that acts (vspace, ip) calls [`refuse_setuid`] before it reads
//! anything from the environment or the command line it would act on.

#![deny(unsafe_code)]

use crate::report::fail::Fail;
use crate::report::status::Status;

/// Refuses to run with real and effective ids that differ: this binary is not a setuid helper.
pub fn refuse_setuid(prefix: &'static str) -> Result<(), Fail> {
    let (uid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    let (gid, egid) = (nix::unistd::getgid(), nix::unistd::getegid());
    if uid != euid || gid != egid {
        return Err(Fail::new(
            prefix,
            Status::Setup,
            format!(
                "refusing to run setuid or setgid (uid {uid}, euid {euid}, gid {gid}, egid {egid}); remove the set-id bits (chmod u-s,g-s) and run it as root"
            ),
        ));
    }
    Ok(())
}
